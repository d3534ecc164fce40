//! Each keyword and both wordings, with messages the API tests expect (tests/api) or that
//! upstream's jsonschema gives for the same schema and instance.

use serde_json::{json, Value};

use super::*;

fn schema(v: Value) -> Schema {
    match Schema::new(v) {
        Ok(s) => s,
        Err(e) => panic!("bad test schema: {e}"),
    }
}

/// The api wording's message, or "" when the instance passes.
fn api(s: &Schema, instance: Value) -> String {
    match s.validate(&instance) {
        Err(e) => e.message,
        Ok(()) => String::new(),
    }
}

fn lazy(s: &Schema, instance: Value) -> String {
    match s.lazy_validate(&instance) {
        Err(e) => e.message,
        Ok(()) => String::new(),
    }
}

fn schemas() -> Schemas {
    match Schemas::load() {
        Ok(s) => s,
        Err(e) => panic!("schemas: {e}"),
    }
}

#[test]
fn every_schema_file_loads() {
    schemas();
}

#[test]
fn unknown_keywords_types_and_bad_patterns_are_refused() {
    assert!(Schema::new(json!({"type": "string", "patternProperties": {}})).is_err());
    assert!(Schema::new(json!({"type": "strnig"})).is_err());
    assert!(Schema::new(json!({"type": "string", "pattern": "(unclosed"})).is_err());
    assert!(Schema::new(json!({"properties": {"a": {"format": "uuid", "typo": 1}}})).is_err());
}

#[test]
fn type_keyword() {
    let s = schemas();
    assert_eq!(
        api(
            &s.endpoint_create,
            json!({"endpoint": {"enabled": "False"}})
        ),
        "Invalid input for field/attribute enabled. Value: False. 'False' is not of type 'boolean'"
    );
    assert_eq!(
        api(&s.region_create, json!({"region": {"parent_region_id": 5}})),
        "Invalid input for field/attribute parent_region_id. Value: 5. 5 is not of type 'string', 'null'"
    );
    let int = schema(json!({"type": "integer"}));
    assert_eq!(api(&int, json!(1.0)), "");
    assert_eq!(api(&int, json!(1.5)), "1.5 is not of type 'integer'");
    assert_eq!(api(&int, json!(true)), "True is not of type 'integer'");
}

#[test]
fn enum_keyword() {
    let s = schemas();
    assert_eq!(
        api(&s.endpoint_create, json!({"endpoint": {"interface": "bogus"}})),
        "Invalid input for field/attribute interface. Value: bogus. 'bogus' is not one of ['admin', 'internal', 'public']"
    );
    assert_eq!(
        api(&s.user_create, json!({"user": {"name": "u", "enabled": 1}})),
        "Invalid input for field/attribute enabled. Value: 1. 1 is not of type 'boolean', 'string', 'null'"
    );
    assert_eq!(
        api(
            &s.user_create,
            json!({"user": {"name": "u", "enabled": "maybe"}})
        ),
        "Invalid input for field/attribute enabled. Value: maybe. 'maybe' is not one of [True, \
         'True', 'TRUE', 'true', False, 'False', 'FALSE', 'false', '', '1', '0', 'y', 'Y', 'n', \
         'N', 'on', 'ON', 'off', 'OFF', 'yes', 'no']"
    );
    // jsonschema's equality: 1 == 1.0, but True is not 1.
    let e = schema(json!({"enum": [1]}));
    assert_eq!(api(&e, json!(1.0)), "");
    assert_eq!(api(&e, json!(true)), "True is not one of [1]");
}

#[test]
fn length_keywords() {
    let s = schemas();
    assert_eq!(
        api(&s.group_create, json!({"group": {"name": ""}})),
        "Invalid input for field/attribute name. Value: . '' should be non-empty"
    );
    let long = "x".repeat(65);
    assert_eq!(
        api(&s.project_create, json!({"project": {"name": long}})),
        format!("Invalid input for field/attribute name. Value: {long}. '{long}' is too long")
    );
    let short = schema(json!({"minLength": 2}));
    assert_eq!(api(&short, json!("a")), "'a' is too short");
    let empty = schema(json!({"maxLength": 0}));
    assert_eq!(api(&empty, json!("a")), "'a' is expected to be empty");
}

#[test]
fn pattern_keyword_runs_the_regex() {
    let s = schemas();
    assert_eq!(
        api(
            &s.endpoint_create,
            json!({"endpoint": {"interface": "public", "service_id": "s", "url": "x"}})
        ),
        "Invalid input for field/attribute url. Value: x. 'x' does not match '^[a-zA-Z0-9+.-]+:.+'"
    );
    assert_eq!(
        api(
            &s.endpoint_create,
            json!({"endpoint": {"interface": "public", "service_id": "s", "url": "http://x"}})
        ),
        ""
    );
    assert_eq!(
        api(&s.role_create, json!({"role": {"name": "  "}})),
        r"Invalid input for field/attribute name. Value:   . '  ' does not match '[\\S]+'"
    );
    assert_eq!(
        api(&s.project_tags_put, json!({"tags": ["a/b"]})),
        "Invalid input for field/attribute 0. Value: a/b. 'a/b' does not match '^[^,/]*$'"
    );
    // A pattern no hand-written matcher knew is still checked, never passed.
    let digits = schema(json!({"pattern": "^[0-9]{3}$"}));
    assert_eq!(api(&digits, json!("123")), "");
    assert_eq!(
        api(&digits, json!("12a")),
        "'12a' does not match '^[0-9]{3}$'"
    );
}

#[test]
fn object_keywords() {
    let s = schemas();
    assert_eq!(
        api(
            &s.endpoint_create,
            json!({"endpoint": {"service_id": "svc", "interface": "public"}})
        ),
        "Invalid input for field/attribute endpoint. Value: {'service_id': 'svc', 'interface': \
         'public'}. 'url' is a required property"
    );
    assert_eq!(
        api(&s.domain_create, json!({})),
        "'domain' is a required property"
    );
    assert_eq!(
        api(&s.regions_query, json!({"foo": "1"})),
        "Additional properties are not allowed ('foo' was unexpected)"
    );
    assert_eq!(
        api(&s.regions_query, json!({"zz": "1", "aa": "2"})),
        "Additional properties are not allowed ('aa', 'zz' were unexpected)"
    );
    assert_eq!(
        api(
            &s.role_create,
            json!({"role": {"name": "r", "options": {"bogus": true}}})
        ),
        "Invalid input for field/attribute options. Value: {'bogus': True}. Additional \
         properties are not allowed ('bogus' was unexpected)"
    );
    assert_eq!(
        api(&s.region_update, json!({"region": {}})),
        "Invalid input for field/attribute region. Value: {}. {} should be non-empty"
    );
    let two = schema(json!({"minProperties": 2}));
    assert_eq!(
        api(&two, json!({"a": 1})),
        "{'a': 1} does not have enough properties"
    );
}

#[test]
fn array_keywords() {
    let s = schemas();
    assert_eq!(
        api(&s.limits_create, json!({"limits": []})),
        "Invalid input for field/attribute limits. Value: []. [] should be non-empty"
    );
    let tags: Vec<String> = (0..81).map(|i| format!("t{i}")).collect();
    let m = api(&s.project_tags, json!(tags));
    assert!(m.ends_with("'t80'] is too long"), "{m}");
    assert_eq!(
        api(&s.project_tags, json!(["a", "a"])),
        "['a', 'a'] has non-unique elements"
    );
    let two = schema(json!({"minItems": 2}));
    assert_eq!(api(&two, json!([1])), "[1] is too short");
}

#[test]
fn number_and_format_keywords() {
    let s = schemas();
    let svc = "9fe2ff9ee4384b1894a90878d3e92bab";
    let limit = |n: Value| {
        json!({"limits": [{"service_id": svc, "resource_name": "cores",
                                             "resource_limit": n, "project_id": "p"}]})
    };
    assert_eq!(
        api(&s.limits_create, limit(json!(-2))),
        "Invalid input for field/attribute resource_limit. Value: -2. -2 is less than the minimum of -1"
    );
    assert_eq!(
        api(&s.limits_create, limit(json!(2147483648u64))),
        "Invalid input for field/attribute resource_limit. Value: 2147483648. 2147483648 is \
         greater than the maximum of 2147483647"
    );
    assert_eq!(
        api(
            &s.registered_limit_update,
            json!({"registered_limit": {"service_id": "nope"}})
        ),
        "Invalid input for field/attribute service_id. Value: nope. 'nope' is not a 'uuid'"
    );
    assert!(is_uuid_like("9FE2FF9E-E438-4B18-94A9-0878D3E92BAB"));
}

#[test]
fn one_of_keyword() {
    let s = schemas();
    let svc = "9fe2ff9ee4384b1894a90878d3e92bab";
    let m = api(
        &s.limits_create,
        json!({"limits": [{"service_id": svc, "resource_name": "c", "resource_limit": 1}]}),
    );
    assert_eq!(
        m,
        format!(
            "Invalid input for field/attribute 0. Value: {{'service_id': '{svc}', \
             'resource_name': 'c', 'resource_limit': 1}}. {{'service_id': '{svc}', \
             'resource_name': 'c', 'resource_limit': 1}} is not valid under any of the given \
             schemas"
        )
    );
    let both = schema(json!({"oneOf": [{"type": "integer"}, {"minimum": 0}]}));
    assert_eq!(
        api(&both, json!(1)),
        "1 is valid under each of {'minimum': 0}, {'type': 'integer'}"
    );
}

#[test]
fn lazy_wording_at_the_root_and_below_it() {
    let s = schemas();
    let expected = concat!(
        "'blob' is a required property\n\nFailed validating 'required' in schema:\n",
        "    {'type': 'object',\n",
        "     'properties': {'blob': {'type': 'string'},\n",
        "                    'type': {'type': 'string', 'maxLength': 255}},\n",
        "     'required': ['blob', 'type'],\n",
        "     'additionalProperties': True}\n\nOn instance:\n    {}"
    );
    assert_eq!(lazy(&s.policy_create, json!({})), expected);
    let expected = concat!(
        "Invalid input for field 'blob': 1 is not of type 'string'\n\n",
        "Failed validating 'type' in schema['properties']['blob']:\n",
        "    {'type': 'string'}\n\nOn instance['blob']:\n    1"
    );
    assert_eq!(
        lazy(&s.policy_create, json!({"blob": 1, "type": "x"})),
        expected
    );
}

#[test]
fn lazy_wording_of_the_not_keyword_and_long_instances() {
    let s = schemas();
    let expected = concat!(
        "{'secret': 'x'} should not be valid under {'required': ['secret']}\n\n",
        "Failed validating 'not' in schema:\n",
        "    {'type': 'object',\n",
        "     'properties': {'description': {'type': ['string', 'null']}},\n",
        "     'not': {'required': ['secret']},\n",
        "     'minProperties': 1,\n",
        "     'additionalProperties': True}\n\nOn instance:\n    {'secret': 'x'}"
    );
    assert_eq!(lazy(&s.consumer_update, json!({"secret": "x"})), expected);
    let tags: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
    let mut dup = tags.clone();
    dup.push("tag0".into());
    let m = lazy(&s.project_tags, json!(dup));
    assert!(
        m.ends_with("On instance:\n    ['tag0',\n     'tag1',\n     'tag2',\n     'tag3',\n     'tag4',\n     'tag5',\n     'tag6',\n     'tag7',\n     'tag8',\n     'tag9',\n     'tag10',\n     'tag11',\n     'tag12',\n     'tag13',\n     'tag14',\n     'tag15',\n     'tag16',\n     'tag17',\n     'tag18',\n     'tag19',\n     'tag0']"),
        "{m}"
    );
    let item = lazy(&s.project_tag, json!(""));
    assert_eq!(
        item,
        // The text add_tag has always answered (73 characters: pprint breaks the dict).
        "'' should be non-empty\n\nFailed validating 'minLength' in schema:\n    {'type': \
         'string',\n     'minLength': 1,\n     'maxLength': 255,\n     'pattern': '^[^,/]*$'}\n\n\
         On instance:\n    ''"
    );
}

#[test]
fn lazy_wording_names_array_indexes_without_quotes() {
    let s = schema(json!({"type": "object", "properties": {"l": {"items": {"type": "string"}}}}));
    assert_eq!(
        lazy(&s, json!({"l": [1]})),
        "Invalid input for field 'l/0': 1 is not of type 'string'\n\nFailed validating 'type' \
         in schema['properties']['l']['items']:\n    {'type': 'string'}\n\nOn instance['l'][0]:\n    1"
    );
}

#[test]
fn members_of_bodies() {
    let s = schemas();
    assert_eq!(
        s.role_create
            .required_member(&json!([]), "role")
            .err()
            .map(|e| e.message),
        Some("'role' is a required property".to_string())
    );
    assert_eq!(
        api(&s.role_create, json!({"role": "r"})),
        "Invalid input for field/attribute role. Value: r. 'r' is not of type 'object'"
    );
    assert_eq!(
        api(&s.user_create, json!({"user": {"domain_id": "d"}})),
        "Invalid input for field/attribute user. Value: {'domain_id': 'd'}. 'name' is a required property"
    );
    let project = s
        .project_create
        .member(&json!({"project": {"name": "p"}}), "project");
    assert_eq!(project.ok().map(|m| m.len()), Some(1));
}

#[test]
fn one_boolean_parser() {
    for t in ["True", "TRUE", "true", "1", "y", "Y", "on", "ON", "yes"] {
        assert_eq!(parse_bool(&json!(t)), Some(true), "{t}");
    }
    for f in [
        "False", "FALSE", "false", "", "0", "n", "N", "off", "OFF", "no", "other",
    ] {
        assert_eq!(parse_bool(&json!(f)), Some(false), "{f}");
    }
    assert_eq!(parse_bool(&json!(true)), Some(true));
    assert_eq!(parse_bool(&json!(null)), None);
    assert!(query_is_true("anything") && query_is_true("1"));
    assert!(!query_is_true("False") && !query_is_true("OFF") && !query_is_true("0"));
}

#[test]
fn typed_inputs_tell_null_from_absent() {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "nullable")]
        description: Nullable<String>,
    }
    let read = |v: Value| match v {
        Value::Object(m) => typed::<Body>(&m).ok().map(|b| b.description),
        _ => None,
    };
    assert_eq!(read(json!({})), Some(None));
    assert_eq!(read(json!({"description": null})), Some(Some(None)));
    assert_eq!(
        read(json!({"description": "d"})),
        Some(Some(Some("d".into())))
    );
}
