//! /v3/registered_limits, /v3/limits and /v3/limits/model: unified limits with upstream's
//! flat enforcement model (no hierarchy checks). A limit refers to the registered limit with
//! the same service, region and resource name; a registered limit with limits under it can
//! be neither updated nor deleted, as upstream.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::new_id;
use crate::store::limits::{self, Limit, RegisteredLimit};
use crate::store::{catalog, resource, Reader};

use super::{filtered_list, self_link};

pub fn render_registered(app: &App, l: &RegisteredLimit) -> Value {
    json!({"id": l.id, "service_id": l.service_id, "region_id": l.region_id,
           "resource_name": l.resource_name, "default_limit": l.default_limit,
           "description": l.description,
           "links": self_link(app, &format!("registered_limits/{}", l.id))})
}

pub fn render_limit(app: &App, l: &Limit) -> Value {
    json!({"id": l.id, "project_id": l.project_id, "domain_id": l.domain_id,
           "resource_limit": l.resource_limit, "description": l.description,
           "service_id": l.service_id, "region_id": l.region_id,
           "resource_name": l.resource_name,
           "links": self_link(app, &format!("limits/{}", l.id))})
}

/// Target of create_registered_limits: the body is checked first (400 before 403).
pub fn registered_create_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    app.schemas
        .registered_limits_create
        .validate(&req.json()?)?;
    Ok(json!({}))
}

/// Target of update_registered_limit: the body is checked first (400 before 403).
pub fn registered_update_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    app.schemas.registered_limit_update.validate(&req.json()?)?;
    Ok(json!({}))
}

/// Target of create_limits: the body is checked first (400 before 403).
pub fn limits_create_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    app.schemas.limits_create.validate(&req.json()?)?;
    Ok(json!({}))
}

/// Target of update_limit: the body is checked first (400 before 403).
pub fn limit_update_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas.limit_update.validate(&req.json()?)?;
    Ok(json!({}))
}

/// Target of get_limit: the limit with its project or domain; nothing if it is missing (the
/// handler then 404s, after policy, as upstream).
pub fn limit_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    app.store.read(|r| {
        let Some(limit) = limits::get_limit(r, p.get("limit_id"))? else {
            return Ok(json!({"target": {}}));
        };
        let mut t = render_limit(app, &limit);
        if let Some(pid) = &limit.project_id {
            if let Some(project) = resource::get_project(r, pid)? {
                t["project"] = super::render_project(app, &project);
            }
        } else if let Some(d) = &limit.domain_id {
            if let Some(domain) = resource::get_domain(r, d)? {
                t["domain"] = super::render_domain(app, &domain);
            }
        }
        Ok(json!({"target": {"limit": t}}))
    })
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Upstream's _assert_resource_exist: a missing reference is a 400 naming the attribute.
fn check_references(
    r: &impl Reader,
    service: Option<&str>,
    region: Option<&str>,
    target: &str,
) -> Result<()> {
    if let Some(s) = service {
        if catalog::get_service(r, s)?.is_none() {
            return Err(Error::expecting("service_id", target));
        }
    }
    if let Some(reg) = region {
        if catalog::get_region(r, reg)?.is_none() {
            return Err(Error::expecting("region_id", target));
        }
    }
    Ok(())
}

fn duplicate(kind: &str) -> Error {
    Error::duplicate(kind, "Duplicate entry")
}

/// GET/HEAD /v3/registered_limits
pub fn list_registered(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(limits::list_registered)?
        .iter()
        .map(|l| render_registered(app, l))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "registered_limits",
        items,
        &["service_id", "region_id", "resource_name"],
        app.config.list_limit("unified_limit"),
    )))
}

/// POST /v3/registered_limits: all or none, in one transaction.
pub fn create_registered(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let inputs = body
        .get("registered_limits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let created = app.store.write(|w| {
        let mut out: Vec<RegisteredLimit> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let limit = RegisteredLimit {
                seq: limits::next_seq(i),
                id: new_id(),
                service_id: opt_str(input, "service_id").unwrap_or_default(),
                region_id: opt_str(input, "region_id"),
                resource_name: opt_str(input, "resource_name").unwrap_or_default(),
                default_limit: input
                    .get("default_limit")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0) as i64,
                description: opt_str(input, "description"),
            };
            check_references(
                w,
                Some(&limit.service_id),
                limit.region_id.as_deref(),
                "registered_limit",
            )?;
            out.push(limit);
        }
        for (i, limit) in out.iter().enumerate() {
            let same = |o: &RegisteredLimit| {
                o.service_id == limit.service_id
                    && o.region_id == limit.region_id
                    && o.resource_name == limit.resource_name
            };
            if limits::list_registered(w)?.iter().any(same) || out[..i].iter().any(same) {
                return Err(duplicate("registered_limit"));
            }
            limits::put_registered(w, limit)?;
        }
        Ok(out)
    })?;
    let items: Vec<Value> = created.iter().map(|l| render_registered(app, l)).collect();
    Ok(Response::created(&json!({"registered_limits": items})))
}

fn registered_not_found(id: &str) -> Error {
    Error::NotFound(format!("Could not find registered limit for {id}."))
}

fn registered_in_use(id: &str) -> Error {
    Error::Forbidden(format!(
        "Unable to update or delete registered limit {id} because there are project limits \
         associated with it."
    ))
}

fn in_use(r: &impl Reader, reg: &RegisteredLimit) -> Result<bool> {
    Ok(limits::list_limits(r)?.iter().any(|l| {
        l.service_id == reg.service_id
            && l.region_id == reg.region_id
            && l.resource_name == reg.resource_name
    }))
}

/// GET/HEAD /v3/registered_limits/{registered_limit_id}
pub fn get_registered(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("registered_limit_id");
    let limit = app
        .store
        .read(|r| limits::get_registered(r, id))?
        .ok_or_else(|| registered_not_found(id))?;
    Ok(Response::ok(
        &json!({"registered_limit": render_registered(app, &limit)}),
    ))
}

/// PATCH /v3/registered_limits/{registered_limit_id}
pub fn update_registered(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("registered_limit_id");
    let body = req.json()?;
    let input = body.get("registered_limit").cloned().unwrap_or(json!({}));
    let updated = app.store.write(|w| {
        check_references(
            w,
            input.get("service_id").and_then(Value::as_str),
            input.get("region_id").and_then(Value::as_str),
            "registered_limit",
        )?;
        let old = limits::get_registered(w, id)?.ok_or_else(|| registered_not_found(id))?;
        if in_use(w, &old)? {
            return Err(registered_in_use(id));
        }
        let mut new = old.clone();
        if let Some(s) = opt_str(&input, "service_id") {
            new.service_id = s;
        }
        if input.get("region_id").is_some() {
            new.region_id = opt_str(&input, "region_id");
        }
        if let Some(n) = opt_str(&input, "resource_name") {
            new.resource_name = n;
        }
        if let Some(d) = input.get("default_limit").and_then(Value::as_f64) {
            new.default_limit = d as i64;
        }
        if input.get("description").is_some() {
            new.description = opt_str(&input, "description");
        }
        let identity_changed = new.service_id != old.service_id
            || new.region_id != old.region_id
            || new.resource_name != old.resource_name;
        if identity_changed
            && limits::list_registered(w)?.iter().any(|o| {
                o.id != id
                    && o.service_id == new.service_id
                    && o.region_id == new.region_id
                    && o.resource_name == new.resource_name
            })
        {
            return Err(duplicate("registered_limit"));
        }
        limits::put_registered(w, &new)?;
        Ok(new)
    })?;
    Ok(Response::ok(
        &json!({"registered_limit": render_registered(app, &updated)}),
    ))
}

/// DELETE /v3/registered_limits/{registered_limit_id}
pub fn delete_registered(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("registered_limit_id");
    app.store.write(|w| {
        let old = limits::get_registered(w, id)?.ok_or_else(|| registered_not_found(id))?;
        if in_use(w, &old)? {
            return Err(registered_in_use(id));
        }
        limits::delete_registered(w, id)?;
        Ok(())
    })?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/limits/model
pub fn get_model(_: &App, _: &Request, _: &Params, _: Granted) -> Result<Response> {
    Ok(Response::ok(&json!({"model": {
        "name": "flat",
        "description": "Limit enforcement and validation does not take project hierarchy into consideration."}})))
}

/// GET/HEAD /v3/limits: all limits for system scope or an admin/service role; a domain's
/// and its projects' for a domain-scoped token; the project's own for a project-scoped one.
pub fn list_limits(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let roles = context.role_names();
    let superuser = context.is_system() || roles.iter().any(|r| r == "admin" || r == "service");
    let (all, projects) = app
        .store
        .read(|r| Ok::<_, Error>((limits::list_limits(r)?, resource::list_projects(r)?)))?;
    let visible: Vec<&Limit> = if superuser {
        all.iter().collect()
    } else if let Some(domain_id) = context.domain_id() {
        let in_domain: Vec<&str> = projects
            .iter()
            .filter(|p| p.domain_id == domain_id)
            .map(|p| p.id.as_str())
            .collect();
        all.iter()
            .filter(|l| match (&l.project_id, &l.domain_id) {
                (Some(p), _) => in_domain.contains(&p.as_str()),
                (None, Some(d)) => d == domain_id,
                _ => false,
            })
            .collect()
    } else if let Some(project_id) = context.project_id() {
        all.iter()
            .filter(|l| l.project_id.as_deref() == Some(project_id))
            .collect()
    } else {
        vec![]
    };
    let items = visible.iter().map(|l| render_limit(app, l)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "limits",
        items,
        &[
            "service_id",
            "region_id",
            "resource_name",
            "project_id",
            "domain_id",
        ],
        app.config.list_limit("unified_limit"),
    )))
}

/// POST /v3/limits: all or none, in one transaction.
pub fn create_limits(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let inputs = body
        .get("limits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let created = app.store.write(|w| {
        let mut out: Vec<Limit> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let mut limit = Limit {
                seq: limits::next_seq(i),
                id: new_id(),
                project_id: opt_str(input, "project_id"),
                domain_id: opt_str(input, "domain_id"),
                service_id: opt_str(input, "service_id").unwrap_or_default(),
                region_id: opt_str(input, "region_id"),
                resource_name: opt_str(input, "resource_name").unwrap_or_default(),
                resource_limit: input
                    .get("resource_limit")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0) as i64,
                description: opt_str(input, "description"),
            };
            check_references(
                w,
                Some(&limit.service_id),
                limit.region_id.as_deref(),
                "limit",
            )?;
            if let Some(p) = limit.project_id.clone() {
                if resource::get_project(w, &p)?.is_none() {
                    // A project acting as a domain makes a domain limit, as upstream.
                    if resource::get_domain(w, &p)?.is_some() {
                        limit.domain_id = Some(p);
                        limit.project_id = None;
                    } else {
                        return Err(Error::expecting("project_id", "limit"));
                    }
                }
            }
            if let Some(d) = &limit.domain_id {
                if resource::get_domain(w, d)?.is_none() {
                    return Err(Error::expecting("domain_id", "limit"));
                }
            }
            out.push(limit);
        }
        let registered = limits::list_registered(w)?;
        let existing = limits::list_limits(w)?;
        for (i, limit) in out.iter().enumerate() {
            let has_default = registered.iter().any(|r| {
                r.service_id == limit.service_id
                    && r.region_id == limit.region_id
                    && r.resource_name == limit.resource_name
            });
            if !has_default {
                return Err(Error::Forbidden(
                    "Unable to create a limit that has no corresponding registered limit.".into(),
                ));
            }
            let same = |o: &Limit| {
                o.service_id == limit.service_id
                    && o.region_id == limit.region_id
                    && o.resource_name == limit.resource_name
                    && o.project_id == limit.project_id
                    && o.domain_id == limit.domain_id
            };
            if existing.iter().any(same) || out[..i].iter().any(same) {
                return Err(duplicate("limit"));
            }
            limits::put_limit(w, limit)?;
        }
        Ok(out)
    })?;
    let items: Vec<Value> = created.iter().map(|l| render_limit(app, l)).collect();
    Ok(Response::created(&json!({"limits": items})))
}

fn limit_not_found(id: &str) -> Error {
    Error::NotFound(format!("Could not find limit for {id}."))
}

/// GET/HEAD /v3/limits/{limit_id}: the target carries the limit and its project or domain.
pub fn get_limit(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("limit_id");
    let limit = app
        .store
        .read(|r| limits::get_limit(r, id))?
        .ok_or_else(|| limit_not_found(id))?;
    Ok(Response::ok(&json!({"limit": render_limit(app, &limit)})))
}

/// PATCH /v3/limits/{limit_id}: only the limit and its description change (a zero limit or
/// an empty description leaves the old value, as upstream's driver does).
pub fn update_limit(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("limit_id");
    let body = req.json()?;
    let input = body.get("limit").cloned().unwrap_or(json!({}));
    let updated = app.store.write(|w| -> Result<_> {
        let mut limit = limits::get_limit(w, id)?.ok_or_else(|| limit_not_found(id))?;
        if let Some(n) = input.get("resource_limit").and_then(Value::as_f64) {
            if n != 0.0 {
                limit.resource_limit = n as i64;
            }
        }
        if let Some(d) = input.get("description").and_then(Value::as_str) {
            if !d.is_empty() {
                limit.description = Some(d.to_string());
            }
        }
        limits::put_limit(w, &limit)?;
        Ok(limit)
    })?;
    Ok(Response::ok(&json!({"limit": render_limit(app, &updated)})))
}

/// DELETE /v3/limits/{limit_id}
pub fn delete_limit(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("limit_id");
    app.store.write(|w| {
        if !limits::delete_limit(w, id)? {
            return Err(limit_not_found(id));
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}
