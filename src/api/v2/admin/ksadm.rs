//! /v2.0/OS-KSADM/roles, /v2.0/OS-KSADM/services and /v2.0/endpoints.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Endpoint, Region, Role, Service};
use crate::store::{assignment, catalog};
use crate::validate::fields::{opt_bool, opt_nullable_string, required_name};

use super::{global_role, member};
use crate::api::v2::{body, format, page, render_role, respond};

// ---- roles ---------------------------------------------------------------------------------

/// GET /v2.0/OS-KSADM/roles: the global roles.
pub fn list_roles(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let roles: Vec<Value> = app
        .store
        .read(assignment::list_roles)?
        .iter()
        .filter(|r| r.domain_id.is_none())
        .map(render_role)
        .collect();
    let (roles, links) = page(app, req, roles, "role")?;
    Ok(respond(
        f,
        200,
        &json!({"roles": roles, "roles_links": links}),
    ))
}

pub fn get_role(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let f = format(req);
    let role = app.store.read(|r| global_role(r, id))?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

/// POST /v2.0/OS-KSADM/roles {"role": {"name", "description"}}
pub fn create_role(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "role")?;
    let name = required_name(&input, "name")?;
    let description = opt_nullable_string(&input, "description")?.flatten();
    let role = Role {
        id: new_id(),
        name,
        domain_id: None,
        description,
        options: Map::new(),
        extra: crate::api::extras(&input, &["name", "description", "domain_id"]),
    };
    app.store.write(|w| assignment::create_role(w, &role))?;
    Ok(respond(f, 200, &json!({"role": render_role(&role)})))
}

pub fn delete_role(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    app.store.write(|w| -> Result<_> {
        let role = global_role(w, id)?;
        Ok(assignment::delete_role(w, &role)?)
    })?;
    Ok(Response::no_content())
}

// ---- services ------------------------------------------------------------------------------

/// A v2 service (OS-KSADM): extras (name, description), then id, type, enabled.
fn render_service(s: &Service) -> Value {
    let mut out = s.extra.clone();
    out.insert("id".into(), json!(s.id));
    out.insert("type".into(), json!(s.service_type));
    out.insert("enabled".into(), json!(s.enabled));
    Value::Object(out)
}

pub fn list_services(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let services: Vec<Value> = app
        .store
        .read(catalog::list_services)?
        .iter()
        .map(render_service)
        .collect();
    Ok(respond(f, 200, &json!({"OS-KSADM:services": services})))
}

pub fn get_service(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    let f = format(req);
    let service = app
        .store
        .read(|r| catalog::get_service(r, id))?
        .ok_or_else(|| Error::not_found("service", id))?;
    Ok(respond(
        f,
        200,
        &json!({"OS-KSADM:service": render_service(&service)}),
    ))
}

/// POST /v2.0/OS-KSADM/services {"OS-KSADM:service": {"name", "type", "description"}}
pub fn create_service(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "OS-KSADM:service")?;
    let service_type = required_name(&input, "type")?;
    let enabled = opt_bool(&input, "enabled")?.unwrap_or(true);
    crate::validate::fields::opt_string(&input, "name", 255)?;
    let service = Service {
        id: new_id(),
        service_type,
        enabled,
        extra: crate::api::extras(&input, &["type", "enabled"]),
    };
    app.store.write(|w| catalog::put_service(w, &service))?;
    Ok(respond(
        f,
        200,
        &json!({"OS-KSADM:service": render_service(&service)}),
    ))
}

pub fn delete_service(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("service_id");
    app.store.write(|w| {
        if !crate::service::catalog::delete_service(w, id)? {
            return Err(Error::not_found("service", id));
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}

// ---- endpoints -----------------------------------------------------------------------------

const LEGACY_ID: &str = "legacy_endpoint_id";
const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

/// (service id, region id): how pure v3 endpoints group into one legacy endpoint.
type ServiceRegion = (String, Option<String>);

/// Upstream's legacy endpoints: v3 endpoints made through v2 grouped by their legacy id,
/// pure v3 ones by (service, region) under their public endpoint's id.
fn legacy_endpoints(endpoints: &[Endpoint]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<&Endpoint>)> = Vec::new();
    let mut v3_groups: Vec<(ServiceRegion, Vec<&Endpoint>)> = Vec::new();
    for e in endpoints {
        match e.extra.get(LEGACY_ID).and_then(Value::as_str) {
            Some(legacy) => match groups.iter_mut().find(|(id, _)| id == legacy) {
                Some((_, members)) => members.push(e),
                None => groups.push((legacy.to_string(), vec![e])),
            },
            None => {
                let key = (e.service_id.clone(), e.region_id.clone());
                match v3_groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(e),
                    None => v3_groups.push((key, vec![e])),
                }
            }
        }
    }
    let mut out = Vec::new();
    for (id, members) in groups {
        out.push(render_legacy(&id, &members));
    }
    for (_, members) in v3_groups {
        if let Some(public) = members.iter().find(|e| e.interface == "public") {
            out.push(render_legacy(&public.id, &members));
        }
    }
    out
}

fn render_legacy(id: &str, members: &[&Endpoint]) -> Value {
    let first = members[0];
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("region".into(), json!(first.region_id));
    m.insert("service_id".into(), json!(first.service_id));
    m.insert("enabled".into(), json!(first.enabled));
    for e in members {
        m.insert(format!("{}url", e.interface), json!(e.url));
    }
    Value::Object(m)
}

pub fn list_endpoints(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let endpoints = app.store.read(catalog::list_endpoints)?;
    Ok(respond(
        f,
        200,
        &json!({"endpoints": legacy_endpoints(&endpoints)}),
    ))
}

/// POST /v2.0/endpoints {"endpoint": {"region", "service_id", "publicurl", "internalurl",
/// "adminurl"}}: one v3 endpoint per URL, tied by a legacy id.
pub fn create_endpoint(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let input = member(&doc, "endpoint")?;
    let text = |k: &str| -> Result<Option<String>> {
        Ok(crate::validate::fields::opt_string(&input, k, 2048)?.filter(|s| !s.is_empty()))
    };
    let service_id = text("service_id")?;
    let region = text("region")?;
    let mut urls = Vec::new();
    for interface in INTERFACES {
        if let Some(url) = text(&format!("{interface}url"))? {
            urls.push((interface, url));
        }
    }
    if !urls.iter().any(|(i, _)| *i == "public") {
        return Err(Error::bad_request(
            "publicurl field is required and cannot be empty",
        ));
    }
    let service_id = service_id
        .ok_or_else(|| Error::bad_request("service_id field is required and cannot be empty"))?;
    let legacy_id = new_id();
    let endpoints: Vec<Endpoint> = urls
        .into_iter()
        .map(|(interface, url)| {
            let mut extra = Map::new();
            extra.insert(LEGACY_ID.into(), json!(legacy_id));
            Endpoint {
                id: new_id(),
                interface: interface.to_string(),
                region_id: region.clone(),
                service_id: service_id.clone(),
                url,
                enabled: true,
                extra,
            }
        })
        .collect();
    app.store.write(|w| {
        if catalog::get_service(w, &service_id)?.is_none() {
            return Err(Error::not_found("service", &service_id));
        }
        if let Some(region_id) = &region {
            if catalog::get_region(w, region_id)?.is_none() {
                catalog::create_region(
                    w,
                    &Region {
                        id: region_id.clone(),
                        description: String::new(),
                        parent_region_id: None,
                        extra: Map::new(),
                    },
                )?;
            }
        }
        for e in &endpoints {
            catalog::put_endpoint(w, e)?;
        }
        Ok(())
    })?;
    let members: Vec<&Endpoint> = endpoints.iter().collect();
    Ok(respond(
        f,
        200,
        &json!({"endpoint": render_legacy(&legacy_id, &members)}),
    ))
}

/// DELETE /v2.0/endpoints/{id}: every v3 endpoint of that legacy id (or of that pure v3
/// group, named by its public endpoint's id).
pub fn delete_endpoint(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("endpoint_id");
    app.store.write(|w| {
        let all = catalog::list_endpoints(w)?;
        let mut doomed: Vec<String> = all
            .iter()
            .filter(|e| e.extra.get(LEGACY_ID).and_then(Value::as_str) == Some(id))
            .map(|e| e.id.clone())
            .collect();
        if doomed.is_empty() {
            if let Some(public) = all
                .iter()
                .find(|e| e.id == id && e.interface == "public" && !e.extra.contains_key(LEGACY_ID))
            {
                doomed = all
                    .iter()
                    .filter(|e| {
                        !e.extra.contains_key(LEGACY_ID)
                            && e.service_id == public.service_id
                            && e.region_id == public.region_id
                    })
                    .map(|e| e.id.clone())
                    .collect();
            }
        }
        if doomed.is_empty() {
            return Err(Error::not_found("endpoint", id));
        }
        for e in doomed {
            crate::service::catalog::delete_endpoint(w, &e)?;
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}
