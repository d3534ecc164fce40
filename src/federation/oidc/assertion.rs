//! The environment mod_auth_openidc gives upstream Keystone, with upstream's documented
//! `OIDCClaimPrefix "OIDC-"` and `OIDCClaimDelimiter ";"`, so mappings written for upstream
//! (`OIDC-preferred_username`, `HTTP_OIDC_ISS`, ...) work unchanged.
//!
//! Per claim, as mod_auth_openidc's `oidc_util_appinfo_set_all` renders it (it passes claims
//! both as environment variables and as request headers by default):
//! - the name: prefix + the claim name with every byte that may not be in an HTTP header name
//!   (controls, separators `()<>@,;:\"/[]?={}`, space, tab, and here non-ASCII bytes) made `-`;
//!   the header form reaches WSGI as `HTTP_` + upper case with `-` as `_`;
//! - strings as they are; booleans `1`/`0`; integers in decimal; other numbers as C `%.8g`;
//!   objects as compact JSON (not flattened); arrays: string and boolean elements joined with
//!   `;` (other elements dropped); `null` sets nothing.
//!
//! `REMOTE_USER`: bearer tokens (mod_auth_openidc's OAuth 2.0 mode,
//! `OIDCOAuthRemoteUserClaim` default `sub`) get `sub`; WebSSO (`OIDCRemoteUserClaim` default
//! `sub@`) gets `sub@` + the issuer without its scheme.
//!
//! Not passed: the raw access or ID token (`OIDC_access_token`): it would end up wherever the
//! assertion is logged or shown (mapping debug output), and no mapping needs it.

use serde_json::{Map, Value};

pub const CLAIM_PREFIX: &str = "OIDC-";
pub const CLAIM_DELIMITER: &str = ";";

/// The assertion for a bearer token's claims: `OIDC-<claim>`, `HTTP_OIDC_<CLAIM>`, and
/// `REMOTE_USER` from `sub`.
pub fn assertion_from_claims(claims: &Map<String, Value>) -> Vec<(String, String)> {
    let remote_user = claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_string);
    build(claims, remote_user)
}

/// The assertion for a WebSSO login (mod_auth_openidc's `openid-connect` mode): as
/// [`assertion_from_claims`], with `REMOTE_USER` = `sub@issuer` (issuer without `https://`).
pub fn assertion_from_claims_websso(claims: &Map<String, Value>) -> Vec<(String, String)> {
    let sub = claims.get("sub").and_then(Value::as_str);
    let iss = claims.get("iss").and_then(Value::as_str).map(|i| {
        i.strip_prefix("https://")
            .or_else(|| i.strip_prefix("http://"))
            .unwrap_or(i)
    });
    let remote_user = match (sub, iss) {
        (Some(s), Some(i)) => Some(format!("{s}@{i}")),
        (Some(s), None) => Some(s.to_string()),
        _ => None,
    };
    build(claims, remote_user)
}

fn build(claims: &Map<String, Value>, remote_user: Option<String>) -> Vec<(String, String)> {
    let mut env = Vec::with_capacity(claims.len() * 2 + 1);
    for (name, value) in claims {
        let Some(text) = render(value) else { continue };
        let env_name = format!("{CLAIM_PREFIX}{}", header_name(name));
        let http_name = format!("HTTP_{}", env_name.to_ascii_uppercase().replace('-', "_"));
        env.push((env_name, text.clone()));
        env.push((http_name, text));
    }
    if let Some(user) = remote_user {
        env.push(("REMOTE_USER".to_string(), user));
    }
    env
}

/// mod_auth_openidc's `oidc_http_hdr_normalize_name`, byte by byte (its `char` is signed, so
/// bytes of a multi-byte character become `-` too).
fn header_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if !(32..127).contains(&b) || b"()<>@,;:\\\"/[]?={} \t".contains(&b) {
                '-'
            } else {
                b as char
            }
        })
        .collect()
}

fn render(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => format_g8(n.as_f64().unwrap_or_default()),
        }),
        Value::Object(_) => Some(value.to_string()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(CLAIM_DELIMITER),
        ),
        Value::Null => None,
    }
}

/// C's `printf("%.8g", v)`: 8 significant digits, trailing zeros dropped, exponent form when
/// the exponent is below -4 or at least 8.
fn format_g8(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "nan"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .to_string();
    }
    let sci = format!("{v:.7e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or_default();
    if !(-4..8).contains(&exp) {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (7 - exp).max(0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
        env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn claims_render_as_mod_auth_openidc() {
        let claims = json!({
            "sub": "alice", "iss": "https://idp.example.com/realms/x",
            "preferred_username": "alice", "groups": ["admins", "devs", 3, true, null],
            "email_verified": true, "disabled": false, "exp": 1700000000, "ratio": 0.5,
            "address": {"country": "GB", "locality": "Oxford"}, "nothing": null,
            "odd name/é": "x"
        });
        let env = assertion_from_claims(claims.as_object().unwrap());
        assert_eq!(get(&env, "OIDC-preferred_username"), Some("alice"));
        assert_eq!(get(&env, "HTTP_OIDC_PREFERRED_USERNAME"), Some("alice"));
        assert_eq!(get(&env, "OIDC-groups"), Some("admins;devs;1"));
        assert_eq!(get(&env, "HTTP_OIDC_GROUPS"), Some("admins;devs;1"));
        assert_eq!(get(&env, "OIDC-email_verified"), Some("1"));
        assert_eq!(get(&env, "OIDC-disabled"), Some("0"));
        assert_eq!(get(&env, "OIDC-exp"), Some("1700000000"));
        assert_eq!(get(&env, "OIDC-ratio"), Some("0.5"));
        assert_eq!(
            get(&env, "OIDC-address"),
            Some(r#"{"country":"GB","locality":"Oxford"}"#)
        );
        assert_eq!(
            get(&env, "HTTP_OIDC_ISS"),
            Some("https://idp.example.com/realms/x")
        );
        assert_eq!(get(&env, "OIDC-nothing"), None);
        assert_eq!(get(&env, "OIDC-odd-name---"), Some("x"));
        assert_eq!(get(&env, "REMOTE_USER"), Some("alice"));
        // Each claim once per form, in the claims' order, REMOTE_USER last.
        assert_eq!(env[0].0, "OIDC-sub");
        assert_eq!(env[1].0, "HTTP_OIDC_SUB");
        assert_eq!(env.last().unwrap().0, "REMOTE_USER");
    }

    #[test]
    fn websso_remote_user_names_the_issuer() {
        let claims = json!({"sub": "u1", "iss": "https://idp.example.com/realms/x"});
        let env = assertion_from_claims_websso(claims.as_object().unwrap());
        assert_eq!(
            get(&env, "REMOTE_USER"),
            Some("u1@idp.example.com/realms/x")
        );
        let env = assertion_from_claims(&Map::new());
        assert!(env.is_empty());
    }

    #[test]
    fn g8_matches_c() {
        for (v, s) in [
            (0.5, "0.5"),
            (1.0e-5, "1e-05"),
            (123456789.0, "1.2345679e+08"),
            (12345678.0, "12345678"),
            (0.0001, "0.0001"),
            (-2.25, "-2.25"),
            (1.234567891, "1.2345679"),
            (1.5e300, "1.5e+300"),
        ] {
            assert_eq!(format_g8(v), s, "{v}");
        }
    }
}
