//! The legacy Identity API v2.0 (`/v2.0/...`), as the v2.0 reference, the 2011 developer guide
//! and the curl examples describe it; where they are silent, as upstream's last release that
//! served it (Pike; the admin CRUD as Newton's admin_crud). One store with v3: v2 tenants are
//! default-domain projects, v2 users default-domain users, roles the global roles. Every
//! route is in the route table (src/http/table.rs, `v2()`): the admin API enforces the policy
//! rule `admin_required`, as upstream's v2 `assert_admin` did, so a policy file can tighten it.
//!
//! Every answer, errors included, comes in the format the client asked for: JSON by default,
//! XML (`Accept: application/xml` or a `.xml` suffix) as the developer guide documents it.
//! Errors use the documents' v2 fault format (`{"itemNotFound": {"message", "details",
//! "code"}}`), never v3's `{"error": ...}`.

pub mod admin;
pub mod tokens;
pub mod xml;

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::{to_python_json, Response};
use crate::http::routes::{self, Matched, Params};
use crate::model::{Project, Role, User};
use crate::store::error::Kind;
use crate::store::StoreError;

pub const DEFAULT_DOMAIN: &str = crate::seed::DEFAULT_DOMAIN_ID;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Serves a /v2.0 path (`segments` start with "v2.0") from the route table. Always answers:
/// an error, an unknown path (404) or method (405) becomes a v2 fault in the requested
/// format, never v3's `{"error"}`. The format suffix is stripped before matching, so
/// `/v2.0/tenants/{tenant_id}.xml` is the `{tenant_id}` route; handlers recompute the format
/// with `format(req)`.
pub fn route(app: &App, req: &Request, segments: &[&str]) -> Response {
    let (format, stripped) = negotiate(req, segments);
    let stripped: Vec<&str> = stripped.iter().map(String::as_str).collect();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match app.routes.find(req.method, &stripped) {
            Matched::Route(route, params) => routes::run(app, req, route, &params),
            // As before the table: v2's badMethod fault carries no Allow header.
            Matched::WrongMethod(_) => Err(Error::MethodNotAllowed),
            Matched::NotFound => Err(crate::api::not_found()),
        }
    }));
    let err = match outcome {
        Ok(Ok(response)) => return response,
        Ok(Err(err)) => err,
        Err(_) => Error::Internal("a v2.0 handler panicked (bug)".to_string()),
    };
    match &err {
        Error::Internal(detail) => {
            log::error!("{} 500: {detail}", crate::http::loggable_path(&req.path))
        }
        Error::Unavailable(detail) => {
            log::error!("{} 503: {detail}", crate::http::loggable_path(&req.path))
        }
        _ => {}
    }
    fault(app, &err, format)
}

/// The format a v2 request asked for (its suffix, else Accept), for handlers to answer in.
pub fn format(req: &Request) -> Format {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    negotiate(req, &segments).0
}

/// GET /v2.0
pub fn version(app: &App, req: &Request, _: &Params) -> Result<Response> {
    Ok(respond(
        format(req),
        200,
        &json!({"version": version_v2(app)}),
    ))
}

/// GET /v2.0/extensions
pub fn list_extensions(_: &App, req: &Request, _: &Params) -> Result<Response> {
    Ok(respond(
        format(req),
        200,
        &json!({"extensions": {"values": extensions()}}),
    ))
}

/// GET /v2.0/extensions/{alias}
pub fn get_extension(_: &App, req: &Request, p: &Params) -> Result<Response> {
    let alias = p.get("alias");
    extensions()
        .into_iter()
        .find(|e| e["alias"] == alias)
        .map(|e| respond(format(req), 200, &json!({"extension": e})))
        .ok_or_else(|| Error::NotFound(format!("Could not find extension: {alias}.")))
}

/// The response format and the path without its suffix: a `.xml`/`.json` suffix on the last
/// segment after `v2.0` wins over Accept.
fn negotiate(req: &Request, segments: &[&str]) -> (Format, Vec<String>) {
    let mut segments: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    if segments.len() > 1 {
        if let Some(last) = segments.last_mut() {
            for (suffix, format) in [(".xml", Format::Xml), (".json", Format::Json)] {
                if let Some(stripped) = last.strip_suffix(suffix) {
                    if !stripped.is_empty() {
                        *last = stripped.to_string();
                        return (format, segments);
                    }
                }
            }
        }
    }
    (accept_format(req.header("accept")), segments)
}

fn accept_format(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Json;
    };
    // The first of the two types named wins; anything else means JSON.
    for part in accept.split(',') {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media == "application/xml" || media == "text/xml" {
            return Format::Xml;
        }
        if media == "application/json" {
            return Format::Json;
        }
    }
    Format::Json
}

/// A body in the format its Content-Type names: JSON (or none), or XML.
pub fn body(req: &Request) -> Result<Value> {
    let ct = req
        .header("content-type")
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match ct.as_str() {
        "application/xml" | "text/xml" => {
            if req.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Object(Map::new()));
            }
            xml::request_to_json(&req.body)
        }
        "" | "application/json" => req.json(),
        _ => Err(Error::bad_request(
            "Expecting to find application/json or application/xml in Content-Type header.",
        )),
    }
}

/// A v2 document in the requested format.
pub fn respond(format: Format, status: u16, doc: &Value) -> Response {
    match format {
        Format::Json => Response::raw_json(status, to_python_json(doc)),
        Format::Xml => Response {
            status,
            headers: vec![("Content-Type", "application/xml".to_string())],
            body: xml::to_xml(doc),
        },
    }
}

/// The documents' fault element for an error.
fn fault_name(err: &Error) -> &'static str {
    if let Error::Store(StoreError::Duplicate {
        kind: Kind::Project,
        ..
    }) = err
    {
        return "tenantConflict";
    }
    match err.upstream().as_ref() {
        Error::Validation(_) | Error::UnsupportedMediaType(_) => "badRequest",
        Error::Unauthorized(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "itemNotFound",
        Error::MethodNotAllowed => "badMethod",
        // Project conflicts the handlers word themselves (a name taken in a rename) are
        // still recognized by their text.
        Error::Conflict(m) if m.contains("store project") => "tenantConflict",
        Error::Conflict(_) => "identityFault",
        Error::TooLarge | Error::TooManyRequests { .. } => "overLimit",
        Error::Unavailable(_) => "serviceUnavailable",
        Error::Internal(_) | Error::Store(_) | Error::Iam { .. } => "identityFault",
    }
}

/// `{"<fault>": {"message", "details", "code"}}` (or its XML), with the status code.
pub fn fault(app: &App, err: &Error, format: Format) -> Response {
    let code = match err {
        // The documents have no 415; a body of another type is a bad request.
        Error::UnsupportedMediaType(_) => 400,
        other => other.code(),
    };
    named_fault(
        app,
        fault_name(err),
        code,
        &err.message(),
        err.title(),
        format,
    )
}

pub fn named_fault(
    app: &App,
    name: &str,
    code: u16,
    message: &str,
    details: &str,
    format: Format,
) -> Response {
    let mut inner = Map::new();
    inner.insert("message".into(), json!(message));
    inner.insert("details".into(), json!(details));
    inner.insert("code".into(), json!(code));
    let mut doc = Map::new();
    doc.insert(name.to_string(), Value::Object(inner));
    let mut response = respond(format, code, &Value::Object(doc));
    if code == 401 {
        response = response.with_header(
            "WWW-Authenticate",
            format!("Keystone uri=\"{}\"", app.public_url),
        );
    }
    response
}

/// A fault for an error met before routing (the body-size check): v2 paths get v2 faults.
pub fn early_fault(app: &App, url: &str, accept: Option<&str>, err: &Error) -> Option<Response> {
    let path = url.split('?').next().unwrap_or("");
    if path != "/v2.0" && !path.starts_with("/v2.0/") {
        return None;
    }
    let format = if path.ends_with(".xml") {
        Format::Xml
    } else {
        accept_format(accept)
    };
    Some(fault(app, err, format))
}

/// The v2.0 entry of version discovery, in upstream Pike's shape.
pub fn version_v2(app: &App) -> Value {
    json!({
        "id": "v2.0",
        "status": "deprecated",
        "updated": "2016-08-04T00:00:00Z",
        "links": [
            {"rel": "self", "href": format!("{}/v2.0/", app.public_url)},
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}
        ]
    })
}

/// The extensions served under /v2.0: the admin CRUD (OS-KSADM), with upstream's data.
fn extensions() -> Vec<Value> {
    vec![json!({
        "name": "OpenStack Keystone Admin",
        "namespace": "https://docs.openstack.org/identity/api/ext/OS-KSADM/v1.0",
        "alias": "OS-KSADM",
        "updated": "2013-07-11T17:14:00-00:00",
        "description": "OpenStack extensions to Keystone v2.0 API enabling Administrative Operations.",
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://developer.openstack.org/api-ref-identity-v2-ext.html"}]
    })]
}

/// A v2 tenant: extras, then id, name, description, enabled (v3_to_v2_project).
pub fn render_tenant(p: &Project) -> Value {
    let mut out = p.extra.clone();
    out.insert("id".into(), json!(p.id));
    out.insert("name".into(), json!(p.name));
    out.insert("description".into(), json!(p.description));
    out.insert("enabled".into(), json!(p.enabled));
    Value::Object(out)
}

/// A v2 user (v3_to_v2_user): extras, id, name, enabled, options, tenantId, username.
pub fn render_user(u: &User) -> Value {
    let mut out = u.extra.clone();
    out.remove("tenantId");
    out.insert("id".into(), json!(u.id));
    out.insert("name".into(), json!(u.name));
    out.insert("enabled".into(), json!(u.enabled));
    out.insert("options".into(), json!(u.options));
    if let Some(p) = &u.default_project_id {
        out.insert("tenantId".into(), json!(p));
    }
    if !out.contains_key("username") {
        out.insert("username".into(), json!(u.name));
    }
    Value::Object(out)
}

/// A v2 role: extras, id, name (and description when set).
pub fn render_role(r: &Role) -> Value {
    let mut out = r.extra.clone();
    out.insert("id".into(), json!(r.id));
    out.insert("name".into(), json!(r.name));
    if let Some(d) = &r.description {
        out.insert("description".into(), json!(d));
    }
    Value::Object(out)
}

/// v2 paging over `items` by `marker` (the last id seen) and `limit`: the page and its
/// `*_links` (atom "next"/"previous", as the developer guide pages collections).
pub fn page(
    app: &App,
    req: &Request,
    items: Vec<Value>,
    section: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut first = 0;
    if let Some(marker) = req.query("marker") {
        first = items
            .iter()
            .position(|i| i["id"] == marker)
            .map(|p| p + 1)
            .ok_or_else(|| Error::NotFound(format!("Marker could not be found: {marker}.")))?;
    }
    let limit = match req.query("limit") {
        None => None,
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| Error::bad_request("Invalid limit value."))?,
        ),
    };
    if let (Some(l), Some(max)) = (limit, app.config.list_limit(section)) {
        if l > max {
            return Err(Error::TooLarge);
        }
    }
    let end = match limit {
        Some(l) => first.saturating_add(l).min(items.len()),
        None => items.len(),
    };
    let mut links = Vec::new();
    let base = format!("{}{}", app.public_url, req.path);
    if let Some(l) = limit {
        if end < items.len() && end > first {
            let last = items[end - 1]["id"].as_str().unwrap_or("");
            links.push(json!({"rel": "next", "href": format!("{base}?limit={l}&marker={last}")}));
        }
        if first > 0 {
            let prev_start = first.saturating_sub(l);
            let href = if prev_start == 0 {
                format!("{base}?limit={l}")
            } else {
                let m = items[prev_start - 1]["id"].as_str().unwrap_or("");
                format!("{base}?limit={l}&marker={m}")
            };
            links.push(json!({"rel": "previous", "href": href}));
        }
    }
    let page = items
        .get(first..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    Ok((page, links))
}
