//! /v3/OS-EP-FILTER (upstream keystone/api/os_ep_filter.py): endpoints and endpoint groups
//! given to projects. A project with any makes its token catalog show only those endpoints
//! (see api/auth.rs render_catalog). Checks run in upstream's order: schema (in the target
//! builders), policy (in the route table, src/http/table.rs), then the existence of each
//! named thing (in the handlers).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, EndpointGroup};
use crate::store::{catalog, endpoint_filter as filter, resource};

use super::{filtered_list, list_response, render_endpoint, render_project};
use crate::validate::{query_object, Schema};

fn render_group(app: &App, g: &EndpointGroup) -> Value {
    json!({"id": g.id, "name": g.name, "description": g.description, "filters": g.filters,
           "links": {"self": format!("{}/v3/OS-EP-FILTER/endpoint_groups/{}", app.public_url, g.id)}})
}

/// Upstream's _require_valid_filter.
fn require_valid_filter(group: &Map<String, Value>) -> Result<()> {
    const VALID: [&str; 3] = ["service_id", "region_id", "interface"];
    if let Some(Value::Object(filters)) = group.get("filters") {
        if filters.keys().any(|k| !VALID.contains(&k.as_str())) {
            return Err(Error::expecting(&VALID.join(" or "), "endpoint_group"));
        }
    }
    Ok(())
}

fn group_body(req: &Request, body_schema: &Schema) -> Result<Map<String, Value>> {
    let body = req.json()?;
    body_schema.validate(&body)?;
    Ok(body
        .get("endpoint_group")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

/// Target of list_endpoint_groups: the query is checked first.
pub fn list_groups_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas
        .endpoint_groups_query
        .validate(&query_object(&req.query))?;
    Ok(json!({}))
}

/// Target of create_endpoint_group: the body is checked first.
pub fn create_group_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    group_body(req, &app.schemas.endpoint_group_create)?;
    Ok(json!({}))
}

/// Target of update_endpoint_group: the body is checked first.
pub fn update_group_target(app: &App, req: &Request, p: &Params, c: &AuthContext) -> Result<Value> {
    group_body(req, &app.schemas.endpoint_group_update)?;
    group_target(app, req, p, c)
}

/// Target of the calls on one endpoint group (a missing one is 404 after policy).
pub fn group_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"endpoint_group_id": p.get("endpoint_group_id")}))
}

/// Target of the calls on an endpoint group and a project.
pub fn group_project_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"endpoint_group_id": p.get("endpoint_group_id"), "project_id": p.get("project_id")}))
}

/// Target of the calls on a project's endpoints or endpoint groups.
pub fn project_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"project_id": p.get("project_id")}))
}

/// Target of the calls on a project and an endpoint.
pub fn project_endpoint_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"project_id": p.get("project_id"), "endpoint_id": p.get("endpoint_id")}))
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoint_groups
pub fn list_endpoint_groups(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let groups = app.store.read(filter::list_endpoint_groups)?;
    let items = groups.iter().map(|g| render_group(app, g)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "endpoint_groups",
        items,
        &["name"],
        app.config.list_limit("catalog"),
    )))
}

/// POST /v3/OS-EP-FILTER/endpoint_groups
pub fn create_endpoint_group(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = group_body(req, &app.schemas.endpoint_group_create)?;
    let filters = match input.get("filters") {
        Some(Value::Object(f)) if !f.is_empty() => f.clone(),
        _ => {
            return Err(Error::validation(
                "filters field is required and cannot be empty",
            ))
        }
    };
    require_valid_filter(&input)?;
    let group = EndpointGroup {
        id: new_id(),
        name: input
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        description: input
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        filters,
    };
    app.store.write(|w| filter::put_endpoint_group(w, &group))?;
    Ok(Response::created(
        &json!({"endpoint_group": render_group(app, &group)}),
    ))
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
pub fn get_endpoint_group(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let group = app.store.read(|r| filter::require_endpoint_group(r, id))?;
    Ok(Response::ok(
        &json!({"endpoint_group": render_group(app, &group)}),
    ))
}

/// PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
pub fn update_endpoint_group(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let input = group_body(req, &app.schemas.endpoint_group_update)?;
    require_valid_filter(&input)?;
    let group = app.store.write(|w| -> Result<_> {
        let mut group = filter::require_endpoint_group(w, id)?;
        if let Some(Value::String(name)) = input.get("name") {
            group.name = name.clone();
        }
        match input.get("description") {
            Some(Value::String(d)) => group.description = Some(d.clone()),
            Some(Value::Null) => group.description = None,
            _ => {}
        }
        if let Some(Value::Object(filters)) = input.get("filters") {
            group.filters = filters.clone();
        }
        filter::put_endpoint_group(w, &group)?;
        Ok(group)
    })?;
    Ok(Response::ok(
        &json!({"endpoint_group": render_group(app, &group)}),
    ))
}

/// DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
pub fn delete_endpoint_group(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    app.store.write(|w| filter::delete_endpoint_group(w, id))?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects (an unknown group
/// has no projects, as upstream answers).
pub fn projects_for_group(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let projects = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        for project_id in filter::projects_for_endpoint_group(r, id)? {
            out.push(resource::require_project(r, &project_id)?);
        }
        Ok(out)
    })?;
    let items = projects.iter().map(|p| render_project(app, p)).collect();
    Ok(Response::ok(&list_response(app, req, "projects", items)))
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints
pub fn endpoints_for_group(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let endpoints = app.store.read(|r| -> Result<_> {
        let group = filter::require_endpoint_group(r, id)?;
        Ok(filter::endpoints_in_group(
            &catalog::list_endpoints(r)?,
            &group,
        ))
    })?;
    let items = endpoints.iter().map(|e| render_endpoint(app, e)).collect();
    Ok(Response::ok(&list_response(app, req, "endpoints", items)))
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
pub fn get_group_in_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let project = p.get("project_id");
    app.store.read(|r| {
        resource::require_project(r, project)?;
        filter::require_endpoint_group(r, id)?;
        filter::check_endpoint_group_in_project(r, id, project)
    })?;
    // Upstream's self link here is relative.
    Ok(Response::ok(&json!({"project_endpoint_group": {
        "endpoint_group_id": id, "project_id": project,
        "links": {"self": format!("/OS-EP-FILTER/endpoint_groups/{id}/projects/{project}")}}})))
}

/// PUT /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
pub fn add_group_to_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let project = p.get("project_id");
    app.store.write(|w| {
        resource::require_project(w, project)?;
        filter::require_endpoint_group(w, id)?;
        filter::add_endpoint_group_to_project(w, id, project)
    })?;
    Ok(Response::no_content())
}

/// DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
pub fn remove_group_from_project(
    app: &App,
    _: &Request,
    p: &Params,
    _: Granted,
) -> Result<Response> {
    let id = p.get("endpoint_group_id");
    let project = p.get("project_id");
    app.store.write(|w| {
        resource::require_project(w, project)?;
        filter::require_endpoint_group(w, id)?;
        filter::remove_endpoint_group_from_project(w, id, project)
    })?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects
pub fn projects_for_endpoint(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    let projects = app.store.read(|r| -> Result<_> {
        catalog::require_endpoint(r, id)?;
        let mut out = Vec::new();
        for project_id in filter::projects_for_endpoint(r, id)? {
            out.push(resource::require_project(r, &project_id)?);
        }
        Ok(out)
    })?;
    let items = projects.iter().map(|p| render_project(app, p)).collect();
    Ok(Response::ok(&list_response(app, req, "projects", items)))
}

/// GET/HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints: given directly or by a group.
pub fn endpoints_for_project(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let project = p.get("project_id");
    let endpoints = app.store.read(|r| {
        resource::require_project(r, project)?;
        filter::endpoints_for_project(r, project)
    })?;
    let items = endpoints.iter().map(|e| render_endpoint(app, e)).collect();
    Ok(Response::ok(&list_response(app, req, "endpoints", items)))
}

/// GET/HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups
pub fn groups_for_project(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let project = p.get("project_id");
    let groups = app.store.read(|r| {
        resource::require_project(r, project)?;
        filter::endpoint_groups_for_project(r, project)
    })?;
    let items = groups.iter().map(|g| render_group(app, g)).collect();
    Ok(Response::ok(&list_response(
        app,
        req,
        "endpoint_groups",
        items,
    )))
}

/// GET/HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}: 204 if given.
pub fn check_endpoint_in_project(
    app: &App,
    _: &Request,
    p: &Params,
    _: Granted,
) -> Result<Response> {
    let project = p.get("project_id");
    let id = p.get("endpoint_id");
    app.store.read(|r| {
        catalog::require_endpoint(r, id)?;
        resource::require_project(r, project)?;
        filter::check_endpoint_in_project(r, id, project)
    })?;
    Ok(Response::no_content())
}

/// PUT /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}
pub fn add_endpoint_to_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let project = p.get("project_id");
    let id = p.get("endpoint_id");
    app.store.write(|w| {
        catalog::require_endpoint(w, id)?;
        resource::require_project(w, project)?;
        filter::add_endpoint_to_project(w, id, project)
    })?;
    Ok(Response::no_content())
}

/// DELETE /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}
pub fn remove_endpoint_from_project(
    app: &App,
    _: &Request,
    p: &Params,
    _: Granted,
) -> Result<Response> {
    let project = p.get("project_id");
    let id = p.get("endpoint_id");
    app.store
        .write(|w| filter::remove_endpoint_from_project(w, id, project))?;
    Ok(Response::no_content())
}
