//! Restarts on the same data dir: what the API made and the tokens issued survive, revocations
//! stay, the seed re-applied duplicates nothing, and the identity endpoint follows the new port.

use serde_json::{json, Value};

use crate::common::*;

fn count(s: &TestServer, token: &str, collection: &str) -> usize {
    let r = s.get(&format!("/v3/{collection}"), Some(token));
    assert_eq!(r.status, 200, "{collection}: {}", r.text());
    r.json()[collection].as_array().map(Vec::len).unwrap()
}

const COLLECTIONS: [&str; 8] = [
    "users",
    "projects",
    "domains",
    "roles",
    "groups",
    "regions",
    "services",
    "endpoints",
];

#[test]
fn api_objects_and_tokens_survive_a_restart() {
    let mut s = TestServer::start_demo();
    let system = s.system_admin_token();
    let r = s.post(
        "/v3/projects",
        Some(&system),
        &json!({"project": {"name": "durable"}}),
    );
    r.expect(201);
    let project_id = r.json()["project"]["id"].as_str().unwrap().to_string();
    let r = s.post(
        "/v3/users",
        Some(&system),
        &json!({"user": {"name": "keeper", "password": "keeperpwd", "default_project_id": project_id}}),
    );
    r.expect(201);
    let user_id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let member = s.id_by_name(&system, "roles", "member");
    s.put(
        &format!("/v3/projects/{project_id}/users/{user_id}/roles/{member}"),
        Some(&system),
    )
    .expect(204);
    let r = s.post(
        "/v3/groups",
        Some(&system),
        &json!({"group": {"name": "keepers"}}),
    );
    r.expect(201);
    let group_id = r.json()["group"]["id"].as_str().unwrap().to_string();
    s.put(
        &format!("/v3/groups/{group_id}/users/{user_id}"),
        Some(&system),
    )
    .expect(204);
    let keeper = s.token(user_by_name("keeper", "default"), "keeperpwd", None);
    let keeper_body = s.validate(&system, &keeper, "?nocatalog").json();
    assert_eq!(keeper_body["token"]["project"]["id"], project_id.as_str());

    s.restart();

    // Tokens from before the restart still work, for the caller and as subject.
    let r = s.validate(&system, &keeper, "?nocatalog");
    r.expect(200);
    assert_eq!(r.json(), keeper_body);
    let r = s.get(&format!("/v3/projects/{project_id}"), Some(&system));
    r.expect(200);
    assert_eq!(r.json()["project"]["name"], "durable");
    let r = s.get(&format!("/v3/users/{user_id}"), Some(&system));
    r.expect(200);
    assert_eq!(r.json()["user"]["default_project_id"], project_id.as_str());
    s.head(
        &format!("/v3/groups/{group_id}/users/{user_id}"),
        Some(&system),
    )
    .expect(204);
    // And the password still logs in to the project.
    let r = s.issue(
        &password_auth(user_by_name("keeper", "default"), "keeperpwd", None),
        "",
    );
    r.expect(201);
    assert_eq!(r.json()["token"]["project"]["name"], "durable");
    assert_eq!(
        role_names(&r.json()["token"]["roles"]),
        sorted(&["member", "reader"])
    );
}

#[test]
fn a_token_revoked_before_a_restart_stays_revoked() {
    let mut s = TestServer::start_demo();
    let caller = s.admin_token();
    let revoked = s.demo_token();
    let kept = s.demo_token();
    let r = s.request(
        "DELETE",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &caller), ("X-Subject-Token", &revoked)],
        None,
    );
    assert_eq!(r.status, 204);
    assert_error(&s.validate(&caller, &revoked, ""), 404);
    s.restart();
    assert_error(&s.validate(&caller, &revoked, ""), 404);
    assert_unauthorized(&s, &s.get("/v3/auth/projects", Some(&revoked)));
    s.validate(&caller, &kept, "").expect(200);
}

#[test]
fn the_seed_reapplied_duplicates_nothing_and_the_identity_url_follows_the_port() {
    let mut s = TestServer::start_demo();
    let system = s.system_admin_token();
    let before: Vec<usize> = COLLECTIONS.iter().map(|c| count(&s, &system, c)).collect();
    assert_eq!(before[0], 2, "admin and demo");
    let old_url = s.url.clone();
    // A change made through the API survives the seed being applied again.
    let demo_id = s.id_by_name(&system, "users", "demo");
    s.patch(
        &format!("/v3/users/{demo_id}"),
        Some(&system),
        &json!({"user": {"email": "changed@example.org"}}),
    )
    .expect(200);

    s.restart();
    s.restart();

    let after: Vec<usize> = COLLECTIONS.iter().map(|c| count(&s, &system, c)).collect();
    assert_eq!(after, before, "counts of {COLLECTIONS:?}");
    let r = s.get(&format!("/v3/users/{demo_id}"), Some(&system));
    assert_eq!(r.json()["user"]["email"], "changed@example.org");
    // Assignments are not doubled either: one role listed for demo on demo.
    let project = s.id_by_name(&system, "projects", "demo");
    let r = s.get(
        &format!("/v3/projects/{project}/users/{demo_id}/roles"),
        Some(&system),
    );
    assert_eq!(role_names(&r.json()["roles"]), ["member"]);

    // The identity endpoint now names this run's port, in the catalog and the endpoint list.
    let token = s.admin_token();
    let catalog = s.get("/v3/auth/catalog", Some(&token)).json()["catalog"].clone();
    let identity: Vec<&Value> = catalog
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "identity")
        .collect();
    assert_eq!(identity.len(), 1);
    let urls: Vec<&str> = identity[0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    let expected = format!("{}/v3", s.url);
    assert_eq!(urls, [expected.as_str(), expected.as_str()]);
    if s.url != old_url {
        assert!(!urls.iter().any(|u| u.starts_with(&old_url)));
    }
    let r = s.get("/v3/endpoints?interface=public", Some(&system));
    assert!(r.json()["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["url"] == expected.as_str()));
}

/// An unchanged seed is not applied again (something deleted through the API stays deleted);
/// a changed one is, creating what it adds.
#[test]
fn only_a_changed_seed_is_applied_on_restart() {
    let mut seed = demo_seed();
    let mut s = TestServer::start(&seed_text(&seed));
    let token = s.system_admin_token();
    let demo = s.id_by_name(&token, "users", "demo");
    s.delete(&format!("/v3/users/{demo}"), Some(&token))
        .expect(204);
    s.restart();
    assert!(
        s.stderr_text().contains("seed unchanged"),
        "{}",
        s.stderr_text()
    );
    let token = s.system_admin_token();
    let r = s
        .get("/v3/users?name=demo", Some(&token))
        .expect(200)
        .json();
    assert_eq!(r["users"].as_array().map(Vec::len), Some(0), "{r}");

    seed_push(
        &mut seed,
        "users",
        serde_json::json!([{"name": "newcomer", "password": "np"}]),
    );
    s.rewrite_seed(&seed_text(&seed));
    s.restart();
    let token = s.system_admin_token();
    let r = s
        .get("/v3/users?name=newcomer", Some(&token))
        .expect(200)
        .json();
    assert_eq!(r["users"].as_array().map(Vec::len), Some(1), "{r}");
    // A changed seed is applied as a whole: the deleted demo user is back.
    let r = s
        .get("/v3/users?name=demo", Some(&token))
        .expect(200)
        .json();
    assert_eq!(r["users"].as_array().map(Vec::len), Some(1), "{r}");
}
