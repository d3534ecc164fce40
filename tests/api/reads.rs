//! Reads: /v3/auth/{catalog,projects,domains,system}, and lists and items of users, projects,
//! domains, roles, regions, services and endpoints, with filters, links and the 403/404 cases.

use serde_json::{json, Value};

use crate::common::*;

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| {
            v[field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field}: {v}"))
                .to_string()
        })
        .collect();
    out.sort();
    out
}

fn assert_list_links(s: &TestServer, body: &Value, path_and_query: &str) {
    assert_eq!(
        body["links"],
        json!({"next": null, "self": format!("{}{path_and_query}", s.url), "previous": null}),
        "{body}"
    );
}

#[test]
fn auth_catalog_lists_services_with_self_link() {
    let s = TestServer::start_demo();
    let token = s.demo_token();
    let r = s.get("/v3/auth/catalog", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(
        names(&body["catalog"], "type"),
        ["compute", "identity", "image"]
    );
    assert_eq!(
        body["links"],
        json!({"self": format!("{}/v3/auth/catalog", s.url)})
    );
    let identity = body["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "identity")
        .unwrap()
        .clone();
    assert!(identity["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["url"] == format!("{}/v3", s.url).as_str()));
    assert_unauthorized(&s, &s.get("/v3/auth/catalog", None));
}

#[test]
fn auth_projects_shows_only_the_callers_projects() {
    let s = TestServer::start_demo();
    let r = s.get("/v3/auth/projects", Some(&s.demo_token()));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["projects"], "name"), ["demo"]);
    assert_eq!(body["projects"][0]["domain_id"], "default");
    assert_list_links(&s, &body, "/v3/auth/projects");
    let r = s.get("/v3/auth/projects", Some(&s.admin_token()));
    r.expect(200);
    assert_eq!(names(&r.json()["projects"], "name"), ["admin"]);
}

#[test]
fn auth_domains_lists_domains_with_a_role() {
    let mut seed = demo_seed();
    seed_push(
        &mut seed,
        "assignments",
        json!({"user": "admin", "role": "reader", "domain": "Default"}),
    );
    let s = TestServer::start(&seed_text(&seed));
    let r = s.get("/v3/auth/domains", Some(&s.admin_token()));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["domains"], "name"), ["Default"]);
    assert_eq!(body["domains"][0]["id"], "default");
    assert_list_links(&s, &body, "/v3/auth/domains");
    let r = s.get("/v3/auth/domains", Some(&s.demo_token()));
    r.expect(200);
    assert_eq!(r.json()["domains"], json!([]));
}

#[test]
fn auth_system_for_admin_and_demo() {
    let s = TestServer::start_demo();
    let r = s.get("/v3/auth/system", Some(&s.admin_token()));
    r.expect(200);
    assert_eq!(r.json()["system"], json!([{"all": true}]));
    assert_eq!(
        r.json()["links"],
        json!({"self": format!("{}/v3/auth/system", s.url)})
    );
    let r = s.get("/v3/auth/system", Some(&s.demo_token()));
    r.expect(200);
    assert_eq!(r.json()["system"], json!([]));
}

#[test]
fn users_list_filter_and_item() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let r = s.get("/v3/users", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["users"], "name"), ["admin", "demo"]);
    assert_list_links(&s, &body, "/v3/users");
    let r = s.get("/v3/users?name=admin", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_list_links(&s, &body, "/v3/users?name=admin");
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    let admin = &users[0];
    let id = admin["id"].as_str().unwrap();
    assert_eq!(admin["name"], "admin");
    assert_eq!(admin["domain_id"], "default");
    assert_eq!(admin["enabled"], true);
    assert!(admin["default_project_id"]
        .as_str()
        .is_some_and(|p| p.len() == 32));
    assert_eq!(
        admin["links"],
        json!({"self": format!("{}/v3/users/{id}", s.url)})
    );
    assert!(admin.get("password").is_none() && admin.get("password_hash").is_none());
    let r = s.get(&format!("/v3/users/{id}"), Some(&token));
    r.expect(200);
    assert_eq!(&r.json()["user"], admin);
    // The demo user's email came from the seed as an extra attribute.
    let r = s.get("/v3/users?name=demo", Some(&token));
    assert_eq!(r.json()["users"][0]["email"], "demo@example.org");
    let r = s.get("/v3/users?name=nobody", Some(&token));
    r.expect(200);
    assert_eq!(r.json()["users"], json!([]));
}

#[test]
fn unknown_user_is_404_with_upstreams_message() {
    let s = TestServer::start_demo();
    let r = s.get("/v3/users/nope", Some(&s.system_admin_token()));
    assert_eq!(assert_error(&r, 404), "Could not find user: nope.");
    let token = s.system_admin_token();
    for (path, kind) in [
        ("/v3/projects/nope", "project"),
        ("/v3/domains/nope", "domain"),
        ("/v3/roles/nope", "role"),
        ("/v3/regions/nope", "region"),
        ("/v3/services/nope", "service"),
        ("/v3/endpoints/nope", "endpoint"),
        ("/v3/groups/nope", "group"),
    ] {
        let r = s.get(path, Some(&token));
        assert_eq!(
            assert_error(&r, 404),
            format!("Could not find {kind}: nope.")
        );
    }
}

#[test]
fn a_member_is_refused_every_list_but_regions() {
    let s = TestServer::start_demo();
    let demo = s.demo_token();
    // Upstream (Keystone 30, checked) refuses a project-scoped member every list but regions.
    let mut wrong = Vec::new();
    for (path, action) in [
        ("/v3/users", "identity:list_users"),
        ("/v3/projects", "identity:list_projects"),
        ("/v3/groups", "identity:list_groups"),
        ("/v3/domains", "identity:list_domains"),
        ("/v3/roles", "identity:list_roles"),
        ("/v3/role_assignments", "identity:list_role_assignments"),
        ("/v3/services", "identity:list_services"),
        ("/v3/endpoints", "identity:list_endpoints"),
    ] {
        let r = s.get(path, Some(&demo));
        if r.status != 403 {
            wrong.push(format!("{path}: {}", r.status));
            continue;
        }
        assert_eq!(
            assert_error(&r, 403),
            format!("You are not authorized to perform the requested action: {action}."),
            "{path}"
        );
    }
    assert!(wrong.is_empty(), "a member was not refused: {wrong:?}");
    let r = s.get("/v3/regions", Some(&demo));
    r.expect(200);
    assert_eq!(r.json()["regions"][0]["id"], "RegionOne");
    assert_unauthorized(&s, &s.get("/v3/users", None));
    // A user may read itself.
    let me = s.validate(&demo, &demo, "").json()["token"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.get(&format!("/v3/users/{me}"), Some(&demo));
    r.expect(200);
    assert_eq!(r.json()["user"]["name"], "demo");
}

#[test]
fn projects_list_and_item() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let r = s.get("/v3/projects", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["projects"], "name"), ["admin", "demo"]);
    assert_list_links(&s, &body, "/v3/projects");
    let demo = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "demo")
        .unwrap()
        .clone();
    let id = demo["id"].as_str().unwrap();
    assert_eq!(demo["domain_id"], "default");
    assert_eq!(demo["parent_id"], "default");
    assert_eq!(demo["is_domain"], false);
    assert_eq!(demo["enabled"], true);
    assert_eq!(demo["description"], "Demo project");
    assert_eq!(
        demo["links"],
        json!({"self": format!("{}/v3/projects/{id}", s.url)})
    );
    let r = s.get(&format!("/v3/projects/{id}"), Some(&token));
    r.expect(200);
    assert_eq!(r.json()["project"], demo);
    let r = s.get("/v3/projects?name=admin", Some(&token));
    assert_eq!(names(&r.json()["projects"], "name"), ["admin"]);
}

#[test]
fn domains_list_and_item() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let r = s.get("/v3/domains", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["domains"], "name"), ["Default"]);
    assert_list_links(&s, &body, "/v3/domains");
    let r = s.get("/v3/domains/default", Some(&token));
    r.expect(200);
    let domain = r.json()["domain"].clone();
    assert_eq!(domain["id"], "default");
    assert_eq!(domain["name"], "Default");
    assert_eq!(domain["enabled"], true);
    assert_eq!(domain["description"], "The default domain");
    assert_eq!(
        domain["links"],
        json!({"self": format!("{}/v3/domains/default", s.url)})
    );
}

#[test]
fn roles_list_and_item() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let r = s.get("/v3/roles", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(
        names(&body["roles"], "name"),
        sorted(&["admin", "manager", "member", "reader", "service"])
    );
    assert_list_links(&s, &body, "/v3/roles");
    let id = s.id_by_name(&token, "roles", "member");
    let r = s.get(&format!("/v3/roles/{id}"), Some(&token));
    r.expect(200);
    let role = r.json()["role"].clone();
    assert_eq!(role["name"], "member");
    assert_eq!(role["domain_id"], Value::Null);
    assert_eq!(
        role["links"],
        json!({"self": format!("{}/v3/roles/{id}", s.url)})
    );
}

#[test]
fn regions_services_and_endpoints() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let r = s.get("/v3/regions", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(names(&body["regions"], "id"), ["RegionOne"]);
    assert_list_links(&s, &body, "/v3/regions");
    let r = s.get("/v3/regions/RegionOne", Some(&token));
    r.expect(200);
    assert_eq!(
        r.json()["region"]["links"],
        json!({"self": format!("{}/v3/regions/RegionOne", s.url)})
    );
    assert_eq!(r.json()["region"]["parent_region_id"], Value::Null);

    let r = s.get("/v3/services", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(
        names(&body["services"], "type"),
        ["compute", "identity", "image"]
    );
    assert_eq!(
        names(&body["services"], "name"),
        ["glance", "keystone", "nova"]
    );
    assert_list_links(&s, &body, "/v3/services");
    let keystone = body["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == "identity")
        .unwrap()
        .clone();
    let keystone_id = keystone["id"].as_str().unwrap().to_string();
    let r = s.get(&format!("/v3/services/{keystone_id}"), Some(&token));
    r.expect(200);
    assert_eq!(r.json()["service"], keystone);
    assert_eq!(
        keystone["links"],
        json!({"self": format!("{}/v3/services/{keystone_id}", s.url)})
    );

    let r = s.get("/v3/endpoints", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_eq!(body["endpoints"].as_array().unwrap().len(), 6);
    assert_list_links(&s, &body, "/v3/endpoints");
    let r = s.get("/v3/endpoints?interface=public", Some(&token));
    r.expect(200);
    let body = r.json();
    assert_list_links(&s, &body, "/v3/endpoints?interface=public");
    let public = body["endpoints"].as_array().unwrap();
    assert_eq!(public.len(), 3);
    assert!(public.iter().all(|e| e["interface"] == "public"));
    let identity = public
        .iter()
        .find(|e| e["service_id"] == keystone_id.as_str())
        .expect("a public identity endpoint");
    assert_eq!(identity["url"], format!("{}/v3", s.url).as_str());
    assert_eq!(identity["region_id"], "RegionOne");
    let eid = identity["id"].as_str().unwrap();
    assert_eq!(
        identity["links"],
        json!({"self": format!("{}/v3/endpoints/{eid}", s.url)})
    );
    let r = s.get(&format!("/v3/endpoints/{eid}"), Some(&token));
    r.expect(200);
    assert_eq!(&r.json()["endpoint"], identity);
    let r = s.get(
        &format!("/v3/endpoints?service_id={keystone_id}"),
        Some(&token),
    );
    assert_eq!(r.json()["endpoints"].as_array().unwrap().len(), 2);
}
