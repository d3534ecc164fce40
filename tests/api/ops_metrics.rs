//! Prometheus metrics on their own listener, counted by route pattern; JSON log lines that
//! carry the request id the answer sent, and no token.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::common::*;

/// The metrics address the server logged at start.
pub(crate) fn metrics_addr(s: &TestServer) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = s.stderr_text();
        if let Some(rest) = text.split("metrics on http://").nth(1) {
            return rest.split('/').next().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no metrics address in:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn scrape(addr: &str, path: &str) -> (String, String) {
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(conn, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

/// The value of the sample `name{labels}` (exact label text), if present.
pub(crate) fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_requests_by_route_pattern_auth_and_tokens() {
    let s = TestServer::start_with(DEMO_SEED, &["--metrics-listen", "127.0.0.1:0"], None);
    let addr = metrics_addr(&s);
    // Not on the API port.
    s.get("/metrics", None).expect(404);
    let admin = s.admin_token();
    let bad = password_auth(user_by_name("demo", "default"), "wrong-password", None);
    assert_eq!(s.issue(&bad, "").status, 401);
    let demo = s.demo_token();
    for _ in 0..3 {
        s.validate(&admin, &demo, "").expect(200);
    }
    let project = s.id_by_name(&admin, "projects", "demo");
    s.get(&format!("/v3/projects/{project}"), Some(&admin))
        .expect(200);
    s.get("/v3/no-such-thing", None).expect(404);

    let (head, body) = scrape(&addr, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let get = |series: &str| sample(&body, series).unwrap_or_else(|| panic!("{series}:\n{body}"));
    assert_eq!(
        get(r#"keystone_http_requests_total{method="GET",route="/v3/auth/tokens",status="200"}"#),
        3.0
    );
    assert_eq!(
        get(r#"keystone_http_requests_total{method="POST",route="/v3/auth/tokens",status="201"}"#),
        2.0
    );
    assert_eq!(
        get(r#"keystone_http_requests_total{method="POST",route="/v3/auth/tokens",status="401"}"#),
        1.0
    );
    assert_eq!(
        get(
            r#"keystone_http_requests_total{method="GET",route="/v3/projects/{project_id}",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        get(r#"keystone_http_requests_total{method="ANY",route="(unmatched)",status="404"}"#),
        2.0
    );
    // A pattern, never the raw path: the project id is nowhere.
    assert!(!body.contains(&project), "{body}");
    assert_eq!(
        get(r#"keystone_auth_total{method="password",outcome="success"}"#),
        2.0
    );
    assert_eq!(
        get(r#"keystone_auth_total{method="password",outcome="failure"}"#),
        1.0
    );
    assert_eq!(get("keystone_tokens_issued_total"), 2.0);
    assert_eq!(get("keystone_tokens_validated_total"), 3.0);
    let (hits, misses) = (
        get("keystone_token_cache_hits_total"),
        get("keystone_token_cache_misses_total"),
    );
    assert!(hits >= 2.0 && misses >= 1.0, "{hits} {misses}");
    let ratio = get("keystone_token_cache_hit_ratio");
    assert!((ratio - hits / (hits + misses)).abs() < 1e-9);
    assert_eq!(
        get(
            r#"keystone_http_request_duration_seconds_count{method="GET",route="/v3/auth/tokens"}"#
        ),
        3.0
    );
    assert_eq!(
        get(
            r#"keystone_http_request_duration_seconds_bucket{method="GET",route="/v3/auth/tokens",le="+Inf"}"#
        ),
        3.0
    );
    let age = get(r#"keystone_key_age_seconds{repository="fernet_tokens"}"#);
    assert!((0.0..600.0).contains(&age), "{age}");
    assert!(sample(
        &body,
        r#"keystone_key_age_seconds{repository="credential"}"#
    )
    .is_some());
    assert!(get("keystone_store_size_bytes") > 0.0);
    assert!(get("keystone_open_connections") >= 0.0);
    assert!(body.contains("keystone_build_info{version=\""), "{body}");
    assert!(!body.contains(&admin) && !body.contains(&demo));
    // Every sample line is `name{labels} value` or `name value`.
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    let (head, _) = scrape(&addr, "/other");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

#[test]
fn metrics_are_off_by_default() {
    let s = TestServer::start_demo();
    s.get("/healthcheck", None).expect(200);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !s.stderr_text().contains("metrics on"),
        "{}",
        s.stderr_text()
    );
}

#[test]
fn json_log_lines_carry_the_request_id_and_no_token() {
    let s = TestServer::start_with(DEMO_SEED, &["--log-format", "json"], None);
    let admin = s.admin_token();
    let demo = s.demo_token();
    let r = s.validate(&admin, &demo, "");
    r.expect(200);
    let id = r.header("x-openstack-request-id").unwrap().to_string();
    let r404 = s.get("/v2.0/tokens/some-token-id-123", Some(&admin));
    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        let text = s.stderr_text();
        if let Some(line) = text.lines().find(|l| l.contains(&id)) {
            break line.to_string();
        }
        assert!(Instant::now() < deadline, "no line with {id}:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["request_id"], id.as_str());
    assert_eq!(v["method"], "GET");
    assert_eq!(v["route"], "/v3/auth/tokens");
    assert_eq!(v["path"], "/v3/auth/tokens");
    assert_eq!(v["status"], 200);
    assert!(v["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["levelname"], "INFO");
    assert!(v["asctime"].as_str().unwrap().ends_with('Z'));
    std::thread::sleep(Duration::from_millis(300));
    let text = s.stderr_text();
    for l in text.lines() {
        serde_json::from_str::<serde_json::Value>(l)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
    }
    assert!(!r404.body.is_empty());
    for secret in [
        admin.as_str(),
        demo.as_str(),
        "some-token-id-123",
        "adminpwd",
        "demopwd",
    ] {
        assert!(!text.contains(secret), "log holds {secret}:\n{text}");
    }
}

#[test]
fn text_log_lines_stay_as_they_were() {
    let s = TestServer::start_demo();
    s.get("/v3", None).expect(200);
    std::thread::sleep(Duration::from_millis(300));
    let text = s.stderr_text();
    let line = text
        .lines()
        .find(|l| l.contains("GET /v3 200"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.starts_with('[') && line.contains("INFO  keystone_lite::http] GET /v3 200 "),
        "{line}"
    );
    assert!(!line.contains("request_id"), "{line}");
}
