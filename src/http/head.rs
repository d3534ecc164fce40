//! The request head: request line and headers parsed by httparse within a size and count cap.
//! Protocol errors map to the status upstream's servers give: too many or too large headers
//! 431, a request line that does not end within the cap 414, another HTTP version 505,
//! anything else malformed 400.

use super::socket::Fail;

/// The whole head (request line + headers) must fit in this many bytes.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// More header lines than this is 431 (httparse needs the slots up front).
pub const MAX_HEADERS: usize = 100;

pub struct Head {
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    /// Lower-case names, trimmed values (non-UTF-8 bytes replaced).
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// Every value of a header (lower-case name), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn first<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).next()
    }
}

/// Parses a head from the start of `buf`: Ok(None) when more bytes are needed, else the head
/// and how many bytes it took.
pub fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, Fail> {
    match parse_with(buf, false) {
        // A header value with a control byte: tiny_http and gunicorn let such a request
        // through, so parse again skipping that header line, unless it frames the body.
        Err(httparse::Error::HeaderValue) | Err(httparse::Error::HeaderName) => {
            let parsed = parse_with(buf, true).map_err(fail_for)?;
            if let Some((head, _)) = &parsed {
                if dropped_framing_header(buf, head) {
                    return Err(Fail::Status(400));
                }
            }
            Ok(parsed)
        }
        other => other.map_err(fail_for),
    }
}

fn parse_with(buf: &[u8], lenient: bool) -> Result<Option<(Head, usize)>, httparse::Error> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut slots);
    let status = httparse::ParserConfig::default()
        .ignore_invalid_headers_in_requests(lenient)
        .parse_request(&mut req, buf)?;
    let len = match status {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(None),
    };
    let headers = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect();
    let head = Head {
        method: req.method.unwrap_or("").to_string(),
        target: req.path.unwrap_or("").to_string(),
        version: req.version.unwrap_or(1),
        headers,
    };
    Ok(Some((head, len)))
}

fn fail_for(err: httparse::Error) -> Fail {
    match err {
        httparse::Error::TooManyHeaders => Fail::Status(431),
        httparse::Error::Version => Fail::Status(505),
        _ => Fail::Status(400),
    }
}

/// Whether the request line is complete within `buf` (decides 414 against 431 for an
/// oversized head).
pub fn request_line_ended(buf: &[u8]) -> bool {
    buf.contains(&b'\n')
}

/// A Content-Length or Transfer-Encoding line that the lenient parse skipped would leave the
/// body's framing unknown (a request smuggling vector): such a request is refused.
fn dropped_framing_header(buf: &[u8], head: &Head) -> bool {
    let raw = &buf[..buf.len().min(MAX_HEAD_BYTES)];
    let mut count = 0;
    for line in raw.split(|b| *b == b'\n').skip(1) {
        if line == b"\r" || line.is_empty() {
            break;
        }
        let name = line.split(|b| *b == b':').next().unwrap_or(b"");
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        if name == "content-length" || name == "transfer-encoding" {
            count += 1;
        }
    }
    let kept = head.values("content-length").count() + head.values("transfer-encoding").count();
    count != kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(buf: &[u8]) -> u16 {
        match parse(buf) {
            Err(Fail::Status(code)) => code,
            Err(_) => 0,
            Ok(Some(_)) => 200,
            Ok(None) => 100,
        }
    }

    #[test]
    fn maps_parse_errors_to_statuses() {
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n"), 100);
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(status(b"GET /\xff HTTP/1.1\r\n\r\n"), 400);
        let many: String = (0..150).map(|i| format!("h{i}: v\r\n")).collect();
        assert_eq!(
            status(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
    }

    #[test]
    fn control_bytes_drop_the_header_but_not_a_framing_one() {
        let ok = parse(b"GET / HTTP/1.1\r\nX-Auth-Token: \x01\x02\r\nA: b\r\n\r\n");
        let head = match ok {
            Ok(Some((head, _))) => head,
            _ => panic!("not parsed"),
        };
        assert_eq!(head.first("x-auth-token"), None);
        assert_eq!(head.first("a"), Some("b"));
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 5\x01\r\n\r\nhello"),
            400
        );
    }
}
