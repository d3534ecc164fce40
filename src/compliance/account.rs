//! The state of an account at a time: locked out after failed logins, password expired,
//! disabled for inactivity (upstream's keystone/identity/core.py and backends/sql.py).

use crate::config::SecurityComplianceConfig;
use crate::error::Error;
use crate::model::User;

use super::{day_of, days_between, option_true, parse_expiry};
use super::{IGNORE_INACTIVITY, IGNORE_LOCKOUT, IGNORE_PASSWORD_EXPIRY};

/// What the lockout rule says about a user before their password is checked
/// (upstream's `Identity._is_account_locked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Not locked; nothing to change.
    Open,
    /// Locked: refuse with `account_locked`, whatever the password.
    Locked,
    /// Was locked, the duration has passed: reset the failure count, then go on.
    Expired,
}

pub fn lockout(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> Lockout {
    if option_true(user, IGNORE_LOCKOUT) {
        return Lockout::Open;
    }
    let Some(max) = cfg.lockout_failure_attempts.filter(|m| *m > 0) else {
        return Lockout::Open;
    };
    if user.failed_auth_count < max {
        return Lockout::Open;
    }
    if cfg.lockout_duration == 0 {
        return Lockout::Locked;
    }
    let last = user.failed_auth_at.unwrap_or(0.0);
    if last + cfg.lockout_duration as f64 > now {
        Lockout::Locked
    } else {
        Lockout::Expired
    }
}

/// Upstream's `AccountLocked`, which its notification wrapper turns into the plain 401
/// (only the log names the locked account).
pub fn account_locked(user_id: &str) -> Error {
    log::warn!("Authorization failed. The account is locked for user: {user_id}.");
    Error::unauthenticated()
}

/// Upstream's `PasswordExpired`.
pub fn password_expired(user_id: &str) -> Error {
    Error::Unauthorized(format!(
        "The password is expired and needs to be changed for user: {user_id}."
    ))
}

/// Upstream's `UserDisabled`.
pub fn user_disabled(user_id: &str) -> Error {
    Error::Unauthorized(format!("The account is disabled for user: {user_id}."))
}

/// Records one failed password check (upstream's `_record_failed_auth`).
pub fn record_failure(user: &mut User, now: f64) {
    user.failed_auth_count = user.failed_auth_count.saturating_add(1);
    user.failed_auth_at = Some(now);
}

/// Clears the failure count (upstream's `_reset_failed_auth`).
pub fn reset_failures(user: &mut User) {
    user.failed_auth_count = 0;
    user.failed_auth_at = None;
}

/// Upstream's `password_is_expired`: an expiry in the past, unless the user ignores expiry.
pub fn password_is_expired(user: &User, now: f64) -> bool {
    if option_true(user, IGNORE_PASSWORD_EXPIRY) {
        return false;
    }
    user.password_expires_at
        .as_deref()
        .and_then(parse_expiry)
        .is_some_and(|at| now >= at)
}

/// Upstream's `User.enabled` hybrid: a user not seen for
/// `disable_user_account_days_inactive` days counts as disabled.
pub fn inactive(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> bool {
    let Some(max_days) = cfg.disable_user_account_days_inactive.filter(|d| *d > 0) else {
        return false;
    };
    if option_true(user, IGNORE_INACTIVITY) {
        return false;
    }
    let last = user
        .last_active_at
        .clone()
        .or_else(|| user.created_at.and_then(|c| day_of(c as f64)));
    let (Some(last), Some(today)) = (last, day_of(now)) else {
        return false;
    };
    days_between(&last, &today).is_some_and(|d| d >= i64::from(max_days))
}

/// The user as upstream's `enabled` property answers: stored flag and inactivity.
pub fn effectively_enabled(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> bool {
    user.enabled && !inactive(cfg, user, now)
}
