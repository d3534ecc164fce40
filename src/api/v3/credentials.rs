//! /v3/credentials, as upstream's keystone/api/credentials.py: schema first (in the target
//! builders), then policy with the credential as target (in the route table,
//! src/http/table.rs), then the credential manager (blobs encrypted at rest). An ec2
//! credential's id is the SHA-256 of its access key; its blob must be a JSON object with an
//! `access`, and the blob's scope keys (trust_id, app_cred_id, access_token_id, access_id)
//! can never change. Delegated tokens (trusts, application credentials, OAuth1, EC2) cannot
//! touch credentials at all (upstream's LP#2159643 guard).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::new_id;
use crate::policy::Action;
use crate::store::credentials::{self as store, hash_access_key, Credential};
use crate::token::Scope;

use super::filtered_list;

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

/// Target of list_credentials: the filters, and a caller's own credentials unless it is
/// system-scoped.
pub fn list_target(_: &App, req: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
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
    Ok(Value::Object(target))
}

/// GET /v3/credentials (filters user_id, type)
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let primary = require_primary_auth(granted.context()).is_ok();
    let all = app.store.read(|r| store::list(r, &app.credential_keys))?;
    let mut items = Vec::new();
    for c in all {
        // Only what the caller may see, as upstream re-checks each one.
        let t = json!({"target": {"credential": target_of(&c)}});
        if primary && granted.enforce(app, Action::GetCredential, &t).is_ok() {
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

/// The request's credential once the schema has passed (the ec2 half included).
fn create_input(app: &App, req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    let input = app.schemas.credential_create.member(&body, "credential")?;
    if input.get("type").and_then(Value::as_str) == Some("ec2") {
        app.schemas.credential_create_ec2.validate(&body)?;
    }
    Ok(input)
}

/// Target of create_credential: the body is checked first; the target is the request's
/// credential, blob left out.
pub fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let mut target_cred = create_input(app, req)?;
    target_cred.remove("blob");
    Ok(json!({"target": {"credential": target_cred}}))
}

/// POST /v3/credentials
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let input = create_input(app, req)?;
    require_primary_auth(granted.context())?;
    let cred_type = input
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
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
    app.store
        .write(|w| store::create(w, &app.credential_keys, &credential))?;
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

/// Target of get/delete_credential: the stored credential; a missing one is checked after the
/// policy (empty target), as upstream.
pub fn credential_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let existing = app
        .store
        .read(|r| store::get(r, &app.credential_keys, p.get("credential_id")))?;
    Ok(match &existing {
        Some(c) => json!({"target": {"credential": target_of(c)}}),
        None => json!({}),
    })
}

/// Target of update_credential: the body is checked first, then as `credential_target`.
pub fn update_target(app: &App, req: &Request, p: &Params, c: &AuthContext) -> Result<Value> {
    app.schemas.credential_update.validate(&req.json()?)?;
    credential_target(app, req, p, c)
}

/// The credential the route's target builder found, or 404 (after the policy).
fn existing(app: &App, id: &str) -> Result<Credential> {
    app.store
        .read(|r| store::get(r, &app.credential_keys, id))?
        .ok_or_else(|| Error::not_found("credential", id))
}

/// GET /v3/credentials/{credential_id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let c = existing(app, p.get("credential_id"))?;
    require_primary_auth(granted.context())?;
    Ok(Response::ok(&json!({"credential": render(app, &c)})))
}

/// PATCH /v3/credentials/{credential_id}: only the blob may change.
pub fn update(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("credential_id");
    let body = req.json()?;
    app.schemas.credential_update.validate(&body)?;
    let current = existing(app, id)?;
    require_primary_auth(granted.context())?;
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
    granted.enforce(app, Action::UpdateCredential, granted.target())?;
    let updated = app
        .store
        .write(|w| store::update_blob(w, &app.credential_keys, id, &blob))?;
    Ok(Response::ok(&json!({"credential": render(app, &updated)})))
}

/// DELETE /v3/credentials/{credential_id}
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("credential_id");
    existing(app, id)?;
    require_primary_auth(granted.context())?;
    app.store.write(|w| store::delete(w, id))?;
    Ok(Response::no_content())
}
