//! /v3/roles/{prior_role_id}/implies[/{implied_role_id}] and /v3/role_inferences. Both roles
//! are loaded (404) by the target builder, after authentication: an anonymous caller gets 401
//! whether or not the roles exist.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::Role;
use crate::policy::Action;
use crate::store::assignment;

use super::super::render_role;
use super::PROHIBITED_IMPLIED_ROLES;

fn role_ref(app: &App, role: &Role) -> Value {
    json!({"id": role.id,
           "links": {"self": format!("{}/v3/roles/{}", app.public_url, role.id)},
           "name": role.name})
}

/// Upstream's `_build_enforcement_target_ref`: both roles loaded, 404 if either is missing.
fn load(
    app: &App,
    prior_id: &str,
    implied_id: Option<&str>,
) -> Result<(Role, Option<Role>, Value)> {
    app.store.read(|r| {
        let prior = assignment::require_role(r, prior_id)?;
        let mut target = json!({"prior_role": render_role(app, &prior)});
        let mut view = json!({"prior_role_id": prior_id});
        let implied = match implied_id {
            Some(id) => {
                let implied = assignment::require_role(r, id)?;
                target["implied_role"] = render_role(app, &implied);
                view["implied_role_id"] = json!(id);
                Some(implied)
            }
            None => None,
        };
        view["target"] = target;
        Ok((prior, implied, view))
    })
}

/// Target of list_implied_roles: the prior role.
pub fn prior_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(load(app, p.get("prior_role_id"), None)?.2)
}

/// Target of get/check/create/delete_implied_role: both roles.
pub fn implied_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(load(app, p.get("prior_role_id"), Some(p.get("implied_role_id")))?.2)
}

/// HEAD checks (check_implied_role, then get_implied_role in the handler), GET gets.
pub fn get_action(req: &Request) -> Action {
    if req.method == Method::Head {
        Action::CheckImpliedRole
    } else {
        Action::GetImpliedRole
    }
}

/// GET/HEAD /v3/roles/{prior_role_id}/implies
pub fn list_implied(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (prior, _, _) = load(app, p.get("prior_role_id"), None)?;
    let implies = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        for id in assignment::implied_by(r, &prior.id)? {
            if let Some(role) = assignment::get_role(r, &id)? {
                out.push(role_ref(app, &role));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&json!({
        "role_inference": {"prior_role": role_ref(app, &prior), "implies": implies},
        "links": {"self": format!("{}/v3/roles/{}/implies", app.public_url, prior.id)},
    })))
}

/// Both roles of an implied-role path (the target builder found them already).
fn both(app: &App, p: &Params) -> Result<(Role, Role)> {
    let (prior, implied, _) = load(app, p.get("prior_role_id"), Some(p.get("implied_role_id")))?;
    let implied = implied.ok_or_else(|| Error::not_found("role", p.get("implied_role_id")))?;
    Ok((prior, implied))
}

fn not_implied(p: &Params) -> Error {
    Error::NotFound(format!(
        "{} does not imply {}.",
        p.get("prior_role_id"),
        p.get("implied_role_id")
    ))
}

fn shown(app: &App, prior: &Role, implied: &Role) -> Value {
    json!({
        "role_inference": {"prior_role": role_ref(app, prior), "implies": role_ref(app, implied)},
        "links": {"self": format!("{}/v3/roles/{}/implies/{}", app.public_url, prior.id, implied.id)},
    })
}

/// GET/HEAD /v3/roles/{prior_role_id}/implies/{implied_role_id}
pub fn get_implied(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    if req.method == Method::Head {
        // Upstream's HEAD enforces check_implied_role, then get_implied_role.
        granted.enforce(app, Action::GetImpliedRole, granted.target())?;
    }
    let (prior, implied) = both(app, p)?;
    let exists = app
        .store
        .read(|r| Ok::<_, Error>(assignment::implied_by(r, &prior.id)?.contains(&implied.id)))?;
    if !exists {
        return Err(not_implied(p));
    }
    if req.method == Method::Head {
        return Ok(Response::no_content());
    }
    Ok(Response::ok(&shown(app, &prior, &implied)))
}

/// PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}
pub fn create_implied(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (prior, implied) = both(app, p)?;
    let implied_id = p.get("implied_role_id");
    if PROHIBITED_IMPLIED_ROLES.contains(&implied.name.as_str())
        || (prior.domain_id.is_none() && implied.domain_id.is_some())
    {
        return Err(Error::Forbidden(format!(
            "{implied_id} cannot be an implied roles."
        )));
    }
    app.store.write(|w| {
        if assignment::implied_by(w, &prior.id)?.contains(&implied.id) {
            return Err(Error::duplicate("implied_role", "Duplicate entry"));
        }
        Ok(assignment::add_implied(w, &prior.id, &implied.id)?)
    })?;
    Ok(Response::created(&shown(app, &prior, &implied)))
}

/// DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}
pub fn delete_implied(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (prior, implied) = both(app, p)?;
    if !app
        .store
        .write(|w| assignment::remove_implied(w, &prior.id, &implied.id))?
    {
        return Err(not_implied(p));
    }
    Ok(Response::no_content())
}

/// GET/HEAD /v3/role_inferences
pub fn list_inferences(app: &App, _: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = app.store.read(|r| -> Result<_> {
        let mut by_prior: Vec<(String, Vec<Value>)> = Vec::new();
        for (prior, implied) in assignment::list_implied(r)? {
            let Some(implied) = assignment::get_role(r, &implied)? else {
                continue;
            };
            let entry = role_ref(app, &implied);
            match by_prior.iter_mut().find(|(p, _)| *p == prior) {
                Some((_, list)) => list.push(entry),
                None => by_prior.push((prior, vec![entry])),
            }
        }
        let mut inferences = Vec::new();
        for (prior, implies) in by_prior {
            let Some(prior) = assignment::get_role(r, &prior)? else {
                continue;
            };
            inferences.push(json!({"prior_role": role_ref(app, &prior), "implies": implies}));
        }
        Ok(json!({"role_inferences": inferences}))
    })?;
    Ok(Response::ok(&body))
}
