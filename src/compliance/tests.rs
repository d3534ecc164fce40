//! Unit tests: lockout, expiry, history, minimum age, the password regex, inactivity and
//! the MFA rules, with upstream's messages.

use super::*;
use crate::config::SecurityComplianceConfig;
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
