//! OS-OAUTH2: the OAuth 2.0 client credentials grant (`POST /v3/OS-OAUTH2/token`), as upstream's
//! keystone/api/os_oauth2.py serves it. The client is an application credential: its id is the
//! client_id, its secret the client_secret (HTTP Basic, or the form fields). The access token is
//! the application-credential token that `POST /v3/auth/tokens` would issue for the same
//! credential; it is issued by that very code path, so it validates and scopes identically.
//!
//! OAuth2 errors are not Keystone errors: `{"error": <code>, "error_description": <text>}`
//! (compact, keys sorted, as flask's jsonify writes them), with the status upstream carries
//! over from the underlying failure. Upstream's default `[oauth2] oauth2_authn_methods` is
//! `tls_client_auth, client_secret_basic`; tls_client_auth only applies to a request that
//! carries a TLS client certificate, which this server (no mTLS) never sees, so every request
//! takes upstream's non-certificate path.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{percent_decode, Method, Request};
use crate::http::response::Response;
use crate::http::routes::Params;

const INVALID_CLIENT: &str = "invalid_client";
const INVALID_REQUEST: &str = "invalid_request";
const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
const OTHER_ERROR: &str = "other_error";
const AUTH_FAILED: &str = "Client authentication failed.";
const UNKNOWN_FAILURE: &str =
    "An unknown error occurred and failed to get an OAuth2.0 access token.";

/// Every other method on /v3/OS-OAUTH2/token: upstream's resource raises an OAuth2 error
/// (not Keystone's 405), so the route table lists each method to this handler.
pub fn method_not_allowed(app: &App, _: &Request, _: &Params) -> Result<Response> {
    Ok(oauth2_error(
        app,
        405,
        OTHER_ERROR,
        "The method is not allowed for the requested URL.",
    ))
}

/// OPTIONS /v3/OS-OAUTH2/token: flask answers it itself for every resource.
pub fn options_token(_: &App, _: &Request, _: &Params) -> Result<Response> {
    Ok(options())
}

/// POST /v3/OS-OAUTH2/token, public: the client authenticates in the request.
pub fn post_token(app: &App, req: &Request, _: &Params) -> Result<Response> {
    Ok(token(app, req))
}

/// POST /v3/OS-OAUTH2/token
fn token(app: &App, req: &Request) -> Response {
    let form = form_fields(req);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let Some(grant_type) = field("grant_type") else {
        log::info!("Get OAuth2.0 Access Token API: The parameter grant_type is required.");
        return oauth2_error(
            app,
            400,
            INVALID_REQUEST,
            "The parameter grant_type is required.",
        );
    };
    if grant_type != "client_credentials" {
        log::info!("Get OAuth2.0 Access Token API: unsupported grant_type.");
        return oauth2_error(
            app,
            400,
            UNSUPPORTED_GRANT_TYPE,
            &format!("The parameter grant_type {grant_type} is not supported."),
        );
    }
    let (mut client_id, mut client_secret) = (field("client_id"), field("client_secret"));
    if let Some((user, password)) = basic_credentials(req.header("authorization")) {
        client_id = Some(user);
        client_secret = Some(password);
    }
    let client_id = client_id.unwrap_or_default();
    if client_id.is_empty() {
        log::info!("Get OAuth2.0 Access Token API: failed to get a client_id from the request.");
        return oauth2_error(app, 401, INVALID_CLIENT, AUTH_FAILED);
    }
    // client_secret_basic (in upstream's default oauth2_authn_methods) needs a secret.
    let client_secret = client_secret.unwrap_or_default();
    if client_secret.is_empty() {
        log::info!(
            "Get OAuth2.0 Access Token API: failed to get client credentials from the request."
        );
        return oauth2_error(app, 401, INVALID_CLIENT, AUTH_FAILED);
    }
    match client_secret_basic(app, req, &client_id, &client_secret) {
        Ok(access_token) => {
            // Compact and key-sorted, as flask's jsonify writes it.
            let body = json!({
                "access_token": access_token,
                "expires_in": app.config.token.expiration,
                "token_type": "Bearer",
            });
            let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
            bytes.push(b'\n');
            Response::raw_json(200, bytes)
        }
        Err((code, error, description)) => {
            log::info!("Get OAuth2.0 Access Token API: {code} {error}");
            oauth2_error(app, code, error, &description)
        }
    }
}

/// Authenticates with the `application_credential` method exactly as `POST /v3/auth/tokens`
/// does (same verification, expiry, MFA and receipt rules) and returns the token it issues;
/// a failure as (status, OAuth2 error code, description), mapped as upstream maps them.
fn client_secret_basic(
    app: &App,
    req: &Request,
    client_id: &str,
    client_secret: &str,
) -> std::result::Result<String, (u16, &'static str, String)> {
    let auth = json!({"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": client_id, "secret": client_secret},
    }}});
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    // Upstream's authenticate_for_token reads an auth receipt from the request headers.
    if let Some(receipt) = req.header(crate::receipt::HEADER.to_ascii_lowercase().as_str()) {
        headers.push((
            crate::receipt::HEADER.to_ascii_lowercase(),
            receipt.to_string(),
        ));
    }
    let body = serde_json::to_vec(&auth).unwrap_or_default();
    let internal = Request::new(
        Method::Post,
        "/v3/auth/tokens".to_string(),
        "nocatalog".to_string(),
        headers,
        body,
        req.now,
    );
    match super::auth::issue_token(app, &internal) {
        Ok(resp) if resp.status == 201 => resp
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("X-Subject-Token"))
            .map(|(_, v)| v.clone())
            .ok_or((500, OTHER_ERROR, UNKNOWN_FAILURE.to_string())),
        // An auth receipt: upstream's InsufficientAuthMethods (a 401) becomes invalid_client.
        Ok(resp) if resp.status == 401 => Err((401, INVALID_CLIENT, insufficient(&resp.body))),
        Ok(resp) => Err((resp.status, OTHER_ERROR, UNKNOWN_FAILURE.to_string())),
        Err(Error::Unauthorized(message)) => Err((401, INVALID_CLIENT, message)),
        Err(Error::Validation(message)) => Err((400, INVALID_REQUEST, message)),
        Err(Error::Internal(detail)) => {
            log::error!("Get OAuth2.0 Access Token API: {detail}");
            Err((500, OTHER_ERROR, UNKNOWN_FAILURE.to_string()))
        }
        Err(other) => Err((other.code(), OTHER_ERROR, UNKNOWN_FAILURE.to_string())),
    }
}

/// Upstream's InsufficientAuthMethods message, from the receipt body issue_token answered.
fn insufficient(body: &[u8]) -> String {
    let receipt: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let user_id = receipt["receipt"]["user"]["id"].as_str().unwrap_or("");
    let methods: Vec<&str> = receipt["receipt"]["methods"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    format!(
        "Insufficient auth methods received for {user_id}. Auth Methods Provided: [{}].",
        methods.join(",")
    )
}

/// keystone/oauth2/handlers.py build_response: the body, and on a 401 where to authenticate.
fn oauth2_error(app: &App, code: u16, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    bytes.push(b'\n');
    let response = Response::raw_json(code, bytes);
    if code == 401 {
        response.with_header(
            "WWW-Authenticate",
            format!("Keystone uri=\"{}\"", app.identity_url()),
        )
    } else {
        response
    }
}

/// Flask's automatic OPTIONS answer for the resource.
fn options() -> Response {
    Response {
        status: 200,
        headers: vec![
            ("Content-Type", "text/html; charset=utf-8".to_string()),
            (
                "Allow",
                "DELETE, GET, PATCH, POST, HEAD, OPTIONS, PUT".to_string(),
            ),
        ],
        body: Vec::new(),
    }
}

/// werkzeug's `request.authorization` for the Basic scheme: strict base64, UTF-8, split at the
/// first ':'. Anything else (another scheme, bad base64) is no credentials.
fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let header = header?;
    if header.is_empty() {
        return None;
    }
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let rest = rest.trim_matches([' ', '\t']);
    // Python's b64decode(validate=True): standard alphabet, padding required, but it does not
    // insist that the unused trailing bits are zero.
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let decoded = engine.decode(rest).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':').unwrap_or((text.as_str(), ""));
    Some((user.to_string(), password.to_string()))
}

/// werkzeug's `request.form`: fields of an urlencoded or multipart/form-data body; any other
/// content type has none.
fn form_fields(req: &Request) -> Vec<(String, String)> {
    let Some(content_type) = req.header("content-type") else {
        return Vec::new();
    };
    let mut parts = content_type.split(';');
    let mimetype = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    match mimetype.as_str() {
        "application/x-www-form-urlencoded" => urlencoded(&req.body),
        "multipart/form-data" => {
            let boundary = parts.find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| v.trim().trim_matches('"').to_string())
            });
            match boundary {
                Some(b) if !b.is_empty() => multipart(&req.body, &b),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// Python's parse_qsl(keep_blank_values=True): '&'-separated, '+' is a space, a field without
/// '=' has an empty value.
fn urlencoded(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// The text fields of a multipart/form-data body (file parts are not form fields).
fn multipart(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut chunks = split_bytes(body, &delimiter).into_iter().skip(1);
    for chunk in chunks.by_ref() {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let Some(split) = find(chunk, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let value = &chunk[split + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let disposition = head.split("\r\n").find_map(|line| {
            let (name, v) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then_some(v)
        });
        let Some(disposition) = disposition else {
            continue;
        };
        let mut name = None;
        let mut is_file = false;
        for param in disposition.split(';').skip(1) {
            let Some((k, v)) = param.trim().split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(v.trim().trim_matches('"').to_string()),
                "filename" => is_file = true,
                _ => {}
            }
        }
        if let (Some(name), false) = (name, is_file) {
            out.push((name, String::from_utf8_lossy(value).into_owned()));
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut data: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(data, delimiter) {
        out.push(&data[..at]);
        data = &data[at + delimiter.len()..];
    }
    out.push(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn basic_credentials_as_werkzeug_reads_them() {
        let h = format!("Basic {}", b64("id:se:cret"));
        assert_eq!(
            basic_credentials(Some(&h)),
            Some(("id".into(), "se:cret".into()))
        );
        let h = format!("basic  {}", b64("id"));
        assert_eq!(basic_credentials(Some(&h)), Some(("id".into(), "".into())));
        assert_eq!(basic_credentials(Some("Basic !!!")), None);
        assert_eq!(basic_credentials(Some("Bearer abc")), None);
        assert_eq!(basic_credentials(Some("")), None);
        assert_eq!(basic_credentials(None), None);
    }

    #[test]
    fn urlencoded_keeps_blank_values() {
        assert_eq!(
            urlencoded(b"grant_type&a=b+c%21&x="),
            vec![
                ("grant_type".into(), "".into()),
                ("a".into(), "b c!".into()),
                ("x".into(), "".into())
            ]
        );
    }

    #[test]
    fn multipart_text_fields_only() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\n\
client_credentials\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\
Content-Type: text/plain\r\n\r\ndata\r\n--XyZ--\r\n";
        assert_eq!(
            multipart(body, "XyZ"),
            vec![("grant_type".into(), "client_credentials".into())]
        );
    }
}
