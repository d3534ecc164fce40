//! `doctor`: upstream's checks that apply here (keystone/cmd/doctor), printed as upstream
//! prints them (`WARNING: <symptom's description>` after a blank line); exit 1 when any is
//! found. Kept: the key repositories (usable, not world-readable, holding keys), debug mode,
//! and `[security_compliance]`. Added: `max_active_keys` below 3 (a rotation would then drop
//! the key of tokens issued just before it), lockout duration without a failure limit, and
//! the TLS key and certificate. Not applicable: caching, SQL, LDAP, SAML and UUID tokens.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use super::common::{self, Args};
use crate::config::Config;

/// A finding: its upstream-style symptom name and description.
struct Symptom {
    name: &'static str,
    text: String,
}

pub fn run(args: Vec<String>) -> i32 {
    let args = match Args::parse(args, &[], &[]) {
        Ok(a) => a,
        Err(e) => return common::finish("doctor", Err(e)),
    };
    let ini = read_ini(&args);
    let debug = ini_true(&ini, "DEFAULT", "debug");
    let mut found = Vec::new();
    key_repositories(&args, &mut found);
    compliance(&args.config, &ini, &mut found);
    tls(&args.config, &mut found);
    if debug {
        found.push(Symptom {
            name: "debug_mode_is_enabled",
            text: "Debug mode should be set to False.\n\nDebug mode can be used to get more \
                   information back when trying to isolate a problem, but it is not \
                   recommended to be enabled when running a production environment.\n\n\
                   Ensure `keystone.conf debug` is set to False"
                .into(),
        });
    }
    for symptom in &found {
        if debug {
            println!("Checking for {}...", symptom.name.replace('_', " "));
        }
        println!("\nWARNING: {}", symptom.text);
    }
    i32::from(!found.is_empty())
}

/// The `--config` file's raw entries (section, key, value), by the server's parser.
fn read_ini(args: &Args) -> Vec<(String, String, String)> {
    args.config_file
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| crate::config::parse_ini(&t).ok())
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| (e.section, e.key, e.value))
                .collect()
        })
        .unwrap_or_default()
}

fn ini_true(ini: &[(String, String, String)], section: &str, key: &str) -> bool {
    ini.iter()
        .rev()
        .find(|(s, k, _)| s == section && k == key)
        .is_some_and(|(_, _, v)| {
            matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on")
        })
}

fn ini_has(ini: &[(String, String, String)], section: &str, key: &str) -> bool {
    ini.iter().any(|(s, k, _)| s == section && k == key)
}

fn key_repositories(args: &Args, found: &mut Vec<Symptom>) {
    let repos = [
        (
            args.fernet_dir(),
            "Fernet",
            "fernet_tokens",
            "fernet_setup",
            "fernet_rotate",
        ),
        (
            args.credential_dir(),
            "Credential",
            "credential",
            "credential_setup",
            "credential_rotate",
        ),
    ];
    for (dir, what, option, setup, rotate) in repos {
        let usable = common::validate_key_repository(&dir, option, false).is_ok();
        if !usable || common::world_accessible(&dir) || world_readable_key(&dir) {
            found.push(Symptom {
                name: "usability_of_key_repository",
                text: format!(
                    "{what} key repository is not setup correctly.\n\nThe {what} key repository \
                     ({}) is expected to be readable by the user running keystone, but not \
                     world-readable, because it contains security-sensitive secrets.",
                    dir.display()
                ),
            });
        }
        let has_keys =
            crate::token::keys::KeyRepository::load(&dir).is_ok_and(|r| r.primary().is_some());
        if !has_keys {
            found.push(Symptom {
                name: "keys_in_key_repository",
                text: format!(
                    "{what} key repository is empty.\n\nUse `keystone-lite {}` to initially \
                     populate your key repository ({}) with keys, and periodically rotate your \
                     keys with `keystone-lite {}`.",
                    setup.replace('_', "-"),
                    dir.display(),
                    rotate.replace('_', "-")
                ),
            });
        }
    }
    if args.config.max_active_keys < 3 {
        found.push(Symptom {
            name: "max_active_keys_too_small",
            text: format!(
                "[fernet_tokens] max_active_keys is {}.\n\nWith fewer than 3 keys (primary, \
                 staged and one secondary) a rotation removes the key that encrypted the tokens \
                 issued just before it, so they stop validating at once. Set it to at least \
                 3, and to more than (token lifetime / rotation interval) + 2.",
                args.config.max_active_keys
            ),
        });
    }
}

/// A key file others may read.
fn world_readable_key(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            e.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o004 != 0)
        })
}

fn compliance(config: &Config, ini: &[(String, String, String)], found: &mut Vec<Symptom>) {
    let s = &config.security;
    if let Some(expires) = s.password_expires_days {
        if s.minimum_password_age > 0 && expires > 0 && s.minimum_password_age >= expires {
            found.push(Symptom {
                name: "minimum_password_age_greater_than_expires_days",
                text: "Minimum password age should be less than the password expires days.\n\n\
                       If the minimum password age is greater than or equal to the password \
                       expires days, then users would not be able to change their passwords \
                       before they expire.\n\nEnsure `[security_compliance] \
                       minimum_password_age` is less than the `[security_compliance] \
                       password_expires_days`."
                    .into(),
            });
        }
    }
    if let Some(regex) = s.password_regex.as_deref().filter(|r| !r.is_empty()) {
        if fancy_regex::Regex::new(regex).is_err() {
            found.push(Symptom {
                name: "invalid_password_regular_expression",
                text: "Invalid password regular expression.\n\nThe password regular expression \
                       is invalid and users will not be able to make password changes until \
                       this has been corrected.\n\nEnsure `[security_compliance] \
                       password_regex` is a valid regular expression."
                    .into(),
            });
        }
        if s.password_regex_description
            .as_deref()
            .is_none_or(str::is_empty)
        {
            found.push(Symptom {
                name: "password_regular_expression_description_not_set",
                text: "Password regular expression description is not set.\n\nThe password \
                       regular expression is set, but the description is not. Thus, if a user \
                       fails the password regular expression, they will not receive a message \
                       to explain why their requested password was insufficient.\n\nEnsure \
                       `[security_compliance] password_regex_description` is set with a \
                       description of your password regular expression in a language for \
                       humans."
                    .into(),
            });
        }
    }
    if ini_has(ini, "security_compliance", "lockout_duration")
        && s.lockout_failure_attempts.is_none_or(|n| n == 0)
    {
        found.push(Symptom {
            name: "lockout_duration_without_failure_attempts",
            text: "Lockout duration is set without a failure limit.\n\n`[security_compliance] \
                   lockout_duration` only applies once `[security_compliance] \
                   lockout_failure_attempts` is set; no account is ever locked out."
                .into(),
        });
    }
}

fn tls(config: &Config, found: &mut Vec<Symptom>) {
    let (Some(cert), Some(key)) = (&config.ops.tls_cert, &config.ops.tls_key) else {
        return;
    };
    for path in [cert, key] {
        if std::fs::File::open(path).is_err() {
            found.push(Symptom {
                name: "tls_file_unreadable",
                text: format!("TLS file {} cannot be read.", path.display()),
            });
        }
    }
    if std::fs::metadata(key).is_ok_and(|m| m.permissions().mode() & 0o004 != 0) {
        found.push(Symptom {
            name: "tls_key_world_readable",
            text: format!(
                "TLS private key {} is world-readable.\n\nEnsure only the user running \
                 keystone-lite can read it (chmod 600).",
                key.display()
            ),
        });
    }
}
