//! /v3/users: upstream's `UsersResource`, `UserResource`, password change, and a user's
//! projects and groups. Authentication and policy run in the route table; the target
//! builders check a body first where upstream's schema decorators run before its policy check
//! (400 before 403), and the handlers apply the identity manager's rules. An update applies
//! its patch to the record read inside its one write transaction.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::compliance;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, RevokeEvent, User};
use crate::store::{identity, resource, revocation};

use super::roles::{merge_options, require_matching_id};
use super::{extras, render_user};
use crate::pyrepr::py_repr;
use crate::validate::fields::{invalid, member};

const KNOWN: &[&str] = &[
    "name",
    "domain_id",
    "password",
    "enabled",
    "default_project_id",
    "options",
    "password_expires_at",
    "federated",
];

/// Upstream's user options: (name, is a boolean).
pub(super) const USER_OPTIONS: &[(&str, bool)] = &[
    ("ignore_change_password_upon_first_use", true),
    ("ignore_password_expiry", true),
    ("ignore_lockout_failure_attempts", true),
    ("lock_password", true),
    ("ignore_user_inactivity", true),
    ("multi_factor_auth_rules", false),
    ("multi_factor_auth_enabled", true),
];

mod body;
mod lists;

pub(crate) use lists::user_list;
pub use lists::{list, list_groups, list_projects, list_target};

use body::checked_body;

/// Upstream's `User.enabled` setter, run on create and on every update of an enabled user:
/// the failure count is cleared and, with inactivity tracking on, today counts as active.
fn mark_enabled(app: &App, user: &mut User, now: f64) {
    if !user.enabled {
        return;
    }
    if app
        .config
        .security
        .disable_user_account_days_inactive
        .is_some()
    {
        user.last_active_at = compliance::day_of(now);
    }
    compliance::reset_failures(user);
}

/// Upstream's `_assert_default_project_id_is_not_domain`: a missing project is fine.
fn assert_default_project_not_domain(
    r: &impl crate::store::Reader,
    project_id: Option<&str>,
) -> Result<()> {
    if let Some(id) = project_id {
        if resource::get_project(r, id)?.is_none() && resource::get_domain(r, id)?.is_some() {
            return Err(Error::Validation(format!(
                "User's default project ID cannot be a domain ID: {id}"
            )));
        }
    }
    Ok(())
}

/// Upstream's `_persist_revocation_event_for_user`: every token of these users issued up to
/// `now`.
fn user_revocations(user_ids: &[String], now: i64) -> Vec<RevokeEvent> {
    user_ids
        .iter()
        .map(|u| RevokeEvent {
            user_id: Some(u.clone()),
            issued_before: now,
            revoked_at: now,
            ..Default::default()
        })
        .collect()
}

/// Records the revocation of these users' tokens inside the caller's write transaction, so
/// the change that calls for it and the revocation commit together; the caller reloads the
/// in-memory copy (`Store::reload_revocations`) after the commit. `now` is the request's.
pub(crate) fn revoke_user_tokens_in(
    w: &impl crate::store::Writer,
    user_ids: &[String],
    now: i64,
) -> Result<()> {
    Ok(revocation::append(w, &user_revocations(user_ids, now))?)
}

/// Upstream's `_build_user_target_enforcement`: the user if it exists, with the view args
/// (policy runs on nothing for a missing user, then the handler 404s).
pub fn user_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let id = p.get("user_id");
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let mut target = json!({"user_id": id, "target": {}});
    if let Some(u) = &user {
        target["target"]["user"] = render_user(app, u);
    }
    Ok(target)
}

/// The user the target builder read, or 404.
pub(super) fn target_user<'g>(granted: &'g Granted, id: &str) -> Result<&'g Value> {
    granted.target()["target"]
        .get("user")
        .ok_or_else(|| Error::not_found("user", id))
}

/// Target of create_user: the body, checked first.
pub fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let (input, _) = checked_body(app, &app.schemas.user_create, &req.json()?)?;
    Ok(json!({"target": {"user": input}}))
}

/// Target of update_user: the body is checked first, then the user or nothing.
pub fn update_target(app: &App, req: &Request, p: &Params, ctx: &AuthContext) -> Result<Value> {
    checked_body(app, &app.schemas.user_update, &req.json()?)?;
    user_target(app, req, p, ctx)
}

/// GET/HEAD /v3/users/{user_id}: the user the target builder read.
pub fn get(_: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user = target_user(&granted, p.get("user_id"))?;
    Ok(Response::ok(&json!({"user": user})))
}

/// POST /v3/users
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let (input, fields) = checked_body(app, &app.schemas.user_create, &req.json()?)?;
    let context = granted.context();
    let name = fields.name.clone().unwrap_or_default().trim().to_string();
    let enabled = fields.enabled().unwrap_or(true);
    let domain_id = fields
        .domain_id
        .or_else(|| context.domain_id().map(str::to_string))
        .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string());
    let default_project_id = fields.default_project_id.flatten();
    let mut options = Map::new();
    if let Some(update) = fields.options {
        merge_options(&mut options, update);
    }
    let password = fields.password.flatten();
    if let Some(p) = &password {
        compliance::validate_password(&app.config.security, p)?;
    }
    // Hash before the write transaction: hashing is slow by design.
    let password_hash = match &password {
        Some(p) => Some(hash(app, p)?),
        None => None,
    };
    let now = req.now;
    let mut user = User {
        id: new_id(),
        name,
        domain_id,
        enabled,
        password_hash: None,
        default_project_id,
        password_expires_at: None,
        options,
        extra: extras(&input, KNOWN),
        created_at: Some(now as i64),
        ..Default::default()
    };
    if password_hash.is_some() {
        // Upstream's create sets the password before the user's options are attached, so
        // `ignore_change_password_upon_first_use` / `ignore_password_expiry` given at creation
        // do not shape the first expiry (a later update or login reads them).
        let options = std::mem::take(&mut user.options);
        compliance::set_password(&app.config.security, &mut user, password_hash, now, false);
        user.options = options;
    }
    mark_enabled(app, &mut user, now);
    // A new user has no tokens to revoke.
    user.password_created_at = 0;
    app.store.write(|w| -> Result<_> {
        resource::require_domain(w, &user.domain_id)?;
        assert_default_project_not_domain(w, user.default_project_id.as_deref())?;
        Ok(identity::create_user(w, &user)?)
    })?;
    Ok(Response::created(&json!({"user": render_user(app, &user)})))
}

fn hash(app: &App, password: &str) -> Result<String> {
    app.hasher.hash(password).map_err(Error::internal)
}

/// An update's fields, checked (and any new password hashed) before the write transaction.
struct UserPatch {
    name: Option<String>,
    enabled: Option<bool>,
    default_project_id: Option<Option<String>>,
    options: Option<Map<String, Value>>,
    /// A new password's hash (None inside: the password is removed).
    password_hash: Option<Option<String>>,
    extra: Map<String, Value>,
}

impl UserPatch {
    /// The updated record: `patch` applied to `old`, the record read in the same transaction,
    /// so fields this update does not name keep what a concurrent update wrote.
    fn apply(&self, app: &App, old: &User, now: f64) -> User {
        let mut new = old.clone();
        if let Some(name) = &self.name {
            new.name = name.clone();
        }
        if let Some(e) = self.enabled {
            new.enabled = e;
        }
        if let Some(project) = &self.default_project_id {
            new.default_project_id = project.clone();
        }
        if let Some(update) = &self.options {
            merge_options(&mut new.options, update.clone());
        }
        if let Some(new_hash) = &self.password_hash {
            // An administrator's reset: kept in the history but not checked against it, and
            // expired at once under change_password_upon_first_use. Tokens issued before it
            // stop validating (password_created_at).
            compliance::set_password(&app.config.security, &mut new, new_hash.clone(), now, false);
        }
        mark_enabled(app, &mut new, now);
        for (k, v) in &self.extra {
            new.extra.insert(k.clone(), v.clone());
        }
        new
    }
}

/// PATCH /v3/users/{user_id}: one write transaction re-reads the user, applies the patch,
/// moves the name index and, when the update disables the user, records the revocation of
/// its tokens. Hashing a new password happens before it (hashing is slow by design).
pub fn update(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("user_id");
    let (input, fields) = checked_body(app, &app.schemas.user_update, &req.json()?)?;
    let shown_before = target_user(&granted, id)?;
    require_matching_id(&input, id)?;
    // The domain never changes, so the record the target builder read answers this.
    if input
        .get("domain_id")
        .is_some_and(|d| d.as_str() != shown_before["domain_id"].as_str())
    {
        return Err(Error::Validation("Cannot change Domain ID".to_string()));
    }
    let password = &fields.password;
    if let Some(Some(p)) = password {
        compliance::validate_password(&app.config.security, p)?;
    }
    let password_hash = match password {
        Some(Some(p)) => Some(Some(hash(app, p)?)),
        Some(None) => Some(None),
        None => None,
    };
    let patch = UserPatch {
        name: fields.name.as_ref().map(|n| n.trim().to_string()),
        enabled: fields.enabled(),
        default_project_id: fields.default_project_id.clone(),
        options: fields.options.clone(),
        password_hash,
        extra: extras(&input, KNOWN),
    };
    let now = req.now;
    let (new, revoked) = app.store.write(|w| -> Result<_> {
        let old = identity::require_user(w, id)?;
        let new = patch.apply(app, &old, now);
        assert_default_project_not_domain(w, new.default_project_id.as_deref())?;
        identity::update_user(w, &old, &new)?;
        let revoked = old.enabled && !new.enabled;
        if revoked {
            revoke_user_tokens_in(w, std::slice::from_ref(&new.id), now as i64)?;
        }
        Ok((new, revoked))
    })?;
    if revoked {
        app.store.reload_revocations()?;
    }
    // Upstream's update answer also carries the raw `extra` column, before `options`.
    let mut shown = Map::new();
    if let Value::Object(fields) = render_user(app, &new) {
        for (k, v) in fields {
            if k == "options" {
                shown.insert("extra".into(), Value::Object(new.extra.clone()));
            }
            shown.insert(k, v);
        }
    }
    Ok(Response::ok(&json!({"user": shown})))
}

/// DELETE /v3/users/{user_id}
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("user_id");
    // The cascade is the service layer's, shared with /v2.0/users and domain deletion.
    crate::service::identity::delete_user(&app.store, req.now as i64, |w| {
        Ok(identity::require_user(w, id)?)
    })?;
    Ok(Response::no_content())
}

/// POST /v3/users/{user_id}/password: a user changes their own password, proving the old one.
/// Upstream leaves it unenforced: the original password is the proof.
pub fn change_password(app: &App, req: &Request, p: &Params) -> Result<Response> {
    let id = p.get("user_id");
    let body = req.json()?;
    let input = member(&body, "user")?;
    // Upstream's `password_change` schema: both strings, required, nothing else.
    for field in ["original_password", "password"] {
        if let Some(v) = input.get(field) {
            if !v.is_string() {
                return Err(invalid(
                    field,
                    v,
                    &format!("{} is not of type 'string'", py_repr(v)),
                ));
            }
        }
    }
    let unexpected: Vec<String> = input
        .keys()
        .filter(|k| k.as_str() != "original_password" && k.as_str() != "password")
        .map(|k| py_repr(&json!(k)))
        .collect();
    if !unexpected.is_empty() {
        let verb = if unexpected.len() == 1 { "was" } else { "were" };
        return Err(Error::Validation(format!(
            "Additional properties are not allowed ({} {verb} unexpected)",
            unexpected.join(", ")
        )));
    }
    for field in ["original_password", "password"] {
        if !input.contains_key(field) {
            return Err(Error::Validation(format!(
                "'{field}' is a required property"
            )));
        }
    }
    let original = input
        .get("original_password")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let password = input
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let Some(user) = user else {
        return Err(Error::unauthenticated());
    };
    let now = req.now;
    // Upstream authenticates with the original password first (lockout and failure count
    // included); an expired password may be changed.
    super::auth::verify_password(app, &user, original, now, true)?;
    if password.len() > app.config.identity.max_password_length {
        return Err(Error::Validation(format!(
            "Password validation error: The password length must be less than or equal to {}.",
            app.config.identity.max_password_length
        )));
    }
    let cfg = &app.config.security;
    compliance::validate_password(cfg, &password)?;
    compliance::check_password_not_locked(&user)?;
    compliance::check_minimum_age(cfg, &user, now)?;
    // History checks hash every kept password: outside the write transaction.
    compliance::check_history(cfg, &user, &password)?;
    let new_hash = hash(app, &password)?;
    app.store.write(|w| {
        let old = identity::require_user(w, id)?;
        let mut current = old.clone();
        compliance::set_password(cfg, &mut current, Some(new_hash.clone()), now, true);
        identity::update_user(w, &old, &current)
    })?;
    Ok(Response::no_content())
}
