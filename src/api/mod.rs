//! Handlers, one file per upstream API area, run by the route table (src/http/table.rs) after
//! it has authenticated the caller and enforced the route's action. Each parses, calls the
//! store or the service layer, and renders. This file holds what they share: wire renderings
//! of records (upstream's field order) and list envelopes; request bodies are checked by
//! `crate::validate`.

pub mod discovery;
pub mod huawei;
pub mod v2;
pub mod v3;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::Error;
use crate::http::request::Request;
use crate::model::{Domain, Endpoint, Group, Project, Region, Role, Service, User};

pub fn not_found() -> Error {
    Error::NotFound("The resource could not be found.".to_string())
}

pub fn self_link(app: &App, path: &str) -> Value {
    json!({"self": format!("{}/v3/{}", app.public_url, path)})
}

/// `{"<key>": [...], "links": {"next", "self", "previous"}}` as upstream lists answer.
pub fn list_response(app: &App, req: &Request, key: &str, items: Vec<Value>) -> Value {
    let mut self_url = format!("{}{}", app.public_url, req.path);
    if !req.query_string.is_empty() {
        self_url.push('?');
        self_url.push_str(&req.query_string);
    }
    let mut body = Map::new();
    body.insert(key.to_string(), Value::Array(items));
    body.insert(
        "links".into(),
        json!({"next": null, "self": self_url, "previous": null}),
    );
    Value::Object(body)
}

/// Extras first, then the record's own fields, as upstream's to_dict merges them.
pub fn with_extra(extra: &Map<String, Value>, fields: Value) -> Value {
    let mut out = extra.clone();
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

pub fn render_domain(app: &App, d: &Domain) -> Value {
    with_extra(
        &d.extra,
        json!({"id": d.id, "name": d.name, "description": d.description, "enabled": d.enabled,
               "tags": d.tags, "options": d.options, "links": self_link(app, &format!("domains/{}", d.id))}),
    )
}

pub fn render_project(app: &App, p: &Project) -> Value {
    with_extra(
        &p.extra,
        json!({"id": p.id, "name": p.name, "domain_id": p.domain_id, "description": p.description,
               "enabled": p.enabled, "parent_id": p.parent_id, "is_domain": false, "tags": p.tags,
               "options": p.options, "links": self_link(app, &format!("projects/{}", p.id))}),
    )
}

pub fn render_user(app: &App, u: &User) -> Value {
    let mut fields = json!({"id": u.id, "name": u.name, "domain_id": u.domain_id});
    fields["enabled"] = json!(u.enabled);
    if let Some(project) = &u.default_project_id {
        fields["default_project_id"] = json!(project);
    }
    fields["password_expires_at"] = json!(u.password_expires_at);
    fields["options"] = json!(u.options);
    fields["links"] = self_link(app, &format!("users/{}", u.id));
    with_extra(&u.extra, fields)
}

pub fn render_group(app: &App, g: &Group) -> Value {
    with_extra(
        &g.extra,
        json!({"id": g.id, "name": g.name, "domain_id": g.domain_id, "description": g.description,
               "links": self_link(app, &format!("groups/{}", g.id))}),
    )
}

pub fn render_role(app: &App, r: &Role) -> Value {
    with_extra(
        &r.extra,
        json!({"id": r.id, "name": r.name, "domain_id": r.domain_id, "description": r.description,
               "options": r.options, "links": self_link(app, &format!("roles/{}", r.id))}),
    )
}

pub fn render_region(app: &App, r: &Region) -> Value {
    with_extra(
        &r.extra,
        json!({"id": r.id, "description": r.description, "parent_region_id": r.parent_region_id,
               "links": self_link(app, &format!("regions/{}", r.id))}),
    )
}

pub fn render_service(app: &App, s: &Service) -> Value {
    with_extra(
        &s.extra,
        json!({"id": s.id, "type": s.service_type, "enabled": s.enabled,
               "links": self_link(app, &format!("services/{}", s.id))}),
    )
}

pub fn render_endpoint(app: &App, e: &Endpoint) -> Value {
    with_extra(
        &e.extra,
        json!({"id": e.id, "interface": e.interface, "region_id": e.region_id,
               "service_id": e.service_id, "url": e.url, "enabled": e.enabled,
               "region": e.region_id, "links": self_link(app, &format!("endpoints/{}", e.id))}),
    )
}

/// Fields not in `known` (and not `id`, `links`), kept as extra attributes as upstream does.
pub fn extras(map: &Map<String, Value>, known: &[&str]) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| {
            !known.contains(&k.as_str()) && k.as_str() != "id" && k.as_str() != "links"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Upstream's list handling in one place: exact filters (`?name=x`) and inexact ones
/// (`?name__contains=x`, `__icontains`, `__startswith`, `__istartswith`, `__endswith`,
/// `__iendswith`) on `fields`, then `list_limit` truncation (`"truncated": true`).
pub fn filtered_list(
    app: &App,
    req: &Request,
    key: &str,
    items: Vec<Value>,
    fields: &[&str],
    limit: Option<usize>,
) -> Value {
    let mut items = filter(items, req, fields);
    let truncated = limit.is_some_and(|l| items.len() > l);
    if let Some(l) = limit {
        items.truncate(l);
    }
    let mut body = list_response(app, req, key, items);
    if truncated {
        body["truncated"] = json!(true);
    }
    body
}

fn filter(items: Vec<Value>, req: &Request, fields: &[&str]) -> Vec<Value> {
    // (field, comparator, wanted) for every query parameter naming a filterable field.
    let mut filters: Vec<(&str, &str, &str)> = Vec::new();
    for (k, v) in &req.query {
        let (field, op) = match k.split_once("__") {
            Some((f, op)) => (f, op),
            None => (k.as_str(), "equals"),
        };
        if let Some(field) = fields.iter().find(|f| **f == field) {
            filters.push((field, op, v.as_str()));
        }
    }
    items
        .into_iter()
        .filter(|item| {
            filters
                .iter()
                .all(|(field, op, wanted)| matches_filter(item.get(*field), op, wanted))
        })
        .collect()
}

fn matches_filter(value: Option<&Value>, op: &str, wanted: &str) -> bool {
    let text = match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => {
            return op == "equals" && *b == crate::validate::query_is_true(wanted);
        }
        Some(Value::Null) | None => return false,
        Some(other) => other.to_string(),
    };
    let (a, b) = (text.to_lowercase(), wanted.to_lowercase());
    match op {
        "equals" => text == wanted,
        "contains" => text.contains(wanted),
        "icontains" => a.contains(&b),
        "startswith" => text.starts_with(wanted),
        "istartswith" => a.starts_with(&b),
        "endswith" => text.ends_with(wanted),
        "iendswith" => a.ends_with(&b),
        // An unknown comparator filters nothing out, as upstream ignores it.
        _ => true,
    }
}

/// The policy target of a list call, as upstream builds it: `domain_id` only for a
/// domain-scoped token (a null one would match a null domain in the creds).
pub fn list_target(domain_scope: Option<&str>) -> Value {
    match domain_scope {
        Some(domain_id) => json!({"target": {"domain_id": domain_id}}),
        None => json!({}),
    }
}
