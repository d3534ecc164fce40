//! RFC 5849 request checking as upstream's oauthlib endpoints do it (oauthlib 3.x
//! `BaseEndpoint._create_request`, `_check_mandatory_parameters`, `_check_signature`) with
//! keystone's `OAuthValidator` choices: 32 lowercase-hex client keys and tokens, hex nonces,
//! any timestamp/nonce accepted within the 600 s lifetime, HMAC-SHA1/256/512 and PLAINTEXT.

use base64::Engine as _;
use hmac::{Hmac, Mac};

/// An oauthlib `OAuth1Error`: its `error` code and description (keystone answers 400 with both).
#[derive(Debug)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError {
        error: "invalid_request",
        description: description.to_string(),
    }
}

/// The signed request: every parameter (header and query, in oauthlib's order) and the oauth_ ones.
#[derive(Debug)]
pub struct SignedRequest {
    /// (name, value) pairs without oauth_signature (and realm), for the base string.
    pub params: Vec<(String, String)>,
    pub oauth: Vec<(String, String)>,
    pub signature: Option<String>,
}

impl SignedRequest {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.oauth
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(s: &str) -> String {
    crate::http::request::percent_decode(s)
}

/// `utils.escape`: percent-encode everything but unreserved characters (`quote(s, safe='~')`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `utils.parse_authorization_header`: "OAuth k="v", ..." to unescaped pairs; None when the
/// header is not an OAuth one.
pub fn parse_authorization_header(header: &str) -> Option<Vec<(String, String)>> {
    let h = header.trim_start();
    if h.len() < 6 || !h[..6].eq_ignore_ascii_case("oauth ") {
        return None;
    }
    let mut out = Vec::new();
    for item in split_list(&h[6..]) {
        let (k, v) = item.split_once('=')?;
        let v = v.trim();
        let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            v[1..v.len() - 1]
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        } else {
            v.to_string()
        };
        out.push((unescape(k.trim()), unescape(&v)));
    }
    Some(out)
}

/// urllib2's `parse_http_list`: comma-separated, commas inside quotes kept.
fn split_list(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut escaped) = (Vec::new(), String::new(), false, false);
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if quoted && c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == '"' {
            cur.push(c);
            quoted = !quoted;
        } else if c == ',' && !quoted {
            out.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// `_create_request` + `_get_signature_type_and_params` for a header-signed request (keystone
/// hands oauthlib no form body). `query` is the request's decoded query pairs.
pub fn create_request(
    authorization: Option<&str>,
    query: &[(String, String)],
) -> Result<SignedRequest, OAuthError> {
    let header = authorization
        .and_then(parse_authorization_header)
        .unwrap_or_default();
    let is_oauth = |k: &str| k.starts_with("oauth_");
    let header_oauth = header.iter().any(|(k, _)| is_oauth(k));
    let query_oauth = query.iter().any(|(k, _)| is_oauth(k));
    if header_oauth && query_oauth {
        return Err(invalid_request(
            "('oauth_ params must come from only 1 signaturetype but were found in %s', 'AUTH_HEADER, QUERY')",
        ));
    }
    if !header_oauth && !query_oauth {
        return Err(invalid_request("Missing mandatory OAuth parameters."));
    }
    let source = if header_oauth { &header } else { query };
    let oauth: Vec<(String, String)> = source
        .iter()
        .filter(|(k, _)| is_oauth(k))
        .cloned()
        .collect();
    let mut names: Vec<&str> = oauth.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != oauth.len() {
        return Err(invalid_request("Duplicate OAuth1 entries."));
    }
    let realm_in_header = authorization.is_some_and(|a| a.contains("realm"));
    let params = header
        .iter()
        .chain(query.iter())
        .filter(|(k, _)| k != "oauth_signature" && !(realm_in_header && k == "realm"))
        .cloned()
        .collect();
    let signature = oauth
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .map(|(_, v)| v.clone());
    Ok(SignedRequest {
        params,
        oauth,
        signature,
    })
}

const SIGNATURE_METHODS: &str = "('HMAC-SHA1', 'HMAC-SHA256', 'HMAC-SHA512', 'RSA-SHA1', 'RSA-SHA256', 'RSA-SHA512', 'PLAINTEXT')";

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// keystone's `check_access_token`/`check_request_token`/`check_client_key`.
pub fn check_token_format(s: &str) -> bool {
    is_hex32(s)
}

/// `_check_mandatory_parameters` with keystone's validator.
pub fn check_mandatory(r: &SignedRequest, now: f64) -> Result<(), OAuthError> {
    let present = |k: &str| r.get(k).is_some_and(|v| !v.is_empty());
    if !(r.signature.as_deref().is_some_and(|s| !s.is_empty())
        && present("oauth_consumer_key")
        && present("oauth_nonce")
        && present("oauth_timestamp")
        && present("oauth_signature_method"))
    {
        return Err(invalid_request("Missing mandatory OAuth parameters."));
    }
    let method = r.get("oauth_signature_method").unwrap_or_default();
    if !SIGNATURE_METHODS.contains(&format!("'{method}'")) {
        return Err(OAuthError {
            error: "invalid_signature_method",
            description: format!("Invalid signature, {method} not in {SIGNATURE_METHODS}."),
        });
    }
    if r.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(invalid_request("Invalid OAuth version."));
    }
    let ts = r.get("oauth_timestamp").unwrap_or_default();
    if ts.chars().count() != 10 {
        return Err(invalid_request("Invalid timestamp size"));
    }
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| invalid_request("Timestamp must be an integer."))?;
    if (now - ts as f64).abs() > 600.0 {
        return Err(invalid_request(
            "Timestamp given is invalid, differ from allowed by over 600 seconds.",
        ));
    }
    if !is_hex32(r.get("oauth_consumer_key").unwrap_or_default()) {
        return Err(invalid_request("Invalid client key format."));
    }
    if !r
        .get("oauth_nonce")
        .unwrap_or_default()
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(invalid_request("Invalid nonce format."));
    }
    Ok(())
}

/// `signature.base_string_uri`: scheme and host lowercased, default ports dropped, no query.
pub fn base_string_uri(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let mut host = host.to_ascii_lowercase();
    if (scheme == "http" && host.ends_with(":80")) || (scheme == "https" && host.ends_with(":443"))
    {
        if let Some(i) = host.rfind(':') {
            host.truncate(i);
        }
    }
    let path = if path.is_empty() { "/" } else { path };
    format!("{scheme}://{host}{path}")
}

/// `signature_base_string(method, uri, normalize_parameters(params))`.
pub fn signature_base_string(method: &str, uri: &str, params: &[(String, String)]) -> String {
    let mut escaped: Vec<(String, String)> =
        params.iter().map(|(k, v)| (escape(k), escape(v))).collect();
    escaped.sort();
    let norm = escaped
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        escape(&method.to_ascii_uppercase()),
        escape(uri),
        escape(&norm)
    )
}

fn hmac_b64<M: Mac + hmac::digest::KeyInit>(key: &str, data: &str) -> Option<String> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(data.as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The signature oauthlib computes for `method`; None for RSA (keystone has no RSA key).
pub fn sign(
    method: &str,
    base: &str,
    client_secret: &str,
    token_secret: Option<&str>,
) -> Option<String> {
    let key = format!(
        "{}&{}",
        escape(client_secret),
        escape(token_secret.unwrap_or(""))
    );
    match method {
        "HMAC-SHA1" => hmac_b64::<Hmac<sha1::Sha1>>(&key, base),
        "HMAC-SHA256" => hmac_b64::<Hmac<sha2::Sha256>>(&key, base),
        "HMAC-SHA512" => hmac_b64::<Hmac<sha2::Sha512>>(&key, base),
        "PLAINTEXT" => Some(key),
        _ => None,
    }
}

/// `_check_signature` for HMAC and PLAINTEXT, compared in constant time.
pub fn verify(
    r: &SignedRequest,
    http_method: &str,
    uri: &str,
    client_secret: &str,
    token_secret: Option<&str>,
) -> bool {
    let method = r.get("oauth_signature_method").unwrap_or_default();
    let base = signature_base_string(http_method, uri, &r.params);
    let (Some(expected), Some(given)) = (
        sign(method, &base, client_secret, token_secret),
        r.signature.as_deref(),
    ) else {
        return false;
    };
    crate::password::constant_time_eq(expected.as_bytes(), given.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OAuth 1.0 photos example, signed as oauthlib 3.x signs it (value from oauthlib).
    #[test]
    fn rfc5849_example_signature() {
        let params: Vec<(String, String)> = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "hh5s93j4hdidpola"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
            ("file", "vacation.jpg"),
            ("size", "original"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let uri = base_string_uri("http", "Photos.Example.net:80", "/photos");
        assert_eq!(uri, "http://photos.example.net/photos");
        let base = signature_base_string("get", &uri, &params);
        let sig = sign(
            "HMAC-SHA1",
            &base,
            "kd94hf93k423kf44",
            Some("pfkkdhi9sl3r4s00"),
        );
        assert_eq!(sig.as_deref(), Some("5qHsDC4B6kalLgURXlYZCGJvc2s="));
    }

    #[test]
    fn header_parsing_and_mandatory_checks() {
        let h = r#"OAuth oauth_nonce="123", oauth_timestamp="1700000000", oauth_version="1.0", oauth_signature_method="HMAC-SHA1", oauth_consumer_key="0123456789abcdef0123456789abcdef", oauth_callback="oob", oauth_signature="a%2Bb%3D""#;
        let r = create_request(Some(h), &[]).unwrap();
        assert_eq!(r.signature.as_deref(), Some("a+b="));
        assert_eq!(r.get("oauth_callback"), Some("oob"));
        assert!(check_mandatory(&r, 1_700_000_100.0).is_ok());
        let e = check_mandatory(&r, 1_700_001_000.0).unwrap_err();
        assert_eq!(e.error, "invalid_request");
        let e = create_request(None, &[]).unwrap_err();
        assert_eq!(e.description, "Missing mandatory OAuth parameters.");
    }
}
