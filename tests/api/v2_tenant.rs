//! POST /v2.0/tokens: the requested tenant is checked (both named, too long) before any
//! credential, and an unusable tenant answers 401 with upstream's message.

use serde_json::{json, Value};

use crate::common::*;

/// Asserts a v2 fault's status and name, and that its message starts with `message`
/// (a 400 adds upstream's generic explanation after it).
fn assert_v2_fault(r: &Resp, status: u16, name: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let body = r.json();
    let fault = &body[name];
    assert_eq!(fault["code"], json!(status), "{body}");
    let text = fault["message"].as_str().expect("message");
    assert!(text.starts_with(message), "{text}");
}

fn login(s: &TestServer, tenant: Value, password: &str) -> Resp {
    let mut auth = json!({"passwordCredentials": {"username": "demo", "password": password}});
    for (k, v) in tenant.as_object().expect("tenant fields") {
        auth[k] = v.clone();
    }
    s.post("/v2.0/tokens", None, &json!({ "auth": auth }))
}

#[test]
fn tenant_is_checked_before_credentials_with_upstreams_messages() {
    let s = TestServer::start_demo();
    let r = login(&s, json!({"tenantId": "a", "tenantName": "b"}), "wrong");
    let both = "Specify either tenantId or tenantName, not both.";
    assert_v2_fault(&r, 400, "badRequest", both);
    let r = login(&s, json!({"tenantId": "x".repeat(65)}), "wrong");
    let size = "Request attribute tenantId must be less than or equal to 64.";
    assert_v2_fault(&r, 400, "badRequest", size);
    let r = login(&s, json!({"tenantName": "x".repeat(65)}), "wrong");
    let size = "Request attribute tenantName must be less than or equal to 64.";
    assert_v2_fault(&r, 400, "badRequest", size);
    // Empty names count as absent: an unscoped token.
    let r = login(&s, json!({"tenantId": "", "tenantName": ""}), "demopwd");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["access"]["token"].get("tenant").is_none());

    let r = login(&s, json!({"tenantId": "nope"}), "demopwd");
    assert_v2_fault(&r, 401, "unauthorized", "Project ID not found: nope");
    let r = login(&s, json!({"tenantName": "nope"}), "demopwd");
    assert_v2_fault(&r, 401, "unauthorized", "Could not find project: nope.");
    let r = login(&s, json!({"tenantName": "admin"}), "demopwd");
    assert_v2_fault(&r, 401, "unauthorized", "User ");
    let text = r.text();
    assert!(text.contains(" has no access to project "), "{text}");
}
