//! Huawei AK/SK: requests signed here with the library's own SDK-HMAC-SHA256 signer (whose
//! unit tests reproduce the SDK's known answers) sent to the real binary on seed/huawei.yaml:
//! accepted on Keystone and /v3.0 routes, refused (401) for every way a signature or its key
//! can be wrong; OS-CREDENTIAL keys and temporary keys end to end.

use serde_json::{json, Value};

use keystone_lite::http::request::percent_decode;
use keystone_lite::service::iam::signing::{self, Signed};

use crate::common::*;

const DOMAIN_ID: &str = "0970dd7a1300f5672ff2c003c60ae115";
const PROJECT_ID: &str = "06f6a1ff1a00d3fc2f1dc003d7f4b3d1";
const DEMO_AK: &str = "HWUSERDEMOACCESSKEY1";
const DEMO_SK: &str = "DemoSecretKeyForHwuserOnlyNotForUse00001";

fn start() -> TestServer {
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/huawei.yaml"))
        .expect("seed/huawei.yaml");
    TestServer::start(&seed)
}

fn admin_token(s: &TestServer) -> String {
    s.token(
        user_by_name("hwaccount", DOMAIN_ID),
        "Admin@12345",
        Some(json!({"domain": {"id": DOMAIN_ID}})),
    )
}

/// How a test request is signed and sent.
pub(crate) struct Call<'a> {
    pub(crate) method: &'a str,
    /// Path and query as sent.
    pub(crate) target: &'a str,
    pub(crate) body: &'a [u8],
    /// Extra headers, signed (lower-case names).
    pub(crate) headers: Vec<(&'a str, String)>,
    /// Unix seconds for X-Sdk-Date.
    pub(crate) date: f64,
    pub(crate) algorithm: Option<&'a str>,
    /// A body sent instead of the one signed.
    pub(crate) sent_body: Option<&'a [u8]>,
}

pub(crate) fn call<'a>(method: &'a str, target: &'a str) -> Call<'a> {
    Call {
        method,
        target,
        body: b"",
        headers: Vec::new(),
        date: now_unix() as f64,
        algorithm: None,
        sent_body: None,
    }
}

pub(crate) fn send(s: &TestServer, ak: &str, sk: &str, c: &Call) -> Resp {
    let (path, query_string) = c.target.split_once('?').unwrap_or((c.target, ""));
    let query: Vec<(String, String)> = query_string
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), s.addr.clone()),
        ("x-sdk-date".into(), signing::format_sdk_date(c.date)),
    ];
    if !c.body.is_empty() {
        headers.push(("content-type".into(), "application/json".into()));
    }
    for (k, v) in &c.headers {
        headers.push((k.to_string(), v.clone()));
    }
    let signed = Signed {
        method: c.method,
        path,
        query: &query,
        headers: &headers,
        body: c.body,
    };
    let mut auth = signing::sign(ak, sk, &signed).unwrap();
    if let Some(alg) = c.algorithm {
        auth = auth.replacen("SDK-HMAC-SHA256", alg, 1);
    }
    let mut sent: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(k, _)| k != "host")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sent.push(("Authorization", &auth));
    let body = c.sent_body.unwrap_or(c.body);
    s.request(
        c.method,
        c.target,
        &sent,
        (!body.is_empty()).then_some(body),
    )
}

fn domain_call<'a>(method: &'a str, target: &'a str) -> Call<'a> {
    let mut c = call(method, target);
    c.headers.push(("x-domain-id", DOMAIN_ID.into()));
    c
}

/// Creates a key for `user_id` with `token`, returning (access, secret).
fn create_key(s: &TestServer, token: &str, user_id: &str) -> (String, String) {
    let r = s.post(
        "/v3.0/OS-CREDENTIAL/credentials",
        Some(token),
        &json!({"credential": {"user_id": user_id, "description": "test"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let c = &r.json()["credential"];
    (
        c["access"].as_str().unwrap().to_string(),
        c["secret"].as_str().unwrap().to_string(),
    )
}

fn assert_refused(r: &Resp) {
    assert_eq!(r.status, 401, "{}", r.text());
}

fn assert_refused_huawei(r: &Resp) {
    assert_refused(r);
    let body = r.json();
    assert_eq!(body["error_code"], "APIGW.0301", "{body}");
    assert!(body["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("Incorrect IAM authentication information: verify aksk signature fail"));
}

#[test]
fn signed_requests_act_as_the_keys_user_on_keystone_and_huawei_routes() {
    let s = start();
    let token = admin_token(&s);
    let admin_id = s.id_by_name(&token, "users", "hwaccount");
    // The seed's demo key of the administrator goes: this test makes its two keys (the limit).
    let seed_key = "/v3.0/OS-CREDENTIAL/credentials/HWADMINDEMOACCESSKEY";
    assert_eq!(s.delete(seed_key, Some(&token)).status, 204);
    let (ak, sk) = create_key(&s, &token, &admin_id);
    assert_eq!(ak.len(), 20);
    assert!(ak
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(sk.len(), 40);

    // The SDK's bootstrap look-ups, unscoped and scoped.
    let r = send(&s, &ak, &sk, &call("GET", "/v3/auth/domains"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["domains"][0]["id"], DOMAIN_ID);
    let r = send(
        &s,
        &ak,
        &sk,
        &domain_call("GET", "/v3/projects?name=cn-north-4"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["projects"][0]["id"], PROJECT_ID);
    let mut project = call("GET", "/v3/auth/projects");
    project.headers.push(("x-project-id", PROJECT_ID.into()));
    assert_eq!(send(&s, &ak, &sk, &project).status, 200);

    // A /v3.0 route: the list never shows a secret.
    let target = format!("/v3.0/OS-CREDENTIAL/credentials?user_id={admin_id}");
    let r = send(&s, &ak, &sk, &domain_call("GET", &target));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains(&sk));
    assert_eq!(r.json()["credentials"][0]["access"], ak.as_str());

    // A signed body (POST) through the same policy engine.
    let body = serde_json::to_vec(&json!({"credential": {"user_id": admin_id}})).unwrap();
    let mut post = domain_call("POST", "/v3.0/OS-CREDENTIAL/credentials");
    post.body = &body;
    let r = send(&s, &ak, &sk, &post);
    assert_eq!(r.status, 201, "{}", r.text());

    // The third key is over Huawei's limit, in its own body shape.
    let r = s.post(
        "/v3.0/OS-CREDENTIAL/credentials",
        Some(&token),
        &json!({"credential": {"user_id": admin_id}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "akSkNumExceed", "code": 400, "title": "Bad Request"}})
    );

    // last_use_time was recorded by the signed calls.
    let r = s.get(
        &format!("/v3.0/OS-CREDENTIAL/credentials/{ak}"),
        Some(&token),
    );
    assert_eq!(r.status, 200);
    let c = &r.json()["credential"];
    assert!(
        c["last_use_time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{c}"
    );
    assert!(c.get("secret").is_none());

    // No secret in any log line.
    let log = s.stderr_text();
    assert!(!log.contains(&sk) && !log.contains(DEMO_SK));
}

#[test]
fn every_bad_signature_or_key_is_401() {
    let s = start();
    let token = admin_token(&s);
    let admin_id = s.id_by_name(&token, "users", "hwaccount");
    let (ak, sk) = create_key(&s, &token, &admin_id);
    let list = "/v3.0/OS-CREDENTIAL/credentials";

    assert_eq!(send(&s, &ak, &sk, &domain_call("GET", list)).status, 200);
    assert_refused_huawei(&send(&s, &ak, "wrong-secret", &domain_call("GET", list)));
    assert_refused_huawei(&send(
        &s,
        "NOSUCHACCESSKEY00000",
        &sk,
        &domain_call("GET", list),
    ));
    let mut stale = domain_call("GET", list);
    stale.date -= 16.0 * 60.0;
    assert_refused_huawei(&send(&s, &ak, &sk, &stale));
    for alg in ["SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "V11-HMAC-SHA256"] {
        let mut other = domain_call("GET", list);
        other.algorithm = Some(alg);
        assert_refused_huawei(&send(&s, &ak, &sk, &other));
    }
    let body = br#"{"credential": {"user_id": "x"}}"#;
    let mut altered = domain_call("POST", list);
    altered.body = body;
    altered.sent_body = Some(br#"{"credential": {"user_id": "y"}}"#);
    assert_refused_huawei(&send(&s, &ak, &sk, &altered));
    // On a Keystone route, Keystone's 401 body.
    let r = send(&s, &ak, "wrong-secret", &call("GET", "/v3/auth/domains"));
    assert_refused(&r);
    assert_eq!(r.json()["error"]["code"], 401);
    // A malformed header.
    let r = s.request(
        "GET",
        list,
        &[("Authorization", "SDK-HMAC-SHA256 Access=AK")],
        None,
    );
    assert_refused_huawei(&r);

    // Inactive, active again, then deleted.
    let one = format!("/v3.0/OS-CREDENTIAL/credentials/{ak}");
    let r = s.send_json(
        "PUT",
        &one,
        Some(&token),
        &json!({"credential": {"status": "inactive"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["credential"]["status"], "inactive");
    assert_refused_huawei(&send(&s, &ak, &sk, &domain_call("GET", list)));
    let r = s.send_json(
        "PUT",
        &one,
        Some(&token),
        &json!({"credential": {"status": "active"}}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(send(&s, &ak, &sk, &domain_call("GET", list)).status, 200);
    assert_eq!(s.delete(&one, Some(&token)).status, 204);
    assert_refused_huawei(&send(&s, &ak, &sk, &domain_call("GET", list)));
    assert_eq!(s.get(&one, Some(&token)).status, 404);
}

#[test]
fn a_disabled_or_deleted_user_cannot_sign() {
    let s = start();
    let token = admin_token(&s);
    let hwuser = s.id_by_name(&token, "users", "hwuser");
    let mut project = call("GET", "/v3/auth/projects");
    project.headers.push(("x-project-id", PROJECT_ID.into()));
    // The seed's demo key works, then not once its user is disabled.
    let r = send(&s, DEMO_AK, DEMO_SK, &project);
    assert_eq!(r.status, 200, "{}", r.text());
    let path = format!("/v3/users/{hwuser}");
    let r = s.patch(&path, Some(&token), &json!({"user": {"enabled": false}}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_refused(&send(&s, DEMO_AK, DEMO_SK, &project));
    // Deleting the user deletes its keys.
    assert_eq!(s.delete(&path, Some(&token)).status, 204);
    let r = s.get(
        &format!("/v3.0/OS-CREDENTIAL/credentials/{DEMO_AK}"),
        Some(&token),
    );
    assert_eq!(r.status, 404, "{}", r.text());
}

fn temp_key(s: &TestServer, body: &Value, token: Option<&str>) -> Value {
    let r = s.post("/v3.0/OS-CREDENTIAL/securitytokens", token, body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["credential"].clone()
}

#[test]
fn temporary_keys_need_their_security_token() {
    let s = start();
    let token = admin_token(&s);
    let by_header = json!({"auth": {"identity": {"methods": ["token"],
        "token": {"duration_seconds": 1800}}}});
    let c = temp_key(&s, &by_header, Some(&token));
    let expires = c["expires_at"].as_str().unwrap();
    // %Y-%m-%dT%H:%M:%S.%fZ, exactly 6 fraction digits.
    assert_eq!(expires.len(), 27, "{expires}");
    assert_eq!(&expires[19..20], ".");
    assert!(expires.ends_with('Z'));
    let (ak, sk, st) = (
        c["access"].as_str().unwrap(),
        c["secret"].as_str().unwrap(),
        c["securitytoken"].as_str().unwrap().to_string(),
    );
    let list = "/v3.0/OS-CREDENTIAL/credentials";
    let mut with_token = call("GET", list);
    with_token.headers.push(("x-security-token", st.clone()));
    assert_eq!(send(&s, ak, sk, &with_token).status, 200);
    // The temporary key acts in the token's (domain) scope.
    let mut domains = call("GET", "/v3/auth/domains");
    domains.headers.push(("x-security-token", st.clone()));
    assert_eq!(send(&s, ak, sk, &domains).status, 200);
    assert_refused_huawei(&send(&s, ak, sk, &call("GET", list)));
    let mut wrong = call("GET", list);
    wrong.headers.push(("x-security-token", format!("{st}x")));
    assert_refused_huawei(&send(&s, ak, sk, &wrong));

    // The SDK's unsigned form: the token only in the body.
    let by_body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}}}});
    let c = temp_key(&s, &by_body, None);
    assert_eq!(c["access"].as_str().unwrap().len(), 20);
    // No token at all, a bad token, a bad duration, the agency variant.
    let none = json!({"auth": {"identity": {"methods": ["token"], "token": {}}}});
    let r = s.post("/v3.0/OS-CREDENTIAL/securitytokens", None, &none);
    assert_eq!(r.status, 401);
    let bad = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "nope"}}}});
    let r = s.post("/v3.0/OS-CREDENTIAL/securitytokens", None, &bad);
    assert_eq!(r.status, 401);
    let short = json!({"auth": {"identity": {"methods": ["token"],
        "token": {"duration_seconds": 60}}}});
    let r = s.post("/v3.0/OS-CREDENTIAL/securitytokens", Some(&token), &short);
    assert_eq!(r.status, 400);
    let agency = json!({"auth": {"identity": {"methods": ["assume_role"],
        "assume_role": {"agency_name": "a", "domain_id": DOMAIN_ID}}}});
    // An agency that does not exist: refused as any assume_role with nothing to assume.
    let r = s.post("/v3.0/OS-CREDENTIAL/securitytokens", Some(&token), &agency);
    assert_eq!(r.status, 401, "{}", r.text());

    let log = s.stderr_text();
    assert!(!log.contains(sk) && !log.contains(&st));
}

fn login_token(s: &TestServer, access: &str, secret: &str, id: &str, duration: Value) -> Resp {
    let body = json!({"auth": {"securitytoken": {
        "access": access, "secret": secret, "id": id, "duration_seconds": duration}}});
    s.post("/v3.0/OS-AUTH/securitytoken/logintokens", None, &body)
}

#[test]
fn login_tokens_are_made_only_from_a_proven_temporary_key() {
    let s = start();
    let token = admin_token(&s);
    let body = json!({"auth": {"identity": {"methods": ["token"]}}});
    let c = temp_key(&s, &body, Some(&token));
    let (ak, sk, st) = (
        c["access"].as_str().unwrap(),
        c["secret"].as_str().unwrap(),
        c["securitytoken"].as_str().unwrap(),
    );
    let r = login_token(&s, ak, sk, st, json!(900));
    assert_eq!(r.status, 201, "{}", r.text());
    let lt = r
        .header("X-Subject-LoginToken")
        .expect("login token")
        .to_string();
    let body = r.json()["logintoken"].clone();
    assert_eq!(body["user_name"], json!("hwaccount"));
    assert_eq!(body["domain_id"], json!(DOMAIN_ID));
    assert_eq!(body["method"], json!("token"));
    // Never past the temporary key (900 s by default): the login token asked 900 s.
    let expires = body["expires_at"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 27, "{expires}");
    // It is a token of the key's user.
    let v = s.validate(&token, &lt, "");
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!(v.json()["token"]["user"]["name"], json!("hwaccount"));
    // Refused: a wrong secret, a wrong security token, a permanent key, a bad duration.
    assert_eq!(
        login_token(&s, ak, "x".repeat(40).as_str(), st, json!(900)).status,
        401
    );
    assert_eq!(login_token(&s, ak, sk, "nope", json!(900)).status, 401);
    assert_eq!(
        login_token(&s, DEMO_AK, DEMO_SK, st, json!(900)).status,
        401
    );
    let r = login_token(&s, ak, sk, st, json!(60));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error_code"], json!("IAM.0007"));
    let log = s.stderr_text();
    assert!(!log.contains(sk) && !log.contains(st) && !log.contains(&lt));
}
