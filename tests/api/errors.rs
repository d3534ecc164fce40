//! Bad requests: malformed bodies, wrong types, oversized bodies, unknown paths and methods,
//! odd percent-encodings and non-ASCII header bytes. None may be a 500 or stop the server.

use serde_json::json;

use crate::common::*;

/// The server still answers normally.
fn assert_still_serving(s: &TestServer) {
    s.get("/v3", None).expect(200);
    let r = s.issue(
        &password_auth(user_by_name("demo", "default"), "demopwd", None),
        "",
    );
    r.expect(201);
}

fn post_raw(s: &TestServer, body: &[u8], content_type: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| vec![("Content-Type", c)])
        .unwrap_or_default();
    s.request("POST", "/v3/auth/tokens", &headers, Some(body))
}

#[test]
fn malformed_json_array_body_and_wrong_content_type_are_400() {
    let s = TestServer::start_demo();
    for body in [
        &b"{not json"[..],
        b"{\"auth\": ",
        b"[1, 2]",
        b"\"auth\"",
        b"42",
        b"\xff\xfe",
    ] {
        let r = post_raw(&s, body, Some("application/json"));
        let message = assert_error(&r, 400);
        assert!(
            message.starts_with("Expecting to find valid JSON in request body."),
            "{:?}: {message}",
            String::from_utf8_lossy(body)
        );
    }
    let r = post_raw(&s, b"{}", Some("text/plain"));
    let message = assert_error(&r, 400);
    assert!(
        message.starts_with("Expecting to find application/json in Content-Type header."),
        "{message}"
    );
    assert_still_serving(&s);
}

#[test]
fn auth_body_schema_errors_are_400() {
    let s = TestServer::start_demo();
    let r = s.issue(&json!({"auth": {}}), "");
    let message = assert_error(&r, 400);
    assert!(message.contains("identity"), "{message}");
    let r = s.issue(&json!({"auth": {"identity": {"methods": "password"}}}), "");
    let message = assert_error(&r, 400);
    assert!(message.contains("methods"), "{message}");
    let r = s.issue(&json!({"auth": {"identity": {"methods": [1]}}}), "");
    assert_error(&r, 400);
    let r = s.issue(&json!({}), "");
    assert_error(&r, 400);
    assert_still_serving(&s);
}

#[test]
fn a_body_over_the_limit_is_413() {
    let s = TestServer::start_demo();
    let mut body = b"{\"auth\": \"".to_vec();
    body.resize(114_689 + 10, b'x');
    body.extend_from_slice(b"\"}");
    assert!(body.len() > 114_688);
    let r = post_raw(&s, &body, Some("application/json"));
    assert_eq!(r.status, 413, "{}", r.text());
    // Just under the limit is read and judged on its content.
    let mut body = b"{\"padding\": \"".to_vec();
    body.resize(114_688 - 2, b'x');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), 114_688);
    let r = post_raw(&s, &body, Some("application/json"));
    assert_error(&r, 400);
    assert_still_serving(&s);
}

#[test]
fn unknown_path_is_404_and_wrong_method_is_405() {
    let s = TestServer::start_demo();
    let token = s.admin_token();
    for path in ["/v3/nope", "/v4/tokens", "/v3/users/x/y/z", "/favicon.ico"] {
        let r = s.get(path, Some(&token));
        assert_error(&r, 404);
    }
    for (method, path) in [
        ("PUT", "/v3/auth/tokens"),
        ("DELETE", "/v3/auth/catalog"),
        ("POST", "/v3/users/someone"),
        ("PATCH", "/v3/roles"),
    ] {
        let r = s.request(method, path, &[("X-Auth-Token", &token)], None);
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text());
        // Upstream's 405 is flask's body, not a Keystone error.
        assert_eq!(
            r.json(),
            json!({"message": "The method is not allowed for the requested URL."}),
            "{method} {path}"
        );
    }
    assert_still_serving(&s);
}

#[test]
fn odd_paths_never_500() {
    let s = TestServer::start_demo();
    let token = s.system_admin_token();
    let long = format!("/v3/users/{}", "a".repeat(6000));
    let odd = [
        "/v3/users/%00",
        "/v3/users/%",
        "/v3/users/%zz",
        "/v3/users/%f",
        "/v3/users/%ff%fe",
        "/v3/projects/%c3%28",
        "/v3/%2e%2e/%2e%2e/etc/passwd",
        "/v3/users/..%2f..%2fetc",
        "//v3//users//",
        "/v3/users?name=%",
        "/v3/users?name=%ff&enabled=%zz",
        "/v3/users?&&=&",
        "/v3/auth/tokens?nocatalog=%ff",
        "/v3/projects/%20",
        "/v3/domains/%E2%80%AE",
        "/v3/projects/x/users/%ff/roles/%00",
        "/v3/system/users/%/roles",
        "/%",
        "/v3/users/%C3%A9",
        "/v3/users?name=%C3%A9",
        long.as_str(),
    ];
    for path in odd {
        for method in ["GET", "DELETE"] {
            let r = s.request(method, path, &[("X-Auth-Token", &token)], None);
            assert!(
                r.status < 500 && r.status >= 200,
                "{method} {path}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    assert_still_serving(&s);
}

/// A request with `header: value` (raw bytes) on `path`, plus the admin token when the header
/// is not the token itself. None when the server closed the connection without answering.
fn with_raw_header(
    s: &TestServer,
    token: &str,
    header: &str,
    value: &[u8],
    path: &[u8],
) -> Option<Resp> {
    let method: &[u8] = if header == "Content-Type" {
        b"POST"
    } else {
        b"GET"
    };
    let mut raw = Vec::new();
    raw.extend_from_slice(method);
    raw.push(b' ');
    raw.extend_from_slice(path);
    raw.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", s.addr).as_bytes(),
    );
    if header != "X-Auth-Token" {
        raw.extend_from_slice(format!("X-Auth-Token: {token}\r\n").as_bytes());
    }
    if !header.is_empty() {
        raw.extend_from_slice(header.as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    send_raw(&s.addr, &raw, false).ok()
}

const NON_ASCII_VALUES: [&[u8]; 5] = [
    b"\xff\xfe\xfd",
    "t\u{f6}k\u{e9}n".as_bytes(),
    b"gAAAAA\x80\x81",
    "\u{202e}abc".as_bytes(),
    b"\xc3\x28",
];

const HEADER_PATHS: [(&str, &str); 4] = [
    ("X-Auth-Token", "/v3/users"),
    ("X-Subject-Token", "/v3/auth/tokens"),
    ("Accept", "/v3"),
    ("Content-Type", "/v3/auth/tokens"),
];

#[test]
fn odd_header_values_never_500() {
    let s = TestServer::start_demo();
    let token = s.admin_token();
    let mut answered = 0;
    let odd_ascii: [&[u8]; 4] = [b"\x01\x02", b"a\tb", b"", b"  spaced  "];
    for value in NON_ASCII_VALUES.iter().chain(odd_ascii.iter()) {
        for (header, path) in HEADER_PATHS {
            // A dropped connection is not a 500 (see the test below for that); an answer must not be one.
            if let Some(r) = with_raw_header(&s, &token, header, value, path.as_bytes()) {
                answered += 1;
                assert!(
                    r.status < 500,
                    "{header}: {value:?}: {} {}",
                    r.status,
                    r.text()
                );
                if header == "X-Auth-Token" {
                    assert_eq!(r.status, 401, "{value:?}: not a token");
                }
            }
        }
    }
    assert!(
        answered >= odd_ascii.len() * HEADER_PATHS.len(),
        "{answered} answers"
    );
    assert_still_serving(&s);
}

// Header values with non-ASCII bytes reach the application; a request line with them is 400,
// as upstream answers (the HTTP edge, src/http/connection.rs).
#[test]
fn non_ascii_bytes_in_the_request_head_get_an_http_answer() {
    // Upstream (gunicorn, checked against Keystone 30) passes non-ASCII header values to the
    // application (a bad X-Auth-Token is 401, a bad X-Subject-Token 404) and answers 400 to a
    // request line with non-ASCII bytes. It never closes the connection without an answer.
    let s = TestServer::start_demo();
    let token = s.admin_token();
    for value in NON_ASCII_VALUES {
        for (header, path) in HEADER_PATHS {
            let r =
                with_raw_header(&s, &token, header, value, path.as_bytes()).unwrap_or_else(|| {
                    panic!("{header}: {value:?}: connection closed without an answer")
                });
            let expected = match header {
                "X-Auth-Token" => vec![401],
                "X-Subject-Token" => vec![404],
                _ => vec![200, 400, 415],
            };
            assert!(
                expected.contains(&r.status),
                "{header}: {value:?}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    for path in [
        &b"/v3/users/\xc3\xa9"[..],
        b"/v3/users/\xff",
        b"/v3/users?name=\xc3\xa9",
    ] {
        let r = with_raw_header(&s, &token, "", b"", path)
            .unwrap_or_else(|| panic!("{path:?}: connection closed without an answer"));
        assert!((400..500).contains(&r.status), "{path:?}: {}", r.status);
    }
    assert_still_serving(&s);
}
