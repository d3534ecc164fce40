//! /v3/roles, /v3/role_inferences and grants (role assignments on projects, domains and the
//! system, for users and groups; OS-INHERIT variants come with the admin surface).

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, ActorKind, Assignment, Role, Target};
use crate::store::{assignment, identity, resource};

use super::{
    authorize, body_object, extras, filtered_list, list_response, opt_nullable_string, opt_string,
    render_role, required_name,
};

/// Routes /v3/roles/..., /v3/role_inferences, /v3/system/... grants and /v3/OS-INHERIT/...
/// `path` starts at the area name ("roles", "system", ...); `rest` follows it.
pub fn route(
    app: &App,
    req: &Request,
    method: Method,
    path: &[&str],
    rest: &[&str],
) -> Result<Response> {
    match (path.first().copied(), method, rest) {
        (Some("roles"), Method::Get, []) => list(app, req),
        (Some("roles"), Method::Post, []) => create(app, req),
        (Some("roles"), Method::Get, [id]) => get(app, req, id),
        (Some("roles"), Method::Delete, [id]) => delete(app, req, id),
        (Some("roles"), _, [] | [_]) => Err(Error::MethodNotAllowed),
        (Some("role_inferences"), Method::Get, []) => list_inferences(app, req),
        (Some("role_inferences"), _, []) => Err(Error::MethodNotAllowed),
        (Some("system"), _, ["users" | "groups", _, "roles", ..]) => grants(app, req, path),
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/roles
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let action = if req.query("domain_id").is_some() {
        "identity:list_domain_roles"
    } else {
        "identity:list_roles"
    };
    authorize(app, req, action, json!({}))?;
    let wanted_domain = req.query("domain_id");
    let roles = app.store.read(|r| assignment::list_roles(r))?;
    let items = roles
        .iter()
        .filter(|r| r.domain_id.as_deref() == wanted_domain)
        .map(|r| render_role(app, r))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "roles",
        items,
        &["name"],
        app.config.list_limit("role"),
    )))
}

/// GET/HEAD /v3/roles/{role_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let role = app.store.read(|r| assignment::get_role(r, id))?;
    let action = if role.as_ref().is_some_and(|r| r.domain_id.is_some()) {
        "identity:get_domain_role"
    } else {
        "identity:get_role"
    };
    let target = role
        .as_ref()
        .map(|r| render_role(app, r))
        .unwrap_or(json!({}));
    authorize(app, req, action, json!({"target": {"role": target}}))?;
    let role = role.ok_or_else(|| Error::not_found("role", id))?;
    Ok(Response::ok(&json!({"role": render_role(app, &role)})))
}

/// POST /v3/roles
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "role")?;
    let domain_id = opt_string(&input, "domain_id", 64)?;
    let action = if domain_id.is_some() {
        "identity:create_domain_role"
    } else {
        "identity:create_role"
    };
    authorize(app, req, action, json!({"target": {"role": input}}))?;
    let role = Role {
        id: new_id(),
        name: required_name(&input, "name")?,
        domain_id,
        description: opt_nullable_string(&input, "description")?.flatten(),
        options: Default::default(),
        extra: extras(&input, &["name", "domain_id", "description", "options"]),
    };
    app.store.write(|w| {
        if let Some(d) = &role.domain_id {
            if resource::get_domain(w, d)?.is_none() {
                return Err(Error::Validation(format!("Could not find domain: {d}.")));
            }
        }
        assignment::create_role(w, &role)
    })?;
    Ok(Response::created(&json!({"role": render_role(app, &role)})))
}

/// DELETE /v3/roles/{role_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let role = app.store.read(|r| assignment::get_role(r, id))?;
    let action = if role.as_ref().is_some_and(|r| r.domain_id.is_some()) {
        "identity:delete_domain_role"
    } else {
        "identity:delete_role"
    };
    let target = role
        .as_ref()
        .map(|r| render_role(app, r))
        .unwrap_or(json!({}));
    authorize(app, req, action, json!({"target": {"role": target}}))?;
    let role = role.ok_or_else(|| Error::not_found("role", id))?;
    app.store.write(|w| assignment::delete_role(w, &role))?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/role_inferences
pub fn list_inferences(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_role_inference_rules", json!({}))?;
    let body = app.store.read(|r| {
        let mut by_prior: Vec<(String, Vec<Value>)> = Vec::new();
        for (prior, implied) in assignment::list_implied(r)? {
            let implied = assignment::require_role(r, &implied)?;
            let entry = json!({"id": implied.id, "name": implied.name,
                               "links": {"self": format!("{}/v3/roles/{}", app.public_url, implied.id)}});
            match by_prior.iter_mut().find(|(p, _)| *p == prior) {
                Some((_, list)) => list.push(entry),
                None => by_prior.push((prior, vec![entry])),
            }
        }
        let mut inferences = Vec::new();
        for (prior, implies) in by_prior {
            let prior = assignment::require_role(r, &prior)?;
            inferences.push(json!({
                "prior_role": {"id": prior.id, "name": prior.name,
                               "links": {"self": format!("{}/v3/roles/{}", app.public_url, prior.id)}},
                "implies": implies,
            }));
        }
        Ok(json!({"role_inferences": inferences,
                  "links": {"self": format!("{}/v3/role_inferences", app.public_url)}}))
    })?;
    Ok(Response::ok(&body))
}

/// Grants. `path` is everything after "v3":
/// [projects|domains, id, users|groups, id, roles(, role_id)] or [system, users|groups, id, roles(, role_id)].
pub fn grants(app: &App, req: &Request, path: &[&str]) -> Result<Response> {
    let (target, actor_kind_name, actor_id, rest) = match path {
        ["projects", pid, kind, aid, "roles", rest @ ..] => {
            (Target::Project(pid.to_string()), *kind, *aid, rest)
        }
        ["domains", did, kind, aid, "roles", rest @ ..] => {
            (Target::Domain(did.to_string()), *kind, *aid, rest)
        }
        ["system", kind, aid, "roles", rest @ ..] => (Target::System, *kind, *aid, rest),
        _ => {
            return Err(Error::NotFound(
                "The resource could not be found.".to_string(),
            ))
        }
    };
    let actor_kind = if actor_kind_name == "users" {
        ActorKind::User
    } else {
        ActorKind::Group
    };
    let role_id = match rest {
        [] => None,
        [role_id] => Some(*role_id),
        _ => {
            return Err(Error::NotFound(
                "The resource could not be found.".to_string(),
            ))
        }
    };
    let system = matches!(target, Target::System);
    let who = if actor_kind == ActorKind::User {
        "user"
    } else {
        "group"
    };
    let action = match (req.method, role_id, system) {
        (Method::Get | Method::Head, None, false) => "identity:list_grants".to_string(),
        (Method::Get | Method::Head, None, true) => {
            format!("identity:list_system_grants_for_{who}")
        }
        (Method::Get | Method::Head, Some(_), false) => "identity:check_grant".to_string(),
        (Method::Get | Method::Head, Some(_), true) => {
            format!("identity:check_system_grant_for_{who}")
        }
        (Method::Put, Some(_), false) => "identity:create_grant".to_string(),
        (Method::Put, Some(_), true) => format!("identity:create_system_grant_for_{who}"),
        (Method::Delete, Some(_), false) => "identity:revoke_grant".to_string(),
        (Method::Delete, Some(_), true) => format!("identity:revoke_system_grant_for_{who}"),
        _ => return Err(Error::MethodNotAllowed),
    };

    // Look everything up first: the policy target carries the records.
    let (target_json, actor_json, role) = app.store.read(|r| {
        let target_json = match &target {
            Target::Project(id) => resource::get_project(r, id)?
                .map(|p| json!({"project": {"id": p.id, "domain_id": p.domain_id}})),
            Target::Domain(id) => {
                resource::get_domain(r, id)?.map(|d| json!({"domain": {"id": d.id}}))
            }
            Target::System => Some(json!({})),
        };
        let actor_json = match actor_kind {
            ActorKind::User => identity::get_user(r, actor_id)?
                .map(|u| json!({"id": u.id, "domain_id": u.domain_id})),
            ActorKind::Group => identity::get_group(r, actor_id)?
                .map(|g| json!({"id": g.id, "domain_id": g.domain_id})),
        };
        let role = match role_id {
            Some(id) => assignment::get_role(r, id)?,
            None => None,
        };
        Ok((target_json, actor_json, role))
    })?;
    let mut policy_target = target_json.clone().unwrap_or(json!({}));
    policy_target[who] = actor_json.clone().unwrap_or(json!({}));
    if let Some(role) = &role {
        policy_target["role"] =
            json!({"id": role.id, "name": role.name, "domain_id": role.domain_id});
    }
    authorize(app, req, &action, json!({"target": policy_target}))?;
    if target_json.is_none() {
        return Err(match &target {
            Target::Project(id) => Error::not_found("project", id),
            Target::Domain(id) => Error::not_found("domain", id),
            Target::System => Error::not_found("system", "all"),
        });
    }
    if actor_json.is_none() {
        return Err(Error::not_found(who, actor_id));
    }

    let Some(role_id) = role_id else {
        // List the roles granted directly on this target.
        let roles = app.store.read(|r| {
            let mut out = Vec::new();
            for a in assignment::list_for_actor(r, actor_kind, actor_id)? {
                if a.target == target && !a.inherited {
                    if let Some(role) = assignment::get_role(r, &a.role_id)? {
                        out.push(render_role(app, &role));
                    }
                }
            }
            Ok(out)
        })?;
        return Ok(Response::ok(&list_response(app, req, "roles", roles)));
    };
    let role = role.ok_or_else(|| Error::not_found("role", role_id))?;
    let grant = Assignment {
        actor_kind,
        actor_id: actor_id.to_string(),
        target,
        role_id: role.id.clone(),
        inherited: false,
    };
    match req.method {
        Method::Put => app.store.write(|w| assignment::grant(w, &grant))?,
        Method::Delete => {
            if !app.store.write(|w| assignment::revoke(w, &grant))? {
                return Err(Error::NotFound(format!(
                    "Could not find role assignment with role: {role_id}, {who}: {actor_id}."
                )));
            }
        }
        _ => {
            if !app.store.read(|r| assignment::exists(r, &grant))? {
                return Err(Error::NotFound(format!(
                    "Could not find role assignment with role: {role_id}, {who}: {actor_id}."
                )));
            }
        }
    }
    Ok(Response::no_content())
}
