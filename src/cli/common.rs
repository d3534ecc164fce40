//! What the admin commands share: their arguments (own flags, plus the server's `--data-dir`,
//! `--config`, `--policy-file` and `--seed`, read as the server reads them), the key
//! repositories' checks and ownership as upstream's fernet_utils, and the store.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::store::Store;

/// Server flags a command accepts (each takes a value).
// `database-url`: the commands work on the database the nodes share, as the server does.
const SERVER_FLAGS: &[&str] = &["data-dir", "config", "policy-file", "seed", "database-url"];

/// A command's parsed arguments.
pub struct Args {
    pub config: Config,
    values: HashMap<String, String>,
    switches: Vec<String>,
    pub positional: Vec<String>,
    /// `--config`, for commands that read more of it than `Config` keeps (doctor).
    pub config_file: Option<PathBuf>,
}

impl Args {
    /// `valued`: the command's flags that take a value; `switches`: those that do not.
    /// `--flag value` and `--flag=value` both work.
    pub fn parse(args: Vec<String>, valued: &[&str], switches: &[&str]) -> Result<Args, String> {
        let mut values = HashMap::new();
        let mut seen_switches = Vec::new();
        let mut positional = Vec::new();
        let mut server = Vec::new();
        let mut config_file = None;
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let Some(flag) = arg.strip_prefix("--") else {
                positional.push(arg);
                continue;
            };
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.to_string(), None),
            };
            if switches.contains(&name.as_str()) && inline.is_none() {
                seen_switches.push(name);
                continue;
            }
            if !valued.contains(&name.as_str()) && !SERVER_FLAGS.contains(&name.as_str()) {
                return Err(format!("unrecognized argument --{name}"));
            }
            let value = match inline {
                Some(v) => v,
                None => it.next().ok_or(format!("--{name} needs a value"))?,
            };
            if name == "config" {
                config_file = Some(PathBuf::from(&value));
            }
            if SERVER_FLAGS.contains(&name.as_str()) {
                server.extend([format!("--{name}"), value]);
            } else {
                values.insert(name, value);
            }
        }
        let config = Config::from_args(server)?;
        Ok(Args {
            config,
            values,
            switches: seen_switches,
            positional,
            config_file,
        })
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    pub fn fernet_dir(&self) -> PathBuf {
        self.config.data_dir.join("fernet-keys")
    }

    pub fn credential_dir(&self) -> PathBuf {
        self.config.data_dir.join("credential-keys")
    }

    /// `--keystone-user` / `--keystone-group`: names or numeric ids, as upstream's
    /// `get_unix_user`/`get_unix_group`.
    pub fn owner(&self) -> Result<Owner, String> {
        let uid = match self.value("keystone-user") {
            None => None,
            Some(name) => Some(match name.parse::<u32>() {
                Ok(id) => nix::unistd::Uid::from_raw(id),
                Err(_) => {
                    nix::unistd::User::from_name(name)
                        .map_err(|e| format!("--keystone-user {name}: {e}"))?
                        .ok_or(format!("--keystone-user {name}: no such user"))?
                        .uid
                }
            }),
        };
        let gid = match self.value("keystone-group") {
            None => None,
            Some(name) => Some(match name.parse::<u32>() {
                Ok(id) => nix::unistd::Gid::from_raw(id),
                Err(_) => {
                    nix::unistd::Group::from_name(name)
                        .map_err(|e| format!("--keystone-group {name}: {e}"))?
                        .ok_or(format!("--keystone-group {name}: no such group"))?
                        .gid
                }
            }),
        };
        Ok(Owner { uid, gid })
    }
}

/// Who should own a key repository and its keys (upstream chowns both).
pub struct Owner {
    uid: Option<nix::unistd::Uid>,
    gid: Option<nix::unistd::Gid>,
}

impl Owner {
    /// The directory and every file in it.
    pub fn apply(&self, dir: &Path) -> Result<(), String> {
        if self.uid.is_none() && self.gid.is_none() {
            return Ok(());
        }
        let chown = |p: &Path| {
            nix::unistd::chown(p, self.uid, self.gid)
                .map_err(|e| format!("{}: cannot change owner: {e}", p.display()))
        };
        chown(dir)?;
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            chown(&entry.path())?;
        }
        Ok(())
    }
}

/// Upstream's `validate_key_repository`: readable and searchable (and writable when asked)
/// by this process. The error names the option upstream names.
pub fn validate_key_repository(dir: &Path, option: &str, write: bool) -> Result<(), String> {
    use nix::unistd::AccessFlags;
    let mut flags = AccessFlags::R_OK | AccessFlags::X_OK;
    if write {
        flags |= AccessFlags::W_OK;
    }
    if nix::unistd::access(dir, flags).is_err() {
        return Err(format!(
            "Either [{option}] key_repository does not exist or Keystone does not have \
             sufficient permission to access it: {}",
            dir.display()
        ));
    }
    if world_accessible(dir) {
        eprintln!(
            "WARNING: key_repository is world readable: {}",
            dir.display()
        );
    }
    Ok(())
}

/// Whether others may read or search the directory (upstream warns about S_IROTH|S_IXOTH).
pub fn world_accessible(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o005 != 0)
}

/// Opens the store for a command; a running server holds its lock, which is said plainly.
pub fn open_store(config: &Config) -> Result<Store, String> {
    if let Some(url) = &config.database {
        // On PostgreSQL a command shares the database with running nodes (their pollers see
        // its writes); two connections: the command's and the revocation index's.
        return Store::open_postgres(&url.0, 2).map_err(|e| format!("[database] connection: {e}"));
    }
    let path = crate::store_path(&config.data_dir);
    if !path.exists() {
        return Err(format!(
            "{}: no store in this data dir (run `keystone-lite bootstrap` or start the server \
             once)",
            path.display()
        ));
    }
    Store::open(&path).map_err(|e| {
        let text = e.to_string();
        if text.contains("already open") {
            format!(
                "{}: the store is in use by a running keystone-lite; stop the server first \
                 (this command needs the store to itself)",
                path.display()
            )
        } else {
            format!("{}: {text}", path.display())
        }
    })
}

/// The server refuses a data dir where the store and the key repositories are not all there
/// (src/lib.rs `check_data_dir`), so a command that creates one part of a fresh data dir
/// creates the others too, as the first start would. An existing store is left closed (a
/// running server holds it).
pub fn init_data_dir(config: &Config) -> Result<Vec<String>, String> {
    let mut created = Vec::new();
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    let fernet = config.data_dir.join("fernet-keys");
    if !fernet.join("0").exists() {
        crate::token::keys::KeyRepository::setup(&fernet, config.max_active_keys)
            .map_err(|e| format!("{}: {e}", fernet.display()))?;
        created.push(fernet.display().to_string());
    }
    let credential = config.data_dir.join("credential-keys");
    if !credential.join("0").exists() {
        crate::credential_keys::CredentialKeys::setup(&credential)
            .map_err(|e| format!("{}: {e}", credential.display()))?;
        created.push(credential.display().to_string());
    }
    let store = crate::store_path(&config.data_dir);
    let embedded = config.database.is_none();
    if embedded && std::fs::metadata(&store).map_or(true, |m| m.len() == 0) {
        let opened = Store::open(&store).map_err(|e| format!("{}: {e}", store.display()))?;
        // The default domain, as upstream's db_sync and our first start make it.
        let empty =
            crate::seed::SeedFile::parse("(none)", String::new()).map_err(|e| e.to_string())?;
        let hasher = hasher(config);
        crate::seed::apply(&empty, &opened, &hasher, "http://localhost")
            .map_err(|e| e.to_string())?;
        created.push(store.display().to_string());
    }
    Ok(created)
}

/// The password hasher the server would use.
pub fn hasher(config: &Config) -> crate::password::Hasher {
    crate::password::Hasher {
        algorithm: config.identity.password_hash_algorithm.clone(),
        rounds: config.identity.password_hash_rounds,
    }
}

/// Prints a command's failure and gives its exit status.
pub fn finish(command: &str, result: Result<(), String>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("keystone-lite {command}: {message}");
            1
        }
    }
}
