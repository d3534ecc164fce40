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

pub mod access_keys;
mod apply;
mod huawei_roles;
pub mod records;

use crate::model;
use crate::password::{self, Hasher};
use crate::store::{catalog, identity, resource, Reader, Store};

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
    /// Store records verbatim, as `keystone-lite export` writes them (see `records`).
    #[serde(default)]
    pub records: Vec<records::SeedRecords>,
    /// Huawei permanent access keys with fixed pairs (see `access_keys`).
    #[serde(default)]
    pub access_keys: Vec<access_keys::SeedAccessKey>,
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
    /// Huawei's optional fields (huawei-iam-api.md §1.8 RoleResult), kept beside the role
    /// (store::iam::role_details); a role without them is a plain Keystone role.
    pub display_name: Option<String>,
    /// "AX" | "XA" | "AA" | "XX"; required when any Huawei field is given.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub catalog: Option<String>,
    pub flag: Option<String>,
    pub description_cn: Option<String>,
    /// The policy document {Version, Statement, Depends}.
    pub policy: Option<serde_json::Value>,
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
        apply::apply_in(w, file, &hashes, public_url).map_err(|e| {
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
