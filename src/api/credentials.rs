//! /v3/credentials, as upstream's keystone/api/credentials.py: schema first, then policy with
//! the credential as target, then the credential manager (blobs encrypted at rest). An ec2
//! credential's id is the SHA-256 of its access key; its blob must be a JSON object with an
//! `access`, and the blob's scope keys (trust_id, app_cred_id, access_token_id, access_id)
//! can never change. Delegated tokens (trusts, application credentials, OAuth1, EC2) cannot
//! touch credentials at all (upstream's LP#2159643 guard).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::new_id;
use crate::store::credentials::{self as store, hash_access_key, Credential};
use crate::token::Scope;

use super::schema_lite::{self, nullable};
use super::{authorize, enforce, filtered_list};

/// Routes /v3/credentials/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Get, []) => list(app, req),
        (Method::Post, []) => create(app, req),
        (Method::Get, [id]) => get(app, req, id),
        (Method::Patch, [id]) => update(app, req, id),
        (Method::Delete, [id]) => delete(app, req, id),
        (_, [] | [_]) => Err(Error::MethodNotAllowed),
        _ => Err(super::not_found()),
    }
}

/// Upstream's primary (non-delegated) auth methods.
const PRIMARY_METHODS: &[&str] = &[
    "external", "kerberos", "mapped", "openid", "password", "saml2", "token", "totp", "x509",
];

/// `delegation.is_delegated_method`: no methods, or any method that is not primary.
pub fn is_delegated(context: &AuthContext) -> bool {
    let methods = &context.token.methods;
    methods.is_empty()
        || methods
            .iter()
            .any(|m| !PRIMARY_METHODS.contains(&m.as_str()))
}

/// `_require_primary_auth` (without the insecure cross-project option, off by default).
pub fn require_primary_auth(context: &AuthContext) -> Result<()> {
    let trust = matches!(context.token.scope, Scope::Trust { .. });
    if trust || is_delegated(context) {
        return Err(Error::forbidden_action(
            "Delegated tokens cannot access credentials directly",
        ));
    }
    Ok(())
}

/// A credential as upstream's to_dict writes it: extras, then id, user_id, project_id, type,
/// blob, links.
pub fn render(app: &App, c: &Credential) -> Value {
    let mut out = c.extra.clone();
    out.insert("id".into(), json!(c.id));
    out.insert("user_id".into(), json!(c.user_id));
    out.insert("project_id".into(), json!(c.project_id));
    out.insert("type".into(), json!(c.cred_type));
    out.insert("blob".into(), json!(c.blob));
    out.insert(
        "links".into(),
        json!({"self": format!("{}/v3/credentials/{}", app.public_url, c.id)}),
    );
    Value::Object(out)
}

/// The policy view of a credential (its blob never goes to the policy engine).
fn target_of(c: &Credential) -> Value {
    json!({"id": c.id, "user_id": c.user_id, "project_id": c.project_id, "type": c.cred_type})
}

fn credential_properties() -> Value {
    json!({
        "blob": {"type": "string"},
        "project_id": nullable(json!({"type": "string"})),
        "type": {"type": "string"},
        "user_id": {"type": "string"},
    })
}

fn create_schema() -> Value {
    let mut props = credential_properties();
    props["id"] = json!({"type": "string"});
    json!({
        "type": "object",
        "properties": {"credential": {
            "type": "object",
            "properties": props,
            "additionalProperties": true,
            "required": ["blob", "type", "user_id"],
        }},
        "required": ["credential"],
    })
}

/// The `if type == ec2 then project_id required` half of upstream's create schema.
fn create_ec2_schema() -> Value {
    json!({"properties": {"credential": {
        "required": ["blob", "type", "user_id", "project_id"],
    }}})
}

fn update_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"credential": {
            "type": "object",
            "properties": {"blob": {"type": "string"}},
            "additionalProperties": false,
            "required": ["blob"],
        }},
        "required": ["credential"],
    })
}

/// `_validate_blob_json`: an ec2 blob is a non-empty JSON object with an `access`.
pub fn validate_ec2_blob(blob: &str) -> Result<Map<String, Value>> {
    let parsed: Value =
        serde_json::from_str(blob).map_err(|_| Error::validation("Invalid blob in credential"))?;
    let obj = match parsed {
        Value::Object(o) if !o.is_empty() => o,
        _ => return Err(Error::expecting("blob", "credential")),
    };
    if obj.get("access").is_none_or(Value::is_null) {
        return Err(Error::expecting("access", "credential"));
    }
    Ok(obj)
}

/// Python's `str(blob['access'])` for a hashable access value.
fn access_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// GET /v3/credentials (filters user_id, type)
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let context = crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
    let mut target = Map::new();
    for f in ["user_id", "type"] {
        if let Some(v) = req.query(f) {
            target.insert(f.into(), json!(v));
        }
    }
    if !context.is_system() {
        target.insert(
            "target".into(),
            json!({"credential": {"user_id": context.user.id}}),
        );
    }
    enforce(
        app,
        &context,
        "identity:list_credentials",
        &Value::Object(target),
    )?;
    let all = app.store.read(store::list)?;
    let mut items = Vec::new();
    for c in all {
        // Only what the caller may see, as upstream re-checks each one.
        let t = json!({"target": {"credential": target_of(&c)}});
        if enforce(app, &context, "identity:get_credential", &t).is_ok()
            && require_primary_auth(&context).is_ok()
        {
            items.push(render(app, &c));
        }
    }
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "credentials",
        items,
        &["user_id", "type"],
        app.config.list_limit("credential"),
    )))
}

/// POST /v3/credentials
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = schema_lite::validated_member(&create_schema(), &body, "credential")?;
    let cred_type = input
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if cred_type == "ec2" {
        schema_lite::validate(&create_ec2_schema(), &body)?;
    }
    // The policy target is the request's credential, blob left out.
    let mut target_cred = input.clone();
    target_cred.remove("blob");
    let context = authorize(
        app,
        req,
        "identity:create_credential",
        json!({"target": {"credential": target_cred}}),
    )?;
    require_primary_auth(&context)?;
    let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let blob = text("blob").unwrap_or_default();
    let id = if cred_type.eq_ignore_ascii_case("ec2") {
        // Delegated tokens (whose scope upstream would copy into the blob) were refused above.
        let parsed = validate_ec2_blob(&blob)?;
        hash_access_key(&parsed.get("access").map(access_text).unwrap_or_default())
    } else {
        new_id()
    };
    let credential = Credential {
        id,
        user_id: text("user_id").unwrap_or_default(),
        project_id: input
            .get("project_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        cred_type: cred_type.to_string(),
        blob,
        extra: input
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "id" | "user_id" | "project_id" | "type" | "blob" | "links"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    app.store.write(|w| store::create(w, &credential))?;
    log::info!(
        "credential {} of type {} created for user {}",
        credential.id,
        credential.cred_type,
        credential.user_id
    );
    Ok(Response::created(
        &json!({"credential": render(app, &credential)}),
    ))
}

/// The stored credential as target; a missing one is checked after the policy, as upstream.
fn existing_target(app: &App, id: &str) -> Result<(Option<Credential>, Value)> {
    let existing = app.store.read(|r| store::get(r, id))?;
    let target = match &existing {
        Some(c) => json!({"target": {"credential": target_of(c)}}),
        None => json!({}),
    };
    Ok((existing, target))
}

/// GET /v3/credentials/{id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let (existing, target) = existing_target(app, id)?;
    let context = authorize(app, req, "identity:get_credential", target)?;
    let c = existing.ok_or_else(|| Error::not_found("credential", id))?;
    require_primary_auth(&context)?;
    Ok(Response::ok(&json!({"credential": render(app, &c)})))
}

/// PATCH /v3/credentials/{id}: only the blob may change.
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    schema_lite::validate(&update_schema(), &body)?;
    let (existing, target) = existing_target(app, id)?;
    let context = authorize(app, req, "identity:update_credential", target.clone())?;
    let current = existing.ok_or_else(|| Error::not_found("credential", id))?;
    require_primary_auth(&context)?;
    let blob = body
        .pointer("/credential/blob")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if current.cred_type.eq_ignore_ascii_case("ec2") {
        let new_blob = validate_ec2_blob(&blob)?;
        let old_blob: Map<String, Value> = serde_json::from_str(&current.blob).unwrap_or_default();
        for key in ["trust_id", "app_cred_id", "access_token_id", "access_id"] {
            if old_blob.get(key) != new_blob.get(key) {
                return Err(Error::validation(format!(
                    "{key} can not be updated for credential"
                )));
            }
        }
    }
    // Upstream enforces again on the merged credential (owner and scope unchanged).
    enforce(app, &context, "identity:update_credential", &target)?;
    let updated = app.store.write(|w| store::update_blob(w, id, &blob))?;
    Ok(Response::ok(&json!({"credential": render(app, &updated)})))
}

/// DELETE /v3/credentials/{id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let (existing, target) = existing_target(app, id)?;
    let context = authorize(app, req, "identity:delete_credential", target)?;
    existing.ok_or_else(|| Error::not_found("credential", id))?;
    require_primary_auth(&context)?;
    app.store.write(|w| store::delete(w, id))?;
    Ok(Response::no_content())
}
