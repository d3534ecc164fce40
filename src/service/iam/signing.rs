//! Huawei's SDK-HMAC-SHA256 request signature (huawei-iam-api.md §2), pure: parse the
//! `Authorization` header, rebuild the canonical request from what arrived, and compare
//! signatures in constant time. The same code signs (for tests and tools), so the verifier and
//! the signer cannot drift apart; both reproduce the SDK's own known answers (tests below).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::credential_keys::hex;
use crate::http::request::percent_decode;

/// The one algorithm verified; Huawei's others (SM3, ECDSA, SM2, derived V11) are refused.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// How far `X-Sdk-Date` may be from the server's clock (API Gateway's usual 15 minutes).
pub const MAX_SKEW_SECONDS: f64 = 900.0;
/// The payload hash a client may declare instead of hashing the body.
const SHA256_HEADER: &str = "x-sdk-content-sha256";

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was not accepted (all of them are a 401 to the caller).
#[derive(Debug, PartialEq)]
pub enum SignError {
    /// Another algorithm than SDK-HMAC-SHA256.
    Algorithm,
    /// The header, the signed header list or the date is not as the recipe says.
    Malformed,
    /// `X-Sdk-Date` outside the clock-skew window.
    Stale,
    /// The signature does not match.
    Mismatch,
}

/// The parts of `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, PartialEq)]
pub struct Authorization {
    pub access: String,
    /// Lower-case names, as listed (the client lists them sorted).
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// What a signature covers: the request as received.
pub struct Signed<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// Decoded query pairs, repeated keys included.
    pub query: &'a [(String, String)],
    /// Headers with lower-case names, repeated ones included.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Whether an Authorization value claims to be a Huawei signature at all (others, e.g. an
/// OIDC `Bearer`, are not this module's business).
pub fn is_huawei(value: &str) -> bool {
    let v = value.trim_start();
    v.starts_with("SDK-") || v.starts_with("V11-")
}

/// Parses the header; any other algorithm or shape is refused.
pub fn parse_authorization(value: &str) -> Result<Authorization, SignError> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').ok_or(SignError::Malformed)?;
    if algorithm != ALGORITHM {
        return Err(SignError::Algorithm);
    }
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, v) = part.trim().split_once('=').ok_or(SignError::Malformed)?;
        let slot = match name {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(SignError::Malformed),
        };
        if slot.replace(v.to_string()).is_some() {
            return Err(SignError::Malformed);
        }
    }
    let (Some(access), Some(signed), Some(signature)) = (access, signed, signature) else {
        return Err(SignError::Malformed);
    };
    let signed_headers: Vec<String> = signed.split(';').map(str::to_ascii_lowercase).collect();
    let ok = !access.is_empty()
        && signed_headers.iter().all(|h| !h.is_empty())
        && signature.len() == 64
        && signature.bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(SignError::Malformed);
    }
    Ok(Authorization {
        access,
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// `quote(s, safe='~')` as the SDK encodes: only `A-Za-z0-9_.-~` stay as they are.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path decoded, split on `/`, each segment re-encoded, always ending in `/`.
fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode(path);
    let mut uri: String = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Pairs sorted by key then value, each re-encoded, joined by `&` ("" when none).
fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One `name:value` line per signed header and per value (values trimmed and sorted); a
/// signed header that did not arrive makes the request malformed.
fn canonical_headers(headers: &[(String, String)], signed: &[String]) -> Result<String, SignError> {
    let mut out = String::new();
    for name in signed {
        let mut values: Vec<&str> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        if values.is_empty() {
            return Err(SignError::Malformed);
        }
        values.sort_unstable();
        for v in values {
            out.push_str(&format!("{name}:{v}\n"));
        }
    }
    Ok(out)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The canonical request of §2.3.
pub fn canonical_request(req: &Signed, signed: &[String]) -> Result<String, SignError> {
    let payload = match header(req.headers, SHA256_HEADER) {
        Some(declared) => declared.to_string(),
        None => hex(&Sha256::digest(req.body)),
    };
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers(req.headers, signed)?,
        signed.join(";"),
        payload
    ))
}

/// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(date: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    )
}

fn mac(secret: &str, text: &str) -> HmacSha256 {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(text.as_bytes());
    mac
}

/// `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`) as Unix seconds.
pub fn parse_sdk_date(s: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// `now` as an `X-Sdk-Date` value.
pub fn format_sdk_date(now: f64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(now as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Checks the date window, then the signature against `secret` (constant-time compare).
pub fn verify(auth: &Authorization, req: &Signed, secret: &str, now: f64) -> Result<(), SignError> {
    let date = header(req.headers, "x-sdk-date").ok_or(SignError::Malformed)?;
    let at = parse_sdk_date(date).ok_or(SignError::Malformed)?;
    if (now - at as f64).abs() > MAX_SKEW_SECONDS {
        return Err(SignError::Stale);
    }
    let canonical = canonical_request(req, &auth.signed_headers)?;
    let expected = decode_hex(&auth.signature).ok_or(SignError::Malformed)?;
    mac(secret, &string_to_sign(date, &canonical))
        .verify_slice(&expected)
        .map_err(|_| SignError::Mismatch)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `Authorization` value a client sends, signing every header given (which must include
/// `X-Sdk-Date`), as the Python SDK does: for tests and tools.
pub fn sign(access: &str, secret: &str, req: &Signed) -> Result<String, SignError> {
    let mut names: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let date = header(req.headers, "x-sdk-date").ok_or(SignError::Malformed)?;
    let canonical = canonical_request(req, &names)?;
    let signature = hex(&mac(secret, &string_to_sign(date, &canonical))
        .finalize()
        .into_bytes());
    Ok(format!(
        "{ALGORITHM} Access={access}, SignedHeaders={}, Signature={signature}",
        names.join(";")
    ))
}

#[cfg(test)]
#[path = "signing_tests.rs"]
mod tests;
