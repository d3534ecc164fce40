//! /v3/regions, /v3/services, /v3/endpoints (upstream keystone/api/regions.py, services.py,
//! endpoints.py). Authentication and policy run in the route table (src/http/table.rs). As
//! upstream, the request schema is checked before policy (its validation decorators run
//! first): the target builders check it, the handlers read the checked body. Then the store
//! transaction, then the rendering. OS-EP-FILTER lives in endpoint_filter.rs,
//! OS-ENDPOINT-POLICY in policies.rs.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Endpoint, Region, Service};
use crate::pyrepr::py_str;
use crate::store::catalog;

use super::{filtered_list, render_endpoint, render_region, render_service};
use crate::validate::{normalize_keys, query_object, Schema};

/// The body checked against `schema` before anything else, as upstream's decorators do.
fn validated_body(req: &Request, body_schema: &Schema) -> Result<Value> {
    let body = req.json()?;
    body_schema.validate(&body)?;
    Ok(body)
}

/// Upstream's _require_matching_id: a body `id` must be the path's.
fn require_matching_id(changes: &Map<String, Value>, id: &str) -> Result<()> {
    match changes.get("id") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s == id => Ok(()),
        Some(_) => Err(Error::validation("Cannot change ID")),
    }
}

/// Target of list_regions: the query is checked first, as upstream's schema decorator does.
pub fn list_regions_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas
        .regions_query
        .validate(&query_object(&req.query))?;
    Ok(json!({}))
}

/// Target of list_endpoints: the query is checked first.
pub fn list_endpoints_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    app.schemas
        .endpoints_query
        .validate(&query_object(&req.query))?;
    Ok(json!({}))
}

/// Target of create_region (POST): the body is checked first.
pub fn create_region_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.region_create)?;
    Ok(json!({}))
}

/// Target of create_region (PUT with the id in the path): the body is checked first.
pub fn put_region_target(app: &App, req: &Request, p: &Params, c: &AuthContext) -> Result<Value> {
    validated_body(req, &app.schemas.region_create)?;
    region_target(app, req, p, c)
}

/// Target of update_region: the body is checked first.
pub fn update_region_target(
    app: &App,
    req: &Request,
    p: &Params,
    c: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.region_update)?;
    region_target(app, req, p, c)
}

/// Target of get/delete_region: the id only (a missing region is 404 after policy).
pub fn region_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"region_id": p.get("region_id")}))
}

/// Target of create_service: the body is checked first.
pub fn create_service_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.service_create)?;
    Ok(json!({}))
}

/// Target of update_service: the body is checked first.
pub fn update_service_target(
    app: &App,
    req: &Request,
    p: &Params,
    c: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.service_update)?;
    service_target(app, req, p, c)
}

/// Target of get/delete_service.
pub fn service_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"service_id": p.get("service_id")}))
}

/// Target of create_endpoint: the body is checked first.
pub fn create_endpoint_target(
    app: &App,
    req: &Request,
    _: &Params,
    _: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.endpoint_create)?;
    Ok(json!({}))
}

/// Target of update_endpoint: the body is checked first.
pub fn update_endpoint_target(
    app: &App,
    req: &Request,
    p: &Params,
    c: &AuthContext,
) -> Result<Value> {
    validated_body(req, &app.schemas.endpoint_update)?;
    endpoint_target(app, req, p, c)
}

/// Target of get/delete_endpoint.
pub fn endpoint_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"endpoint_id": p.get("endpoint_id")}))
}

fn region_from_body(mut input: Map<String, Value>, id: String) -> Region {
    input.shift_remove("links");
    let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    Region {
        description: text("description").unwrap_or_default(),
        parent_region_id: text("parent_region_id"),
        extra: input
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "description" | "parent_region_id"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        id,
    }
}

/// GET/HEAD /v3/regions
pub fn list_regions(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let regions = app.store.read(catalog::list_regions)?;
    let items = regions.iter().map(|r| render_region(app, r)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "regions",
        items,
        &["parent_region_id"],
        app.config.list_limit("catalog"),
    )))
}

/// GET/HEAD /v3/regions/{region_id}
pub fn get_region(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("region_id");
    let region = app.store.read(|r| catalog::require_region(r, id))?;
    Ok(Response::ok(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// POST /v3/regions: the id is the client's if it gives a non-empty one.
pub fn create_region(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = normalize_keys(
        &app.schemas
            .region_create
            .required_member(&req.json()?, "region")?,
    );
    let id = match input.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => new_id(),
    };
    let region = region_from_body(input, id);
    app.store.write(|w| catalog::create_region(w, &region))?;
    Ok(Response::created(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// PUT /v3/regions/{region_id}: create with the id in the path.
pub fn put_region(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("region_id");
    let input = normalize_keys(
        &app.schemas
            .region_create
            .required_member(&req.json()?, "region")?,
    );
    if let Some(body_id) = input.get("id") {
        if body_id.as_str() != Some(id) {
            return Err(Error::validation(format!(
                "Conflicting region IDs specified: \"{id}\" != \"{}\"",
                py_str(body_id)
            )));
        }
    }
    let region = region_from_body(input, id.to_string());
    app.store.write(|w| catalog::create_region(w, &region))?;
    Ok(Response::created(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// PATCH /v3/regions/{region_id}
pub fn update_region(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("region_id");
    let changes = app
        .schemas
        .region_update
        .required_member(&req.json()?, "region")?;
    require_matching_id(&changes, id)?;
    let region = app
        .store
        .write(|w| catalog::update_region(w, id, &changes))?;
    Ok(Response::ok(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// DELETE /v3/regions/{region_id}: the whole subtree goes, unless an endpoint is in it.
pub fn delete_region(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("region_id");
    app.store
        .write(|w| crate::service::catalog::delete_region(w, id))?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/services
pub fn list_services(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let services = app.store.read(catalog::list_services)?;
    let items = services.iter().map(|s| render_service(app, s)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "services",
        items,
        &["type", "name"],
        app.config.list_limit("catalog"),
    )))
}

/// GET/HEAD /v3/services/{service_id}
pub fn get_service(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    let service = app.store.read(|r| catalog::require_service(r, id))?;
    Ok(Response::ok(
        &json!({"service": render_service(app, &service)}),
    ))
}

/// POST /v3/services: name defaults to "" and enabled to true, as upstream's create_service.
pub fn create_service(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let mut input = normalize_keys(
        &app.schemas
            .service_create
            .required_member(&req.json()?, "service")?,
    );
    input.shift_remove("links");
    if !input.contains_key("name") {
        input.insert("name".into(), json!(""));
    }
    let service = Service {
        id: new_id(),
        service_type: input
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        enabled: input
            .get("enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        extra: input
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "type" | "enabled"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    app.store.write(|w| catalog::put_service(w, &service))?;
    Ok(Response::created(
        &json!({"service": render_service(app, &service)}),
    ))
}

/// PATCH /v3/services/{service_id}
pub fn update_service(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    let changes = app
        .schemas
        .service_update
        .required_member(&req.json()?, "service")?;
    require_matching_id(&changes, id)?;
    let service = app
        .store
        .write(|w| catalog::update_service(w, id, &changes))?;
    Ok(Response::ok(
        &json!({"service": render_service(app, &service)}),
    ))
}

/// DELETE /v3/services/{service_id}: its endpoints go with it.
pub fn delete_service(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    if !app
        .store
        .write(|w| crate::service::catalog::delete_service(w, id))?
    {
        return Err(Error::not_found("service", id));
    }
    Ok(Response::no_content())
}

/// GET/HEAD /v3/endpoints
pub fn list_endpoints(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let endpoints = app.store.read(catalog::list_endpoints)?;
    let items = endpoints.iter().map(|e| render_endpoint(app, e)).collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "endpoints",
        items,
        &["interface", "service_id", "region_id"],
        app.config.list_limit("catalog"),
    )))
}

/// GET/HEAD /v3/endpoints/{endpoint_id}
pub fn get_endpoint(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    let endpoint = app.store.read(|r| catalog::require_endpoint(r, id))?;
    Ok(Response::ok(
        &json!({"endpoint": render_endpoint(app, &endpoint)}),
    ))
}

/// Upstream's check_endpoint_url: `$(name)s` / `%(name)s` substitutions must be whitelisted
/// string conversions, and any other `%` must be `%%` (Python %-formatting with a dict).
fn check_endpoint_url(url: &str) -> Result<()> {
    const ALLOWED: [&str; 5] = [
        "tenant_id",
        "project_id",
        "user_id",
        "compute_host",
        "public_endpoint",
    ];
    let invalid = || {
        Error::validation(format!(
            "Cannot create an endpoint with an invalid URL: {url}."
        ))
    };
    let text: Vec<char> = url.replace("$(", "%(").chars().collect();
    let mut i = 0;
    while i < text.len() {
        if text[i] != '%' {
            i += 1;
            continue;
        }
        match text.get(i + 1) {
            Some('%') => i += 2,
            Some('(') => {
                let close = text[i + 2..]
                    .iter()
                    .position(|c| *c == ')')
                    .ok_or_else(invalid)?;
                let name: String = text[i + 2..i + 2 + close].iter().collect();
                if !ALLOWED.contains(&name.as_str()) {
                    return Err(invalid());
                }
                // flags, width, precision, length modifier, then the conversion
                let mut j = i + 3 + close;
                while j < text.len() && "#0- +.123456789hlL".contains(text[j]) {
                    j += 1;
                }
                match text.get(j) {
                    Some('s' | 'r' | 'a') => i = j + 1,
                    _ => return Err(invalid()),
                }
            }
            _ => return Err(invalid()),
        }
    }
    Ok(())
}

/// POST /v3/endpoints: `region` (legacy) creates a missing region, as upstream.
pub fn create_endpoint(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = validated_body(req, &app.schemas.endpoint_create)?;
    let Some(Value::Object(input)) = body.get("endpoint") else {
        return Err(Error::validation("'NoneType' object is not subscriptable"));
    };
    check_endpoint_url(input.get("url").and_then(Value::as_str).unwrap_or_default())?;
    let mut dict = normalize_keys(input);
    dict.shift_remove("links");
    dict.insert("id".into(), json!(new_id()));
    let endpoint = app.store.write(|w| -> Result<_> {
        catalog::resolve_legacy_region(w, &mut dict)?;
        let endpoint: Endpoint = catalog::endpoint_from_dict(&dict);
        catalog::check_endpoint_refs(w, endpoint.region_id.as_deref(), Some(&endpoint.service_id))?;
        catalog::put_endpoint(w, &endpoint)?;
        Ok(endpoint)
    })?;
    Ok(Response::created(
        &json!({"endpoint": render_endpoint(app, &endpoint)}),
    ))
}

/// PATCH /v3/endpoints/{endpoint_id}
pub fn update_endpoint(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    let mut changes = app
        .schemas
        .endpoint_update
        .required_member(&req.json()?, "endpoint")?;
    require_matching_id(&changes, id)?;
    changes.shift_remove("links");
    let endpoint = app.store.write(|w| {
        catalog::resolve_legacy_region(w, &mut changes)?;
        catalog::update_endpoint(w, id, &changes)
    })?;
    Ok(Response::ok(
        &json!({"endpoint": render_endpoint(app, &endpoint)}),
    ))
}

/// DELETE /v3/endpoints/{endpoint_id}: its project and policy associations go with it.
pub fn delete_endpoint(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    if !app
        .store
        .write(|w| crate::service::catalog::delete_endpoint(w, id))?
    {
        return Err(Error::not_found("endpoint", id));
    }
    Ok(Response::no_content())
}

#[cfg(test)]
mod tests {
    use super::check_endpoint_url;

    #[test]
    fn endpoint_url_substitutions() {
        assert!(check_endpoint_url("http://x/v2.1/$(project_id)s").is_ok());
        assert!(check_endpoint_url("http://x/%(tenant_id)s/%%").is_ok());
        assert!(check_endpoint_url("http://x/no-subs").is_ok());
        assert!(check_endpoint_url("http://x/$(admin_token)s").is_err());
        assert!(check_endpoint_url("http://x/$(project_id)d").is_err());
        assert!(check_endpoint_url("http://x/%2F").is_err());
        assert!(check_endpoint_url("http://x/$(project_id").is_err());
    }
}
