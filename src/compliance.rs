//! Upstream's `[security_compliance]` rules and multi-factor rules as plain functions over a
//! user record, the configuration and the time: no HTTP, no store. Messages are upstream's
//! (keystone/exception.py); where upstream's check sits is noted on each function.

use serde_json::Value;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::User;

/// Upstream's user resource options.
pub const IGNORE_CHANGE_PASSWORD: &str = "ignore_change_password_upon_first_use";
pub const IGNORE_PASSWORD_EXPIRY: &str = "ignore_password_expiry";
pub const IGNORE_LOCKOUT: &str = "ignore_lockout_failure_attempts";
pub const LOCK_PASSWORD: &str = "lock_password";
pub const IGNORE_INACTIVITY: &str = "ignore_user_inactivity";
pub const MFA_RULES: &str = "multi_factor_auth_rules";
pub const MFA_ENABLED: &str = "multi_factor_auth_enabled";

/// The auth methods this server has (upstream's loaded `[auth] methods` plus totp): an MFA
/// rule naming anything else is ignored, as upstream ignores methods it has not loaded.
pub const ACTIVE_METHODS: &[&str] = &[
    "external",
    "password",
    "token",
    "oauth1",
    "mapped",
    "application_credential",
    "totp",
];

/// A user option set to JSON `true` (upstream tests `option_value is True`).
pub fn option_true(user: &User, name: &str) -> bool {
    user.options.get(name) == Some(&Value::Bool(true))
}

/// Upstream's `password_expires_at` text: ISO 8601 with microseconds, no zone (UTC).
pub fn format_expiry(unix: f64) -> Option<String> {
    let nanos = (unix * 1e9) as i128;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
    ))
    .ok()
}

/// Parses `password_expires_at` back to Unix seconds.
pub fn parse_expiry(s: &str) -> Option<f64> {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    let at = PrimitiveDateTime::parse(s, &fmt).ok()?.assume_utc();
    Some(at.unix_timestamp_nanos() as f64 / 1e9)
}

/// The UTC day of a Unix time, as upstream's `last_active_at` date column.
pub fn day_of(unix: f64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(unix.floor() as i64).ok()?;
    at.format(format_description!("[year]-[month]-[day]")).ok()
}

fn days_between(from_day: &str, to_day: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    let a = time::Date::parse(from_day, &fmt).ok()?;
    let b = time::Date::parse(to_day, &fmt).ok()?;
    Some((b - a).whole_days())
}

/// What the lockout rule says about a user before their password is checked
/// (upstream's `Identity._is_account_locked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Not locked; nothing to change.
    Open,
    /// Locked: refuse with `account_locked`, whatever the password.
    Locked,
    /// Was locked, the duration has passed: reset the failure count, then go on.
    Expired,
}

pub fn lockout(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> Lockout {
    if option_true(user, IGNORE_LOCKOUT) {
        return Lockout::Open;
    }
    let Some(max) = cfg.lockout_failure_attempts.filter(|m| *m > 0) else {
        return Lockout::Open;
    };
    if user.failed_auth_count < max {
        return Lockout::Open;
    }
    if cfg.lockout_duration == 0 {
        return Lockout::Locked;
    }
    let last = user.failed_auth_at.unwrap_or(0.0);
    if last + cfg.lockout_duration as f64 > now {
        Lockout::Locked
    } else {
        Lockout::Expired
    }
}

/// Upstream's `AccountLocked`, which its notification wrapper turns into the plain 401
/// (only the log names the locked account).
pub fn account_locked(user_id: &str) -> Error {
    log::warn!("Authorization failed. The account is locked for user: {user_id}.");
    Error::unauthenticated()
}

/// Upstream's `PasswordExpired`.
pub fn password_expired(user_id: &str) -> Error {
    Error::Unauthorized(format!(
        "The password is expired and needs to be changed for user: {user_id}."
    ))
}

/// Upstream's `UserDisabled`.
pub fn user_disabled(user_id: &str) -> Error {
    Error::Unauthorized(format!("The account is disabled for user: {user_id}."))
}

/// Records one failed password check (upstream's `_record_failed_auth`).
pub fn record_failure(user: &mut User, now: f64) {
    user.failed_auth_count = user.failed_auth_count.saturating_add(1);
    user.failed_auth_at = Some(now);
}

/// Clears the failure count (upstream's `_reset_failed_auth`).
pub fn reset_failures(user: &mut User) {
    user.failed_auth_count = 0;
    user.failed_auth_at = None;
}

/// Upstream's `password_is_expired`: an expiry in the past, unless the user ignores expiry.
pub fn password_is_expired(user: &User, now: f64) -> bool {
    if option_true(user, IGNORE_PASSWORD_EXPIRY) {
        return false;
    }
    user.password_expires_at
        .as_deref()
        .and_then(parse_expiry)
        .is_some_and(|at| now >= at)
}

/// Upstream's `User.enabled` hybrid: a user not seen for
/// `disable_user_account_days_inactive` days counts as disabled.
pub fn inactive(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> bool {
    let Some(max_days) = cfg.disable_user_account_days_inactive.filter(|d| *d > 0) else {
        return false;
    };
    if option_true(user, IGNORE_INACTIVITY) {
        return false;
    }
    let last = user
        .last_active_at
        .clone()
        .or_else(|| user.created_at.and_then(|c| day_of(c as f64)));
    let (Some(last), Some(today)) = (last, day_of(now)) else {
        return false;
    };
    days_between(&last, &today).is_some_and(|d| d >= i64::from(max_days))
}

/// The user as upstream's `enabled` property answers: stored flag and inactivity.
pub fn effectively_enabled(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> bool {
    user.enabled && !inactive(cfg, user, now)
}

/// Upstream's `validators.validate_password`: `password_regex` with Python's `re.match`
/// (anchored at the start only). Never echoes the password.
pub fn validate_password(cfg: &SecurityComplianceConfig, password: &str) -> Result<()> {
    let Some(pattern) = cfg.password_regex.as_deref().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let re = fancy_regex::Regex::new(pattern).map_err(|_| {
        log::error!(
            "Unable to validate password due to invalid regular expression - password_regex: {pattern}"
        );
        Error::Validation(
            "Password validation error: Unable to validate password due to invalid \
             configuration."
                .to_string(),
        )
    })?;
    let matched = match re.find(password) {
        // The leftmost match starts at 0 exactly when Python's re.match matches.
        Ok(Some(m)) => m.start() == 0,
        Ok(None) => false,
        Err(_) => false,
    };
    if matched {
        return Ok(());
    }
    let description = cfg
        .password_regex_description
        .clone()
        .unwrap_or_else(|| "None".to_string());
    Err(Error::Validation(format!(
        "The password does not match the requirements: {description}."
    )))
}

/// Upstream's `PasswordSelfServiceDisabled` (the user's `lock_password` option).
pub fn check_password_not_locked(user: &User) -> Result<()> {
    if option_true(user, LOCK_PASSWORD) {
        return Err(Error::Validation(
            "You cannot change your password at this time due to password policy \
             disallowing password changes. Please contact your administrator to reset your \
             password."
                .to_string(),
        ));
    }
    Ok(())
}

/// Upstream's `_validate_minimum_password_age`: only for a password the user set themself.
pub fn check_minimum_age(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> Result<()> {
    if !user.password_self_service || cfg.minimum_password_age == 0 {
        return Ok(());
    }
    let min_age = f64::from(cfg.minimum_password_age) * 86_400.0;
    let allowed_at = user.password_created_at as f64 + min_age;
    if now < allowed_at {
        let days_left = ((allowed_at - now) / 86_400.0).floor() as i64;
        return Err(Error::Validation(format!(
            "You cannot change your password at this time due to the minimum password age. \
             Once you change your password, it must be used for {} day(s) before it can be \
             changed. Please try again in {days_left} day(s) or contact your administrator to \
             reset your password.",
            cfg.minimum_password_age
        )));
    }
    Ok(())
}

/// The hashes the new password must differ from: the last `unique_last_password_count`
/// passwords, the current one included (upstream's `_validate_password_history`).
pub fn history_to_check(cfg: &SecurityComplianceConfig, user: &User) -> Vec<String> {
    let count = cfg.unique_last_password_count as usize;
    if count == 0 {
        return Vec::new();
    }
    let mut all: Vec<String> = user.password_history.clone();
    all.extend(user.password_hash.clone());
    let skip = all.len().saturating_sub(count);
    all.split_off(skip)
}

/// Upstream's `PasswordHistoryValidationError`.
pub fn password_reused(cfg: &SecurityComplianceConfig) -> Error {
    Error::Validation(format!(
        "The new password cannot be identical to a previous password. The total number which \
         includes the new password must be unique is {}.",
        cfg.unique_last_password_count
    ))
}

/// Checks the new password against the history (slow: one hash verification each; run it
/// outside any store transaction).
pub fn check_history(cfg: &SecurityComplianceConfig, user: &User, password: &str) -> Result<()> {
    if history_to_check(cfg, user)
        .iter()
        .any(|h| crate::password::verify(password, h))
    {
        return Err(password_reused(cfg));
    }
    Ok(())
}

/// When a password set now expires: `password_expires_days` ahead (whole seconds, as
/// upstream's `replace(microsecond=0)`), unless the user ignores expiry.
pub fn expiry_for_new_password(
    cfg: &SecurityComplianceConfig,
    options: &serde_json::Map<String, Value>,
    now: f64,
) -> Option<String> {
    if options.get(IGNORE_PASSWORD_EXPIRY) == Some(&Value::Bool(true)) {
        return None;
    }
    let days = cfg.password_expires_days.filter(|d| *d > 0)?;
    format_expiry((now + f64::from(days) * 86_400.0).floor())
}

/// Upstream's `_change_password_required`: a password an administrator sets (create or
/// reset) must be changed at first use, unless the user ignores that.
pub fn change_required(
    cfg: &SecurityComplianceConfig,
    options: &serde_json::Map<String, Value>,
) -> bool {
    cfg.change_password_upon_first_use
        && options.get(IGNORE_CHANGE_PASSWORD) != Some(&Value::Bool(true))
}

/// Replaces the user's password with `new_hash` set at `now`, keeping the history upstream
/// keeps (the last `unique_last_password_count` passwords, at least one).
pub fn set_password(
    cfg: &SecurityComplianceConfig,
    user: &mut User,
    new_hash: Option<String>,
    now: f64,
    self_service: bool,
) {
    if let Some(old) = user.password_hash.take() {
        user.password_history.push(old);
    }
    let keep = (cfg.unique_last_password_count as usize).max(1);
    let skip = user.password_history.len().saturating_sub(keep);
    user.password_history.drain(..skip);
    let has_password = new_hash.is_some();
    user.password_hash = new_hash;
    user.password_created_at = now as i64;
    user.password_self_service = self_service;
    user.password_expires_at = if !self_service && change_required(cfg, &user.options) {
        // Expired from the start: the user must change it before anything else.
        format_expiry(now)
    } else if has_password {
        expiry_for_new_password(cfg, &user.options, now)
    } else {
        None
    };
}

/// The user's MFA rules as upstream's `_parse_rule_structure` keeps them: lists of strings,
/// empty or malformed lists dropped, duplicates removed.
pub fn mfa_rules(user: &User) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let Some(Value::Array(rules)) = user.options.get(MFA_RULES) else {
        return out;
    };
    for rule in rules {
        let Some(items) = rule.as_array() else {
            continue;
        };
        if items.is_empty() || !items.iter().all(Value::is_string) {
            continue;
        }
        let mut r: Vec<String> = Vec::new();
        for s in items.iter().filter_map(Value::as_str) {
            if !r.iter().any(|x| x == s) {
                r.push(s.to_string());
            }
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn active(rule: &[String]) -> Vec<String> {
    rule.iter()
        .filter(|m| ACTIVE_METHODS.contains(&m.as_str()))
        .cloned()
        .collect()
}

/// Upstream's `check_auth_methods_against_rules`: may a token be issued for these methods?
pub fn mfa_satisfied(user: &User, methods: &[String]) -> bool {
    let rules = mfa_rules(user);
    let enabled = user.options.get(MFA_ENABLED) != Some(&Value::Bool(false));
    if rules.is_empty() || !enabled {
        return true;
    }
    let mut any_valid = false;
    for rule in &rules {
        let r = active(rule);
        if r.is_empty() {
            continue;
        }
        any_valid = true;
        if r.iter().all(|m| methods.contains(m)) {
            return true;
        }
    }
    // Every rule names only methods not loaded: let the user in rather than lock them out.
    !any_valid
}

/// Upstream's receipt `required_methods`: the (active parts of the) rules that share a
/// method with what was already done.
pub fn required_methods(user: &User, methods: &[String]) -> Vec<Vec<String>> {
    mfa_rules(user)
        .iter()
        .map(|r| active(r))
        .filter(|r| r.iter().any(|m| methods.contains(m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg() -> SecurityComplianceConfig {
        SecurityComplianceConfig {
            lockout_failure_attempts: Some(2),
            lockout_duration: 5,
            unique_last_password_count: 2,
            ..Default::default()
        }
    }

    fn user() -> User {
        User {
            id: "u1".into(),
            name: "u".into(),
            domain_id: "default".into(),
            enabled: true,
            ..Default::default()
        }
    }

    #[test]
    fn lockout_after_n_failures_for_the_duration() {
        let c = cfg();
        let mut u = user();
        assert_eq!(lockout(&c, &u, 100.0), Lockout::Open);
        record_failure(&mut u, 100.0);
        assert_eq!(lockout(&c, &u, 100.5), Lockout::Open);
        record_failure(&mut u, 101.0);
        assert_eq!(lockout(&c, &u, 101.5), Lockout::Locked);
        assert_eq!(lockout(&c, &u, 105.9), Lockout::Locked);
        assert_eq!(lockout(&c, &u, 106.1), Lockout::Expired);
        reset_failures(&mut u);
        assert_eq!(lockout(&c, &u, 106.1), Lockout::Open);
    }

    #[test]
    fn lockout_forever_without_duration_and_not_for_ignoring_users() {
        let mut c = cfg();
        c.lockout_duration = 0;
        let mut u = user();
        record_failure(&mut u, 1.0);
        record_failure(&mut u, 2.0);
        assert_eq!(lockout(&c, &u, 1e9), Lockout::Locked);
        u.options.insert(IGNORE_LOCKOUT.into(), json!(true));
        assert_eq!(lockout(&c, &u, 1e9), Lockout::Open);
        c.lockout_failure_attempts = None;
        u.options.clear();
        assert_eq!(lockout(&c, &u, 1e9), Lockout::Open);
    }

    #[test]
    fn messages_are_upstreams() {
        assert_eq!(
            account_locked("abc").message(),
            "The request you have made requires authentication."
        );
        assert_eq!(
            password_expired("abc").message(),
            "The password is expired and needs to be changed for user: abc."
        );
        assert_eq!(
            password_reused(&cfg()).message(),
            "The new password cannot be identical to a previous password. The total number \
             which includes the new password must be unique is 2."
        );
    }

    #[test]
    fn expiry_and_its_exemption() {
        let mut u = user();
        u.password_expires_at = format_expiry(1000.0);
        assert_eq!(
            u.password_expires_at.as_deref(),
            Some("1970-01-01T00:16:40.000000")
        );
        assert!(!password_is_expired(&u, 999.0));
        assert!(password_is_expired(&u, 1000.0));
        u.options.insert(IGNORE_PASSWORD_EXPIRY.into(), json!(true));
        assert!(!password_is_expired(&u, 5000.0));
    }

    #[test]
    fn new_password_expiry_and_first_use() {
        let mut c = cfg();
        c.password_expires_days = Some(1);
        let mut u = user();
        set_password(&c, &mut u, Some("h1".into()), 10.5, false);
        assert_eq!(
            u.password_expires_at.as_deref(),
            Some("1970-01-02T00:00:10.000000")
        );
        c.change_password_upon_first_use = true;
        set_password(&c, &mut u, Some("h2".into()), 20.25, false);
        assert_eq!(
            u.password_expires_at.as_deref(),
            Some("1970-01-01T00:00:20.250000")
        );
        assert!(password_is_expired(&u, 20.25));
        // A self-service change is not "first use".
        set_password(&c, &mut u, Some("h3".into()), 30.0, true);
        assert!(!password_is_expired(&u, 31.0));
        u.options.insert(IGNORE_CHANGE_PASSWORD.into(), json!(true));
        u.options.insert(IGNORE_PASSWORD_EXPIRY.into(), json!(true));
        set_password(&c, &mut u, Some("h4".into()), 40.0, false);
        assert_eq!(u.password_expires_at, None);
    }

    #[test]
    fn history_keeps_the_last_n_including_the_current() {
        let c = cfg();
        let mut u = user();
        for (i, h) in ["h1", "h2", "h3", "h4"].iter().enumerate() {
            set_password(&c, &mut u, Some(h.to_string()), i as f64, true);
        }
        assert_eq!(u.password_hash.as_deref(), Some("h4"));
        assert_eq!(history_to_check(&c, &u), ["h3", "h4"]);
        let mut none = c.clone();
        none.unique_last_password_count = 0;
        assert!(history_to_check(&none, &u).is_empty());
        // With no history configured upstream still keeps one old password.
        set_password(&none, &mut u, Some("h5".into()), 9.0, true);
        assert_eq!(u.password_history, ["h4"]);
    }

    #[test]
    fn history_rejects_a_recent_password() {
        let c = cfg();
        let hash = |p: &str| crate::password::hash_pbkdf2(p, 1000).unwrap();
        let mut u = user();
        set_password(&c, &mut u, Some(hash("one")), 1.0, false);
        set_password(&c, &mut u, Some(hash("two")), 2.0, true);
        assert!(check_history(&c, &u, "two").is_err());
        assert!(check_history(&c, &u, "one").is_err());
        assert!(check_history(&c, &u, "three").is_ok());
        set_password(&c, &mut u, Some(hash("three")), 3.0, true);
        assert!(check_history(&c, &u, "one").is_ok());
    }

    #[test]
    fn minimum_age_applies_to_self_service_only() {
        let mut c = cfg();
        c.minimum_password_age = 1;
        let mut u = user();
        u.password_created_at = 1000;
        assert!(check_minimum_age(&c, &u, 1001.0).is_ok());
        u.password_self_service = true;
        let err = check_minimum_age(&c, &u, 1001.0).unwrap_err();
        assert!(err.message().contains(
            "it must be used for 1 day(s) before it can be changed. Please try again in 0 day(s)"
        ));
        assert!(check_minimum_age(&c, &u, 1000.0 + 86_400.0).is_ok());
    }

    #[test]
    fn regex_matches_like_python_re_match() {
        let mut c = cfg();
        assert!(validate_password(&c, "anything").is_ok());
        c.password_regex = Some(r"^(?=.*\d)(?=.*[a-zA-Z]).{7,}$".into());
        c.password_regex_description = Some("7 characters, a letter and a digit".into());
        assert!(validate_password(&c, "abcdef1").is_ok());
        let err = validate_password(&c, "abc").unwrap_err();
        assert_eq!(err.code(), 400);
        assert_eq!(
            err.message(),
            "The password does not match the requirements: 7 characters, a letter and a digit."
        );
        // re.match anchors at the start only.
        c.password_regex = Some("[0-9]+".into());
        assert!(validate_password(&c, "12ab").is_ok());
        assert!(validate_password(&c, "ab12").is_err());
        c.password_regex = Some("(".into());
        assert_eq!(
            validate_password(&c, "x").unwrap_err().message(),
            "Password validation error: Unable to validate password due to invalid configuration."
        );
    }

    #[test]
    fn inactivity_counts_whole_days() {
        let mut c = cfg();
        let mut u = user();
        u.last_active_at = Some("1970-01-01".into());
        assert!(!inactive(&c, &u, 10.0 * 86_400.0));
        c.disable_user_account_days_inactive = Some(10);
        assert!(!inactive(&c, &u, 9.5 * 86_400.0));
        assert!(inactive(&c, &u, 10.0 * 86_400.0));
        assert!(!effectively_enabled(&c, &u, 10.0 * 86_400.0));
        u.options.insert(IGNORE_INACTIVITY.into(), json!(true));
        assert!(!inactive(&c, &u, 100.0 * 86_400.0));
        u.options.clear();
        u.last_active_at = None;
        u.created_at = Some(0);
        assert!(inactive(&c, &u, 10.0 * 86_400.0));
        u.created_at = None;
        assert!(!inactive(&c, &u, 10.0 * 86_400.0));
    }

    #[test]
    fn mfa_rules_as_upstream() {
        let m = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut u = user();
        assert!(mfa_satisfied(&u, &m(&["password"])));
        u.options.insert(
            MFA_RULES.into(),
            json!([["password", "totp"], ["password", "totp"], []]),
        );
        assert_eq!(mfa_rules(&u), vec![m(&["password", "totp"])]);
        assert!(!mfa_satisfied(&u, &m(&["password"])));
        assert!(mfa_satisfied(&u, &m(&["totp", "password"])));
        assert_eq!(
            required_methods(&u, &m(&["password"])),
            vec![m(&["password", "totp"])]
        );
        u.options.insert(MFA_ENABLED.into(), json!(false));
        assert!(mfa_satisfied(&u, &m(&["password"])));
        // Rules naming only unknown methods do not lock the user out.
        u.options.insert(MFA_ENABLED.into(), json!(true));
        u.options.insert(MFA_RULES.into(), json!([["smartcard"]]));
        assert!(mfa_satisfied(&u, &m(&["password"])));
        // Unknown methods in a rule are dropped from it.
        u.options.insert(
            MFA_RULES.into(),
            json!([["password", "smartcard"], ["totp"]]),
        );
        assert!(mfa_satisfied(&u, &m(&["password"])));
        assert_eq!(required_methods(&u, &m(&["totp"])), vec![m(&["totp"])]);
    }
}
