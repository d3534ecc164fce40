//! Deleting a user removes the same dependents and revokes the same tokens whichever way it
//! goes: DELETE /v3/users/{id}, DELETE /v2.0/users/{id}, or deleting the user's domain. Also
//! DELETE /v3/users/{id}/tokens (Keystone 30), which revokes every token and deletes nothing.

use serde_json::{json, Value};

use crate::common::*;

/// A user with one of every dependent upstream cleans up on delete.
struct Victim {
    user_id: String,
    group_id: String,
    /// A project-scoped token of the user's.
    token: String,
    trust_id: String,
}

fn created_id(r: &Resp, key: &str) -> String {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    r.json()[key]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {key}.id in {}", r.text()))
        .to_string()
}

/// Makes the user in `domain_id`, with a role on `project_id`, a group membership, a
/// credential, an EC2 credential, an application credential and a trust it gave the admin.
fn make_victim(s: &TestServer, admin: &str, domain_id: &str, project_id: &str) -> Victim {
    let user_id = created_id(
        &s.post(
            "/v3/users",
            Some(admin),
            &json!({"user": {"name": "victim", "domain_id": domain_id, "password": "victimpwd"}}),
        ),
        "user",
    );
    let member = s.id_by_name(admin, "roles", "member");
    s.put(
        &format!("/v3/projects/{project_id}/users/{user_id}/roles/{member}"),
        Some(admin),
    )
    .expect(204);
    let group_id = created_id(
        &s.post(
            "/v3/groups",
            Some(admin),
            &json!({"group": {"name": "victims", "domain_id": domain_id}}),
        ),
        "group",
    );
    s.put(
        &format!("/v3/groups/{group_id}/users/{user_id}"),
        Some(admin),
    )
    .expect(204);
    s.post(
        "/v3/credentials",
        Some(admin),
        &json!({"credential": {"type": "cert", "blob": "a cert", "user_id": user_id}}),
    )
    .expect(201);
    let token = s.token(
        user_by_id(&user_id),
        "victimpwd",
        Some(project_scope_by_id(project_id)),
    );
    s.post(
        &format!("/v3/users/{user_id}/credentials/OS-EC2"),
        Some(&token),
        &json!({"tenant_id": project_id}),
    )
    .expect(201);
    s.post(
        &format!("/v3/users/{user_id}/application_credentials"),
        Some(&token),
        &json!({"application_credential": {"name": "ac"}}),
    )
    .expect(201);
    let admin_id = s.id_by_name(admin, "users", "admin");
    let trust_id = created_id(
        &s.post(
            "/v3/OS-TRUST/trusts",
            Some(&token),
            &json!({"trust": {"trustor_user_id": user_id, "trustee_user_id": admin_id,
                              "project_id": project_id, "impersonation": false,
                              "roles": [{"name": "member"}]}}),
        ),
        "trust",
    );
    Victim {
        user_id,
        group_id,
        token,
        trust_id,
    }
}

/// After the delete: the token is dead, a user revocation event is listed, and no dependent
/// is left, through the API and in the store file itself.
fn assert_all_gone(s: &mut TestServer, v: &Victim) {
    let sys = s.system_admin_token();
    assert_eq!(
        s.validate(&sys, &v.token, "").status,
        404,
        "token still valid"
    );
    let events = s.get("/v3/OS-REVOKE/events", Some(&sys)).expect(200).json();
    let revoked_user = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["user_id"] == json!(v.user_id));
    assert!(revoked_user, "no revocation event for the user: {events}");
    let creds = s.get("/v3/credentials", Some(&sys)).expect(200).json();
    let left: Vec<&Value> = creds["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter(|c| c["user_id"] == json!(v.user_id))
        .collect();
    assert!(left.is_empty(), "credentials left: {left:?}");
    let assignments = s
        .get(
            &format!("/v3/role_assignments?user.id={}", v.user_id),
            Some(&sys),
        )
        .expect(200)
        .json();
    assert_eq!(assignments["role_assignments"], json!([]), "{assignments}");
    let trust = s.get(&format!("/v3/OS-TRUST/trusts/{}", v.trust_id), Some(&sys));
    assert_eq!(trust.status, 404, "trust left: {}", trust.text());
    let members = s.get(&format!("/v3/groups/{}/users", v.group_id), Some(&sys));
    if members.status == 200 {
        assert_eq!(members.json()["users"], json!([]), "membership left");
    }
    // Application credentials have no admin listing: read the store file itself.
    s.stop();
    let store = keystone_lite::store::Store::open(&keystone_lite::store_path(&s.data_dir))
        .expect("open store");
    let app_creds = store
        .read(|r| keystone_lite::store::application_credentials::list_for_user(r, &v.user_id))
        .expect("read");
    assert!(app_creds.is_empty(), "application credentials left");
}

#[test]
fn deleting_a_user_through_v3_removes_its_dependents_and_revokes_its_tokens() {
    let mut s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let demo = s.id_by_name(&admin, "projects", "demo");
    let v = make_victim(&s, &admin, "default", &demo);
    s.delete(&format!("/v3/users/{}", v.user_id), Some(&admin))
        .expect(204);
    assert_all_gone(&mut s, &v);
}

#[test]
fn deleting_a_user_through_v2_removes_the_same_dependents() {
    let mut s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let demo = s.id_by_name(&admin, "projects", "demo");
    let v = make_victim(&s, &admin, "default", &demo);
    let v2_admin = s.admin_token();
    s.delete(&format!("/v2.0/users/{}", v.user_id), Some(&v2_admin))
        .expect(204);
    assert_all_gone(&mut s, &v);
}

#[test]
fn deleting_the_users_domain_removes_the_same_dependents() {
    let mut s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let domain_id = created_id(
        &s.post(
            "/v3/domains",
            Some(&admin),
            &json!({"domain": {"name": "doomed"}}),
        ),
        "domain",
    );
    let project_id = created_id(
        &s.post(
            "/v3/projects",
            Some(&admin),
            &json!({"project": {"name": "doomed-p", "domain_id": domain_id}}),
        ),
        "project",
    );
    let v = make_victim(&s, &admin, &domain_id, &project_id);
    s.patch(
        &format!("/v3/domains/{domain_id}"),
        Some(&admin),
        &json!({"domain": {"enabled": false}}),
    )
    .expect(200);
    s.delete(&format!("/v3/domains/{domain_id}"), Some(&admin))
        .expect(204);
    assert_all_gone(&mut s, &v);
}

#[test]
fn revoking_all_tokens_of_a_user_keeps_the_user() {
    let s = TestServer::start_demo();
    let admin = s.system_admin_token();
    let demo_id = s.id_by_name(&admin, "users", "demo");
    let first = s.demo_token();
    let second = s.demo_token();
    // Anonymous: 401 before anything; another user (not admin): 403; unknown user: 404.
    assert_error(&s.delete(&format!("/v3/users/{demo_id}/tokens"), None), 401);
    let admin_id = s.id_by_name(&admin, "users", "admin");
    assert_forbidden(
        &s.delete(&format!("/v3/users/{admin_id}/tokens"), Some(&first)),
        "identity:revoke_tokens_for_user",
    );
    assert_error(
        &s.delete(
            "/v3/users/0123456789abcdef0123456789abcdef/tokens",
            Some(&admin),
        ),
        404,
    );
    // A user may revoke its own tokens: every one of them stops validating.
    s.delete(&format!("/v3/users/{demo_id}/tokens"), Some(&first))
        .expect(204);
    assert_eq!(s.validate(&admin, &first, "").status, 404);
    assert_eq!(s.validate(&admin, &second, "").status, 404);
    // The user is still there and logs in again (Fernet times are whole seconds, so a token
    // from the second of the revocation counts as issued before it, as upstream's).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let fresh = s.demo_token();
    s.validate(&admin, &fresh, "").expect(200);
    s.get(&format!("/v3/users/{demo_id}"), Some(&admin))
        .expect(200);
}
