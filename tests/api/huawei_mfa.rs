//! Huawei IAM virtual MFA devices and login protection (src/api/huawei/mfa.rs) on the real
//! binary with seed/huawei.yaml: codes are computed here from the seed the server shows once,
//! at the wall clock the server reads as `req.now`.

use serde_json::{json, Value};

use crate::common::*;
use keystone_lite::api::v3::totp;

const SEED: &str = include_str!("../../seed/huawei.yaml");
const DOMAIN: &str = "0970dd7a1300f5672ff2c003c60ae115";
const DEVICES: &str = "/v3.0/OS-MFA/virtual-mfa-devices";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The device's code `steps_back` 30-second steps ago.
fn code(seed: &str, steps_back: u64) -> String {
    let key = totp::base32_decode(seed).expect("seed is base32");
    totp::passcode(&key, now() - steps_back * 30).expect("code")
}

/// Six digits that are none of the device's codes around now.
fn wrong_code(seed: &str) -> String {
    let valid: Vec<String> = (0..4).map(|k| code(seed, k)).collect();
    (0..10u32)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !valid.contains(c))
        .expect("a wrong code")
}

fn hw_user(name: &str) -> Value {
    json!({"name": name, "domain": {"name": "hwaccount"}})
}

struct Account {
    server: TestServer,
    admin: String,
    user: String,
    user_id: String,
}

fn account() -> Account {
    let server = TestServer::start(SEED);
    let scope = Some(json!({"domain": {"id": DOMAIN}}));
    let admin = server.token(hw_user("hwaccount"), "Admin@12345", scope);
    let user = server.token(
        hw_user("hwuser"),
        "User@12345",
        Some(json!({"project": {"name": "cn-north-4", "domain": {"id": DOMAIN}}})),
    );
    let user_id = server.id_by_name(&admin, "users", "hwuser");
    Account {
        server,
        admin,
        user,
        user_id,
    }
}

/// Creates a device for the account's user: (serial number, seed).
fn create_device(a: &Account, name: &str) -> (String, String) {
    let body = json!({"virtual_mfa_device": {"name": name, "user_id": a.user_id}});
    let r = a.server.post(DEVICES, Some(&a.admin), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let device = &r.json()["virtual_mfa_device"];
    let serial = device["serial_number"]
        .as_str()
        .expect("serial")
        .to_string();
    let seed = device["base32_string_seed"]
        .as_str()
        .expect("seed")
        .to_string();
    (serial, seed)
}

fn bind(a: &Account, serial: &str, first: &str, second: &str) -> Resp {
    let body = json!({"user_id": a.user_id, "serial_number": serial,
        "authentication_code_first": first, "authentication_code_second": second});
    a.server.send_json(
        "PUT",
        "/v3.0/OS-MFA/mfa-devices/bind",
        Some(&a.admin),
        &body,
    )
}

fn unbind(a: &Account, token: &str, serial: &str, code: &str) -> Resp {
    let body = json!({"user_id": a.user_id, "serial_number": serial, "authentication_code": code});
    a.server
        .send_json("PUT", "/v3.0/OS-MFA/mfa-devices/unbind", Some(token), &body)
}

fn password_and_totp(a: &Account, passcode: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["password", "totp"],
        "password": {"user": {"name": "hwuser", "password": "User@12345", "domain": {"name": "hwaccount"}}},
        "totp": {"user": {"id": a.user_id, "passcode": passcode}}},
        "scope": {"project": {"name": "cn-north-4", "domain": {"id": DOMAIN}}}}})
}

#[test]
fn device_lifecycle_create_bind_unbind_delete_and_the_seed_is_shown_once() {
    let a = account();
    let (serial, seed) = create_device(&a, "phone");
    assert_eq!(serial, format!("iam:{DOMAIN}:mfa/phone"));
    assert_eq!(seed.len(), 32);
    let mut seen = Vec::new();
    // One device per user.
    let again = json!({"virtual_mfa_device": {"name": "other", "user_id": a.user_id}});
    let r = a.server.post(DEVICES, Some(&a.admin), &again);
    assert_eq!(r.status, 409, "{}", r.text());
    seen.push(r.text());

    let wrong = wrong_code(&seed);
    for (first, second) in [
        (wrong.as_str(), code(&seed, 0).as_str()),
        (code(&seed, 0).as_str(), code(&seed, 1).as_str()),
        ("12345", "abcdef"),
    ] {
        let r = bind(&a, &serial, first, second);
        assert_eq!(r.status, 400, "{first} {second}: {}", r.text());
        assert!(r.json()["error_code"].is_string(), "{}", r.text());
        seen.push(r.text());
    }
    let r = bind(&a, &serial, &code(&seed, 1), &code(&seed, 0));
    assert_eq!(r.status, 204, "{}", r.text());

    let shown = a.server.get(
        &format!("/v3.0/OS-MFA/users/{}/virtual-mfa-device", a.user_id),
        Some(&a.user),
    );
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert_eq!(
        shown.json(),
        json!({"virtual_mfa_device": {"serial_number": serial, "user_id": a.user_id}})
    );
    let listed = a.server.get(DEVICES, Some(&a.admin));
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(
        listed.json()["virtual_mfa_devices"],
        json!([{"serial_number": serial, "user_id": a.user_id}])
    );
    seen.extend([shown.text(), listed.text()]);

    let delete_path = format!("{DEVICES}?user_id={}&serial_number={serial}", a.user_id);
    let r = a.server.delete(&delete_path, Some(&a.admin));
    assert_eq!(
        r.status,
        400,
        "a bound device is unbound first: {}",
        r.text()
    );
    // The user itself needs a real code; an administrator any six digits.
    let r = unbind(&a, &a.user, &serial, &wrong);
    assert_eq!(r.status, 400, "{}", r.text());
    let r = unbind(&a, &a.user, &serial, &code(&seed, 0));
    assert_eq!(r.status, 204, "{}", r.text());
    bind(&a, &serial, &code(&seed, 1), &code(&seed, 0)).expect(204);
    let r = unbind(&a, &a.admin, &serial, &wrong);
    assert_eq!(r.status, 204, "{}", r.text());

    let r = a.server.delete(&delete_path, Some(&a.admin));
    assert_eq!(r.status, 204, "{}", r.text());
    let r = a.server.get(
        &format!("/v3.0/OS-MFA/users/{}/virtual-mfa-device", a.user_id),
        Some(&a.admin),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    let listed = a.server.get(DEVICES, Some(&a.admin));
    assert_eq!(listed.json()["virtual_mfa_devices"], json!([]));

    for text in seen {
        assert!(!text.contains(&seed), "seed in a later response: {text}");
    }
    assert!(!a.server.stderr_text().contains(&seed), "seed in the log");
}

#[test]
fn another_accounts_user_or_a_plain_user_cannot_manage_someone_elses_device() {
    let a = account();
    let admin_id = a.server.id_by_name(&a.admin, "users", "hwaccount");
    let body = json!({"virtual_mfa_device": {"name": "x", "user_id": admin_id}});
    let r = a.server.post(DEVICES, Some(&a.user), &body);
    assert_eq!(r.status, 403, "{}", r.text());
    // The user for itself.
    let body = json!({"virtual_mfa_device": {"name": "mine", "user_id": a.user_id}});
    let r = a.server.post(DEVICES, Some(&a.user), &body);
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn vmfa_login_protection_needs_the_device_code_beside_the_password() {
    let mut a = account();
    let protect_path = format!("/v3.0/OS-USER/users/{}/login-protect", a.user_id);
    let r = a.server.get(&protect_path, Some(&a.admin));
    assert_eq!(
        r.json(),
        json!({"login_protect": {"user_id": a.user_id, "enabled": false, "verification_method": "none"}})
    );
    let vmfa = json!({"login_protect": {"enabled": true, "verification_method": "vmfa"}});
    let r = a
        .server
        .send_json("PUT", &protect_path, Some(&a.admin), &vmfa);
    assert_eq!(r.status, 400, "vmfa without a bound device: {}", r.text());

    let (serial, seed) = create_device(&a, "phone");
    bind(&a, &serial, &code(&seed, 1), &code(&seed, 0)).expect(204);
    let r = a
        .server
        .send_json("PUT", &protect_path, Some(&a.admin), &vmfa);
    assert_eq!(r.status, 200, "{}", r.text());
    let want = json!({"user_id": a.user_id, "enabled": true, "verification_method": "vmfa"});
    assert_eq!(r.json()["login_protect"], want);
    let listed = a.server.get("/v3.0/OS-USER/login-protects", Some(&a.admin));
    assert_eq!(listed.status, 200, "{}", listed.text());
    let all = listed.json()["login_protects"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(all.len(), 2, "both users of the account: {all:?}");
    assert!(all.contains(&want), "{all:?}");

    // Password alone: refused, saying why.
    let only_password = password_auth(hw_user("hwuser"), "User@12345", None);
    let r = a.server.issue(&only_password, "");
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.text().contains("MFA is required"), "{}", r.text());
    // Password and the device's code: a token; a wrong code: 401.
    let r = a
        .server
        .issue(&password_and_totp(&a, &code(&seed, 0)), "?nocatalog");
    assert_eq!(r.status, 201, "{}", r.text());
    let token = r.json()["token"].clone();
    assert_eq!(token["methods"], json!(["password", "totp"]));
    assert!(token.get("catalog").is_none(), "nocatalog: {token}");
    let r = a
        .server
        .issue(&password_and_totp(&a, &wrong_code(&seed)), "");
    assert_eq!(r.status, 401, "{}", r.text());
    // The device is a second factor only: its code alone is no login.
    let totp_only = json!({"auth": {"identity": {"methods": ["totp"],
        "totp": {"user": {"id": a.user_id, "passcode": code(&seed, 0)}}}}});
    let r = a.server.issue(&totp_only, "");
    assert_eq!(r.status, 401, "{}", r.text());
    // The device cannot be unbound while protection uses it.
    let r = unbind(&a, &a.admin, &serial, "000000");
    assert_eq!(r.status, 400, "{}", r.text());

    // Deleting the user removes its device and protection in the same transaction.
    let r = a
        .server
        .delete(&format!("/v3/users/{}", a.user_id), Some(&a.admin));
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(!a.server.stderr_text().contains(&seed), "seed in the log");
    a.server.stop();
    let store = keystone_lite::store::Store::open(&keystone_lite::store_path(&a.server.data_dir))
        .expect("open store");
    let (device, protect) = store
        .read(|r| -> Result<_, keystone_lite::store::StoreError> {
            Ok((
                keystone_lite::store::iam::mfa::get_device(r, &a.user_id)?,
                keystone_lite::store::iam::mfa::get_protect(r, &a.user_id)?,
            ))
        })
        .expect("read");
    assert!(device.is_none(), "device left");
    assert!(protect.is_none(), "login protection left");
}

#[test]
fn nocatalog_with_any_value_leaves_the_catalog_out_as_upstream() {
    let a = account();
    let body = password_auth(
        hw_user("hwaccount"),
        "Admin@12345",
        Some(json!({"domain": {"id": DOMAIN}})),
    );
    let with = a.server.issue(&body, "");
    assert!(
        with.json()["token"].get("catalog").is_some(),
        "{}",
        with.text()
    );
    for query in ["?nocatalog", "?nocatalog=true", "?nocatalog=false"] {
        let r = a.server.issue(&body, query);
        assert_eq!(r.status, 201, "{}", r.text());
        assert!(
            r.json()["token"].get("catalog").is_none(),
            "{query}: {}",
            r.text()
        );
        let v = a.server.validate(&a.admin, &r.subject_token(), query);
        assert_eq!(v.status, 200, "{}", v.text());
        assert!(
            v.json()["token"].get("catalog").is_none(),
            "{query}: {}",
            v.text()
        );
    }
}

#[test]
fn keystone_totp_credentials_keep_working_beside_a_huawei_device() {
    let a = account();
    let keystone_seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let cred = json!({"credential": {"type": "totp", "user_id": a.user_id, "blob": keystone_seed}});
    let r = a.server.post("/v3/credentials", Some(&a.user), &cred);
    assert_eq!(r.status, 201, "{}", r.text());
    let (serial, seed) = create_device(&a, "phone");
    bind(&a, &serial, &code(&seed, 1), &code(&seed, 0)).expect(204);
    // Beside a password, either source's code counts.
    for passcode in [code(keystone_seed, 0), code(&seed, 0)] {
        let r = a
            .server
            .issue(&password_and_totp(&a, &passcode), "?nocatalog");
        assert_eq!(r.status, 201, "{passcode}: {}", r.text());
    }
    // Alone, Keystone's totp method checks Keystone's credentials only, as upstream.
    let totp_only = |passcode: String| {
        json!({"auth": {"identity": {"methods": ["totp"],
            "totp": {"user": {"id": a.user_id, "passcode": passcode}}}}})
    };
    let r = a.server.issue(&totp_only(code(keystone_seed, 0)), "");
    assert_eq!(r.status, 201, "{}", r.text());
    let r = a.server.issue(&totp_only(code(&seed, 0)), "");
    assert_eq!(r.status, 401, "{}", r.text());
}

#[test]
fn keystone_mfa_rules_answer_their_receipt_before_login_protection() {
    let a = account();
    let (serial, seed) = create_device(&a, "phone");
    bind(&a, &serial, &code(&seed, 1), &code(&seed, 0)).expect(204);
    let vmfa = json!({"login_protect": {"enabled": true, "verification_method": "vmfa"}});
    let protect_path = format!("/v3.0/OS-USER/users/{}/login-protect", a.user_id);
    a.server
        .send_json("PUT", &protect_path, Some(&a.admin), &vmfa)
        .expect(200);
    let options = json!({"user": {"options": {
        "multi_factor_auth_rules": [["password", "totp"]], "multi_factor_auth_enabled": true}}});
    a.server
        .patch(
            &format!("/v3/users/{}", a.user_id),
            Some(&a.admin),
            &options,
        )
        .expect(200);
    let only_password = password_auth(hw_user("hwuser"), "User@12345", None);
    let r = a.server.issue(&only_password, "");
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(
        r.header("openstack-auth-receipt").is_some(),
        "a receipt: {}",
        r.text()
    );
    assert_eq!(
        r.json()["required_auth_methods"],
        json!([["password", "totp"]])
    );
    let r = a.server.issue(&password_and_totp(&a, &code(&seed, 0)), "");
    assert_eq!(r.status, 201, "{}", r.text());
}
