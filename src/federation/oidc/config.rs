//! `[oidc]`: keystone-lite's own settings for discovery, JWKS and introspection (upstream has
//! none: Apache's mod_auth_openidc is configured instead).
//!
//! | option | default | meaning |
//! | --- | --- | --- |
//! | `http_timeout` | `5` | seconds; connect, read and whole-call limit of every call to an IdP (discovery, JWKS, token, introspection). A dead IdP answers "unreachable" after at most about this long, never a hang. |
//! | `jwks_cache_ttl` | `3600` | seconds a fetched discovery document and JWKS are reused. |
//! | `jwks_refetch_interval` | `60` | seconds; a token naming a `kid` absent from the cached JWKS refetches it at most once per this interval per issuer (key rotation without letting random `kid`s hammer the IdP); also how long an unreachable IdP is not retried when nothing of it is cached. |
//! | `leeway` | `60` | seconds of clock skew allowed on `exp` and `nbf`. |
//! | `audience` | (none) | multi-valued (one line per value, or comma separated): when set, a JWT's `aud` (string or array) must contain one of them. Unset: `aud` is not checked (mod_auth_openidc's OAuth 2.0 default). |
//! | `allowed_algorithms` | `RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,EdDSA` | JWS algorithms accepted; only asymmetric ones can be named (`none` and `HS*` are refused at startup: an HS token could be "signed" with the IdP's public key). |
//! | `introspection_client_id` | `client_id` | client credentials (HTTP Basic) for RFC 7662 introspection of opaque tokens. |
//! | `introspection_client_secret` | `client_secret` | see above. |
//! | `client_id` | (none) | keystone-lite's client at the IdP, for WebSSO's authorization code flow (and introspection when no `introspection_client_*` is set). |
//! | `client_secret` | (none) | its secret (HTTP Basic at the token endpoint). |
//! | `scope` | `openid email profile` | scope asked for in WebSSO's authorization request. |
//! | `allow_http_issuers` | `false` | issuers, discovery and JWKS URLs must be `https://`, except on loopback hosts (`127.0.0.0/8`, `::1`, `localhost`), which may be `http://` (an IdP beside us, tests). `true` also allows plain `http://` elsewhere: never in production. |
//!
//! Opaque (non-JWT) tokens are introspected at the IdP's remote ids in the order they are
//! listed on the identity provider; the first that answers `active: true` wins.

use std::time::Duration;

/// The JWS algorithms we can verify with an IdP's public keys.
pub const ASYMMETRIC_ALGORITHMS: [&str; 9] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub http_timeout: Duration,
    pub jwks_cache_ttl: Duration,
    pub jwks_refetch_interval: Duration,
    /// Seconds of skew allowed on `exp`/`nbf`.
    pub leeway: i64,
    /// Accepted `aud` values; empty: `aud` is not checked.
    pub audience: Vec<String>,
    pub allowed_algorithms: Vec<String>,
    pub introspection_client_id: Option<String>,
    pub introspection_client_secret: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: String,
    pub allow_http_issuers: bool,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            http_timeout: Duration::from_secs(5),
            jwks_cache_ttl: Duration::from_secs(3600),
            jwks_refetch_interval: Duration::from_secs(60),
            leeway: 60,
            audience: Vec::new(),
            allowed_algorithms: ASYMMETRIC_ALGORITHMS
                .iter()
                .map(|a| a.to_string())
                .collect(),
            introspection_client_id: None,
            introspection_client_secret: None,
            client_id: None,
            client_secret: None,
            scope: "openid email profile".to_string(),
            allow_http_issuers: false,
        }
    }
}

fn seconds(value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a valid number of seconds"))
}

fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("'{value}' is not a valid boolean")),
    }
}

/// Only asymmetric algorithms: `none` and HMAC would let anyone holding the (public) JWKS
/// mint tokens.
fn parse_algorithms(value: &str) -> Result<Vec<String>, String> {
    let algs: Vec<String> = list(value).collect();
    if algs.is_empty() {
        return Err("allowed_algorithms may not be empty".to_string());
    }
    for alg in &algs {
        if !ASYMMETRIC_ALGORITHMS.contains(&alg.as_str()) {
            return Err(format!(
                "'{alg}' is not an allowed algorithm (one of {})",
                ASYMMETRIC_ALGORITHMS.join(", ")
            ));
        }
    }
    Ok(algs)
}

impl OidcConfig {
    /// Sets one `[oidc]` option; Ok(false) means the option is not one we know.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let text = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match key {
            "http_timeout" => self.http_timeout = Duration::from_secs(seconds(value)?.max(1)),
            "jwks_cache_ttl" => self.jwks_cache_ttl = Duration::from_secs(seconds(value)?),
            "jwks_refetch_interval" => {
                self.jwks_refetch_interval = Duration::from_secs(seconds(value)?)
            }
            "leeway" => self.leeway = seconds(value)?.min(86_400) as i64,
            // Multi-valued: each line (or comma-separated item) adds audiences.
            "audience" => self.audience.extend(list(value)),
            "allowed_algorithms" => self.allowed_algorithms = parse_algorithms(value)?,
            "introspection_client_id" => self.introspection_client_id = text(),
            "introspection_client_secret" => self.introspection_client_secret = text(),
            "client_id" => self.client_id = text(),
            "client_secret" => self.client_secret = text(),
            "scope" => self.scope = value.trim().to_string(),
            "allow_http_issuers" => self.allow_http_issuers = parse_bool(value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Client credentials for introspection: the dedicated pair, else the WebSSO client's.
    pub fn introspection_credentials(&self) -> Option<(&str, &str)> {
        match (
            &self.introspection_client_id,
            &self.introspection_client_secret,
        ) {
            (Some(id), Some(secret)) => Some((id, secret)),
            _ => Some((self.client_id.as_deref()?, self.client_secret.as_deref()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_none_algorithms_are_refused() {
        let mut c = OidcConfig::default();
        assert!(c.apply("allowed_algorithms", "RS256, HS256").is_err());
        assert!(c.apply("allowed_algorithms", "none").is_err());
        assert!(c.apply("allowed_algorithms", "").is_err());
        assert_eq!(c.apply("allowed_algorithms", "ES256,RS256"), Ok(true));
        assert_eq!(c.allowed_algorithms, vec!["ES256", "RS256"]);
    }

    #[test]
    fn options_parse() {
        let mut c = OidcConfig::default();
        assert_eq!(c.apply("http_timeout", "2"), Ok(true));
        assert_eq!(c.http_timeout, Duration::from_secs(2));
        assert_eq!(c.apply("audience", "keystone, other"), Ok(true));
        assert_eq!(c.apply("audience", "third"), Ok(true));
        assert_eq!(c.audience, vec!["keystone", "other", "third"]);
        assert_eq!(c.apply("allow_http_issuers", "True"), Ok(true));
        assert!(c.allow_http_issuers);
        assert!(c.apply("leeway", "soon").is_err());
        assert_eq!(c.apply("unknown", "x"), Ok(false));
        assert_eq!(c.introspection_credentials(), None);
        c.apply("client_id", "ks").unwrap();
        c.apply("client_secret", "s").unwrap();
        assert_eq!(c.introspection_credentials(), Some(("ks", "s")));
    }
}
