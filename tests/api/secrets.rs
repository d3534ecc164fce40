//! Secrets never leave: with RUST_LOG=debug, no password, token, application credential
//! secret or EC2 secret appears in any log line, nor in any error body.

use serde_json::{json, Value};

use crate::common::*;

/// Every error body a test saw, to search afterwards.
#[derive(Default)]
struct Seen {
    error_bodies: Vec<String>,
}

impl Seen {
    fn note(&mut self, resp: Resp) -> Resp {
        if resp.status >= 400 {
            self.error_bodies.push(resp.text());
        }
        resp
    }
}

#[test]
fn no_secret_reaches_a_log_line_or_an_error_body_at_debug_level() {
    let mut s = TestServer::start_full(
        DEMO_SEED,
        &[],
        Some(FAST_HASH_CONF),
        &[("RUST_LOG", "debug")],
    );
    let mut seen = Seen::default();
    let admin = s.admin_token();
    let admin_id = s.id_by_name(&admin, "users", "admin");
    let project_id = s.id_by_name(&admin, "projects", "admin");

    // A password sent as a list, on user create and on login.
    let listed = "ListedPassword-5f1c";
    seen.note(s.post(
        "/v3/users",
        Some(&admin),
        &json!({"user": {"name": "u1", "password": [listed]}}),
    ))
    .expect(400);
    seen.note(s.post(
        "/v3/users",
        Some(&admin),
        &json!({"user": {"name": "u2", "password": listed, "enabled": "maybe"}}),
    ))
    .expect(400);
    let mut auth = password_auth(user_by_name("admin", "default"), "x", None);
    auth["auth"]["identity"]["password"]["user"]["password"] = json!([listed]);
    seen.note(s.post("/v3/auth/tokens", None, &auth))
        .expect(400);

    // A wrong password, v3 and v2.0.
    let wrong = "WrongPassword-77ab";
    seen.note(s.issue(
        &password_auth(user_by_name("admin", "default"), wrong, None),
        "",
    ))
    .expect(401);
    seen.note(s.post(
        "/v2.0/tokens",
        None,
        &json!({"auth": {"passwordCredentials": {"username": "admin", "password": wrong}}}),
    ));

    // A bad token, as caller and as subject, v3 and v2.0.
    let bad_token = "gAAAAABbadTokenValue0123456789";
    seen.note(s.get("/v3/users", Some(bad_token))).expect(401);
    seen.note(s.validate(&admin, bad_token, ""));
    seen.note(s.get(&format!("/v2.0/tokens/{bad_token}"), Some(&admin)));
    seen.note(s.post("/v3/auth/tokens", None, &token_auth(bad_token, None)));

    // A good token, used every way a token is passed.
    seen.note(s.validate(&admin, &admin, "")).expect(200);
    seen.note(s.get(&format!("/v2.0/tokens/{admin}"), Some(&admin)));
    seen.note(s.post("/v3/auth/tokens", None, &token_auth(&admin, None)));

    // An application credential secret: created, used, and used wrongly.
    let app_secret = "AppCredSecret-9c3d";
    let created = seen
        .note(s.post(
            &format!("/v3/users/{admin_id}/application_credentials"),
            Some(&admin),
            &json!({"application_credential": {"name": "ac", "secret": app_secret}}),
        ))
        .expect(201)
        .json();
    let ac_id = created["application_credential"]["id"]
        .as_str()
        .expect("app cred id")
        .to_string();
    for secret in [app_secret, "AppCredWrong-1e2f"] {
        seen.note(s.post(
            "/v3/auth/tokens",
            None,
            &json!({"auth": {"identity": {"methods": ["application_credential"],
                "application_credential": {"id": ac_id, "secret": secret}}}}),
        ));
    }
    seen.note(s.post(
        &format!("/v3/users/{admin_id}/application_credentials"),
        Some(&admin),
        &json!({"application_credential": {"name": "ac2", "secret": ["AppCredListed-4b"]}}),
    ));

    // An EC2 secret: created, then a signed request that fails.
    let ec2 = seen
        .note(s.post(
            &format!("/v3/users/{admin_id}/credentials/OS-EC2"),
            Some(&admin),
            &json!({"tenant_id": project_id}),
        ))
        .expect(201)
        .json();
    let access = ec2["credential"]["access"].as_str().expect("access");
    let ec2_secret = ec2["credential"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    seen.note(s.post(
        "/v3/ec2tokens",
        None,
        &json!({"credentials": {"access": access, "signature": "bm90IGl0",
            "host": "h", "verb": "GET", "path": "/", "params": {}}}),
    ));

    s.stop();
    let log = s.stderr_text();
    assert!(log.contains("DEBUG"), "the server logged at debug level");
    let secrets: Vec<(&str, &str)> = vec![
        ("listed password", listed),
        ("wrong password", wrong),
        ("demo password", "adminpwd"),
        ("bad token", bad_token),
        ("good token", &admin),
        ("app cred secret", app_secret),
        ("wrong app cred secret", "AppCredWrong-1e2f"),
        ("listed app cred secret", "AppCredListed-4b"),
        ("ec2 secret", &ec2_secret),
    ];
    for (what, value) in &secrets {
        assert!(!log.contains(value), "the {what} is in the log:\n{log}");
        for body in &seen.error_bodies {
            assert!(
                !body.contains(value),
                "the {what} is in an error body: {body}"
            );
        }
    }
    // The masked form upstream uses is what the client sees.
    let masked: Vec<&String> = seen
        .error_bodies
        .iter()
        .filter(|b| b.contains("***"))
        .collect();
    assert!(!masked.is_empty(), "{:?}", seen.error_bodies);
    let _: Value = serde_json::from_str(masked[0]).expect("json error body");
}
