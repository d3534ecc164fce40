//! /v3/projects: projects, their hierarchy and tags. Upstream stores domains as projects with
//! `is_domain`; we keep domains in their own table and show them here as upstream does: a
//! domain is a project with `is_domain: true`, `domain_id` and `parent_id` null, listed with
//! `?is_domain=true`, readable, updatable and deletable through /v3/projects/{id}, and a
//! project created with `is_domain: true` is a new domain.
//!
//! Authentication and policy run in the route table (src/http/table.rs); the target builders
//! here check a request body first where upstream's schema decorator runs before its policy
//! check (400 before 403), then the resource manager's rules run in the handlers. Tags live in
//! `tags.rs`.

mod hierarchy;
mod tags;
mod update;

pub use hierarchy::get;
pub use update::update;

pub use tags::{
    add_tag, check_tag, delete_tag, delete_tags, list_tags, update_tags, update_tags_target,
};

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Domain, Project};
use crate::store::{resource, Reader};

use super::{extras, filtered_list, render_project, self_link};
use crate::validate::parse_bool;

pub(super) const KNOWN: &[&str] = &[
    "name",
    "domain_id",
    "description",
    "enabled",
    "parent_id",
    "is_domain",
    "tags",
    "options",
];

/// A domain as upstream shows its project-acting-as-domain.
pub fn render_domain_as_project(app: &App, d: &Domain) -> Value {
    let mut out = d.extra.clone();
    for (k, v) in [
        ("id", json!(d.id)),
        ("name", json!(d.name)),
        ("domain_id", Value::Null),
        ("description", json!(d.description)),
        ("enabled", json!(d.enabled)),
        ("parent_id", Value::Null),
        ("is_domain", json!(true)),
        ("tags", json!(d.tags)),
        ("options", json!(d.options)),
        ("links", self_link(app, &format!("projects/{}", d.id))),
    ] {
        out.insert(k.to_string(), v);
    }
    Value::Object(out)
}

/// A project, or a domain acting as one.
#[derive(Clone)]
pub(super) enum Node {
    Project(Project),
    Domain(Domain),
}

impl Node {
    fn render(&self, app: &App) -> Value {
        match self {
            Node::Project(p) => render_project(app, p),
            Node::Domain(d) => render_domain_as_project(app, d),
        }
    }
}

pub(super) fn get_node(r: &impl Reader, id: &str) -> Result<Option<Node>> {
    if let Some(p) = resource::get_project(r, id)? {
        return Ok(Some(Node::Project(p)));
    }
    Ok(resource::get_domain(r, id)?.map(Node::Domain))
}

/// Upstream's `_build_project_target_enforcement`: the project, or nothing if it is missing
/// (policy runs on nothing, then the handler 404s).
pub fn project_or_empty_target(
    app: &App,
    _: &Request,
    p: &Params,
    _: &AuthContext,
) -> Result<Value> {
    let node = app.store.read(|r| get_node(r, p.get("project_id")))?;
    Ok(match node {
        Some(n) => json!({"target": {"project": n.render(app)}}),
        None => json!({"target": {}}),
    })
}

/// Target of list_projects: the token's domain when domain-scoped, and nothing otherwise.
pub fn list_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(match context.domain_id() {
        Some(d) => json!({"target": {"domain_id": d}}),
        None => json!({}),
    })
}

/// Target of create_project: the checked body's project.
pub fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let input = app.schemas.project_create.member(&req.json()?, "project")?;
    Ok(json!({"target": {"project": input}}))
}

/// Target of update_project: the body is checked first, then the project or nothing.
pub fn update_target(app: &App, req: &Request, p: &Params, ctx: &AuthContext) -> Result<Value> {
    app.schemas.project_update.member(&req.json()?, "project")?;
    project_or_empty_target(app, req, p, ctx)
}

/// The project (or domain) a handler reads, 404 if missing (policy ran on nothing then).
pub(super) fn require_node(app: &App, id: &str) -> Result<Node> {
    app.store
        .read(|r| get_node(r, id))?
        .ok_or_else(|| Error::not_found("project", id))
}

fn tag_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// GET/HEAD /v3/projects
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let domain_scope = granted.context().domain_id().map(str::to_string);
    // An unfiltered page under [resource] list_limit reads list_limit + 1 rows, not the table.
    if let (Some(limit), true, None) = (
        app.config.list_limit("resource"),
        req.query.is_empty(),
        &domain_scope,
    ) {
        let page: Vec<Project> = app
            .store
            .read(|r| r.list_first(crate::store::tables::PROJECTS, limit + 1))?;
        let items = page.iter().map(|p| render_project(app, p)).collect();
        return Ok(Response::ok(&filtered_list(
            app,
            req,
            "projects",
            items,
            &[],
            Some(limit),
        )));
    }
    let with_domains = req.query("is_domain").is_some();
    let (projects, domains) = app.store.read(|r| -> Result<_> {
        let domains = if with_domains {
            resource::list_domains(r)?
        } else {
            vec![]
        };
        Ok((resource::list_projects(r)?, domains))
    })?;
    let all_tags = req.query("tags").map(tag_list);
    let any_tags = req.query("tags-any").map(tag_list);
    let not_all = req.query("not-tags").map(tag_list);
    let not_any = req.query("not-tags-any").map(tag_list);
    let tags_ok = |tags: &[String]| {
        all_tags
            .as_ref()
            .is_none_or(|w| w.iter().all(|t| tags.contains(t)))
            && any_tags
                .as_ref()
                .is_none_or(|w| w.iter().any(|t| tags.contains(t)))
            && not_all
                .as_ref()
                .is_none_or(|w| !w.iter().all(|t| tags.contains(t)))
            && not_any
                .as_ref()
                .is_none_or(|w| !w.iter().any(|t| tags.contains(t)))
    };
    let mut items: Vec<Value> = Vec::new();
    for p in &projects {
        if domain_scope.as_ref().is_none_or(|d| &p.domain_id == d) && tags_ok(&p.tags) {
            items.push(render_project(app, p));
        }
    }
    for d in &domains {
        // A domain-scoped caller sees projects of its domain only; a domain has no domain.
        if domain_scope.is_none() && tags_ok(&d.tags) {
            items.push(render_domain_as_project(app, d));
        }
    }
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "projects",
        items,
        &["domain_id", "enabled", "name", "parent_id", "is_domain"],
        app.config.list_limit("resource"),
    )))
}

pub(super) use crate::service::projects::conflict_domain;

/// The members of a validated project-create body, defaulted as upstream does.
struct CreateFields {
    name: String,
    description: String,
    enabled: bool,
    is_domain: bool,
    tags: Vec<String>,
    given_domain: Option<String>,
    given_parent: Option<String>,
}

/// A non-empty string member, else None.
fn non_empty(input: &Map<String, Value>, field: &str) -> Option<String> {
    input
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn create_fields(input: &Map<String, Value>) -> CreateFields {
    let name = input
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    let description = input
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let tags: Vec<String> = input
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    CreateFields {
        name,
        description,
        enabled: input.get("enabled").and_then(parse_bool).unwrap_or(true),
        is_domain: input.get("is_domain").and_then(parse_bool).unwrap_or(false),
        tags,
        given_domain: non_empty(input, "domain_id"),
        given_parent: non_empty(input, "parent_id"),
    }
}

/// POST /v3/projects
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let body = req.json()?;
    let input = app.schemas.project_create.member(&body, "project")?;
    let context = granted.context();
    let fields = create_fields(&input);
    let id = new_id();
    if fields.is_domain {
        return create_as_domain(app, &input, id, fields);
    }
    // Upstream's _normalize_domain_id: the body's, else the token's domain, else the default.
    let domain_id = fields
        .given_domain
        .or_else(|| context.domain_id().map(str::to_string))
        .unwrap_or_else(|| crate::seed::DEFAULT_DOMAIN_ID.to_string());
    // The hierarchy rules are the service layer's (shared with /v2.0/tenants).
    let project = crate::service::projects::create_project(
        &app.store,
        Project {
            id,
            name: fields.name,
            domain_id,
            description: fields.description,
            enabled: fields.enabled,
            parent_id: fields.given_parent,
            tags: sorted_tags(&fields.tags),
            options: Default::default(),
            extra: extras(&input, KNOWN),
        },
    )?;
    let mut shown = render_project(app, &project);
    shown["tags"] = json!(fields.tags);
    Ok(Response::created(&json!({"project": shown})))
}

/// POST /v3/projects with `is_domain: true`: a new domain, shown as a project.
fn create_as_domain(
    app: &App,
    input: &Map<String, Value>,
    id: String,
    fields: CreateFields,
) -> Result<Response> {
    // A project acting as a domain: a root, so no parent (a domain_id counts as one).
    if fields.given_parent.is_some() || fields.given_domain.is_some() {
        return Err(Error::Validation(
            "only root projects are allowed to act as domains.".into(),
        ));
    }
    let domain = Domain {
        id,
        name: fields.name,
        description: fields.description,
        enabled: fields.enabled,
        tags: sorted_tags(&fields.tags),
        options: Default::default(),
        extra: extras(input, KNOWN),
    };
    app.store.write(|w| {
        if resource::find_domain_by_name(w, &domain.name)?.is_some() {
            return Err(conflict_domain(&domain.name));
        }
        Ok(resource::create_domain(w, &domain)?)
    })?;
    let mut shown = render_domain_as_project(app, &domain);
    shown["tags"] = json!(fields.tags);
    Ok(Response::created(&json!({"project": shown})))
}

/// DELETE /v3/projects/{project_id}
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let now = req.now as i64;
    // The cascades are the service layer's, shared with /v3/domains and /v2.0/tenants.
    let cascade = app.store.write(|w| match get_node(w, id)? {
        None => Err(Error::not_found("project", id)),
        Some(Node::Domain(d)) => {
            if d.enabled {
                return Err(Error::Forbidden(
                    "Cannot delete a domain that is enabled, please disable it first.".into(),
                ));
            }
            crate::service::resource::delete_domain_in(w, &d, now)
        }
        Some(Node::Project(p)) => {
            crate::service::resource::delete_project_in(w, &p, now).map(|()| Vec::new())
        }
    })?;
    req.cascade.replace(cascade);
    Ok(Response::no_content())
}

/// Tags as upstream reads them back: sorted (its tag table's key order). Writes answer in the
/// order given, so we store sorted and render the input order in write answers.
pub(super) fn sorted_tags(tags: &[String]) -> Vec<String> {
    let mut out = tags.to_vec();
    out.sort();
    out
}
