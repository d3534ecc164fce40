//! Reading an upstream Keystone 30 database (keystone/common/sql/migrations) into our
//! records, through `Source` (sqlite or MySQL alike). Upstream's quirks kept: domains are
//! `project` rows with `is_domain`, under the `<<keystone.domain.root>>` row (skipped); a
//! global role's domain_id is `<<null>>`; name and description of services live in `extra`.
//! The kinds beyond identity, assignment and catalog are in `read_more`.

use std::collections::HashMap;

use super::source::{pairs, rows, Row, Source, Sql};
use super::Upstream;
use crate::model::Trust;
use crate::model::{
    ActorKind, ApplicationCredential, Assignment, Domain, Endpoint, Extra, Group, Project, Region,
    Role, Service, Target, User,
};
use crate::store::credentials::StoredCredential;

const ROOT_DOMAIN: &str = "<<keystone.domain.root>>";
const NULL_DOMAIN: &str = "<<null>>";

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
fn options(src: &mut dyn Source, table: &str, owner: &str) -> Sql<HashMap<String, Extra>> {
    let query = format!("SELECT {owner}, option_id, option_value FROM {table}");
    let all = rows(src, table, &query, |r| {
        Ok((r.text(0)?, r.text(1)?, r.json(2)?))
    })?;
    let mut out: HashMap<String, Extra> = HashMap::new();
    for (id, option, value) in all {
        let Some((_, name)) = OPTION_NAMES.iter().find(|(o, _)| *o == option) else {
            continue;
        };
        let value = value.unwrap_or(serde_json::Value::Null);
        out.entry(id).or_default().insert(name.to_string(), value);
    }
    Ok(out)
}

/// Link rows (owner, linked) grouped by owner, their order kept: looked up once per owner
/// (a scan of every link row per owner would be quadratic on a large database).
pub(super) type Links = HashMap<String, Vec<String>>;

pub(super) fn grouped(pairs: Vec<(String, String)>) -> Links {
    let mut out = Links::new();
    for (owner, linked) in pairs {
        out.entry(owner).or_default().push(linked);
    }
    out
}

/// What `key` links to, in row order.
pub(super) fn seconds_of(links: &Links, key: &str) -> Vec<String> {
    links.get(key).cloned().unwrap_or_default()
}

pub(super) fn read(src: &mut dyn Source) -> Sql<Upstream> {
    let mut up = Upstream::default();
    read_resource(src, &mut up)?;
    read_identity(src, &mut up)?;
    read_roles(src, &mut up)?;
    read_catalog(src, &mut up)?;
    read_secrets(src, &mut up)?;
    read_trusts(src, &mut up)?;
    super::read_more::read(src, &mut up)?;
    Ok(up)
}

fn read_resource(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let tags = grouped(pairs(
        src,
        "project_tag",
        "SELECT project_id, name FROM project_tag ORDER BY name",
    )?);
    let mut opts = options(src, "project_option", "project_id")?;
    let all = rows(
        src,
        "project",
        "SELECT id, name, extra, description, enabled, domain_id, parent_id, is_domain \
         FROM project",
        |r| {
            Ok((
                r.text(0)?,
                r.flag(7)?,
                r.opt_text(6)?,
                r.text(5)?,
                common(r)?,
            ))
        },
    )?;
    for (id, is_domain, parent_id, domain_id, (name, description, enabled, extra)) in all {
        if id == ROOT_DOMAIN {
            continue;
        }
        let tags = seconds_of(&tags, &id);
        let options = opts.remove(&id).unwrap_or_default();
        if is_domain {
            up.domains.push(Domain {
                id,
                name,
                description,
                enabled,
                tags,
                options,
                extra,
            });
        } else {
            up.projects.push(Project {
                id,
                name,
                domain_id,
                description,
                enabled,
                parent_id,
                tags,
                options,
                extra,
            });
        }
    }
    Ok(())
}

/// A project row's name (1), description (3), enabled (4) and extra (2).
fn common(r: &Row) -> Sql<(String, String, bool, Extra)> {
    Ok((
        r.text(1)?,
        r.opt_text(3)?.unwrap_or_default(),
        r.opt_flag(4)?.unwrap_or(true),
        r.extra(2)?,
    ))
}

/// A local user's password: (hash, created_at_int µs, expires_at_int µs, self_service).
type Password = (String, i64, Option<i64>, bool);

fn read_identity(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let mut passwords = read_passwords(src)?;
    let mut opts = options(src, "user_option", "user_id")?;
    // A federated (shadow) user's name is its federated_user display name.
    let users = rows(
        src,
        "user",
        "SELECT u.id, u.extra, u.enabled, u.default_project_id, u.last_active_at, u.domain_id, \
         COALESCE(l.name, n.name, (SELECT MIN(f.display_name) FROM federated_user f \
         WHERE f.user_id = u.id)), l.id, l.failed_auth_count, n.name \
         FROM `user` u LEFT JOIN local_user l ON l.user_id = u.id \
         LEFT JOIN nonlocal_user n ON n.user_id = u.id",
        |r| {
            let user = User {
                id: r.text(0)?,
                extra: r.extra(1)?,
                enabled: r.opt_flag(2)?.unwrap_or(true),
                default_project_id: r.opt_text(3)?,
                last_active_at: r.opt_text(4)?,
                domain_id: r.text(5)?,
                name: r.opt_text(6)?.unwrap_or_default(),
                failed_auth_count: r.opt_int(8)?.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
                ..Default::default()
            };
            // Neither a local nor a nonlocal name: a shadow user.
            let shadow = r.opt_int(7)?.is_none() && r.opt_text(9)?.is_none();
            Ok((user, r.opt_int(7)?, shadow))
        },
    )?;
    for (mut user, local_id, shadow) in users {
        user.options = opts.remove(&user.id).unwrap_or_default();
        let own = local_id
            .and_then(|l| passwords.remove(&l))
            .unwrap_or_default();
        if let Some((current, earlier)) = own.split_last() {
            user.password_hash = Some(current.0.clone());
            user.password_created_at = current.1 / 1_000_000;
            user.password_expires_at = current
                .2
                .and_then(|us| crate::compliance::format_expiry(us as f64 / 1e6));
            user.password_self_service = current.3;
            user.password_history = earlier.iter().map(|p| p.0.clone()).collect();
        }
        // A user with a local (or nonlocal) name is indexed by it; a shadow user is not.
        if shadow {
            up.shadow_users.push(user);
        } else {
            up.users.push(user);
        }
    }
    up.groups = rows(
        src,
        "group",
        "SELECT id, domain_id, name, description, extra FROM `group`",
        |r| {
            Ok(Group {
                id: r.text(0)?,
                domain_id: r.text(1)?,
                name: r.text(2)?,
                description: r.opt_text(3)?.unwrap_or_default(),
                extra: r.extra(4)?,
            })
        },
    )?;
    up.memberships = pairs(
        src,
        "user_group_membership",
        "SELECT group_id, user_id FROM user_group_membership",
    )?;
    Ok(())
}

/// Every local user's passwords, oldest first, by local_user id.
fn read_passwords(src: &mut dyn Source) -> Sql<HashMap<i64, Vec<Password>>> {
    let all = rows(
        src,
        "password",
        "SELECT local_user_id, password_hash, created_at_int, expires_at_int, self_service \
         FROM password WHERE password_hash IS NOT NULL \
         ORDER BY local_user_id, created_at_int, id",
        |r| {
            Ok((
                r.int(0)?,
                (
                    r.text(1)?,
                    r.int(2)?,
                    r.opt_int(3)?,
                    r.opt_flag(4)?.unwrap_or(false),
                ),
            ))
        },
    )?;
    let mut out: HashMap<i64, Vec<Password>> = HashMap::new();
    for (local, password) in all {
        out.entry(local).or_default().push(password);
    }
    Ok(out)
}

fn read_roles(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let opts = options(src, "role_option", "role_id")?;
    up.roles = rows(
        src,
        "role",
        "SELECT id, name, extra, domain_id, description FROM role",
        |r| {
            Ok(Role {
                id: r.text(0)?,
                name: r.text(1)?,
                extra: r.extra(2)?,
                domain_id: r.opt_text(3)?.filter(|d| d != NULL_DOMAIN),
                description: r.opt_text(4)?,
                options: Extra::new(),
            })
        },
    )?;
    for role in &mut up.roles {
        role.options = opts.get(&role.id).cloned().unwrap_or_default();
    }
    up.implied = pairs(
        src,
        "implied_role",
        "SELECT prior_role_id, implied_role_id FROM implied_role",
    )?;
    up.assignments = rows(
        src,
        "assignment",
        "SELECT type, actor_id, target_id, role_id, inherited FROM assignment \
         UNION ALL SELECT type, actor_id, target_id, role_id, inherited FROM system_assignment",
        |r| {
            let kind = r.text(0)?;
            let target_id = r.text(2)?;
            Ok(Assignment {
                actor_kind: if kind.starts_with("User") {
                    ActorKind::User
                } else {
                    ActorKind::Group
                },
                actor_id: r.text(1)?,
                target: match kind.as_str() {
                    "UserProject" | "GroupProject" => Target::Project(target_id),
                    "UserDomain" | "GroupDomain" => Target::Domain(target_id),
                    _ => Target::System,
                },
                role_id: r.text(3)?,
                inherited: r.flag(4)?,
            })
        },
    )?;
    Ok(())
}

fn read_catalog(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    up.regions = rows(
        src,
        "region",
        "SELECT id, description, parent_region_id, extra FROM region",
        |r| {
            Ok(Region {
                id: r.text(0)?,
                description: r.opt_text(1)?.unwrap_or_default(),
                parent_region_id: r.opt_text(2)?,
                extra: r.extra(3)?,
            })
        },
    )?;
    up.services = rows(
        src,
        "service",
        "SELECT id, type, enabled, extra FROM service",
        |r| {
            Ok(Service {
                id: r.text(0)?,
                service_type: r.text(1)?,
                enabled: r.opt_flag(2)?.unwrap_or(true),
                extra: r.extra(3)?,
            })
        },
    )?;
    up.endpoints = rows(
        src,
        "endpoint",
        "SELECT id, interface, region_id, service_id, url, enabled, extra FROM endpoint",
        |r| {
            Ok(Endpoint {
                id: r.text(0)?,
                interface: r.text(1)?,
                region_id: r.opt_text(2)?,
                service_id: r.text(3)?,
                url: r.text(4)?,
                enabled: r.opt_flag(5)?.unwrap_or(true),
                extra: r.extra(6)?,
            })
        },
    )?;
    Ok(())
}

fn read_secrets(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    // Blobs stay encrypted: the same Fernet scheme and key_hash as ours, so the old
    // credential keys (copied with --credential-keys) decrypt them.
    up.credentials = rows(
        src,
        "credential",
        "SELECT id, user_id, project_id, type, extra, key_hash, encrypted_blob FROM credential",
        |r| {
            Ok(StoredCredential {
                id: r.text(0)?,
                user_id: r.text(1)?,
                project_id: r.opt_text(2)?,
                cred_type: r.text(3)?,
                extra: r.extra(4)?,
                key_hash: r.text(5)?,
                encrypted_blob: r.text(6)?,
            })
        },
    )?;
    let role_rows = grouped(pairs(
        src,
        "application_credential_role",
        "SELECT application_credential_id, role_id FROM application_credential_role",
    )?);
    // Access rules by their public (external) id, linked by internal ids.
    let rule_rows = grouped(pairs(
        src,
        "application_credential_access_rule",
        "SELECT l.application_credential_id, a.external_id \
         FROM application_credential_access_rule l JOIN access_rule a ON a.id = l.access_rule_id \
         ORDER BY l.access_rule_id",
    )?);
    up.app_creds = rows(
        src,
        "application_credential",
        "SELECT internal_id, id, name, secret_hash, description, user_id, project_id, \
         expires_at, `system`, unrestricted FROM application_credential",
        |r| {
            let internal = r.text(0)?;
            let rules = seconds_of(&rule_rows, &internal);
            Ok(ApplicationCredential {
                id: r.text(1)?,
                name: r.text(2)?,
                secret_hash: r.text(3)?,
                description: r.opt_text(4)?,
                user_id: r.text(5)?,
                project_id: r.opt_text(6)?,
                expires_at: r.opt_int(7)?,
                system: r.opt_text(8)?,
                unrestricted: r.opt_flag(9)?,
                role_ids: seconds_of(&role_rows, &internal),
                access_rule_ids: (!rules.is_empty()).then_some(rules),
            })
        },
    )?;
    Ok(())
}

fn read_trusts(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let roles = grouped(pairs(
        src,
        "trust_role",
        "SELECT trust_id, role_id FROM trust_role",
    )?);
    // Deleted trusts (soft-deleted upstream) are not brought along.
    up.trusts = rows(
        src,
        "trust",
        "SELECT id, trustor_user_id, trustee_user_id, project_id, impersonation, \
         expires_at_int, remaining_uses, redelegated_trust_id, redelegation_count, extra \
         FROM trust WHERE deleted_at IS NULL",
        |r| {
            let id = r.text(0)?;
            Ok(Trust {
                role_ids: seconds_of(&roles, &id),
                id,
                trustor_user_id: r.text(1)?,
                trustee_user_id: r.text(2)?,
                project_id: r.opt_text(3)?,
                impersonation: r.flag(4)?,
                expires_at: r.opt_int(5)?,
                remaining_uses: r.opt_int(6)?,
                redelegated_trust_id: r.opt_text(7)?,
                redelegation_count: r.opt_int(8)?.unwrap_or(0),
                extra: r.extra(9)?,
            })
        },
    )?;
    Ok(())
}
