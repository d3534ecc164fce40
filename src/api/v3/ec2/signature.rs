//! The signatures: keystoneclient's `Ec2Signer` (EC2 v0, v1, v2, v4) and s3tokens' S3 v1/v4,
//! and the two checks that compare them, in constant time, with what the client sent.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use crate::credential_keys::hex;
use crate::error::Result;

use super::unauthorized;

fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `utils.auth_str_equal`: constant-time comparison.
pub(super) fn auth_str_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// `_get_utf8_value`: a parameter's text as Python's str() gives it.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Null => "None".to_string(),
        other => other.to_string(),
    }
}

/// `urllib.parse.quote(s, safe)`: every byte but ASCII letters, digits, `_.-~` and `safe`
/// percent-encoded (upper-case hex).
pub(super) fn quote(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &byte in s.as_bytes() {
        let c = byte as char;
        if byte.is_ascii_alphanumeric() || "_.-~".contains(c) || (byte < 128 && safe.contains(c)) {
            out.push(c);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Ec2Signer._canonical_qs`: keys sorted by code point, values quoted.
fn canonical_qs(params: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = params.keys().collect();
    keys.sort();
    keys.iter()
        .map(|k| {
            format!(
                "{}={}",
                quote(k, ""),
                quote(&value_text(&params[*k]), "-_~")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn text_of<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// `Ec2Signer.generate`. None when the request's form is not one upstream can sign (upstream
/// raises a bare exception there).
pub fn ec2_signature(secret: &str, credentials: &Map<String, Value>) -> Option<String> {
    let key = secret.as_bytes();
    let mut params = credentials.get("params")?.as_object()?.clone();
    let version = params.get("SignatureVersion").map(value_text);
    match version.as_deref() {
        Some("0") => {
            let msg = format!(
                "{}{}",
                text_of(&params, "Action")?,
                text_of(&params, "Timestamp")?
            );
            Some(b64(&hmac_sha1(key, msg.as_bytes())))
        }
        Some("1") => {
            let mut keys: Vec<&String> = params.keys().collect();
            keys.sort_by_key(|k| k.to_lowercase());
            let mut msg = Vec::new();
            for k in keys {
                msg.extend_from_slice(k.as_bytes());
                msg.extend_from_slice(value_text(&params[k]).as_bytes());
            }
            Some(b64(&hmac_sha1(key, &msg)))
        }
        Some("2") => {
            let verb = text_of(credentials, "verb")?;
            let host = text_of(credentials, "host")?;
            let path = text_of(credentials, "path")?;
            // hashlib.sha256 always exists: the signer always uses HmacSHA256.
            params.insert("SignatureMethod".into(), json!("HmacSHA256"));
            let to_sign = format!("{verb}\n{host}\n{path}\n{}", canonical_qs(&params));
            Some(b64(&hmac_sha256(key, to_sign.as_bytes())))
        }
        _ if is_v4(credentials) => ec2_signature_v4(key, credentials, &params),
        _ => None,
    }
}

/// `_v4_creds`: an AWS4-HMAC-SHA256 Authorization header or X-Amz-Algorithm parameter.
fn is_v4(credentials: &Map<String, Value>) -> bool {
    let header = credentials
        .get("headers")
        .and_then(|h| h.get("Authorization"));
    match header {
        Some(v) => v
            .as_str()
            .is_some_and(|s| s.starts_with("AWS4-HMAC-SHA256")),
        None => {
            credentials
                .get("params")
                .and_then(|p| p.get("X-Amz-Algorithm"))
                .and_then(Value::as_str)
                == Some("AWS4-HMAC-SHA256")
        }
    }
}

/// `_calc_signature_4`.
fn ec2_signature_v4(
    secret: &[u8],
    credentials: &Map<String, Value>,
    params: &Map<String, Value>,
) -> Option<String> {
    let verb = text_of(credentials, "verb")?;
    let path = text_of(credentials, "path")?;
    let headers = credentials.get("headers")?.as_object()?;
    let body_hash = text_of(credentials, "body_hash")?;
    let date = match headers.get("X-Amz-Date") {
        Some(d) => d.as_str()?.to_string(),
        None => text_of(params, "X-Amz-Date")?.to_string(),
    };
    let signed_headers = v4_auth_param(headers, params, "SignedHeaders")?;
    let canonical_query = if verb.to_uppercase() != "POST" {
        canonical_qs(params)
    } else {
        String::new()
    };
    let cr = [
        verb.to_uppercase(),
        path.to_string(),
        canonical_query,
        v4_canonical_headers(headers, &signed_headers),
        signed_headers.clone(),
        body_hash.to_string(),
    ]
    .join("\n");
    let credential = v4_auth_param(headers, params, "Credential")?;
    let split: Vec<&str> = credential.split('/').collect();
    let scope = split.get(1..)?.join("/");
    let credential_date = *split.get(1)?;
    if !date.starts_with(credential_date) {
        return None;
    }
    let to_sign = [
        "AWS4-HMAC-SHA256".to_string(),
        date,
        scope,
        hex(&Sha256::digest(cr.as_bytes())),
    ]
    .join("\n");
    let (region, service) = (*split.get(2)?, *split.get(3)?);
    let mut k = [b"AWS4".as_slice(), secret].concat();
    for part in [credential_date, region, service, "aws4_request"] {
        k = hmac_sha256(&k, part.as_bytes());
    }
    Some(hex(&hmac_sha256(&k, to_sign.as_bytes())))
}

/// A v4 signing field (`SignedHeaders`, `Credential`): from the Authorization header when
/// there is one, else from the `X-Amz-<name>` query parameter.
fn v4_auth_param(
    headers: &Map<String, Value>,
    params: &Map<String, Value>,
    name: &str,
) -> Option<String> {
    match headers.get("Authorization") {
        Some(auth) => {
            let auth = auth.as_str()?;
            let needle = format!("{name}=");
            let after = auth.split_once(&needle).map_or("", |(_, a)| a);
            Some(after.split(',').next().unwrap_or("").to_string())
        }
        None => params
            .get(&format!("X-Amz-{name}"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The canonical headers block: each signed header `name:value` (names lower-cased, the last
/// of duplicates winning), the host's port dropped for old boto clients, newline-terminated.
fn v4_canonical_headers(headers: &Map<String, Value>, signed_headers: &str) -> String {
    let lower: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.trim().to_lowercase(), value_text(v).trim().to_string()))
        .collect();
    let lookup = |h: &str| {
        lower
            .iter()
            .rev()
            .find(|(k, _)| k == h)
            .map(|(_, v)| v.clone())
    };
    let user_agent = lookup("user-agent").unwrap_or_default();
    let strip_port = is_old_boto(&user_agent);
    let mut header_list = Vec::new();
    for h in signed_headers.split(';') {
        let Some(v) = lookup(h) else { continue };
        if h == "host" && strip_port {
            header_list.push(format!("{h}:{}", v.split(':').next().unwrap_or("")));
        } else {
            header_list.push(format!("{h}:{v}"));
        }
    }
    header_list.join("\n") + "\n"
}

/// `re.match(r'Boto/2\.[0-9]\.[0-2]', user_agent)`.
pub(super) fn is_old_boto(ua: &str) -> bool {
    let b = ua.as_bytes();
    b.len() >= 10
        && ua.starts_with("Boto/2.")
        && b[7].is_ascii_digit()
        && b[8] == b'.'
        && (b'0'..=b'2').contains(&b[9])
}

/// EC2TokensResource._check_signature: a mismatch is retried with the host's port dropped.
pub(super) fn check_ec2_signature(
    secret: &str,
    credentials: &mut Map<String, Value>,
) -> Result<()> {
    let invalid = || unauthorized("Invalid EC2 signature.");
    let given = match credentials.get("signature") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            // Upstream signs first (which may fail) and then complains of the missing signature.
            ec2_signature(secret, credentials).ok_or_else(invalid)?;
            return Err(unauthorized("EC2 signature not supplied."));
        }
    };
    let signature = ec2_signature(secret, credentials).ok_or_else(invalid)?;
    if auth_str_equal(&given, &signature) {
        return Ok(());
    }
    let host = text_of(credentials, "host").unwrap_or_default().to_string();
    if host.contains(':') {
        let hostname = host_without_port(&host);
        credentials.insert("host".into(), json!(hostname));
        let signature = ec2_signature(secret, credentials).ok_or_else(invalid)?;
        if auth_str_equal(&given, &signature) {
            return Ok(());
        }
    }
    Err(invalid())
}

/// `urlsplit('//' + host).hostname`: the host lower-cased, without port or IPv6 brackets.
pub(super) fn host_without_port(host: &str) -> String {
    let h = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let h = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        h.split(':').next().unwrap_or("")
    };
    h.to_lowercase()
}

/// S3Resource._check_signature: `token` is the urlsafe-base64 string to sign.
pub(super) fn check_s3_signature(secret: &str, credentials: &mut Map<String, Value>) -> Result<()> {
    let invalid = || unauthorized("Invalid EC2 signature.");
    let token = credentials.get("token").map(value_text).unwrap_or_default();
    let to_sign = base64::engine::general_purpose::URL_SAFE
        .decode(token.as_bytes())
        .map_err(|_| invalid())?;
    let signature = s3_signature(secret, &to_sign)?;
    let given = credentials
        .get("signature")
        .map(value_text)
        .unwrap_or_default();
    if !auth_str_equal(&given, &signature) {
        return Err(unauthorized("Credential signature mismatch"));
    }
    Ok(())
}

/// `_calculate_signature_v1` / `_calculate_signature_v4` of s3tokens.
pub fn s3_signature(secret: &str, to_sign: &[u8]) -> Result<String> {
    if !to_sign.starts_with(b"AWS4") {
        return Ok(b64(&hmac_sha1(secret.as_bytes(), to_sign)));
    }
    let invalid = || unauthorized("Invalid EC2 signature.");
    let parts: Vec<&[u8]> = to_sign.split(|b| *b == b'\n').collect();
    if parts.len() != 4 || parts[0] != b"AWS4-HMAC-SHA256" {
        return Err(invalid());
    }
    let scope: Vec<&[u8]> = parts[2].split(|b| *b == b'/').collect();
    if scope.len() != 4 || scope[3] != b"aws4_request" {
        return Err(invalid());
    }
    if ![b"s3".as_slice(), b"iam", b"sts"].contains(&scope[2]) {
        return Err(invalid());
    }
    let mut k = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope[0]);
    k = hmac_sha256(&k, scope[1]);
    k = hmac_sha256(&k, scope[2]);
    k = hmac_sha256(&k, b"aws4_request");
    Ok(hex(&hmac_sha256(&k, to_sign)))
}
