//! Every grant API: /v3/projects|domains/{id}/users|groups/{id}/roles[/{role_id}],
//! /v3/system/users|groups/{id}/roles[/{role_id}] and OS-INHERIT's
//! /v3/OS-INHERIT/domains|projects/{id}/users|groups/{id}/roles[/{role_id}]/inherited_to_projects.
//! The three families build their policy targets differently (the `*_target` builders, run by
//! the route table before enforcement); the handlers, one per method and family, then check
//! what upstream's assignment manager checks.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{ActorKind, Assignment, Role, Target};
use crate::service::assignment::{self as assignment_service, WhenGranted};
use crate::store::{assignment, identity, resource, Reader};

use super::super::{
    list_response, render_domain, render_group, render_project, render_role, render_user,
};

/// Which upstream handler family a grant path belongs to: they build policy targets and
/// check existence differently.
#[derive(Clone, Copy, PartialEq)]
enum GrantApi {
    /// /v3/projects/... and /v3/domains/...: every entity loaded before enforcement, 404 if
    /// missing (a missing actor is allowed on DELETE).
    Direct,
    /// /v3/system/...: role and actor loaded before enforcement.
    System,
    /// /v3/OS-INHERIT/...: missing entities leave their part of the target empty.
    Inherited,
}

/// The actor of a grant path: `{user_id}` or `{group_id}`, and its policy name.
fn actor(p: &Params) -> (ActorKind, &str, &'static str) {
    if p.get("user_id").is_empty() {
        (ActorKind::Group, p.get("group_id"), "group")
    } else {
        (ActorKind::User, p.get("user_id"), "user")
    }
}

/// What a grant path grants on: `{project_id}`, `{domain_id}` or (neither) the system.
fn scope(p: &Params) -> Target {
    if !p.get("project_id").is_empty() {
        Target::Project(p.get("project_id").to_string())
    } else if !p.get("domain_id").is_empty() {
        Target::Domain(p.get("domain_id").to_string())
    } else {
        Target::System
    }
}

fn rendered_user_or_group(
    app: &App,
    r: &impl Reader,
    kind: ActorKind,
    id: &str,
) -> Result<Option<Value>> {
    Ok(match kind {
        ActorKind::User => identity::get_user(r, id)?.map(|u| render_user(app, &u)),
        ActorKind::Group => identity::get_group(r, id)?.map(|g| render_group(app, &g)),
    })
}

/// The policy target, as upstream's builders make it, with the view args beside it.
fn build_target(app: &App, req: &Request, p: &Params, api: GrantApi) -> Result<Value> {
    let (kind, actor_id, who) = actor(p);
    let role_id = Some(p.get("role_id")).filter(|r| !r.is_empty());
    let target = scope(p);
    app.store.read(|r| {
        let mut view = Map::new();
        let mut t = Map::new();
        if let Some(id) = role_id {
            view.insert("role_id".into(), json!(id));
            match (assignment::get_role(r, id)?, api) {
                (Some(role), _) => {
                    t.insert("role".into(), render_role(app, &role));
                }
                (None, GrantApi::Inherited) => {
                    t.insert("role".into(), json!({}));
                }
                (None, _) => return Err(Error::not_found("role", id)),
            }
        }
        view.insert(format!("{who}_id"), json!(actor_id));
        match rendered_user_or_group(app, r, kind, actor_id)? {
            Some(actor) => {
                t.insert(who.into(), actor);
            }
            None if api == GrantApi::Inherited => {
                t.insert(who.into(), json!({}));
            }
            None if req.method == Method::Delete => {}
            None => return Err(Error::not_found(who, actor_id)),
        }
        match &target {
            Target::Project(id) => {
                view.insert("project_id".into(), json!(id));
                match resource::get_project(r, id)? {
                    Some(p) => {
                        t.insert("project".into(), render_project(app, &p));
                    }
                    None if api == GrantApi::Inherited => {
                        t.insert("project".into(), json!({}));
                    }
                    None => return Err(Error::not_found("project", id)),
                }
            }
            Target::Domain(id) => {
                view.insert("domain_id".into(), json!(id));
                match resource::get_domain(r, id)? {
                    Some(d) => {
                        t.insert("domain".into(), render_domain(app, &d));
                    }
                    None if api == GrantApi::Inherited => {
                        t.insert("domain".into(), json!({}));
                    }
                    None => return Err(Error::not_found("domain", id)),
                }
            }
            Target::System => {}
        }
        view.insert("target".into(), Value::Object(t));
        Ok(Value::Object(view))
    })
}

/// Target of the grants on a project or domain.
pub fn grant_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    build_target(app, req, p, GrantApi::Direct)
}

/// Target of the system grants.
pub fn system_grant_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    build_target(app, req, p, GrantApi::System)
}

/// Target of OS-INHERIT's grants.
pub fn inherited_grant_target(
    app: &App,
    req: &Request,
    p: &Params,
    _: &AuthContext,
) -> Result<Value> {
    build_target(app, req, p, GrantApi::Inherited)
}

fn assignment_not_found(p: &Params) -> Error {
    let target_id = match scope(p) {
        Target::Project(id) | Target::Domain(id) => id,
        Target::System => "system".to_string(),
    };
    Error::NotFound(format!(
        "Could not find role assignment with role: {}, user or group: {}, \
         project, domain, or system: {target_id}.",
        p.get("role_id"),
        actor(p).1
    ))
}

/// 404 unless the project or domain granted on exists (the system always does).
fn require_scope(app: &App, target: &Target) -> Result<()> {
    Ok(app.store.read(|r| match target {
        Target::Project(id) => resource::require_project(r, id).map(|_| ()),
        Target::Domain(id) => resource::require_domain(r, id).map(|_| ()),
        Target::System => Ok(()),
    })?)
}

/// The grant a single-grant path names; its role must exist (404).
fn grant_of(app: &App, p: &Params, inherited: bool) -> Result<(Role, Assignment)> {
    let role_id = p.get("role_id");
    let role = app
        .store
        .read(|r| assignment::get_role(r, role_id))?
        .ok_or_else(|| Error::not_found("role", role_id))?;
    let (actor_kind, actor_id, _) = actor(p);
    let grant = Assignment {
        actor_kind,
        actor_id: actor_id.to_string(),
        target: scope(p),
        role_id: role.id.clone(),
        inherited,
    };
    Ok((role, grant))
}

// ---------------------------------------------------------------------------------------
// List: GET/HEAD .../roles[/inherited_to_projects]

fn list(app: &App, req: &Request, p: &Params, inherited: bool) -> Result<Response> {
    let target = scope(p);
    require_scope(app, &target)?;
    let (kind, actor_id, _) = actor(p);
    let roles = app.store.read(|r| -> Result<_> {
        let mut ids: Vec<String> = assignment::list_for_actor(r, kind, actor_id)?
            .into_iter()
            .filter(|a| a.target == target && a.inherited == inherited)
            .map(|a| a.role_id)
            .collect();
        ids.sort();
        ids.dedup();
        let mut out = Vec::new();
        for id in ids {
            if let Some(role) = assignment::get_role(r, &id)? {
                // Huawei's RoleResult for a Huawei role; upstream's rendering otherwise.
                let details = crate::store::iam::role_details::get(r, &id)?;
                out.push(crate::api::huawei::roles::render(
                    app,
                    &role,
                    details.as_ref(),
                ));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(app, req, "roles", roles)))
}

/// GET/HEAD /v3/{projects|domains}/{id}/{users|groups}/{id}/roles
pub fn list_grants(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list(app, req, p, false)
}

/// GET/HEAD /v3/system/{users|groups}/{id}/roles
pub fn list_system_grants(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list(app, req, p, false)
}

/// GET/HEAD /v3/OS-INHERIT/domains/{domain_id}/{users|groups}/{id}/roles/inherited_to_projects
pub fn list_inherited_grants(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list(app, req, p, true)
}

// ---------------------------------------------------------------------------------------
// Check: GET/HEAD .../roles/{role_id}[/inherited_to_projects]

fn check(app: &App, p: &Params, inherited: bool, system: bool) -> Result<Response> {
    let (_, grant) = grant_of(app, p, inherited)?;
    if !system {
        require_scope(app, &grant.target)?;
    }
    if !app.store.read(|r| assignment::exists(r, &grant))? {
        return Err(assignment_not_found(p));
    }
    Ok(Response::no_content())
}

/// GET/HEAD /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role_id}
pub fn check_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check(app, p, false, false)
}

/// GET/HEAD /v3/system/{users|groups}/{id}/roles/{role_id}
pub fn check_system_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check(app, p, false, true)
}

/// GET/HEAD /v3/OS-INHERIT/.../roles/{role_id}/inherited_to_projects
pub fn check_inherited_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check(app, p, true, false)
}

// ---------------------------------------------------------------------------------------
// Create: PUT .../roles/{role_id}[/inherited_to_projects]

fn create(app: &App, p: &Params, inherited: bool) -> Result<Response> {
    let (_, grant) = grant_of(app, p, inherited)?;
    // The service checks the role, the target and their domains inside its transaction.
    assignment_service::grant_role(&app.store, &grant, WhenGranted::Succeed)?;
    Ok(Response::no_content())
}

/// PUT /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role_id}
pub fn create_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    create(app, p, false)
}

/// PUT /v3/system/{users|groups}/{id}/roles/{role_id}: no domain-specific roles.
pub fn create_system_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (role, _) = grant_of(app, p, false)?;
    if role.domain_id.is_some() {
        return Err(Error::Validation(format!(
            "Role {} is a domain-specific role. Unable to use a domain-specific \
             role in a system assignment.",
            p.get("role_id")
        )));
    }
    create(app, p, false)
}

/// PUT /v3/OS-INHERIT/.../roles/{role_id}/inherited_to_projects
pub fn create_inherited_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    create(app, p, true)
}

// ---------------------------------------------------------------------------------------
// Revoke: DELETE .../roles/{role_id}[/inherited_to_projects]

fn revoke(app: &App, p: &Params, inherited: bool) -> Result<Response> {
    let (_, grant) = grant_of(app, p, inherited)?;
    if !assignment_service::revoke_role(&app.store, &grant)? {
        return Err(assignment_not_found(p));
    }
    Ok(Response::no_content())
}

/// DELETE /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role_id}
pub fn revoke_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    revoke(app, p, false)
}

/// DELETE /v3/system/{users|groups}/{id}/roles/{role_id}
pub fn revoke_system_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    revoke(app, p, false)
}

/// DELETE /v3/OS-INHERIT/.../roles/{role_id}/inherited_to_projects
pub fn revoke_inherited_grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    revoke(app, p, true)
}
