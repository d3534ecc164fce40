//! The YAML seed: parse (unknown fields are errors), check every reference, then apply in one
//! write transaction as "ensure these exist". Entries are matched by their natural key (domain
//! name; project, user and group name in a domain; role name and domain; region id; service
//! type and name; endpoint service, interface and region). What exists is left as it is, so
//! changes made through the API survive a restart; what is missing is created. One exception:
//! an endpoint whose seed URL contains `{public_url}` gets the server's current URL on every
//! start, since `--listen 127.0.0.1:0` may pick another port each time.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::model::{self, ActorKind, Assignment, Target};
use crate::password::{self, Hasher};
use crate::store::{assignment, catalog, identity, resource, Reader, Store, Writer};

pub const DEFAULT_DOMAIN_ID: &str = "default";
pub const DEFAULT_DOMAIN_NAME: &str = "Default";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub domains: Vec<SeedDomain>,
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub roles: Vec<SeedRole>,
    #[serde(default)]
    pub assignments: Vec<SeedAssignment>,
    #[serde(default)]
    pub regions: Vec<SeedRegion>,
    #[serde(default)]
    pub services: Vec<SeedService>,
    #[serde(default)]
    pub endpoints: Vec<SeedEndpoint>,
}

fn yes() -> bool {
    true
}
fn default_domain() -> String {
    DEFAULT_DOMAIN_NAME.to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDomain {
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProject {
    pub id: Option<String>,
    pub name: String,
    /// Domain name.
    #[serde(default = "default_domain")]
    pub domain: String,
    /// Parent project name, in the same domain.
    pub parent: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "default_domain")]
    pub domain: String,
    /// Plain password, hashed on load.
    pub password: Option<String>,
    /// A hash in an upstream format, imported as is.
    pub password_hash: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub email: Option<String>,
    pub description: Option<String>,
    /// Project name in the user's domain.
    pub default_project: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "default_domain")]
    pub domain: String,
    #[serde(default)]
    pub description: String,
    /// User names in the group's domain.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRole {
    pub id: Option<String>,
    pub name: String,
    /// Domain name, for a domain-specific role.
    pub domain: Option<String>,
    pub description: Option<String>,
    /// Names of the global roles this role implies.
    #[serde(default)]
    pub implies: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAssignment {
    pub user: Option<String>,
    pub group: Option<String>,
    /// The user's or group's domain name.
    #[serde(default = "default_domain")]
    pub actor_domain: String,
    pub role: String,
    pub project: Option<String>,
    #[serde(default = "default_domain")]
    pub project_domain: String,
    pub domain: Option<String>,
    /// Only "all".
    pub system: Option<String>,
    #[serde(default)]
    pub inherited: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRegion {
    pub id: String,
    #[serde(default)]
    pub description: String,
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedService {
    pub id: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEndpoint {
    pub id: Option<String>,
    /// Service name.
    pub service: String,
    pub interface: String,
    pub region: Option<String>,
    /// May contain `{public_url}`, the server's own base URL.
    pub url: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// A seed problem: where and what.
#[derive(Debug)]
pub struct SeedError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A seed file's text and its digest, read before anything is parsed or written: a seed
/// the store has already applied (same digest) is not parsed again.
pub struct SeedText {
    pub path: String,
    pub text: String,
    /// Hex sha256 of the text.
    pub digest: String,
}

impl SeedText {
    pub fn read(path: &Path) -> Result<SeedText, SeedError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SeedError {
            file: name.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Ok(SeedText {
            path: name,
            digest: digest(&text),
            text,
        })
    }

    pub fn parse(&self) -> Result<SeedFile, SeedError> {
        SeedFile::parse(&self.path, self.text.clone())
    }
}

fn digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// META keys: the digest of the seed last applied, and the endpoints whose URL it templates
/// with `{public_url}` as (endpoint id, template).
const META_SEED_DIGEST: &str = "seed-digest";
const META_SEED_URL_TEMPLATES: &str = "seed-public-url-endpoints";

/// Whether the store has applied exactly this seed text.
pub fn already_applied(store: &Store, text: &SeedText) -> Result<bool, String> {
    let applied: Option<String> = store
        .read(|r| r.get(crate::store::tables::META, META_SEED_DIGEST))
        .map_err(|e| e.to_string())?;
    Ok(applied.as_deref() == Some(text.digest.as_str()))
}

/// For an unchanged seed: points its `{public_url}` endpoints at this start's URL.
pub fn refresh_public_url(store: &Store, public_url: &str) -> Result<(), String> {
    let templates: Vec<(String, String)> = store
        .read(|r| r.get(crate::store::tables::META, META_SEED_URL_TEMPLATES))
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let stale = store
        .read(|r| -> crate::error::Result<_> {
            let mut stale = Vec::new();
            for (id, template) in &templates {
                if let Some(endpoint) = catalog::get_endpoint(r, id)? {
                    let url = template.replace("{public_url}", public_url);
                    if endpoint.url != url {
                        stale.push(model::Endpoint { url, ..endpoint });
                    }
                }
            }
            Ok(stale)
        })
        .map_err(|e| e.to_string())?;
    if stale.is_empty() {
        return Ok(());
    }
    store
        .write(|w| -> crate::error::Result<_> {
            for endpoint in &stale {
                catalog::put_endpoint(w, endpoint)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// A parsed seed with its source, so later checks can point at lines.
pub struct SeedFile {
    pub seed: Seed,
    path: String,
    text: String,
}

impl SeedFile {
    pub fn parse(name: &str, text: String) -> Result<SeedFile, SeedError> {
        let seed: Seed = if text.trim().is_empty() {
            Seed::default()
        } else {
            serde_yaml::from_str(&text).map_err(|e| SeedError {
                file: name.to_string(),
                line: e.location().map_or(0, |l| l.line()),
                message: e.to_string(),
            })?
        };
        Ok(SeedFile {
            seed,
            path: name.to_string(),
            text,
        })
    }

    fn error(&self, section: &str, index: usize, message: String) -> SeedError {
        SeedError {
            file: self.path.clone(),
            line: item_line(&self.text, section, index),
            message: format!("{section}[{index}]: {message}"),
        }
    }
}

/// The line of the `index`-th list item under a top-level `section:` key (1-based; 0 if unknown).
fn item_line(text: &str, section: &str, index: usize) -> usize {
    let mut in_section = false;
    let mut item_indent: Option<usize> = None;
    let mut seen = 0;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 && !trimmed.starts_with('-') {
            in_section = trimmed.starts_with(&format!("{section}:"));
            item_indent = None;
            continue;
        }
        if in_section && trimmed.starts_with('-') && item_indent.is_none_or(|i| i == indent) {
            item_indent = Some(indent);
            if seen == index {
                return n + 1;
            }
            seen += 1;
        }
    }
    0
}

/// Applies the seed in one write transaction; on any error nothing is written.
/// `strict`: the store is new, so every reference must resolve inside the seed itself.
pub fn apply(
    file: &SeedFile,
    store: &Store,
    hasher: &Hasher,
    public_url: &str,
) -> Result<(), SeedError> {
    let seed = &file.seed;
    check_unique(file)?;
    // Hash passwords before the write transaction: hashing is slow by design.
    let mut hashes: HashMap<usize, String> = HashMap::new();
    let existing_users: HashSet<usize> = store
        .read(|r| -> crate::error::Result<_> {
            let mut out = HashSet::new();
            for (i, u) in seed.users.iter().enumerate() {
                let domain_id = resolve_domain_id(r, seed, &u.domain)?;
                if let Some(d) = domain_id {
                    if identity::find_user_by_name(r, &d, &u.name)?.is_some() {
                        out.insert(i);
                    }
                }
            }
            Ok(out)
        })
        .map_err(|e| file.error("users", 0, e.to_string()))?;
    for (i, user) in seed.users.iter().enumerate() {
        if existing_users.contains(&i) {
            continue;
        }
        match (&user.password, &user.password_hash) {
            (Some(_), Some(_)) => {
                return Err(file.error(
                    "users",
                    i,
                    "give password or password_hash, not both".into(),
                ))
            }
            (Some(plain), None) => {
                let hash = hasher
                    .hash(plain)
                    .map_err(|e| file.error("users", i, format!("cannot hash password: {e}")))?;
                hashes.insert(i, hash);
            }
            (None, Some(hash)) => {
                if !password::is_supported_hash(hash) {
                    return Err(file.error(
                        "users",
                        i,
                        "password_hash is not pbkdf2_sha512, bcrypt or scrypt".into(),
                    ));
                }
                hashes.insert(i, hash.clone());
            }
            (None, None) => {}
        }
    }
    // apply_in's own error carries file and line; keep it out of the store's error type.
    let mut seed_error = None;
    let result = store.write(|w| {
        apply_in(w, file, &hashes, public_url).map_err(|e| {
            seed_error = Some(e);
            crate::error::Error::Validation("seed rejected".into())
        })
    });
    if let Some(e) = seed_error {
        return Err(e);
    }
    result.map_err(|e| SeedError {
        file: file.path.clone(),
        line: 0,
        message: e.to_string(),
    })
}

fn check_unique(file: &SeedFile) -> Result<(), SeedError> {
    let seed = &file.seed;
    fn dup<'a, T>(
        file: &SeedFile,
        section: &str,
        items: &'a [T],
        key: impl Fn(&'a T) -> String,
    ) -> Result<(), SeedError> {
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let k = key(item);
            if !seen.insert(k.clone()) {
                return Err(file.error(section, i, format!("duplicate {k}")));
            }
        }
        Ok(())
    }
    dup(file, "domains", &seed.domains, |d| {
        format!("domain name '{}'", d.name)
    })?;
    dup(file, "projects", &seed.projects, |p| {
        format!("project name '{}' in domain '{}'", p.name, p.domain)
    })?;
    dup(file, "users", &seed.users, |u| {
        format!("user name '{}' in domain '{}'", u.name, u.domain)
    })?;
    dup(file, "groups", &seed.groups, |g| {
        format!("group name '{}' in domain '{}'", g.name, g.domain)
    })?;
    dup(file, "roles", &seed.roles, |r| {
        format!(
            "role name '{}' in domain '{}'",
            r.name,
            r.domain.as_deref().unwrap_or("(global)")
        )
    })?;
    dup(file, "regions", &seed.regions, |r| {
        format!("region id '{}'", r.id)
    })?;
    dup(file, "services", &seed.services, |s| {
        format!("service name '{}'", s.name)
    })?;
    Ok(())
}

/// A domain id by name, from the store or (not yet created) the seed.
fn resolve_domain_id(
    r: &impl Reader,
    seed: &Seed,
    name: &str,
) -> crate::error::Result<Option<String>> {
    if let Some(d) = resource::find_domain_by_name(r, name)? {
        return Ok(Some(d.id));
    }
    if name == DEFAULT_DOMAIN_NAME {
        return Ok(Some(DEFAULT_DOMAIN_ID.to_string()));
    }
    Ok(seed
        .domains
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.id.clone()))
}

fn apply_in(
    w: &redb::WriteTransaction,
    file: &SeedFile,
    hashes: &HashMap<usize, String>,
    public_url: &str,
) -> Result<(), SeedError> {
    let seed = &file.seed;
    let store_err = |section: &str, i: usize| {
        let section = section.to_string();
        move |e: crate::store::StoreError| {
            file.error(&section, i, crate::error::Error::from(e).to_string())
        }
    };
    // The default domain always exists, as upstream's db_sync makes it.
    if resource::get_domain(w, DEFAULT_DOMAIN_ID)
        .map_err(store_err("domains", 0))?
        .is_none()
    {
        let default = model::Domain {
            id: DEFAULT_DOMAIN_ID.into(),
            name: DEFAULT_DOMAIN_NAME.into(),
            description: "The default domain".into(),
            enabled: true,
            tags: vec![],
            options: Default::default(),
            extra: Default::default(),
        };
        resource::create_domain(w, &default).map_err(store_err("domains", 0))?;
    }
    for (i, d) in seed.domains.iter().enumerate() {
        if resource::find_domain_by_name(w, &d.name)
            .map_err(store_err("domains", i))?
            .is_some()
        {
            continue;
        }
        let domain = model::Domain {
            id: d.id.clone().unwrap_or_else(model::new_id),
            name: d.name.clone(),
            description: d.description.clone(),
            enabled: d.enabled,
            tags: vec![],
            options: Default::default(),
            extra: Default::default(),
        };
        resource::create_domain(w, &domain).map_err(store_err("domains", i))?;
    }
    let domain_id = |section: &str, i: usize, name: &str| -> Result<String, SeedError> {
        resource::find_domain_by_name(w, name)
            .map_err(store_err(section, i))?
            .map(|d| d.id)
            .ok_or_else(|| file.error(section, i, format!("unknown domain '{name}'")))
    };
    // Projects in seed order; a parent must come before its children.
    for (i, p) in seed.projects.iter().enumerate() {
        let did = domain_id("projects", i, &p.domain)?;
        if resource::find_project_by_name(w, &did, &p.name)
            .map_err(store_err("projects", i))?
            .is_some()
        {
            continue;
        }
        let parent_id = match &p.parent {
            Some(parent) => Some(
                resource::find_project_by_name(w, &did, parent)
                    .map_err(store_err("projects", i))?
                    .ok_or_else(|| {
                        file.error(
                            "projects",
                            i,
                            format!("unknown parent project '{parent}' (list parents first)"),
                        )
                    })?
                    .id,
            ),
            None => Some(did.clone()),
        };
        let project = model::Project {
            id: p.id.clone().unwrap_or_else(model::new_id),
            name: p.name.clone(),
            domain_id: did,
            description: p.description.clone(),
            enabled: p.enabled,
            parent_id,
            tags: p.tags.clone(),
            options: Default::default(),
            extra: Default::default(),
        };
        resource::create_project(w, &project).map_err(store_err("projects", i))?;
    }
    for (i, u) in seed.users.iter().enumerate() {
        let did = domain_id("users", i, &u.domain)?;
        if identity::find_user_by_name(w, &did, &u.name)
            .map_err(store_err("users", i))?
            .is_some()
        {
            continue;
        }
        let default_project_id = match &u.default_project {
            Some(name) => Some(
                resource::find_project_by_name(w, &did, name)
                    .map_err(store_err("users", i))?
                    .ok_or_else(|| {
                        file.error("users", i, format!("unknown default_project '{name}'"))
                    })?
                    .id,
            ),
            None => None,
        };
        let mut extra = model::Extra::new();
        if let Some(email) = &u.email {
            extra.insert("email".into(), email.clone().into());
        }
        if let Some(description) = &u.description {
            extra.insert("description".into(), description.clone().into());
        }
        let user = model::User {
            id: u.id.clone().unwrap_or_else(model::new_id),
            name: u.name.clone(),
            domain_id: did,
            enabled: u.enabled,
            password_hash: hashes.get(&i).cloned(),
            default_project_id,
            password_expires_at: None,
            options: Default::default(),
            extra,
            password_created_at: 0,
            ..Default::default()
        };
        identity::create_user(w, &user).map_err(store_err("users", i))?;
    }
    for (i, g) in seed.groups.iter().enumerate() {
        let did = domain_id("groups", i, &g.domain)?;
        let group =
            match identity::find_group_by_name(w, &did, &g.name).map_err(store_err("groups", i))? {
                Some(existing) => existing,
                None => {
                    let group = model::Group {
                        id: g.id.clone().unwrap_or_else(model::new_id),
                        name: g.name.clone(),
                        domain_id: did.clone(),
                        description: g.description.clone(),
                        extra: Default::default(),
                    };
                    identity::create_group(w, &group).map_err(store_err("groups", i))?;
                    group
                }
            };
        for member in &g.members {
            let user = identity::find_user_by_name(w, &did, member)
                .map_err(store_err("groups", i))?
                .ok_or_else(|| file.error("groups", i, format!("unknown member '{member}'")))?;
            identity::add_member(w, &group.id, &user.id).map_err(store_err("groups", i))?;
        }
    }
    for (i, r) in seed.roles.iter().enumerate() {
        let did = match &r.domain {
            Some(name) => Some(domain_id("roles", i, name)?),
            None => None,
        };
        if assignment::find_role_by_name(w, did.as_deref(), &r.name)
            .map_err(store_err("roles", i))?
            .is_some()
        {
            continue;
        }
        let role = model::Role {
            id: r.id.clone().unwrap_or_else(model::new_id),
            name: r.name.clone(),
            domain_id: did,
            description: r.description.clone(),
            options: Default::default(),
            extra: Default::default(),
        };
        assignment::create_role(w, &role).map_err(store_err("roles", i))?;
    }
    for (i, r) in seed.roles.iter().enumerate() {
        let did = match &r.domain {
            Some(name) => Some(domain_id("roles", i, name)?),
            None => None,
        };
        let Some(prior) = assignment::find_role_by_name(w, did.as_deref(), &r.name)
            .map_err(store_err("roles", i))?
        else {
            continue;
        };
        for implied in &r.implies {
            let implied_role = assignment::find_role_by_name(w, None, implied)
                .map_err(store_err("roles", i))?
                .ok_or_else(|| {
                    file.error("roles", i, format!("unknown implied role '{implied}'"))
                })?;
            assignment::add_implied(w, &prior.id, &implied_role.id)
                .map_err(store_err("roles", i))?;
        }
    }
    for (i, a) in seed.assignments.iter().enumerate() {
        let e = |m: String| file.error("assignments", i, m);
        let actor_did = domain_id("assignments", i, &a.actor_domain)?;
        let (actor_kind, actor_id) = match (&a.user, &a.group) {
            (Some(name), None) => (
                ActorKind::User,
                identity::find_user_by_name(w, &actor_did, name)
                    .map_err(store_err("assignments", i))?
                    .ok_or_else(|| e(format!("unknown user '{name}'")))?
                    .id,
            ),
            (None, Some(name)) => (
                ActorKind::Group,
                identity::find_group_by_name(w, &actor_did, name)
                    .map_err(store_err("assignments", i))?
                    .ok_or_else(|| e(format!("unknown group '{name}'")))?
                    .id,
            ),
            _ => return Err(e("give exactly one of user or group".into())),
        };
        let target = match (&a.project, &a.domain, &a.system) {
            (Some(name), None, None) => {
                let pdid = domain_id("assignments", i, &a.project_domain)?;
                Target::Project(
                    resource::find_project_by_name(w, &pdid, name)
                        .map_err(store_err("assignments", i))?
                        .ok_or_else(|| e(format!("unknown project '{name}'")))?
                        .id,
                )
            }
            (None, Some(name), None) => Target::Domain(domain_id("assignments", i, name)?),
            (None, None, Some(all)) if all == "all" => Target::System,
            (None, None, Some(other)) => {
                return Err(e(format!("system must be 'all', not '{other}'")))
            }
            _ => return Err(e("give exactly one of project, domain or system".into())),
        };
        let role = assignment::find_role_by_name(w, None, &a.role)
            .map_err(store_err("assignments", i))?
            .ok_or_else(|| e(format!("unknown role '{}'", a.role)))?;
        assignment::grant(
            w,
            &Assignment {
                actor_kind,
                actor_id,
                target,
                role_id: role.id,
                inherited: a.inherited,
            },
        )
        .map_err(store_err("assignments", i))?;
    }
    for (i, r) in seed.regions.iter().enumerate() {
        if catalog::get_region(w, &r.id)
            .map_err(store_err("regions", i))?
            .is_some()
        {
            continue;
        }
        if let Some(parent) = &r.parent {
            if catalog::get_region(w, parent)
                .map_err(store_err("regions", i))?
                .is_none()
            {
                return Err(file.error(
                    "regions",
                    i,
                    format!("unknown parent region '{parent}' (list parents first)"),
                ));
            }
        }
        let region = model::Region {
            id: r.id.clone(),
            description: r.description.clone(),
            parent_region_id: r.parent.clone(),
            extra: Default::default(),
        };
        catalog::create_region(w, &region).map_err(store_err("regions", i))?;
    }
    let services = catalog::list_services(w).map_err(store_err("services", 0))?;
    let mut service_ids: HashMap<String, String> = HashMap::new();
    for (i, s) in seed.services.iter().enumerate() {
        if let Some(existing) = services
            .iter()
            .find(|x| x.name() == s.name && x.service_type == s.service_type)
        {
            service_ids.insert(s.name.clone(), existing.id.clone());
            continue;
        }
        let mut extra = model::Extra::new();
        extra.insert("name".into(), s.name.clone().into());
        if let Some(description) = &s.description {
            extra.insert("description".into(), description.clone().into());
        }
        let service = model::Service {
            id: s.id.clone().unwrap_or_else(model::new_id),
            service_type: s.service_type.clone(),
            enabled: s.enabled,
            extra,
        };
        catalog::put_service(w, &service).map_err(store_err("services", i))?;
        service_ids.insert(s.name.clone(), service.id);
    }
    let endpoints = catalog::list_endpoints(w).map_err(store_err("endpoints", 0))?;
    let mut url_templates: Vec<(String, String)> = Vec::new();
    for (i, ep) in seed.endpoints.iter().enumerate() {
        let service_id = match service_ids.get(&ep.service) {
            Some(id) => id.clone(),
            None => services
                .iter()
                .find(|s| s.name() == ep.service)
                .map(|s| s.id.clone())
                .ok_or_else(|| {
                    file.error("endpoints", i, format!("unknown service '{}'", ep.service))
                })?,
        };
        if !["public", "internal", "admin"].contains(&ep.interface.as_str()) {
            return Err(file.error(
                "endpoints",
                i,
                format!(
                    "interface must be public, internal or admin, not '{}'",
                    ep.interface
                ),
            ));
        }
        if let Some(region) = &ep.region {
            if catalog::get_region(w, region)
                .map_err(store_err("endpoints", i))?
                .is_none()
            {
                return Err(file.error("endpoints", i, format!("unknown region '{region}'")));
            }
        }
        let url = ep.url.replace("{public_url}", public_url);
        let existing = endpoints.iter().find(|x| {
            x.service_id == service_id && x.interface == ep.interface && x.region_id == ep.region
        });
        if let (true, Some(x)) = (ep.url.contains("{public_url}"), existing) {
            url_templates.push((x.id.clone(), ep.url.clone()));
        }
        let endpoint = match existing {
            Some(x) if x.url == url || !ep.url.contains("{public_url}") => continue,
            Some(x) => model::Endpoint { url, ..x.clone() },
            None => model::Endpoint {
                id: ep.id.clone().unwrap_or_else(model::new_id),
                interface: ep.interface.clone(),
                region_id: ep.region.clone(),
                service_id,
                url,
                enabled: ep.enabled,
                extra: Default::default(),
            },
        };
        if existing.is_none() && ep.url.contains("{public_url}") {
            url_templates.push((endpoint.id.clone(), ep.url.clone()));
        }
        catalog::put_endpoint(w, &endpoint).map_err(store_err("endpoints", i))?;
    }
    // Remember what was applied, so an unchanged seed is not parsed or applied again.
    let record = |e: crate::store::StoreError| {
        file.error("endpoints", 0, crate::error::Error::from(e).to_string())
    };
    w.put(
        crate::store::tables::META,
        META_SEED_URL_TEMPLATES,
        &url_templates,
    )
    .map_err(record)?;
    w.put(
        crate::store::tables::META,
        META_SEED_DIGEST,
        &digest(&file.text),
    )
    .map_err(record)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_lines_point_at_entries() {
        let text = "domains:\n  - name: a\n  - name: b\nprojects:\n  # c\n  - name: p\n    tags: [x]\n  - name: q\n";
        assert_eq!(item_line(text, "domains", 1), 3);
        assert_eq!(item_line(text, "projects", 0), 6);
        assert_eq!(item_line(text, "projects", 1), 8);
    }

    #[test]
    fn unknown_field_names_line() {
        let err = SeedFile::parse("s.yaml", "users:\n  - name: a\n    pasword: x\n".into())
            .err()
            .unwrap();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("pasword"), "{err}");
    }
}
