//! OS-SECURITYPOLICY (huawei-iam-api.md §1.12) on the real binary: defaults, PUT answers the
//! whole document, every range checked, unknown fields refused; and enforcement: a stored
//! password policy on Huawei's and Keystone's password paths, the login policy's lockout,
//! the minimum age, and §1.4's security_compliance answers.

use serde_json::{json, Value};

use crate::common::*;
use crate::huawei_users::{account_admin, create_user, DOMAIN};

const SEED: &str = include_str!("../../seed/huawei.yaml");

fn path(kind: &str) -> String {
    format!("/v3.0/OS-SECURITYPOLICY/domains/{DOMAIN}/{kind}")
}

fn put(s: &TestServer, kind: &str, token: &str, body: &Value) -> Resp {
    s.send_json("PUT", &path(kind), Some(token), body)
}

#[test]
fn documents_defaults_ranges_and_unknown_fields() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    let got = s.get(&path("password-policy"), Some(&admin));
    assert_eq!(got.status, 200, "{}", got.text());
    let doc = &got.json()["password_policy"];
    assert_eq!(doc["minimum_password_length"], 8);
    assert_eq!(doc["maximum_password_length"], 32);
    assert!(doc["password_requirements"].as_str().unwrap().contains('8'));

    let r = put(
        &s,
        "password-policy",
        &admin,
        &json!({"password_policy": {"minimum_password_length": 10}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["password_policy"]["minimum_password_length"], 10);
    assert_eq!(
        r.json()["password_policy"]["password_char_combination"],
        2,
        "whole document"
    );

    let bad = [
        (
            "password-policy",
            "password_policy",
            "minimum_password_length",
            json!(5),
        ),
        (
            "password-policy",
            "password_policy",
            "minimum_password_length",
            json!(33),
        ),
        (
            "password-policy",
            "password_policy",
            "password_char_combination",
            json!(1),
        ),
        (
            "password-policy",
            "password_policy",
            "minimum_password_age",
            json!(1441),
        ),
        (
            "password-policy",
            "password_policy",
            "number_of_recent_passwords_disallowed",
            json!(11),
        ),
        (
            "password-policy",
            "password_policy",
            "password_validity_period",
            json!(181),
        ),
        (
            "password-policy",
            "password_policy",
            "maximum_consecutive_identical_chars",
            json!(33),
        ),
        (
            "password-policy",
            "password_policy",
            "password_not_username_or_invert",
            json!("yes"),
        ),
        (
            "login-policy",
            "login_policy",
            "lockout_duration",
            json!(14),
        ),
        (
            "login-policy",
            "login_policy",
            "login_failed_times",
            json!(11),
        ),
        (
            "login-policy",
            "login_policy",
            "period_with_login_failures",
            json!(61),
        ),
        ("login-policy", "login_policy", "session_timeout", json!(14)),
        (
            "protect-policy",
            "protect_policy",
            "admin_check",
            json!("maybe"),
        ),
        (
            "console-acl-policy",
            "console_acl_policy",
            "allow_ip_ranges",
            json!([{"ip_range": "10.0.0.9-10.0.0.1"}]),
        ),
        (
            "api-acl-policy",
            "api_acl_policy",
            "allow_address_netmasks",
            json!([{"address_netmask": "10.0.0.0/40"}]),
        ),
    ];
    for (kind, member, field, value) in bad {
        let mut inner = json!({field: value});
        if kind == "protect-policy" {
            inner["operation_protection"] = json!(true);
        }
        let r = put(&s, kind, &admin, &json!({member: inner}));
        assert_eq!(r.status, 400, "{field}={value}: {}", r.text());
        assert_eq!(r.json()["error_code"], "IAM.0007", "{}", r.text());
        assert!(r.text().contains(field), "{}", r.text());
    }
    let r = put(
        &s,
        "login-policy",
        &admin,
        &json!({"login_policy": {"colour": 1}}),
    );
    assert_eq!(
        (r.status, r.json()["error_code"].clone()),
        (400, json!("IAM.0073"))
    );
    let r = put(
        &s,
        "api-acl-policy",
        &admin,
        &json!({"api_acl_policy": {"allow_ip_ranges_ipv6": []}}),
    );
    assert_eq!(r.status, 400, "ipv6 lists are the console's only");
    let r = put(
        &s,
        "protect-policy",
        &admin,
        &json!({"protect_policy": {"operation_protection": true, "admin_check": "on"}}),
    );
    assert_eq!(r.status, 400, "scene is required with admin_check on");
    let r = put(
        &s,
        "protect-policy",
        &admin,
        &json!({"protect_policy": {
        "operation_protection": true, "admin_check": "on", "scene": "email",
        "allow_user": {"manage_email": false}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["protect_policy"]["allow_user"]["manage_password"],
        true
    );
    let r = put(
        &s,
        "console-acl-policy",
        &admin,
        &json!({"console_acl_policy": {
        "allow_address_netmasks": [{"address_netmask": "10.0.0.0/8", "description": "lan"}]}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let got = s.get(&path("console-acl-policy"), Some(&admin)).json();
    assert_eq!(
        got["console_acl_policy"]["allow_address_netmasks"][0]["address_netmask"],
        "10.0.0.0/8"
    );

    // A reader may read, not write.
    let reader = s.token(
        user_by_name("hwuser", DOMAIN),
        "User@12345",
        Some(json!({"project": {"id": "06f6a1ff1a00d3fc2f1dc003d7f4b3d1"}})),
    );
    assert_eq!(s.get(&path("login-policy"), Some(&reader)).status, 200);
    let r = put(
        &s,
        "login-policy",
        &reader,
        &json!({"login_policy": {"session_timeout": 30}}),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn stored_password_policy_binds_both_apis_and_minimum_age() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    let r = create_user(&s, &admin, "frank", "Frank@2024a");
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    // Keystone's change accepts a weak password while no policy is stored (upstream's
    // behaviour, no regex configured).
    let own = s.token(user_by_id(&id), "Frank@2024a", None);
    let change = |pw: &str, orig: &str| {
        s.post(
            &format!("/v3/users/{id}/password"),
            Some(&own),
            &json!({"user": {"password": pw, "original_password": orig}}),
        )
    };
    assert_eq!(change("weakweak", "Frank@2024a").status, 204);

    let r = put(
        &s,
        "password-policy",
        &admin,
        &json!({"password_policy": {
        "password_char_combination": 3, "minimum_password_age": 60,
        "number_of_recent_passwords_disallowed": 2}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // Keystone's change: weak refused in Keystone's form.
    let r = change("weakweak2", "weakweak");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at least 3"));
    // Keystone's PATCH and Huawei's PUT refuse it too.
    let r = s.patch(
        &format!("/v3/users/{id}"),
        Some(&admin),
        &json!({"user": {"password": "alllowercase"}}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let r = s.send_json(
        "PUT",
        &format!("/v3.0/OS-USER/users/{id}"),
        Some(&admin),
        &json!({"user": {"password": "alllowercase"}}),
    );
    assert_eq!(
        (r.status, r.json()["error_code"].clone()),
        (400, json!("1118"))
    );
    // The minimum age: the user set "weakweak" itself a moment ago.
    let r = change("Strong@2024b", "weakweak");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("minute"), "{}", r.text());
    // An administrator's reset is not bound by it; recent passwords are refused.
    let r = s.send_json(
        "PUT",
        &format!("/v3.0/OS-USER/users/{id}"),
        Some(&admin),
        &json!({"user": {"password": "Strong@2024b"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.send_json(
        "PUT",
        &format!("/v3.0/OS-USER/users/{id}"),
        Some(&admin),
        &json!({"user": {"password": "Strong@2024b"}}),
    );
    assert_eq!(
        (r.status, r.json()["error_code"].clone()),
        (400, json!("1118")),
        "{}",
        r.text()
    );

    // §1.4: the account's security_compliance now answers with the policy.
    let sc = s.get(
        &format!("/v3/domains/{DOMAIN}/config/security_compliance"),
        Some(&admin),
    );
    assert_eq!(sc.status, 200, "{}", sc.text());
    let regex = sc.json()["config"]["security_compliance"]["password_regex"].clone();
    assert!(
        regex.as_str().unwrap().starts_with("^(?=.{8,32}$)"),
        "{regex}"
    );
    let one = s.get(
        &format!("/v3/domains/{DOMAIN}/config/security_compliance/password_regex_description"),
        Some(&admin),
    );
    assert!(one.json()["config"]["password_regex_description"]
        .as_str()
        .unwrap()
        .contains('3'));
    // The default domain keeps upstream's answer.
    let d = s.get(
        "/v3/domains/default/config/security_compliance",
        Some(&admin),
    );
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(
        d.json()["config"]["security_compliance"]["password_regex"],
        Value::Null
    );
}

#[test]
fn login_policy_locks_out_after_its_failures() {
    let s = TestServer::start(SEED);
    let admin = account_admin(&s);
    let r = create_user(&s, &admin, "gina", "Gina@2024a");
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let login = |pw: &str| {
        s.issue(&password_auth(user_by_id(&id), pw, None), "")
            .status
    };
    // Without a login policy Keystone's global behaviour (no lockout configured) holds.
    for _ in 0..4 {
        assert_eq!(login("wrong"), 401);
    }
    assert_eq!(login("Gina@2024a"), 201);
    let r = put(
        &s,
        "login-policy",
        &admin,
        &json!({"login_policy": {"login_failed_times": 3}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    for _ in 0..3 {
        assert_eq!(login("wrong"), 401);
    }
    assert_eq!(login("Gina@2024a"), 401, "locked for lockout_duration");
    // Set back to the defaults, the document is no longer stored: Keystone's global
    // behaviour (no lockout) returns for the account.
    let r = put(
        &s,
        "login-policy",
        &admin,
        &json!({"login_policy": {"login_failed_times": 5}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let sc = s.get(
        &format!("/v3/domains/{DOMAIN}/config/security_compliance"),
        Some(&admin),
    );
    assert_eq!(
        sc.status, 403,
        "no stored password policy: upstream's answer"
    );
    // Another user of the account is not locked.
    assert_eq!(
        s.issue(
            &password_auth(user_by_name("hwaccount", DOMAIN), "Admin@12345", None),
            ""
        )
        .status,
        201
    );
}
