//! Users and groups: deleting one with everything that depends on it, revoking a user's
//! tokens, and the password-check bookkeeping on the stored user.

use crate::compliance;
use crate::error::Result;
use crate::model::{ActorKind, Group, RevokeEvent, User};
use crate::store::{application_credentials, assignment, credentials, identity, oauth1};
use crate::store::{revocation, trusts, Store, Writer};

/// Upstream's `delete_user` and the callbacks it notifies, inside the caller's transaction:
/// memberships and assignments, credentials (EC2 and TOTP ones included), application
/// credentials, trusts the user gave or received, OAuth1 access tokens it authorized, and a
/// revocation event for every token it holds.
pub fn delete_user_in(w: &impl Writer, user: &User, now: i64) -> Result<()> {
    identity::delete_user(w, user)?;
    // Its federated identities (3.14; upstream's federated_user rows cascade with the user).
    crate::store::shadow::delete_identities_of_user(w, &user.id)?;
    // Its mapped group memberships (upstream's expiring_user_group_membership rows go with
    // the user's).
    crate::store::shadow::delete_expiring_of_user(w, &user.id)?;
    // Its Huawei OS-USER profile (email, phone, access mode...).
    crate::store::iam::user_profiles::delete(w, &user.id)?;
    assignment::delete_for_actor(w, ActorKind::User, &user.id)?;
    credentials::delete_for_user(w, &user.id)?;
    application_credentials::delete_for_user(w, &user.id, None)?;
    // Its Huawei access keys (OS-CREDENTIAL).
    crate::store::iam::access_keys::delete_for_user(w, &user.id)?;
    for trust in trusts::list(w)? {
        if trust.trustor_user_id == user.id || trust.trustee_user_id == user.id {
            trusts::delete(w, &trust.id)?;
        }
    }
    for token in oauth1::list_access_tokens(w, &user.id)? {
        oauth1::delete_access_token(w, &user.id, &token.id)?;
    }
    // Its Huawei virtual MFA device and login protection.
    crate::store::iam::mfa::delete_for_user(w, &user.id)?;
    Ok(revocation::append(w, &[user_revocation(&user.id, now)])?)
}

/// DELETE /v3/users/{user_id} and /v2.0/users/{user_id}: `find` reads the user inside the
/// transaction (each API has its own rule for which users it may see: 404 otherwise).
pub fn delete_user(
    store: &Store,
    now: i64,
    mut find: impl FnMut(&crate::store::Tx) -> Result<User>,
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

/// A group with its memberships (mapped ones too) and the role assignments it holds.
pub fn delete_group_in(w: &impl Writer, group: &Group) -> Result<()> {
    identity::delete_group(w, group)?;
    crate::store::shadow::delete_expiring_of_group(w, &group.id)?;
    assignment::delete_for_actor(w, ActorKind::Group, &group.id)?;
    Ok(())
}

/// DELETE /v3/groups/{group_id}: the members of a group that held grants lose their tokens
/// (upstream's `delete_group` revokes them), recorded in the same transaction as the delete.
pub fn delete_group(store: &Store, group_id: &str, now: i64) -> Result<()> {
    let revoked = store.write(|w| -> Result<_> {
        let group = identity::require_group(w, group_id)?;
        let had_grants = assignment::actor_has_assignments(w, ActorKind::Group, &group.id)?;
        let members = identity::user_ids_in_group(w, &group.id)?;
        delete_group_in(w, &group)?;
        let revoked = had_grants && !members.is_empty();
        if revoked {
            let events: Vec<RevokeEvent> =
                members.iter().map(|u| user_revocation(u, now)).collect();
            revocation::append(w, &events)?;
        }
        Ok(revoked)
    })?;
    if revoked {
        store.reload_revocations()?;
    }
    Ok(())
}

/// A failed password check (upstream's `_record_failed_auth`), on the stored record.
pub fn record_failed_auth(w: &impl Writer, user_id: &str, now: f64) -> Result<()> {
    if let Some(mut user) = identity::get_user(w, user_id)? {
        compliance::record_failure(&mut user, now);
        identity::put_user(w, &user)?;
    }
    Ok(())
}

/// Clears the failure count (upstream's `_reset_failed_auth`) and, if given, records the day
/// of a successful authentication (`set_last_active_at`). Writes only what changes.
pub fn record_auth_success(
    w: &impl Writer,
    user_id: &str,
    reset: bool,
    today: Option<&str>,
) -> Result<()> {
    let Some(mut user) = identity::get_user(w, user_id)? else {
        return Ok(());
    };
    let before = user.clone();
    if reset {
        compliance::reset_failures(&mut user);
    }
    if let Some(day) = today {
        user.last_active_at = Some(day.to_string());
    }
    if user != before {
        identity::put_user(w, &user)?;
    }
    Ok(())
}

/// DELETE /v3/auth/tokens and DELETE /v2.0/tokens/{id}: the event that revokes one token (and
/// the tokens rescoped from it) by its first audit id.
pub fn revoke_token(store: &Store, audit_ids: &[String], now: i64) -> crate::error::Result<()> {
    let event = RevokeEvent {
        audit_id: audit_ids.first().cloned(),
        issued_before: now,
        revoked_at: now,
        ..Default::default()
    };
    Ok(store.revoke(vec![event])?)
}

#[cfg(test)]
mod compliance_tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn failures_are_counted_and_reset_on_the_stored_user() {
        let dir = std::env::temp_dir().join(format!(
            "ksl-identity-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("t.redb")).unwrap();
        let user = User {
            id: "u1".into(),
            name: "u".into(),
            domain_id: "d".into(),
            enabled: true,
            ..Default::default()
        };
        store.write(|w| identity::create_user(w, &user)).unwrap();
        store.write(|w| record_failed_auth(w, "u1", 10.0)).unwrap();
        store.write(|w| record_failed_auth(w, "u1", 11.0)).unwrap();
        // An unknown user is not an error (it was deleted meanwhile).
        store
            .write(|w| record_failed_auth(w, "nobody", 11.0))
            .unwrap();
        let got = store.read(|r| identity::require_user(r, "u1")).unwrap();
        assert_eq!(got.failed_auth_count, 2);
        assert_eq!(got.failed_auth_at, Some(11.0));
        let generation = store.generation();
        store
            .write(|w| record_auth_success(w, "u1", true, Some("2024-01-02")))
            .unwrap();
        let got = store.read(|r| identity::require_user(r, "u1")).unwrap();
        assert_eq!(got.failed_auth_count, 0);
        assert_eq!(got.failed_auth_at, None);
        assert_eq!(got.last_active_at.as_deref(), Some("2024-01-02"));
        assert!(store.generation() > generation);
        std::fs::remove_dir_all(dir).ok();
    }
}
