//! Writing a response: status line (echoing the request's HTTP version), Date, the handler's
//! headers, Vary and a request id, Content-Length, and the body (none for HEAD, 1xx, 204,
//! 304) in one buffer, under one deadline for the whole write. Closing after an error is
//! lingering: shut the write half, then drain briefly, so the client reads the answer instead
//! of a reset.

use std::io::{ErrorKind, Write};
use std::time::{Duration, Instant};

use super::response::Response;
use super::socket::Socket;

/// The whole response must be written within this long.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// After an error answer, what the client still sends is read and dropped for this long, at
/// most `LINGER_BYTES`.
const LINGER_TIME: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 4 << 20;

/// How the response is framed for this request.
pub struct Framing {
    /// 0: HTTP/1.0, 1: HTTP/1.1.
    pub version: u8,
    pub head_only: bool,
    /// Close after this response (says `Connection: close`).
    pub close: bool,
}

/// The bytes of a response.
/// `request_id` is the `x-openstack-request-id` sent (and logged); the same id goes out as
/// `X-Request-Id`, where Huawei Cloud's SDKs read it.
pub fn serialize(response: &Response, framing: &Framing, request_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(320 + response.body.len());
    let _ = write!(
        out,
        "HTTP/1.{} {} {}\r\nDate: {}\r\n",
        framing.version,
        response.status,
        reason(response.status),
        http_date()
    );
    for (name, value) in &response.headers {
        // A CR or LF in a value would split the header: such a header is not sent.
        if value.bytes().any(|b| b == b'\r' || b == b'\n') {
            continue;
        }
        let _ = write!(out, "{name}: {value}\r\n");
    }
    let _ = write!(
        out,
        "Vary: X-Auth-Token\r\nx-openstack-request-id: {}\r\nX-Request-Id: {}\r\nContent-Length: {}\r\n",
        request_id,
        request_id,
        response.body.len()
    );
    if framing.close {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if framing.version == 0 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let bodiless = matches!(response.status, 100..=199 | 204 | 304);
    if !framing.head_only && !bodiless {
        out.extend_from_slice(&response.body);
    }
    out
}

/// A uuid4 like upstream's, from the thread-local generator: no syscall per response.
pub fn request_id() -> String {
    format!(
        "req-{}",
        uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .hyphenated()
    )
}

/// Writes all of `bytes` within `WRITE_TIMEOUT`; false if the client did not take them.
pub fn send(sock: &mut Socket, bytes: &[u8]) -> bool {
    let deadline = Instant::now() + WRITE_TIMEOUT;
    let mut rest = bytes;
    while !rest.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || sock.stream.set_write_timeout(Some(left)).is_err() {
            return false;
        }
        match sock.stream.write(rest) {
            Ok(0) => return false,
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    sock.stream.flush().is_ok()
}

/// Sends a final answer and closes the connection lingeringly.
pub fn send_and_close(sock: &mut Socket, bytes: &[u8]) {
    if send(sock, bytes) {
        let _ = sock.stream.shutdown_write();
        sock.drain(Instant::now() + LINGER_TIME, LINGER_BYTES);
    }
}

/// IMF-fixdate, as the Date header wants it.
fn http_date() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_keeps_the_length_and_drops_the_body() {
        let response = Response::raw_json(200, b"{}".to_vec());
        let framing = Framing {
            version: 1,
            head_only: true,
            close: true,
        };
        let text = String::from_utf8(serialize(&response, &framing, "req-1")).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{text}");
        assert!(text.contains("Content-Length: 2\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_header_value_with_a_newline_is_not_sent() {
        let response = Response::no_content().with_header("X-A", "a\r\nX-B: b".to_string());
        let framing = Framing {
            version: 0,
            head_only: false,
            close: false,
        };
        let text = String::from_utf8(serialize(&response, &framing, "req-1")).unwrap();
        assert!(text.starts_with("HTTP/1.0 204 No Content\r\n"), "{text}");
        assert!(!text.contains("X-B"), "{text}");
        assert!(text.contains("Connection: keep-alive\r\n"), "{text}");
    }
}
