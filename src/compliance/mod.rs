//! Upstream's `[security_compliance]` rules and multi-factor rules as plain functions over a
//! user record, the configuration and the time: no HTTP, no store. Messages are upstream's
//! (keystone/exception.py); where upstream's check sits is noted on each function.
//!
//! One job a file: this one holds the option names and the dates; `account` the state of an
//! account at a time (lockout, password expiry, inactivity), `password` the rules a new
//! password meets and what setting one records, `mfa` the multi-factor rules.

mod account;
mod mfa;
mod password;
#[cfg(test)]
mod tests;

use serde_json::Value;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::model::User;

pub use account::{
    account_locked, effectively_enabled, inactive, lockout, password_expired, password_is_expired,
    record_failure, reset_failures, user_disabled, Lockout,
};
pub use mfa::{mfa_rules, mfa_satisfied, required_methods};
pub use password::{
    change_required, check_history, check_minimum_age, check_password_not_locked,
    expiry_for_new_password, history_to_check, password_reused, set_password, validate_password,
};

/// Upstream's user resource options.
pub const IGNORE_CHANGE_PASSWORD: &str = "ignore_change_password_upon_first_use";
pub const IGNORE_PASSWORD_EXPIRY: &str = "ignore_password_expiry";
pub const IGNORE_LOCKOUT: &str = "ignore_lockout_failure_attempts";
pub const LOCK_PASSWORD: &str = "lock_password";
pub const IGNORE_INACTIVITY: &str = "ignore_user_inactivity";
pub const MFA_RULES: &str = "multi_factor_auth_rules";
pub const MFA_ENABLED: &str = "multi_factor_auth_enabled";

/// The auth methods this server has (upstream's loaded `[auth] methods` plus totp): an MFA
/// rule naming anything else is ignored, as upstream ignores methods it has not loaded.
pub const ACTIVE_METHODS: &[&str] = &[
    "external",
    "password",
    "token",
    "oauth1",
    "mapped",
    "application_credential",
    "totp",
];

/// A user option set to JSON `true` (upstream tests `option_value is True`).
pub fn option_true(user: &User, name: &str) -> bool {
    user.options.get(name) == Some(&Value::Bool(true))
}

/// Upstream's `password_expires_at` text: ISO 8601 with microseconds, no zone (UTC).
pub fn format_expiry(unix: f64) -> Option<String> {
    let nanos = (unix * 1e9) as i128;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
    ))
    .ok()
}

/// Parses `password_expires_at` back to Unix seconds.
pub fn parse_expiry(s: &str) -> Option<f64> {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    let at = PrimitiveDateTime::parse(s, &fmt).ok()?.assume_utc();
    Some(at.unix_timestamp_nanos() as f64 / 1e9)
}

/// The UTC day of a Unix time, as upstream's `last_active_at` date column.
pub fn day_of(unix: f64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(unix.floor() as i64).ok()?;
    at.format(format_description!("[year]-[month]-[day]")).ok()
}

fn days_between(from_day: &str, to_day: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    let a = time::Date::parse(from_day, &fmt).ok()?;
    let b = time::Date::parse(to_day, &fmt).ok()?;
    Some((b - a).whole_days())
}
