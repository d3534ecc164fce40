//! Concurrent updates of one record lose nothing: each PATCH applies its fields to the record
//! read inside its own write transaction, so two writers of different fields both land, and
//! racing renames leave exactly one name reserved (every other name is free again and no
//! longer logs in).

use std::sync::Arc;

use serde_json::{json, Value};

use crate::common::*;

const ROUNDS: usize = 200;
const RENAMES: usize = 100;

/// One write of a race: (server, token, record id, round).
type Write = fn(&TestServer, &str, &str, usize) -> Resp;

/// Runs `writers` concurrently, each `rounds` times with the round number; every write must
/// answer `want`.
fn race(
    s: &Arc<TestServer>,
    writers: Vec<Write>,
    token: &Arc<String>,
    id: &str,
    rounds: usize,
    want: u16,
) {
    let handles: Vec<_> = writers
        .into_iter()
        .map(|write| {
            let (s, token, id) = (s.clone(), token.clone(), id.to_string());
            std::thread::spawn(move || {
                for i in 0..rounds {
                    let r = write(&s, &token, &id, i);
                    assert_eq!(r.status, want, "round {i}: {}", r.text());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer thread");
    }
}

fn create(s: &TestServer, token: &str, collection: &str, body: Value) -> String {
    let key = collection.trim_end_matches('s');
    let r = s.post(
        &format!("/v3/{collection}"),
        Some(token),
        &json!({key: body}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()[key]["id"].as_str().unwrap().to_string()
}

#[test]
fn concurrent_user_patches_of_different_fields_both_land() {
    let s = Arc::new(TestServer::start_demo());
    let token = Arc::new(s.system_admin_token());
    let id = create(&s, &token, "users", json!({"name": "lost-upd-user"}));
    race(
        &s,
        vec![
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/users/{id}"),
                    Some(t),
                    &json!({"user": {"email": format!("e-{i}@example.org")}}),
                )
            },
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/users/{id}"),
                    Some(t),
                    &json!({"user": {"description": format!("d-{i}")}}),
                )
            },
        ],
        &token,
        &id,
        ROUNDS,
        200,
    );
    let user = s
        .get(&format!("/v3/users/{id}"), Some(&token))
        .expect(200)
        .json();
    let last = ROUNDS - 1;
    assert_eq!(
        user["user"]["email"],
        json!(format!("e-{last}@example.org"))
    );
    assert_eq!(user["user"]["description"], json!(format!("d-{last}")));
}

#[test]
fn concurrent_project_patches_of_different_fields_both_land() {
    let s = Arc::new(TestServer::start_demo());
    let token = Arc::new(s.system_admin_token());
    let id = create(&s, &token, "projects", json!({"name": "lost-upd-project"}));
    race(
        &s,
        vec![
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/projects/{id}"),
                    Some(t),
                    &json!({"project": {"description": format!("d-{i}")}}),
                )
            },
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/projects/{id}"),
                    Some(t),
                    &json!({"project": {"tags": [format!("t-{i}")]}}),
                )
            },
        ],
        &token,
        &id,
        ROUNDS,
        200,
    );
    let project = s
        .get(&format!("/v3/projects/{id}"), Some(&token))
        .expect(200)
        .json();
    let last = ROUNDS - 1;
    assert_eq!(
        project["project"]["description"],
        json!(format!("d-{last}"))
    );
    assert_eq!(project["project"]["tags"], json!([format!("t-{last}")]));
}

#[test]
fn concurrent_single_tag_adds_keep_every_tag() {
    let s = Arc::new(TestServer::start_demo());
    let token = Arc::new(s.system_admin_token());
    let id = create(&s, &token, "projects", json!({"name": "lost-upd-tags"}));
    // Two writers of 40 tags each: 80 is upstream's most a project may carry.
    race(
        &s,
        vec![
            |s, t, id, i| s.put(&format!("/v3/projects/{id}/tags/a-{i:02}"), Some(t)),
            |s, t, id, i| s.put(&format!("/v3/projects/{id}/tags/b-{i:02}"), Some(t)),
        ],
        &token,
        &id,
        40,
        201,
    );
    let tags = s
        .get(&format!("/v3/projects/{id}/tags"), Some(&token))
        .expect(200)
        .json();
    let mut want: Vec<String> = (0..40)
        .flat_map(|i| [format!("a-{i:02}"), format!("b-{i:02}")])
        .collect();
    want.sort();
    assert_eq!(tags["tags"], json!(want));
}

#[test]
fn racing_renames_leave_exactly_one_name_reserved() {
    let s = Arc::new(TestServer::start_demo());
    let token = Arc::new(s.system_admin_token());
    let password = "rename-pwd-1";
    let id = create(
        &s,
        &token,
        "users",
        json!({"name": "renamed-0", "password": password}),
    );
    race(
        &s,
        vec![
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/users/{id}"),
                    Some(t),
                    &json!({"user": {"name": format!("renamed-a-{i}")}}),
                )
            },
            |s, t, id, i| {
                s.patch(
                    &format!("/v3/users/{id}"),
                    Some(t),
                    &json!({"user": {"name": format!("renamed-b-{i}")}}),
                )
            },
        ],
        &token,
        &id,
        RENAMES,
        200,
    );
    let current = s
        .get(&format!("/v3/users/{id}"), Some(&token))
        .expect(200)
        .json()["user"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let last = RENAMES - 1;
    assert!(
        current == format!("renamed-a-{last}") || current == format!("renamed-b-{last}"),
        "the name is one of the last two written, not {current}"
    );
    let old_names: Vec<String> = std::iter::once("renamed-0".to_string())
        .chain((0..RENAMES).flat_map(|i| [format!("renamed-a-{i}"), format!("renamed-b-{i}")]))
        .filter(|n| *n != current)
        .collect();
    // The current name logs in; no old name does.
    s.token(user_by_name(&current, "default"), password, None);
    for name in &old_names {
        let r = s.issue(
            &password_auth(user_by_name(name, "default"), password, None),
            "",
        );
        assert_eq!(r.status, 401, "old name {name} still logs in: {}", r.text());
    }
    // The current name is taken; every old one is free again.
    let r = s.post(
        "/v3/users",
        Some(&token),
        &json!({"user": {"name": current}}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    for name in &old_names {
        let r = s.post("/v3/users", Some(&token), &json!({"user": {"name": name}}));
        assert_eq!(
            r.status,
            201,
            "old name {name} is still reserved: {}",
            r.text()
        );
    }
}
