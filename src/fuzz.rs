//! Property-based fuzzing of everything behind the HTTP parser, in-process and on stable Rust:
//! routing (every route of the table with real, random and hostile ids), policy enforcement,
//! body validation (random JSON shaped like the bodies upstream accepts) and token decoding.
//! The property: no panic and no 5xx, whatever the request. `make test` runs a bounded number
//! of cases (PROPTEST_CASES, default below); `make fuzz` runs many more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::{json, Map, Value};

use crate::app::testing::{app, TestApp};
use crate::config::Config;
use crate::http::request::{Method, Request};

const NOW: f64 = 1_800_000_000.0;
/// Cases per property in `make test` (PROPTEST_CASES overrides, as `make fuzz` does).
const DEFAULT_CASES: u32 = 600;

const SEED: &str = "
projects:
  - name: admin
  - name: demo
roles:
  - name: reader
  - name: member
    implies: [reader]
  - name: admin
    implies: [member]
users:
  - name: admin
    password: adminpwd
  - name: demo
    password: demopwd
assignments:
  - {user: admin, role: admin, project: admin}
  - {user: admin, role: admin, system: all}
  - {user: demo, role: member, project: demo}
regions:
  - id: RegionOne
services:
  - {name: keystone, type: identity}
endpoints:
  - {service: keystone, interface: public, region: RegionOne, url: 'http://localhost/v3'}
";

/// Keys upstream's bodies use, so random bodies reach past the first schema check.
const KEYS: &[&str] = &[
    "auth",
    "identity",
    "methods",
    "password",
    "token",
    "id",
    "user",
    "name",
    "domain",
    "domain_id",
    "project",
    "project_id",
    "scope",
    "system",
    "all",
    "enabled",
    "description",
    "roles",
    "role",
    "group",
    "region",
    "service",
    "endpoint",
    "url",
    "interface",
    "type",
    "blob",
    "credential",
    "trust",
    "trustor_user_id",
    "trustee_user_id",
    "impersonation",
    "application_credential",
    "secret",
    "expires_at",
    "tags",
    "options",
    "parent_id",
    "is_domain",
    "limits",
    "registered_limits",
    "resource_name",
    "resource_limit",
    "default_limit",
    "policy",
    "original_password",
    "tenantName",
    "passwordCredentials",
    "username",
    "access_rules",
];

fn request(method: Method, path: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Request {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (path.to_string(), String::new()),
    };
    Request::new(method, path, query, headers, body, NOW)
}

/// Runs one request through the router the way a worker does, catching a panic as a failure.
fn dispatch(app: &TestApp, req: &Request) -> Result<u16, String> {
    match catch_unwind(AssertUnwindSafe(|| crate::http::router::route(app, req))) {
        Ok(Ok(response)) => Ok(response.status),
        Ok(Err(e)) => Ok(e.code()),
        Err(_) => Err(format!("panic on {:?} {}", req.method, req.path)),
    }
}

fn admin_token(app: &TestApp, scope: Value) -> String {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": "adminpwd"}}}, "scope": scope}});
    let req = request(
        Method::Post,
        "/v3/auth/tokens",
        vec![("content-type".into(), "application/json".into())],
        body.to_string().into_bytes(),
    );
    let response = crate::http::router::route(app, &req).unwrap();
    response
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Subject-Token"))
        .map(|(_, v)| v.clone())
        .unwrap()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9 _./-]{0,24}".prop_map(Value::String),
        ".{0,12}".prop_map(Value::String),
        Just(json!("default")),
        Just(json!("password")),
        Just(json!("x".repeat(300))),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
        Method::Other,
    ])
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// A seeded app, its admin tokens and the ids of what it holds. Requests change it (they
/// delete users, revoke tokens), so the property test makes a fresh one every few cases.
struct Fixture {
    app: TestApp,
    system: String,
    project: String,
    ids: Vec<String>,
}

/// Cases run against one fixture before it is replaced.
const CASES_PER_FIXTURE: u32 = 40;

fn fixture() -> Fixture {
    let app = app(Config::default(), SEED, NOW);
    let system = admin_token(&app, json!({"system": {"all": true}}));
    let project = admin_token(
        &app,
        json!({"project": {"name": "admin", "domain": {"id": "default"}}}),
    );
    let ids = app
        .store
        .read(|r| {
            let mut ids = vec!["default".to_string(), "RegionOne".to_string()];
            for u in crate::store::identity::list_users(r)? {
                ids.push(u.id);
            }
            for p in crate::store::resource::list_projects(r)? {
                ids.push(p.id);
            }
            for role in crate::store::assignment::list_roles(r)? {
                ids.push(role.id);
            }
            Ok::<_, crate::store::StoreError>(ids)
        })
        .unwrap();
    Fixture {
        app,
        system,
        project,
        ids,
    }
}

/// Which token a request carries: the fixture's system or project admin, none, or garbage.
#[derive(Debug, Clone)]
enum Token {
    System,
    Project,
    Garbage(String),
}

fn token() -> impl Strategy<Value = Option<Token>> {
    prop_oneof![
        3 => Just(Some(Token::System)),
        3 => Just(Some(Token::Project)),
        1 => Just(None),
        1 => "[A-Za-z0-9_=-]{0,200}".prop_map(|t| Some(Token::Garbage(t))),
    ]
}

/// A path parameter: an id the fixture holds (by index), or what a hostile client sends.
fn param() -> impl Strategy<Value = Result<usize, String>> {
    prop_oneof![
        4 => (0usize..16).prop_map(Ok),
        1 => "[a-zA-Z0-9._~-]{0,40}".prop_map(Err),
        1 => "%[0-9A-Fa-f]{2}[a-z%]{0,6}".prop_map(Err),
        1 => ".{1,8}".prop_map(Err),
        1 => Just(Err("a".repeat(2000))),
    ]
}

/// One generated request, before the fixture's ids and tokens are filled in.
#[derive(Debug, Clone)]
struct Case {
    /// None: the route's own method.
    other_method: Option<Method>,
    route: (Method, &'static str),
    params: Vec<Result<usize, String>>,
    query: String,
    auth: Option<Token>,
    subject: Option<Token>,
    body: Vec<u8>,
}

/// Requests for every route of the table: its method (sometimes another), ids, a query,
/// tokens and a body.
fn case() -> impl Strategy<Value = Case> {
    let routes: Vec<(Method, &'static str)> = crate::http::table::table()
        .iter()
        .map(|r| (r.method, r.pattern))
        .collect();
    let body = prop_oneof![
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(Vec::new()),
    ];
    let query = prop_oneof![
        Just(String::new()),
        "[a-z_.]{1,12}=[a-zA-Z0-9%]{0,12}".prop_map(|q| format!("?{q}")),
    ];
    // Mostly the route's own method; sometimes any other.
    let method = prop_oneof![4 => Just(None), 1 => method().prop_map(Some)];
    (
        method,
        prop::sample::select(routes),
        prop::collection::vec(param(), 6),
        query,
        token(),
        token(),
        body,
    )
        .prop_map(
            |(other_method, route, params, query, auth, subject, body)| Case {
                other_method,
                route,
                params,
                query,
                auth,
                subject,
                body,
            },
        )
}

/// The case's request against `fx`, and its path with the query (for failure messages).
fn build_request(fx: &Fixture, case: Case) -> (Request, String) {
    let (route_method, pattern) = case.route;
    let method = case.other_method.unwrap_or(route_method);
    let mut values = case.params.iter();
    let mut path = String::new();
    for seg in pattern.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        if seg.starts_with('{') {
            match values.next() {
                Some(Ok(i)) => path.push_str(&fx.ids[i % fx.ids.len()]),
                Some(Err(raw)) => path.push_str(raw),
                None => path.push('x'),
            }
        } else {
            path.push_str(seg);
        }
    }
    path.push_str(&case.query);
    let value = |t: Token| match t {
        Token::System => fx.system.clone(),
        Token::Project => fx.project.clone(),
        Token::Garbage(g) => g,
    };
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(t) = case.auth {
        headers.push(("x-auth-token".into(), value(t)));
    }
    if let Some(t) = case.subject {
        headers.push(("x-subject-token".into(), value(t)));
    }
    (request(method, &path, headers, case.body), path)
}

#[test]
fn no_request_panics_or_answers_5xx() {
    let strategy = case();
    let mut runner = TestRunner::new(RunnerConfig::with_cases(cases()));
    // Statuses seen, so the test also fails if the generated requests stop reaching handlers.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    let current = std::cell::RefCell::new((0u32, fixture()));
    let outcome = runner.run(&strategy, |case| {
        let mut slot = current.borrow_mut();
        slot.0 += 1;
        if slot.0.is_multiple_of(CASES_PER_FIXTURE) {
            slot.1 = fixture();
        }
        let fx = &slot.1;
        let (req, path) = build_request(fx, case);
        let status = dispatch(&fx.app, &req).map_err(TestCaseError::fail)?;
        *seen.borrow_mut().entry(status).or_default() += 1;
        prop_assert!(
            status < 500,
            "{:?} {} answered {}",
            req.method,
            path,
            status
        );
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    let total: u32 = seen.values().sum();
    let ok: u32 = seen.range(200..300).map(|(_, n)| n).sum();
    eprintln!("fuzz statuses: {seen:?}");
    // About 10% succeed (the rest are the errors hostile input earns): far fewer means the
    // generator no longer reaches the handlers.
    assert!(ok * 20 >= total, "under 5% of requests succeeded: {seen:?}");
}

#[test]
fn random_tokens_never_decode_or_panic() {
    let app = app(Config::default(), SEED, NOW);
    let real = admin_token(&app, json!({"system": {"all": true}}));
    let len = real.len();
    let mut runner = TestRunner::new(RunnerConfig::with_cases(cases() * 4));
    let strategy = prop_oneof![
        "[A-Za-z0-9_=-]{0,300}",
        ".{0,64}",
        // A real token with one character changed: Fernet's HMAC must refuse every one.
        (0..len, "[A-Za-z0-9_-]").prop_filter_map("unchanged", move |(i, c)| {
            let mut t: Vec<char> = real.chars().collect();
            (t[i].to_string() != c).then(|| {
                t[i] = c.chars().next().unwrap_or('A');
                t.into_iter().collect::<String>()
            })
        }),
    ];
    let outcome = runner.run(&strategy, |token| {
        let result = catch_unwind(AssertUnwindSafe(|| {
            crate::auth::validate(&app, &token, true, NOW)
        }));
        prop_assert!(result.is_ok(), "panic decoding {token:?}");
        prop_assert!(result.unwrap_or_else(|_| unreachable!()).is_err());
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
