//! /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols. Upstream's member view keeps
//! `id`, `mapping_id` and `links` only, and builds its links from bare ids (`/v3/protocols/x`,
//! `/v3/<idp_id>`); the list view shows the whole record with the same links.

use serde_json::{json, Value};

use crate::api::list_response;
use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::FederationProtocol;
use crate::service::federation as service;
use crate::store::federation;

use super::member_input;

fn links(app: &App, protocol: &FederationProtocol) -> Value {
    json!({
        "self": format!("{}/v3/protocols/{}", app.public_url, protocol.id),
        "identity_provider": format!("{}/v3/{}", app.public_url, protocol.idp_id),
    })
}

fn member(app: &App, protocol: &FederationProtocol) -> Value {
    json!({"protocol": {
        "id": protocol.id,
        "mapping_id": protocol.mapping_id,
        "links": links(app, protocol),
    }})
}

/// GET/HEAD .../protocols: an unknown provider lists none, as upstream.
pub fn list(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(|r| federation::list_protocols(r, p.get("idp_id")))?
        .iter()
        .map(|protocol| {
            json!({
                "id": protocol.id,
                "idp_id": protocol.idp_id,
                "mapping_id": protocol.mapping_id,
                "remote_id_attribute": protocol.remote_id_attribute,
                "links": links(app, protocol),
            })
        })
        .collect();
    Ok(Response::ok(&list_response(app, req, "protocols", items)))
}

/// GET/HEAD .../protocols/{protocol_id}
pub fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let protocol = app
        .store
        .read(|r| federation::require_protocol(r, p.get("idp_id"), p.get("protocol_id")))?;
    Ok(Response::ok(&member(app, &protocol)))
}

/// PUT .../protocols/{protocol_id}: 201.
pub fn create(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = member_input(req, &app.schemas.protocol_create, "protocol")?;
    let protocol =
        service::create_protocol(&app.store, p.get("idp_id"), p.get("protocol_id"), &input)?;
    Ok(Response::created(&member(app, &protocol)))
}

/// PATCH .../protocols/{protocol_id}
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let changes = member_input(req, &app.schemas.protocol_update, "protocol")?;
    let protocol =
        service::update_protocol(&app.store, p.get("idp_id"), p.get("protocol_id"), &changes)?;
    Ok(Response::ok(&member(app, &protocol)))
}

/// DELETE .../protocols/{protocol_id}
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    service::delete_protocol(
        &app.store,
        p.get("idp_id"),
        p.get("protocol_id"),
        req.now as i64,
    )?;
    Ok(Response::no_content())
}
