//! Expiry rules at chosen times: every request below carries a fixed `now`, so token,
//! receipt, lockout, password expiry and minimum password age are tested without sleeping.

use serde_json::{json, Value};

use crate::app::testing::{self, TestApp};
use crate::config::Config;
use crate::error::Result;
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::store::identity;

/// 2027-01-15T08:00:00Z: any fixed time works, the clock is never read.
const T: f64 = 1_800_000_000.0;

const SEED: &str = "users:\n  - name: alice\n    password: secret-one\n";

fn app(config: Config) -> TestApp {
    testing::app(config, SEED, T)
}

/// A request through the route table, arriving at `now`.
fn call(app: &TestApp, method: Method, path: &str, body: &Value, now: f64) -> Result<Response> {
    let headers = vec![("content-type".to_string(), "application/json".to_string())];
    let req = Request::new(
        method,
        path.to_string(),
        String::new(),
        headers,
        body.to_string().into_bytes(),
        now,
    );
    crate::http::router::route(app, &req)
}

/// The error a request ended with (a response is a test failure).
fn error_of(outcome: Result<Response>) -> crate::error::Error {
    match outcome {
        Ok(resp) => panic!("expected an error, got {}", resp.status),
        Err(e) => e,
    }
}

fn password_auth(password: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "alice", "domain": {"id": "default"}, "password": password}}}}})
}

/// POST /v3/auth/tokens with alice's password at `now`: the status, or the error's code.
fn issue_status(app: &TestApp, password: &str, now: f64) -> u16 {
    match call(
        app,
        Method::Post,
        "/v3/auth/tokens",
        &password_auth(password),
        now,
    ) {
        Ok(resp) => resp.status,
        Err(e) => e.code(),
    }
}

fn alice(app: &TestApp) -> crate::model::User {
    let user = app
        .store
        .read(|r| identity::find_user_by_name(r, "default", "alice"))
        .unwrap();
    user.unwrap()
}

/// Changes alice's record as an admin would, outside any request.
fn update_alice(app: &TestApp, change: impl FnOnce(&mut crate::model::User)) {
    let old = alice(app);
    let mut new = old.clone();
    change(&mut new);
    app.store
        .write(|w| identity::update_user(w, &old, &new))
        .unwrap();
}

#[test]
fn a_token_expires_by_the_time_of_the_request_that_validates_it() {
    let app = app(Config::default());
    let resp = call(
        &app,
        Method::Post,
        "/v3/auth/tokens",
        &password_auth("secret-one"),
        T,
    )
    .unwrap();
    assert_eq!(resp.status, 201);
    let (_, token) = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Subject-Token"))
        .unwrap();
    let ttl = app.config.token.expiration as f64;
    let window = app.config.token.allow_expired_window as f64;
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(
        body["token"]["expires_at"],
        crate::token::format_time(T + ttl)
    );
    let validate = |allow_expired: bool, now: f64| {
        crate::auth::validate(&app, token, allow_expired, now)
            .map(|_| ())
            .map_err(crate::error::Error::from)
    };
    assert!(validate(false, T + ttl - 1.0).is_ok());
    let expired = validate(false, T + ttl + 1.0).unwrap_err();
    assert_eq!(expired.code(), 404);
    assert_eq!(expired.message(), "Failed to validate token");
    // ?allow_expired=1 accepts it for the window past expiry, and no longer.
    assert!(validate(true, T + ttl + 1.0).is_ok());
    assert!(validate(true, T + ttl + window - 1.0).is_ok());
    assert_eq!(
        validate(true, T + ttl + window + 1.0).unwrap_err().code(),
        404
    );
}

#[test]
fn an_auth_receipt_expires_by_the_time_of_the_request_presenting_it() {
    let app = app(Config::default());
    update_alice(&app, |u| {
        u.options
            .insert("multi_factor_auth_enabled".into(), json!(true));
        u.options.insert(
            "multi_factor_auth_rules".into(),
            json!([["password", "totp"]]),
        );
    });
    let first = call(
        &app,
        Method::Post,
        "/v3/auth/tokens",
        &password_auth("secret-one"),
        T,
    )
    .unwrap();
    assert_eq!(first.status, 401);
    let (_, receipt) = first
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(crate::receipt::HEADER))
        .unwrap();
    let present = |now: f64| {
        let headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("openstack-auth-receipt".to_string(), receipt.clone()),
        ];
        let req = Request::new(
            Method::Post,
            "/v3/auth/tokens".into(),
            String::new(),
            headers,
            password_auth("secret-one").to_string().into_bytes(),
            now,
        );
        crate::http::router::route(&app, &req)
    };
    // Still valid one second before its expiry: accepted, and totp is still missing.
    let expiration = crate::receipt::EXPIRATION as f64;
    let again = present(T + expiration - 1.0).unwrap();
    assert_eq!(again.status, 401);
    assert!(again
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case(crate::receipt::HEADER)));
    let expired = error_of(present(T + expiration));
    assert_eq!(expired.code(), 401);
    assert_eq!(
        expired.message(),
        format!("Could not find auth receipt: {receipt}.")
    );
}

#[test]
fn a_lockout_lasts_its_duration_from_the_last_failure() {
    let mut config = Config::default();
    config.security.lockout_failure_attempts = Some(2);
    config.security.lockout_duration = 5;
    let app = app(config);
    assert_eq!(issue_status(&app, "wrong", T), 401);
    assert_eq!(issue_status(&app, "wrong", T), 401);
    // Locked: even the right password is refused until the duration has passed.
    assert_eq!(issue_status(&app, "secret-one", T + 4.0), 401);
    assert_eq!(issue_status(&app, "secret-one", T + 6.0), 201);
}

#[test]
fn a_password_expires_at_its_time() {
    let app = app(Config::default());
    update_alice(&app, |u| {
        u.password_expires_at = crate::compliance::format_expiry(T + 100.0);
    });
    assert_eq!(issue_status(&app, "secret-one", T + 99.0), 201);
    let id = alice(&app).id;
    let err = error_of(call(
        &app,
        Method::Post,
        "/v3/auth/tokens",
        &password_auth("secret-one"),
        T + 100.0,
    ));
    assert_eq!(err.code(), 401);
    assert_eq!(
        err.message(),
        format!("The password is expired and needs to be changed for user: {id}.")
    );
}

#[test]
fn a_changed_password_must_reach_its_minimum_age() {
    let mut config = Config::default();
    config.security.minimum_password_age = 1;
    let app = app(config);
    let path = format!("/v3/users/{}/password", alice(&app).id);
    let change = |from: &str, to: &str, now: f64| {
        let body = json!({"user": {"original_password": from, "password": to}});
        call(&app, Method::Post, &path, &body, now)
    };
    assert_eq!(change("secret-one", "secret-two", T).unwrap().status, 204);
    // A self-service change starts the minimum age: a day, counted from `T`.
    let too_soon = error_of(change("secret-two", "secret-three", T + 3600.0));
    assert_eq!(too_soon.code(), 400);
    assert!(
        too_soon.message().contains("must be used for 1 day(s)"),
        "{}",
        too_soon.message()
    );
    assert_eq!(
        change("secret-two", "secret-three", T + 86_400.0 + 1.0)
            .unwrap()
            .status,
        204
    );
}
