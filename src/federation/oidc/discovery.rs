//! Per-issuer caches of the discovery document and the JWKS, with the fetch policy: only
//! issuers an operator listed as remote ids reach here; a cached document lives
//! `jwks_cache_ttl`; an unknown `kid` refetches the JWKS at most once per
//! `jwks_refetch_interval`; an issuer that just failed is not retried (with nothing cached)
//! within that interval either, so a dead IdP costs one timeout per interval, not one per
//! request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use serde_json::Value;

use super::http::IdpClient;
use super::OidcError;

/// What we use of an issuer's `/.well-known/openid-configuration`.
#[derive(Debug)]
pub(crate) struct Discovery {
    pub jwks_uri: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
}

#[derive(Default)]
struct Entry {
    discovery: Option<(Arc<Discovery>, Instant)>,
    jwks: Option<(Arc<Vec<Jwk>>, Instant)>,
    /// When the JWKS was last fetched (or tried): the unknown-`kid` rate limit.
    last_jwks_fetch: Option<Instant>,
    /// When a fetch last failed: no retry within the refetch interval.
    last_failure: Option<Instant>,
}

pub(crate) struct IssuerCache {
    entries: Mutex<HashMap<String, Entry>>,
    ttl: Duration,
    refetch_interval: Duration,
    allow_http: bool,
}

fn within(at: Option<Instant>, interval: Duration) -> bool {
    at.is_some_and(|t| t.elapsed() < interval)
}

impl IssuerCache {
    pub(crate) fn new(ttl: Duration, refetch_interval: Duration, allow_http: bool) -> Self {
        IssuerCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
            refetch_interval,
            allow_http,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic elsewhere leaves only caches behind this lock: still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn check_url(&self, url: &str) -> Result<(), OidcError> {
        check_url(url, self.allow_http)
    }

    /// Refuses a fetch when the issuer failed within the refetch interval.
    fn backoff(&self, issuer: &str) -> Result<(), OidcError> {
        let entries = self.lock();
        match entries.get(issuer) {
            Some(e) if within(e.last_failure, self.refetch_interval) => Err(
                OidcError::Unreachable(format!("{issuer} failed recently; not retried yet")),
            ),
            _ => Ok(()),
        }
    }

    fn record_failure<T>(&self, issuer: &str, r: Result<T, OidcError>) -> Result<T, OidcError> {
        if r.is_err() {
            self.lock()
                .entry(issuer.to_string())
                .or_default()
                .last_failure = Some(Instant::now());
        }
        r
    }

    pub(crate) fn discovery(
        &self,
        client: &IdpClient,
        issuer: &str,
    ) -> Result<Arc<Discovery>, OidcError> {
        self.check_url(issuer)?;
        if let Some((doc, at)) = self.lock().get(issuer).and_then(|e| e.discovery.clone()) {
            if at.elapsed() < self.ttl {
                return Ok(doc);
            }
        }
        self.backoff(issuer)?;
        let doc = Arc::new(self.record_failure(issuer, fetch_discovery(client, issuer))?);
        self.check_url(&doc.jwks_uri)?;
        self.lock().entry(issuer.to_string()).or_default().discovery =
            Some((doc.clone(), Instant::now()));
        Ok(doc)
    }

    /// The issuer's keys; with a `kid` missing from the cached set, refetched (rate-limited).
    pub(crate) fn keys(
        &self,
        client: &IdpClient,
        issuer: &str,
        kid: Option<&str>,
    ) -> Result<Arc<Vec<Jwk>>, OidcError> {
        let known = |keys: &[Jwk]| kid.is_none_or(|kid| keys.iter().any(|k| has_kid(k, kid)));
        {
            let mut entries = self.lock();
            let entry = entries.entry(issuer.to_string()).or_default();
            let fresh = entry
                .jwks
                .as_ref()
                .filter(|(_, at)| at.elapsed() < self.ttl);
            match fresh {
                Some((keys, _)) if known(keys) => return Ok(keys.clone()),
                Some(_) if within(entry.last_jwks_fetch, self.refetch_interval) => {
                    return Err(OidcError::UnknownKey)
                }
                _ => {}
            }
            // Claimed under the lock, so concurrent unknown kids make one fetch, not many.
            entry.last_jwks_fetch = Some(Instant::now());
        }
        let doc = self.discovery(client, issuer)?;
        self.backoff(issuer)?;
        let keys = Arc::new(self.record_failure(issuer, fetch_jwks(client, &doc.jwks_uri))?);
        self.lock().entry(issuer.to_string()).or_default().jwks =
            Some((keys.clone(), Instant::now()));
        if known(&keys) {
            Ok(keys)
        } else {
            Err(OidcError::UnknownKey)
        }
    }
}

pub(crate) fn has_kid(key: &Jwk, kid: &str) -> bool {
    key.common.key_id.as_deref() == Some(kid)
}

fn string_field(doc: &Value, name: &str) -> Option<String> {
    doc.get(name).and_then(Value::as_str).map(str::to_string)
}

fn fetch_discovery(client: &IdpClient, issuer: &str) -> Result<Discovery, OidcError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let doc = client.get_json(&url)?;
    // OpenID Connect Discovery 4.3: the document must name the issuer we asked about.
    if doc.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err(OidcError::IdpError(format!("{url} names another issuer")));
    }
    Ok(Discovery {
        jwks_uri: string_field(&doc, "jwks_uri")
            .ok_or_else(|| OidcError::IdpError(format!("{url} has no jwks_uri")))?,
        authorization_endpoint: string_field(&doc, "authorization_endpoint"),
        token_endpoint: string_field(&doc, "token_endpoint"),
        introspection_endpoint: string_field(&doc, "introspection_endpoint"),
    })
}

/// Signing keys we can use; a key we cannot parse (another kty, an encryption key) is skipped
/// rather than failing the whole set.
fn fetch_jwks(client: &IdpClient, url: &str) -> Result<Vec<Jwk>, OidcError> {
    let doc = client.get_json(url)?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| OidcError::IdpError(format!("{url} has no keys")))?;
    Ok(keys
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter(|k| !matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption)))
        .collect())
}

/// https, or http on a loopback host (or anywhere when `allow_http`). URLs with userinfo are
/// refused: `http://127.0.0.1@elsewhere/` is not loopback.
pub(crate) fn check_url(url: &str, allow_http: bool) -> Result<(), OidcError> {
    let insecure = || OidcError::InsecureIssuer(url.to_string());
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err(insecure()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(insecure());
    }
    if https || allow_http || is_loopback(authority) {
        Ok(())
    } else {
        Err(insecure())
    }
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_policy() {
        assert!(check_url("https://idp.example.com/realms/x", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_url("http://127.9.9.9/x", false).is_ok());
        assert!(check_url("http://[::1]:9/x", false).is_ok());
        assert!(check_url("http://localhost:9/x", false).is_ok());
        assert!(check_url("http://idp.example.com", false).is_err());
        assert!(check_url("http://idp.example.com", true).is_ok());
        assert!(check_url("http://127.0.0.1@evil.example/", false).is_err());
        assert!(check_url("https://a@b/", true).is_err());
        assert!(check_url("file:///etc/passwd", true).is_err());
        assert!(check_url("https://", true).is_err());
        assert!(check_url("idp.example.com", true).is_err());
    }
}
