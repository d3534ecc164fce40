//! /v3/roles: global and domain-specific roles and their options. Implied roles and
//! /v3/role_inferences live in `implied.rs`, every grant API (projects, domains, system,
//! OS-INHERIT) in `grants.rs`. Also the small JSON-schema helpers the identity handlers share,
//! Authentication and policy run in the route table
//! (src/http/table.rs) before these handlers.

pub mod grants;
pub mod implied;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Role};
use crate::policy::Action;
use crate::store::{assignment, Reader};
use crate::validate::{nullable, typed, Nullable};

use super::{filtered_list, render_role};
use crate::api::huawei::roles as huawei_roles;

/// Applies an options update: a null value removes the option.
pub(crate) fn merge_options(current: &mut Map<String, Value>, update: Map<String, Value>) {
    for (k, v) in update {
        if v.is_null() {
            current.remove(&k);
        } else {
            current.insert(k, v);
        }
    }
}

/// Upstream's `_require_matching_id`.
pub(crate) fn require_matching_id(map: &Map<String, Value>, id: &str) -> Result<()> {
    match map.get("id") {
        Some(v) if v.as_str() != Some(id) => Err(Error::Validation("Cannot change ID".to_string())),
        _ => Ok(()),
    }
}

/// A role body's own fields once `role_create`/`role_update` has passed.
#[derive(serde::Deserialize)]
struct RoleFields {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    domain_id: Nullable<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Nullable<String>,
    options: Option<Map<String, Value>>,
}

const ROLE_FIELDS: &[&str] = &["name", "domain_id", "description", "options"];

fn is_immutable(options: &Map<String, Value>) -> bool {
    options
        .get("immutable")
        .is_some_and(|v| v == &Value::Bool(true))
}

fn immutable_error(verb: &str, kind: &str, id: &str) -> Error {
    Error::Forbidden(format!(
        "Unable to {verb} immutable {kind} resource: `{id}. Set resource option \"immutable\" \
         to false first."
    ))
}

// ---------------------------------------------------------------------------------------
// Roles

/// list_domain_roles when `?domain_id` is set, else list_roles.
pub fn list_action(req: &Request) -> Action {
    if huawei_roles::is_huawei_list(req) {
        // Huawei's KeystoneListPermissions (its own parameters): Huawei's rule.
        return Action::IamRolesListPermissions;
    }
    if req.query("domain_id").is_some_and(|d| !d.is_empty()) {
        Action::ListDomainRoles
    } else {
        Action::ListRoles
    }
}

/// Target of list_(domain_)roles: the `?domain_id` asked for (upstream's rules read none of
/// it; Huawei's list, iam:roles:listPermissions, lets an account's members list their own).
pub fn list_target(_: &App, req: &Request, _: &Params, ctx: &AuthContext) -> Result<Value> {
    Ok(match req.query("domain_id").filter(|d| !d.is_empty()) {
        Some(domain_id) => json!({"target": {"domain_id": domain_id}}),
        // Huawei's system roles and policies: any member of an account may list them.
        None if huawei_roles::is_huawei_list(req) => {
            json!({"target": {"domain_id": huawei_roles::caller_account(ctx)}})
        }
        None => json!({}),
    })
}

/// GET/HEAD /v3/roles
pub fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    if huawei_roles::is_huawei_list(req) {
        return huawei_roles::list_permissions(app, req);
    }
    let wanted_domain = req.query("domain_id").filter(|d| !d.is_empty());
    // Huawei roles carry their Huawei fields; plain roles render exactly as upstream's.
    let (roles, details) = huawei_roles::roles_with_details(app, wanted_domain)?;
    let items = roles
        .iter()
        .map(|r| huawei_roles::render(app, r, details.get(&r.id)))
        .collect();
    let mut body = filtered_list(
        app,
        req,
        "roles",
        items,
        &["name"],
        app.config.list_limit("role"),
    );
    // Huawei counts an account's custom policies; only when the list has Huawei roles.
    if wanted_domain.is_some() && roles.iter().any(|r| details.contains_key(&r.id)) {
        body["total_number"] = json!(body["roles"].as_array().map_or(0, Vec::len));
    }
    Ok(Response::ok(&body))
}

/// Whether the role in a target (`target.role`) is domain-specific: upstream then enforces
/// the `*_domain_role` action instead of the global one.
fn domain_role(target: &Value) -> bool {
    target["target"]["role"]
        .get("domain_id")
        .is_some_and(|d| !d.is_null())
}

pub fn get_action(target: &Value) -> Action {
    if domain_role(target) && target["target"]["role"].get("policy").is_some() {
        // A Huawei custom policy (KeystoneShowPermission): Huawei's rule, which lets the
        // account's members read it with the domain-scoped tokens Huawei issues.
        return Action::IamRolesShowPermission;
    }
    if domain_role(target) {
        Action::GetDomainRole
    } else {
        Action::GetRole
    }
}

pub fn create_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::CreateDomainRole
    } else {
        Action::CreateRole
    }
}

pub fn update_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::UpdateDomainRole
    } else {
        Action::UpdateRole
    }
}

pub fn delete_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::DeleteDomainRole
    } else {
        Action::DeleteRole
    }
}

/// The role of `{role_id}` with its view arguments; a missing role is a 404 (after
/// authentication, without enforcing, as before).
fn loaded_role_target(app: &App, id: &str) -> Result<(Role, Value)> {
    let role = app
        .store
        .read(|r| assignment::get_role(r, id))?
        .ok_or_else(|| Error::not_found("role", id))?;
    let mut rendered = render_role(app, &role);
    huawei_roles::add_details(app, id, &mut rendered)?;
    let target = json!({"role_id": id, "target": {"role": rendered}});
    Ok((role, target))
}

/// Target of get/delete_(domain_)role: the stored role.
pub fn role_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(loaded_role_target(app, p.get("role_id"))?.1)
}

/// Target of create_(domain_)role: the body is checked first (400 before 403); a
/// domain-specific role is enforced against the body, a global one against nothing.
pub fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let input = app
        .schemas
        .role_create
        .required_member(&req.json()?, "role")?;
    Ok(if input.get("domain_id").is_some_and(Value::is_string) {
        json!({"target": {"role": input}})
    } else {
        json!({})
    })
}

/// Target of update_(domain_)role: the body is checked, then the role loaded (404).
pub fn update_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas.role_update.validate(&req.json()?)?;
    Ok(loaded_role_target(app, p.get("role_id"))?.1)
}

/// GET/HEAD /v3/roles/{role_id}
pub fn get(_: &App, _: &Request, _: &Params, granted: Granted) -> Result<Response> {
    // The target's rendering carries a Huawei role's fields (loaded_role_target).
    Ok(Response::ok(
        &json!({"role": granted.target()["target"]["role"]}),
    ))
}

/// POST /v3/roles
pub fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = app
        .schemas
        .role_create
        .required_member(&req.json()?, "role")?;
    let fields: RoleFields = typed(&input)?;
    let mut options = Map::new();
    if let Some(update) = fields.options {
        merge_options(&mut options, update);
    }
    let role = Role {
        id: new_id(),
        name: fields.name.unwrap_or_default(),
        domain_id: fields.domain_id.flatten(),
        description: fields.description.flatten(),
        options,
        extra: super::extras(&input, ROLE_FIELDS),
    };
    app.store.write(|w| assignment::create_role(w, &role))?;
    Ok(Response::created(&json!({"role": render_role(app, &role)})))
}

/// PATCH /v3/roles/{role_id}
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let input = app
        .schemas
        .role_update
        .required_member(&req.json()?, "role")?;
    let fields: RoleFields = typed(&input)?;
    let (old, _) = loaded_role_target(app, id)?;
    require_matching_id(&input, id)?;
    if is_immutable(&old.options) {
        // Only a lone {"options": {"immutable": false|null}} may touch an immutable role.
        let lone_unset = input.len() == 1
            && input
                .get("options")
                .and_then(|o| o.get("immutable"))
                .is_some_and(|v| v.is_null() || v == &Value::Bool(false));
        if !lone_unset {
            return Err(immutable_error("update", "role", id));
        }
    }
    if let Some(d) = input.get("domain_id") {
        if d.as_str() != old.domain_id.as_deref() {
            return Err(Error::Validation(
                "Update of `domain_id` is not allowed.".to_string(),
            ));
        }
    }
    let mut new = old.clone();
    if let Some(name) = fields.name {
        new.name = name;
    }
    if let Some(description) = fields.description {
        new.description = description;
    }
    if let Some(update) = fields.options {
        merge_options(&mut new.options, update);
    }
    for (k, v) in super::extras(&input, ROLE_FIELDS) {
        new.extra.insert(k, v);
    }
    app.store
        .write(|w| assignment::update_role(w, &old, &new))?;
    let mut role = render_role(app, &new);
    huawei_roles::add_details(app, id, &mut role)?;
    Ok(Response::ok(&json!({"role": role})))
}

/// DELETE /v3/roles/{role_id}
pub fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let (role, _) = loaded_role_target(app, id)?;
    if is_immutable(&role.options) {
        return Err(immutable_error("delete", "role", id));
    }
    app.store.write(|w| {
        assignment::delete_role(w, &role)?;
        // A Huawei role's fields go with it (nothing for a plain role).
        crate::store::iam::role_details::remove(w, &role.id)
    })?;
    Ok(Response::no_content())
}

pub(crate) const PROHIBITED_IMPLIED_ROLES: &[&str] = &["admin"];

/// The ids of a body's role references (`{"id": ...}` or `{"name": ...}`, global roles), each
/// once, in order; an unknown name is upstream's 404 "Role NAME is not defined" (trusts and
/// application credentials both take such lists).
pub(crate) fn role_ids_by_ref(r: &impl Reader, refs: &[Value]) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for item in refs {
        let id = if let Some(id) = item.get("id").and_then(Value::as_str) {
            id.to_string()
        } else {
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            assignment::find_role_by_name(r, None, name)?
                .ok_or_else(|| Error::NotFound(format!("Role {name} is not defined")))?
                .id
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}
