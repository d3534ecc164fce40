//! GET /v3/projects/{id} with `parents_as_list` / `subtree_as_list` (and `include_limits`):
//! the list forms show only the projects the caller has a role on, each as `{"project": ..}`;
//! the list and id forms of one side cannot be combined. admin_crud.rs covers the id forms.

use serde_json::{json, Value};

use crate::common::*;

/// top -> mid -> leaf under the default domain; returns their ids.
fn make_chain(s: &TestServer, token: &str) -> (String, String, String) {
    let create = |name: &str, parent: Option<&str>| {
        let mut project = json!({"name": name});
        if let Some(p) = parent {
            project["parent_id"] = json!(p);
        }
        let r = s.post("/v3/projects", Some(token), &json!({ "project": project }));
        assert_eq!(r.status, 201, "create {name}: {}", r.text());
        r.json()["project"]["id"].as_str().expect("id").to_string()
    };
    let top = create("h-top", None);
    let mid = create("h-mid", Some(&top));
    let leaf = create("h-leaf", Some(&mid));
    (top, mid, leaf)
}

fn listed_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["project"]["id"].as_str().expect("id").to_string())
        .collect()
}

/// A limit of 5 cores on `project`.
fn add_limit(s: &TestServer, token: &str, project: &str) {
    let r = s.post(
        "/v3/services",
        Some(token),
        &json!({"service": {"type": "h-svc"}}),
    );
    assert_eq!(r.status, 201, "service: {}", r.text());
    let svc = r.json()["service"]["id"].as_str().expect("id").to_string();
    let r = s.post(
        "/v3/registered_limits",
        Some(token),
        &json!({"registered_limits": [{"service_id": svc, "resource_name": "cores",
                                       "default_limit": 10, "region_id": "RegionOne"}]}),
    );
    assert_eq!(r.status, 201, "registered limit: {}", r.text());
    let r = s.post(
        "/v3/limits",
        Some(token),
        &json!({"limits": [{"service_id": svc, "project_id": project, "resource_name": "cores",
                            "resource_limit": 5, "region_id": "RegionOne"}]}),
    );
    assert_eq!(r.status, 201, "limit: {}", r.text());
}

#[test]
fn list_forms_show_only_projects_the_caller_has_a_role_on() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let (top, mid, leaf) = make_chain(&s, &sys);
    let admin = s.id_by_name(&sys, "users", "admin");
    let role = s.id_by_name(&sys, "roles", "admin");
    // A role on top and leaf, none on mid.
    for p in [&top, &leaf] {
        let r = s.put(
            &format!("/v3/projects/{p}/users/{admin}/roles/{role}"),
            Some(&sys),
        );
        assert_eq!(r.status, 204, "grant: {}", r.text());
    }
    add_limit(&s, &sys, &top);

    let r = s.get(&format!("/v3/projects/{leaf}?parents_as_list"), Some(&sys));
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(listed_ids(&body["project"]["parents"]), vec![top.clone()]);
    assert!(body["project"]["parents"][0]["project"]
        .get("limits")
        .is_none());

    let r = s.get(
        &format!("/v3/projects/{leaf}?parents_as_list&include_limits"),
        Some(&sys),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let limits = &r.json()["project"]["parents"][0]["project"]["limits"];
    assert_eq!(limits.as_array().map(Vec::len), Some(1), "{limits}");
    assert_eq!(limits[0]["resource_limit"], json!(5));
    assert_eq!(limits[0]["project_id"], json!(top));

    let r = s.get(&format!("/v3/projects/{top}?subtree_as_list"), Some(&sys));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(listed_ids(&r.json()["project"]["subtree"]), vec![leaf]);

    // mid itself is readable; only the list forms filter by role.
    let r = s.get(&format!("/v3/projects/{mid}"), Some(&sys));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn list_and_id_forms_of_one_side_are_refused_together() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let (top, _, _) = make_chain(&s, &sys);
    for (query, side) in [
        ("parents_as_list&parents_as_ids", "parents"),
        ("subtree_as_list&subtree_as_ids", "subtree"),
    ] {
        let r = s.get(&format!("/v3/projects/{top}?{query}"), Some(&sys));
        let message = assert_error(&r, 400);
        assert_eq!(
            message,
            format!("Cannot use {side}_as_list and {side}_as_ids query params at the same time.")
        );
    }
}
