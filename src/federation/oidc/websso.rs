//! WebSSO's authorization code flow (what mod_auth_openidc's `openid-connect` mode does): the
//! authorization request URL from the issuer's discovery document, and the code exchange at
//! its token endpoint with the verified ID token's claims as the result.
//!
//! The issuer passed in must be one the caller trusts (a remote id of the identity provider):
//! it is fetched from.

use serde_json::Value;

use super::verify::{audiences, jwt_header, Claims, OidcVerifier};
use super::OidcError;

impl OidcVerifier {
    /// The URL to send the browser to; `state` and `nonce` are the caller's (random, kept to
    /// check the callback and the ID token).
    pub fn authorization_url(
        &self,
        issuer: &str,
        client_id: &str,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        scope: &str,
    ) -> Result<String, OidcError> {
        let doc = self.issuers.discovery(&self.client, issuer)?;
        let endpoint = doc.authorization_endpoint.as_deref().ok_or_else(|| {
            OidcError::IdpError(format!("{issuer} has no authorization_endpoint"))
        })?;
        self.issuers.check_url(endpoint)?;
        let query = [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("scope", scope),
            ("state", state),
            ("nonce", nonce),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", query_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        let joiner = if endpoint.contains('?') { '&' } else { '?' };
        Ok(format!("{endpoint}{joiner}{query}"))
    }

    /// Exchanges an authorization code (client credentials from `[oidc] client_id` and
    /// `client_secret`) and returns the ID token's claims once verified: signature, issuer,
    /// times, `aud` containing our client id, and `nonce` equal to `expected_nonce`.
    pub fn exchange_code(
        &self,
        issuer: &str,
        code: &str,
        redirect_uri: &str,
        expected_nonce: &str,
        now_unix: i64,
    ) -> Result<Claims, OidcError> {
        let client_id = self
            .config
            .client_id
            .as_deref()
            .ok_or(OidcError::NotConfigured("client_id"))?;
        let secret = self
            .config
            .client_secret
            .as_deref()
            .ok_or(OidcError::NotConfigured("client_secret"))?;
        let doc = self.issuers.discovery(&self.client, issuer)?;
        let endpoint = doc
            .token_endpoint
            .as_deref()
            .ok_or_else(|| OidcError::IdpError(format!("{issuer} has no token_endpoint")))?;
        self.issuers.check_url(endpoint)?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        let (status, body) = self
            .client
            .post_form(endpoint, (client_id, secret), &form)?;
        if status != 200 {
            // A used, expired or forged code: the client's problem, not the IdP's.
            let error = body.get("error").and_then(Value::as_str).unwrap_or("?");
            return Err(OidcError::Invalid(format!(
                "token endpoint refused the code ({status} {error})"
            )));
        }
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::IdpError(format!("{endpoint} returned no id_token")))?;
        let header = jwt_header(id_token)
            .ok_or_else(|| OidcError::IdpError("id_token is not a JWT".to_string()))?;
        let claims = self.verify_jwt(id_token, &header, &[issuer.to_string()], now_unix)?;
        if !audiences(&claims).contains(&client_id) {
            return Err(OidcError::WrongAudience);
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(expected_nonce) {
            return Err(OidcError::NonceMismatch);
        }
        Ok(claims)
    }
}

/// application/x-www-form-urlencoded for a query value.
fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query_encode("openid email https://x/cb?a=1&b"),
            "openid%20email%20https%3A%2F%2Fx%2Fcb%3Fa%3D1%26b"
        );
    }
}
