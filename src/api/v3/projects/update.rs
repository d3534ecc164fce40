//! PATCH /v3/projects/{project_id}: a project, or a domain through its project view. The
//! patch is applied to the record read inside the update's one write transaction.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::service::projects::{self, ResourcePatch};

use super::super::{extras, render_project};
use super::{get_node, render_domain_as_project, sorted_tags, Node, KNOWN};
use crate::validate::parse_bool;

/// An update answer: upstream's update also shows the stored `extra` after `tags`.
fn with_extra_field(mut rendered: Value, extra: &Map<String, Value>) -> Value {
    if let Value::Object(map) = &mut rendered {
        let mut out = Map::new();
        for (k, v) in std::mem::take(map) {
            let is_tags = k == "tags";
            out.insert(k, v);
            if is_tags {
                out.insert("extra".into(), Value::Object(extra.clone()));
            }
        }
        *map = out;
    }
    rendered
}

/// Upstream's rules on fields an update may not change, checked against the record the
/// update's own transaction read.
fn check_immutable(input: &Map<String, Value>, id: &str, node: Option<&Node>) -> Result<()> {
    let Some(node) = node else {
        return Err(Error::not_found("project", id));
    };
    if input.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(Error::Validation("Cannot change ID".into()));
    }
    let (old_domain_id, old_parent, old_is_domain) = match node {
        Node::Project(p) => (Some(p.domain_id.as_str()), p.parent_id.as_deref(), false),
        Node::Domain(_) => (None, None, true),
    };
    if let Some(d) = input.get("domain_id") {
        if d.as_str() != old_domain_id {
            return Err(Error::Validation("Cannot change Domain ID".into()));
        }
    }
    if let Some(p) = input.get("parent_id") {
        if p.as_str() != old_parent {
            return Err(Error::Forbidden(
                "Update of `parent_id` is not allowed.".into(),
            ));
        }
    }
    if let Some(v) = input.get("is_domain") {
        if parse_bool(v) != Some(old_is_domain) {
            return Err(Error::Validation(
                "Update of `is_domain` is not allowed.".into(),
            ));
        }
    }
    Ok(())
}

/// PATCH /v3/projects/{project_id}: the patch is applied to the record read inside the one
/// write transaction, so concurrent updates of other fields are kept and the name index
/// moves with the name.
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let body = req.json()?;
    let input = app.schemas.project_update.member(&body, "project")?;
    let name = input
        .get("name")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string());
    let description = input
        .get("description")
        .map(|d| d.as_str().unwrap_or_default().to_string());
    let enabled = input.get("enabled").and_then(parse_bool);
    let tags: Option<Vec<String>> = input.get("tags").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    });
    let patch = ResourcePatch {
        name,
        description,
        enabled,
        tags: tags.as_deref().map(sorted_tags),
        extra: extras(&input, &[KNOWN, &["id"]].concat()),
    };
    // A project never turns into a domain nor back, so which one the id names is read first;
    // the service re-reads the record inside its write and the body is checked against that.
    let node = app
        .store
        .read(|r| get_node(r, id))?
        .ok_or_else(|| Error::not_found("project", id))?;
    let now = req.now as i64;
    let shown = match node {
        Node::Domain(_) => {
            let new = projects::update_domain(&app.store, &patch, now, |w| {
                let node = get_node(w, id)?;
                check_immutable(&input, id, node.as_ref())?;
                match node {
                    Some(Node::Domain(d)) => Ok(d),
                    _ => Err(Error::not_found("project", id)),
                }
            })?;
            with_extra_field(render_domain_as_project(app, &new), &new.extra)
        }
        Node::Project(_) => {
            let new = projects::update_project(&app.store, &patch, now, |w| {
                let node = get_node(w, id)?;
                check_immutable(&input, id, node.as_ref())?;
                match node {
                    Some(Node::Project(p)) => Ok(p),
                    _ => Err(Error::not_found("project", id)),
                }
            })?;
            with_extra_field(render_project(app, &new), &new.extra)
        }
    };
    // The answer shows the tags in the order given.
    let mut shown = shown;
    if let Some(t) = tags {
        shown["tags"] = json!(t);
    }
    Ok(Response::ok(&json!({"project": shown})))
}
