//! The validation cache is exact: a token validated once (so cached) stops validating at once
//! after any change it depends on, and keeps validating across writes it does not depend on.
//! Revocation events survive a restart.

use serde_json::{json, Value};

use crate::common::*;

fn created_id(r: &Resp, key: &str) -> String {
    r.expect(201);
    r.json()[key]["id"].as_str().expect("id").to_string()
}

/// Validates `subject` twice (the second from the cache) and expects 200.
fn cached(s: &TestServer, caller: &str, subject: &str) {
    s.validate(caller, subject, "").expect(200);
    s.validate(caller, subject, "").expect(200);
}

fn dead(s: &TestServer, caller: &str, subject: &str, after: &str) {
    let r = s.validate(caller, subject, "");
    assert_eq!(
        r.status,
        404,
        "token still validates after {after}: {}",
        r.text()
    );
}

/// A user `name` (password "pwd") in `domain_id` with `member` on `project_id`.
fn member_user(
    s: &TestServer,
    admin: &str,
    name: &str,
    domain_id: &str,
    project_id: &str,
) -> String {
    let user_id = created_id(
        &s.post(
            "/v3/users",
            Some(admin),
            &json!({"user": {"name": name, "domain_id": domain_id, "password": "pwd"}}),
        ),
        "user",
    );
    let member = s.id_by_name(admin, "roles", "member");
    s.put(
        &format!("/v3/projects/{project_id}/users/{user_id}/roles/{member}"),
        Some(admin),
    )
    .expect(204);
    user_id
}

fn project(s: &TestServer, admin: &str, name: &str, domain_id: &str) -> String {
    created_id(
        &s.post(
            "/v3/projects",
            Some(admin),
            &json!({"project": {"name": name, "domain_id": domain_id}}),
        ),
        "project",
    )
}

#[test]
fn a_cached_token_dies_with_its_user_project_or_domain() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let domain_id = created_id(
        &s.post(
            "/v3/domains",
            Some(&sys),
            &json!({"domain": {"name": "d2"}}),
        ),
        "domain",
    );
    let p1 = project(&s, &sys, "p1", &domain_id);
    let p2 = project(&s, &sys, "p2", "default");
    let u1 = member_user(&s, &sys, "u1", "default", &p1);
    let u2 = member_user(&s, &sys, "u2", "default", &p2);
    let u3 = member_user(&s, &sys, "u3", "default", &p2);
    let t1 = s.token(user_by_id(&u1), "pwd", Some(project_scope_by_id(&p1)));
    let t2 = s.token(user_by_id(&u2), "pwd", Some(project_scope_by_id(&p2)));
    let t3 = s.token(user_by_id(&u3), "pwd", Some(project_scope_by_id(&p2)));
    for t in [&t1, &t2, &t3] {
        cached(&s, &sys, t);
    }
    // An unrelated write keeps every token valid.
    s.post("/v3/regions", Some(&sys), &json!({"region": {"id": "r2"}}))
        .expect(201);
    for t in [&t1, &t2, &t3] {
        s.validate(&sys, t, "").expect(200);
    }
    // The project's domain.
    let off = |what: &str| json!({ what: {"enabled": false} });
    s.patch(
        &format!("/v3/domains/{domain_id}"),
        Some(&sys),
        &off("domain"),
    )
    .expect(200);
    dead(&s, &sys, &t1, "disabling the project's domain");
    s.validate(&sys, &t2, "").expect(200);
    // The project.
    s.patch(&format!("/v3/projects/{p2}"), Some(&sys), &off("project"))
        .expect(200);
    dead(&s, &sys, &t2, "disabling the project");
    s.patch(
        &format!("/v3/projects/{p2}"),
        Some(&sys),
        &json!({"project": {"enabled": true}}),
    )
    .expect(200);
    // Disabling the project revoked its tokens issued up to that second (Fernet times are
    // whole seconds, as upstream's): a new one comes from a later second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let t3 = s.token(user_by_id(&u3), "pwd", Some(project_scope_by_id(&p2)));
    cached(&s, &sys, &t3);
    // The user.
    s.patch(&format!("/v3/users/{u3}"), Some(&sys), &off("user"))
        .expect(200);
    dead(&s, &sys, &t3, "disabling the user");
}

#[test]
fn a_cached_token_dies_with_its_role_assignment_or_group_membership() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let p = project(&s, &sys, "p", "default");
    let u = member_user(&s, &sys, "u", "default", &p);
    let token = s.token(user_by_id(&u), "pwd", Some(project_scope_by_id(&p)));
    cached(&s, &sys, &token);
    let member = s.id_by_name(&sys, "roles", "member");
    s.delete(
        &format!("/v3/projects/{p}/users/{u}/roles/{member}"),
        Some(&sys),
    )
    .expect(204);
    dead(&s, &sys, &token, "removing the role assignment");

    // The same role through a group.
    let group = created_id(
        &s.post(
            "/v3/groups",
            Some(&sys),
            &json!({"group": {"name": "g", "domain_id": "default"}}),
        ),
        "group",
    );
    s.put(&format!("/v3/groups/{group}/users/{u}"), Some(&sys))
        .expect(204);
    s.put(
        &format!("/v3/projects/{p}/groups/{group}/roles/{member}"),
        Some(&sys),
    )
    .expect(204);
    let token = s.token(user_by_id(&u), "pwd", Some(project_scope_by_id(&p)));
    cached(&s, &sys, &token);
    s.delete(&format!("/v3/groups/{group}/users/{u}"), Some(&sys))
        .expect(204);
    dead(&s, &sys, &token, "removing the group membership");
}

#[test]
fn a_cached_token_dies_with_its_trust_or_application_credential() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let demo = s.demo_token();
    let demo_id = s.id_by_name(&sys, "users", "demo");
    let admin_id = s.id_by_name(&sys, "users", "admin");
    let demo_project = s.id_by_name(&sys, "projects", "demo");

    let created = s.post(
        &format!("/v3/users/{demo_id}/application_credentials"),
        Some(&demo),
        &json!({"application_credential": {"name": "ac"}}),
    );
    let ac_id = created_id(&created, "application_credential");
    let secret = created.json()["application_credential"]["secret"].clone();
    let body = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": ac_id, "secret": secret}}}});
    let issued = s.issue(&body, "");
    issued.expect(201);
    let ac_token = issued.subject_token();
    cached(&s, &sys, &ac_token);

    let trust_id = created_id(
        &s.post(
            "/v3/OS-TRUST/trusts",
            Some(&demo),
            &json!({"trust": {"trustor_user_id": demo_id, "trustee_user_id": admin_id,
                              "project_id": demo_project, "impersonation": false,
                              "roles": [{"name": "member"}]}}),
        ),
        "trust",
    );
    let scope: Value = json!({"OS-TRUST:trust": {"id": trust_id}});
    let issued = s.issue(&token_auth(&s.admin_token(), Some(scope)), "");
    issued.expect(201);
    let trust_token = issued.subject_token();
    cached(&s, &sys, &trust_token);

    s.delete(
        &format!("/v3/users/{demo_id}/application_credentials/{ac_id}"),
        Some(&demo),
    )
    .expect(204);
    dead(&s, &sys, &ac_token, "deleting the application credential");
    s.validate(&sys, &trust_token, "").expect(200);
    s.delete(&format!("/v3/OS-TRUST/trusts/{trust_id}"), Some(&demo))
        .expect(204);
    dead(&s, &sys, &trust_token, "deleting the trust");
}

#[test]
fn a_revoked_token_stays_revoked_after_a_restart_and_others_live() {
    let mut s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let tokens: Vec<String> = (0..5).map(|_| s.demo_token()).collect();
    for t in &tokens {
        cached(&s, &sys, t);
    }
    let r = s.request(
        "DELETE",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &sys), ("X-Subject-Token", &tokens[0])],
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    dead(&s, &sys, &tokens[0], "revoking it");
    s.validate(&sys, &tokens[1], "").expect(200);
    s.restart();
    dead(&s, &sys, &tokens[0], "a restart");
    for t in &tokens[1..] {
        s.validate(&sys, t, "").expect(200);
    }
}
