//! /v3/projects/{project_id}/tags[/{value}]: a project's (or a domain's) tags. Policy runs
//! in the route table; every change re-reads the tags inside its one write transaction, so
//! two concurrent tag writes cannot lose each other.

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::store::{resource, Writer};

use super::{get_node, sorted_tags, Node};

fn tags_of(node: &Node) -> Vec<String> {
    match node {
        Node::Project(p) => sorted_tags(&p.tags),
        Node::Domain(d) => sorted_tags(&d.tags),
    }
}

/// The current tags of a project (or domain) inside a write transaction: 404 if it is gone.
fn current_tags(w: &impl Writer, id: &str) -> Result<Vec<String>> {
    get_node(w, id)?
        .map(|n| tags_of(&n))
        .ok_or_else(|| Error::not_found("project", id))
}

/// Replaces a project's (or domain's) tags inside a write transaction.
fn set_tags(w: &impl Writer, id: &str, tags: &[String]) -> Result<()> {
    match get_node(w, id)? {
        None => Err(Error::not_found("project", id)),
        Some(Node::Project(old)) => {
            let mut new = old.clone();
            new.tags = sorted_tags(tags);
            Ok(resource::update_project(w, &old, &new)?)
        }
        Some(Node::Domain(old)) => {
            let mut new = old.clone();
            new.tags = sorted_tags(tags);
            Ok(resource::update_domain(w, &old, &new)?)
        }
    }
}

/// The tags answer: upstream's links.self here is the API root, as its wrap_member builds it.
fn tags_body(app: &App, tags: &[String]) -> Value {
    json!({"links": {"self": format!("{}/v3", app.public_url)}, "tags": tags})
}

/// The list rules upstream re-checks with `lazy_validate` (size and uniqueness).
fn check_tag_list(app: &App, tags: &[String]) -> Result<()> {
    Ok(app.schemas.project_tags.lazy_validate(&json!(tags))?)
}

/// Target of update_project_tags: the body is checked first (400 before 403, as upstream's
/// schema decorator runs before its policy check), then the project or nothing.
pub fn update_tags_target(
    app: &App,
    req: &Request,
    p: &Params,
    context: &crate::auth::AuthContext,
) -> Result<Value> {
    app.schemas.project_tags_put.validate(&req.json()?)?;
    super::project_or_empty_target(app, req, p, context)
}

/// The project (or domain) for a read, 404 if missing (policy ran on nothing then).
fn node(app: &App, id: &str) -> Result<Node> {
    app.store
        .read(|r| get_node(r, id))?
        .ok_or_else(|| Error::not_found("project", id))
}

/// GET/HEAD /v3/projects/{project_id}/tags
pub fn list_tags(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let node = node(app, p.get("project_id"))?;
    Ok(Response::ok(&tags_body(app, &tags_of(&node))))
}

/// PUT /v3/projects/{project_id}/tags
pub fn update_tags(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let body = req.json()?;
    app.schemas.project_tags_put.validate(&body)?;
    let tags: Vec<String> = body
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    app.store.write(|w| {
        // Upstream 404s a missing project before it re-checks the list.
        current_tags(w, id)?;
        check_tag_list(app, &tags)?;
        set_tags(w, id, &tags)
    })?;
    Ok(Response::ok(&tags_body(app, &tags)))
}

/// DELETE /v3/projects/{project_id}/tags
pub fn delete_tags(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    app.store.write(|w| set_tags(w, p.get("project_id"), &[]))?;
    Ok(Response::no_content())
}

fn tag_not_found(tag: &str) -> Error {
    Error::NotFound(format!("Could not find project tag: {tag}."))
}

/// GET/HEAD /v3/projects/{project_id}/tags/{value}
pub fn check_tag(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let tag = p.get("value");
    let node = node(app, p.get("project_id"))?;
    if !tags_of(&node).iter().any(|t| t == tag) {
        return Err(tag_not_found(tag));
    }
    Ok(Response::no_content())
}

/// PUT /v3/projects/{project_id}/tags/{value}: 201, an empty body and upstream's Location
/// (which lacks the /projects segment).
pub fn add_tag(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (id, tag) = (p.get("project_id"), p.get("value"));
    let value = json!(tag);
    app.schemas.project_tag.lazy_validate(&value)?;
    // Read, extend and write in one transaction: a concurrent tag write is not lost.
    app.store.write(|w| {
        let mut tags = current_tags(w, id)?;
        tags.push(tag.to_string());
        check_tag_list(app, &tags)?;
        set_tags(w, id, &tags)
    })?;
    Ok(Response {
        status: 201,
        headers: vec![
            ("Content-Type", "text/html; charset=utf-8".to_string()),
            (
                "Location",
                format!("{}/v3/{}/tags/{}", app.public_url, id, tag),
            ),
        ],
        body: vec![],
    })
}

/// DELETE /v3/projects/{project_id}/tags/{value}
pub fn delete_tag(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (id, tag) = (p.get("project_id"), p.get("value"));
    app.store.write(|w| {
        let mut tags = current_tags(w, id)?;
        if !tags.iter().any(|t| t == tag) {
            return Err(tag_not_found(tag));
        }
        tags.retain(|t| t != tag);
        set_tags(w, id, &tags)
    })?;
    Ok(Response::no_content())
}
