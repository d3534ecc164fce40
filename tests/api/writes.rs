//! Writes as the system admin: project, user, role, grant, group, membership, and the result
//! (the new user logs in to the new project); 409 on a duplicate name; delete then 404.

use serde_json::json;

use crate::common::*;

#[test]
fn created_user_logs_in_to_created_project_with_direct_and_group_roles() {
    let s = TestServer::start_demo();
    let system = s.system_admin_token();

    let r = s.post(
        "/v3/projects",
        Some(&system),
        &json!({"project": {"name": "apollo", "domain_id": "default", "description": "moon"}}),
    );
    r.expect(201);
    let project = r.json()["project"].clone();
    let project_id = project["id"].as_str().unwrap().to_string();
    assert_eq!(project["name"], "apollo");
    assert_eq!(project["description"], "moon");
    assert_eq!(project["domain_id"], "default");
    assert_eq!(project["parent_id"], "default");
    assert_eq!(project["enabled"], true);
    assert_eq!(
        project["links"],
        json!({"self": format!("{}/v3/projects/{project_id}", s.url)})
    );

    let r = s.post(
        "/v3/users",
        Some(&system),
        &json!({"user": {"name": "neil", "password": "one-small-step", "email": "neil@example.org"}}),
    );
    r.expect(201);
    let user = r.json()["user"].clone();
    let user_id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["name"], "neil");
    assert_eq!(user["domain_id"], "default");
    assert_eq!(user["enabled"], true);
    assert_eq!(user["email"], "neil@example.org");
    assert!(user.get("password").is_none(), "{user}");

    let r = s.post(
        "/v3/roles",
        Some(&system),
        &json!({"role": {"name": "astronaut"}}),
    );
    r.expect(201);
    let role = r.json()["role"].clone();
    let role_id = role["id"].as_str().unwrap().to_string();
    assert_eq!(role["name"], "astronaut");
    assert_eq!(role["domain_id"], serde_json::Value::Null);

    // Before any grant the user cannot scope to the project.
    assert_unauthorized(
        &s,
        &s.issue(
            &password_auth(
                user_by_id(&user_id),
                "one-small-step",
                Some(project_scope_by_id(&project_id)),
            ),
            "",
        ),
    );

    let grant = format!("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}");
    let r = s.put(&grant, Some(&system));
    assert_eq!(r.status, 204, "{}", r.text());
    s.head(&grant, Some(&system)).expect(204);
    let r = s.get(
        &format!("/v3/projects/{project_id}/users/{user_id}/roles"),
        Some(&system),
    );
    r.expect(200);
    assert_eq!(role_names(&r.json()["roles"]), ["astronaut"]);

    let r = s.post(
        "/v3/groups",
        Some(&system),
        &json!({"group": {"name": "crew", "description": "Apollo 11"}}),
    );
    r.expect(201);
    let group = r.json()["group"].clone();
    let group_id = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["name"], "crew");
    assert_eq!(group["domain_id"], "default");
    let membership = format!("/v3/groups/{group_id}/users/{user_id}");
    assert_eq!(s.head(&membership, Some(&system)).status, 404);
    s.put(&membership, Some(&system)).expect(204);
    s.head(&membership, Some(&system)).expect(204);
    let r = s.get(&format!("/v3/groups/{group_id}/users"), Some(&system));
    assert_eq!(r.json()["users"][0]["id"], user_id.as_str());
    let member = s.id_by_name(&system, "roles", "member");
    s.put(
        &format!("/v3/projects/{project_id}/groups/{group_id}/roles/{member}"),
        Some(&system),
    )
    .expect(204);

    let r = s.issue(
        &password_auth(
            user_by_name("neil", "default"),
            "one-small-step",
            Some(project_scope_by_name("apollo", "default")),
        ),
        "",
    );
    r.expect(201);
    let token = r.json()["token"].clone();
    assert_eq!(token["user"]["id"], user_id.as_str());
    assert_eq!(token["project"]["id"], project_id.as_str());
    assert_eq!(
        role_names(&token["roles"]),
        sorted(&["astronaut", "member", "reader"])
    );
    // The user's own view agrees.
    let neil = r.subject_token();
    let r = s.get("/v3/auth/projects", Some(&neil));
    assert_eq!(r.json()["projects"][0]["name"], "apollo");
    assert_eq!(r.json()["projects"].as_array().unwrap().len(), 1);
}

#[test]
fn duplicate_project_name_in_a_domain_is_409() {
    let s = TestServer::start_demo();
    let system = s.system_admin_token();
    let body = json!({"project": {"name": "twin", "domain_id": "default"}});
    s.post("/v3/projects", Some(&system), &body).expect(201);
    let r = s.post("/v3/projects", Some(&system), &body);
    let message = assert_error(&r, 409);
    assert!(message.contains("twin"), "{message}");
    let r = s.post(
        "/v3/projects",
        Some(&system),
        &json!({"project": {"name": "demo"}}),
    );
    assert_error(&r, 409);
    // Only one 'twin' exists.
    let r = s.get("/v3/projects?name=twin", Some(&system));
    assert_eq!(r.json()["projects"].as_array().unwrap().len(), 1);
    // The same for users.
    let r = s.post(
        "/v3/users",
        Some(&system),
        &json!({"user": {"name": "demo"}}),
    );
    assert_error(&r, 409);
}

#[test]
fn deleted_project_is_404() {
    let s = TestServer::start_demo();
    let system = s.system_admin_token();
    let r = s.post(
        "/v3/projects",
        Some(&system),
        &json!({"project": {"name": "ephemeral"}}),
    );
    r.expect(201);
    let id = r.json()["project"]["id"].as_str().unwrap().to_string();
    s.get(&format!("/v3/projects/{id}"), Some(&system))
        .expect(200);
    let r = s.delete(&format!("/v3/projects/{id}"), Some(&system));
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    let r = s.get(&format!("/v3/projects/{id}"), Some(&system));
    assert_eq!(
        assert_error(&r, 404),
        format!("Could not find project: {id}.")
    );
    let r = s.delete(&format!("/v3/projects/{id}"), Some(&system));
    assert_error(&r, 404);
    let r = s.get("/v3/projects?name=ephemeral", Some(&system));
    assert_eq!(r.json()["projects"], json!([]));
}

#[test]
fn a_member_may_not_create_projects() {
    let s = TestServer::start_demo();
    let r = s.post(
        "/v3/projects",
        Some(&s.demo_token()),
        &json!({"project": {"name": "sneaky"}}),
    );
    assert_forbidden(&r, "identity:create_project");
    let r = s.post(
        "/v3/projects",
        None,
        &json!({"project": {"name": "sneaky"}}),
    );
    assert_unauthorized(&s, &r);
    let r = s.get("/v3/projects?name=sneaky", Some(&s.system_admin_token()));
    assert_eq!(r.json()["projects"], json!([]));
}
