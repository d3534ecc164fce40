//! /v2.0/users: list, CRUD, the enabled/password/tenant updates, global roles.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::Target;
use crate::service::users::{self, NewUser, UserPatch};
use crate::store::{assignment, identity};
use crate::validate::fields::{opt_bool, required_name};

use super::{member, user_in_default};
use crate::api::v2::{body, format, page, render_role, render_user, respond, DEFAULT_DOMAIN};

/// GET /v2.0/users[?name=]
pub fn list_users(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    if let Some(name) = req.query("name").or(req.query("username")) {
        let user = app
            .store
            .read(|r| identity::find_user_by_name(r, DEFAULT_DOMAIN, name))?
            .ok_or_else(|| Error::not_found("user", name))?;
        return Ok(respond(f, 200, &json!({"user": render_user(&user)})));
    }
    let users: Vec<Value> = app
        .store
        .read(identity::list_users)?
        .iter()
        .filter(|u| u.domain_id == DEFAULT_DOMAIN)
        .map(render_user)
        .collect();
    let (users, links) = page(app, req, users, "identity")?;
    Ok(respond(
        f,
        200,
        &json!({"users": users, "users_links": links}),
    ))
}

pub fn get_user(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("user_id");
    let f = format(req);
    let user = app.store.read(|r| user_in_default(r, id))?;
    Ok(respond(f, 200, &json!({"user": render_user(&user)})))
}

const USER_KNOWN: &[&str] = &[
    "name",
    "username",
    "password",
    "OS-KSADM:password",
    "enabled",
    "tenantId",
    "domain_id",
    "default_project_id",
];

/// The password of a v2 user body (`password` or OS-KSADM's `OS-KSADM:password`).
fn password_of(app: &App, input: &Map<String, Value>) -> Result<Option<Option<String>>> {
    let value = input.get("OS-KSADM:password").or(input.get("password"));
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(p)) => {
            if p.len() > app.config.identity.max_password_length {
                return Err(Error::schema("password", "***", "The password is too long"));
            }
            Ok(Some(Some(p.clone())))
        }
        Some(_) => Err(Error::schema(
            "password",
            "***",
            "The password is not of type 'string', 'null'",
        )),
    }
}

/// `name`, or v2's `username`.
fn name_of(input: &Map<String, Value>) -> Result<Option<String>> {
    if input.contains_key("name") {
        return required_name(input, "name").map(Some);
    }
    if input.contains_key("username") {
        return required_name(input, "username").map(Some);
    }
    Ok(None)
}

fn tenant_id_of(input: &Map<String, Value>) -> Result<Option<Option<String>>> {
    match input.get("tenantId") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(Error::schema(
            "tenantId",
            &other.to_string(),
            &format!("{other} is not of type 'string', 'null'"),
        )),
    }
}

fn hash(app: &App, password: &str) -> Result<String> {
    app.hasher.hash(password).map_err(Error::internal)
}

/// POST /v2.0/users {"user": {"name"|"username", "password", "tenantId", "email", "enabled"}}:
/// the service's `create_user`, as /v3/users, joining the tenant as Pike does.
pub fn create_user(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "user")?;
    let name = name_of(&input)?
        .ok_or_else(|| Error::schema("name", "None", "'name' is a required property"))?;
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    let tenant_id = tenant_id_of(&input)?.flatten();
    let password = password_of(app, &input)?.flatten();
    if let Some(p) = &password {
        crate::compliance::validate_password(&app.config.security, p)?;
    }
    // Hash before the write transaction: hashing is slow by design.
    let password_hash = match password {
        Some(p) => Some(hash(app, &p)?),
        None => None,
    };
    let mut extra = crate::api::extras(&input, USER_KNOWN);
    extra.remove("tenantId");
    let new = NewUser {
        name,
        domain_id: DEFAULT_DOMAIN.to_string(),
        enabled,
        join_project: tenant_id.is_some(),
        federated: Vec::new(),
        default_project_id: tenant_id,
        options: Map::new(),
        password_hash,
        extra,
    };
    let user = users::create_user(&app.store, &app.config.security, new, req.now)?;
    Ok(respond(f, 200, &json!({"user": render_user(&user)})))
}

/// Which fields a user update may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserUpdate {
    Any,
    Enabled,
    Password,
}

/// PUT /v2.0/users/{user_id} and .../tenant (and its OS-KSADM form).
pub fn update_user(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    update_user_as(app, req, p.get("user_id"), UserUpdate::Any)
}

/// PUT /v2.0/users/{user_id}/enabled (and its OS-KSADM form).
pub fn update_user_enabled(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    update_user_as(app, req, p.get("user_id"), UserUpdate::Enabled)
}

/// PUT /v2.0/users/{user_id}/password (and its OS-KSADM form).
pub fn update_user_password(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    update_user_as(app, req, p.get("user_id"), UserUpdate::Password)
}

/// Pike's `update_user` (which `set_user_enabled` and `set_user_password` call): the
/// service's `update_user`, as PATCH /v3/users/{user_id} (disabling revokes the user's
/// tokens, a new password revokes those issued before it), moving the member role with the
/// tenant.
fn update_user_as(app: &App, req: &Request, id: &str, kind: UserUpdate) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "user")?;
    let enabled = opt_bool(&input, "enabled")?;
    if kind == UserUpdate::Enabled && enabled.is_none() {
        return Err(Error::schema(
            "enabled",
            "None",
            "'enabled' is a required property",
        ));
    }
    let name = name_of(&input)?;
    let tenant_id = tenant_id_of(&input)?;
    let password = password_of(app, &input)?;
    if kind == UserUpdate::Password && password.is_none() {
        return Err(Error::schema(
            "password",
            "None",
            "'password' is a required property",
        ));
    }
    if let Some(Some(p)) = &password {
        crate::compliance::validate_password(&app.config.security, p)?;
    }
    let password_hash = match &password {
        Some(Some(p)) => Some(Some(hash(app, p)?)),
        Some(None) => Some(None),
        None => None,
    };
    let patch = UserPatch {
        name,
        enabled,
        default_project_id: tenant_id,
        options: None,
        password_hash,
        extra: match kind {
            UserUpdate::Any => crate::api::extras(&input, USER_KNOWN),
            _ => Map::new(),
        },
        move_member_role: true,
        federated: Vec::new(),
    };
    let updated = users::update_user(&app.store, &app.config.security, &patch, req.now, |w| {
        user_in_default(w, id)
    })?;
    Ok(respond(f, 200, &json!({"user": render_user(&updated.new)})))
}

pub fn delete_user(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    remove_user(app, p.get("user_id"), req.now as i64)?;
    Ok(Response::no_content())
}

/// Deletes a default-domain user with the same cascade as DELETE /v3/users/{user_id}.
fn remove_user(app: &App, id: &str, now: i64) -> Result<()> {
    crate::service::identity::delete_user(&app.store, now, |w| user_in_default(w, id))?;
    Ok(())
}

/// GET /v2.0/users/{id}/roles: the user's global roles (not tenant ones): its system roles.
pub fn user_global_roles(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("user_id");
    let f = format(req);
    let roles = app.store.read(|r| -> Result<_> {
        user_in_default(r, id)?;
        let at = app.config.federation.as_of(req.now);
        Ok(assignment::token_roles(r, id, &Target::System, at)?
            .iter()
            .map(render_role)
            .collect::<Vec<_>>())
    })?;
    Ok(respond(f, 200, &json!({"roles": roles, "roles_links": []})))
}
