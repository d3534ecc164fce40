//! /v3/OS-FEDERATION/mappings: the body's `mapping` gets the configured schema version when
//! it names none (on PATCH too, as upstream), then upstream's structure check (the mapping
//! engine's `validate`).

use serde_json::{json, Value};

use crate::api::list_response;
use crate::app::App;
use crate::error::{Error, Result};
use crate::federation::mapping::{self, MappingError};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::Mapping;
use crate::service::federation as service;
use crate::store::federation;
use crate::validate::normalize_keys;

use super::federation_link;

fn render(app: &App, m: &Mapping) -> Value {
    json!({
        "id": m.id,
        "rules": m.rules,
        "schema_version": m.schema_version,
        "links": federation_link(app, &format!("mappings/{}", m.id)),
    })
}

/// Upstream answers an unknown schema version with a 500 (a KeyError); a client's mistake
/// is a 400 here.
fn mapping_error(e: MappingError) -> Error {
    match e {
        MappingError::UnknownSchemaVersion(v) => {
            Error::validation(format!("Invalid schema_version: {v}"))
        }
        e if e.status() == 400 => Error::validation(e.message()),
        e => Error::Internal(e.to_string()),
    }
}

/// The body's mapping, its schema version defaulted, validated; `id` from the path.
fn mapping_input(app: &App, req: &Request, id: &str) -> Result<Mapping> {
    let body = req.json()?;
    let input = normalize_keys(
        &body
            .get("mapping")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    );
    let schema_version = match input.get("schema_version") {
        Some(Value::String(v)) if !v.is_empty() => v.clone(),
        _ => app.config.federation.default_schema_version.clone(),
    };
    let mut checked = input.clone();
    checked.insert("schema_version".into(), json!(schema_version));
    mapping::validate(&Value::Object(checked), &schema_version).map_err(mapping_error)?;
    Ok(Mapping {
        id: id.to_string(),
        rules: input.get("rules").cloned().unwrap_or_else(|| json!([])),
        schema_version,
    })
}

/// GET/HEAD /v3/OS-FEDERATION/mappings
pub fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(federation::list_mappings)?
        .iter()
        .map(|m| render(app, m))
        .collect();
    Ok(Response::ok(&list_response(app, req, "mappings", items)))
}

/// GET/HEAD /v3/OS-FEDERATION/mappings/{mapping_id}
pub fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let m = app
        .store
        .read(|r| federation::require_mapping(r, p.get("mapping_id")))?;
    Ok(Response::ok(&json!({"mapping": render(app, &m)})))
}

/// PUT /v3/OS-FEDERATION/mappings/{mapping_id}: 201.
pub fn create(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let m = mapping_input(app, req, p.get("mapping_id"))?;
    service::create_mapping(&app.store, &m)?;
    Ok(Response::created(&json!({"mapping": render(app, &m)})))
}

/// PATCH /v3/OS-FEDERATION/mappings/{mapping_id}: the whole mapping again (rules required).
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let m = mapping_input(app, req, p.get("mapping_id"))?;
    service::update_mapping(&app.store, &m)?;
    Ok(Response::ok(&json!({"mapping": render(app, &m)})))
}

/// DELETE /v3/OS-FEDERATION/mappings/{mapping_id}
pub fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    app.store
        .write(|w| federation::delete_mapping(w, p.get("mapping_id")))?;
    Ok(Response::no_content())
}
