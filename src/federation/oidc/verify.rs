//! Bearer token verification: JWTs against the issuer's JWKS, opaque tokens by introspection.

use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, Header, Validation};
use serde_json::{Map, Value};

use super::config::OidcConfig;
use super::discovery::{has_kid, IssuerCache};
use super::http::IdpClient;
use super::OidcError;

/// A token's claims (or an introspection answer without `active`).
pub type Claims = Map<String, Value>;

/// One per App: holds the `[oidc]` settings, the HTTP client and the per-issuer caches
/// (behind a lock inside), so it is shared by reference across request threads.
pub struct OidcVerifier {
    pub(crate) config: OidcConfig,
    pub(crate) client: IdpClient,
    pub(crate) issuers: IssuerCache,
}

impl OidcVerifier {
    pub fn new(config: &OidcConfig) -> Self {
        OidcVerifier {
            config: config.clone(),
            client: IdpClient::new(config.http_timeout),
            issuers: IssuerCache::new(
                config.jwks_cache_ttl,
                config.jwks_refetch_interval,
                config.allow_http_issuers,
            ),
        }
    }

    /// Verifies a bearer token for an identity provider whose remote ids are `remote_ids`.
    /// A JWT (three dot-separated parts with a JSON header) is verified locally against its
    /// issuer's JWKS; anything else is introspected at the remote ids in order.
    pub fn verify_bearer(
        &self,
        token: &str,
        remote_ids: &[String],
        now_unix: i64,
    ) -> Result<Claims, OidcError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(OidcError::Invalid("empty token".to_string()));
        }
        match jwt_header(token) {
            Some(header) => self.verify_jwt(token, &header, remote_ids, now_unix),
            None => self.introspect(token, remote_ids, now_unix),
        }
    }

    pub(crate) fn verify_jwt(
        &self,
        token: &str,
        raw_header: &Claims,
        remote_ids: &[String],
        now_unix: i64,
    ) -> Result<Claims, OidcError> {
        let header = self.allowed_header(token, raw_header)?;
        let unverified = token
            .split('.')
            .nth(1)
            .and_then(segment_json)
            .ok_or_else(|| OidcError::Invalid("payload is not a JSON object".to_string()))?;
        let issuer = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(OidcError::MissingClaim("iss"))?;
        // Before any fetch: only an issuer the operator listed is ever contacted.
        if !remote_ids.iter().any(|r| r == issuer) {
            return Err(OidcError::WrongIssuer);
        }
        let keys = self
            .issuers
            .keys(&self.client, issuer, header.kid.as_deref())?;
        let claims = verify_signature(token, &header, &keys)?;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(OidcError::WrongIssuer);
        }
        check_times(&claims, now_unix, self.config.leeway, true)?;
        self.check_audience(&claims)?;
        Ok(claims)
    }

    /// Verifies an ID token against keys the operator gave (Huawei IAM's OpenID Connect
    /// configuration carries the IdP's JWKS itself: no discovery, no fetch): the issuer must
    /// be `issuer` and the audience must include `client_id`.
    pub fn verify_with_keys(
        &self,
        token: &str,
        keys: &[Jwk],
        issuer: &str,
        client_id: &str,
        now_unix: i64,
    ) -> Result<Claims, OidcError> {
        let token = token.trim();
        let raw_header =
            jwt_header(token).ok_or_else(|| OidcError::Invalid("not a JWT".to_string()))?;
        let header = self.allowed_header(token, &raw_header)?;
        let claims = verify_signature(token, &header, keys)?;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(OidcError::WrongIssuer);
        }
        check_times(&claims, now_unix, self.config.leeway, true)?;
        if !audiences(&claims).contains(&client_id) {
            return Err(OidcError::WrongAudience);
        }
        Ok(claims)
    }

    /// The token's header, once its `alg` is one `[oidc] allowed_algorithms` names. The
    /// policy is checked on the header's own text: `none` and HS* never get further.
    fn allowed_header(&self, token: &str, raw_header: &Claims) -> Result<Header, OidcError> {
        let alg = raw_header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::Invalid("header has no alg".to_string()))?;
        if !self.config.allowed_algorithms.iter().any(|a| a == alg) {
            return Err(OidcError::UnsupportedAlgorithm(alg.to_string()));
        }
        jsonwebtoken::decode_header(token).map_err(|_| OidcError::Invalid("header".to_string()))
    }

    pub(crate) fn check_audience(&self, claims: &Claims) -> Result<(), OidcError> {
        if self.config.audience.is_empty() {
            return Ok(());
        }
        if audiences(claims)
            .iter()
            .any(|a| self.config.audience.iter().any(|c| c == a))
        {
            Ok(())
        } else {
            Err(OidcError::WrongAudience)
        }
    }

    /// RFC 7662 at each remote id in the listed order (ids that are not acceptable issuer
    /// URLs, e.g. SAML entity ids, are skipped); the first `active: true` answer wins.
    fn introspect(
        &self,
        token: &str,
        remote_ids: &[String],
        now_unix: i64,
    ) -> Result<Claims, OidcError> {
        let credentials = self
            .config
            .introspection_credentials()
            .ok_or(OidcError::NotConfigured("introspection_client_id"))?;
        let mut inactive = false;
        let mut failure = None;
        for issuer in remote_ids {
            if self.issuers.check_url(issuer).is_err() {
                continue;
            }
            match self.introspect_at(issuer, token, credentials) {
                Ok(Some(mut claims)) => {
                    claims
                        .entry("iss")
                        .or_insert_with(|| Value::String(issuer.clone()));
                    check_times(&claims, now_unix, self.config.leeway, false)?;
                    self.check_audience(&claims)?;
                    return Ok(claims);
                }
                Ok(None) => inactive = true,
                Err(OidcError::UnknownIssuer) => {}
                Err(e) => failure = Some(e),
            }
        }
        Err(match (failure, inactive) {
            (Some(e), _) => e,
            (None, true) => OidcError::Inactive,
            (None, false) => OidcError::UnknownIssuer,
        })
    }

    /// Ok(None): inactive here (or active for another issuer).
    fn introspect_at(
        &self,
        issuer: &str,
        token: &str,
        credentials: (&str, &str),
    ) -> Result<Option<Claims>, OidcError> {
        let doc = self.issuers.discovery(&self.client, issuer)?;
        let endpoint = doc
            .introspection_endpoint
            .as_deref()
            .ok_or(OidcError::UnknownIssuer)?;
        self.issuers.check_url(endpoint)?;
        let form = [("token", token), ("token_type_hint", "access_token")];
        let (status, body) = self.client.post_form(endpoint, credentials, &form)?;
        if status != 200 {
            return Err(OidcError::IdpError(format!("{endpoint} answered {status}")));
        }
        let Value::Object(mut claims) = body else {
            return Err(OidcError::IdpError(format!("{endpoint}: not an object")));
        };
        if claims.remove("active") != Some(Value::Bool(true)) {
            return Ok(None);
        }
        match claims.get("iss").and_then(Value::as_str) {
            Some(iss) if iss != issuer => Ok(None),
            _ => Ok(Some(claims)),
        }
    }
}

/// The header of a compact JWS, if `token` is one (three parts, a JSON object first).
pub(crate) fn jwt_header(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (header, _, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    segment_json(header)
}

fn segment_json(segment: &str) -> Option<Claims> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Tries the keys the header can mean: the `kid`'s, else every key; a key whose own `alg`
/// differs from the header's is never used.
fn verify_signature(token: &str, header: &Header, keys: &[Jwk]) -> Result<Claims, OidcError> {
    let mut validation = Validation::new(header.alg);
    // Times and audience are checked by us against the request's clock (`now_unix`).
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let candidates = keys.iter().filter(|k| match &header.kid {
        Some(kid) => has_kid(k, kid),
        None => true,
    });
    for jwk in candidates {
        if jwk
            .common
            .key_algorithm
            .is_some_and(|ka| ka.to_string() != alg_name(header.alg))
        {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) => match e.kind() {
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidKeyFormat
                | ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidEcdsaKey
                | ErrorKind::InvalidEddsaKey => continue,
                _ => return Err(OidcError::Invalid("payload".to_string())),
            },
        }
    }
    Err(OidcError::WrongSignature)
}

fn alg_name(alg: Algorithm) -> String {
    format!("{alg:?}")
}

fn numeric(claims: &Claims, name: &'static str) -> Result<Option<i64>, OidcError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| OidcError::Invalid(format!("{name} is not a number"))),
        Some(_) => Err(OidcError::Invalid(format!("{name} is not a number"))),
    }
}

pub(crate) fn check_times(
    claims: &Claims,
    now: i64,
    leeway: i64,
    require_exp: bool,
) -> Result<(), OidcError> {
    match numeric(claims, "exp")? {
        Some(exp) if exp.saturating_add(leeway) < now => return Err(OidcError::Expired),
        None if require_exp => return Err(OidcError::MissingClaim("exp")),
        _ => {}
    }
    match numeric(claims, "nbf")? {
        Some(nbf) if nbf.saturating_sub(leeway) > now => Err(OidcError::NotYetValid),
        _ => Ok(()),
    }
}

pub(crate) fn audiences(claims: &Claims) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn times_with_leeway() {
        let c = claims(json!({"exp": 1000, "nbf": 900}));
        assert_eq!(check_times(&c, 1000, 0, true), Ok(()));
        assert_eq!(check_times(&c, 1001, 0, true), Err(OidcError::Expired));
        assert_eq!(check_times(&c, 1060, 60, true), Ok(()));
        assert_eq!(check_times(&c, 899, 0, true), Err(OidcError::NotYetValid));
        assert_eq!(check_times(&c, 850, 60, true), Ok(()));
        let none = claims(json!({}));
        assert_eq!(
            check_times(&none, 0, 0, true),
            Err(OidcError::MissingClaim("exp"))
        );
        assert_eq!(check_times(&none, 0, 0, false), Ok(()));
        let bad = claims(json!({"exp": "soon"}));
        assert!(matches!(
            check_times(&bad, 0, 0, true),
            Err(OidcError::Invalid(_))
        ));
    }

    fn verifier() -> OidcVerifier {
        OidcVerifier::new(&OidcConfig::default())
    }

    fn token(header: Value, payload: Value) -> String {
        let enc =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", enc(&header), enc(&payload))
    }

    #[test]
    fn algorithm_policy_refuses_before_any_fetch() {
        let v = verifier();
        let ids = vec!["https://idp.invalid".to_string()];
        let payload = json!({"iss": "https://idp.invalid", "exp": 10});
        for alg in ["none", "HS256", "HS512", "ES512", "RSA-OAEP"] {
            let t = token(json!({"alg": alg}), payload.clone());
            assert_eq!(
                v.verify_bearer(&t, &ids, 0),
                Err(OidcError::UnsupportedAlgorithm(alg.to_string())),
                "{alg}"
            );
        }
        let t = token(json!({"typ": "JWT"}), payload);
        assert!(matches!(
            v.verify_bearer(&t, &ids, 0),
            Err(OidcError::Invalid(_))
        ));
    }

    #[test]
    fn issuer_must_be_a_remote_id_before_any_fetch() {
        let v = verifier();
        let t = token(
            json!({"alg": "RS256", "kid": "k"}),
            json!({"iss": "https://evil.invalid"}),
        );
        let ids = vec!["https://idp.invalid".to_string()];
        assert_eq!(v.verify_bearer(&t, &ids, 0), Err(OidcError::WrongIssuer));
        let t = token(json!({"alg": "RS256"}), json!({"sub": "x"}));
        assert_eq!(
            v.verify_bearer(&t, &ids, 0),
            Err(OidcError::MissingClaim("iss"))
        );
        // Listed, but plain http on a non-loopback host: refused without a fetch.
        let t = token(
            json!({"alg": "RS256"}),
            json!({"iss": "http://idp.invalid"}),
        );
        let ids = vec!["http://idp.invalid".to_string()];
        assert!(matches!(
            v.verify_bearer(&t, &ids, 0),
            Err(OidcError::InsecureIssuer(_))
        ));
    }

    #[test]
    fn opaque_token_needs_introspection_credentials() {
        let v = verifier();
        let ids = vec!["https://idp.invalid".to_string()];
        assert_eq!(
            v.verify_bearer("opaque-token", &ids, 0),
            Err(OidcError::NotConfigured("introspection_client_id"))
        );
        assert!(matches!(
            v.verify_bearer("  ", &ids, 0),
            Err(OidcError::Invalid(_))
        ));
    }

    #[test]
    fn one_verifier_is_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<OidcVerifier>();
    }

    #[test]
    fn audience_forms() {
        let c = claims(json!({"aud": ["a", "keystone"]}));
        assert_eq!(audiences(&c), vec!["a", "keystone"]);
        let mut cfg = OidcConfig::default();
        cfg.apply("audience", "keystone").unwrap();
        let v = OidcVerifier::new(&cfg);
        assert_eq!(v.check_audience(&c), Ok(()));
        let other = claims(json!({"aud": "other"}));
        assert_eq!(v.check_audience(&other), Err(OidcError::WrongAudience));
        assert_eq!(
            v.check_audience(&claims(json!({}))),
            Err(OidcError::WrongAudience)
        );
    }
}
