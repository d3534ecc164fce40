//! /v3/OS-FEDERATION/service_providers (K2K): `relay_state_prefix` defaults to upstream's
//! `[saml] relay_state_prefix` default.

use serde_json::{json, Value};

use crate::api::filtered_list;
use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::ServiceProvider;
use crate::service::federation as service;
use crate::store::federation;
use crate::validate::parse_bool;

use super::{federation_link, member_input};

/// Upstream's `[saml] relay_state_prefix` default (we have no `[saml]` section yet).
const RELAY_STATE_PREFIX: &str = "ss:mem:";

fn render(app: &App, sp: &ServiceProvider) -> Value {
    json!({
        "auth_url": sp.auth_url,
        "id": sp.id,
        "enabled": sp.enabled,
        "description": sp.description,
        "relay_state_prefix": sp.relay_state_prefix,
        "sp_url": sp.sp_url,
        "links": federation_link(app, &format!("service_providers/{}", sp.id)),
    })
}

fn member(app: &App, sp: &ServiceProvider) -> Value {
    json!({"service_provider": render(app, sp)})
}

/// GET/HEAD /v3/OS-FEDERATION/service_providers (filters `id`, `enabled`).
pub fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(federation::list_service_providers)?
        .iter()
        .map(|sp| render(app, sp))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "service_providers",
        items,
        &["id", "enabled"],
        app.config.list_limit("federation"),
    )))
}

/// GET/HEAD /v3/OS-FEDERATION/service_providers/{service_provider_id}
pub fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let sp = app
        .store
        .read(|r| federation::require_service_provider(r, p.get("service_provider_id")))?;
    Ok(Response::ok(&member(app, &sp)))
}

/// PUT /v3/OS-FEDERATION/service_providers/{service_provider_id}: 201.
pub fn create(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = member_input(
        req,
        &app.schemas.service_provider_create,
        "service_provider",
    )?;
    let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let sp = ServiceProvider {
        id: p.get("service_provider_id").to_string(),
        enabled: input.get("enabled").and_then(parse_bool).unwrap_or(false),
        description: text("description"),
        auth_url: text("auth_url").unwrap_or_default(),
        sp_url: text("sp_url").unwrap_or_default(),
        // Upstream's setdefault: an explicit null stays null and its database refuses it
        // (a 500); the default applies here.
        relay_state_prefix: text("relay_state_prefix")
            .unwrap_or_else(|| RELAY_STATE_PREFIX.to_string()),
    };
    service::create_service_provider(&app.store, &sp)?;
    Ok(Response::created(&member(app, &sp)))
}

/// PATCH /v3/OS-FEDERATION/service_providers/{service_provider_id}
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let changes = member_input(
        req,
        &app.schemas.service_provider_update,
        "service_provider",
    )?;
    let sp = service::update_service_provider(&app.store, p.get("service_provider_id"), &changes)?;
    Ok(Response::ok(&member(app, &sp)))
}

/// DELETE /v3/OS-FEDERATION/service_providers/{service_provider_id}
pub fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    app.store
        .write(|w| federation::delete_service_provider(w, p.get("service_provider_id")))?;
    Ok(Response::no_content())
}
