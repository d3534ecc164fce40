//! /v3/regions, /v3/services, /v3/endpoints

use serde_json::json;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, Endpoint, Region, Service};
use crate::store::catalog;

use super::{
    authorize, body_object, extras, filtered_list, opt_bool, opt_string, render_endpoint,
    render_region, render_service,
};

/// Routes /v3/regions, /v3/services, /v3/endpoints and /v3/OS-EP-FILTER; `path` starts at
/// the area name.
pub fn route(app: &App, req: &Request, method: Method, path: &[&str]) -> Result<Response> {
    match (method, path) {
        (Method::Get, ["regions"]) => list_regions(app, req),
        (Method::Post, ["regions"]) => create_region(app, req),
        (Method::Get, ["regions", id]) => get_region(app, req, id),
        (Method::Delete, ["regions", id]) => delete_region(app, req, id),
        (Method::Get, ["services"]) => list_services(app, req),
        (Method::Post, ["services"]) => create_service(app, req),
        (Method::Get, ["services", id]) => get_service(app, req, id),
        (Method::Delete, ["services", id]) => delete_service(app, req, id),
        (Method::Get, ["endpoints"]) => list_endpoints(app, req),
        (Method::Post, ["endpoints"]) => create_endpoint(app, req),
        (Method::Get, ["endpoints", id]) => get_endpoint(app, req, id),
        (Method::Delete, ["endpoints", id]) => delete_endpoint(app, req, id),
        (_, ["regions" | "services" | "endpoints"] | ["regions" | "services" | "endpoints", _]) => {
            Err(Error::MethodNotAllowed)
        }
        _ => Err(super::not_found()),
    }
}

/// GET/HEAD /v3/regions
pub fn list_regions(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_regions", json!({}))?;
    let regions = app.store.read(|r| catalog::list_regions(r))?;
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
pub fn get_region(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:get_region", json!({}))?;
    let region = app
        .store
        .read(|r| catalog::get_region(r, id))?
        .ok_or_else(|| Error::not_found("region", id))?;
    Ok(Response::ok(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// POST /v3/regions
pub fn create_region(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "region")?;
    authorize(app, req, "identity:create_region", json!({}))?;
    let region = Region {
        id: opt_string(&input, "id", 255)?.unwrap_or_else(new_id),
        description: opt_string(&input, "description", 255)?.unwrap_or_default(),
        parent_region_id: opt_string(&input, "parent_region_id", 255)?,
        extra: extras(&input, &["description", "parent_region_id"]),
    };
    app.store.write(|w| {
        if let Some(parent) = &region.parent_region_id {
            if catalog::get_region(w, parent)?.is_none() {
                return Err(Error::not_found("region", parent));
            }
        }
        catalog::create_region(w, &region)
    })?;
    Ok(Response::created(
        &json!({"region": render_region(app, &region)}),
    ))
}

/// DELETE /v3/regions/{region_id}
pub fn delete_region(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:delete_region", json!({}))?;
    if !app.store.write(|w| catalog::delete_region(w, id))? {
        return Err(Error::not_found("region", id));
    }
    Ok(Response::no_content())
}

/// GET/HEAD /v3/services
pub fn list_services(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_services", json!({}))?;
    let services = app.store.read(|r| catalog::list_services(r))?;
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
pub fn get_service(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:get_service", json!({}))?;
    let service = app
        .store
        .read(|r| catalog::get_service(r, id))?
        .ok_or_else(|| Error::not_found("service", id))?;
    Ok(Response::ok(
        &json!({"service": render_service(app, &service)}),
    ))
}

/// POST /v3/services
pub fn create_service(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "service")?;
    authorize(app, req, "identity:create_service", json!({}))?;
    let service_type = opt_string(&input, "type", 255)?
        .ok_or_else(|| Error::schema("type", "None", "'type' is a required property"))?;
    let service = Service {
        id: new_id(),
        service_type,
        enabled: opt_bool(&input, "enabled")?.unwrap_or(true),
        extra: extras(&input, &["type", "enabled"]),
    };
    app.store.write(|w| catalog::put_service(w, &service))?;
    Ok(Response::created(
        &json!({"service": render_service(app, &service)}),
    ))
}

/// DELETE /v3/services/{service_id}
pub fn delete_service(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:delete_service", json!({}))?;
    if !app.store.write(|w| catalog::delete_service(w, id))? {
        return Err(Error::not_found("service", id));
    }
    Ok(Response::no_content())
}

/// GET/HEAD /v3/endpoints
pub fn list_endpoints(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_endpoints", json!({}))?;
    let endpoints = app.store.read(|r| catalog::list_endpoints(r))?;
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
pub fn get_endpoint(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:get_endpoint", json!({}))?;
    let endpoint = app
        .store
        .read(|r| catalog::get_endpoint(r, id))?
        .ok_or_else(|| Error::not_found("endpoint", id))?;
    Ok(Response::ok(
        &json!({"endpoint": render_endpoint(app, &endpoint)}),
    ))
}

/// POST /v3/endpoints
pub fn create_endpoint(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = body_object(&body, "endpoint")?;
    authorize(app, req, "identity:create_endpoint", json!({}))?;
    let interface = opt_string(&input, "interface", 10)?
        .ok_or_else(|| Error::schema("interface", "None", "'interface' is a required property"))?;
    if !["public", "internal", "admin"].contains(&interface.as_str()) {
        return Err(Error::schema(
            "interface",
            &interface,
            &format!("'{interface}' does not match '^(?:admin|internal|public)$'"),
        ));
    }
    let service_id = opt_string(&input, "service_id", 64)?.ok_or_else(|| {
        Error::schema("service_id", "None", "'service_id' is a required property")
    })?;
    let url = opt_string(&input, "url", 225)?
        .ok_or_else(|| Error::schema("url", "None", "'url' is a required property"))?;
    let region_id = match opt_string(&input, "region_id", 255)? {
        Some(r) => Some(r),
        None => opt_string(&input, "region", 255)?,
    };
    let endpoint = Endpoint {
        id: new_id(),
        interface,
        region_id,
        service_id,
        url,
        enabled: opt_bool(&input, "enabled")?.unwrap_or(true),
        extra: extras(
            &input,
            &[
                "interface",
                "region_id",
                "region",
                "service_id",
                "url",
                "enabled",
            ],
        ),
    };
    app.store.write(|w| {
        if catalog::get_service(w, &endpoint.service_id)?.is_none() {
            return Err(Error::Validation(format!(
                "Could not find service: {}.",
                endpoint.service_id
            )));
        }
        if let Some(region) = &endpoint.region_id {
            if catalog::get_region(w, region)?.is_none() {
                return Err(Error::Validation(format!(
                    "Could not find region: {region}."
                )));
            }
        }
        catalog::put_endpoint(w, &endpoint)
    })?;
    Ok(Response::created(
        &json!({"endpoint": render_endpoint(app, &endpoint)}),
    ))
}

/// DELETE /v3/endpoints/{endpoint_id}
pub fn delete_endpoint(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(app, req, "identity:delete_endpoint", json!({}))?;
    if !app.store.write(|w| catalog::delete_endpoint(w, id))? {
        return Err(Error::not_found("endpoint", id));
    }
    Ok(Response::no_content())
}
