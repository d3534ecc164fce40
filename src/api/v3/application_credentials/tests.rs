//! Unit tests: delegated methods, secrets, the create schema's messages, expiry.

use serde_json::json;

use super::create::generate_secret;
use super::is_delegated_method;
use super::validate::{parse_expiration, validate_create};

fn m(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn delegated_methods_are_anything_not_primary() {
    assert!(!is_delegated_method(&m(&["password"])));
    assert!(!is_delegated_method(&m(&["password", "token", "totp"])));
    assert!(is_delegated_method(&m(&["application_credential"])));
    assert!(is_delegated_method(&m(&["token", "oauth1"])));
    assert!(is_delegated_method(&m(&[])));
}

#[test]
fn secrets_are_86_urlsafe_chars_and_fresh() {
    let a = generate_secret().unwrap();
    assert_eq!(a.len(), 86);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert_ne!(a, generate_secret().unwrap());
}

#[test]
fn create_schema_matches_upstream_messages() {
    let ok = json!({"name": "x", "roles": [{"name": "member"}], "unrestricted": null});
    assert!(validate_create(ok.as_object().unwrap()).is_ok());
    let bogus = json!({"name": "ac3", "bogus": 1});
    let err = validate_create(bogus.as_object().unwrap()).unwrap_err();
    assert_eq!(
        err.message(),
        "Invalid input for field/attribute application_credential. Value: {'name': 'ac3', \
         'bogus': 1}. Additional properties are not allowed ('bogus' was unexpected)"
    );
    let no_name = json!({"description": "d"});
    assert!(validate_create(no_name.as_object().unwrap()).is_err());
    let two_keys = json!({"name": "x", "roles": [{"id": "a", "name": "b"}]});
    assert!(validate_create(two_keys.as_object().unwrap()).is_err());
    let bad_method = json!({"name": "x", "access_rules": [{"method": "GETS"}]});
    assert!(validate_create(bad_method.as_object().unwrap()).is_err());
}

#[test]
fn expiration_must_parse_and_not_be_past() {
    // A fixed `now`: 2026-11-23T21:00:41Z.
    let now = 1_795_467_641.0;
    assert!(parse_expiration("bad.123Z", now).is_err());
    assert!(parse_expiration("2000-01-01T00:00:00", now).is_err());
    assert!(parse_expiration("2099-01-01T00:00:00.5", now).is_ok());
    assert!(parse_expiration("2026-11-23T21:00:41", now).is_ok());
    assert!(parse_expiration("2026-11-23T21:00:40.999999", now).is_err());
}
