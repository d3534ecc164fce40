//! `keystone-lite import --from sqlite:///path/keystone.db | mysql://user:pass@host/db
//! [--fernet-keys DIR] [--credential-keys DIR] --data-dir D`: an upstream Keystone database
//! (its Keystone 30 schema) into a new data dir, ids, password hashes (passlib's formats,
//! verified as they are), assignments, catalog, credential blobs (same Fernet scheme, so the
//! old credential keys decrypt them), application credentials and access rules, trusts,
//! federation, endpoint filter, policies, limits, domain configs and revocation events kept;
//! with the old fernet keys, tokens the old Keystone issued keep validating.

mod mysql;
mod read;
mod read_more;
mod source;
mod sqlite;
mod write;

use std::path::{Path, PathBuf};

use crate::model::{
    AccessRule, ApplicationCredential, Assignment, Domain, Endpoint, EndpointGroup,
    ExpiringMembership, FederatedIdentity, FederationProtocol, Group, IdentityProvider, Mapping,
    PolicyAssociation, PolicyBlob, Project, Region, RevokeEvent, Role, Service, ServiceProvider,
    Trust, User,
};
use crate::store::credentials::StoredCredential;
use crate::store::domain_config::Config;
use crate::store::limits::{Limit, RegisteredLimit};
use crate::store::Store;

const USAGE: &str = "usage: keystone-lite import --from sqlite:///path/keystone.db | \
mysql://user:password@host[:port]/database [--fernet-keys DIR] [--credential-keys DIR] \
[--data-dir DIR]";

/// Everything read from the upstream database, as our records.
#[derive(Default)]
struct Upstream {
    domains: Vec<Domain>,
    projects: Vec<Project>,
    users: Vec<User>,
    /// Federated users (no local name): stored, not indexed by name.
    shadow_users: Vec<User>,
    groups: Vec<Group>,
    /// (group id, user id)
    memberships: Vec<(String, String)>,
    roles: Vec<Role>,
    /// (prior role id, implied role id)
    implied: Vec<(String, String)>,
    assignments: Vec<Assignment>,
    regions: Vec<Region>,
    services: Vec<Service>,
    endpoints: Vec<Endpoint>,
    credentials: Vec<StoredCredential>,
    app_creds: Vec<ApplicationCredential>,
    access_rules: Vec<AccessRule>,
    trusts: Vec<Trust>,
    idps: Vec<IdentityProvider>,
    protocols: Vec<FederationProtocol>,
    mappings: Vec<Mapping>,
    service_providers: Vec<ServiceProvider>,
    federated_identities: Vec<FederatedIdentity>,
    expiring_memberships: Vec<ExpiringMembership>,
    /// (endpoint id, project id)
    project_endpoints: Vec<(String, String)>,
    endpoint_groups: Vec<EndpointGroup>,
    /// (endpoint group id, project id)
    project_endpoint_groups: Vec<(String, String)>,
    policies: Vec<PolicyBlob>,
    policy_associations: Vec<PolicyAssociation>,
    registered_limits: Vec<RegisteredLimit>,
    limits: Vec<Limit>,
    /// (domain id, its whitelisted and sensitive options together)
    domain_configs: Vec<(String, Config)>,
    revocations: Vec<RevokeEvent>,
    revocations_skipped: usize,
}

struct Args {
    from: String,
    fernet_keys: Option<PathBuf>,
    credential_keys: Option<PathBuf>,
    data_dir: PathBuf,
}

pub fn run(args: Vec<String>) -> i32 {
    let args = match parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return 2;
        }
    };
    match import(&args) {
        Ok(summary) => {
            eprintln!("imported into {}: {summary}", args.data_dir.display());
            0
        }
        Err(e) => {
            eprintln!("keystone-lite import: {e}");
            1
        }
    }
}

fn import(args: &Args) -> Result<String, String> {
    let store_path = crate::store_path(&args.data_dir);
    if store_path.exists() {
        return Err(format!(
            "{}: a store exists; import only into a new data dir",
            store_path.display()
        ));
    }
    let upstream = read_from(&args.from)?;
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| format!("{}: {e}", args.data_dir.display()))?;
    // Keys first: the store's presence is what says "this data dir is complete".
    for (from, name) in [
        (&args.fernet_keys, "fernet-keys"),
        (&args.credential_keys, "credential-keys"),
    ] {
        if let Some(from) = from {
            copy_keys(from, &args.data_dir.join(name))?;
        }
    }
    let store = Store::open(&store_path).map_err(|e| format!("{}: {e}", store_path.display()))?;
    let written = store.write(|w| write::write(w, &upstream));
    drop(store);
    written.map_err(|e: crate::error::Error| {
        // Nothing was committed: without the file a corrected import can run again.
        let _ = std::fs::remove_file(&store_path);
        format!("writing the store: {e}")
    })
}

/// Reads the database `from` names (its password never in a message).
fn read_from(from: &str) -> Result<Upstream, String> {
    if let Some(rest) = from.strip_prefix("sqlite:///") {
        let mut db = sqlite::Sqlite::open(Path::new(&format!("/{rest}")))?;
        read::read(&mut db)
    } else if mysql::is_mysql(from) {
        let mut db = mysql::Mysql::connect(from)?;
        read::read(&mut db)
    } else {
        Err(format!(
            "--from {}: expected sqlite:///path or mysql://user:password@host[:port]/database",
            mysql::redacted(from)
        ))
    }
}

fn copy_keys(from: &Path, to: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        let name = entry.file_name();
        // Key files are named by their index (0 is the staged key).
        if name.to_string_lossy().parse::<u32>().is_ok() {
            let dest = to.join(&name);
            std::fs::copy(entry.path(), &dest).map_err(|e| fail(&entry.path(), e))?;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| fail(&dest, e))?;
        }
    }
    Ok(())
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args {
        from: String::new(),
        fernet_keys: None,
        credential_keys: None,
        data_dir: PathBuf::from(crate::config::DEFAULT_DATA_DIR),
    };
    let value = |p: &mut lexopt::Parser| -> Result<String, String> {
        p.value()
            .map_err(|e| e.to_string())?
            .into_string()
            .map_err(|_| "not UTF-8".to_string())
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("from") => out.from = value(&mut parser)?,
            Long("fernet-keys") => out.fernet_keys = Some(value(&mut parser)?.into()),
            Long("credential-keys") => out.credential_keys = Some(value(&mut parser)?.into()),
            Long("data-dir") => out.data_dir = value(&mut parser)?.into(),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if out.from.is_empty() {
        return Err("--from is required".into());
    }
    Ok(out)
}
