//! /v3/groups and group membership: upstream's `GroupsResource`, `GroupResource`,
//! `GroupUsersResource` and `UserGroupCRUDResource`. A removed membership, or a deleted group
//! that held grants, revokes the members' tokens as upstream does, in the same transaction.
//! Authentication and policy run in the route table; target builders check a body first
//! where upstream's schema decorators run before its policy check (400 before 403).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Group};
use crate::store::{identity, resource};

use super::roles::require_matching_id;
use super::{extras, filtered_list, render_group, render_user};
use crate::service::users;
use crate::validate::{nullable, typed, Nullable};

const KNOWN: &[&str] = &["name", "domain_id", "description"];

/// Target of list_groups: the token's domain when domain-scoped, and nothing otherwise.
pub fn list_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(match context.domain_id() {
        Some(d) => json!({"target": {"group": {"domain_id": d}}}),
        None => json!({}),
    })
}

/// GET/HEAD /v3/groups
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let domain_scope = granted.context().domain_id().map(str::to_string);
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

/// Upstream's `_build_group_target_enforcement`: the group if it exists, with the view args
/// (policy runs on nothing for a missing group, then the handler 404s).
pub fn group_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let id = p.get("group_id");
    let group = app.store.read(|r| identity::get_group(r, id))?;
    let mut target = json!({"group_id": id, "target": {}});
    if let Some(g) = &group {
        target["target"]["group"] = render_group(app, g);
    }
    Ok(target)
}

/// Target of delete_group: upstream loads the group while enforcing, so 404 before 403.
pub fn existing_group_target(
    app: &App,
    req: &Request,
    p: &Params,
    ctx: &AuthContext,
) -> Result<Value> {
    let target = group_target(app, req, p, ctx)?;
    if target["target"].get("group").is_none() {
        return Err(Error::not_found("group", p.get("group_id")));
    }
    Ok(target)
}

/// Target of list_users_in_group: as `group_target`, without an empty `target` when the
/// group is missing.
pub fn group_users_target(
    app: &App,
    req: &Request,
    p: &Params,
    ctx: &AuthContext,
) -> Result<Value> {
    let mut target = group_target(app, req, p, ctx)?;
    if target["target"].get("group").is_none() {
        if let Value::Object(map) = &mut target {
            map.remove("target");
        }
    }
    Ok(target)
}

/// Target of create_group: the body, checked first.
pub fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let input = app
        .schemas
        .group_create
        .required_member(&req.json()?, "group")?;
    Ok(json!({"target": {"group": input}}))
}

/// A group body's own fields once `group_create`/`group_update` has passed.
#[derive(serde::Deserialize)]
struct GroupFields {
    name: Option<String>,
    domain_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Nullable<String>,
}

/// Target of update_group: the body is checked first, then the group or nothing.
pub fn update_target(app: &App, req: &Request, p: &Params, ctx: &AuthContext) -> Result<Value> {
    app.schemas.group_update.validate(&req.json()?)?;
    group_target(app, req, p, ctx)
}

/// GET/HEAD /v3/groups/{group_id}: the group the target builder read.
pub fn get(_: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    match granted.target()["target"].get("group") {
        Some(group) => Ok(Response::ok(&json!({"group": group}))),
        None => Err(Error::not_found("group", p.get("group_id"))),
    }
}

/// POST /v3/groups
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let input = app
        .schemas
        .group_create
        .required_member(&req.json()?, "group")?;
    let fields: GroupFields = typed(&input)?;
    let context = granted.context();
    let group = Group {
        id: new_id(),
        name: fields.name.unwrap_or_default().trim().to_string(),
        domain_id: fields
            .domain_id
            .or_else(|| context.domain_id().map(str::to_string))
            .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string()),
        description: fields.description.flatten().unwrap_or_default(),
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

/// PATCH /v3/groups/{group_id}: the patch is applied to the group read inside the one write
/// transaction, so a concurrent update of another field is kept and the name index moves
/// with the name.
pub fn update(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("group_id");
    let input = app
        .schemas
        .group_update
        .required_member(&req.json()?, "group")?;
    require_matching_id(&input, id)?;
    let before = granted.target()["target"]
        .get("group")
        .ok_or_else(|| Error::not_found("group", id))?;
    // The domain never changes, so the group the target builder read answers this.
    if input
        .get("domain_id")
        .is_some_and(|d| d.as_str() != before["domain_id"].as_str())
    {
        return Err(Error::Validation("Cannot change Domain ID".to_string()));
    }
    let fields: GroupFields = typed(&input)?;
    let name = fields.name.map(|n| n.trim().to_string());
    let description = fields.description;
    let extra = extras(&input, KNOWN);
    let new = app.store.write(|w| -> Result<_> {
        let old = identity::require_group(w, id)?;
        let mut new = old.clone();
        if let Some(name) = &name {
            new.name = name.clone();
        }
        if let Some(description) = &description {
            new.description = description.clone().unwrap_or_default();
        }
        for (k, v) in &extra {
            new.extra.insert(k.clone(), v.clone());
        }
        identity::update_group(w, &old, &new)?;
        Ok(new)
    })?;
    Ok(Response::ok(&json!({"group": render_group(app, &new)})))
}

/// DELETE /v3/groups/{group_id}: the members of a group that held grants lose their tokens,
/// recorded in the same transaction as the delete.
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("group_id");
    // The cascade and its revocations are the service layer's.
    crate::service::identity::delete_group(&app.store, id, req.now as i64)?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/groups/{group_id}/users
pub fn list_users(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("group_id");
    if granted.target().get("target").is_none() {
        return Err(Error::not_found("group", id));
    }
    let domain_scope = granted.context().domain_id().map(str::to_string);
    let users = app.store.read(|r| -> Result<_> {
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

/// Target of the membership calls: both sides, each if it exists, with the view args.
pub fn membership_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let (group_id, user_id) = (p.get("group_id"), p.get("user_id"));
    let (group, user) = app.store.read(|r| -> Result<_> {
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
    Ok(json!({"group_id": group_id, "user_id": user_id, "target": t}))
}

/// After policy: 404 names the missing side (the group first, as upstream's identity
/// manager checks). Returns (group_id, user_id).
fn membership<'p>(p: &'p Params, granted: &Granted) -> Result<(&'p str, &'p str)> {
    let (group_id, user_id) = (p.get("group_id"), p.get("user_id"));
    let t = &granted.target()["target"];
    if t.get("group").is_none() {
        return Err(Error::not_found("group", group_id));
    }
    if t.get("user").is_none() {
        return Err(Error::not_found("user", user_id));
    }
    Ok((group_id, user_id))
}

fn not_member(group_id: &str, user_id: &str) -> Error {
    Error::NotFound(format!("User '{user_id}' not found in group '{group_id}'"))
}

/// PUT /v3/groups/{group_id}/users/{user_id}
pub fn add_user(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let (group_id, user_id) = membership(p, &granted)?;
    // Either side may have gone since the target was read: the service checks both again.
    users::add_to_group(&app.store, group_id, user_id)?;
    Ok(Response::no_content())
}

/// HEAD/GET /v3/groups/{group_id}/users/{user_id}
/// A mapped membership not lapsed counts (upstream's `check_user_in_group`).
pub fn check_user(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let (group_id, user_id) = membership(p, &granted)?;
    let at = app.config.federation.as_of(req.now);
    if !app
        .store
        .read(|r| crate::store::shadow::is_member_at(r, group_id, user_id, at))?
    {
        return Err(not_member(group_id, user_id));
    }
    Ok(Response::no_content())
}

/// DELETE /v3/groups/{group_id}/users/{user_id}: upstream revokes the user's tokens when a
/// membership goes; the revocation commits with the removal.
pub fn remove_user(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let (group_id, user_id) = membership(p, &granted)?;
    if !users::remove_from_group(&app.store, group_id, user_id, req.now as i64)? {
        return Err(not_member(group_id, user_id));
    }
    Ok(Response::no_content())
}
