//! What an account's stored password and login policies enforce, on top of Keystone's own
//! rules: a stored policy replaces `[security_compliance]`'s matching options for the users
//! of that account only (an account without one keeps the global behaviour exactly), so the
//! existing lockout, history and expiry code runs with per-account parameters.

use serde::Deserialize;

use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::User;
use crate::store::iam::security_policy as stored;
use crate::store::{Reader, Store};

use super::security_policy::MAXIMUM_PASSWORD_LENGTH;

/// A stored password policy (§1.12), as the service checked it.
#[derive(Debug, Clone, Deserialize)]
pub struct PasswordPolicy {
    pub maximum_consecutive_identical_chars: i64,
    /// Minutes.
    pub minimum_password_age: i64,
    pub minimum_password_length: i64,
    pub number_of_recent_passwords_disallowed: i64,
    pub password_not_username_or_invert: bool,
    /// Days, 0 = never expires.
    pub password_validity_period: i64,
    pub password_char_combination: i64,
}

/// A stored login policy: the lockout part.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginPolicy {
    /// Minutes.
    pub lockout_duration: i64,
    pub login_failed_times: i64,
    /// Minutes: failures further apart than this do not add up.
    pub period_with_login_failures: i64,
}

/// The account's stored policies (None: no document, global rules).
#[derive(Debug, Clone, Default)]
pub struct AccountPolicies {
    pub password: Option<PasswordPolicy>,
    pub login: Option<LoginPolicy>,
}

fn parsed<T: serde::de::DeserializeOwned>(doc: Option<serde_json::Value>) -> Option<T> {
    doc.and_then(|d| serde_json::from_value(d).ok())
}

pub fn policies_in(r: &impl Reader, domain_id: &str) -> Result<AccountPolicies> {
    Ok(AccountPolicies {
        password: parsed(stored::get(r, domain_id, "password")?),
        login: parsed(stored::get(r, domain_id, "login")?),
    })
}

pub fn policies(store: &Store, domain_id: &str) -> Result<AccountPolicies> {
    store.read(|r| policies_in(r, domain_id))
}

impl AccountPolicies {
    /// `[security_compliance]` with this account's stored policies in place of the options
    /// they cover. The minimum age is Huawei's in minutes (`check_minimum_age` here), so
    /// Keystone's day-based one is off under a stored password policy; so is the regex,
    /// which the policy's own rules replace.
    pub fn config(&self, base: &SecurityComplianceConfig) -> SecurityComplianceConfig {
        let mut cfg = base.clone();
        if let Some(p) = &self.password {
            cfg.unique_last_password_count = p.number_of_recent_passwords_disallowed as u32;
            cfg.password_expires_days = Some(p.password_validity_period as u32).filter(|d| *d > 0);
            cfg.minimum_password_age = 0;
            cfg.password_regex = None;
            cfg.password_regex_description = None;
        }
        if let Some(l) = &self.login {
            cfg.lockout_failure_attempts = Some(l.login_failed_times as u32);
            cfg.lockout_duration = (l.lockout_duration * 60) as u64;
        }
        cfg
    }

    /// A failed login older than the policy's period no longer counts towards the lockout.
    pub fn failure_window(&self) -> Option<f64> {
        self.login
            .as_ref()
            .map(|l| (l.period_with_login_failures * 60) as f64)
    }
}

/// What is wrong with `password` for a user named `user_name` under `policy` (never the
/// password itself), or None.
pub fn password_problem(
    policy: &PasswordPolicy,
    user_name: &str,
    password: &str,
) -> Option<String> {
    let len = password.chars().count() as i64;
    if len < policy.minimum_password_length || len > MAXIMUM_PASSWORD_LENGTH {
        return Some(format!(
            "The password must contain {} to {MAXIMUM_PASSWORD_LENGTH} characters.",
            policy.minimum_password_length
        ));
    }
    let kinds = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if (kinds.iter().filter(|k| **k).count() as i64) < policy.password_char_combination {
        return Some(format!(
            "The password must contain at least {} of: uppercase letters, lowercase letters, \
             digits, special characters.",
            policy.password_char_combination
        ));
    }
    let max_run = policy.maximum_consecutive_identical_chars;
    if max_run > 0 && longest_run(password) > max_run {
        return Some(format!(
            "The password cannot contain more than {max_run} consecutive identical characters."
        ));
    }
    if policy.password_not_username_or_invert {
        let lower = password.to_lowercase();
        let name = user_name.to_lowercase();
        let reversed: String = name.chars().rev().collect();
        if lower == name || lower == reversed {
            return Some(
                "The password cannot be the username or the username spelled backwards."
                    .to_string(),
            );
        }
    }
    None
}

fn longest_run(s: &str) -> i64 {
    let (mut best, mut run, mut prev) = (0i64, 0i64, None);
    for c in s.chars() {
        run = if Some(c) == prev { run + 1 } else { 1 };
        best = best.max(run);
        prev = Some(c);
    }
    best
}

/// Huawei's minimum password age (minutes): a password the user set themself must be kept
/// that long (an administrator's reset may always be changed, as Keystone's rule says).
pub fn minimum_age_problem(policy: &PasswordPolicy, user: &User, now: f64) -> Option<String> {
    let age = policy.minimum_password_age;
    if age == 0 || !user.password_self_service {
        return None;
    }
    let allowed_at = user.password_created_at as f64 + (age * 60) as f64;
    (now < allowed_at).then(|| {
        format!(
            "The password cannot be changed within {age} minute(s) of the last change. Try \
             again in {} minute(s).",
            ((allowed_at - now) / 60.0).ceil() as i64
        )
    })
}

/// On a Huawei route: 400 code 1118 (weak password).
pub fn weak(message: String) -> Error {
    Error::Iam {
        status: 400,
        code: "1118",
        message,
    }
}

/// A failed password check under a login policy: the count restarts when the last failure
/// is older than the policy's period (Keystone's count never expires on its own).
pub fn record_failed_login(
    w: &impl crate::store::Writer,
    user_id: &str,
    now: f64,
    window: f64,
) -> Result<()> {
    if let Some(mut user) = crate::store::identity::get_user(w, user_id)? {
        if user.failed_auth_at.is_some_and(|at| at + window < now) {
            crate::compliance::reset_failures(&mut user);
        }
        crate::compliance::record_failure(&mut user, now);
        crate::store::identity::put_user(w, &user)?;
    }
    Ok(())
}

/// For Keystone's own routes (/v3/users create, PATCH, password change): the account's
/// configuration and, under a stored password policy only, its rules on `password` in
/// Keystone's 400 form. Without a stored policy this is `[security_compliance]` unchanged.
pub fn keystone_rules(
    store: &Store,
    base: &SecurityComplianceConfig,
    domain_id: &str,
    user_name: &str,
    password: Option<&str>,
) -> Result<(AccountPolicies, SecurityComplianceConfig)> {
    let account = policies(store, domain_id)?;
    if let (Some(policy), Some(p)) = (&account.password, password) {
        if let Some(problem) = password_problem(policy, user_name, p) {
            return Err(Error::Validation(format!(
                "The password does not match the requirements: {problem}"
            )));
        }
    }
    let cfg = account.config(base);
    Ok((account, cfg))
}

impl AccountPolicies {
    /// Keystone's own password change under a stored policy: its rules and minimum age, in
    /// Keystone's 400 form (nothing without a stored policy).
    pub fn check_change(&self, user: &User, password: &str, now: f64) -> Result<()> {
        let Some(policy) = &self.password else {
            return Ok(());
        };
        let problem = password_problem(policy, &user.name, password)
            .or_else(|| minimum_age_problem(policy, user, now));
        match problem {
            Some(problem) => Err(Error::Validation(problem)),
            None => Ok(()),
        }
    }
}

/// A regular expression for a stored password policy's length, character kinds and
/// consecutive-character rules (the username rule cannot be one: the description says it).
pub fn regex_of(policy: &PasswordPolicy) -> String {
    const KINDS: [&str; 4] = [
        "(?=.*[A-Z])",
        "(?=.*[a-z])",
        "(?=.*[0-9])",
        "(?=.*[^A-Za-z0-9])",
    ];
    let need = policy.password_char_combination.clamp(1, 4) as usize;
    // Every choice of `need` kinds out of four, as lookaheads.
    let combos: Vec<String> = (0u8..16)
        .filter(|mask| mask.count_ones() as usize == need)
        .map(|mask| {
            (0..4)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| KINDS[i])
                .collect()
        })
        .collect();
    let mut re = format!(
        "^(?=.{{{},{MAXIMUM_PASSWORD_LENGTH}}}$)(?:{})",
        policy.minimum_password_length,
        combos.join("|")
    );
    if policy.maximum_consecutive_identical_chars > 0 {
        re.push_str(&format!(
            "(?!.*(.)\\1{{{}}})",
            policy.maximum_consecutive_identical_chars
        ));
    }
    re.push_str(".*$");
    re
}

/// The account's stored password policy as (password_regex, password_regex_description).
pub fn regex_of_account(store: &Store, domain_id: &str) -> Result<Option<(String, String)>> {
    let doc = store.read(|r| stored::get(r, domain_id, "password"))?;
    let Some(doc) = doc else { return Ok(None) };
    let policy: Option<PasswordPolicy> = serde_json::from_value(doc.clone()).ok();
    let description = super::security_policy::with_requirements(&doc)["password_requirements"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok(policy.map(|p| (regex_of(&p), description)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            maximum_consecutive_identical_chars: 2,
            minimum_password_age: 0,
            minimum_password_length: 8,
            number_of_recent_passwords_disallowed: 1,
            password_not_username_or_invert: true,
            password_validity_period: 0,
            password_char_combination: 3,
        }
    }

    #[test]
    fn rules() {
        let p = policy();
        assert!(password_problem(&p, "bob", "Abcdef12").is_none());
        assert!(password_problem(&p, "bob", "Ab1").is_some());
        assert!(password_problem(&p, "bob", "abcdefgh").is_some());
        assert!(password_problem(&p, "bob", "Abbbcd12").is_some());
        assert!(password_problem(&p, "Alice1234", "4321ecilA").is_some());
        assert!(password_problem(&p, "bob", &"Ab1".repeat(11)).is_some());
    }

    #[test]
    fn regex_agrees_with_the_rules() {
        let p = policy();
        let re = fancy_regex::Regex::new(&regex_of(&p)).unwrap();
        for pw in ["Abcdef12", "Ab1", "abcdefgh", "Abbbcd12"] {
            assert_eq!(
                re.is_match(pw).unwrap(),
                password_problem(&p, "bob", pw).is_none(),
                "{pw}"
            );
        }
    }
}
