//! /v3/domains

use serde_json::json;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, Domain};
use crate::store::resource;

use super::{
    authorize, body_object, extras, filtered_list, opt_bool, opt_string, render_domain,
    required_name,
};

const KNOWN: &[&str] = &[
    "name",
    "description",
    "enabled",
    "tags",
    "options",
    "explicit_domain_id",
];

/// Routes /v3/domains/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Patch, [id]) => update(app, req, id),
        (Method::Delete, [id]) => delete(app, req, id),
        (_, [] | [_]) => Err(Error::MethodNotAllowed),
        // Grants on a domain: /v3/domains/{id}/{users|groups}/{id}/roles[/{role_id}]
        (_, [_, "users" | "groups", _, "roles", ..]) => {
            let mut path = vec!["domains"];
            path.extend_from_slice(rest);
            super::roles::grants(app, req, &path)
        }
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/domains
pub fn list(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_domains", json!({}))?;
    let domains = app.store.read(|r| resource::list_domains(r))?;
    let items = domains.iter().map(|d| render_domain(app, d)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "domains",
        items,
        &["name", "enabled"],
        app.config.list_limit("resource"),
    )))
}

/// GET/HEAD /v3/domains/{domain_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let domain = app.store.read(|r| resource::get_domain(r, id))?;
    let target = domain
        .as_ref()
        .map(|d| render_domain(app, d))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:get_domain",
        json!({"target": {"domain": target}}),
    )?;
    let domain = domain.ok_or_else(|| Error::not_found("domain", id))?;
    Ok(Response::ok(
        &json!({"domain": render_domain(app, &domain)}),
    ))
}

/// POST /v3/domains
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "domain")?;
    authorize(
        app,
        req,
        "identity:create_domain",
        json!({"target": {"domain": input}}),
    )?;
    let domain = Domain {
        id: opt_string(&input, "explicit_domain_id", 64)?.unwrap_or_else(new_id),
        name: required_name(&input, "name")?,
        description: opt_string(&input, "description", usize::MAX)?.unwrap_or_default(),
        enabled: opt_bool(&input, "enabled")?.unwrap_or(true),
        tags: vec![],
        options: Default::default(),
        extra: extras(&input, KNOWN),
    };
    app.store.write(|w| resource::create_domain(w, &domain))?;
    Ok(Response::created(
        &json!({"domain": render_domain(app, &domain)}),
    ))
}

/// PATCH /v3/domains/{domain_id}
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "domain")?;
    let old = app.store.read(|r| resource::get_domain(r, id))?;
    let target = old
        .as_ref()
        .map(|d| render_domain(app, d))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:update_domain",
        json!({"target": {"domain": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("domain", id))?;
    let mut new = old.clone();
    if input.contains_key("name") {
        new.name = required_name(&input, "name")?;
    }
    if let Some(d) = opt_string(&input, "description", usize::MAX)? {
        new.description = d;
    }
    if let Some(e) = opt_bool(&input, "enabled")? {
        new.enabled = e;
    }
    for (k, v) in extras(&input, KNOWN) {
        new.extra.insert(k, v);
    }
    app.store
        .write(|w| resource::update_domain(w, &old, &new))?;
    Ok(Response::ok(&json!({"domain": render_domain(app, &new)})))
}

/// DELETE /v3/domains/{domain_id}: only a disabled domain, as upstream.
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let old = app.store.read(|r| resource::get_domain(r, id))?;
    let target = old
        .as_ref()
        .map(|d| render_domain(app, d))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:delete_domain",
        json!({"target": {"domain": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("domain", id))?;
    if old.enabled {
        return Err(Error::Forbidden(format!(
            "Cannot delete a domain that is enabled, please disable it first."
        )));
    }
    app.store.write(|w| resource::delete_domain(w, &old))?;
    Ok(Response::no_content())
}
