//! Failed-login limits per source address ([rate_limit]): an address that keeps failing for a
//! user gets 429 with Retry-After in Keystone's error body, even with the right password,
//! while the same user still logs in from another address; an address trying many users is
//! limited too; `enabled = false` turns it off.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::{json, Value};
use socket2::{Domain, Socket, Type};

use crate::common::*;

const LIMITS: &str = "[rate_limit]\nlimit_loopback = true\n\
                      failed_logins_per_user_burst = 3\n\
                      failed_logins_per_user_per_minute = 1\n\
                      failed_logins_per_source_burst = 6\n\
                      failed_logins_per_source_per_minute = 1\n";

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

/// POST /v3/auth/tokens from the loopback address `source` (127.0.0.x: every one of them is
/// the loopback device on Linux, so the server sees a distinct peer).
fn login_from(s: &TestServer, source: &str, user: &str, password: &str) -> Answer {
    let body = password_auth(user_by_name(user, "default"), password, None);
    post_from(s, source, "/v3/auth/tokens", &body)
}

fn v2_login_from(s: &TestServer, source: &str, user: &str, password: &str) -> Answer {
    let body = json!({"auth": {"passwordCredentials": {"username": user, "password": password}}});
    post_from(s, source, "/v2.0/tokens", &body)
}

fn post_from(s: &TestServer, source: &str, path: &str, body: &Value) -> Answer {
    let server: SocketAddr = s.addr.parse().expect("server addr");
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let local: SocketAddr = format!("{source}:0").parse().expect("source");
    socket.bind(&local.into()).expect("bind source address");
    socket.connect(&server.into()).expect("connect");
    let mut stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        s.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send");
    stream.write_all(body.as_bytes()).expect("send body");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let retry_after = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("retry-after")
            .then(|| v.trim().parse().ok())
            .flatten()
    });
    Answer {
        status,
        retry_after,
        body: body.to_string(),
    }
}

fn assert_429(a: &Answer) {
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.retry_after.is_some_and(|s| s >= 1), "Retry-After missing");
    let body: Value = serde_json::from_str(&a.body).expect("json body");
    assert_eq!(body["error"]["code"], json!(429), "{body}");
    assert_eq!(body["error"]["title"], json!("Too Many Requests"), "{body}");
}

#[test]
fn one_address_failing_for_a_user_is_refused_while_another_address_logs_in() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(LIMITS));
    for _ in 0..3 {
        assert_eq!(login_from(&s, "127.0.0.2", "demo", "wrong").status, 401);
    }
    assert_429(&login_from(&s, "127.0.0.2", "demo", "wrong"));
    // The right password from the limited address waits too: no guessing around the limit.
    assert_429(&login_from(&s, "127.0.0.2", "demo", "demopwd"));
    // The user is not locked out: another address logs in.
    assert_eq!(login_from(&s, "127.0.0.3", "demo", "demopwd").status, 201);
    // Another user from the limited address is still judged on the password.
    assert_eq!(login_from(&s, "127.0.0.2", "admin", "adminpwd").status, 201);
}

#[test]
fn v2_logins_are_limited_too() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(LIMITS));
    for _ in 0..3 {
        assert_eq!(v2_login_from(&s, "127.0.0.8", "demo", "wrong").status, 401);
    }
    let refused = v2_login_from(&s, "127.0.0.8", "demo", "demopwd");
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.retry_after.is_some(), "Retry-After missing");
    assert_eq!(
        v2_login_from(&s, "127.0.0.9", "demo", "demopwd").status,
        200
    );
}

#[test]
fn one_address_trying_many_users_is_refused() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(LIMITS));
    for n in 0..6 {
        let status = login_from(&s, "127.0.0.4", &format!("nobody{n}"), "x").status;
        assert_eq!(status, 401);
    }
    assert_429(&login_from(&s, "127.0.0.4", "admin", "adminpwd"));
    assert_eq!(login_from(&s, "127.0.0.5", "admin", "adminpwd").status, 201);
}

#[test]
fn loopback_is_not_limited_by_default() {
    let s = TestServer::start_with(DEMO_SEED, &[], None);
    for _ in 0..12 {
        assert_eq!(login_from(&s, "127.0.0.7", "demo", "wrong").status, 401);
    }
    assert_eq!(login_from(&s, "127.0.0.7", "demo", "demopwd").status, 201);
}

#[test]
fn the_limits_can_be_switched_off() {
    let conf = format!("{LIMITS}enabled = false\n");
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    for _ in 0..8 {
        assert_eq!(login_from(&s, "127.0.0.6", "demo", "wrong").status, 401);
    }
    assert_eq!(login_from(&s, "127.0.0.6", "demo", "demopwd").status, 201);
}
