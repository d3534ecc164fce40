//! Unit tests: the redelegation rules and the create schema's messages.

use serde_json::json;

use crate::model::Trust;

use super::create::{validate_create, validate_redelegation};

fn trust(count: i64, expires_at: Option<i64>, roles: &[&str], imp: bool) -> Trust {
    Trust {
        id: "t".into(),
        trustor_user_id: "a".into(),
        trustee_user_id: "b".into(),
        project_id: Some("p".into()),
        impersonation: imp,
        expires_at,
        remaining_uses: None,
        redelegated_trust_id: None,
        redelegation_count: count,
        role_ids: roles.iter().map(|s| s.to_string()).collect(),
        extra: Default::default(),
    }
}

#[test]
fn redelegation_rules_follow_upstream() {
    let parent = trust(3, Some(100), &["r1", "r2"], true);
    // Inherits the parent's expiry when it sets none.
    let mut child = trust(2, None, &["r1"], true);
    assert!(validate_redelegation(&parent, &mut child).is_ok());
    assert_eq!(child.expires_at, Some(100));
    // Outliving the parent, widening roles, gaining impersonation, limited uses: refused.
    assert!(validate_redelegation(&parent, &mut trust(2, Some(101), &["r1"], true)).is_err());
    assert!(validate_redelegation(&parent, &mut trust(2, None, &["r3"], true)).is_err());
    let no_imp = trust(3, None, &["r1"], false);
    assert!(validate_redelegation(&no_imp, &mut trust(2, None, &["r1"], true)).is_err());
    let mut limited = trust(2, None, &["r1"], true);
    limited.remaining_uses = Some(1);
    assert!(validate_redelegation(&parent, &mut limited).is_err());
    // A parent with no redelegation depth left cannot be redelegated.
    let spent = trust(0, None, &["r1"], true);
    assert!(validate_redelegation(&spent, &mut trust(0, None, &["r1"], true)).is_err());
}

#[test]
fn create_schema_matches_upstream_messages() {
    let body = json!({"trustor_user_id": "a", "trustee_user_id": "b", "remaining_uses": 0,
                      "impersonation": false});
    assert_eq!(
        validate_create(body.as_object().unwrap())
            .unwrap_err()
            .message(),
        "Invalid input for field/attribute remaining_uses. Value: 0. 0 is less than the \
         minimum of 1"
    );
    let body = json!({"trustor_user_id": "a", "trustee_user_id": "b"});
    let msg = validate_create(body.as_object().unwrap())
        .unwrap_err()
        .message();
    assert!(
        msg.ends_with("'impersonation' is a required property"),
        "{msg}"
    );
}
