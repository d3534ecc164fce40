//! OS-USER (huawei-iam-api.md §1.5) on the real binary with seed/huawei.yaml: create, show,
//! admin update, self info, Huawei's error codes, the profile dying with the user, and
//! /v3/users keeping upstream's shape.

use serde_json::{json, Value};

use crate::common::*;

const SEED: &str = include_str!("../../seed/huawei.yaml");
pub const DOMAIN: &str = "0970dd7a1300f5672ff2c003c60ae115";

pub fn account_admin(s: &TestServer) -> String {
    s.token(
        user_by_name("hwaccount", DOMAIN),
        "Admin@12345",
        Some(json!({"domain": {"id": DOMAIN}})),
    )
}

pub fn create_user(s: &TestServer, token: &str, name: &str, password: &str) -> Resp {
    s.post(
        "/v3.0/OS-USER/users",
        Some(token),
        &json!({"user": {"name": name, "domain_id": DOMAIN, "password": password,
                          "email": "a@example.com", "areacode": "0086", "phone": "123456789",
                          "access_mode": "programmatic", "description": "d"}}),
    )
}

fn error_code(r: &Resp) -> String {
    r.json()["error_code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn put(s: &TestServer, path: &str, token: &str, body: &Value) -> Resp {
    s.send_json("PUT", path, Some(token), body)
}

#[test]
fn create_show_update_info_and_delete() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    let r = create_user(&s, &admin, "alice", "Alice@2024x");
    assert_eq!(r.status, 201, "{}", r.text());
    let user = r.json()["user"].clone();
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["email"], "a@example.com");
    assert_eq!(user["access_mode"], "programmatic");
    assert_eq!(user["pwd_status"], true);
    assert_eq!(user["is_domain_owner"], false);
    assert!(!r.text().contains("Alice@2024x"));

    let shown = s.get(&format!("/v3.0/OS-USER/users/{id}"), Some(&admin));
    assert_eq!(shown.status, 200, "{}", shown.text());
    let u = shown.json()["user"].clone();
    for field in [
        "areacode",
        "phone",
        "create_time",
        "update_time",
        "pwd_strength",
        "links",
    ] {
        assert!(!u[field].is_null(), "{field} missing: {u}");
    }
    assert_eq!(u["create_time"].as_str().unwrap().len(), 27, "{u}");

    // Keystone's view stays upstream's: no Huawei fields.
    let ks = s.get(&format!("/v3/users/{id}"), Some(&admin)).json();
    assert!(ks["user"].get("email").is_none() && ks["user"].get("access_mode").is_none());

    let r = put(
        &s,
        &format!("/v3.0/OS-USER/users/{id}"),
        &admin,
        &json!({"user": {"name": "alice2", "email": "b@example.com", "pwd_status": false}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["user"]["name"], "alice2");
    assert_eq!(r.json()["user"]["pwd_status"], false);
    assert_eq!(r.json()["user"]["email"], "b@example.com");
    assert_eq!(r.json()["user"]["phone"], "123456789");

    // The user sets its own contact data.
    let own = s.token(user_by_id(&id), "Alice@2024x", None);
    let r = put(
        &s,
        &format!("/v3.0/OS-USER/users/{id}/info"),
        &own,
        &json!({"user": {"email": "me@example.com", "mobile": "0044-7700900"}}),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let u = s
        .get(&format!("/v3.0/OS-USER/users/{id}"), Some(&own))
        .json()["user"]
        .clone();
    assert_eq!(
        (
            u["email"].as_str(),
            u["areacode"].as_str(),
            u["phone"].as_str()
        ),
        (Some("me@example.com"), Some("0044"), Some("7700900"))
    );
    // ...but not an administrator's update.
    let r = put(
        &s,
        &format!("/v3.0/OS-USER/users/{id}"),
        &own,
        &json!({"user": {"name": "x"}}),
    );
    assert_eq!((r.status, error_code(&r).as_str()), (403, "IAM.0003"));
    // Disabling goes through Keystone's update: the user's tokens stop validating.
    let r = put(
        &s,
        &format!("/v3.0/OS-USER/users/{id}"),
        &admin,
        &json!({"user": {"enabled": false}}),
    );
    assert_eq!(
        (r.status, r.json()["user"]["enabled"].clone()),
        (200, json!(false))
    );
    assert_eq!(
        s.get(&format!("/v3.0/OS-USER/users/{id}"), Some(&own))
            .status,
        401
    );

    assert_eq!(
        s.delete(&format!("/v3/users/{id}"), Some(&admin)).status,
        204
    );
    let r = s.get(&format!("/v3.0/OS-USER/users/{id}"), Some(&admin));
    assert_eq!((r.status, error_code(&r).as_str()), (404, "IAM.0004"));
    // The profile went with the user: a new user of the same name starts blank.
    let r = s.post(
        "/v3.0/OS-USER/users",
        Some(&admin),
        &json!({"user": {"name": "alice2", "domain_id": DOMAIN}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["user"]["email"].is_null());
}

#[test]
fn names_passwords_and_fields_are_checked_with_huawei_codes() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    assert_eq!(create_user(&s, &admin, "bob", "Bob@2024xy").status, 201);
    let r = create_user(&s, &admin, "bob", "Bob@2024xy");
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (409, "1109"),
        "{}",
        r.text()
    );
    let r = create_user(&s, &admin, "weakling", "short");
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (400, "1118"),
        "{}",
        r.text()
    );
    let r = create_user(&s, &admin, "allsmall", "abcdefghij");
    assert_eq!(
        error_code(&r),
        "1118",
        "one character kind is below the default two"
    );
    // Not the user name spelled backwards (the default policy refuses it).
    let r = create_user(&s, &admin, "Carol@2024x", "x4202@loraC");
    assert_eq!(error_code(&r), "1118", "{}", r.text());
    for bad in ["9lives", "", &"n".repeat(65)] {
        let r = create_user(&s, &admin, bad, "Good@2024x");
        assert_eq!(
            (r.status, error_code(&r).as_str()),
            (400, "IAM.0007"),
            "{bad}"
        );
        assert!(r.text().contains("name"), "{}", r.text());
    }
    let r = s.post(
        "/v3.0/OS-USER/users",
        Some(&admin),
        &json!({"user": {"name": "dan", "domain_id": DOMAIN, "colour": "red"}}),
    );
    assert_eq!((r.status, error_code(&r).as_str()), (400, "IAM.0073"));
    let r = s.post(
        "/v3.0/OS-USER/users",
        Some(&admin),
        &json!({"user": {"name": "dan", "domain_id": DOMAIN, "areacode": "0086"}}),
    );
    assert_eq!((r.status, error_code(&r).as_str()), (400, "IAM.0007"));
    let r = s.post(
        "/v3.0/OS-USER/users",
        Some(&admin),
        &json!({"user": {"name": "dan", "domain_id": DOMAIN, "access_mode": "root"}}),
    );
    assert_eq!((r.status, error_code(&r).as_str()), (400, "IAM.0007"));
    // A reader of the account cannot create users.
    let reader = s.token(
        user_by_name("hwuser", DOMAIN),
        "User@12345",
        Some(json!({"project": {"id": "06f6a1ff1a00d3fc2f1dc003d7f4b3d1"}})),
    );
    let r = create_user(&s, &reader, "eve", "Eve@2024xyz");
    assert_eq!(r.status, 403);
}

#[test]
fn domain_quota_counts_users() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    let path = format!("/v3.0/OS-QUOTA/domains/{DOMAIN}?type=user");
    let before = s.get(&path, Some(&admin));
    assert_eq!(before.status, 200, "{}", before.text());
    let used = |r: &Resp| r.json()["quotas"]["resources"][0]["used"].as_i64().unwrap();
    assert_eq!(create_user(&s, &admin, "q1", "Quota@2024").status, 201);
    let after = s.get(&path, Some(&admin));
    assert_eq!(used(&after), used(&before) + 1);
    assert_eq!(after.json()["quotas"]["resources"][0]["max"], 1000);
    let all = s
        .get(&format!("/v3.0/OS-QUOTA/domains/{DOMAIN}"), Some(&admin))
        .json();
    assert_eq!(all["quotas"]["resources"].as_array().unwrap().len(), 10);
    let r = s.get(
        &format!("/v3.0/OS-QUOTA/domains/{DOMAIN}?type=nope"),
        Some(&admin),
    );
    assert_eq!(r.status, 400);
}
