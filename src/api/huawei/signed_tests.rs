//! Temporary keys at chosen times (the clock is never read): refused once expired, and
//! expired ones pruned by later issues.

use super::*;
use crate::app::testing::{self, TestApp};
use crate::config::Config;
use crate::http::request::Method;
use crate::service::iam::access_keys::{issue_by_token, TempCredential};
use crate::store::iam::access_keys::count_temp;

/// 2027-01-15T08:00:00Z.
const T: f64 = 1_800_000_000.0;
const SEED: &str = "users:\n  - name: alice\n    password: secret-one\n";

fn issue(app: &TestApp, now: f64) -> TempCredential {
    let user = app
        .store
        .read(|r| crate::store::identity::find_user_by_name(r, "default", "alice"))
        .unwrap()
        .unwrap();
    let context = context_for(app, &user.id, Scope::Unscoped, now).unwrap();
    issue_by_token(app, &context, 900, None, now).unwrap()
}

/// A GET /v3/auth/domains signed with `cred` at `now` (its X-Sdk-Date too).
fn signed_get(cred: &TempCredential, now: f64) -> Request {
    let mut headers = vec![
        ("host".to_string(), "localhost".to_string()),
        ("x-sdk-date".to_string(), signing::format_sdk_date(now)),
        ("x-security-token".to_string(), cred.security_token.clone()),
    ];
    let signed = Signed {
        method: "GET",
        path: "/v3/auth/domains",
        query: &[],
        headers: &headers,
        body: b"",
    };
    let auth = signing::sign(&cred.access, &cred.secret, &signed).unwrap();
    headers.push(("authorization".to_string(), auth));
    Request::new(
        Method::Get,
        "/v3/auth/domains".into(),
        String::new(),
        headers,
        vec![],
        now,
    )
}

#[test]
fn temporary_keys_work_until_they_expire_and_are_pruned_after() {
    let app = testing::app(Config::default(), SEED, T);
    let cred = issue(&app, T);
    let ok = authenticate(&app, &signed_get(&cred, T + 899.0)).unwrap();
    assert_eq!(ok.unwrap().token.methods, vec![METHOD.to_string()]);
    let expired = authenticate(&app, &signed_get(&cred, T + 900.0)).unwrap();
    assert_eq!(expired.unwrap_err().code(), 401);
    // A later issue removes the expired key: the table holds only live ones.
    assert_eq!(app.store.read(count_temp).unwrap(), 1);
    issue(&app, T + 1000.0);
    assert_eq!(app.store.read(count_temp).unwrap(), 1);
    let gone = authenticate(&app, &signed_get(&cred, T + 1000.0)).unwrap();
    assert_eq!(gone.unwrap_err().code(), 401);
}
