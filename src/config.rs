//! Configuration: command-line flags, and an optional keystone.conf (INI) with upstream's section
//! and option names for the options keystone-lite supports. Unknown options warn; bad values stop
//! start-up with a message naming file, line and option.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATA_DIR: &str = "./keystone-lite-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5000";

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub listen: String,
    /// Like upstream's `[DEFAULT] public_endpoint`: the URL clients reach us at, behind a proxy.
    pub public_url: Option<String>,
    pub workers: usize,
    pub max_request_body_size: usize,
    pub token: TokenConfig,
    pub identity: IdentityConfig,
    pub resource: ResourceConfig,
    pub security: SecurityComplianceConfig,
    /// `[rate_limit]`: failed-login limits per source address (src/ratelimit.rs).
    pub rate_limit: crate::ratelimit::RateLimitConfig,
    /// `[federation]`, `[openid]`/`[mapped]`/`[saml2]` and our `[oidc]`.
    pub federation: crate::federation::config::FederationConfig,
    pub policy_file: Option<PathBuf>,
    pub max_active_keys: usize,
    /// `[DEFAULT] list_limit` and the per-section ones that override it: (section, limit).
    pub list_limits: Vec<(String, usize)>,
    /// Health, metrics, log format, proxy headers, TLS (src/ops).
    pub ops: crate::ops::OpsConfig,
    /// `[database] connection` or `--database-url`: a postgresql:// URL puts the store on
    /// PostgreSQL (several nodes on one database); None keeps the redb file in the data dir.
    pub database: Option<DatabaseUrl>,
    /// `[database] slave_connection` (upstream's name): reads go to this streaming replica,
    /// writes to `database` (src/store/replica.rs).
    pub database_replica: Option<DatabaseUrl>,
}

/// A database URL: it may hold a password, so Debug (any logged Config) hides it.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(..)")
    }
}

/// Only PostgreSQL is a server engine here (upstream's SQLAlchemy form with a driver is accepted).
fn database_url(value: &str) -> Result<DatabaseUrl, String> {
    let scheme = value.split_once("://").map(|(s, _)| s).unwrap_or("");
    if scheme == "postgresql" || scheme == "postgres" || scheme.starts_with("postgresql+") {
        Ok(DatabaseUrl(value.to_string()))
    } else {
        Err(
            "only postgresql:// connections are supported (leave it unset for the embedded store)"
                .to_string(),
        )
    }
}

#[derive(Debug, Clone)]
pub struct TokenConfig {
    /// Seconds a token lives (`[token] expiration`).
    pub expiration: i64,
    /// Seconds past expiry that `?allow_expired=1` still accepts (`[token] allow_expired_window`).
    pub allow_expired_window: i64,
    /// Bytes the validated-token cache may hold (`[token] cache_bytes`, approximate).
    pub cache_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub password_hash_algorithm: String,
    pub password_hash_rounds: Option<u32>,
    pub max_password_length: usize,
}

#[derive(Debug, Clone)]
pub struct ResourceConfig {
    pub admin_project_name: Option<String>,
    pub admin_project_domain_name: Option<String>,
}

/// Read now so that a bad value fails at start; enforced by the security-compliance work.
#[derive(Debug, Clone, Default)]
pub struct SecurityComplianceConfig {
    pub lockout_failure_attempts: Option<u32>,
    pub lockout_duration: u64,
    pub unique_last_password_count: u32,
    pub minimum_password_age: u32,
    pub password_expires_days: Option<u32>,
    pub password_regex: Option<String>,
    pub password_regex_description: Option<String>,
    pub change_password_upon_first_use: bool,
    pub disable_user_account_days_inactive: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: None,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            listen: DEFAULT_LISTEN.to_string(),
            public_url: None,
            workers: 4,
            max_request_body_size: 114_688,
            token: TokenConfig {
                expiration: 3600,
                allow_expired_window: 172_800,
                cache_bytes: 16 << 20,
            },
            identity: IdentityConfig {
                password_hash_algorithm: "pbkdf2_sha512".to_string(),
                password_hash_rounds: None,
                max_password_length: 4096,
            },
            resource: ResourceConfig {
                admin_project_name: None,
                admin_project_domain_name: None,
            },
            security: SecurityComplianceConfig {
                lockout_duration: 1800,
                ..Default::default()
            },
            rate_limit: crate::ratelimit::RateLimitConfig::default(),
            federation: Default::default(),
            policy_file: None,
            max_active_keys: 3,
            list_limits: Vec::new(),
            ops: Default::default(),
            database: None,
            database_replica: None,
        }
    }
}

pub const USAGE: &str = "\
usage: keystone-lite --seed FILE [--data-dir DIR] [--listen ADDR:PORT] [--config keystone.conf]
                     [--public-url URL] [--workers N] [--policy-file policy.yaml]

  --seed FILE         YAML seed applied at start as \"ensure these exist\"
  --data-dir DIR      store and key repositories (default ./keystone-lite-data)
  --listen ADDR:PORT  where to listen (default 127.0.0.1:5000; port 0 picks a free one)
  --config FILE       keystone.conf (INI) with upstream option names
  --public-url URL    the URL clients use (upstream's public_endpoint), e.g. behind a proxy
  --workers N         HTTP worker threads (default 4)
  --policy-file FILE  oslo.policy overrides (upstream's [oslo_policy] policy_file)
  --metrics-listen ADDR:PORT  serve Prometheus /metrics there (default: off)
  --log-format text|json      log lines as text (default) or JSON objects
  --tls-cert FILE --tls-key FILE  serve HTTPS with this PEM certificate chain and key
  --database-url postgresql://USER:PASS@HOST:PORT/DB  the store on PostgreSQL ([database]
                      connection); several nodes may share it (same key repositories)

commands (keystone-manage's, with its flag names):
  bootstrap --bootstrap-password P [--bootstrap-username ... --bootstrap-public-url URL ...]
  fernet-setup, fernet-rotate, receipt-setup, receipt-rotate   [--keystone-user U --keystone-group G]
  credential-setup, credential-rotate, credential-migrate      (rotate/migrate: server stopped)
  trust-flush [--project-id --trustor-user-id --trustee-user-id --date DD-MM-YYYY]
  doctor             report configuration and key repository problems (exit 1 if any)
  check-seed SEED... validate seeds without starting
  mapping-engine     test a federation mapping against assertion data
  export [--output FILE]  every record as a seed (redb, or PostgreSQL with --database-url)
  backup --output DIR     store and keys as a redb data dir (from redb or PostgreSQL)
  each takes --data-dir and --config as the server does; SIGHUP reloads policy, seed and keys
";

impl Config {
    /// Parses the command line (without the program name), then reads `--config` if given.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        use lexopt::prelude::*;
        let mut config = Config::default();
        let mut config_file: Option<PathBuf> = None;
        let mut policy_flag: Option<PathBuf> = None;
        let mut data_dir_flag = None;
        let mut database_flag: Option<String> = None;
        let mut ops_flags = crate::ops::OpsConfig::default();
        let mut log_format_flag: Option<String> = None;
        let mut parser = lexopt::Parser::from_args(args);
        let value = |p: &mut lexopt::Parser| -> Result<String, String> {
            p.value()
                .map_err(|e| e.to_string())?
                .into_string()
                .map_err(|_| "argument is not valid UTF-8".to_string())
        };
        while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
            match arg {
                Long("seed") => config.seed = Some(PathBuf::from(value(&mut parser)?)),
                Long("data-dir") => data_dir_flag = Some(PathBuf::from(value(&mut parser)?)),
                Long("listen") => config.listen = value(&mut parser)?,
                Long("database-url") => database_flag = Some(value(&mut parser)?),
                Long("config") => config_file = Some(PathBuf::from(value(&mut parser)?)),
                Long("public-url") => config.public_url = Some(value(&mut parser)?),
                Long("policy-file") => policy_flag = Some(PathBuf::from(value(&mut parser)?)),
                Long("workers") => {
                    let v = value(&mut parser)?;
                    config.workers = v
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("--workers: '{v}' is not a positive number"))?;
                }
                Long("metrics-listen") => ops_flags.metrics_listen = Some(value(&mut parser)?),
                Long("tls-cert") => ops_flags.tls_cert = Some(PathBuf::from(value(&mut parser)?)),
                Long("tls-key") => ops_flags.tls_key = Some(PathBuf::from(value(&mut parser)?)),
                Long("log-format") => log_format_flag = Some(value(&mut parser)?),
                Long("help") | Short('h') => return Err(USAGE.to_string()),
                other => return Err(format!("{}\n{USAGE}", other.unexpected())),
            }
        }
        if let Some(path) = &config_file {
            config.apply_ini(path)?;
        }
        // Flags win over the file.
        if let Some(dir) = data_dir_flag {
            config.data_dir = dir;
        }
        if policy_flag.is_some() {
            config.policy_file = policy_flag;
        }
        config.ops.override_with(ops_flags);
        if let Some(url) = database_flag {
            config.database = Some(database_url(&url).map_err(|e| format!("--database-url: {e}"))?);
        }
        if let Some(format) = log_format_flag {
            config.ops.set_log_format(&format)?;
        }
        if config.ops.tls_cert.is_some() != config.ops.tls_key.is_some() {
            return Err("--tls-cert and --tls-key go together".to_string());
        }
        if let Some(url) = &config.public_url {
            config.public_url = Some(url.trim_end_matches('/').to_string());
        }
        Ok(config)
    }

    fn apply_ini(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        for entry in
            parse_ini(&text).map_err(|(line, msg)| format!("{}:{line}: {msg}", path.display()))?
        {
            let here = format!(
                "{}:{}: [{}] {}",
                path.display(),
                entry.line,
                entry.section,
                entry.key
            );
            let known = self
                .apply_option(&entry.section, &entry.key, &entry.value)
                .map_err(|msg| format!("{here}: {msg}"))?;
            if !known {
                log::warn!("{here}: unknown option, ignored");
            }
        }
        Ok(())
    }

    /// Sets one option; Ok(false) means the option is not one we know.
    fn apply_option(&mut self, section: &str, key: &str, value: &str) -> Result<bool, String> {
        match (section, key) {
            ("DEFAULT", "public_endpoint") => {
                self.public_url = Some(value.trim_end_matches('/').to_string())
            }
            ("DEFAULT", "max_request_body_size") => self.max_request_body_size = num(value)?,
            ("DEFAULT", "debug" | "log_file" | "use_stderr" | "verbose") => {}
            ("database", "connection") => self.database = Some(database_url(value)?),
            ("database", "slave_connection") => self.database_replica = Some(database_url(value)?),
            ("token", "expiration") => self.token.expiration = num(value)?,
            ("token", "allow_expired_window") => self.token.allow_expired_window = num(value)?,
            ("token", "cache_bytes") => self.token.cache_bytes = num(value)?,
            ("token", "provider") => {
                if value != "fernet" {
                    return Err(format!("'{value}': only the fernet provider is supported"));
                }
            }
            ("identity", "password_hash_algorithm") => {
                if !["pbkdf2_sha512", "bcrypt", "scrypt", "bcrypt_sha256"].contains(&value) {
                    return Err(format!(
                        "'{value}' is not one of pbkdf2_sha512, bcrypt, scrypt"
                    ));
                }
                self.identity.password_hash_algorithm = value.to_string();
            }
            ("identity", "password_hash_rounds") => {
                self.identity.password_hash_rounds = Some(num(value)?)
            }
            ("identity", "max_password_length") => self.identity.max_password_length = num(value)?,
            (
                "DEFAULT" | "identity" | "resource" | "assignment" | "role" | "catalog"
                | "credential" | "policy" | "trust" | "unified_limit",
                "list_limit",
            ) => {
                let limit: usize = num(value)?;
                self.list_limits.retain(|(s, _)| s != section);
                self.list_limits.push((section.to_string(), limit));
            }
            ("resource", "admin_project_name") => {
                self.resource.admin_project_name = Some(value.to_string())
            }
            ("resource", "admin_project_domain_name") => {
                self.resource.admin_project_domain_name = Some(value.to_string())
            }
            ("fernet_tokens", "max_active_keys") => {
                self.max_active_keys = num(value)?;
                if self.max_active_keys < 1 {
                    return Err("must be at least 1".to_string());
                }
            }
            ("oslo_policy", "policy_file") => self.policy_file = Some(PathBuf::from(value)),
            ("oslo_policy", "enforce_scope" | "enforce_new_defaults") => {
                if !boolean(value)? {
                    return Err("keystone-lite always enforces scope and new defaults, as upstream 2024+ does".to_string());
                }
            }
            ("security_compliance", _) => return self.apply_security_compliance(key, value),
            ("rate_limit", _) => return self.apply_rate_limit(key, value),
            ("healthcheck" | "oslo_middleware" | "metrics" | "ssl" | "audit", _)
            | ("DEFAULT", "use_json") => return self.ops.apply(section, key, value),
            (
                "DEFAULT",
                "notification_format" | "notification_opt_out" | "default_publisher_id",
            ) => return self.ops.apply(section, key, value),
            ("federation" | "openid" | "mapped" | "saml2" | "oidc", _) => {
                return self.federation.apply(section, key, value)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `[security_compliance]`: upstream's account and password rules.
    fn apply_security_compliance(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let s = &mut self.security;
        match key {
            "lockout_failure_attempts" => s.lockout_failure_attempts = Some(num(value)?),
            "lockout_duration" => s.lockout_duration = num(value)?,
            "unique_last_password_count" => s.unique_last_password_count = num(value)?,
            "minimum_password_age" => s.minimum_password_age = num(value)?,
            "password_expires_days" => s.password_expires_days = Some(num(value)?),
            "password_regex" => s.password_regex = Some(value.to_string()),
            "password_regex_description" => s.password_regex_description = Some(value.to_string()),
            "change_password_upon_first_use" => s.change_password_upon_first_use = boolean(value)?,
            "disable_user_account_days_inactive" => {
                s.disable_user_account_days_inactive = Some(num(value)?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `[rate_limit]`: `enabled` (the off switch), `failed_logins_per_user_burst`,
    /// `failed_logins_per_user_per_minute` (per source address and user),
    /// `failed_logins_per_source_burst`, `failed_logins_per_source_per_minute`, `max_tracked`,
    /// `limit_loopback`.
    fn apply_rate_limit(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let r = &mut self.rate_limit;
        match key {
            "enabled" => r.enabled = boolean(value)?,
            "failed_logins_per_user_burst" => r.per_user_burst = positive(value)?,
            "failed_logins_per_user_per_minute" => r.per_user_per_minute = rate(value)?,
            "failed_logins_per_source_burst" => r.per_source_burst = positive(value)?,
            "failed_logins_per_source_per_minute" => r.per_source_per_minute = rate(value)?,
            "max_tracked" => r.max_tracked = positive::<usize>(value)?,
            "limit_loopback" => r.limit_loopback = boolean(value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Upstream's list limit for a driver section: its own `list_limit`, else `[DEFAULT]`'s.
    pub fn list_limit(&self, section: &str) -> Option<usize> {
        let find = |name: &str| {
            self.list_limits
                .iter()
                .find(|(s, _)| s == name)
                .map(|(_, l)| *l)
        };
        find(section).or_else(|| find("DEFAULT"))
    }

    /// The admin project as upstream's `[resource] admin_project_*`, when both are set.
    pub fn admin_project(&self) -> Option<(&str, &str)> {
        match (
            &self.resource.admin_project_name,
            &self.resource.admin_project_domain_name,
        ) {
            (Some(name), Some(domain)) => Some((name, domain)),
            _ => None,
        }
    }
}

fn num<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a valid number"))
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(value: &str) -> Result<T, String> {
    let n: T = num(value)?;
    if n <= T::default() {
        return Err(format!("'{value}' must be at least 1"));
    }
    Ok(n)
}

fn rate(value: &str) -> Result<f64, String> {
    let n: f64 = num(value)?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("'{value}' must be a positive number"));
    }
    Ok(n)
}

pub(crate) fn boolean(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("'{value}' is not a boolean")),
    }
}

pub struct IniEntry {
    pub line: usize,
    pub section: String,
    pub key: String,
    pub value: String,
}

/// oslo.config's INI dialect: `[section]`, `key = value`, `#`/`;` comments.
pub fn parse_ini(text: &str) -> Result<Vec<IniEntry>, (usize, String)> {
    let mut section = String::from("DEFAULT");
    let mut entries = Vec::new();
    let mut seen = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or((line, "section header without ']'".to_string()))?;
            section = name.trim().to_string();
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .or_else(|| trimmed.split_once(':'))
            .ok_or((line, format!("expected 'key = value', got '{trimmed}'")))?;
        let key = key.trim().to_string();
        seen.insert((section.clone(), key.clone()), line);
        entries.push(IniEntry {
            line,
            section: section.clone(),
            key,
            value: value.trim().to_string(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_parse() {
        let c = Config::from_args(args(&["--seed", "s.yaml", "--listen", "127.0.0.1:0"])).unwrap();
        assert_eq!(c.listen, "127.0.0.1:0");
        assert_eq!(c.seed.unwrap(), PathBuf::from("s.yaml"));
        assert!(Config::from_args(args(&["--bogus"])).is_err());
        assert!(Config::from_args(args(&["--workers", "0"])).is_err());
    }

    #[test]
    fn ini_options_apply_and_bad_values_fail() {
        let dir = std::env::temp_dir().join(format!("ksl-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.conf");
        std::fs::write(
            &good,
            "[token]\nexpiration = 60\n[resource]\nlist_limit=5\n[x]\ny=1\n",
        )
        .unwrap();
        let c = Config::from_args(args(&["--config", good.to_str().unwrap()])).unwrap();
        assert_eq!(c.token.expiration, 60);
        assert_eq!(c.list_limit("resource"), Some(5));
        assert_eq!(c.list_limit("identity"), None);
        let bad = dir.join("bad.conf");
        std::fs::write(&bad, "[token]\nexpiration = soon\n").unwrap();
        let err = Config::from_args(args(&["--config", bad.to_str().unwrap()])).unwrap_err();
        assert!(err.contains("bad.conf:2"), "{err}");
        assert!(err.contains("expiration"), "{err}");
    }
}
