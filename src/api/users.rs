//! /v3/users

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, Target, User};
use crate::store::{assignment, identity, resource};

use super::{
    authorize, body_object, enforce, extras, filtered_list, list_response, opt_bool, opt_string,
    render_group, render_project, render_user, required_name,
};

const KNOWN: &[&str] = &[
    "name",
    "domain_id",
    "password",
    "enabled",
    "default_project_id",
    "options",
    "password_expires_at",
];

/// Routes /v3/users/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Patch, [id]) => update(app, req, id),
        (Method::Delete, [id]) => delete(app, req, id),
        (Method::Post, [id, "password"]) => change_password(app, req, id),
        (Method::Get, [id, "projects"]) => list_projects(app, req, id),
        (Method::Get, [id, "groups"]) => list_groups(app, req, id),
        (_, [] | [_] | [_, "password" | "projects" | "groups"]) => Err(Error::MethodNotAllowed),
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/users
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let domain_scope = context.domain_id().map(str::to_string);
    enforce(
        app,
        &context,
        "identity:list_users",
        &json!({"target": {"domain_id": domain_scope}}),
    )?;
    let users = app.store.read(|r| identity::list_users(r))?;
    let items = users
        .iter()
        .filter(|u| domain_scope.as_ref().is_none_or(|d| &u.domain_id == d))
        .map(|u| render_user(app, u))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "users",
        items,
        &["domain_id", "enabled", "name"],
        app.config.list_limit("identity"),
    )))
}

/// GET/HEAD /v3/users/{user_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let target = user
        .as_ref()
        .map(|u| render_user(app, u))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:get_user",
        json!({"target": {"user": target}}),
    )?;
    let user = user.ok_or_else(|| Error::not_found("user", id))?;
    Ok(Response::ok(&json!({"user": render_user(app, &user)})))
}

/// A password field: absent, null (no password) or a string within the configured length.
fn password_field(app: &App, input: &Map<String, Value>) -> Result<Option<Option<String>>> {
    match input.get("password") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(p)) => {
            if p.len() > app.config.identity.max_password_length {
                // Never echo a password back.
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

fn hash(app: &App, password: &str) -> Result<String> {
    app.hasher.hash(password).map_err(Error::internal)
}

/// POST /v3/users
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "user")?;
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let mut target = input.clone();
    target.remove("password");
    enforce(
        app,
        &context,
        "identity:create_user",
        &json!({"target": {"user": target}}),
    )?;
    let name = required_name(&input, "name")?;
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    let domain_id = opt_string(&input, "domain_id", 64)?
        .or_else(|| context.domain_id().map(str::to_string))
        .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string());
    let default_project_id = opt_string(&input, "default_project_id", 64)?;
    // Hash before the write transaction: hashing is slow by design.
    let password_hash = match password_field(app, &input)?.flatten() {
        Some(p) => Some(hash(app, &p)?),
        None => None,
    };
    let user = User {
        id: new_id(),
        name,
        domain_id,
        enabled,
        password_hash,
        default_project_id,
        password_expires_at: None,
        options: Default::default(),
        extra: extras(&input, KNOWN),
        password_created_at: 0,
    };
    app.store.write(|w| {
        if resource::get_domain(w, &user.domain_id)?.is_none() {
            return Err(Error::Validation(format!(
                "Could not find domain: {}.",
                user.domain_id
            )));
        }
        if let Some(p) = &user.default_project_id {
            if resource::get_project(w, p)?.is_none() {
                return Err(Error::Validation(format!("Could not find project: {p}.")));
            }
        }
        identity::create_user(w, &user)
    })?;
    Ok(Response::created(&json!({"user": render_user(app, &user)})))
}

/// PATCH /v3/users/{user_id}
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "user")?;
    let old = app.store.read(|r| identity::get_user(r, id))?;
    let target = old
        .as_ref()
        .map(|u| render_user(app, u))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:update_user",
        json!({"target": {"user": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("user", id))?;
    let mut new = old.clone();
    if input.contains_key("name") {
        new.name = required_name(&input, "name")?;
    }
    if let Some(e) = opt_bool(&input, "enabled")? {
        new.enabled = e;
    }
    if input.contains_key("default_project_id") {
        new.default_project_id = input
            .get("default_project_id")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    if input
        .get("domain_id")
        .is_some_and(|d| d.as_str() != Some(old.domain_id.as_str()))
    {
        return Err(Error::bad_request("Cannot change Domain ID"));
    }
    if let Some(password) = password_field(app, &input)? {
        new.password_hash = match password {
            Some(p) => Some(hash(app, &p)?),
            None => None,
        };
        // Tokens issued before a password change stop validating.
        new.password_created_at = crate::clock::now_secs();
    }
    for (k, v) in extras(&input, KNOWN) {
        new.extra.insert(k, v);
    }
    app.store.write(|w| identity::update_user(w, &old, &new))?;
    Ok(Response::ok(&json!({"user": render_user(app, &new)})))
}

/// DELETE /v3/users/{user_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let old = app.store.read(|r| identity::get_user(r, id))?;
    let target = old
        .as_ref()
        .map(|u| render_user(app, u))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:delete_user",
        json!({"target": {"user": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("user", id))?;
    app.store.write(|w| identity::delete_user(w, &old))?;
    Ok(Response::no_content())
}

/// POST /v3/users/{user_id}/password: a user changes their own password, proving the old one.
pub fn change_password(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "user")?;
    let original = input
        .get("original_password")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::schema(
                "original_password",
                "None",
                "'original_password' is a required property",
            )
        })?;
    let password = match password_field(app, &input)? {
        Some(Some(p)) => p,
        _ => {
            return Err(Error::schema(
                "password",
                "None",
                "'password' is a required property",
            ))
        }
    };
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let Some(user) = user else {
        return Err(Error::unauthenticated());
    };
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| crate::password::verify(original, h));
    if !ok {
        return Err(Error::unauthenticated());
    }
    let new_hash = hash(app, &password)?;
    let now = crate::clock::now_secs();
    app.store.write(|w| {
        let mut current = identity::require_user(w, id)?;
        current.password_hash = Some(new_hash.clone());
        current.password_created_at = now;
        identity::update_user(w, &user, &current)
    })?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/users/{user_id}/projects
pub fn list_projects(app: &App, req: &Request, id: &str) -> Result<Response> {
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let target = user
        .as_ref()
        .map(|u| render_user(app, u))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:list_user_projects",
        json!({"target": {"user": target}}),
    )?;
    let user = user.ok_or_else(|| Error::not_found("user", id))?;
    let projects = app.store.read(|r| {
        let mut out = Vec::new();
        for p in resource::list_projects(r)? {
            if !assignment::effective_role_ids(r, &user.id, &Target::Project(p.id.clone()))?
                .is_empty()
            {
                out.push(render_project(app, &p));
            }
        }
        Ok(out)
    })?;
    // Upstream filters the answer by domain_id, enabled and name (no list_limit here).
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "projects",
        projects,
        &["domain_id", "enabled", "name"],
        None,
    )))
}

/// GET/HEAD /v3/users/{user_id}/groups
pub fn list_groups(app: &App, req: &Request, id: &str) -> Result<Response> {
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let target = user
        .as_ref()
        .map(|u| render_user(app, u))
        .unwrap_or(json!({"id": id}));
    authorize(
        app,
        req,
        "identity:list_groups_for_user",
        json!({"target": {"user": target}}),
    )?;
    user.ok_or_else(|| Error::not_found("user", id))?;
    let groups = app.store.read(|r| {
        let mut out = Vec::new();
        for gid in identity::group_ids_of_user(r, id)? {
            if let Some(g) = identity::get_group(r, &gid)? {
                out.push(render_group(app, &g));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(app, req, "groups", groups)))
}
