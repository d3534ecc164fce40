//! OS-OAUTH1 consumers (upstream's keystone/api/os_oauth1.py `ConsumerResource`): policy
//! first, then the body (jsonschema's full messages, `lazy_validate`), then the store. A
//! consumer's secret is made by the server and shown only in the create response.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::new_id;
use crate::policy::parse::py_repr;
use crate::store::oauth1::{self as store, Consumer};

use super::catalog_schema::{lazy_validate, normalize_keys};
use super::{authorize, list_response};

/// Routes /v3/OS-OAUTH1/...; `rest` starts after "OS-OAUTH1".
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, ["consumers"]) => list_consumers(app, req),
        (Method::Post, ["consumers"]) => create_consumer(app, req),
        (Method::Get, ["consumers", id]) => get_consumer(app, req, id),
        (Method::Patch, ["consumers", id]) => update_consumer(app, req, id),
        (Method::Delete, ["consumers", id]) => delete_consumer(app, req, id),
        (_, ["consumers"] | ["consumers", _]) => Err(Error::MethodNotAllowed),
        _ => Err(super::not_found()),
    }
}

/// Extras, then id, description (and the secret only when `with_secret`), then links.
fn render(app: &App, c: &Consumer, with_secret: bool) -> Value {
    let mut out = c.extra.clone();
    out.insert("id".into(), json!(c.id));
    out.insert("description".into(), json!(c.description));
    if with_secret {
        out.insert("secret".into(), json!(c.secret));
    }
    out.insert(
        "links".into(),
        json!({"self": format!("{}/v3/OS-OAUTH1/consumers/{}", app.public_url, c.id)}),
    );
    Value::Object(out)
}

fn consumer_properties() -> Value {
    json!({"description": {"type": ["string", "null"]}})
}

/// `.get('consumer', {})` of a body parsed with force=True, silent=True.
fn consumer_input(req: &Request) -> Value {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    body.get("consumer").cloned().unwrap_or_else(|| json!({}))
}

/// jsonschema's message for the update schema's `not` and `minProperties` keywords.
fn update_error(instance: &Value, first_line: &str, keyword: &str) -> Error {
    Error::Validation(format!(
        "{first_line}\n\nFailed validating '{keyword}' in schema:\n    {{'type': 'object',\n     \
'properties': {{'description': {{'type': ['string', 'null']}}}},\n     'not': {{'required': \
['secret']}},\n     'minProperties': 1,\n     'additionalProperties': True}}\n\nOn instance:\n    {}",
        py_repr(instance)
    ))
}

/// GET /v3/OS-OAUTH1/consumers
pub fn list_consumers(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_consumers", json!({}))?;
    let items = app
        .store
        .read(|r| store::list_consumers(r))?
        .iter()
        .map(|c| render(app, c, false))
        .collect();
    Ok(Response::ok(&list_response(app, req, "consumers", items)))
}

/// GET /v3/OS-OAUTH1/consumers/{id}
pub fn get_consumer(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(
        app,
        req,
        "identity:get_consumer",
        json!({"consumer_id": id}),
    )?;
    let c = app.store.read(|r| store::get_consumer(r, id))?;
    Ok(Response::ok(&json!({"consumer": render(app, &c, false)})))
}

/// POST /v3/OS-OAUTH1/consumers: any id or secret in the body is replaced.
pub fn create_consumer(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:create_consumer", json!({}))?;
    let input = consumer_input(req);
    let input = match input.as_object() {
        Some(map) => Value::Object(normalize_keys(map)),
        None => input,
    };
    lazy_validate(
        &json!({"type": "object", "properties": consumer_properties(),
                "additionalProperties": true}),
        &input,
    )?;
    let map = input.as_object().cloned().unwrap_or_default();
    let consumer = Consumer {
        id: new_id(),
        description: map
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        secret: new_id(),
        extra: map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "description" | "secret" | "links"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    app.store.write(|w| store::create_consumer(w, &consumer))?;
    log::info!("OAuth1 consumer {} created", consumer.id);
    Ok(Response::created(
        &json!({"consumer": render(app, &consumer, true)}),
    ))
}

/// PATCH /v3/OS-OAUTH1/consumers/{id}
pub fn update_consumer(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(
        app,
        req,
        "identity:update_consumer",
        json!({"consumer_id": id}),
    )?;
    let input = consumer_input(req);
    // Keyword order of upstream's schema: type, properties, not, minProperties.
    lazy_validate(
        &json!({"type": "object", "properties": consumer_properties()}),
        &input,
    )?;
    let map: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    if map.contains_key("secret") {
        let line = format!(
            "{} should not be valid under {{'required': ['secret']}}",
            py_repr(&input)
        );
        return Err(update_error(&input, &line, "not"));
    }
    if map.is_empty() {
        let line = format!("{} should be non-empty", py_repr(&input));
        return Err(update_error(&input, &line, "minProperties"));
    }
    let map = normalize_keys(&map);
    if map.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(Error::validation("Cannot change ID"));
    }
    let c = app.store.write(|w| store::update_consumer(w, id, &map))?;
    Ok(Response::ok(&json!({"consumer": render(app, &c, false)})))
}

/// DELETE /v3/OS-OAUTH1/consumers/{id}
pub fn delete_consumer(app: &App, req: &Request, id: &str) -> Result<Response> {
    authorize(
        app,
        req,
        "identity:delete_consumer",
        json!({"consumer_id": id}),
    )?;
    app.store.write(|w| store::delete_consumer(w, id))?;
    Ok(Response::no_content())
}
