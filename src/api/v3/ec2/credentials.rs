//! The OS-EC2 credential views under /v3/users/{id}/credentials/OS-EC2 (upstream's
//! keystone/api/users.py): list, create, get and delete, by access key.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth as core;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::{to_python_json, Response};
use crate::http::routes::{Granted, Params};
use crate::store::credentials::{self as store, hash_access_key, Credential};
use crate::store::{identity, resource};
use crate::token::Scope;

use super::super::credentials::is_delegated;
use super::super::list_response;
use super::unauthorized;

/// `_require_primary_auth_for_ec2`: no delegated token, ever.
fn require_primary_auth(context: &core::AuthContext) -> Result<()> {
    if matches!(context.token.scope, Scope::Trust { .. }) || is_delegated(context) {
        return Err(Error::forbidden_action(
            "Delegated tokens cannot access credentials directly",
        ));
    }
    Ok(())
}

/// `_convert_v3_to_ec2_credential` plus the self link (by access key).
fn render(app: &App, c: &Credential) -> Value {
    let blob: Map<String, Value> = serde_json::from_str(&c.blob).unwrap_or_default();
    let access = blob.get("access").cloned().unwrap_or(Value::Null);
    let access_text = match &access {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    json!({
        "user_id": c.user_id,
        "tenant_id": c.project_id,
        "access": access,
        "secret": blob.get("secret").cloned().unwrap_or(Value::Null),
        "trust_id": blob.get("trust_id").cloned().unwrap_or(Value::Null),
        "links": {"self": format!("{}/v3/users/{}/credentials/OS-EC2/{}",
            app.public_url, c.user_id, access_text)},
    })
}

/// Target of ec2_list_credentials.
pub fn user_target(_: &App, _: &Request, p: &Params, _: &core::AuthContext) -> Result<Value> {
    Ok(json!({"user_id": p.get("user_id")}))
}

/// GET /v3/users/{user_id}/credentials/OS-EC2
pub fn list(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    require_primary_auth(granted.context())?;
    let creds = app.store.read(|r| {
        identity::require_user(r, user_id)?;
        store::list_for_user(r, &app.credential_keys, user_id, Some("ec2"))
    })?;
    let items = creds.iter().map(|c| render(app, c)).collect();
    Ok(Response::ok(&list_response(app, req, "credentials", items)))
}

/// Target of ec2_create_credential: the new credential's owner.
pub fn create_target(_: &App, _: &Request, p: &Params, _: &core::AuthContext) -> Result<Value> {
    let user_id = p.get("user_id");
    Ok(json!({"user_id": user_id, "target": {"credential": {"user_id": user_id}}}))
}

/// POST /v3/users/{user_id}/credentials/OS-EC2 {"tenant_id": ...}
pub fn create(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    let body = req.json()?;
    let tenant_id = body
        .get("tenant_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    app.store.read(|r| {
        identity::require_user(r, user_id)?;
        let tid = tenant_id.as_deref().unwrap_or("None");
        resource::require_project(r, tid)
    })?;
    require_primary_auth(granted.context())?;
    let access = crate::model::new_id();
    let secret = crate::model::new_id();
    // jsonutils.dumps of {'access', 'secret', 'trust_id'}: Python's separators.
    let blob = String::from_utf8(to_python_json(
        &json!({"access": access, "secret": secret, "trust_id": null}),
    ))
    .map_err(Error::internal)?;
    let credential = Credential {
        id: hash_access_key(&access),
        user_id: user_id.to_string(),
        project_id: tenant_id,
        cred_type: "ec2".to_string(),
        blob,
        extra: Map::new(),
    };
    app.store
        .write(|w| store::create(w, &app.credential_keys, &credential))?;
    log::info!(
        "ec2 credential {} created for user {user_id}",
        credential.id
    );
    Ok(Response::created(
        &json!({"credential": render(app, &credential)}),
    ))
}

/// The credential named by its access key (the path's {credential_id}).
fn by_access(app: &App, access: &str) -> Result<Credential> {
    let id = hash_access_key(access);
    Ok(app
        .store
        .read(|r| store::require(r, &app.credential_keys, &id))?)
}

/// Target of ec2_get/delete_credential: the credential, looked up (404) before any policy.
pub fn owner_target(app: &App, _: &Request, p: &Params, _: &core::AuthContext) -> Result<Value> {
    let (user_id, access) = (p.get("user_id"), p.get("credential_id"));
    let c = by_access(app, access)?;
    Ok(
        json!({"user_id": user_id, "credential_id": access, "target": {"credential":
        {"id": c.id, "user_id": c.user_id, "project_id": c.project_id, "type": c.cred_type}}}),
    )
}

/// The credential `owner_target` found, checked after the policy: the user must exist and the
/// credential be an ec2 one, and the token not delegated.
fn owned(app: &App, p: &Params, granted: &Granted) -> Result<Credential> {
    let c = by_access(app, p.get("credential_id"))?;
    app.store
        .read(|r| identity::require_user(r, p.get("user_id")))?;
    if c.cred_type != "ec2" {
        return Err(unauthorized("EC2 access key not found."));
    }
    require_primary_auth(granted.context())?;
    Ok(c)
}

/// GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let c = owned(app, p, &granted)?;
    Ok(Response::ok(&json!({"credential": render(app, &c)})))
}

/// DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let c = owned(app, p, &granted)?;
    app.store.write(|w| store::delete(w, &c.id))?;
    Ok(Response::no_content())
}
