//! Shadow users' federated identities and the group memberships a mapping grants (which
//! lapse after the identity provider's `authorization_ttl`).

use super::tables::{key2, prefix_range, FEDERATED_IDENTITIES, SEP, USER_FEDERATED_IDENTITIES};
use super::{Reader, StoreResult, Writer};
use crate::model::FederatedIdentity;

fn identity_key(idp_id: &str, protocol_id: &str, unique_id: &str) -> String {
    key2(&key2(idp_id, protocol_id), unique_id)
}

/// The shadow user an (idp, protocol, unique id) login maps to.
pub fn find_identity(
    r: &impl Reader,
    idp_id: &str,
    protocol_id: &str,
    unique_id: &str,
) -> StoreResult<Option<FederatedIdentity>> {
    r.get(
        FEDERATED_IDENTITIES,
        &identity_key(idp_id, protocol_id, unique_id),
    )
}

/// A user's federated identities (its `federated` attribute).
pub fn identities_of_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<FederatedIdentity>> {
    let mut out = Vec::new();
    let (start, end) = prefix_range(user_id);
    for (key, unique_id) in r.scan(USER_FEDERATED_IDENTITIES, Some((&start, &end)))? {
        let rest = &key[user_id.len() + 1..];
        let unique_id = String::from_utf8_lossy(&unique_id);
        if let Some((idp_id, protocol_id)) = rest.split_once(SEP) {
            if let Some(identity) = find_identity(r, idp_id, protocol_id, &unique_id)? {
                out.push(identity);
            }
        }
    }
    Ok(out)
}

pub fn put_identity(w: &impl Writer, identity: &FederatedIdentity) -> StoreResult<()> {
    w.put(
        FEDERATED_IDENTITIES,
        &identity_key(&identity.idp_id, &identity.protocol_id, &identity.unique_id),
        identity,
    )?;
    w.put_bytes(
        USER_FEDERATED_IDENTITIES,
        &key2(
            &key2(&identity.user_id, &identity.idp_id),
            &identity.protocol_id,
        ),
        identity.unique_id.as_bytes(),
    )
}

/// Removes every federated identity of a user (its deletion, or a `federated` replacement).
pub fn delete_identities_of_user(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    for identity in identities_of_user(w, user_id)? {
        w.remove(
            FEDERATED_IDENTITIES,
            &identity_key(&identity.idp_id, &identity.protocol_id, &identity.unique_id),
        )?;
    }
    w.remove_prefix(USER_FEDERATED_IDENTITIES, user_id)?;
    Ok(())
}

use super::tables::{EXPIRING_MEMBERSHIPS, GROUP_EXPIRING_MEMBERS};
use crate::model::ExpiringMembership;

/// A user's mapped group memberships, expired or not (the caller knows the TTL and `now`).
pub fn expiring_of_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<ExpiringMembership>> {
    r.list_prefix(EXPIRING_MEMBERSHIPS, user_id)
}

/// Adds or refreshes (`last_verified`) a mapped membership; true when it is new, as
/// upstream's `add_user_to_group_expires`.
pub fn put_expiring(w: &impl Writer, m: &ExpiringMembership) -> StoreResult<bool> {
    let key = key2(&m.user_id, &m.group_id);
    let existed = w
        .get::<ExpiringMembership>(EXPIRING_MEMBERSHIPS, &key)?
        .is_some();
    w.put(EXPIRING_MEMBERSHIPS, &key, m)?;
    w.put_bytes(GROUP_EXPIRING_MEMBERS, &key2(&m.group_id, &m.user_id), b"")?;
    Ok(!existed)
}

pub fn remove_expiring(w: &impl Writer, user_id: &str, group_id: &str) -> StoreResult<()> {
    w.remove(EXPIRING_MEMBERSHIPS, &key2(user_id, group_id))?;
    w.remove(GROUP_EXPIRING_MEMBERS, &key2(group_id, user_id))?;
    Ok(())
}

/// A user's mapped memberships still in force at `now` (Unix seconds), each with when it
/// lapses: `last_verified` plus the IdP's `authorization_ttl` minutes, or
/// `default_ttl_minutes` when the IdP sets none (upstream's `ExpiringUserGroupMembership`).
pub fn active_expiring(
    r: &impl Reader,
    user_id: &str,
    default_ttl_minutes: i64,
    now: f64,
) -> StoreResult<Vec<(ExpiringMembership, i64)>> {
    let mut out = Vec::new();
    for m in expiring_of_user(r, user_id)? {
        let idp_ttl = super::federation::get_idp(r, &m.idp_id)?.and_then(|i| i.authorization_ttl);
        let ttl = idp_ttl.filter(|t| *t != 0).unwrap_or(default_ttl_minutes);
        let expires = m.last_verified + ttl * 60;
        if (expires as f64) > now {
            out.push((m, expires));
        }
    }
    Ok(out)
}
