//! A new password: the rules it must meet (regex, lock, minimum age, history) and what
//! setting one records (expiry, history, first-use change).

use serde_json::Value;

use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::User;

use super::{format_expiry, option_true};
use super::{IGNORE_CHANGE_PASSWORD, IGNORE_PASSWORD_EXPIRY, LOCK_PASSWORD};

/// Upstream's `validators.validate_password`: `password_regex` with Python's `re.match`
/// (anchored at the start only). Never echoes the password.
pub fn validate_password(cfg: &SecurityComplianceConfig, password: &str) -> Result<()> {
    let Some(pattern) = cfg.password_regex.as_deref().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let re = fancy_regex::Regex::new(pattern).map_err(|_| {
        log::error!(
            "Unable to validate password due to invalid regular expression - password_regex: {pattern}"
        );
        Error::Validation(
            "Password validation error: Unable to validate password due to invalid \
             configuration."
                .to_string(),
        )
    })?;
    let matched = match re.find(password) {
        // The leftmost match starts at 0 exactly when Python's re.match matches.
        Ok(Some(m)) => m.start() == 0,
        Ok(None) => false,
        Err(_) => false,
    };
    if matched {
        return Ok(());
    }
    let description = cfg
        .password_regex_description
        .clone()
        .unwrap_or_else(|| "None".to_string());
    Err(Error::Validation(format!(
        "The password does not match the requirements: {description}."
    )))
}

/// Upstream's `PasswordSelfServiceDisabled` (the user's `lock_password` option).
pub fn check_password_not_locked(user: &User) -> Result<()> {
    if option_true(user, LOCK_PASSWORD) {
        return Err(Error::Validation(
            "You cannot change your password at this time due to password policy \
             disallowing password changes. Please contact your administrator to reset your \
             password."
                .to_string(),
        ));
    }
    Ok(())
}

/// Upstream's `_validate_minimum_password_age`: only for a password the user set themself.
pub fn check_minimum_age(cfg: &SecurityComplianceConfig, user: &User, now: f64) -> Result<()> {
    if !user.password_self_service || cfg.minimum_password_age == 0 {
        return Ok(());
    }
    let min_age = f64::from(cfg.minimum_password_age) * 86_400.0;
    let allowed_at = user.password_created_at as f64 + min_age;
    if now < allowed_at {
        let days_left = ((allowed_at - now) / 86_400.0).floor() as i64;
        return Err(Error::Validation(format!(
            "You cannot change your password at this time due to the minimum password age. \
             Once you change your password, it must be used for {} day(s) before it can be \
             changed. Please try again in {days_left} day(s) or contact your administrator to \
             reset your password.",
            cfg.minimum_password_age
        )));
    }
    Ok(())
}

/// The hashes the new password must differ from: the last `unique_last_password_count`
/// passwords, the current one included (upstream's `_validate_password_history`).
pub fn history_to_check(cfg: &SecurityComplianceConfig, user: &User) -> Vec<String> {
    let count = cfg.unique_last_password_count as usize;
    if count == 0 {
        return Vec::new();
    }
    let mut all: Vec<String> = user.password_history.clone();
    all.extend(user.password_hash.clone());
    let skip = all.len().saturating_sub(count);
    all.split_off(skip)
}

/// Upstream's `PasswordHistoryValidationError`.
pub fn password_reused(cfg: &SecurityComplianceConfig) -> Error {
    Error::Validation(format!(
        "The new password cannot be identical to a previous password. The total number which \
         includes the new password must be unique is {}.",
        cfg.unique_last_password_count
    ))
}

/// Checks the new password against the history (slow: one hash verification each; run it
/// outside any store transaction).
pub fn check_history(cfg: &SecurityComplianceConfig, user: &User, password: &str) -> Result<()> {
    if history_to_check(cfg, user)
        .iter()
        .any(|h| crate::password::verify(password, h))
    {
        return Err(password_reused(cfg));
    }
    Ok(())
}

/// When a password set now expires: `password_expires_days` ahead (whole seconds, as
/// upstream's `replace(microsecond=0)`), unless the user ignores expiry.
pub fn expiry_for_new_password(
    cfg: &SecurityComplianceConfig,
    options: &serde_json::Map<String, Value>,
    now: f64,
) -> Option<String> {
    if options.get(IGNORE_PASSWORD_EXPIRY) == Some(&Value::Bool(true)) {
        return None;
    }
    let days = cfg.password_expires_days.filter(|d| *d > 0)?;
    format_expiry((now + f64::from(days) * 86_400.0).floor())
}

/// Upstream's `_change_password_required`: a password an administrator sets (create or
/// reset) must be changed at first use, unless the user ignores that.
pub fn change_required(
    cfg: &SecurityComplianceConfig,
    options: &serde_json::Map<String, Value>,
) -> bool {
    cfg.change_password_upon_first_use
        && options.get(IGNORE_CHANGE_PASSWORD) != Some(&Value::Bool(true))
}

/// Replaces the user's password with `new_hash` set at `now`, keeping the history upstream
/// keeps (the last `unique_last_password_count` passwords, at least one).
pub fn set_password(
    cfg: &SecurityComplianceConfig,
    user: &mut User,
    new_hash: Option<String>,
    now: f64,
    self_service: bool,
) {
    if let Some(old) = user.password_hash.take() {
        user.password_history.push(old);
    }
    let keep = (cfg.unique_last_password_count as usize).max(1);
    let skip = user.password_history.len().saturating_sub(keep);
    user.password_history.drain(..skip);
    let has_password = new_hash.is_some();
    user.password_hash = new_hash;
    user.password_created_at = now as i64;
    user.password_self_service = self_service;
    user.password_expires_at = if !self_service && change_required(cfg, &user.options) {
        // Expired from the start: the user must change it before anything else.
        format_expiry(now)
    } else if has_password {
        expiry_for_new_password(cfg, &user.options, now)
    } else {
        None
    };
}
