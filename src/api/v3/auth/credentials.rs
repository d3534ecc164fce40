//! The guessable methods of POST /v3/auth/tokens: password and TOTP (finding the user as the
//! client named it, upstream's identity driver checks), under the failed-login limits.

use serde_json::{Map, Value};

use crate::app::App;
use crate::compliance;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::model::{Domain, User};
use crate::password;
use crate::store::{identity, resource, Reader};

/// The `password` or `totp` method (`method`), its object taken from the identity: the
/// user id on success.
pub(super) fn guessable(
    app: &App,
    req: &Request,
    identity_obj: &Map<String, Value>,
    method: &str,
    now: f64,
) -> Result<String> {
    let method_obj = identity_obj
        .get(method)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting(method, "identity"))?;
    // A Huawei virtual MFA device is a second factor only: its code counts for `totp` when
    // the same request also proves a password (Huawei's "password + virtual MFA" token) or
    // carries an auth receipt (Keystone's MFA rules: the first factor came before; the
    // receipt is checked to be this user's before any token is issued).
    let with_first_factor = req.header("openstack-auth-receipt").is_some()
        || identity_obj
            .get("methods")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|m| m == "password"));
    let authenticate = if method == "totp" && with_first_factor {
        authenticate_totp_or_device
    } else if method == "totp" {
        authenticate_totp
    } else {
        authenticate_password
    };
    limited(app, req, method_obj, now, authenticate)
}

/// Runs a guessable method (password, TOTP) under the failed-login limits of its source
/// address: refused with 429 while over them, and a 401 counts against them.
fn limited(
    app: &App,
    req: &Request,
    method_obj: &Map<String, Value>,
    now: f64,
    authenticate: fn(&App, &Map<String, Value>, f64) -> Result<String>,
) -> Result<String> {
    let user = limit_key(method_obj);
    app.login_limiter.guard(req.remote_addr, &user, now, || {
        authenticate(app, method_obj, now)
    })
}

/// The user a method names, as the client named it (an id, or a name in a domain): unknown
/// users are limited like known ones.
fn limit_key(method_obj: &Map<String, Value>) -> String {
    let user = method_obj.get("user");
    let field = |v: Option<&Value>, k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let domain = user.and_then(|u| u.get("domain"));
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        field(user, "id"),
        field(user, "name"),
        field(domain, "id"),
        field(domain, "name")
    )
}

/// Checks a password method's user and password; the user id on success.
fn authenticate_password(app: &App, password_obj: &Map<String, Value>, now: f64) -> Result<String> {
    let user_obj = password_obj
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "password"))?;
    let password = user_obj
        .get("password")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting("password", "user"))?;
    let user = app.store.read(|r| find_auth_user(r, user_obj))?;
    let Some((user, domain)) = user else {
        return Err(Error::unauthenticated());
    };
    if password.len() > app.config.identity.max_password_length {
        return Err(Error::unauthenticated());
    }
    // Upstream's UserAuthInfo refuses a disabled (or inactive) user or domain first, plainly.
    if !domain.enabled || !compliance::effectively_enabled(&app.config.security, &user, now) {
        return Err(Error::unauthenticated());
    }
    verify_password(app, &user, password, now, false)?;
    Ok(user.id)
}

/// Upstream's identity driver `authenticate(user_id, password)`, in its order: lockout
/// (`[security_compliance] lockout_*`), the password (a failure is counted), the user
/// enabled, the password not expired (skipped when `changing` it, as upstream's
/// change_password catches PasswordExpired); then the failure count is reset and the day
/// of activity recorded. Hashing runs outside any store transaction.
pub(crate) fn verify_password(
    app: &App,
    user: &User,
    password: &str,
    now: f64,
    changing: bool,
) -> Result<()> {
    // An account with a stored Huawei login/password policy locks out with its own
    // parameters (the same lockout code); any other keeps [security_compliance].
    let account = crate::service::iam::password_rules::policies(&app.store, &user.domain_id)?;
    let account_cfg = account.config(&app.config.security);
    let cfg = &account_cfg;
    let lock = compliance::lockout(cfg, user, now);
    if lock == compliance::Lockout::Locked {
        return Err(compliance::account_locked(&user.id));
    }
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(password, h));
    if !ok {
        app.store.write_bookkeeping(|w| {
            if lock == compliance::Lockout::Expired {
                crate::service::identity::record_auth_success(w, &user.id, true, None)?;
            }
            match account.failure_window() {
                Some(window) => crate::service::iam::password_rules::record_failed_login(
                    w, &user.id, now, window,
                ),
                None => crate::service::identity::record_failed_auth(w, &user.id, now),
            }
        })?;
        return Err(Error::unauthenticated());
    }
    if !compliance::effectively_enabled(cfg, user, now) {
        return Err(compliance::user_disabled(&user.id));
    }
    if !changing && compliance::password_is_expired(user, now) {
        return Err(compliance::password_expired(&user.id));
    }
    let today = compliance::day_of(now);
    let reset = user.failed_auth_count > 0 || lock == compliance::Lockout::Expired;
    if reset || user.last_active_at != today {
        app.store.write_bookkeeping(|w| {
            crate::service::identity::record_auth_success(w, &user.id, reset, today.as_deref())
        })?;
    }
    Ok(())
}

/// A `totp` method: the user as the password method finds it, then the passcode.
fn authenticate_totp(app: &App, totp_obj: &Map<String, Value>, now: f64) -> Result<String> {
    totp_checked(app, totp_obj, now, false)
}

/// A `totp` method beside `password`: the user's Keystone TOTP credentials first, then its
/// bound Huawei virtual MFA device (src/service/iam/mfa.rs).
fn authenticate_totp_or_device(
    app: &App,
    totp_obj: &Map<String, Value>,
    now: f64,
) -> Result<String> {
    totp_checked(app, totp_obj, now, true)
}

fn totp_checked(
    app: &App,
    totp_obj: &Map<String, Value>,
    now: f64,
    huawei_device: bool,
) -> Result<String> {
    let user_obj = totp_obj
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "totp"))?;
    let user = app.store.read(|r| find_auth_user(r, user_obj))?;
    let Some((user, domain)) = user else {
        return Err(Error::unauthenticated());
    };
    if !domain.enabled || !compliance::effectively_enabled(&app.config.security, &user, now) {
        return Err(Error::unauthenticated());
    }
    let keystone = crate::api::v3::totp::check_passcode(app, &user, user_obj, now);
    if keystone.is_err() && huawei_device {
        let given = user_obj.get("passcode").and_then(Value::as_str);
        if let Some(given) = given {
            if crate::service::iam::mfa::device_code_matches(app, &user.id, given, now)? {
                return Ok(user.id);
            }
        }
    }
    keystone?;
    Ok(user.id)
}

/// The user a method's `user` object names (by id, or by name in a domain), with its
/// domain; None when either is unknown.
fn find_auth_user(
    r: &impl Reader,
    user_obj: &Map<String, Value>,
) -> Result<Option<(User, Domain)>> {
    let user = if let Some(id) = user_obj.get("id").and_then(Value::as_str) {
        identity::get_user(r, id)?
    } else {
        let name = user_obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::expecting("id or name", "user"))?;
        let domain_obj = user_obj
            .get("domain")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::expecting("domain", "user"))?;
        match find_domain(r, domain_obj)? {
            Some(domain) => identity::find_user_by_name(r, &domain.id, name)?,
            None => None,
        }
    };
    let Some(user) = user else { return Ok(None) };
    let domain = resource::get_domain(r, &user.domain_id)?;
    Ok(domain.map(|d| (user, d)))
}

/// A domain given as {"id"} or {"name"}.
pub(super) fn find_domain(
    r: &impl Reader,
    domain_obj: &Map<String, Value>,
) -> Result<Option<Domain>> {
    if let Some(id) = domain_obj.get("id").and_then(Value::as_str) {
        Ok(resource::get_domain(r, id)?)
    } else if let Some(name) = domain_obj.get("name").and_then(Value::as_str) {
        Ok(resource::find_domain_by_name(r, name)?)
    } else {
        Err(Error::expecting("id or name", "domain"))
    }
}
