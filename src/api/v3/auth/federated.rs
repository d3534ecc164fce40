//! The federated parts of POST /v3/auth/tokens: the `mapped`/`openid`/`saml2` methods,
//! rescoping a federated token (upstream's `mapped.handle_scoped_token`), and the system
//! scope such a token cannot have.

use serde_json::{Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;

use super::issue::Proof;

/// A federated login (the mapping run on the request's assertion): the shadow user's id;
/// the token carries the IdP, protocol and mapped groups, and expires no later than the
/// login allows.
pub(super) fn authenticate(
    app: &App,
    req: &Request,
    identity_obj: &Map<String, Value>,
    method: &str,
    proof: &mut Proof,
    now: f64,
) -> Result<String> {
    let login =
        crate::api::v3::federation::auth::authenticate_mapped(app, req, identity_obj, method, now)?;
    proof.expires_at = proof.expires_at.min(login.expires_at);
    proof.federated = login.federated;
    Ok(login.user_id)
}

/// The `token` method with a federated parent (mapped.handle_scoped_token): its IdP must
/// still be enabled; the federation carries over, the parent's methods do not.
pub(super) fn rescope(
    app: &App,
    parent: &AuthContext,
    proof: &mut Proof,
) -> Result<(String, Vec<String>)> {
    let Some(fed) = &parent.token.federated else {
        return Err(Error::unauthenticated());
    };
    app.store
        .read(|r| crate::service::federated_login::enabled_idp(r, &fed.idp_id))?;
    proof.federated = Some(fed.clone());
    Ok((parent.user.id.clone(), vec![]))
}

/// A federated token cannot be scoped to the system. Upstream has no Fernet payload for
/// one: its provider finds no payload class and fails with a 500 (AttributeError). The
/// user cannot have that scope, so we answer as for any scope a user cannot have: 401.
pub(super) fn refuse_system_scope(proof: &Proof, requested: Option<&Value>) -> Result<()> {
    if proof.federated.is_some() && requested.is_some_and(|s| s.get("system").is_some()) {
        return Err(Error::unauthenticated());
    }
    Ok(())
}
