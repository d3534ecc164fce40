//! /v3/OS-FEDERATION administration (upstream keystone/api/os_federation.py): identity
//! providers, their protocols, mappings and service providers. Upstream checks policy, then
//! the body against keystone/federation/schema.py; every action has no target.

// Federated authentication and the projects/domains a federated token reaches.
pub mod auth;
pub mod identity_providers;
pub mod mappings;
pub mod projects;
pub mod protocols;
pub mod service_providers;
pub mod websso;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::routes::Params;
use crate::validate::{normalize_keys, query_object, Schema};

/// The body's `key` object after `schema` checked the whole body (upstream's
/// `request_body_json.get(key, {})` and `_normalize_dict`).
pub fn member_input(req: &Request, schema: &Schema, key: &str) -> Result<Map<String, Value>> {
    let body = req.json()?;
    schema.validate(&body)?;
    let input = body
        .get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Ok(normalize_keys(&input))
}

/// `{"self": <public>/v3/OS-FEDERATION/<path>}`.
pub fn federation_link(app: &App, path: &str) -> Value {
    json!({"self": format!("{}/v3/OS-FEDERATION/{path}", app.public_url)})
}

/// Target of the identity provider list: its query (`enabled` a boolean) is checked first,
/// as upstream's schema decorator runs before its policy check.
pub fn idps_list_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas
        .identity_providers_query
        .validate(&query_object(&req.query))?;
    Ok(json!({}))
}

/// Target of the service provider list: its query is checked first.
pub fn sps_list_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    app.schemas
        .service_providers_query
        .validate(&query_object(&req.query))?;
    Ok(json!({}))
}
