//! The HTTP edge: our own HTTP/1.1 connection loop on httparse (server.rs accepts and stops,
//! connection.rs serves one connection, head.rs and body.rs read a request under size and
//! time limits, write.rs answers), a panic guard around every request, and one access-log line
//! per request (path capped, no query, no token).

pub mod body;
pub mod connection;
pub mod head;
pub mod request;
pub mod response;
pub mod router;
pub mod routes;
pub mod server;
pub mod socket;
pub mod stream;
pub mod table;
pub mod tls;
pub mod write;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crate::app::App;
use crate::error::Error;
use head::Head;
use request::Request;
use response::Response;
pub use server::{bind, Server};
use socket::Fail;

/// Logged paths are cut to this many bytes: a 1 MB URL must not make a 1 MB log line.
const MAX_LOGGED_PATH: usize = 512;
const MAX_LOGGED_METHOD: usize = 16;

/// Runs the router; a panic becomes a 500 in Keystone's form and is logged as a bug.
fn guarded_dispatch(app: &App, req: &Request) -> Response {
    let outcome = catch_unwind(AssertUnwindSafe(|| router::route(app, req)));
    let err = match outcome {
        Ok(Ok(response)) => return response,
        Ok(Err(err)) => err,
        Err(_) => Error::Internal("a request handler panicked (bug)".to_string()),
    };
    match &err {
        Error::Internal(detail) | Error::Unavailable(detail) => {
            log::error!("{} {}: {detail}", loggable_path(&req.path), err.code())
        }
        other => log::debug!("{} {}", loggable_path(&req.path), other),
    }
    Response::error(&err, &app.identity_url())
}

/// The answer to a request that failed before routing. The body-size check is Keystone's 413
/// (a v2.0 fault on /v2.0 paths); protocol errors are upstream's error shape with the status.
fn early_response(app: &App, head: Option<&Head>, fail: &Fail) -> Response {
    let err = match fail {
        Fail::TooLarge => Error::TooLarge,
        Fail::Status(400) => Error::bad_request("The request could not be understood."),
        Fail::Status(code) => return protocol_error(*code),
        Fail::Close => return protocol_error(400),
    };
    head.and_then(|h| crate::api::v2::early_fault(app, &h.target, h.first("accept"), &err))
        .unwrap_or_else(|| Response::error(&err, &app.identity_url()))
}

/// `{"error": {"code", "message", "title"}}` for a status our Error has no variant for.
fn protocol_error(code: u16) -> Response {
    let title = write::reason(code);
    let body = serde_json::json!({"error": {
        "code": code,
        "message": title,
        "title": title,
    }});
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    bytes.push(b'\n');
    Response::raw_json(code, bytes)
}

/// What the access log says about one answered request.
pub struct Access<'a> {
    pub method: &'a str,
    pub target: &'a str,
    /// The route table pattern (None: no route matched).
    pub route: Option<&'static str>,
    pub status: u16,
    pub started: Instant,
    pub request_id: &'a str,
}

/// One line per request: the text message as before; its fields as key-values too, which JSON
/// log lines carry (src/ops/logfmt.rs). The path is `loggable_path`'s (no query, no token).
fn log_request(a: &Access) {
    let method = truncated(a.method, MAX_LOGGED_METHOD);
    let path = loggable_path(a.target);
    let millis = a.started.elapsed().as_secs_f64() * 1000.0;
    log::info!(
        request_id = a.request_id,
        method = method,
        path = path.as_str(),
        route = a.route.unwrap_or(crate::ops::metrics::UNMATCHED),
        status = a.status,
        duration_ms = (millis * 1000.0).round() / 1000.0;
        "{} {} {} {:.1}ms",
        method,
        path,
        a.status,
        millis
    );
}

/// The path without its query, cut to `MAX_LOGGED_PATH` bytes; token ids in v2.0 paths are
/// not logged.
pub fn loggable_path(url: &str) -> String {
    let path = url.split('?').next().unwrap_or("");
    let path = truncated(path, MAX_LOGGED_PATH);
    let mut parts: Vec<&str> = path.split('/').collect();
    for i in 1..parts.len() {
        if parts[i - 1] == "tokens" && !parts[i].is_empty() {
            parts[i] = "***";
        }
    }
    let mut out = parts.join("/");
    if path.len() < url.split('?').next().unwrap_or("").len() {
        out.push_str("...");
    }
    out
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncated(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_are_capped_and_hide_queries_and_tokens() {
        assert_eq!(loggable_path("/v2.0/tokens/abc?x=1"), "/v2.0/tokens/***");
        let long = format!("/v3/{}", "é".repeat(1000));
        let logged = loggable_path(&long);
        assert!(logged.len() <= MAX_LOGGED_PATH + 3, "{}", logged.len());
        assert!(logged.ends_with("..."));
    }
}
