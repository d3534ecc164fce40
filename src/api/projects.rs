//! /v3/projects

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, Project};
use crate::store::{resource, Reader};

use super::{
    authorize, body_object, enforce, extras, filtered_list, opt_bool, opt_string, render_project,
    required_name,
};

const KNOWN: &[&str] = &[
    "name",
    "domain_id",
    "description",
    "enabled",
    "parent_id",
    "is_domain",
    "tags",
    "options",
];

/// Routes /v3/projects/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Patch, [id]) => update(app, req, id),
        (Method::Delete, [id]) => delete(app, req, id),
        (_, [] | [_]) => Err(Error::MethodNotAllowed),
        // Grants on a project: /v3/projects/{id}/{users|groups}/{id}/roles[/{role_id}]
        (_, [_, "users" | "groups", _, "roles", ..]) => {
            let mut path = vec!["projects"];
            path.extend_from_slice(rest);
            super::roles::grants(app, req, &path)
        }
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/projects
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let domain_scope = context.domain_id().map(str::to_string);
    enforce(
        app,
        &context,
        "identity:list_projects",
        &super::list_target(domain_scope.as_deref()),
    )?;
    let projects = app.store.read(|r| resource::list_projects(r))?;
    let items = projects
        .iter()
        .filter(|p| domain_scope.as_ref().is_none_or(|d| &p.domain_id == d))
        .map(|p| render_project(app, p))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "projects",
        items,
        &["domain_id", "enabled", "name", "parent_id"],
        app.config.list_limit("resource"),
    )))
}

/// GET/HEAD /v3/projects/{project_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let project = app.store.read(|r| resource::get_project(r, id))?;
    let target = project
        .as_ref()
        .map(|p| render_project(app, p))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:get_project",
        json!({"target": {"project": target}}),
    )?;
    let project = project.ok_or_else(|| Error::not_found("project", id))?;
    Ok(Response::ok(
        &json!({"project": render_project(app, &project)}),
    ))
}

/// POST /v3/projects
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "project")?;
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    enforce(
        app,
        &context,
        "identity:create_project",
        &json!({"target": {"project": input}}),
    )?;
    let name = required_name(&input, "name")?;
    let description = opt_string(&input, "description", usize::MAX)?.unwrap_or_default();
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    if opt_bool(&input, "is_domain")? == Some(true) {
        return Err(Error::bad_request(
            "Projects acting as domains are not supported; create a domain.",
        ));
    }
    let tags = parse_tags(input.get("tags"))?;
    let domain_id = opt_string(&input, "domain_id", 64)?;
    let parent_id = opt_string(&input, "parent_id", 64)?;
    let project = app.store.write(|w| {
        // Upstream: the domain is the parent's, else the one given, else the token's.
        let parent =
            match &parent_id {
                Some(pid) => Some(resource::get_project(w, pid)?.ok_or_else(|| {
                    Error::bad_request(&format!("Could not find project: {pid}."))
                })?),
                None => None,
            };
        let domain_id = match (&parent, &domain_id) {
            (Some(p), _) => p.domain_id.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => context
                .domain_id()
                .map(str::to_string)
                .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string()),
        };
        if resource::get_domain(w, &domain_id)?.is_none() {
            return Err(Error::Validation(format!(
                "Could not find domain: {domain_id}."
            )));
        }
        let project = Project {
            id: new_id(),
            name: name.clone(),
            parent_id: Some(parent.map_or(domain_id.clone(), |p| p.id)),
            domain_id,
            description: description.clone(),
            enabled,
            tags: tags.clone(),
            options: Default::default(),
            extra: extras(&input, KNOWN),
        };
        resource::create_project(w, &project)?;
        Ok(project)
    })?;
    Ok(Response::created(
        &json!({"project": render_project(app, &project)}),
    ))
}

fn parse_tags(value: Option<&Value>) -> Result<Vec<String>> {
    match value {
        None => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| match t.as_str() {
                Some(s)
                    if !s.is_empty() && s.len() <= 255 && !s.contains(',') && !s.contains('/') =>
                {
                    Ok(s.to_string())
                }
                _ => Err(Error::schema(
                    "tags",
                    &t.to_string(),
                    "Tags must be non-empty strings without ',' or '/' of at most 255 characters",
                )),
            })
            .collect(),
        Some(other) => Err(Error::schema(
            "tags",
            &other.to_string(),
            &format!("{other} is not of type 'array'"),
        )),
    }
}

/// PATCH /v3/projects/{project_id}
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "project")?;
    let old = app.store.read(|r| resource::get_project(r, id))?;
    let target = old
        .as_ref()
        .map(|p| render_project(app, p))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:update_project",
        json!({"target": {"project": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("project", id))?;
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
    if input.contains_key("tags") {
        new.tags = parse_tags(input.get("tags"))?;
    }
    if input
        .get("domain_id")
        .is_some_and(|d| d.as_str() != Some(old.domain_id.as_str()))
    {
        return Err(Error::bad_request("Cannot change Domain ID"));
    }
    for (k, v) in extras(&input, KNOWN) {
        new.extra.insert(k, v);
    }
    app.store
        .write(|w| resource::update_project(w, &old, &new))?;
    Ok(Response::ok(&json!({"project": render_project(app, &new)})))
}

/// DELETE /v3/projects/{project_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let old = app.store.read(|r| resource::get_project(r, id))?;
    let target = old
        .as_ref()
        .map(|p| render_project(app, p))
        .unwrap_or(json!({}));
    authorize(
        app,
        req,
        "identity:delete_project",
        json!({"target": {"project": target}}),
    )?;
    let old = old.ok_or_else(|| Error::not_found("project", id))?;
    app.store.write(|w| {
        // Re-read inside the transaction: another writer may have changed it.
        let current = w
            .get::<Project>(crate::store::tables::PROJECTS, &old.id)?
            .ok_or_else(|| Error::not_found("project", id))?;
        resource::delete_project(w, &current)
    })?;
    Ok(Response::no_content())
}
