//! GET /v3/projects/{project_id} with its parents and subtree (`parents_as_list`,
//! `subtree_as_ids`, ...), shown as upstream does.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{Project, Target};
use crate::store::shadow::AsOf;
use crate::store::{assignment, limits, resource, Reader};

use super::super::render_project;
use super::{require_node, Node};

/// The ids of the projects a user has a role on (upstream's list_projects_for_user).
fn user_project_ids(
    r: &impl Reader,
    user_id: &str,
    candidates: &[Project],
    at: AsOf,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in candidates {
        if !assignment::effective_role_ids(r, user_id, &Target::Project(p.id.clone()), at)?
            .is_empty()
        {
            out.push(p.id.clone());
        }
    }
    Ok(out)
}

fn limits_of(app: &App, r: &impl Reader, project_id: &str) -> Result<Value> {
    Ok(Value::Array(
        limits::list_limits(r)?
            .iter()
            .filter(|l| l.project_id.as_deref() == Some(project_id))
            .map(|l| crate::api::v3::limits::render_limit(app, l))
            .collect(),
    ))
}

/// GET/HEAD /v3/projects/{project_id}
pub fn get(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let node = require_node(app, id)?;
    let mut body = node.render(app);
    let parents_as_list = req.query_flag("parents_as_list");
    let parents_as_ids = req.query_flag("parents_as_ids");
    let subtree_as_list = req.query_flag("subtree_as_list");
    let subtree_as_ids = req.query_flag("subtree_as_ids");
    let include_limits = req.query_flag("include_limits");
    if parents_as_list && parents_as_ids {
        return Err(Error::Validation(
            "Cannot use parents_as_list and parents_as_ids query params at the same time.".into(),
        ));
    }
    if subtree_as_list && subtree_as_ids {
        return Err(Error::Validation(
            "Cannot use subtree_as_list and subtree_as_ids query params at the same time.".into(),
        ));
    }
    let user_id = granted.context().user.id.clone();
    let at = app.config.federation.as_of(req.now);
    app.store.read(|r| -> Result<_> {
        let (parents, project_parent) = parents_of(r, &node)?;
        if parents_as_list {
            body["parents"] = visible_list(app, r, &user_id, &parents, include_limits, at)?;
        } else if parents_as_ids {
            body["parents"] = parent_ids(&node, &parents, project_parent.is_some());
        }
        if subtree_as_list || subtree_as_ids {
            let subtree = match &node {
                Node::Project(p) => resource::subtree(r, &p.id)?,
                Node::Domain(d) => resource::subtree(r, &d.id)?,
            };
            if subtree_as_list {
                body["subtree"] = visible_list(app, r, &user_id, &subtree, include_limits, at)?;
            } else {
                body["subtree"] = subtree_ids(id, &subtree);
            }
        }
        Ok(())
    })?;
    Ok(Response::ok(&json!({"project": body})))
}

/// A project's ancestors (nearest first) and its own parent id; a domain has neither.
fn parents_of(r: &impl Reader, node: &Node) -> Result<(Vec<Project>, Option<String>)> {
    Ok(match node {
        Node::Project(p) => {
            let mut parents = Vec::new();
            for pid in resource::ancestors(r, p)? {
                if let Some(pp) = resource::get_project(r, &pid)? {
                    parents.push(pp);
                }
            }
            (parents, p.parent_id.clone())
        }
        Node::Domain(_) => (vec![], None),
    })
}

/// `parents_as_list` / `subtree_as_list`: the projects the user has a role on, rendered
/// (with their limits on request).
fn visible_list(
    app: &App,
    r: &impl Reader,
    user_id: &str,
    projects: &[Project],
    include_limits: bool,
    at: AsOf,
) -> Result<Value> {
    let mine = user_project_ids(r, user_id, projects, at)?;
    let mut out = Vec::new();
    for p in projects.iter().filter(|p| mine.contains(&p.id)) {
        let mut v = render_project(app, p);
        if include_limits {
            v["limits"] = limits_of(app, r, &p.id)?;
        }
        out.push(json!({"project": v}));
    }
    Ok(Value::Array(out))
}

/// `parents_as_ids`: the chain as nested objects, outermost first.
fn parent_ids(node: &Node, parents: &[Project], has_parent: bool) -> Value {
    // Nearest first; the chain ends with the domain, as upstream's parents include it.
    let mut chain: Vec<String> = parents.iter().map(|p| p.id.clone()).collect();
    if let Node::Project(p) = node {
        if has_parent {
            chain.push(p.domain_id.clone());
        }
    }
    let mut nested = Value::Null;
    for pid in chain.iter().rev() {
        let mut m = Map::new();
        m.insert(pid.clone(), nested);
        nested = Value::Object(m);
    }
    nested
}

fn subtree_ids(id: &str, subtree: &[Project]) -> Value {
    let children: Vec<&Project> = subtree
        .iter()
        .filter(|p| p.parent_id.as_deref() == Some(id))
        .collect();
    if children.is_empty() {
        return Value::Null;
    }
    let mut m = Map::new();
    for c in children {
        m.insert(c.id.clone(), subtree_ids(&c.id, subtree));
    }
    Value::Object(m)
}
