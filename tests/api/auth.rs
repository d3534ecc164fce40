//! POST /v3/auth/tokens: the ways to name a user, every scope, the token body, rescoping, and
//! the 401s; group, inherited and domain-specific roles as a token shows them.

use serde_json::{json, Value};

use crate::common::*;

/// A seed with the demo contents plus `extra` sections appended.
fn seed_with(extra: &[(&str, Value)]) -> String {
    let mut seed = demo_seed();
    for (section, items) in extra {
        seed_push(&mut seed, section, items.clone());
    }
    seed_text(&seed)
}

fn token_of(resp: &Resp) -> Value {
    resp.expect(201);
    resp.json()["token"].clone()
}

#[test]
fn password_by_user_id_by_name_and_domain_id_and_by_domain_name() {
    let s = TestServer::start_demo();
    let by_name = s.issue(
        &password_auth(user_by_name("admin", "default"), "adminpwd", None),
        "",
    );
    let token = token_of(&by_name);
    assert_eq!(token["user"]["name"], "admin");
    let admin_id = token["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(admin_id.len(), 32, "uuid4 hex id: {admin_id}");

    let by_id = s.issue(&password_auth(user_by_id(&admin_id), "adminpwd", None), "");
    let token = token_of(&by_id);
    assert_eq!(token["user"]["id"], admin_id.as_str());
    assert_eq!(token["user"]["name"], "admin");

    let by_domain_name = s.issue(
        &password_auth(
            json!({"name": "admin", "domain": {"name": "Default"}}),
            "adminpwd",
            None,
        ),
        "",
    );
    let token = token_of(&by_domain_name);
    assert_eq!(token["user"]["id"], admin_id.as_str());
    assert_eq!(
        token["user"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
}

#[test]
fn project_scope_by_id_and_by_name_and_domain() {
    let s = TestServer::start_demo();
    let by_name = token_of(&s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(json!({"project": {"name": "demo", "domain": {"name": "Default"}}})),
        ),
        "",
    ));
    assert_eq!(by_name["project"]["name"], "demo");
    let project_id = by_name["project"]["id"].as_str().unwrap().to_string();
    let by_id = token_of(&s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(project_scope_by_id(&project_id)),
        ),
        "",
    ));
    assert_eq!(
        by_id["project"],
        json!({"domain": {"id": "default", "name": "Default"}, "id": project_id, "name": "demo"})
    );
    assert_eq!(role_names(&by_id["roles"]), sorted(&["member", "reader"]));
    assert!(by_id.get("system").is_none() && by_id.get("domain").is_none());
}

#[test]
fn domain_scope_with_a_domain_role_from_the_seed() {
    let s = TestServer::start(&seed_with(&[(
        "assignments",
        json!([{"user": "admin", "role": "admin", "domain": "Default"}]),
    )]));
    for domain in [json!({"id": "default"}), json!({"name": "Default"})] {
        let token = token_of(&s.issue(
            &password_auth(
                user_by_name("admin", "default"),
                "adminpwd",
                Some(json!({"domain": domain})),
            ),
            "",
        ));
        assert_eq!(token["domain"], json!({"id": "default", "name": "Default"}));
        assert!(token.get("project").is_none(), "{token}");
        assert!(token.get("system").is_none(), "{token}");
        assert_eq!(
            role_names(&token["roles"]),
            sorted(&["admin", "manager", "member", "reader"])
        );
        assert!(token["catalog"].as_array().is_some_and(|c| !c.is_empty()));
    }
    // demo has no role on the domain.
    let r = s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(json!({"domain": {"id": "default"}})),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
}

#[test]
fn system_scope_token() {
    let s = TestServer::start_demo();
    let token = token_of(&s.issue(
        &password_auth(
            user_by_name("admin", "default"),
            "adminpwd",
            Some(system_scope()),
        ),
        "",
    ));
    assert_eq!(token["system"], json!({"all": true}));
    assert!(token.get("project").is_none() && token.get("domain").is_none());
    assert_eq!(
        role_names(&token["roles"]),
        sorted(&["admin", "manager", "member", "reader"])
    );
    // demo holds no system role.
    let r = s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(system_scope()),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
}

#[test]
fn unscoped_for_a_user_without_default_project_and_default_project_otherwise() {
    let s = TestServer::start(&seed_with(&[
        ("users", json!([{"name": "loner", "password": "lonerpwd"}])),
        (
            "assignments",
            json!([{"user": "loner", "role": "member", "project": "demo"}]),
        ),
    ]));
    let unscoped = token_of(&s.issue(
        &password_auth(user_by_name("loner", "default"), "lonerpwd", None),
        "",
    ));
    for key in [
        "project",
        "domain",
        "system",
        "roles",
        "catalog",
        "is_domain",
    ] {
        assert!(
            unscoped.get(key).is_none(),
            "unscoped has no {key}: {unscoped}"
        );
    }
    assert_eq!(unscoped["methods"], json!(["password"]));
    assert_eq!(unscoped["user"]["name"], "loner");

    // No scope, with a default project: the token is scoped to it.
    let admin = token_of(&s.issue(
        &password_auth(user_by_name("admin", "default"), "adminpwd", None),
        "",
    ));
    assert_eq!(admin["project"]["name"], "admin");
    assert_eq!(admin["is_domain"], false);
    assert!(admin["catalog"].is_array());

    // "unscoped" explicitly, even with a default project.
    let explicit = token_of(&s.issue(
        &password_auth(
            user_by_name("admin", "default"),
            "adminpwd",
            Some(json!("unscoped")),
        ),
        "",
    ));
    assert!(explicit.get("project").is_none(), "{explicit}");
    assert!(explicit.get("roles").is_none(), "{explicit}");
}

#[test]
fn nocatalog_leaves_the_catalog_out() {
    let s = TestServer::start_demo();
    let body = password_auth(
        user_by_name("admin", "default"),
        "adminpwd",
        Some(project_scope_by_name("admin", "default")),
    );
    let token = token_of(&s.issue(&body, "?nocatalog"));
    assert!(token.get("catalog").is_none(), "{token}");
    assert_eq!(token["project"]["name"], "admin");
    assert_eq!(role_names(&token["roles"]).len(), 4);
    let with = token_of(&s.issue(&body, ""));
    assert_eq!(with["catalog"].as_array().map(Vec::len), Some(3));
}

#[test]
fn token_body_shape() {
    let s = TestServer::start_demo();
    let before = now_unix();
    let r = s.issue(
        &password_auth(
            user_by_name("admin", "default"),
            "adminpwd",
            Some(project_scope_by_name("admin", "default")),
        ),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let subject = r.subject_token();
    assert!(subject.starts_with("gAAAAA"), "a Fernet token: {subject}");
    let body = r.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "only 'token': {body}");
    let t = &body["token"];
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "methods",
            "user",
            "audit_ids",
            "expires_at",
            "issued_at",
            "project",
            "is_domain",
            "roles",
            "catalog"
        ],
        "upstream's key order"
    );
    assert_eq!(t["methods"], json!(["password"]));
    let user = &t["user"];
    assert_eq!(user["domain"], json!({"id": "default", "name": "Default"}));
    assert_eq!(user["name"], "admin");
    assert_eq!(user["id"].as_str().map(str::len), Some(32));
    assert!(
        user.get("password_expires_at").is_some_and(Value::is_null),
        "{user}"
    );
    assert_eq!(user.as_object().unwrap().len(), 4, "{user}");
    let audit_ids = t["audit_ids"].as_array().unwrap();
    assert_eq!(audit_ids.len(), 1);
    assert_eq!(
        audit_ids[0].as_str().map(str::len),
        Some(22),
        "urlsafe b64 of 16 bytes"
    );
    let issued = parse_token_time(t["issued_at"].as_str().unwrap());
    let expires = parse_token_time(t["expires_at"].as_str().unwrap());
    assert!(
        issued >= before - 1 && issued <= now_unix() + 1,
        "issued_at is now"
    );
    assert!(
        (expires - issued - 3600).abs() <= 1,
        "default lifetime one hour"
    );
    assert_eq!(t["project"]["name"], "admin");
    assert_eq!(
        t["project"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(t["project"]["id"].as_str().map(str::len), Some(32));
    assert_eq!(t["is_domain"], false);
    // Implied roles: admin -> manager -> member -> reader.
    assert_eq!(
        role_names(&t["roles"]),
        sorted(&["admin", "manager", "member", "reader"])
    );
    for role in t["roles"].as_array().unwrap() {
        assert_eq!(role.as_object().unwrap().len(), 2, "id and name: {role}");
        assert_eq!(role["id"].as_str().map(str::len), Some(32));
    }
    let catalog = t["catalog"].as_array().unwrap();
    let mut types: Vec<&str> = catalog
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["compute", "identity", "image"]);
    let identity = catalog.iter().find(|e| e["type"] == "identity").unwrap();
    assert_eq!(identity["name"], "keystone");
    let endpoints = identity["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    for ep in endpoints {
        assert_eq!(ep["url"], format!("{}/v3", s.url).as_str());
        assert_eq!(ep["region_id"], "RegionOne");
        assert_eq!(ep["region"], "RegionOne");
        assert!(ep["interface"] == "public" || ep["interface"] == "internal");
    }
    let compute = catalog.iter().find(|e| e["type"] == "compute").unwrap();
    assert!(compute["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["url"] == "http://127.0.0.1:8774/v2.1" && e["interface"] == "public"));
}

#[test]
fn token_method_rescopes_keeping_expiry_and_parent_audit_id() {
    let s = TestServer::start(&seed_with(&[
        ("users", json!([{"name": "loner", "password": "lonerpwd"}])),
        (
            "assignments",
            json!([{"user": "loner", "role": "member", "project": "demo"}]),
        ),
    ]));
    let first = s.issue(
        &password_auth(user_by_name("loner", "default"), "lonerpwd", None),
        "",
    );
    let parent = token_of(&first);
    assert!(parent.get("project").is_none());
    let parent_id = first.subject_token();
    // Upstream's expires_at has whole seconds; wait so a fresh lifetime would differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = s.issue(
        &token_auth(&parent_id, Some(project_scope_by_name("demo", "default"))),
        "",
    );
    let child = token_of(&second);
    assert_ne!(second.subject_token(), parent_id);
    let mut methods: Vec<&str> = child["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    methods.sort();
    assert_eq!(methods, ["password", "token"]);
    let audit = child["audit_ids"].as_array().unwrap();
    assert_eq!(audit.len(), 2, "{child}");
    assert_ne!(audit[0], parent["audit_ids"][0]);
    assert_eq!(
        audit[1], parent["audit_ids"][0],
        "the parent's audit id second"
    );
    assert_eq!(child["expires_at"], parent["expires_at"]);
    assert_eq!(child["project"]["name"], "demo");
    assert_eq!(role_names(&child["roles"]), sorted(&["member", "reader"]));
    assert_eq!(child["user"], parent["user"]);
    // The rescoped token validates with the same body.
    let v = s.validate(&second.subject_token(), &second.subject_token(), "");
    v.expect(200);
    assert_eq!(v.json()["token"], child);
}

#[test]
fn wrong_password_unknown_user_and_disabled_user_are_401() {
    let s = TestServer::start(&seed_with(&[(
        "users",
        json!([{"name": "sleeper", "password": "sleeperpwd", "enabled": false}]),
    )]));
    for body in [
        password_auth(user_by_name("admin", "default"), "wrong", None),
        password_auth(user_by_name("nobody", "default"), "adminpwd", None),
        password_auth(
            user_by_id("0123456789abcdef0123456789abcdef"),
            "adminpwd",
            None,
        ),
        password_auth(user_by_name("admin", "nodomain"), "adminpwd", None),
        password_auth(user_by_name("sleeper", "default"), "sleeperpwd", None),
    ] {
        let r = s.issue(&body, "");
        let message = assert_unauthorized(&s, &r);
        assert_eq!(
            message, "The request you have made requires authentication.",
            "{body}"
        );
        assert!(r.header("X-Subject-Token").is_none());
    }
}

#[test]
fn a_project_the_user_has_no_role_on_is_401() {
    let s = TestServer::start_demo();
    let r = s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(project_scope_by_name("admin", "default")),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
    let r = s.issue(
        &password_auth(
            user_by_name("demo", "default"),
            "demopwd",
            Some(project_scope_by_name("no-such-project", "default")),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
}

#[test]
fn group_and_inherited_roles_appear_in_tokens() {
    let s = TestServer::start(&seed_with(&[
        (
            "projects",
            json!([
                {"name": "parentp"},
                {"name": "childp", "parent": "parentp"}
            ]),
        ),
        (
            "users",
            json!([
                {"name": "gina", "password": "ginapwd"},
                {"name": "heir", "password": "heirpwd"},
                {"name": "kid", "password": "kidpwd"}
            ]),
        ),
        ("groups", json!([{"name": "devs", "members": ["gina"]}])),
        (
            "assignments",
            json!([
                {"group": "devs", "role": "member", "project": "demo"},
                {"user": "heir", "role": "manager", "domain": "Default", "inherited": true},
                {"user": "kid", "role": "reader", "project": "parentp", "inherited": true}
            ]),
        ),
    ]));
    // Through the group.
    let gina = token_of(&s.issue(
        &password_auth(
            user_by_name("gina", "default"),
            "ginapwd",
            Some(project_scope_by_name("demo", "default")),
        ),
        "",
    ));
    assert_eq!(role_names(&gina["roles"]), sorted(&["member", "reader"]));
    // Inherited from the domain onto every project in it, with implied roles ...
    for project in ["demo", "admin", "childp"] {
        let heir = token_of(&s.issue(
            &password_auth(
                user_by_name("heir", "default"),
                "heirpwd",
                Some(project_scope_by_name(project, "default")),
            ),
            "",
        ));
        assert_eq!(
            role_names(&heir["roles"]),
            sorted(&["manager", "member", "reader"]),
            "{project}"
        );
    }
    // ... but not onto the domain itself.
    let r = s.issue(
        &password_auth(
            user_by_name("heir", "default"),
            "heirpwd",
            Some(json!({"domain": {"id": "default"}})),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
    // Inherited from a parent project onto its child, not the parent itself.
    let kid = token_of(&s.issue(
        &password_auth(
            user_by_name("kid", "default"),
            "kidpwd",
            Some(project_scope_by_name("childp", "default")),
        ),
        "",
    ));
    assert_eq!(role_names(&kid["roles"]), ["reader"]);
    let r = s.issue(
        &password_auth(
            user_by_name("kid", "default"),
            "kidpwd",
            Some(project_scope_by_name("parentp", "default")),
        ),
        "",
    );
    assert_unauthorized(&s, &r);
}

#[test]
fn a_domain_specific_role_only_implies() {
    let s = TestServer::start(&seed_with(&[
        (
            "roles",
            json!([{"name": "dsr", "domain": "Default", "implies": ["reader"]}]),
        ),
        ("users", json!([{"name": "dora", "password": "dorapwd"}])),
    ]));
    let system = s.system_admin_token();
    let r = s.get("/v3/roles?domain_id=default", Some(&system));
    r.expect(200);
    let roles = r.json()["roles"].clone();
    assert_eq!(role_names(&roles), ["dsr"]);
    let dsr = roles[0]["id"].as_str().unwrap().to_string();
    assert_eq!(roles[0]["domain_id"], "default");
    let demo_project = s.id_by_name(&system, "projects", "demo");
    let dora = s.id_by_name(&system, "users", "dora");
    s.put(
        &format!("/v3/projects/{demo_project}/users/{dora}/roles/{dsr}"),
        Some(&system),
    )
    .expect(204);
    let token = token_of(&s.issue(
        &password_auth(
            user_by_name("dora", "default"),
            "dorapwd",
            Some(project_scope_by_id(&demo_project)),
        ),
        "",
    ));
    // The token shows what dsr implies, never dsr itself.
    assert_eq!(role_names(&token["roles"]), ["reader"]);
}
