//! Version discovery (GET /, GET /v3) and JSON Home.

use serde_json::json;

use crate::common::*;

const AUTH_TOKENS_REL: &str = "https://docs.openstack.org/api/openstack-identity/3/rel/auth_tokens";

#[test]
fn root_is_300_with_location_and_v3_14() {
    let s = TestServer::start_demo();
    let r = s.get("/", None);
    assert_eq!(r.status, 300, "{}", r.text());
    assert_eq!(
        r.header("Location"),
        Some(format!("{}/v3/", s.url).as_str())
    );
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let body = r.json();
    let values = body["versions"]["values"].as_array().unwrap();
    // v3 first, then the legacy v2.0 (which upstream dropped and keystone-lite still serves).
    assert_eq!(values.len(), 2);
    assert_eq!(values[1]["id"], "v2.0");
    assert_eq!(values[0]["id"], "v3.14");
    assert_eq!(values[0]["status"], "stable");
    assert_eq!(
        values[0]["links"],
        json!([{"rel": "self", "href": format!("{}/v3/", s.url)}])
    );
    assert_eq!(
        values[0]["media-types"][0]["type"],
        "application/vnd.openstack.identity-v3+json"
    );
}

#[test]
fn v3_is_200_with_the_version() {
    let s = TestServer::start_demo();
    for path in ["/v3", "/v3/"] {
        let r = s.get(path, None);
        r.expect(200);
        let body = r.json();
        assert_eq!(body["version"]["id"], "v3.14", "{path}");
        assert_eq!(body["version"]["status"], "stable");
        assert_eq!(
            body["version"]["links"][0]["href"],
            format!("{}/v3/", s.url).as_str()
        );
    }
    // HEAD: same status, no body.
    let r = s.head("/v3", None);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}

#[test]
fn json_home_under_v3_and_at_root() {
    let s = TestServer::start_demo();
    for (path, href) in [("/v3", "/auth/tokens"), ("/", "/v3/auth/tokens")] {
        let r = s.request("GET", path, &[("Accept", "application/json-home")], None);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(
            r.header("Content-Type"),
            Some("application/json-home"),
            "{path}"
        );
        let body = r.json();
        let resources = body["resources"].as_object().expect("resources");
        assert!(
            resources.len() > 20,
            "{path}: upstream lists many relations"
        );
        assert_eq!(resources[AUTH_TOKENS_REL]["href"], href, "{path}");
        let users = &resources["https://docs.openstack.org/api/openstack-identity/3/rel/user"];
        let template = users["href-template"].as_str().unwrap();
        assert!(template.ends_with("/users/{user_id}"), "{template}");
        assert_eq!(template.starts_with("/v3/"), path == "/", "{template}");
    }
    // Accept listing several types still picks JSON Home.
    let r = s.request(
        "GET",
        "/v3",
        &[("Accept", "application/json, application/json-home;q=0.9")],
        None,
    );
    assert_eq!(r.header("Content-Type"), Some("application/json-home"));
}
