//! /v3/groups and group membership: upstream's `GroupsResource`, `GroupResource`,
//! `GroupUsersResource` and `UserGroupCRUDResource`. A removed membership, or a deleted group
//! that held grants, revokes the members' tokens as upstream does.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, ActorKind, Group};
use crate::store::{assignment, identity, resource};

use super::roles::{
    check_id, check_name, check_nullable_string, member, non_empty, require, require_matching_id,
};
use super::{authorize, enforce, extras, filtered_list, render_group, render_user};

const KNOWN: &[&str] = &["name", "domain_id", "description"];

/// Routes /v3/groups/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Patch, [id]) => update(app, req, id),
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
    let target = match &domain_scope {
        Some(d) => json!({"target": {"group": {"domain_id": d}}}),
        None => json!({}),
    };
    enforce(app, &context, "identity:list_groups", &target)?;
    let groups = app.store.read(identity::list_groups)?;
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

/// Upstream's `_build_group_target_enforcement`: the group if it exists, with the view args.
fn group_target(app: &App, id: &str) -> Result<(Option<Group>, Value)> {
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let mut target = json!({"group_id": id, "target": {}});
    if let Some(g) = &group {
        target["target"]["group"] = render_group(app, g);
    }
    Ok((group, target))
}

/// GET/HEAD /v3/groups/{group_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let (group, target) = group_target(app, id)?;
    authorize(app, req, "identity:get_group", target)?;
    let group = group.ok_or_else(|| Error::not_found("group", id))?;
    Ok(Response::ok(&json!({"group": render_group(app, &group)})))
}

/// POST /v3/groups
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = member(&body, "group")?;
    require(&input, "group", "name")?;
    check_id(&input, "domain_id", false)?;
    check_nullable_string(&input, "description")?;
    check_name(&input, "name")?;
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    enforce(
        app,
        &context,
        "identity:create_group",
        &json!({"target": {"group": input}}),
    )?;
    let group = Group {
        id: new_id(),
        name: check_name(&input, "name")?
            .unwrap_or_default()
            .trim()
            .to_string(),
        domain_id: check_id(&input, "domain_id", false)?
            .flatten()
            .or_else(|| context.domain_id().map(str::to_string))
            .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string()),
        description: check_nullable_string(&input, "description")?
            .flatten()
            .unwrap_or_default(),
        extra: extras(&input, KNOWN),
    };
    app.store.write(|w| {
        resource::require_domain(w, &group.domain_id)?;
        identity::create_group(w, &group)
    })?;
    Ok(Response::created(
        &json!({"group": render_group(app, &group)}),
    ))
}

/// PATCH /v3/groups/{group_id}
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = member(&body, "group")?;
    non_empty(&input, "group")?;
    check_nullable_string(&input, "description")?;
    check_name(&input, "name")?;
    let (old, target) = group_target(app, id)?;
    authorize(app, req, "identity:update_group", target)?;
    require_matching_id(&input, id)?;
    let old = old.ok_or_else(|| Error::not_found("group", id))?;
    if input
        .get("domain_id")
        .is_some_and(|d| d.as_str() != Some(old.domain_id.as_str()))
    {
        return Err(Error::Validation("Cannot change Domain ID".to_string()));
    }
    let mut new = old.clone();
    if let Some(name) = check_name(&input, "name")? {
        new.name = name.trim().to_string();
    }
    if let Some(description) = check_nullable_string(&input, "description")? {
        new.description = description.unwrap_or_default();
    }
    for (k, v) in extras(&input, KNOWN) {
        new.extra.insert(k, v);
    }
    app.store.write(|w| identity::update_group(w, &old, &new))?;
    Ok(Response::ok(&json!({"group": render_group(app, &new)})))
}

/// DELETE /v3/groups/{group_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    // Upstream loads the target from the store while enforcing: 404 before 403.
    let (group, target) = group_target(app, id)?;
    let group = group.ok_or_else(|| Error::not_found("group", id))?;
    enforce(app, &context, "identity:delete_group", &target)?;
    let members = app.store.write(|w| {
        let had_grants = assignment::actor_has_assignments(w, ActorKind::Group, &group.id)?;
        let members = identity::user_ids_in_group(w, &group.id)?;
        identity::delete_group(w, &group)?;
        Ok(if had_grants { members } else { Vec::new() })
    })?;
    super::users::revoke_user_tokens(app, &members)?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/groups/{group_id}/users
pub fn list_users(app: &App, req: &Request, id: &str) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let target = match &group {
        Some(g) => json!({"group_id": id, "target": {"group": render_group(app, g)}}),
        None => json!({"group_id": id}),
    };
    enforce(app, &context, "identity:list_users_in_group", &target)?;
    group.ok_or_else(|| Error::not_found("group", id))?;
    let domain_scope = context.domain_id().map(str::to_string);
    let users = app.store.read(|r| {
        let mut out = Vec::new();
        for uid in identity::user_ids_in_group(r, id)? {
            if let Some(u) = identity::get_user(r, &uid)? {
                if domain_scope.as_ref().is_none_or(|d| d == &u.domain_id) {
                    out.push(u);
                }
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&super::users::user_list(
        app, req, "users", users,
    )?))
}

/// Looks up both sides of a membership for its policy target, then 404 names the missing
/// one (the group first, as upstream's identity manager checks).
fn membership(app: &App, req: &Request, action: &str, group_id: &str, user_id: &str) -> Result<()> {
    let (group, user) = app.store.read(|r| {
        Ok((
            identity::get_group(r, group_id)?,
            identity::get_user(r, user_id)?,
        ))
    })?;
    let mut t = Map::new();
    if let Some(g) = &group {
        t.insert("group".into(), render_group(app, g));
    }
    if let Some(u) = &user {
        t.insert("user".into(), render_user(app, u));
    }
    let target = json!({"group_id": group_id, "user_id": user_id, "target": t});
    authorize(app, req, action, target)?;
    group.ok_or_else(|| Error::not_found("group", group_id))?;
    user.ok_or_else(|| Error::not_found("user", user_id))?;
    Ok(())
}

fn not_member(group_id: &str, user_id: &str) -> Error {
    Error::NotFound(format!("User '{user_id}' not found in group '{group_id}'"))
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
        return Err(not_member(group_id, user_id));
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
        return Err(not_member(group_id, user_id));
    }
    // Upstream revokes the user's tokens when a membership goes.
    super::users::revoke_user_tokens(app, &[user_id.to_string()])?;
    Ok(Response::no_content())
}
