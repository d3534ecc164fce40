//! /v3/domains: domains, and the grant paths under them (src/api/roles.rs) and their
//! configuration (src/api/domain_config.rs). Authentication and policy run in the route
//! table (src/http/table.rs) before these handlers; bodies are checked here.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Domain};
use crate::service::projects::{self, conflict_domain, ResourcePatch};
use crate::store::resource;

use super::{extras, filtered_list, render_domain};
use crate::validate::parse_bool;

const KNOWN: &[&str] = &[
    "name",
    "description",
    "enabled",
    "tags",
    "options",
    "explicit_domain_id",
];

/// Target of list_domains: a domain-scoped caller's own domain.
pub fn list_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(match context.domain_id() {
        Some(d) => json!({"target": {"domain": {"id": d}}}),
        None => json!({}),
    })
}

/// Target of get_domain: the domain, or nothing if it is missing (the handler then 404s).
pub fn domain_or_empty_target(
    app: &App,
    _: &Request,
    p: &Params,
    _: &AuthContext,
) -> Result<Value> {
    let domain = app
        .store
        .read(|r| resource::get_domain(r, p.get("domain_id")))?;
    Ok(match &domain {
        Some(d) => json!({"target": {"domain": render_domain(app, d)}}),
        None => json!({"target": {}}),
    })
}

/// Target of update/delete_domain: upstream looks the domain up (404) before policy.
pub fn domain_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let id = p.get("domain_id");
    let domain = app
        .store
        .read(|r| resource::get_domain(r, id))?
        .ok_or_else(|| Error::not_found("domain", id))?;
    Ok(json!({"target": {"domain": render_domain(app, &domain)}}))
}

/// GET/HEAD /v3/domains: a domain-scoped caller sees only its own domain.
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let domain_scope = granted.context().domain_id().map(str::to_string);
    let domains = app.store.read(resource::list_domains)?;
    let items = domains
        .iter()
        .filter(|d| domain_scope.as_ref().is_none_or(|s| &d.id == s))
        .map(|d| render_domain(app, d))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "domains",
        items,
        &["name", "enabled"],
        app.config.list_limit("resource"),
    )))
}

/// GET/HEAD /v3/domains/{domain_id}: policy first (against nothing if missing), then 404;
/// the body is the domain the target builder read.
pub fn get(_: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    match granted.target()["target"].get("domain") {
        Some(domain) => Ok(Response::ok(&json!({"domain": domain}))),
        None => Err(Error::not_found("domain", p.get("domain_id"))),
    }
}

/// POST /v3/domains
pub fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let input = app.schemas.domain_create.member(&body, "domain")?;
    // An explicit id must be a uuid4 in hex form, as upstream's _validate_id_format.
    let id = match input.get("explicit_domain_id").and_then(Value::as_str) {
        Some(explicit) => {
            let ok = explicit.len() == 32
                && explicit
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if !ok {
                return Err(Error::Validation(
                    "Domain ID does not conform to required UUID format.".into(),
                ));
            }
            explicit.to_string()
        }
        None => new_id(),
    };
    let domain = Domain {
        id,
        name: input
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string(),
        description: input
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        enabled: input.get("enabled").and_then(parse_bool).unwrap_or(true),
        tags: input
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        options: Default::default(),
        extra: extras(&input, KNOWN),
    };
    app.store.write(|w| {
        if resource::find_domain_by_name(w, &domain.name)?.is_some() {
            return Err(conflict_domain(&domain.name));
        }
        if resource::get_domain(w, &domain.id)?.is_some()
            || resource::get_project(w, &domain.id)?.is_some()
        {
            return Err(Error::duplicate(
                "project",
                &format!(
                    "it is not permitted to have two projects acting as domains with the same name: {}",
                    domain.name
                ),
            ));
        }
        Ok(resource::create_domain(w, &domain)?)
    })?;
    Ok(Response::created(
        &json!({"domain": render_domain(app, &domain)}),
    ))
}

/// PATCH /v3/domains/{domain_id}: upstream looks the domain up (404) before policy.
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("domain_id");
    let body = req.json()?;
    let input = app.schemas.domain_update.member(&body, "domain")?;
    let patch = ResourcePatch {
        name: input
            .get("name")
            .and_then(Value::as_str)
            .map(|n| n.trim().to_string()),
        description: input
            .get("description")
            .map(|d| d.as_str().unwrap_or_default().to_string()),
        enabled: input.get("enabled").and_then(parse_bool),
        tags: input.get("tags").and_then(Value::as_array).map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        }),
        extra: extras(&input, KNOWN),
    };
    // The service re-reads the domain inside its write, applies the patch and, when it
    // disables the domain, revokes the tokens scoped to it (as the project view does).
    let new = projects::update_domain(&app.store, &patch, req.now as i64, |w| {
        Ok(resource::require_domain(w, id)?)
    })?;
    Ok(Response::ok(&json!({"domain": render_domain(app, &new)})))
}

/// DELETE /v3/domains/{domain_id}: only a disabled domain; everything in it goes with it.
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("domain_id");
    let now = req.now as i64;
    let cascade = app.store.write(|w| {
        let current = resource::require_domain(w, id)?;
        if current.enabled {
            return Err(Error::Forbidden(
                "Cannot delete a domain that is enabled, please disable it first.".into(),
            ));
        }
        crate::service::resource::delete_domain_in(w, &current, now)
    })?;
    req.cascade.replace(cascade);
    Ok(Response::no_content())
}
