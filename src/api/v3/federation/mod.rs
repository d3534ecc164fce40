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

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::validate::{normalize_keys, Schema};

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
