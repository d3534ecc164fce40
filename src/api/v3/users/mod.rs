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
use crate::service::federation;
use crate::service::password::PasswordChange;
use crate::service::users::{self, NewUser, UserPatch};
use crate::store::identity;

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
mod federated;
mod lists;

pub(crate) use lists::user_list;
pub use lists::{list, list_groups, list_projects, list_target};

use body::checked_body;

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
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user = target_user(&granted, p.get("user_id"))?;
    let user = federated::with_federated(app, p.get("user_id"), user)?;
    Ok(Response::ok(&json!({"user": user})))
}

/// POST /v3/users: the service's `create_user` (shared with /v2.0/users).
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let (input, fields) = checked_body(app, &app.schemas.user_create, &req.json()?)?;
    let context = granted.context();
    let domain_id = fields
        .domain_id
        .clone()
        .or_else(|| context.domain_id().map(str::to_string))
        .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string());
    let mut options = Map::new();
    if let Some(update) = fields.options.clone() {
        merge_options(&mut options, update);
    }
    let password = fields.password.clone().flatten();
    let name = fields.name.clone().unwrap_or_default().trim().to_string();
    // A Huawei account's stored password policy, else [security_compliance] as before.
    let (_, cfg) = crate::service::iam::password_rules::keystone_rules(
        &app.store,
        &app.config.security,
        &domain_id,
        &name,
        password.as_deref(),
    )?;
    if let Some(p) = &password {
        compliance::validate_password(&cfg, p)?;
    }
    // Hash before the write transaction: hashing is slow by design.
    let password_hash = match &password {
        Some(p) => Some(hash(app, p)?),
        None => None,
    };
    let new = NewUser {
        name,
        domain_id,
        enabled: fields.enabled().unwrap_or(true),
        default_project_id: fields.default_project_id.flatten(),
        options,
        password_hash,
        extra: extras(&input, KNOWN),
        join_project: false,
        // 3.14 `federated`: checked and written in the user's write transaction.
        federated: federation::federated_objects(input.get("federated").unwrap_or(&Value::Null)),
    };
    let user = users::create_user(&app.store, &cfg, new, req.now)?;
    let shown = federated::with_federated(app, &user.id, &render_user(app, &user))?;
    Ok(Response::created(&json!({"user": shown})))
}

fn hash(app: &App, password: &str) -> Result<String> {
    app.hasher.hash(password).map_err(Error::internal)
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
    let name = fields
        .name
        .as_deref()
        .or(shown_before["name"].as_str())
        .unwrap_or_default()
        .trim()
        .to_string();
    let (_, cfg) = crate::service::iam::password_rules::keystone_rules(
        &app.store,
        &app.config.security,
        shown_before["domain_id"].as_str().unwrap_or_default(),
        &name,
        password.clone().flatten().as_deref(),
    )?;
    if let Some(Some(p)) = password {
        compliance::validate_password(&cfg, p)?;
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
        move_member_role: false,
        // 3.14 `federated`: a non-empty list replaces the user's identities, in the same
        // write transaction as the update.
        federated: federation::federated_objects(input.get("federated").unwrap_or(&Value::Null)),
    };
    let new = users::update_user(&app.store, &cfg, &patch, req.now, |w| {
        Ok(identity::require_user(w, id)?)
    })?
    .new;
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
    let shown = federated::with_federated(app, &new.id, &Value::Object(shown))?;
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
    // The service checks the original password, the lock, the minimum age and the history
    // against the record it replaces (running again if a concurrent write changed it).
    // Upstream authenticates with the original password first (lockout and failure count
    // included); an expired password may be changed.
    let change = PasswordChange {
        user_id: id,
        password: &password,
        max_length: app.config.identity.max_password_length,
    };
    let now = req.now;
    // A Huawei account's stored password policy, else [security_compliance] as before; its
    // rules run after the original password is proven, as Keystone's own do.
    let owner = app.store.read(|r| identity::get_user(r, id))?;
    let (domain_id, name) = owner.map(|u| (u.domain_id, u.name)).unwrap_or_default();
    let rules = crate::service::iam::password_rules::keystone_rules(
        &app.store,
        &app.config.security,
        &domain_id,
        &name,
        None,
    )?;
    let (account, cfg) = rules;
    crate::service::password::change_password(
        &app.store,
        &cfg,
        &change,
        now,
        |user| {
            super::auth::verify_password(app, user, original, now, true)?;
            // A stored Huawei password policy's rules and minimum age (minutes).
            account.check_change(user, &password, now)
        },
        |p| hash(app, p),
    )?;
    Ok(Response::no_content())
}
