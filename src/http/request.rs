//! Our view of an HTTP request: method, percent-decoded path segments, query pairs, headers and
//! a body read under a size cap. Built once per request by the connection loop (connection.rs).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other,
}

impl Method {
    /// The method token of a request line; methods we do not route are `Other`.
    pub fn parse(token: &str) -> Method {
        match token {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

pub struct Request {
    pub method: Method,
    /// The path as sent, without the query (for `links.self`).
    pub path: String,
    /// The raw query string, without '?'.
    pub query_string: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request arrived (Unix seconds), read once from `App.clock`: every expiry
    /// and timestamp of this request uses it.
    pub now: f64,
    pub remote_addr: Option<std::net::IpAddr>,
    /// The route table pattern that served this request, set by the router (for metrics and
    /// the access log: a pattern, never the raw path).
    pub route: std::cell::Cell<Option<&'static str>>,
    /// The authenticated caller, set by the router once the token validated (the audit
    /// events' initiator, read after the answer).
    pub caller: std::cell::OnceCell<std::sync::Arc<crate::auth::AuthContext>>,
    /// What a delete's cascade removed besides its object (kind, id), set by the handler for
    /// the audit events sent after the answer.
    pub cascade: std::cell::RefCell<Vec<(&'static str, String)>>,
}

impl Request {
    pub fn new(
        method: Method,
        path: String,
        query_string: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now: f64,
    ) -> Request {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let query = query_string
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (form_decode(k), form_decode(v)),
                None => (form_decode(pair), String::new()),
            })
            .collect();
        Request {
            method,
            path,
            query_string,
            segments,
            query,
            headers,
            body,
            now,
            remote_addr: None,
            route: std::cell::Cell::new(None),
            caller: std::cell::OnceCell::new(),
            cascade: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header as received (names lower-case), repeated ones included: AK/SK signatures
    /// cover the headers a client chose to sign.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query flag as upstream reads them: present with no value, or a true-ish value.
    pub fn query_flag(&self, name: &str) -> bool {
        match self.query(name) {
            Some(v) => !matches!(
                v.to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off"
            ),
            None => false,
        }
    }

    /// The body as a JSON object, with upstream's checks: JSON or no content type, an object.
    pub fn json(&self) -> Result<Value> {
        if let Some(ct) = self.header("content-type") {
            let ct = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !ct.is_empty() && ct != "application/json" {
                return Err(Error::expecting("application/json", "Content-Type header"));
            }
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(Error::bad_request(
                "Expecting to find valid JSON in request body.",
            )),
        }
    }

    /// The body as a typed value (for bodies whose schema serde can state).
    pub fn json_as<T: DeserializeOwned>(&self) -> Result<T> {
        let value = self.json()?;
        serde_json::from_value(value).map_err(|e| Error::schema("body", "", &e.to_string()))
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding; invalid escapes are kept as they are, invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_segments_and_query() {
        let r = Request::new(
            Method::Get,
            "/v3/users/a%20b/".into(),
            "name=x+y&flag&bad=%zz&end=%4".into(),
            vec![],
            vec![],
            0.0,
        );
        assert_eq!(r.segments, vec!["v3", "users", "a b"]);
        assert_eq!(r.query("name"), Some("x y"));
        assert!(r.query_flag("flag"));
        assert_eq!(r.query("bad"), Some("%zz"));
        assert_eq!(r.query("end"), Some("%4"));
    }

    #[test]
    fn json_body_rules() {
        let mk = |ct: Option<&str>, body: &str| {
            let headers = ct
                .map(|c| vec![("content-type".to_string(), c.to_string())])
                .unwrap_or_default();
            Request::new(
                Method::Post,
                "/".into(),
                String::new(),
                headers,
                body.as_bytes().to_vec(),
                0.0,
            )
        };
        assert!(mk(None, "{}").json().is_ok());
        assert!(mk(Some("application/json; charset=utf-8"), "{\"a\":1}")
            .json()
            .is_ok());
        assert_eq!(mk(Some("text/plain"), "{}").json().unwrap_err().code(), 400);
        assert_eq!(mk(None, "[1]").json().unwrap_err().code(), 400);
        assert_eq!(mk(None, "{").json().unwrap_err().code(), 400);
    }
}
