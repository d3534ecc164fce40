//! /v3/groups and group membership.

use serde_json::json;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, Group};
use crate::store::identity;

use super::{
    authorize, body_object, enforce, extras, filtered_list, list_response, opt_string,
    render_group, render_user, required_name,
};

/// Routes /v3/groups/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Delete, [id]) => delete(app, req, id),
        (Method::Get, [id, "users"]) => list_users(app, req, id),
        (Method::Put, [gid, "users", uid]) => add_user(app, req, gid, uid),
        (Method::Get, [gid, "users", uid]) => check_user(app, req, gid, uid),
        (Method::Delete, [gid, "users", uid]) => remove_user(app, req, gid, uid),
        (_, [] | [_] | [_, "users"] | [_, "users", _]) => Err(Error::MethodNotAllowed),
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/groups
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let domain_scope = context.domain_id().map(str::to_string);
    enforce(
        app,
        &context,
        "identity:list_groups",
        &super::list_target(domain_scope.as_deref()),
    )?;
    let groups = app.store.read(|r| identity::list_groups(r))?;
    let items = groups
        .iter()
        .filter(|g| domain_scope.as_ref().is_none_or(|d| &g.domain_id == d))
        .map(|g| render_group(app, g))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "groups",
        items,
        &["domain_id", "name"],
        app.config.list_limit("identity"),
    )))
}

/// GET/HEAD /v3/groups/{group_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let target = group
        .as_ref()
        .map(|g| render_group(app, g))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:get_group",
        json!({"target": {"group": target}}),
    )?;
    let group = group.ok_or_else(|| Error::not_found("group", id))?;
    Ok(Response::ok(&json!({"group": render_group(app, &group)})))
}

/// POST /v3/groups
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "group")?;
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    enforce(
        app,
        &context,
        "identity:create_group",
        &json!({"target": {"group": input}}),
    )?;
    let group = Group {
        id: new_id(),
        name: required_name(&input, "name")?,
        domain_id: opt_string(&input, "domain_id", 64)?
            .or_else(|| context.domain_id().map(str::to_string))
            .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string()),
        description: opt_string(&input, "description", usize::MAX)?.unwrap_or_default(),
        extra: extras(&input, &["name", "domain_id", "description"]),
    };
    app.store.write(|w| {
        if crate::store::resource::get_domain(w, &group.domain_id)?.is_none() {
            return Err(Error::Validation(format!(
                "Could not find domain: {}.",
                group.domain_id
            )));
        }
        identity::create_group(w, &group)
    })?;
    Ok(Response::created(
        &json!({"group": render_group(app, &group)}),
    ))
}

/// DELETE /v3/groups/{group_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let target = group
        .as_ref()
        .map(|g| render_group(app, g))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:delete_group",
        json!({"target": {"group": target}}),
    )?;
    let group = group.ok_or_else(|| Error::not_found("group", id))?;
    app.store.write(|w| identity::delete_group(w, &group))?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/groups/{group_id}/users
pub fn list_users(app: &App, req: &Request, id: &str) -> Result<Response> {
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let target = group
        .as_ref()
        .map(|g| render_group(app, g))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:list_users_in_group",
        json!({"target": {"group": target}}),
    )?;
    group.ok_or_else(|| Error::not_found("group", id))?;
    let users = app.store.read(|r| {
        let mut out = Vec::new();
        for uid in identity::user_ids_in_group(r, id)? {
            if let Some(u) = identity::get_user(r, &uid)? {
                out.push(render_user(app, &u));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(app, req, "users", users)))
}

/// Looks up both sides of a membership for its policy target; 404 names the missing one.
fn membership(app: &App, req: &Request, action: &str, group_id: &str, user_id: &str) -> Result<()> {
    let (group, user) = app.store.read(|r| {
        Ok((
            identity::get_group(r, group_id)?,
            identity::get_user(r, user_id)?,
        ))
    })?;
    let target = json!({"target": {
        "group": group.as_ref().map(|g| render_group(app, g)),
        "user": user.as_ref().map(|u| render_user(app, u)),
    }});
    authorize(app, req, action, target)?;
    group.ok_or_else(|| Error::not_found("group", group_id))?;
    user.ok_or_else(|| Error::not_found("user", user_id))?;
    Ok(())
}

/// PUT /v3/groups/{group_id}/users/{user_id}
pub fn add_user(app: &App, req: &Request, group_id: &str, user_id: &str) -> Result<Response> {
    membership(app, req, "identity:add_user_to_group", group_id, user_id)?;
    app.store
        .write(|w| identity::add_member(w, group_id, user_id))?;
    Ok(Response::no_content())
}

/// HEAD/GET /v3/groups/{group_id}/users/{user_id}
pub fn check_user(app: &App, req: &Request, group_id: &str, user_id: &str) -> Result<Response> {
    membership(app, req, "identity:check_user_in_group", group_id, user_id)?;
    if !app
        .store
        .read(|r| identity::is_member(r, group_id, user_id))?
    {
        return Err(Error::NotFound(format!(
            "User '{user_id}' not found in group '{group_id}'"
        )));
    }
    Ok(Response::no_content())
}

/// DELETE /v3/groups/{group_id}/users/{user_id}
pub fn remove_user(app: &App, req: &Request, group_id: &str, user_id: &str) -> Result<Response> {
    membership(
        app,
        req,
        "identity:remove_user_from_group",
        group_id,
        user_id,
    )?;
    if !app
        .store
        .write(|w| identity::remove_member(w, group_id, user_id))?
    {
        return Err(Error::NotFound(format!(
            "User '{user_id}' not found in group '{group_id}'"
        )));
    }
    Ok(Response::no_content())
}
