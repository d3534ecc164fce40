//! /v2.0/tenants: list, CRUD, the users of a tenant and their role grants.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, ActorKind, Project, Target};
use crate::policy::Action;
use crate::service::assignment::{self as assignment_service, WhenGranted};
use crate::service::projects::{self, ResourcePatch};
use crate::store::{assignment, identity, resource, Reader};
use crate::validate::fields::{opt_bool, opt_nullable_string, required_name};

use super::{global_role, grant_of, member, tenant_in_default, user_in_default};
use crate::api::v2::{
    body, format, page, render_role, render_tenant, render_user, respond, DEFAULT_DOMAIN,
};

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
            let at = app.config.federation.as_of(req.now);
            crate::api::v2::tokens::projects_of_user(r, &context.user.id, at)
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
    // Pike's `create_project` is the resource manager's, as /v3/projects': the same
    // hierarchy rules (a disabled default domain refuses new tenants) and unique names.
    let project = projects::create_project(&app.store, project)?;
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
    let patch = ResourcePatch {
        name,
        description: description.map(Option::unwrap_or_default),
        enabled,
        tags: None,
        extra: tenant_extras(&input),
    };
    // Pike's `update_project` is the resource manager's, as PATCH /v3/projects': a tenant
    // with enabled sub-projects cannot be disabled, and disabling revokes its tokens.
    let project = projects::update_project(&app.store, &patch, req.now as i64, |w| {
        tenant_in_default(w, id)
    })?;
    Ok(respond(f, 200, &json!({"tenant": render_tenant(&project)})))
}

pub fn delete_tenant(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    remove_tenant(app, p.get("tenant_id"), req.now as i64)?;
    Ok(Response::no_content())
}

/// Deletes a default-domain project with the same cascade as DELETE /v3/projects/{id}.
fn remove_tenant(app: &App, id: &str, now: i64) -> Result<()> {
    app.store.write(|w| {
        let project = tenant_in_default(w, id)?;
        crate::service::resource::delete_project_in(w, &project, now)
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
    let users = app.store.read(|r| -> Result<_> {
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
    let roles = app.store.read(|r| -> Result<_> {
        tenant_in_default(r, tenant_id)?;
        user_in_default(r, user_id)?;
        let target = Target::Project(tenant_id.to_string());
        let at = app.config.federation.as_of(req.now);
        Ok(assignment::token_roles(r, user_id, &target, at)?
            .iter()
            .map(render_role)
            .collect::<Vec<_>>())
    })?;
    Ok(respond(f, 200, &json!({"roles": roles, "roles_links": []})))
}

/// PUT /v2.0/tenants/{id}/users/{uid}/roles/OS-KSADM/{rid}
pub fn add_tenant_user_role(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (tenant_id, user_id, role_id) = (p.get("tenant_id"), p.get("user_id"), p.get("role_id"));
    let f = format(req);
    // v2.0 sees only the default domain and global roles; the service does the rest.
    app.store.read(|r| -> Result<_> {
        tenant_in_default(r, tenant_id)?;
        user_in_default(r, user_id)?;
        global_role(r, role_id)
    })?;
    let grant = grant_of(user_id, tenant_id, role_id);
    let role = assignment_service::grant_role(&app.store, &grant, WhenGranted::Conflict)?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

/// DELETE /v2.0/tenants/{id}/users/{uid}/roles/OS-KSADM/{rid}
pub fn remove_tenant_user_role(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (tenant_id, user_id, role_id) = (p.get("tenant_id"), p.get("user_id"), p.get("role_id"));
    app.store.read(|r| -> Result<_> {
        tenant_in_default(r, tenant_id)?;
        user_in_default(r, user_id)?;
        global_role(r, role_id)
    })?;
    if !assignment_service::revoke_role(&app.store, &grant_of(user_id, tenant_id, role_id))? {
        return Err(Error::NotFound(format!(
            "Could not find role assignment with role: {role_id}, user or group: \
             {user_id}, project, domain, or system: {tenant_id}."
        )));
    }
    Ok(Response::no_content())
}
