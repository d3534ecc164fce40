//! /v3/OS-FEDERATION/identity_providers: upstream renders `links.protocols` in lists only.

use serde_json::{json, Value};

use crate::api::filtered_list;
use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::IdentityProvider;
use crate::service::federation as service;
use crate::store::federation;

use super::{federation_link, member_input};

fn render(app: &App, idp: &IdentityProvider) -> Value {
    json!({
        "id": idp.id,
        "domain_id": idp.domain_id,
        "enabled": idp.enabled,
        "description": idp.description,
        "remote_ids": idp.remote_ids,
        "authorization_ttl": idp.authorization_ttl,
        "links": federation_link(app, &format!("identity_providers/{}", idp.id)),
    })
}

fn member(app: &App, idp: &IdentityProvider) -> Value {
    json!({"identity_provider": render(app, idp)})
}

/// GET/HEAD /v3/OS-FEDERATION/identity_providers (filters `id`, `enabled`).
pub fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(federation::list_idps)?
        .iter()
        .map(|idp| {
            let mut out = render(app, idp);
            let protocols = format!(
                "{}/protocols",
                out["links"]["self"].as_str().unwrap_or_default()
            );
            out["links"]["protocols"] = json!(protocols);
            out
        })
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "identity_providers",
        items,
        &["id", "enabled"],
        app.config.list_limit("federation"),
    )))
}

/// GET/HEAD /v3/OS-FEDERATION/identity_providers/{idp_id}
pub fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let idp = app
        .store
        .read(|r| federation::require_idp(r, p.get("idp_id")))?;
    Ok(Response::ok(&member(app, &idp)))
}

/// PUT /v3/OS-FEDERATION/identity_providers/{idp_id}: 201.
pub fn create(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = member_input(
        req,
        &app.schemas.identity_provider_create,
        "identity_provider",
    )?;
    let idp = service::create_idp(&app.store, p.get("idp_id"), &input)?;
    Ok(Response::created(&member(app, &idp)))
}

/// PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let changes = member_input(
        req,
        &app.schemas.identity_provider_update,
        "identity_provider",
    )?;
    let idp = service::update_idp(&app.store, p.get("idp_id"), &changes)?;
    Ok(Response::ok(&member(app, &idp)))
}

/// DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}: protocols and shadow users go too.
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    service::delete_idp(&app.store, p.get("idp_id"), req.now as i64)?;
    Ok(Response::no_content())
}
