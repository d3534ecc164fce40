//! A user's own password change (POST /v3/users/{user_id}/password): the original password,
//! the lock, the minimum age and the history are checked against the very record the change
//! replaces. Verifying and hashing are slow by design, so they run outside the write
//! transaction; the write then re-checks that nothing they depended on has changed since
//! (a concurrent change or administrator reset) and, if it has, the whole change runs again
//! against the new record, as if the two had run one after the other.

use crate::compliance;
use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::User;
use crate::store::{identity, Store};

/// How many times a change is re-run when the record keeps changing under it; past that the
/// client is told to retry (409), as upstream reports a concurrent update.
const ATTEMPTS: usize = 5;

/// What the checks outside the write transaction read: if any of it changed meanwhile, they
/// must run again (a new password or reset, a disabled user, a `lock_password` option).
fn checked_state(user: &User) -> impl PartialEq + '_ {
    (
        &user.password_hash,
        user.password_created_at,
        user.enabled,
        &user.options,
    )
}

/// A user's own password change.
pub struct PasswordChange<'a> {
    pub user_id: &'a str,
    /// The new password.
    pub password: &'a str,
    /// `[identity] max_password_length`.
    pub max_length: usize,
}

/// The change: `authenticate` proves the original password on the record read (and keeps
/// upstream's failure bookkeeping), `hash` hashes the new one. 401 for an unknown user, as
/// for a wrong password.
pub fn change_password(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    change: &PasswordChange,
    now: f64,
    authenticate: impl Fn(&User) -> Result<()>,
    hash: impl Fn(&str) -> Result<String>,
) -> Result<()> {
    let (user_id, password) = (change.user_id, change.password);
    for _ in 0..ATTEMPTS {
        let read = store
            .read(|r| identity::get_user(r, user_id))?
            .ok_or_else(Error::unauthenticated)?;
        // Upstream's order: the original password first, then the new one's rules.
        authenticate(&read)?;
        if password.len() > change.max_length {
            return Err(Error::Validation(format!(
                "Password validation error: The password length must be less than or equal \
                 to {}.",
                change.max_length
            )));
        }
        compliance::validate_password(cfg, password)?;
        compliance::check_password_not_locked(&read)?;
        compliance::check_minimum_age(cfg, &read, now)?;
        compliance::check_history(cfg, &read, password)?;
        let new_hash = hash(password)?;
        let written = store.write(|w| -> Result<_> {
            let Some(current) = identity::get_user(w, user_id)? else {
                return Err(Error::unauthenticated());
            };
            if checked_state(&current) != checked_state(&read) {
                return Ok(false);
            }
            let mut new = current.clone();
            compliance::set_password(cfg, &mut new, Some(new_hash.clone()), now, true);
            identity::update_user(w, &current, &new)?;
            Ok(true)
        })?;
        if written {
            return Ok(());
        }
    }
    Err(Error::Conflict(
        "Conflict occurred attempting to store user - the user changed while its password \
         was being changed."
            .to_string(),
    ))
}
