//! Tests generated from the route table itself (src/http/table.rs), so a route added later is
//! covered without writing a test for it:
//! - a route without a policy action must be one upstream leaves public;
//! - every policed route answers 401 to a request without a token, whatever its ids;
//! - a policy file setting a route's action to "!" makes it answer that action's 403 to an
//!   admin, and without the file the same request is not refused by policy.

use std::collections::HashMap;

use serde_json::{json, Value};

use keystone_lite::http::request::Method;
use keystone_lite::http::routes::Route;

use crate::common::*;

/// Upstream's unprotected routes: discovery, issuing tokens, the OAuth1 and OAuth2 token
/// endpoints (OAuth2's answers its own 405 to other methods), v2.0's discovery and login.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/v3"),
    ("POST", "/v3/auth/tokens"),
    // Upstream's unenforced_api: the original password is the proof.
    ("POST", "/v3/users/{user_id}/password"),
    ("POST", "/v3/OS-OAUTH1/request_token"),
    ("POST", "/v3/OS-OAUTH1/access_token"),
    ("POST", "/v3/OS-OAUTH2/token"),
    ("OPTIONS", "/v3/OS-OAUTH2/token"),
    ("GET", "/v3/OS-OAUTH2/token"),
    ("PUT", "/v3/OS-OAUTH2/token"),
    ("PATCH", "/v3/OS-OAUTH2/token"),
    ("DELETE", "/v3/OS-OAUTH2/token"),
    ("OTHER", "/v3/OS-OAUTH2/token"),
    // Upstream's unenforced_api: the IdP's assertion is the proof.
    (
        "GET",
        "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth",
    ),
    (
        "POST",
        "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth",
    ),
    // Upstream's unenforced_api: WebSSO (the IdP's login is the proof).
    ("GET", "/v3/auth/OS-FEDERATION/websso/{protocol_id}"),
    ("POST", "/v3/auth/OS-FEDERATION/websso/{protocol_id}"),
    (
        "GET",
        "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso",
    ),
    (
        "POST",
        "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso",
    ),
    // Huawei IAM: the ID token is the proof (as Keystone's protocol auth route).
    ("POST", "/v3.0/OS-AUTH/id-token/tokens"),
    // Huawei IAM: a temporary key's secret and security token are the proof.
    ("POST", "/v3.0/OS-AUTH/securitytoken/logintokens"),
    ("GET", "/v2.0"),
    ("GET", "/v2.0/extensions"),
    ("GET", "/v2.0/extensions/{alias}"),
    ("POST", "/v2.0/tokens"),
    // Huawei temporary keys: the token in X-Auth-Token or in the body (the SDK's unsigned
    // form) is the proof, validated by the handler.
    ("POST", "/v3.0/OS-CREDENTIAL/securitytokens"),
];

fn table() -> Vec<Route> {
    keystone_lite::http::table::table()
}

/// The path with every `{name}` replaced from `ids` (a name with no id: a fresh uuid).
fn fill(pattern: &str, ids: &HashMap<&str, String>) -> String {
    let mut out = String::new();
    for seg in pattern.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => out.push_str(
                ids.get(name)
                    .map_or("0123456789abcdef0123456789abcdef", String::as_str),
            ),
            None => out.push_str(seg),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[test]
fn every_route_without_an_action_is_one_upstream_leaves_public() {
    for route in table() {
        if route.default_action().is_none() {
            assert!(
                PUBLIC.contains(&(route.method.as_str(), route.pattern)),
                "{} {} has no policy action and is not public upstream",
                route.method.as_str(),
                route.pattern
            );
        }
    }
}

#[test]
fn every_policed_route_answers_401_without_a_token() {
    let s = TestServer::start_demo();
    let none = HashMap::new();
    for route in table() {
        if route.default_action().is_none() {
            continue;
        }
        let path = fill(route.pattern, &none);
        let body = route_body(&route);
        let r = s.request(
            route.method.as_str(),
            &path,
            &[("Content-Type", "application/json")],
            body.as_deref(),
        );
        assert_eq!(
            r.status,
            401,
            "{} {}: {}",
            route.method.as_str(),
            path,
            r.text()
        );
    }
}

/// A body for a write route: `{}`, or where upstream validates the body before enforcing
/// (its schema decorator runs first), a valid one from `EXAMPLE_BODIES`.
fn route_body(route: &Route) -> Option<Vec<u8>> {
    route_body_with(route, &HashMap::new())
}

fn route_body_with(route: &Route, ids: &HashMap<&str, String>) -> Option<Vec<u8>> {
    if !matches!(route.method, Method::Post | Method::Put | Method::Patch) {
        return None;
    }
    let example = EXAMPLE_BODIES
        .iter()
        .find(|(m, p, _)| *m == route.method.as_str() && *p == route.pattern)
        .map_or("{}", |(_, _, body)| body);
    let mut body = example.to_string();
    for (name, value) in ids {
        body = body.replace(&format!("{{{name}}}"), value);
    }
    Some(body.into_bytes())
}

/// (method, pattern, body with `{param}` placeholders) for the routes whose body is checked
/// before policy.
const EXAMPLE_BODIES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/v3/users",
        r#"{"user": {"name": "fx-new", "domain_id": "default"}}"#,
    ),
    (
        "PATCH",
        "/v3/users/{user_id}",
        r#"{"user": {"description": "x"}}"#,
    ),
    (
        "POST",
        "/v3/groups",
        r#"{"group": {"name": "fx-new", "domain_id": "default"}}"#,
    ),
    (
        "PATCH",
        "/v3/groups/{group_id}",
        r#"{"group": {"description": "x"}}"#,
    ),
    (
        "POST",
        "/v3/regions",
        r#"{"region": {"description": "new"}}"#,
    ),
    (
        "PUT",
        "/v3/regions/{region_id}",
        r#"{"region": {"description": "x"}}"#,
    ),
    (
        "PATCH",
        "/v3/regions/{region_id}",
        r#"{"region": {"description": "x"}}"#,
    ),
    (
        "PATCH",
        "/v3/services/{service_id}",
        r#"{"service": {"description": "x"}}"#,
    ),
    (
        "PATCH",
        "/v3/endpoints/{endpoint_id}",
        r#"{"endpoint": {"url": "http://fx2"}}"#,
    ),
    (
        "PATCH",
        "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
        r#"{"endpoint_group": {"description": "x"}}"#,
    ),
    (
        "POST",
        "/v3/credentials",
        r#"{"credential": {"type": "cert", "blob": "y", "user_id": "{admin_id}"}}"#,
    ),
    (
        "PATCH",
        "/v3/credentials/{credential_id}",
        r#"{"credential": {"blob": "z"}}"#,
    ),
    (
        "POST",
        "/v3/OS-TRUST/trusts",
        r#"{"trust": {"trustor_user_id": "{admin_id}", "trustee_user_id": "{user_id}", "project_id": "{project_id}", "impersonation": false, "roles": [{"name": "member"}]}}"#,
    ),
    (
        "POST",
        "/v3/users/{user_id}/application_credentials",
        r#"{"application_credential": {"name": "fx-new"}}"#,
    ),
    ("POST", "/v3/roles", r#"{"role": {"name": "fx-new"}}"#),
    (
        "PATCH",
        "/v3/roles/{role_id}",
        r#"{"role": {"description": "x"}}"#,
    ),
    (
        "POST",
        "/v3/registered_limits",
        r#"{"registered_limits": [{"service_id": "{service_id}", "resource_name": "fx2", "default_limit": 1}]}"#,
    ),
    (
        "PATCH",
        "/v3/registered_limits/{registered_limit_id}",
        r#"{"registered_limit": {"default_limit": 6}}"#,
    ),
    (
        "POST",
        "/v3/limits",
        r#"{"limits": [{"service_id": "{service_id}", "project_id": "{project_id}", "resource_name": "fx", "resource_limit": 1}]}"#,
    ),
    (
        "PATCH",
        "/v3/limits/{limit_id}",
        r#"{"limit": {"resource_limit": 4}}"#,
    ),
];

/// Objects for every kind of path parameter, made through the API by the system admin.
struct Fixture {
    ids: HashMap<&'static str, String>,
}

fn id_of(r: &Resp, key: &str) -> String {
    assert!(matches!(r.status, 200 | 201), "{key}: {}", r.text());
    r.json()[key]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{key}: {}", r.text()))
        .to_string()
}

fn make_fixture(s: &TestServer) -> Fixture {
    let sys = s.system_admin_token();
    let admin = s.admin_token();
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let post = |path: &str, token: &str, body: Value, key: &str| {
        id_of(&s.post(path, Some(token), &body), key)
    };
    let domain = post(
        "/v3/domains",
        &sys,
        json!({"domain": {"name": "fx"}}),
        "domain",
    );
    // Its own project (routes delete it), where the admin is admin too.
    let project_id = post(
        "/v3/projects",
        &sys,
        json!({"project": {"name": "fx-project", "domain_id": "default"}}),
        "project",
    );
    let admin_id = s.id_by_name(&sys, "users", "admin");
    let admin_role = s.id_by_name(&sys, "roles", "admin");
    s.put(
        &format!("/v3/projects/{project_id}/users/{admin_id}/roles/{admin_role}"),
        Some(&sys),
    )
    .expect(204);
    let user = post(
        "/v3/users",
        &sys,
        json!({"user": {"name": "fx-user", "domain_id": "default", "password": "fxpwd"}}),
        "user",
    );
    let group = post(
        "/v3/groups",
        &sys,
        json!({"group": {"name": "fx-group", "domain_id": "default"}}),
        "group",
    );
    s.put(&format!("/v3/groups/{group}/users/{user}"), Some(&sys))
        .expect(204);
    let role = post(
        "/v3/roles",
        &sys,
        json!({"role": {"name": "fx-role"}}),
        "role",
    );
    let implied = post(
        "/v3/roles",
        &sys,
        json!({"role": {"name": "fx-implied"}}),
        "role",
    );
    s.put(&format!("/v3/roles/{role}/implies/{implied}"), Some(&sys))
        .expect(201);
    for target in [
        format!("/v3/projects/{project_id}/users/{user}/roles/{role}"),
        format!("/v3/projects/{project_id}/groups/{group}/roles/{role}"),
        format!("/v3/domains/{domain}/users/{user}/roles/{role}"),
        format!("/v3/domains/{domain}/groups/{group}/roles/{role}"),
        format!("/v3/system/users/{user}/roles/{role}"),
        format!("/v3/system/groups/{group}/roles/{role}"),
        format!("/v3/OS-INHERIT/domains/{domain}/users/{user}/roles/{role}/inherited_to_projects"),
        format!(
            "/v3/OS-INHERIT/projects/{project_id}/users/{user}/roles/{role}/inherited_to_projects"
        ),
    ] {
        s.put(&target, Some(&sys)).expect(204);
    }
    let region = post(
        "/v3/regions",
        &sys,
        json!({"region": {"id": "fx-region"}}),
        "region",
    );
    let service = post(
        "/v3/services",
        &sys,
        json!({"service": {"type": "fx"}}),
        "service",
    );
    let endpoint = post(
        "/v3/endpoints",
        &sys,
        json!({"endpoint": {"service_id": service, "interface": "public",
                            "url": "http://fx", "region_id": region}}),
        "endpoint",
    );
    let endpoint_group = post(
        "/v3/OS-EP-FILTER/endpoint_groups",
        &sys,
        json!({"endpoint_group": {"name": "fx", "filters": {"interface": "public"}}}),
        "endpoint_group",
    );
    let policy = post(
        "/v3/policies",
        &sys,
        json!({"policy": {"type": "application/json", "blob": "{}"}}),
        "policy",
    );
    let credential = post(
        "/v3/credentials",
        &sys,
        json!({"credential": {"type": "cert", "blob": "x", "user_id": admin_id}}),
        "credential",
    );
    let registered_limit = s
        .post(
            "/v3/registered_limits",
            Some(&sys),
            &json!({"registered_limits": [{"service_id": service, "resource_name": "fx",
                                           "default_limit": 5}]}),
        )
        .expect(201)
        .json()["registered_limits"][0]["id"]
        .as_str()
        .expect("registered limit id")
        .to_string();
    let limit = s
        .post(
            "/v3/limits",
            Some(&sys),
            &json!({"limits": [{"service_id": service, "project_id": project_id,
                                "resource_name": "fx", "resource_limit": 3}]}),
        )
        .expect(201)
        .json()["limits"][0]["id"]
        .as_str()
        .expect("limit id")
        .to_string();
    let trust = post(
        "/v3/OS-TRUST/trusts",
        &admin,
        json!({"trust": {"trustor_user_id": admin_id, "trustee_user_id": user,
                         "project_id": project_id, "impersonation": false,
                         "roles": [{"name": "member"}]}}),
        "trust",
    );
    let app_cred = post(
        &format!("/v3/users/{admin_id}/application_credentials"),
        &admin,
        json!({"application_credential": {"name": "fx-ac", "access_rules": [
            {"service": "compute", "path": "/v2.1/servers", "method": "GET"}]}}),
        "application_credential",
    );
    let access_rule = s
        .get(&format!("/v3/users/{admin_id}/access_rules"), Some(&admin))
        .expect(200)
        .json()["access_rules"][0]["id"]
        .as_str()
        .expect("access rule id")
        .to_string();
    let consumer = post(
        "/v3/OS-OAUTH1/consumers",
        &sys,
        json!({"consumer": {"description": "fx"}}),
        "consumer",
    );
    let ec2 = s
        .post(
            &format!("/v3/users/{admin_id}/credentials/OS-EC2"),
            Some(&admin),
            &json!({"tenant_id": project_id}),
        )
        .expect(201)
        .json()["credential"]["access"]
        .as_str()
        .expect("ec2 access")
        .to_string();
    s.put(
        &format!("/v3/projects/{project_id}/tags/fx-tag"),
        Some(&sys),
    )
    .expect(201);
    ids.insert("domain_id", domain);
    ids.insert("project_id", project_id.clone());
    ids.insert("tenant_id", project_id);
    ids.insert("user_id", user);
    ids.insert("group_id", group);
    ids.insert("role_id", role.clone());
    ids.insert("prior_role_id", role);
    ids.insert("implied_role_id", implied);
    ids.insert("region_id", region);
    ids.insert("service_id", service);
    ids.insert("endpoint_id", endpoint);
    ids.insert("endpoint_group_id", endpoint_group);
    ids.insert("policy_id", policy);
    ids.insert("credential_id", credential);
    ids.insert("registered_limit_id", registered_limit);
    ids.insert("limit_id", limit);
    ids.insert("trust_id", trust);
    ids.insert("application_credential_id", app_cred);
    ids.insert("access_rule_id", access_rule);
    ids.insert("consumer_id", consumer);
    ids.insert("credential_id_ec2", ec2);
    ids.insert("value", "fx-tag".into());
    ids.insert("group", "identity".into());
    ids.insert("option", "driver".into());
    ids.insert("alias", "OS-KSADM".into());
    // v2.0 validates the token in the path before policy: a live one.
    ids.insert("token_id", s.admin_token());
    // A path's own user is the admin where the caller must be that user.
    ids.insert("admin_id", admin_id);
    Fixture { ids }
}

impl Fixture {
    /// Ids for one route: the caller's own user under /v3/users/{user_id}/ paths that only
    /// the user itself may use (application credentials, access rules, OS-EC2, OAuth1).
    fn path(&self, route: &Route) -> String {
        let mut ids = self.ids.clone();
        let own = [
            "application_credentials",
            "access_rules",
            "OS-EC2",
            "OS-OAUTH1",
            "credentials",
        ];
        if route.pattern.starts_with("/v3/users/{user_id}/")
            && own.iter().any(|o| route.pattern.contains(o))
        {
            ids.insert("user_id", self.ids["admin_id"].clone());
        }
        if route.pattern.contains("OS-EC2/{credential_id}") {
            ids.insert("credential_id", self.ids["credential_id_ec2"].clone());
        }
        fill(route.pattern, &ids)
    }
}

/// The request for `route` as `token` (GET and HEAD routes use the method of the table).
fn send(
    s: &TestServer,
    route: &Route,
    path: &str,
    token: &str,
    ids: &HashMap<&str, String>,
) -> Resp {
    let subject = s.admin_token();
    let mut headers = vec![
        ("X-Auth-Token", token),
        ("Content-Type", "application/json"),
    ];
    if route.pattern == "/v3/auth/tokens" {
        headers.push(("X-Subject-Token", &subject));
    }
    let body = route_body_with(route, ids);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, *v)).collect();
    s.request(route.method.as_str(), path, &headers, body.as_deref())
}

fn is_policy_refusal(r: &Resp, action: &str) -> bool {
    r.status == 403 && r.text().contains(&format!("requested action: {action}."))
}

/// Every policed route except those that change or end the caller's own session.
fn policed_routes() -> Vec<Route> {
    table()
        .into_iter()
        .filter(|r| r.default_action().is_some())
        .collect()
}

#[test]
fn a_policy_file_setting_each_action_to_deny_makes_its_route_403() {
    // One server whose policy file denies every action a route enforces.
    let actions: std::collections::BTreeSet<&str> = policed_routes()
        .iter()
        .filter_map(|r| r.default_action().map(|a| a.name()))
        .collect();
    let text: String = actions
        .iter()
        .map(|a| format!("\"{a}\": \"!\"\n"))
        .collect();
    // The fixture is made through the API under the defaults, then the same data dir
    // restarts with the file that denies everything.
    let path = temp_dir("deny-all").join("policy.yaml");
    std::fs::write(&path, "{}\n").expect("write policy");
    let mut denied = TestServer::start_with(
        &seed_text(&demo_seed()),
        &["--policy-file", path.to_str().expect("utf-8")],
        None,
    );
    let fixture = make_fixture(&denied);
    std::fs::write(&path, text).expect("write policy");
    denied.restart();
    let tokens = [denied.system_admin_token(), denied.admin_token()];
    let mut failures = Vec::new();
    for route in policed_routes() {
        let action = route.default_action().expect("policed").name();
        let path = fixture.path(&route);
        for token in &tokens {
            let r = send(&denied, &route, &path, token, &fixture.ids);
            if !is_policy_refusal(&r, action) {
                failures.push(format!(
                    "{} {path} with {action} = \"!\": {} {}",
                    route.method.as_str(),
                    r.status,
                    r.text()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_an_override_every_policed_route_passes_policy_for_an_admin() {
    let s = TestServer::start_demo();
    let fixture = make_fixture(&s);
    let mut routes = policed_routes();
    // Reads first, then writes, then deletes (longest paths first), so objects are still
    // there when a route needs them.
    routes.sort_by_key(|r| {
        let rank = match r.method {
            Method::Get | Method::Head => 0,
            Method::Post | Method::Put | Method::Patch => 1,
            _ => 2,
        };
        (rank, std::cmp::Reverse(r.pattern.len()))
    });
    let mut failures = Vec::new();
    for route in routes {
        let action = route.default_action().expect("policed").name();
        let path = fixture.path(&route);
        // Some rules take a system scope, others a project scope: one of them must pass.
        let mut answers = Vec::new();
        let passed = [s.system_admin_token(), s.admin_token()].iter().any(|t| {
            let r = send(&s, &route, &path, t, &fixture.ids);
            answers.push(format!("{} {}", r.status, r.text()));
            r.status != 401 && !is_policy_refusal(&r, action)
        });
        if !passed {
            failures.push(format!(
                "{} {path}: refused by {action} for both admins: {answers:?}",
                route.method.as_str()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
