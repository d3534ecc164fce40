//! Secrets stay out of logs and responses: passwords (good or bad) never reach stderr, even at
//! debug level, and no response carries a password hash.

use serde_json::json;

use crate::common::*;

const GOOD: &str = "Zebra-Quokka-7781!";
const BAD: &str = "Wrong-Narwhal-5512?";
const API_PW: &str = "Api-Pangolin-3390";
const NEW_PW: &str = "Changed-Axolotl-4471";

fn assert_no_secret(where_: &str, text: &str) {
    for secret in [
        GOOD,
        BAD,
        API_PW,
        NEW_PW,
        "$pbkdf2",
        "pbkdf2-sha512",
        "password_hash",
    ] {
        assert!(
            !text.contains(secret),
            "{where_} contains {secret:?}:\n{text}"
        );
    }
}

#[test]
fn passwords_and_hashes_never_reach_logs_or_responses() {
    let mut seed = demo_seed();
    seed_push(
        &mut seed,
        "users",
        json!({"name": "secretive", "password": GOOD, "default_project": "demo"}),
    );
    seed_push(
        &mut seed,
        "assignments",
        json!({"user": "secretive", "role": "member", "project": "demo"}),
    );
    let mut s = TestServer::start_full(&seed_text(&seed), &[], None, &[("RUST_LOG", "debug")]);
    let mut bodies: Vec<(String, String)> = Vec::new();
    let mut keep = |what: &str, r: &Resp| bodies.push((what.to_string(), r.text()));

    let r = s.issue(
        &password_auth(user_by_name("secretive", "default"), GOOD, None),
        "",
    );
    r.expect(201);
    keep("login", &r);
    let r = s.issue(
        &password_auth(user_by_name("secretive", "default"), BAD, None),
        "",
    );
    assert_unauthorized(&s, &r);
    keep("failed login", &r);
    // A password in a malformed body, and as a token.
    let r = s.request(
        "POST",
        "/v3/auth/tokens",
        &[("Content-Type", "application/json")],
        Some(format!("{{\"auth\": {{\"password\": \"{BAD}\"").as_bytes()),
    );
    assert_error(&r, 400);
    keep("malformed", &r);
    let r = s.get("/v3/auth/catalog", Some(BAD));
    keep("password as token", &r);

    let system = s.system_admin_token();
    let r = s.post(
        "/v3/users",
        Some(&system),
        &json!({"user": {"name": "apiuser", "password": API_PW}}),
    );
    r.expect(201);
    keep("create user", &r);
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let r = s.patch(
        &format!("/v3/users/{id}"),
        Some(&system),
        &json!({"user": {"password": NEW_PW}}),
    );
    r.expect(200);
    keep("update user", &r);
    // Self-service password change with a wrong original password.
    let r = s.post(
        &format!("/v3/users/{id}/password"),
        Some(&system),
        &json!({"user": {"original_password": BAD, "password": GOOD}}),
    );
    assert!(r.status == 401 || r.status == 403, "{}", r.text());
    keep("change password", &r);
    for path in [
        "/v3/users".to_string(),
        format!("/v3/users/{id}"),
        "/v3/users?name=secretive".to_string(),
        "/v3/role_assignments".to_string(),
    ] {
        let r = s.get(&path, Some(&system));
        r.expect(200);
        keep(&path, &r);
    }
    let users = s.get("/v3/users", Some(&system)).json();
    assert!(users["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u.get("password").is_none() && u.get("password_hash").is_none()));
    let token = s.token(user_by_name("secretive", "default"), GOOD, None);
    let r = s.validate(&system, &token, "");
    r.expect(200);
    keep("validate", &r);
    for (what, body) in &bodies {
        assert_no_secret(&format!("response to {what}"), body);
    }

    s.stop();
    let log = s.stderr_text();
    // The log is not empty: requests were logged, so the absence below means something.
    assert!(
        log.contains("/v3/auth/tokens"),
        "access log expected:\n{log}"
    );
    assert_no_secret("stderr", &log);
}
