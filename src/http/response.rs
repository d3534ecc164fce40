//! Responses: status, headers, body. JSON bodies are written the way upstream's Python writes
//! them (", " and ": " separators, keys in insertion order), so bodies compare byte for byte;
//! error bodies are compact with sorted keys, as upstream's error handler writes them.

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// serde_json formatter with Python's json.dumps default separators.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// JSON the way Python's json.dumps writes it.
pub fn to_python_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Serializing a Value or our own structs to memory cannot fail.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"{}");
    }
    out
}

impl Response {
    /// A JSON body as upstream's flask-restful resources write it: ending with a newline.
    pub fn json(status: u16, value: &Value) -> Response {
        let mut body = to_python_json(value);
        body.push(b'\n');
        Response::raw_json(status, body)
    }

    /// A JSON body with no trailing newline, as upstream's token and discovery views write it.
    pub fn json_unterminated(status: u16, value: &Value) -> Response {
        Response::raw_json(status, to_python_json(value))
    }

    pub fn raw_json(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "application/json".to_string())],
            body,
        }
    }

    pub fn ok(value: &Value) -> Response {
        Response::json(200, value)
    }

    pub fn created(value: &Value) -> Response {
        Response::json(201, value)
    }

    pub fn no_content() -> Response {
        Response {
            status: 204,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }

    /// Upstream's error body; a 401 also says where to authenticate.
    pub fn error(err: &Error, identity_url: &str) -> Response {
        // Keys sorted, compact: {"error":{"code":..,"message":..,"title":..}}
        let body = serde_json::json!({"error": {
            "code": err.code(),
            "message": err.message(),
            "title": err.title(),
        }});
        // Upstream's error handler (flask's jsonify) ends the body with a newline.
        let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
        bytes.push(b'\n');
        let mut response = Response::raw_json(err.code(), bytes);
        if err.code() == 401 {
            response = response.with_header(
                "WWW-Authenticate",
                format!("Keystone uri=\"{identity_url}\""),
            );
        }
        if matches!(err, Error::MethodNotAllowed) {
            // Upstream's 405 body is flask's, not a Keystone error.
            response.body =
                b"{\"message\": \"The method is not allowed for the requested URL.\"}\n".to_vec();
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_separators() {
        let v = serde_json::json!({"b": [1, 2], "a": {"x": null}});
        assert_eq!(
            String::from_utf8(to_python_json(&v)).unwrap(),
            r#"{"b": [1, 2], "a": {"x": null}}"#
        );
    }

    #[test]
    fn error_body_is_upstreams() {
        let r = Response::error(&Error::unauthenticated(), "http://h/v3");
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            "{\"error\":{\"code\":401,\"message\":\"The request you have made requires authentication.\",\"title\":\"Unauthorized\"}}\n"
        );
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| *k == "WWW-Authenticate" && v == "Keystone uri=\"http://h/v3\""));
    }
}
