//! Users: deleting one with everything that depends on it, and revoking its tokens.

use crate::error::Result;
use crate::model::{RevokeEvent, User};
use crate::store::{application_credentials, credentials, identity, oauth1, revocation, trusts};
use crate::store::{Store, Writer};

/// Upstream's `delete_user` and the callbacks it notifies, inside the caller's transaction:
/// memberships and assignments, credentials (EC2 and TOTP ones included), application
/// credentials, trusts the user gave or received, OAuth1 access tokens it authorized, and a
/// revocation event for every token it holds.
pub fn delete_user_in(w: &impl Writer, user: &User, now: i64) -> Result<()> {
    identity::delete_user(w, user)?;
    credentials::delete_for_user(w, &user.id)?;
    application_credentials::delete_for_user(w, &user.id, None)?;
    for trust in trusts::list(w)? {
        if trust.trustor_user_id == user.id || trust.trustee_user_id == user.id {
            trusts::delete(w, &trust.id)?;
        }
    }
    for token in oauth1::list_access_tokens(w, &user.id)? {
        oauth1::delete_access_token(w, &user.id, &token.id)?;
    }
    Ok(revocation::append(w, &[user_revocation(&user.id, now)])?)
}

/// DELETE /v3/users/{user_id} and /v2.0/users/{user_id}: `find` reads the user inside the
/// transaction (each API has its own rule for which users it may see: 404 otherwise).
pub fn delete_user(
    store: &Store,
    now: i64,
    find: impl FnOnce(&redb::WriteTransaction) -> Result<User>,
) -> Result<User> {
    store.write(|w| {
        let user = find(w)?;
        delete_user_in(w, &user, now)?;
        Ok(user)
    })
}

/// DELETE /v3/users/{user_id}/tokens: every token the user holds now stops validating.
pub fn revoke_tokens_of_user(store: &Store, user_id: &str, now: i64) -> Result<()> {
    Ok(store.write(|w| {
        identity::require_user(w, user_id)?;
        revocation::append(w, &[user_revocation(user_id, now)])
    })?)
}

/// The event that revokes every token of a user issued up to `now`.
pub fn user_revocation(user_id: &str, now: i64) -> RevokeEvent {
    RevokeEvent {
        user_id: Some(user_id.to_string()),
        issued_before: now,
        revoked_at: now,
        ..Default::default()
    }
}
