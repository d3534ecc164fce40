//! OpenID Connect without Apache: what mod_auth_openidc does in front of upstream Keystone
//! (verify a bearer token against the IdP, present its claims as the mapping engine's input).
//!
//! - [`OidcVerifier::verify_bearer`]: a JWT (access or ID token) is verified against its
//!   issuer's JWKS, found by discovery; the unverified `iss` must be one of the identity
//!   provider's `remote_ids` before anything is fetched. An opaque token is introspected
//!   (RFC 7662) at the remote ids in their listed order.
//! - [`assertion_from_claims`]: the environment mod_auth_openidc gives Keystone.
//! - [`OidcVerifier::authorization_url`] and [`OidcVerifier::exchange_code`]: WebSSO's
//!   authorization code flow.
//!
//! Errors: every token problem is a 401 with upstream's body; an IdP we cannot reach (or that
//! answers nonsense) is also a 401, as upstream behind Apache answers, with the cause logged
//! at warn level (never the token). We chose 401 over 503 because keystoneauth and the
//! dashboards treat both as a failed login, and a 401 tells a client no more than upstream does.

pub mod assertion;
pub mod config;
mod discovery;
mod http;
mod verify;
mod websso;

pub use assertion::{assertion_from_claims, assertion_from_claims_websso};
pub use verify::{Claims, OidcVerifier};

use std::fmt;

/// Why a token or an IdP exchange was refused. The texts name claims, algorithms and URLs,
/// never a token or a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcError {
    /// Not a well-formed JWT (or its JSON is broken), or a claim of the wrong type.
    Invalid(String),
    /// `alg` is `none`, HMAC or not in `[oidc] allowed_algorithms`.
    UnsupportedAlgorithm(String),
    /// The token's `iss` is not one of the identity provider's remote ids.
    WrongIssuer,
    /// The issuer (or a URL its discovery names) is plain http where https is required.
    InsecureIssuer(String),
    /// No remote id of the identity provider is an issuer we can introspect at.
    UnknownIssuer,
    Expired,
    NotYetValid,
    WrongAudience,
    /// No key of the issuer's JWKS verifies the signature.
    WrongSignature,
    /// The `kid` is not in the issuer's JWKS, even after a (rate-limited) refetch.
    UnknownKey,
    MissingClaim(&'static str),
    /// Introspection answered `active: false` everywhere it was asked.
    Inactive,
    /// The ID token's nonce is not the one the authorization request carried.
    NonceMismatch,
    /// The IdP could not be reached within `[oidc] http_timeout` (or the connection broke).
    Unreachable(String),
    /// The IdP answered, but not as OpenID Connect says (bad discovery, JWKS, token answer).
    IdpError(String),
    /// Something `[oidc]` lacks for this operation (e.g. no client credentials).
    NotConfigured(&'static str),
}

impl fmt::Display for OidcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OidcError::Invalid(why) => write!(f, "invalid token: {why}"),
            OidcError::UnsupportedAlgorithm(alg) => write!(f, "algorithm '{alg}' not allowed"),
            OidcError::WrongIssuer => write!(f, "issuer is not a remote id of this IdP"),
            OidcError::InsecureIssuer(url) => write!(f, "not an https URL: {url}"),
            OidcError::UnknownIssuer => write!(f, "no remote id of this IdP can introspect"),
            OidcError::Expired => write!(f, "token expired"),
            OidcError::NotYetValid => write!(f, "token not yet valid"),
            OidcError::WrongAudience => write!(f, "token audience not accepted"),
            OidcError::WrongSignature => write!(f, "signature does not verify"),
            OidcError::UnknownKey => write!(f, "signing key not in the issuer's JWKS"),
            OidcError::MissingClaim(c) => write!(f, "claim '{c}' missing"),
            OidcError::Inactive => write!(f, "token inactive (introspection)"),
            OidcError::NonceMismatch => write!(f, "ID token nonce does not match"),
            OidcError::Unreachable(why) => write!(f, "IdP unreachable: {why}"),
            OidcError::IdpError(why) => write!(f, "IdP error: {why}"),
            OidcError::NotConfigured(what) => write!(f, "[oidc] {what} is not configured"),
        }
    }
}

impl std::error::Error for OidcError {}

impl From<OidcError> for crate::error::Error {
    fn from(e: OidcError) -> Self {
        match &e {
            OidcError::Unreachable(_) | OidcError::IdpError(_) | OidcError::NotConfigured(_) => {
                log::warn!("OpenID Connect: {e}")
            }
            _ => log::info!("OpenID Connect token refused: {e}"),
        }
        crate::error::Error::unauthenticated()
    }
}
