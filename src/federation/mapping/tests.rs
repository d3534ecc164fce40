//! Unit tests of the engine; tests/federation/mapping/cases.json holds upstream's own answers.

use serde_json::json;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn plain_match_substitutes_and_defaults_type() {
    let rules = json!([{"local": [{"user": {"name": "{0}"}}, {"group": {"id": "g1"}}],
                        "remote": [{"type": "UserName"}]}]);
    let mapped = process(&rules, "1.0", &env(&[("UserName", "bob")])).unwrap();
    assert_eq!(
        serde_json::to_value(&mapped).unwrap(),
        json!({"user": {"name": "bob", "type": "ephemeral"}, "group_ids": ["g1"],
               "group_names": [], "projects": []})
    );
    assert_eq!(mapped.user.name.as_deref(), Some("bob"));
    assert_eq!(mapped.user.user_type, UserType::Ephemeral);
}

#[test]
fn nothing_mapped_is_upstreams_validation_error() {
    let rules = json!([{"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "X"}]}]);
    let err = process(&rules, "1.0", &env(&[("Y", "1")])).unwrap_err();
    assert_eq!(err, MappingError::NoMatch);
    assert_eq!(err.status(), 400);
    assert!(err
        .message()
        .starts_with("Could not map any federated user properties"));
}

#[test]
fn groups_list_literal_takes_the_rule_domain() {
    let rules = json!([{"local": [{"groups": "{0}", "domain": {"name": "D"}}],
                        "remote": [{"type": "G"}]}]);
    let mapped = process(&rules, "1.0", &env(&[("G", "a;b")])).unwrap();
    assert_eq!(mapped.group_names.len(), 2);
    assert_eq!(mapped.group_names[1].name.as_deref(), Some("b"));
    assert_eq!(
        mapped.group_names[1]
            .domain
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("D")
    );
}

#[test]
fn direct_mapping_beyond_matches_is_500() {
    let rules = json!([{"local": [{"user": {"name": "{1}"}}], "remote": [{"type": "U"}]}]);
    let err = process(&rules, "1.0", &env(&[("U", "x")])).unwrap_err();
    assert_eq!(err, MappingError::DirectMapping);
    assert_eq!(err.status(), 500);
}

#[test]
fn version_2_fills_user_and_project_domains() {
    let rules = json!([{"local": [{"user": {"name": "{0}"}, "domain": {"id": "d1"},
                                   "projects": [{"name": "p", "roles": [{"name": "member"}]}]}],
                        "remote": [{"type": "U"}]}]);
    let mapped = process(&rules, "2.0", &env(&[("U", "x")])).unwrap();
    assert_eq!(
        mapped.user.domain.as_ref().unwrap().id.as_deref(),
        Some("d1")
    );
    assert_eq!(mapped.projects[0].roles, vec!["member".to_string()]);
    assert_eq!(
        mapped.projects[0].domain.as_ref().unwrap().id.as_deref(),
        Some("d1")
    );
}

#[test]
fn version_3_reads_projects_json() {
    let rules = json!([{"local": [{"user": {"name": "{0}"}, "projects_json": "{1}"}],
                        "remote": [{"type": "U"}, {"type": "P"}]}]);
    let projects = r#"[{"name": "p", "roles": [{"name": "r"}]}]"#;
    let mapped = process(&rules, "3.0", &env(&[("U", "x"), ("P", projects)])).unwrap();
    assert_eq!(mapped.projects[0].name, "p");
    let bad = process(
        &rules,
        "3.0",
        &env(&[("U", "x"), ("P", r#"[{"name": 1}]"#)]),
    )
    .unwrap_err();
    assert_eq!(
        bad,
        MappingError::Invalid("'roles' is a required property\n1 is not of type 'string'\n".into())
    );
}

#[test]
fn validation_reports_every_error_sorted() {
    let mapping = json!({"rules": [{"local": [{"user": {"name": 1}}], "remote": []},
                                   {"remote": [{"type": "x", "foo": 1}]}]});
    let err = validate(&mapping, "1.0").unwrap_err();
    assert_eq!(
        err.message(),
        "'local' is a required property\n1 is not of type 'string'\n[] should be non-empty\n\
         {'type': 'x', 'foo': 1} is not valid under any of the given schemas\n"
    );
    assert!(validate(
        &json!({"rules": [{"local": [], "remote": [{"type": "x"}]}]}),
        "1.0"
    )
    .is_ok());
    assert_eq!(
        validate(&json!({"rules": []}), "4.0").unwrap_err(),
        MappingError::UnknownSchemaVersion(json!("4.0"))
    );
    assert_eq!(
        effective_schema_version(&json!({"schema_version": ""}), "2.0").unwrap(),
        "2.0"
    );
    assert_eq!(
        effective_schema_version(&json!({"schema_version": "3.0"}), "1.0").unwrap(),
        "3.0"
    );
    let err = effective_schema_version(&json!({"schema_version": 2}), "1.0").unwrap_err();
    assert_eq!((err.class(), err.message()), ("KeyError", "2".to_string()));
}

#[test]
fn filter_assertion_keeps_prefixed_and_repairs_latin1() {
    let pairs = env(&[("OIDC-name", "Ã±"), ("HTTP_HOST", "x"), ("OIDC-x", "ñ€")]);
    let filtered = filter_assertion(&pairs, "OIDC-");
    assert_eq!(filtered, env(&[("OIDC-name", "ñ"), ("OIDC-x", "ñ€")]));
}
