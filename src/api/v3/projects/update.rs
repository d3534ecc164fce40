//! PATCH /v3/projects/{project_id}: a project, or a domain through its project view. The
//! patch is applied to the record read inside the update's one write transaction.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::store::resource;

use super::super::{extras, render_project};
use super::{
    conflict_domain, conflict_project, get_node, render_domain_as_project, sorted_tags, Node, KNOWN,
};
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
fn check_immutable(input: &Map<String, Value>, id: &str, node: &Node) -> Result<()> {
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
    let patch = ProjectPatch {
        name,
        description,
        enabled,
        tags,
        extra: extras(&input, &[KNOWN, &["id"]].concat()),
    };
    let rendered = app.store.write(|w| {
        let node = get_node(w, id)?.ok_or_else(|| Error::not_found("project", id))?;
        check_immutable(&input, id, &node)?;
        update_node(app, w, id, node, &patch)
    })?;
    Ok(Response::ok(&json!({"project": rendered})))
}

/// An update's fields, parsed once outside the write transaction.
struct ProjectPatch {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    tags: Option<Vec<String>>,
    extra: Map<String, Value>,
}

/// Applies `patch` to `node`, the current record, inside the write `w`.
fn update_node(
    app: &App,
    w: &impl crate::store::Writer,
    id: &str,
    node: Node,
    patch: &ProjectPatch,
) -> Result<Value> {
    let (name, description, enabled, tags, new_extra) = (
        &patch.name,
        &patch.description,
        patch.enabled,
        &patch.tags,
        &patch.extra,
    );
    match node {
        Node::Domain(old) => {
            let mut new = old.clone();
            if let Some(n) = name {
                if *n != old.name && resource::find_domain_by_name(w, n)?.is_some() {
                    return Err(conflict_domain(n));
                }
                new.name = n.clone();
            }
            if let Some(d) = description {
                new.description = d.clone();
            }
            if let Some(e) = enabled {
                new.enabled = e;
            }
            if let Some(t) = tags {
                new.tags = sorted_tags(t);
            }
            for (k, v) in new_extra {
                new.extra.insert(k.clone(), v.clone());
            }
            resource::update_domain(w, &old, &new)?;
            let mut shown = render_domain_as_project(app, &new);
            if let Some(t) = tags {
                shown["tags"] = json!(t);
            }
            Ok(with_extra_field(shown, &new.extra))
        }
        Node::Project(old) => {
            let mut new = old.clone();
            if let Some(n) = name {
                if *n != old.name && resource::find_project_by_name(w, &old.domain_id, n)?.is_some()
                {
                    return Err(conflict_project(n, id));
                }
                new.name = n.clone();
            }
            if let Some(d) = description {
                new.description = d.clone();
            }
            if let Some(e) = enabled {
                if e && !old.enabled {
                    for pid in resource::ancestors(w, &old)? {
                        if resource::get_project(w, &pid)?.is_some_and(|p| !p.enabled) {
                            return Err(Error::Forbidden(format!(
                                "Cannot enable project {id} since it has disabled parents"
                            )));
                        }
                    }
                }
                if !e && old.enabled && resource::subtree(w, id)?.iter().any(|p| p.enabled) {
                    return Err(Error::Forbidden(format!(
                        "Cannot disable project {id} since its subtree contains enabled projects."
                    )));
                }
                new.enabled = e;
            }
            if let Some(t) = tags {
                new.tags = sorted_tags(t);
            }
            for (k, v) in new_extra {
                new.extra.insert(k.clone(), v.clone());
            }
            resource::update_project(w, &old, &new)?;
            let mut shown = render_project(app, &new);
            if let Some(t) = tags {
                shown["tags"] = json!(t);
            }
            Ok(with_extra_field(shown, &new.extra))
        }
    }
}
