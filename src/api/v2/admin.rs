//! The v2.0 admin API of the developer guide and upstream (Pike's reads, Newton's admin_crud
//! writes): tenants, users, tenant role grants, OS-KSADM roles and services, endpoints.
//! Each write is one store transaction; every call but `GET /tenants` enforces `admin_required`
//! in the route table (src/http/table.rs).

use serde_json::{json, Map, Value};

use crate::api::{opt_bool, opt_nullable_string, required_name};
use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{
    new_id, ActorKind, Assignment, Endpoint, Project, Region, Role, Service, Target, User,
};
use crate::policy::Action;
use crate::store::{assignment, catalog, identity, resource, Reader};

use super::{body, format, page, render_role, render_tenant, render_user, respond, DEFAULT_DOMAIN};

/// The object under `key` in a request body (400 if missing or not an object).
fn member(doc: &Value, key: &str) -> Result<Map<String, Value>> {
    crate::api::body_object(doc, key)
}

fn tenant_in_default(r: &impl Reader, id: &str) -> Result<Project> {
    resource::get_project(r, id)?
        .filter(|p| p.domain_id == DEFAULT_DOMAIN)
        .ok_or_else(|| Error::not_found("project", id))
}

fn user_in_default(r: &impl Reader, id: &str) -> Result<User> {
    identity::get_user(r, id)?
        .filter(|u| u.domain_id == DEFAULT_DOMAIN)
        .ok_or_else(|| Error::not_found("user", id))
}

fn global_role(r: &impl Reader, id: &str) -> Result<Role> {
    assignment::get_role(r, id)?
        .filter(|role| role.domain_id.is_none())
        .ok_or_else(|| Error::not_found("role", id))
}

// ---- tenants -------------------------------------------------------------------------------

/// The target of GET /v2.0/tenants: the caller itself. Upstream's public v2 API listed the
/// token's own projects with no policy check beyond a valid token; here that is
/// `identity:list_user_projects` on the caller, which every token passes by default.
pub fn caller_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"user": {"id": context.user.id, "domain_id": context.user.domain_id}}}))
}

/// GET /v2.0/tenants: `?name=` (admin_required) answers one tenant; a caller passing
/// admin_required lists every tenant (the admin API's get_all_projects), any other its user's
/// tenants (the public API's get_projects_for_token). Paged by marker and limit.
pub fn list_tenants(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let f = format(req);
    let context = granted.context();
    if let Some(name) = req.query("name") {
        granted.enforce(app, Action::AdminRequired, &json!({}))?;
        let project = app
            .store
            .read(|r| resource::find_project_by_name(r, DEFAULT_DOMAIN, name))?
            .ok_or_else(|| Error::not_found("project", name))?;
        return Ok(respond(f, 200, &json!({"tenant": render_tenant(&project)})));
    }
    let admin = match granted.enforce(app, Action::AdminRequired, &json!({})) {
        Ok(()) => true,
        Err(Error::Forbidden(_)) => false,
        Err(other) => return Err(other),
    };
    let projects = app.store.read(|r| {
        if admin {
            Ok(resource::list_projects(r)?
                .into_iter()
                .filter(|p| p.domain_id == DEFAULT_DOMAIN)
                .collect::<Vec<_>>())
        } else {
            super::tokens::projects_of_user(r, &context.user.id)
        }
    })?;
    let items = projects.iter().map(render_tenant).collect();
    let (tenants, links) = page(app, req, items, "resource")?;
    Ok(respond(
        f,
        200,
        &json!({"tenants": tenants, "tenants_links": links}),
    ))
}

pub fn get_tenant(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("tenant_id");
    let f = format(req);
    let project = app.store.read(|r| tenant_in_default(r, id))?;
    Ok(respond(f, 200, &json!({"tenant": render_tenant(&project)})))
}

const TENANT_KNOWN: &[&str] = &[
    "name",
    "description",
    "enabled",
    "domain_id",
    "parent_id",
    "is_domain",
];

fn tenant_extras(input: &Map<String, Value>) -> Map<String, Value> {
    crate::api::extras(input, TENANT_KNOWN)
}

/// POST /v2.0/tenants {"tenant": {"name", "description", "enabled"}}
pub fn create_tenant(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "tenant")?;
    let name = required_name(&input, "name")?;
    let description = opt_nullable_string(&input, "description")?
        .flatten()
        .unwrap_or_default();
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    let id = match input.get("id") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => s.clone(),
        None | Some(Value::Null) => new_id(),
        Some(other) => return Err(Error::schema("id", &other.to_string(), "Invalid tenant id")),
    };
    let project = Project {
        id,
        name,
        domain_id: DEFAULT_DOMAIN.to_string(),
        description,
        enabled,
        parent_id: Some(DEFAULT_DOMAIN.to_string()),
        tags: Vec::new(),
        options: Map::new(),
        extra: tenant_extras(&input),
    };
    app.store.write(|w| {
        if resource::get_domain(w, DEFAULT_DOMAIN)?.is_none() {
            return Err(Error::not_found("domain", DEFAULT_DOMAIN));
        }
        resource::create_project(w, &project)
    })?;
    Ok(respond(f, 200, &json!({"tenant": render_tenant(&project)})))
}

/// PUT or POST /v2.0/tenants/{id}
pub fn update_tenant(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("tenant_id");
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "tenant")?;
    let name = if input.contains_key("name") {
        Some(required_name(&input, "name")?)
    } else {
        None
    };
    let description = opt_nullable_string(&input, "description")?;
    let enabled = opt_bool(&input, "enabled")?;
    if input.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(Error::bad_request("Cannot change project ID"));
    }
    let project = app.store.write(|w| {
        let old = tenant_in_default(w, id)?;
        let mut new = old.clone();
        if let Some(n) = &name {
            new.name = n.clone();
        }
        if let Some(d) = &description {
            new.description = d.clone().unwrap_or_default();
        }
        if let Some(e) = enabled {
            new.enabled = e;
        }
        for (k, v) in tenant_extras(&input) {
            new.extra.insert(k, v);
        }
        resource::update_project(w, &old, &new)?;
        Ok(new)
    })?;
    Ok(respond(f, 200, &json!({"tenant": render_tenant(&project)})))
}

pub fn delete_tenant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    remove_tenant(app, p.get("tenant_id"))?;
    Ok(Response::no_content())
}

/// Deletes a default-domain project. The one place v2 deletes a tenant: when the service
/// layer's project delete (shared with DELETE /v3/projects/{project_id}) lands, call it here.
fn remove_tenant(app: &App, id: &str) -> Result<()> {
    app.store.write(|w| {
        let project = tenant_in_default(w, id)?;
        resource::delete_project(w, &project)
    })
}

/// The ids of users holding any role on a project, directly or through a group.
fn user_ids_on_project(r: &impl Reader, project_id: &str) -> Result<Vec<String>> {
    let target = Target::Project(project_id.to_string());
    let mut ids: Vec<String> = Vec::new();
    for a in assignment::list_all(r)?
        .into_iter()
        .filter(|a| a.target == target && !a.inherited)
    {
        let users = match a.actor_kind {
            ActorKind::User => vec![a.actor_id],
            ActorKind::Group => identity::user_ids_in_group(r, &a.actor_id)?,
        };
        for u in users {
            if !ids.contains(&u) {
                ids.push(u);
            }
        }
    }
    Ok(ids)
}

/// GET /v2.0/tenants/{id}/users
pub fn tenant_users(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("tenant_id");
    let f = format(req);
    let users = app.store.read(|r| {
        tenant_in_default(r, id)?;
        let mut out = Vec::new();
        for uid in user_ids_on_project(r, id)? {
            if let Some(u) = identity::get_user(r, &uid)? {
                out.push(render_user(&u));
            }
        }
        Ok(out)
    })?;
    let (users, links) = page(app, req, users, "identity")?;
    Ok(respond(
        f,
        200,
        &json!({"users": users, "users_links": links}),
    ))
}

/// GET /v2.0/tenants/{id}/users/{uid}/roles: the user's effective roles on the tenant.
pub fn tenant_user_roles(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (tenant_id, user_id) = (p.get("tenant_id"), p.get("user_id"));
    let f = format(req);
    let roles = app.store.read(|r| {
        tenant_in_default(r, tenant_id)?;
        user_in_default(r, user_id)?;
        let target = Target::Project(tenant_id.to_string());
        Ok(assignment::token_roles(r, user_id, &target)?
            .iter()
            .map(render_role)
            .collect::<Vec<_>>())
    })?;
    Ok(respond(f, 200, &json!({"roles": roles, "roles_links": []})))
}

fn grant_of(user_id: &str, tenant_id: &str, role_id: &str) -> Assignment {
    Assignment {
        actor_kind: ActorKind::User,
        actor_id: user_id.to_string(),
        target: Target::Project(tenant_id.to_string()),
        role_id: role_id.to_string(),
        inherited: false,
    }
}

/// PUT /v2.0/tenants/{id}/users/{uid}/roles/OS-KSADM/{rid}
pub fn add_tenant_user_role(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (tenant_id, user_id, role_id) = (p.get("tenant_id"), p.get("user_id"), p.get("role_id"));
    let f = format(req);
    let role = app.store.write(|w| {
        tenant_in_default(w, tenant_id)?;
        user_in_default(w, user_id)?;
        let role = global_role(w, role_id)?;
        let grant = grant_of(user_id, tenant_id, role_id);
        if assignment::exists(w, &grant)? {
            return Err(Error::duplicate(
                "role grant",
                &format!("User {user_id} already has role {role_id} in tenant {tenant_id}"),
            ));
        }
        assignment::grant(w, &grant)?;
        Ok(role)
    })?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

/// DELETE /v2.0/tenants/{id}/users/{uid}/roles/OS-KSADM/{rid}
pub fn remove_tenant_user_role(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (tenant_id, user_id, role_id) = (p.get("tenant_id"), p.get("user_id"), p.get("role_id"));
    app.store.write(|w| {
        tenant_in_default(w, tenant_id)?;
        user_in_default(w, user_id)?;
        global_role(w, role_id)?;
        if !assignment::revoke(w, &grant_of(user_id, tenant_id, role_id))? {
            return Err(Error::NotFound(format!(
                "Could not find role assignment with role: {role_id}, user or group: \
                 {user_id}, project, domain, or system: {tenant_id}."
            )));
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}

// ---- users ---------------------------------------------------------------------------------

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

/// The role a v2 user gets on its tenant (upstream's member role).
fn member_role(r: &impl Reader) -> Result<Option<Role>> {
    assignment::find_role_by_name(r, None, "member")
}

/// POST /v2.0/users {"user": {"name"|"username", "password", "tenantId", "email", "enabled"}}
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
    let password_hash = match password {
        Some(p) => Some(hash(app, &p)?),
        None => None,
    };
    let mut extra = crate::api::extras(&input, USER_KNOWN);
    extra.remove("tenantId");
    let now = crate::clock::now_f64();
    let mut user = User {
        id: new_id(),
        name,
        domain_id: DEFAULT_DOMAIN.to_string(),
        enabled,
        default_project_id: tenant_id.clone(),
        options: Map::new(),
        extra,
        created_at: Some(now as i64),
        ..Default::default()
    };
    if password_hash.is_some() {
        // The same password rules as v3 (history, expiry, change on first use).
        crate::compliance::set_password(&app.config.security, &mut user, password_hash, now, false);
    }
    // A new user has no tokens to revoke.
    user.password_created_at = 0;
    app.store.write(|w| {
        if let Some(t) = &tenant_id {
            tenant_in_default(w, t)?;
        }
        identity::create_user(w, &user)?;
        if let (Some(t), Some(role)) = (&tenant_id, member_role(w)?) {
            assignment::grant(w, &grant_of(&user.id, t, &role.id))?;
        }
        Ok(())
    })?;
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
    let new_hash = match &password {
        Some(Some(p)) => Some(Some(hash(app, p)?)),
        Some(None) => Some(None),
        None => None,
    };
    let now = crate::clock::now_f64();
    let user = app.store.write(|w| {
        let old = user_in_default(w, id)?;
        let mut new = old.clone();
        if let Some(n) = &name {
            new.name = n.clone();
        }
        if let Some(e) = enabled {
            new.enabled = e;
        }
        if let Some(h) = &new_hash {
            // An admin reset, as v3's: history kept, expiry set, older tokens revoked.
            crate::compliance::set_password(&app.config.security, &mut new, h.clone(), now, false);
        }
        if kind == UserUpdate::Any {
            for (k, v) in crate::api::extras(&input, USER_KNOWN) {
                new.extra.insert(k, v);
            }
        }
        if let Some(t) = &tenant_id {
            if let Some(t) = t {
                if old.default_project_id.as_deref() != Some(t) {
                    tenant_in_default(w, t)?;
                }
            }
            new.default_project_id = t.clone();
        }
        identity::update_user(w, &old, &new)?;
        // As upstream: moving a user's tenant moves its member role.
        if new.default_project_id != old.default_project_id {
            if let Some(role) = member_role(w)? {
                if let Some(old_t) = &old.default_project_id {
                    assignment::revoke(w, &grant_of(id, old_t, &role.id))?;
                }
                if let Some(new_t) = &new.default_project_id {
                    assignment::grant(w, &grant_of(id, new_t, &role.id))?;
                }
            }
        }
        Ok(new)
    })?;
    Ok(respond(f, 200, &json!({"user": render_user(&user)})))
}

pub fn delete_user(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    remove_user(app, p.get("user_id"))?;
    Ok(Response::no_content())
}

/// Deletes a default-domain user. The one place v2 deletes a user: when the service layer's
/// user delete (shared with DELETE /v3/users/{user_id}) lands, call it here.
fn remove_user(app: &App, id: &str) -> Result<()> {
    app.store.write(|w| {
        let user = user_in_default(w, id)?;
        identity::delete_user(w, &user)
    })
}

/// GET /v2.0/users/{id}/roles: the user's global roles (not tenant ones): its system roles.
pub fn user_global_roles(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("user_id");
    let f = format(req);
    let roles = app.store.read(|r| {
        user_in_default(r, id)?;
        Ok(assignment::token_roles(r, id, &Target::System)?
            .iter()
            .map(render_role)
            .collect::<Vec<_>>())
    })?;
    Ok(respond(f, 200, &json!({"roles": roles, "roles_links": []})))
}

// ---- roles ---------------------------------------------------------------------------------

/// GET /v2.0/OS-KSADM/roles: the global roles.
pub fn list_roles(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let roles: Vec<Value> = app
        .store
        .read(assignment::list_roles)?
        .iter()
        .filter(|r| r.domain_id.is_none())
        .map(render_role)
        .collect();
    let (roles, links) = page(app, req, roles, "role")?;
    Ok(respond(
        f,
        200,
        &json!({"roles": roles, "roles_links": links}),
    ))
}

pub fn get_role(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let f = format(req);
    let role = app.store.read(|r| global_role(r, id))?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

/// POST /v2.0/OS-KSADM/roles {"role": {"name", "description"}}
pub fn create_role(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "role")?;
    let name = required_name(&input, "name")?;
    let description = opt_nullable_string(&input, "description")?.flatten();
    let role = Role {
        id: new_id(),
        name,
        domain_id: None,
        description,
        options: Map::new(),
        extra: crate::api::extras(&input, &["name", "description", "domain_id"]),
    };
    app.store.write(|w| assignment::create_role(w, &role))?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

pub fn delete_role(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    app.store.write(|w| {
        let role = global_role(w, id)?;
        assignment::delete_role(w, &role)
    })?;
    Ok(Response::no_content())
}

// ---- services ------------------------------------------------------------------------------

/// A v2 service (OS-KSADM): extras (name, description), then id, type, enabled.
fn render_service(s: &Service) -> Value {
    let mut out = s.extra.clone();
    out.insert("id".into(), json!(s.id));
    out.insert("type".into(), json!(s.service_type));
    out.insert("enabled".into(), json!(s.enabled));
    Value::Object(out)
}

pub fn list_services(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let services: Vec<Value> = app
        .store
        .read(catalog::list_services)?
        .iter()
        .map(render_service)
        .collect();
    Ok(respond(f, 200, &json!({"OS-KSADM:services": services})))
}

pub fn get_service(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    let f = format(req);
    let service = app
        .store
        .read(|r| catalog::get_service(r, id))?
        .ok_or_else(|| Error::not_found("service", id))?;
    Ok(respond(
        f,
        200,
        &json!({"OS-KSADM:service": render_service(&service)}),
    ))
}

/// POST /v2.0/OS-KSADM/services {"OS-KSADM:service": {"name", "type", "description"}}
pub fn create_service(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "OS-KSADM:service")?;
    let service_type = required_name(&input, "type")?;
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    crate::api::opt_string(&input, "name", 255)?;
    let service = Service {
        id: new_id(),
        service_type,
        enabled,
        extra: crate::api::extras(&input, &["type", "enabled"]),
    };
    app.store.write(|w| catalog::put_service(w, &service))?;
    Ok(respond(
        f,
        200,
        &json!({"OS-KSADM:service": render_service(&service)}),
    ))
}

pub fn delete_service(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    app.store.write(|w| {
        if !catalog::delete_service(w, id)? {
            return Err(Error::not_found("service", id));
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}

// ---- endpoints -----------------------------------------------------------------------------

const LEGACY_ID: &str = "legacy_endpoint_id";
const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

/// Upstream's legacy endpoints: v3 endpoints made through v2 grouped by their legacy id,
/// pure v3 ones by (service, region) under their public endpoint's id.
fn legacy_endpoints(endpoints: &[Endpoint]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<&Endpoint>)> = Vec::new();
    let mut v3_groups: Vec<((String, Option<String>), Vec<&Endpoint>)> = Vec::new();
    for e in endpoints {
        match e.extra.get(LEGACY_ID).and_then(Value::as_str) {
            Some(legacy) => match groups.iter_mut().find(|(id, _)| id == legacy) {
                Some((_, members)) => members.push(e),
                None => groups.push((legacy.to_string(), vec![e])),
            },
            None => {
                let key = (e.service_id.clone(), e.region_id.clone());
                match v3_groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(e),
                    None => v3_groups.push((key, vec![e])),
                }
            }
        }
    }
    let mut out = Vec::new();
    for (id, members) in groups {
        out.push(render_legacy(&id, &members));
    }
    for (_, members) in v3_groups {
        if let Some(public) = members.iter().find(|e| e.interface == "public") {
            out.push(render_legacy(&public.id, &members));
        }
    }
    out
}

fn render_legacy(id: &str, members: &[&Endpoint]) -> Value {
    let first = members[0];
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("region".into(), json!(first.region_id));
    m.insert("service_id".into(), json!(first.service_id));
    m.insert("enabled".into(), json!(first.enabled));
    for e in members {
        m.insert(format!("{}url", e.interface), json!(e.url));
    }
    Value::Object(m)
}

pub fn list_endpoints(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let endpoints = app.store.read(catalog::list_endpoints)?;
    Ok(respond(
        f,
        200,
        &json!({"endpoints": legacy_endpoints(&endpoints)}),
    ))
}

/// POST /v2.0/endpoints {"endpoint": {"region", "service_id", "publicurl", "internalurl",
/// "adminurl"}}: one v3 endpoint per URL, tied by a legacy id.
pub fn create_endpoint(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "endpoint")?;
    let text = |k: &str| -> Result<Option<String>> {
        Ok(crate::api::opt_string(&input, k, 2048)?.filter(|s| !s.is_empty()))
    };
    let service_id = text("service_id")?;
    let region = text("region")?;
    let mut urls = Vec::new();
    for interface in INTERFACES {
        if let Some(url) = text(&format!("{interface}url"))? {
            urls.push((interface, url));
        }
    }
    if !urls.iter().any(|(i, _)| *i == "public") {
        return Err(Error::bad_request(
            "publicurl field is required and cannot be empty",
        ));
    }
    let service_id = service_id
        .ok_or_else(|| Error::bad_request("service_id field is required and cannot be empty"))?;
    let legacy_id = new_id();
    let endpoints: Vec<Endpoint> = urls
        .into_iter()
        .map(|(interface, url)| {
            let mut extra = Map::new();
            extra.insert(LEGACY_ID.into(), json!(legacy_id));
            Endpoint {
                id: new_id(),
                interface: interface.to_string(),
                region_id: region.clone(),
                service_id: service_id.clone(),
                url,
                enabled: true,
                extra,
            }
        })
        .collect();
    app.store.write(|w| {
        if catalog::get_service(w, &service_id)?.is_none() {
            return Err(Error::not_found("service", &service_id));
        }
        if let Some(region_id) = &region {
            if catalog::get_region(w, region_id)?.is_none() {
                catalog::create_region(
                    w,
                    &Region {
                        id: region_id.clone(),
                        description: String::new(),
                        parent_region_id: None,
                        extra: Map::new(),
                    },
                )?;
            }
        }
        for e in &endpoints {
            catalog::put_endpoint(w, e)?;
        }
        Ok(())
    })?;
    let members: Vec<&Endpoint> = endpoints.iter().collect();
    Ok(respond(
        f,
        200,
        &json!({"endpoint": render_legacy(&legacy_id, &members)}),
    ))
}

/// DELETE /v2.0/endpoints/{id}: every v3 endpoint of that legacy id (or of that pure v3
/// group, named by its public endpoint's id).
pub fn delete_endpoint(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    app.store.write(|w| {
        let all = catalog::list_endpoints(w)?;
        let mut doomed: Vec<String> = all
            .iter()
            .filter(|e| e.extra.get(LEGACY_ID).and_then(Value::as_str) == Some(id))
            .map(|e| e.id.clone())
            .collect();
        if doomed.is_empty() {
            if let Some(public) = all
                .iter()
                .find(|e| e.id == id && e.interface == "public" && !e.extra.contains_key(LEGACY_ID))
            {
                doomed = all
                    .iter()
                    .filter(|e| {
                        !e.extra.contains_key(LEGACY_ID)
                            && e.service_id == public.service_id
                            && e.region_id == public.region_id
                    })
                    .map(|e| e.id.clone())
                    .collect();
            }
        }
        if doomed.is_empty() {
            return Err(Error::not_found("endpoint", id));
        }
        for e in doomed {
            catalog::delete_endpoint(w, &e)?;
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}
