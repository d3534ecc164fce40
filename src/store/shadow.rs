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

/// The moment a membership question is asked, with what it needs to decide whether a mapped
/// membership still counts: upstream's `ExpiringUserGroupMembership.expired` compares
/// `last_verified + ttl` with the current time, so every membership question carries the
/// request's time (no global clock) and `[federation] default_authorization_ttl`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsOf {
    /// Unix seconds (the request's `req.now`).
    pub now: f64,
    /// `[federation] default_authorization_ttl`, minutes.
    pub default_ttl_minutes: i64,
}

/// A user's mapped memberships still in force (upstream: `expires > utcnow()`), each with
/// when it lapses: `last_verified` plus the IdP's `authorization_ttl` minutes, or the
/// default when the IdP sets none or 0 (upstream's `if not ttl`).
pub fn active_expiring(
    r: &impl Reader,
    user_id: &str,
    at: AsOf,
) -> StoreResult<Vec<(ExpiringMembership, i64)>> {
    let mut out = Vec::new();
    for m in expiring_of_user(r, user_id)? {
        let idp_ttl = super::federation::get_idp(r, &m.idp_id)?.and_then(|i| i.authorization_ttl);
        let ttl = idp_ttl
            .filter(|t| *t != 0)
            .unwrap_or(at.default_ttl_minutes);
        let expires = m.last_verified.saturating_add(ttl.saturating_mul(60));
        if (expires as f64) > at.now {
            out.push((m, expires));
        }
    }
    Ok(out)
}

/// Every group a user is in at `at`: plain memberships, then mapped ones not lapsed (as
/// upstream's `list_groups_for_user`, which role computation and `/auth/projects` use).
pub fn group_ids_at(r: &impl Reader, user_id: &str, at: AsOf) -> StoreResult<Vec<String>> {
    let mut out = super::identity::group_ids_of_user(r, user_id)?;
    for (m, _) in active_expiring(r, user_id, at)? {
        if !out.contains(&m.group_id) {
            out.push(m.group_id);
        }
    }
    Ok(out)
}

/// Whether a user is in a group at `at`, plainly or by a mapped membership not lapsed
/// (upstream's `check_user_in_group`).
pub fn is_member_at(r: &impl Reader, group_id: &str, user_id: &str, at: AsOf) -> StoreResult<bool> {
    if super::identity::is_member(r, group_id, user_id)? {
        return Ok(true);
    }
    Ok(active_expiring(r, user_id, at)?
        .iter()
        .any(|(m, _)| m.group_id == group_id))
}

/// When the first of a user's mapped memberships in force at `at` lapses: a cached token
/// validation that counted them is good until then at most.
pub fn first_lapse(r: &impl Reader, user_id: &str, at: AsOf) -> StoreResult<Option<i64>> {
    Ok(active_expiring(r, user_id, at)?
        .into_iter()
        .map(|(_, expires)| expires)
        .min())
}

/// Removes every mapped membership of a user (its deletion).
pub fn delete_expiring_of_user(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    for m in expiring_of_user(w, user_id)? {
        remove_expiring(w, &m.user_id, &m.group_id)?;
    }
    Ok(())
}

/// Removes every mapped membership in a group (its deletion).
pub fn delete_expiring_of_group(w: &impl Writer, group_id: &str) -> StoreResult<()> {
    for user_id in w.suffixes(GROUP_EXPIRING_MEMBERS, group_id)? {
        remove_expiring(w, &user_id, group_id)?;
    }
    Ok(())
}

/// Removes the mapped memberships an identity provider granted (its deletion; upstream's
/// `idp_id` foreign key is `ON DELETE CASCADE`).
pub fn delete_expiring_of_idp(w: &impl Writer, idp_id: &str) -> StoreResult<()> {
    let granted: Vec<ExpiringMembership> = w.list(EXPIRING_MEMBERSHIPS)?;
    for m in granted.into_iter().filter(|m| m.idp_id == idp_id) {
        remove_expiring(w, &m.user_id, &m.group_id)?;
    }
    Ok(())
}
