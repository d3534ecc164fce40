//! Reading an upstream Keystone 30 sqlite database (keystone/common/sql/migrations) into our
//! records, then writing them through the store's own functions, so every index is built as
//! the API would build it. Upstream's quirks kept: domains are `project` rows with
//! `is_domain`, under the `<<keystone.domain.root>>` row (skipped); a global role's
//! domain_id is `<<null>>`; name and description of services live in `extra`.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, Row};

use crate::model::Trust;
use crate::model::{
    ActorKind, ApplicationCredential, Assignment, Domain, Endpoint, Extra, Group, Project, Region,
    Role, Service, Target, User,
};
use crate::store::credentials::StoredCredential;
use crate::store::{
    application_credentials, assignment, catalog, identity, resource, tables, trusts, Writer,
};

const ROOT_DOMAIN: &str = "<<keystone.domain.root>>";
const NULL_DOMAIN: &str = "<<null>>";

/// Everything read from the upstream database.
#[derive(Default)]
pub(super) struct Upstream {
    domains: Vec<Domain>,
    projects: Vec<Project>,
    users: Vec<User>,
    groups: Vec<Group>,
    memberships: Vec<(String, String)>,
    roles: Vec<Role>,
    implied: Vec<(String, String)>,
    assignments: Vec<Assignment>,
    regions: Vec<Region>,
    services: Vec<Service>,
    endpoints: Vec<Endpoint>,
    credentials: Vec<StoredCredential>,
    app_creds: Vec<ApplicationCredential>,
    trusts: Vec<Trust>,
}

type Sql<T> = Result<T, String>;

/// Upstream's resource option ids (keystone/identity/backends/resource_options.py,
/// common/resource_options/options/immutable.py) and the names the API shows.
const OPTION_NAMES: &[(&str, &str)] = &[
    ("1000", "ignore_change_password_upon_first_use"),
    ("1001", "ignore_password_expiry"),
    ("1002", "ignore_lockout_failure_attempts"),
    ("1003", "lock_password"),
    ("1004", "ignore_user_inactivity"),
    ("MFAR", "multi_factor_auth_rules"),
    ("MFAE", "multi_factor_auth_enabled"),
    ("IMMU", "immutable"),
];

/// Every row's options from `table` (user_option, project_option, role_option), by owner id.
fn options(c: &Connection, table: &str, owner: &str) -> Sql<HashMap<String, Extra>> {
    let query = format!("SELECT {owner}, option_id, option_value FROM {table}");
    let all: Vec<(String, String, Option<String>)> =
        rows(c, table, &query, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut out: HashMap<String, Extra> = HashMap::new();
    for (id, option, value) in all {
        let Some((_, name)) = OPTION_NAMES.iter().find(|(o, _)| *o == option) else {
            continue;
        };
        // option_value is a JSON blob column.
        let value = value
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or(serde_json::Value::Null);
        out.entry(id).or_default().insert(name.to_string(), value);
    }
    Ok(out)
}

fn sql_err(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("reading {what}: {e}")
}

/// Runs `query` and maps each row with `f`.
fn rows<T>(
    c: &Connection,
    what: &str,
    query: &str,
    f: impl Fn(&Row) -> rusqlite::Result<T>,
) -> Sql<Vec<T>> {
    let mut stmt = c.prepare(query).map_err(sql_err(what))?;
    let mapped = stmt.query_map([], |row| f(row)).map_err(sql_err(what))?;
    mapped.collect::<Result<Vec<T>, _>>().map_err(sql_err(what))
}

/// A JSON `extra` column as a map (empty when null or not an object).
fn extra(text: Option<String>) -> Extra {
    text.and_then(|t| serde_json::from_str::<Extra>(&t).ok())
        .unwrap_or_default()
}

pub(super) fn read(path: &Path) -> Sql<Upstream> {
    // Read-only: the old database is never changed by an import.
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut up = Upstream::default();
    read_resource(&c, &mut up)?;
    read_identity(&c, &mut up)?;
    read_roles(&c, &mut up)?;
    read_catalog(&c, &mut up)?;
    read_secrets(&c, &mut up)?;
    read_trusts(&c, &mut up)?;
    Ok(up)
}

fn read_resource(c: &Connection, up: &mut Upstream) -> Sql<()> {
    let tags: Vec<(String, String)> = rows(
        c,
        "project_tag",
        "SELECT project_id, name FROM project_tag ORDER BY name",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let tags_of = |id: &str| -> Vec<String> {
        tags.iter()
            .filter(|(p, _)| p == id)
            .map(|(_, n)| n.clone())
            .collect()
    };
    let all = rows(c, "project",
        "SELECT id, name, extra, description, enabled, domain_id, parent_id, is_domain FROM project",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<bool>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
            ))
        },
    )?;
    let mut opts = options(c, "project_option", "project_id")?;
    for (id, name, ext, description, enabled, domain_id, parent_id, is_domain) in all {
        if id == ROOT_DOMAIN {
            continue;
        }
        let tags = tags_of(&id);
        let options = opts.remove(&id).unwrap_or_default();
        if is_domain {
            up.domains.push(Domain {
                id,
                name,
                description: description.unwrap_or_default(),
                enabled: enabled.unwrap_or(true),
                tags,
                options,
                extra: extra(ext),
            });
        } else {
            up.projects.push(Project {
                id,
                name,
                domain_id,
                description: description.unwrap_or_default(),
                enabled: enabled.unwrap_or(true),
                parent_id,
                tags,
                options,
                extra: extra(ext),
            });
        }
    }
    Ok(())
}

/// A local user's passwords, oldest first: (hash, created_at_int µs, expires_at_int µs,
/// self_service).
type Passwords = Vec<(String, i64, Option<i64>, bool)>;

fn read_identity(c: &Connection, up: &mut Upstream) -> Sql<()> {
    let users = rows(
        c,
        "user",
        "SELECT u.id, u.extra, u.enabled, u.default_project_id, u.last_active_at, u.domain_id, \
         COALESCE(l.name, n.name), l.id, l.failed_auth_count \
         FROM user u LEFT JOIN local_user l ON l.user_id = u.id \
         LEFT JOIN nonlocal_user n ON n.user_id = u.id",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<bool>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, Option<u32>>(8)?,
            ))
        },
    )?;
    let mut opts = options(c, "user_option", "user_id")?;
    for (id, ext, enabled, default_project_id, last_active_at, domain_id, name, local_id, failed) in
        users
    {
        // A federated (shadow) user has no name row here; its identities are not imported.
        let Some(name) = name else { continue };
        let passwords = match local_id {
            Some(local) => passwords(c, local)?,
            None => Vec::new(),
        };
        let mut user = User {
            options: opts.remove(&id).unwrap_or_default(),
            id,
            name,
            domain_id,
            enabled: enabled.unwrap_or(true),
            default_project_id,
            extra: extra(ext),
            failed_auth_count: failed.unwrap_or(0),
            last_active_at,
            ..Default::default()
        };
        if let Some((current, earlier)) = passwords.split_last() {
            user.password_hash = Some(current.0.clone());
            user.password_created_at = current.1 / 1_000_000;
            user.password_expires_at = current
                .2
                .and_then(|us| crate::compliance::format_expiry(us as f64 / 1e6));
            user.password_self_service = current.3;
            user.password_history = earlier.iter().map(|p| p.0.clone()).collect();
        }
        up.users.push(user);
    }
    up.groups = rows(
        c,
        "group",
        "SELECT id, domain_id, name, description, extra FROM \"group\"",
        |r| {
            Ok(Group {
                id: r.get(0)?,
                domain_id: r.get(1)?,
                name: r.get(2)?,
                description: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                extra: extra(r.get(4)?),
            })
        },
    )?;
    up.memberships = rows(
        c,
        "user_group_membership",
        "SELECT group_id, user_id FROM user_group_membership",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(())
}

fn passwords(c: &Connection, local_user: i64) -> Sql<Passwords> {
    let mut stmt = c
        .prepare(
            "SELECT password_hash, created_at_int, expires_at_int, self_service FROM password \
             WHERE local_user_id = ?1 AND password_hash IS NOT NULL ORDER BY created_at_int, id",
        )
        .map_err(sql_err("password"))?;
    let mapped = stmt
        .query_map([local_user], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Option<bool>>(3)?.unwrap_or(false),
            ))
        })
        .map_err(sql_err("password"))?;
    mapped
        .collect::<Result<_, _>>()
        .map_err(sql_err("password"))
}

fn read_roles(c: &Connection, up: &mut Upstream) -> Sql<()> {
    let opts = options(c, "role_option", "role_id")?;
    up.roles = rows(
        c,
        "role",
        "SELECT id, name, extra, domain_id, description FROM role",
        |r| {
            let domain_id: Option<String> = r.get(3)?;
            Ok(Role {
                id: r.get(0)?,
                name: r.get(1)?,
                extra: extra(r.get(2)?),
                domain_id: domain_id.filter(|d| d != NULL_DOMAIN),
                description: r.get(4)?,
                options: Extra::new(),
            })
        },
    )?;
    for role in &mut up.roles {
        role.options = opts.get(&role.id).cloned().unwrap_or_default();
    }
    up.implied = rows(
        c,
        "implied_role",
        "SELECT prior_role_id, implied_role_id FROM implied_role",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let grants = rows(
        c,
        "assignment",
        "SELECT type, actor_id, target_id, role_id, inherited FROM assignment \
         UNION ALL SELECT type, actor_id, target_id, role_id, inherited FROM system_assignment",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
            ))
        },
    )?;
    for (kind, actor_id, target_id, role_id, inherited) in grants {
        let actor_kind = if kind.starts_with("User") {
            ActorKind::User
        } else {
            ActorKind::Group
        };
        let target = match kind.as_str() {
            "UserProject" | "GroupProject" => Target::Project(target_id),
            "UserDomain" | "GroupDomain" => Target::Domain(target_id),
            _ => Target::System,
        };
        up.assignments.push(Assignment {
            actor_kind,
            actor_id,
            target,
            role_id,
            inherited,
        });
    }
    Ok(())
}

fn read_catalog(c: &Connection, up: &mut Upstream) -> Sql<()> {
    up.regions = rows(
        c,
        "region",
        "SELECT id, description, parent_region_id, extra FROM region",
        |r| {
            Ok(Region {
                id: r.get(0)?,
                description: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                parent_region_id: r.get(2)?,
                extra: extra(r.get(3)?),
            })
        },
    )?;
    up.services = rows(
        c,
        "service",
        "SELECT id, type, enabled, extra FROM service",
        |r| {
            Ok(Service {
                id: r.get(0)?,
                service_type: r.get(1)?,
                enabled: r.get::<_, Option<bool>>(2)?.unwrap_or(true),
                extra: extra(r.get(3)?),
            })
        },
    )?;
    up.endpoints = rows(
        c,
        "endpoint",
        "SELECT id, interface, region_id, service_id, url, enabled, extra FROM endpoint",
        |r| {
            Ok(Endpoint {
                id: r.get(0)?,
                interface: r.get(1)?,
                region_id: r.get(2)?,
                service_id: r.get(3)?,
                url: r.get(4)?,
                enabled: r.get::<_, Option<bool>>(5)?.unwrap_or(true),
                extra: extra(r.get(6)?),
            })
        },
    )?;
    Ok(())
}

fn read_secrets(c: &Connection, up: &mut Upstream) -> Sql<()> {
    // Blobs stay encrypted: the same Fernet scheme and key_hash as ours, so the old
    // credential keys (copied with --credential-keys) decrypt them.
    up.credentials = rows(
        c,
        "credential",
        "SELECT id, user_id, project_id, type, extra, key_hash, encrypted_blob FROM credential",
        |r| {
            Ok(StoredCredential {
                id: r.get(0)?,
                user_id: r.get(1)?,
                project_id: r.get(2)?,
                cred_type: r.get(3)?,
                extra: extra(r.get(4)?),
                key_hash: r.get(5)?,
                encrypted_blob: r.get(6)?,
            })
        },
    )?;
    let role_rows: Vec<(i64, String)> = rows(
        c,
        "application_credential_role",
        "SELECT application_credential_id, role_id FROM application_credential_role",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    up.app_creds = rows(
        c,
        "application_credential",
        "SELECT internal_id, id, name, secret_hash, description, user_id, project_id, \
         expires_at, system, unrestricted FROM application_credential",
        |r| {
            let internal: i64 = r.get(0)?;
            Ok(ApplicationCredential {
                id: r.get(1)?,
                name: r.get(2)?,
                secret_hash: r.get(3)?,
                description: r.get(4)?,
                user_id: r.get(5)?,
                project_id: r.get(6)?,
                expires_at: r.get(7)?,
                system: r.get(8)?,
                unrestricted: r.get(9)?,
                role_ids: role_rows
                    .iter()
                    .filter(|(ac, _)| *ac == internal)
                    .map(|(_, role)| role.clone())
                    .collect(),
                // Access rules are not imported (see README).
                access_rule_ids: None,
            })
        },
    )?;
    Ok(())
}

fn read_trusts(c: &Connection, up: &mut Upstream) -> Sql<()> {
    let roles: Vec<(String, String)> = rows(
        c,
        "trust_role",
        "SELECT trust_id, role_id FROM trust_role",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Deleted trusts (soft-deleted upstream) are not brought along.
    up.trusts = rows(
        c,
        "trust",
        "SELECT id, trustor_user_id, trustee_user_id, project_id, impersonation, \
         expires_at_int, remaining_uses, redelegated_trust_id, redelegation_count, extra \
         FROM trust WHERE deleted_at IS NULL",
        |r| {
            let id: String = r.get(0)?;
            Ok(Trust {
                role_ids: roles
                    .iter()
                    .filter(|(t, _)| *t == id)
                    .map(|(_, role)| role.clone())
                    .collect(),
                id,
                trustor_user_id: r.get(1)?,
                trustee_user_id: r.get(2)?,
                project_id: r.get(3)?,
                impersonation: r.get(4)?,
                expires_at: r.get(5)?,
                remaining_uses: r.get(6)?,
                redelegated_trust_id: r.get(7)?,
                redelegation_count: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
                extra: extra(r.get(9)?),
            })
        },
    )?;
    Ok(())
}

/// Writes everything in reference order; a summary of the counts.
pub(super) fn write(w: &impl Writer, up: &Upstream) -> crate::error::Result<String> {
    for d in &up.domains {
        if resource::get_domain(w, &d.id)?.is_none() {
            resource::create_domain(w, d)?;
        }
    }
    // Parents before children: a project's parent is its domain or an earlier project.
    let mut pending: Vec<&Project> = up.projects.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for p in pending {
            let parent_ready = match &p.parent_id {
                Some(parent) => {
                    parent == &p.domain_id || resource::get_project(w, parent)?.is_some()
                }
                None => true,
            };
            if parent_ready {
                resource::create_project(w, p)?;
            } else {
                later.push(p);
            }
        }
        if later.len() == before {
            return Err(crate::error::Error::Validation(
                "project parents form a cycle or are missing".into(),
            ));
        }
        pending = later;
    }
    for u in &up.users {
        identity::create_user(w, u)?;
    }
    for g in &up.groups {
        identity::create_group(w, g)?;
    }
    for (group, user) in &up.memberships {
        identity::add_member(w, group, user)?;
    }
    for r in &up.roles {
        assignment::create_role(w, r)?;
    }
    for (prior, implied) in &up.implied {
        assignment::add_implied(w, prior, implied)?;
    }
    for a in &up.assignments {
        assignment::grant(w, a)?;
    }
    write_catalog(w, up)?;
    for c in &up.credentials {
        w.put(tables::CREDENTIALS, &c.id, c)?;
    }
    for ac in &up.app_creds {
        application_credentials::create(w, ac)?;
    }
    for t in &up.trusts {
        trusts::put(w, t)?;
    }
    Ok(format!(
        "{} domains, {} projects, {} users, {} groups, {} roles, {} assignments, {} services, \
         {} endpoints, {} credentials, {} application credentials, {} trusts",
        up.domains.len(),
        up.projects.len(),
        up.users.len(),
        up.groups.len(),
        up.roles.len(),
        up.assignments.len(),
        up.services.len(),
        up.endpoints.len(),
        up.credentials.len(),
        up.app_creds.len(),
        up.trusts.len()
    ))
}

fn write_catalog(w: &impl Writer, up: &Upstream) -> crate::error::Result<()> {
    // Regions parents first (few of them: repeated passes are fine).
    let mut pending: Vec<&Region> = up.regions.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for r in pending {
            let ready = match &r.parent_region_id {
                Some(parent) => catalog::get_region(w, parent)?.is_some(),
                None => true,
            };
            if ready {
                catalog::create_region(w, r)?;
            } else {
                later.push(r);
            }
        }
        if later.len() == before {
            return Err(crate::error::Error::Validation(
                "region parents form a cycle".into(),
            ));
        }
        pending = later;
    }
    for s in &up.services {
        catalog::put_service(w, s)?;
    }
    for e in &up.endpoints {
        catalog::put_endpoint(w, e)?;
    }
    Ok(())
}
