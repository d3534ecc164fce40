//! v3 and v2.0 reach the same service functions (src/service/), so they cannot disagree:
//! each test here pins a place where v2.0 used to do less than v3 (and than upstream's
//! identity manager, which both of upstream's APIs called), and the self-service password
//! change raced against an administrator's reset.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::common::*;

/// A default-domain user made through v3, with this password; its id.
fn create_user(s: &TestServer, admin: &str, name: &str, password: &str) -> String {
    let r = s.post(
        "/v3/users",
        Some(admin),
        &json!({"user": {"name": name, "password": password, "domain_id": "default"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["user"]["id"].as_str().unwrap().to_string()
}

fn login(s: &TestServer, user_id: &str, password: &str) -> Resp {
    s.issue(&password_auth(user_by_id(user_id), password, None), "")
}

fn v2_put(s: &TestServer, admin: &str, path: &str, user: Value) -> Resp {
    s.send_json("PUT", path, Some(admin), &json!({ "user": user }))
}

/// Upstream's `update_user` records a revocation event when it disables a user, whichever
/// API called it: a token issued before a v2.0 disable stays dead after re-enabling (v2.0
/// used to skip the event, so the old token came back to life).
#[test]
fn v2_disable_revokes_tokens_as_v3_does() {
    let s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let v2_admin = s.admin_token();
    for (i, path) in ["/v2.0/users/{id}/enabled", "/v2.0/users/{id}"]
        .iter()
        .enumerate()
    {
        let id = create_user(&s, &admin, &format!("v2-disable-{i}"), "pw-disable");
        let token = login(&s, &id, "pw-disable").expect(201).subject_token();
        s.validate(&admin, &token, "").expect(200);
        let path = path.replace("{id}", &id);
        v2_put(&s, &v2_admin, &path, json!({"enabled": false})).expect(200);
        v2_put(&s, &v2_admin, &path, json!({"enabled": true})).expect(200);
        let r = s.validate(&admin, &token, "");
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        // The user itself is back: a new login works.
        login(&s, &id, "pw-disable").expect(201);
    }
}

/// Upstream's `User.enabled` setter runs on every update of an enabled user, through either
/// API: it clears the failed-login count, so an update unlocks a locked-out user (v2.0's
/// update used to leave the lock in place).
#[test]
fn v2_update_of_an_enabled_user_clears_its_lockout_as_v3_does() {
    let conf = "[security_compliance]\nlockout_failure_attempts = 2\nlockout_duration = 1800\n";
    let s = TestServer::start_with(DEMO_SEED, &[], Some(conf));
    let admin = s.system_admin_token();
    let v2_admin = s.admin_token();
    let id = create_user(&s, &admin, "v2-lockout", "pw-right");
    for _ in 0..2 {
        login(&s, &id, "pw-wrong").expect(401);
    }
    // Locked: even the right password is refused.
    login(&s, &id, "pw-right").expect(401);
    v2_put(
        &s,
        &v2_admin,
        &format!("/v2.0/users/{id}"),
        json!({"email": "unlocked@example.org"}),
    )
    .expect(200);
    login(&s, &id, "pw-right").expect(201);
}

/// A user's own password change (proving the original password) races an administrator's
/// reset of the same user, 40 times. Any order the two can take ends with the
/// administrator's password: either the change ran first and the reset replaced it, or the
/// reset ran first and the change's original password no longer holds. So afterwards the
/// original and the self-service passwords never log in, the reset one does, and the token
/// issued before the race never validates. (Checking the original password against a copy
/// read before the write let a change land after the reset it never saw.)
#[test]
fn self_service_password_change_races_admin_reset() {
    let s = Arc::new(TestServer::start_demo());
    let admin = Arc::new(s.system_admin_token());
    let id = create_user(&s, &admin, "pw-race", "race-0-original");
    for round in 0..40 {
        let original = format!("race-{round}-original");
        if round > 0 {
            s.patch(
                &format!("/v3/users/{id}"),
                Some(&admin),
                &json!({"user": {"password": original}}),
            )
            .expect(200);
        }
        let before = login(&s, &id, &original).expect(201).subject_token();
        let (mine, reset) = (format!("race-{round}-mine"), format!("race-{round}-reset"));
        let change = {
            let (s, id, original, mine) = (s.clone(), id.clone(), original.clone(), mine.clone());
            std::thread::spawn(move || {
                s.post(
                    &format!("/v3/users/{id}/password"),
                    None,
                    &json!({"user": {"original_password": original, "password": mine}}),
                )
            })
        };
        let admin_patch = {
            let (s, admin, id, reset) = (s.clone(), admin.clone(), id.clone(), reset.clone());
            std::thread::spawn(move || {
                s.patch(
                    &format!("/v3/users/{id}"),
                    Some(&admin),
                    &json!({"user": {"password": reset}}),
                )
            })
        };
        let change = change.join().expect("change thread");
        admin_patch.join().expect("admin thread").expect(200);
        assert!(
            [204, 401].contains(&change.status),
            "round {round}: {}",
            change.text()
        );
        login(&s, &id, &original).expect(401);
        let r = login(&s, &id, &mine);
        assert_eq!(
            r.status, 401,
            "round {round}: the change outlived the reset"
        );
        login(&s, &id, &reset).expect(201);
        let r = s.validate(&admin, &before, "");
        assert_eq!(r.status, 404, "round {round}: {}", r.text());
    }
}

/// A project in the default domain made through v3 (under `parent`, if given); its id.
fn create_project(s: &TestServer, admin: &str, name: &str, parent: Option<&str>) -> String {
    let mut body = json!({"name": name, "domain_id": "default"});
    if let Some(p) = parent {
        body["parent_id"] = json!(p);
    }
    let r = s.post("/v3/projects", Some(admin), &json!({ "project": body }));
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["project"]["id"].as_str().unwrap().to_string()
}

/// Upstream's `update_project` refuses to disable a project whose subtree holds an enabled
/// project, whichever API asks (v2.0's tenant update used to disable it anyway).
#[test]
fn v2_tenant_with_enabled_children_cannot_be_disabled_as_in_v3() {
    let s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let v2_admin = s.admin_token();
    let parent = create_project(&s, &admin, "svc-parent", None);
    create_project(&s, &admin, "svc-child", Some(&parent));
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/tenants/{parent}"),
        Some(&v2_admin),
        &json!({"tenant": {"enabled": false}}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s.patch(
        &format!("/v3/projects/{parent}"),
        Some(&admin),
        &json!({"project": {"enabled": false}}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s.get(&format!("/v3/projects/{parent}"), Some(&admin));
    assert_eq!(r.json()["project"]["enabled"], json!(true));
}

/// Upstream's revoke manager records an event for a disabled project (and domain): a token
/// scoped to it issued before stays dead once it is enabled again, whichever API disabled
/// it (both used to let the old token back in).
#[test]
fn disabling_a_project_or_domain_revokes_tokens_scoped_to_it() {
    let s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let v2_admin = s.admin_token();
    let member = s.id_by_name(&admin, "roles", "member");
    let user = create_user(&s, &admin, "svc-scoped", "pw-scoped");
    let disable_v2 = |id: &str, enabled: bool| {
        s.send_json(
            "PUT",
            &format!("/v2.0/tenants/{id}"),
            Some(&v2_admin),
            &json!({"tenant": {"enabled": enabled}}),
        )
    };
    let disable_v3 = |id: &str, enabled: bool| {
        s.patch(
            &format!("/v3/projects/{id}"),
            Some(&admin),
            &json!({"project": {"enabled": enabled}}),
        )
    };
    for (name, toggle) in [
        ("svc-v2", &disable_v2 as &dyn Fn(&str, bool) -> Resp),
        ("svc-v3", &disable_v3),
    ] {
        let project = create_project(&s, &admin, name, None);
        s.put(
            &format!("/v3/projects/{project}/users/{user}/roles/{member}"),
            Some(&admin),
        )
        .expect(204);
        let scoped = s.token(
            user_by_id(&user),
            "pw-scoped",
            Some(project_scope_by_id(&project)),
        );
        s.validate(&admin, &scoped, "").expect(200);
        toggle(&project, false).expect(200);
        toggle(&project, true).expect(200);
        let r = s.validate(&admin, &scoped, "");
        assert_eq!(r.status, 404, "{name}: {}", r.text());
    }
    // A domain: a domain-scoped token dies with the domain's disabling.
    let r = s.post(
        "/v3/domains",
        Some(&admin),
        &json!({"domain": {"name": "svc-domain"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let domain = r.json()["domain"]["id"].as_str().unwrap().to_string();
    s.put(
        &format!("/v3/domains/{domain}/users/{user}/roles/{member}"),
        Some(&admin),
    )
    .expect(204);
    let scoped = s.token(
        user_by_id(&user),
        "pw-scoped",
        Some(json!({"domain": {"id": domain}})),
    );
    s.validate(&admin, &scoped, "").expect(200);
    for enabled in [false, true] {
        s.patch(
            &format!("/v3/domains/{domain}"),
            Some(&admin),
            &json!({"domain": {"enabled": enabled}}),
        )
        .expect(200);
    }
    let r = s.validate(&admin, &scoped, "");
    assert_eq!(r.status, 404, "domain: {}", r.text());
}
