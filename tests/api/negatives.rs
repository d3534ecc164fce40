//! Negative cases, as the system admin: 409 duplicate names per domain, 404/400 referential
//! checks, 403 on protected deletes, and bad bodies for every resource. Each row's status and
//! message are what upstream Keystone 30 answered to the same request, in the same order, on
//! the same fixture (`{dA}`, `{pA}`, ... stand for the fixture's ids in paths, bodies and
//! messages). A rejected request changes nothing: the fixture's lists are the same afterwards.
//!
//! Two requests are left out on purpose, because upstream answers them with a 500 (a bug, not a
//! contract): renaming a project to a sibling's name (an IntegrityError in sqlite; we answer the
//! 409 its create would give, see `renaming_to_a_duplicate_is_a_conflict`) and a domain with
//! `"enabled": "yes"` (its schema accepts the string, its SQL layer does not; we store true).

use serde_json::{json, Value};

use crate::common::*;

enum Msg {
    /// HEAD: no body.
    None,
    Exact(&'static str),
    /// The rest is the id of the project the request would have created.
    Prefix(&'static str),
}

/// (label, method, path, body, upstream status, upstream message)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
    Msg,
);

const ROWS: &[Row] = &[
    (
        "dup domain",
        "POST",
        "/v3/domains",
        Some(r#"{"domain": {"name": "dA"}}"#),
        409,
        Msg::Exact(
            r#"Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: dA."#,
        ),
    ),
    (
        "dup domain case",
        "POST",
        "/v3/domains",
        Some(r#"{"domain": {"name": "DA"}}"#),
        201,
        Msg::None,
    ),
    (
        "dup project",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "pA", "domain_id": "{dA}"}}"#),
        409,
        Msg::Prefix(
            r#"Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is pA, project id "#,
        ),
    ),
    (
        "dup project under parent",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "pC", "parent_id": "{pA}", "domain_id": "{dA}"}}"#),
        409,
        Msg::Prefix(
            r#"Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is pC, project id "#,
        ),
    ),
    (
        "parent without domain",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "x", "parent_id": "{pA}"}}"#),
        400,
        Msg::Exact(
            r#"Cannot create project, since it specifies its domain_id default, but specifies a parent in a different domain ({dA})."#,
        ),
    ),
    (
        "dup user",
        "POST",
        "/v3/users",
        Some(r#"{"user": {"name": "uA", "domain_id": "{dA}"}}"#),
        409,
        Msg::Exact(
            r#"Conflict occurred attempting to store user - Duplicate entry found with name uA at domain ID {dA}."#,
        ),
    ),
    (
        "dup group",
        "POST",
        "/v3/groups",
        Some(r#"{"group": {"name": "gA", "domain_id": "{dA}"}}"#),
        409,
        Msg::Exact(
            r#"Conflict occurred attempting to store group - Duplicate entry found with name gA at domain ID {dA}."#,
        ),
    ),
    (
        "dup role",
        "POST",
        "/v3/roles",
        Some(r#"{"role": {"name": "rA"}}"#),
        409,
        Msg::Exact(
            r#"Conflict occurred attempting to store role - Duplicate entry found with name rA."#,
        ),
    ),
    (
        "dup domain role",
        "POST",
        "/v3/roles",
        Some(r#"{"role": {"name": "rD", "domain_id": "{dA}"}}"#),
        409,
        Msg::Exact(
            r#"Conflict occurred attempting to store role - Duplicate entry found with name rD at domain ID {dA}."#,
        ),
    ),
    (
        "dup region",
        "POST",
        "/v3/regions",
        Some(r#"{"region": {"id": "regA"}}"#),
        409,
        Msg::Exact(r#"Conflict occurred attempting to store region - Duplicate ID, regA.."#),
    ),
    (
        "dup region put",
        "PUT",
        "/v3/regions/regA",
        Some(r#"{"region": {}}"#),
        409,
        Msg::Exact(r#"Conflict occurred attempting to store region - Duplicate ID, regA.."#),
    ),
    (
        "rename user to dup",
        "PATCH",
        "/v3/users/{uA}",
        Some(r#"{"user": {"name": "admin", "domain_id": "default"}}"#),
        400,
        Msg::Exact(r#"Cannot change Domain ID"#),
    ),
    (
        "project in missing domain",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "x", "domain_id": "0123456789abcdef0123456789abcdef"}}"#),
        400,
        Msg::Exact(r#"Could not find domain: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "project with missing parent",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "x", "parent_id": "0123456789abcdef0123456789abcdef"}}"#),
        400,
        Msg::Exact(r#"Could not find project: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "project parent in other domain",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "x", "parent_id": "{pA}", "domain_id": "default"}}"#),
        400,
        Msg::Exact(
            r#"Cannot create project, since it specifies its domain_id default, but specifies a parent in a different domain ({dA})."#,
        ),
    ),
    (
        "user in missing domain",
        "POST",
        "/v3/users",
        Some(r#"{"user": {"name": "x", "domain_id": "0123456789abcdef0123456789abcdef"}}"#),
        404,
        Msg::Exact(r#"Could not find domain: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "user with missing default project",
        "POST",
        "/v3/users",
        Some(
            r#"{"user": {"name": "x", "default_project_id": "0123456789abcdef0123456789abcdef"}}"#,
        ),
        201,
        Msg::None,
    ),
    (
        "group in missing domain",
        "POST",
        "/v3/groups",
        Some(r#"{"group": {"name": "x", "domain_id": "0123456789abcdef0123456789abcdef"}}"#),
        404,
        Msg::Exact(r#"Could not find domain: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "role in missing domain",
        "POST",
        "/v3/roles",
        Some(r#"{"role": {"name": "x", "domain_id": "0123456789abcdef0123456789abcdef"}}"#),
        201,
        Msg::None,
    ),
    (
        "endpoint missing service",
        "POST",
        "/v3/endpoints",
        Some(
            r#"{"endpoint": {"service_id": "0123456789abcdef0123456789abcdef", "interface": "public", "url": "http://x"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Expecting to find endpoint service_id in service table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."#,
        ),
    ),
    (
        "endpoint missing region",
        "POST",
        "/v3/endpoints",
        Some(
            r#"{"endpoint": {"service_id": "{svc}", "interface": "public", "url": "http://x", "region_id": "nowhere"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Expecting to find endpoint region_id in region table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."#,
        ),
    ),
    (
        "region missing parent",
        "POST",
        "/v3/regions",
        Some(r#"{"region": {"id": "x", "parent_region_id": "nowhere"}}"#),
        404,
        Msg::Exact(r#"Could not find region: nowhere."#),
    ),
    (
        "region parent itself",
        "PATCH",
        "/v3/regions/regA",
        Some(r#"{"region": {"parent_region_id": "regA"}}"#),
        400,
        Msg::Exact(r#"The specified parent region regA would create a circular region hierarchy."#),
    ),
    (
        "grant missing role",
        "PUT",
        "/v3/projects/{pA}/users/{uA}/roles/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find role: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "grant missing user",
        "PUT",
        "/v3/projects/{pA}/users/0123456789abcdef0123456789abcdef/roles/{rA}",
        None,
        404,
        Msg::Exact(r#"Could not find user: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "grant missing project",
        "PUT",
        "/v3/projects/0123456789abcdef0123456789abcdef/users/{uA}/roles/{rA}",
        None,
        404,
        Msg::Exact(r#"Could not find project: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "grant missing group",
        "PUT",
        "/v3/domains/{dA}/groups/0123456789abcdef0123456789abcdef/roles/{rA}",
        None,
        404,
        Msg::Exact(r#"Could not find group: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "grant missing domain",
        "PUT",
        "/v3/domains/0123456789abcdef0123456789abcdef/users/{uA}/roles/{rA}",
        None,
        404,
        Msg::Exact(r#"Could not find domain: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "check absent grant",
        "HEAD",
        "/v3/projects/{pA}/users/{uA}/roles/{rA}",
        None,
        404,
        Msg::None,
    ),
    (
        "revoke absent grant",
        "DELETE",
        "/v3/projects/{pA}/users/{uA}/roles/{rA}",
        None,
        404,
        Msg::Exact(
            r#"Could not find role assignment with role: {rA}, user or group: {uA}, project, domain, or system: {pA}."#,
        ),
    ),
    (
        "add missing user to group",
        "PUT",
        "/v3/groups/{gA}/users/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find user: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "add user to missing group",
        "PUT",
        "/v3/groups/0123456789abcdef0123456789abcdef/users/{uA}",
        None,
        404,
        Msg::Exact(r#"Could not find group: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "check non-member",
        "HEAD",
        "/v3/groups/{gA}/users/{uA}",
        None,
        404,
        Msg::None,
    ),
    (
        "remove non-member",
        "DELETE",
        "/v3/groups/{gA}/users/{uA}",
        None,
        404,
        Msg::Exact(r#"User '{uA}' not found in group '{gA}'"#),
    ),
    (
        "get missing domain",
        "GET",
        "/v3/domains/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find domain: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing project",
        "GET",
        "/v3/projects/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find project: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing user",
        "GET",
        "/v3/users/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find user: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing group",
        "GET",
        "/v3/groups/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find group: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing role",
        "GET",
        "/v3/roles/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find role: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing region",
        "GET",
        "/v3/regions/nowhere",
        None,
        404,
        Msg::Exact(r#"Could not find region: nowhere."#),
    ),
    (
        "get missing service",
        "GET",
        "/v3/services/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find service: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "get missing endpoint",
        "GET",
        "/v3/endpoints/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find endpoint: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "delete missing project",
        "DELETE",
        "/v3/projects/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find project: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "update missing user",
        "PATCH",
        "/v3/users/0123456789abcdef0123456789abcdef",
        Some(r#"{"user": {"description": "x"}}"#),
        404,
        Msg::Exact(r#"Could not find user: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "delete enabled domain",
        "DELETE",
        "/v3/domains/{dA}",
        None,
        403,
        Msg::Exact(r#"Cannot delete a domain that is enabled, please disable it first."#),
    ),
    (
        "delete project with children",
        "DELETE",
        "/v3/projects/{pA}",
        None,
        403,
        Msg::Exact(
            r#"Cannot delete the project {pA} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree."#,
        ),
    ),
    (
        "delete default domain",
        "DELETE",
        "/v3/domains/default",
        None,
        403,
        Msg::Exact(r#"Cannot delete a domain that is enabled, please disable it first."#),
    ),
    (
        "implied role missing",
        "PUT",
        "/v3/roles/{rA}/implies/0123456789abcdef0123456789abcdef",
        None,
        404,
        Msg::Exact(r#"Could not find role: 0123456789abcdef0123456789abcdef."#),
    ),
    (
        "global implies domain role",
        "PUT",
        "/v3/roles/{rA}/implies/{rD}",
        None,
        403,
        Msg::Exact(r#"{rD} cannot be an implied roles."#),
    ),
    (
        "domain no name",
        "POST",
        "/v3/domains",
        Some(r#"{"domain": {}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute domain. Value: {}. 'name' is a required property"#,
        ),
    ),
    (
        "domain long name",
        "POST",
        "/v3/domains",
        Some(
            r#"{"domain": {"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute name. Value: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx. 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long"#,
        ),
    ),
    (
        "domain no wrapper",
        "POST",
        "/v3/domains",
        Some(r#"{"name": "x"}"#),
        400,
        Msg::Exact(r#"'domain' is a required property"#),
    ),
    (
        "project no name",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"domain_id": "{dA}"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute project. Value: {'domain_id': '{dA}'}. 'name' is a required property"#,
        ),
    ),
    (
        "project empty name",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": ""}}"#),
        400,
        Msg::Exact(r#"Invalid input for field/attribute name. Value: . '' should be non-empty"#),
    ),
    (
        "project long name",
        "POST",
        "/v3/projects",
        Some(
            r#"{"project": {"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute name. Value: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx. 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long"#,
        ),
    ),
    (
        "project bad tag",
        "POST",
        "/v3/projects",
        Some(r#"{"project": {"name": "x", "tags": ["a/b"]}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute 0. Value: a/b. 'a/b' does not match '^[^,/]*$'"#,
        ),
    ),
    (
        "project update domain",
        "PATCH",
        "/v3/projects/{pA}",
        Some(r#"{"project": {"domain_id": "default"}}"#),
        400,
        Msg::Exact(r#"Cannot change Domain ID"#),
    ),
    (
        "project update is_domain",
        "PATCH",
        "/v3/projects/{pA}",
        Some(r#"{"project": {"is_domain": true}}"#),
        400,
        Msg::Exact(r#"Update of `is_domain` is not allowed."#),
    ),
    (
        "project update empty",
        "PATCH",
        "/v3/projects/{pA}",
        Some(r#"{"project": {}}"#),
        200,
        Msg::None,
    ),
    (
        "user no name",
        "POST",
        "/v3/users",
        Some(r#"{"user": {"domain_id": "{dA}"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute user. Value: {'domain_id': '{dA}'}. 'name' is a required property"#,
        ),
    ),
    (
        "user long name",
        "POST",
        "/v3/users",
        Some(
            r#"{"user": {"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute name. Value: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx. 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long"#,
        ),
    ),
    (
        "user enabled int",
        "POST",
        "/v3/users",
        Some(r#"{"user": {"name": "x", "enabled": 1}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute enabled. Value: 1. 1 is not of type 'boolean', 'string', 'null'"#,
        ),
    ),
    (
        "user bad option",
        "POST",
        "/v3/users",
        Some(r#"{"user": {"name": "x", "options": {"bogus": true}}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute options. Value: {'bogus': True}. Additional properties are not allowed ('bogus' was unexpected)"#,
        ),
    ),
    (
        "user update domain",
        "PATCH",
        "/v3/users/{uA}",
        Some(r#"{"user": {"domain_id": "default"}}"#),
        400,
        Msg::Exact(r#"Cannot change Domain ID"#),
    ),
    (
        "group no name",
        "POST",
        "/v3/groups",
        Some(r#"{"group": {}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute group. Value: {}. 'name' is a required property"#,
        ),
    ),
    (
        "group update domain",
        "PATCH",
        "/v3/groups/{gA}",
        Some(r#"{"group": {"domain_id": "default"}}"#),
        400,
        Msg::Exact(r#"Cannot change Domain ID"#),
    ),
    (
        "role no name",
        "POST",
        "/v3/roles",
        Some(r#"{"role": {}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute role. Value: {}. 'name' is a required property"#,
        ),
    ),
    (
        "role update domain",
        "PATCH",
        "/v3/roles/{rA}",
        Some(r#"{"role": {"domain_id": "{dA}"}}"#),
        400,
        Msg::Exact(r#"Update of `domain_id` is not allowed."#),
    ),
    (
        "service no type",
        "POST",
        "/v3/services",
        Some(r#"{"service": {"name": "x"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute service. Value: {'name': 'x'}. 'type' is a required property"#,
        ),
    ),
    (
        "service long type",
        "POST",
        "/v3/services",
        Some(
            r#"{"service": {"type": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#,
        ),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute type. Value: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx. 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long"#,
        ),
    ),
    (
        "endpoint no interface",
        "POST",
        "/v3/endpoints",
        Some(r#"{"endpoint": {"service_id": "{svc}", "url": "http://x"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute endpoint. Value: {'service_id': '{svc}', 'url': 'http://x'}. 'interface' is a required property"#,
        ),
    ),
    (
        "endpoint bad interface",
        "POST",
        "/v3/endpoints",
        Some(r#"{"endpoint": {"service_id": "{svc}", "interface": "bogus", "url": "http://x"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute interface. Value: bogus. 'bogus' is not one of ['admin', 'internal', 'public']"#,
        ),
    ),
    (
        "endpoint no url",
        "POST",
        "/v3/endpoints",
        Some(r#"{"endpoint": {"service_id": "{svc}", "interface": "public"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute endpoint. Value: {'service_id': '{svc}', 'interface': 'public'}. 'url' is a required property"#,
        ),
    ),
    (
        "endpoint no service",
        "POST",
        "/v3/endpoints",
        Some(r#"{"endpoint": {"interface": "public", "url": "http://x"}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute endpoint. Value: {'interface': 'public', 'url': 'http://x'}. 'service_id' is a required property"#,
        ),
    ),
    (
        "region bad parent type",
        "POST",
        "/v3/regions",
        Some(r#"{"region": {"id": "x", "parent_region_id": 5}}"#),
        400,
        Msg::Exact(
            r#"Invalid input for field/attribute parent_region_id. Value: 5. 5 is not of type 'string', 'null'"#,
        ),
    ),
    (
        "region update id",
        "PATCH",
        "/v3/regions/regA",
        Some(r#"{"region": {"id": "other"}}"#),
        400,
        Msg::Exact(r#"Cannot change ID"#),
    ),
];

fn create(s: &TestServer, token: &str, collection: &str, body: Value) -> String {
    let r = s.post(&format!("/v3/{collection}"), Some(token), &body);
    assert_eq!(r.status, 201, "create {collection}: {}", r.text());
    let key = collection.trim_end_matches('s');
    r.json()[key]["id"].as_str().expect("id").to_string()
}

fn setup(s: &TestServer, sys: &str) -> Vec<(&'static str, String)> {
    let d_a = create(s, sys, "domains", json!({"domain": {"name": "dA"}}));
    let p_a = create(
        s,
        sys,
        "projects",
        json!({"project": {"name": "pA", "domain_id": d_a}}),
    );
    let p_c = create(
        s,
        sys,
        "projects",
        json!({"project": {"name": "pC", "parent_id": p_a, "domain_id": d_a}}),
    );
    let u_a = create(
        s,
        sys,
        "users",
        json!({"user": {"name": "uA", "domain_id": d_a}}),
    );
    let g_a = create(
        s,
        sys,
        "groups",
        json!({"group": {"name": "gA", "domain_id": d_a}}),
    );
    let r_a = create(s, sys, "roles", json!({"role": {"name": "rA"}}));
    let r_d = create(
        s,
        sys,
        "roles",
        json!({"role": {"name": "rD", "domain_id": d_a}}),
    );
    let svc = create(
        s,
        sys,
        "services",
        json!({"service": {"type": "svcA", "name": "svcA"}}),
    );
    s.post("/v3/regions", Some(sys), &json!({"region": {"id": "regA"}}))
        .expect(201);
    let ep = create(
        s,
        sys,
        "endpoints",
        json!({"endpoint": {"service_id": svc, "interface": "public",
                            "url": "http://a.example", "region_id": "regA"}}),
    );
    vec![
        ("dA", d_a),
        ("pA", p_a),
        ("pC", p_c),
        ("uA", u_a),
        ("gA", g_a),
        ("rA", r_a),
        ("rD", r_d),
        ("svc", svc),
        ("ep", ep),
    ]
}

fn fill(text: &str, ids: &[(&str, String)]) -> String {
    let mut out = text.to_string();
    for (k, v) in ids {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn names(s: &TestServer, sys: &str, path: &str, key: &str) -> Vec<String> {
    let r = s.get(path, Some(sys));
    r.expect(200);
    let mut names: Vec<String> = r.json()[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn every_negative_case_answers_as_upstream() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let ids = setup(&s, &sys);
    let mut mismatches = Vec::new();
    for (label, method, path, body, status, msg) in ROWS {
        let path = fill(path, &ids);
        let r = match body {
            Some(body) => {
                let body: Value = serde_json::from_str(&fill(body, &ids)).unwrap();
                s.send_json(method, &path, Some(&sys), &body)
            }
            None => s.request(method, &path, &[("X-Auth-Token", sys.as_str())], None),
        };
        if r.status != *status {
            mismatches.push(format!(
                "{label}: upstream {status}, got {} {}",
                r.status,
                r.text()
            ));
            continue;
        }
        if *status < 400 {
            continue;
        }
        match msg {
            Msg::None => assert!(r.body.is_empty(), "{label}"),
            Msg::Exact(m) => {
                let got = assert_error(&r, *status);
                let want = fill(m, &ids);
                if got != want {
                    mismatches.push(format!("{label}: upstream {want:?}\n   got {got:?}"));
                }
            }
            Msg::Prefix(p) => {
                let got = assert_error(&r, *status);
                let rest = got
                    .strip_prefix(p)
                    .unwrap_or_else(|| panic!("{label}: {got:?} does not start with {p:?}"));
                assert_eq!(
                    rest.len(),
                    33,
                    "{label}: an id and a dot after the prefix: {got:?}"
                );
                assert!(rest.ends_with('.'), "{label}: {got:?}");
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    // Nothing a rejected request sent was stored.
    let d_a = &ids[0].1;
    assert_eq!(
        names(
            &s,
            &sys,
            &format!("/v3/projects?domain_id={d_a}"),
            "projects"
        ),
        ["pA", "pC"]
    );
    assert_eq!(
        names(&s, &sys, &format!("/v3/users?domain_id={d_a}"), "users"),
        ["uA"]
    );
    assert_eq!(
        names(&s, &sys, &format!("/v3/groups?domain_id={d_a}"), "groups"),
        ["gA"]
    );
    let r = s.get(
        &format!("/v3/role_assignments?scope.domain.id={d_a}"),
        Some(&sys),
    );
    assert_eq!(r.json()["role_assignments"], json!([]));
    let r = s.get(&format!("/v3/groups/{}/users", ids[4].1), Some(&sys));
    assert_eq!(r.json()["users"], json!([]));
    let r = s.get("/v3/regions/regA", Some(&sys));
    assert_eq!(r.json()["region"]["parent_region_id"], Value::Null);
}

/// Upstream 500s here (sqlite IntegrityError); the contract its create gives is a 409, and the
/// project keeps its name.
#[test]
fn renaming_to_a_duplicate_is_a_conflict() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let ids = setup(&s, &sys);
    let p_c = &ids[2].1;
    let r = s.patch(
        &format!("/v3/projects/{p_c}"),
        Some(&sys),
        &json!({"project": {"name": "pA"}}),
    );
    assert_error(&r, 409);
    let r = s.get(&format!("/v3/projects/{p_c}"), Some(&sys));
    assert_eq!(r.json()["project"]["name"], "pC");
}

/// Without a token every assignment path is 401 before anything is read: whether the roles,
/// actors and projects named exist cannot be told apart (the implied-role paths used to
/// answer 404 for a missing role).
#[test]
fn no_token_is_401_before_any_lookup() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let ids = setup(&s, &sys);
    let missing = "0123456789abcdef0123456789abcdef";
    let rows = [
        ("GET", "/v3/roles/{rA}/implies/MISSING"),
        ("HEAD", "/v3/roles/MISSING/implies/{rA}"),
        ("PUT", "/v3/roles/{rA}/implies/MISSING"),
        ("DELETE", "/v3/roles/{rA}/implies/{rD}"),
        ("GET", "/v3/roles/MISSING/implies"),
        ("GET", "/v3/roles/MISSING"),
        ("PATCH", "/v3/roles/MISSING"),
        ("POST", "/v3/roles"),
        ("PUT", "/v3/projects/{pA}/users/{uA}/roles/MISSING"),
        ("GET", "/v3/domains/MISSING/groups/{gA}/roles"),
        ("HEAD", "/v3/system/users/MISSING/roles/{rA}"),
        (
            "PUT",
            "/v3/OS-INHERIT/domains/{dA}/users/{uA}/roles/{rA}/inherited_to_projects",
        ),
        (
            "GET",
            "/v3/role_assignments?include_subtree=true&scope.project.id=MISSING",
        ),
        ("GET", "/v3/limits/MISSING"),
        ("POST", "/v3/registered_limits"),
        ("GET", "/v3/policies/MISSING"),
        (
            "PUT",
            "/v3/policies/MISSING/OS-ENDPOINT-POLICY/services/MISSING",
        ),
    ];
    for (method, path) in rows {
        let path = fill(path, &ids).replace("MISSING", missing);
        // A bad body too: it must not be looked at before the token.
        let body = matches!(method, "POST" | "PUT" | "PATCH").then_some(b"{not json".as_slice());
        let r = s.request(method, &path, &[], body);
        assert_eq!(r.status, 401, "{method} {path}: {}", r.text());
    }
}

/// HEAD on an implied role checks it (check_implied_role, then get_implied_role) with no
/// body; a tree listing of role assignments needs its project (404) before policy.
#[test]
fn implied_role_head_and_tree_listing() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let ids = setup(&s, &sys);
    let (r_a, r_d) = (&ids[5].1, &ids[6].1);
    let r = s.head(&format!("/v3/roles/{r_d}/implies/{r_a}"), Some(&sys));
    assert_eq!(r.status, 404);
    assert_eq!(
        s.put(&format!("/v3/roles/{r_d}/implies/{r_a}"), Some(&sys))
            .status,
        201
    );
    let r = s.head(&format!("/v3/roles/{r_d}/implies/{r_a}"), Some(&sys));
    assert_eq!(r.status, 204);
    let r = s.get(
        "/v3/role_assignments?include_subtree=true&scope.project.id=0123456789abcdef0123456789abcdef",
        Some(&sys),
    );
    assert_error(&r, 404);
    let p_a = &ids[1].1;
    let r = s.get(
        &format!("/v3/role_assignments?include_subtree=true&scope.project.id={p_a}"),
        Some(&sys),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}
