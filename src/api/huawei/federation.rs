//! Huawei IAM's federation routes (huawei-iam-api.md §1.13): an identity provider's OpenID
//! Connect configuration, logins with an ID token, and SAML metadata per protocol. The
//! identity providers, protocols and mappings themselves are Keystone's OS-FEDERATION routes.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Method::{Get, Post, Put};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, public, Granted, Params, Route};
use crate::policy::Action as A;
use crate::service::iam::federation as service;

const OIDC_CONFIG: &str = "/v3.0/OS-FEDERATION/identity-providers/{idp_id}/openid-connect-config";
const METADATA: &str =
    "/v3-ext/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/metadata";

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    vec![
        policy(Post, OIDC_CONFIG, A::IamIdentityProvidersCreateOpenIDConnectConfig, idp_target, create_oidc_config),
        policy(Get, OIDC_CONFIG, A::IamIdentityProvidersGetOpenIDConnectConfig, idp_target, get_oidc_config),
        policy(Put, OIDC_CONFIG, A::IamIdentityProvidersUpdateOpenIDConnectConfig, idp_target, update_oidc_config),
        public(Post, "/v3.0/OS-AUTH/id-token/tokens", id_token_tokens),
        policy(Post, METADATA, A::IamIdentityProvidersCreateIDPMetadata, idp_target, import_metadata),
        policy(Get, METADATA, A::IamIdentityProvidersGetIDPMetadata, idp_target, get_metadata),
    ]
}

/// The identity provider's account (`target.domain_id`, as the rules read it); empty when
/// there is no such provider, so policy is decided before the 404.
fn idp_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let idp = app
        .store
        .read(|r| crate::store::federation::get_idp(r, p.get("idp_id")))?;
    Ok(match idp {
        Some(idp) => json!({"target": {"domain_id": idp.domain_id}}),
        None => json!({}),
    })
}

/// The object under `key` of the request body (IAM.0072 when absent).
fn body_object(req: &Request, key: &str) -> Result<Map<String, Value>> {
    match req.json()? {
        Value::Object(mut body) => match body.remove(key) {
            Some(Value::Object(inner)) => Ok(inner),
            _ => Err(required(key)),
        },
        _ => Err(required(key)),
    }
}

fn required(key: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0072",
        message: format!("'{key}' is a required property"),
    }
}

fn create_oidc_config(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = body_object(req, "openid_connect_config")?;
    let config = service::create_oidc_config(&app.store, p.get("idp_id"), &input)?;
    Ok(Response::created(&json!({"openid_connect_config": config})))
}

fn get_oidc_config(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let config = service::get_oidc_config(&app.store, p.get("idp_id"))?;
    Ok(Response::ok(&json!({"openid_connect_config": config})))
}

fn update_oidc_config(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = body_object(req, "openid_connect_config")?;
    let config = service::update_oidc_config(&app.store, p.get("idp_id"), &input)?;
    Ok(Response::ok(&json!({"openid_connect_config": config})))
}

/// POST /v3.0/OS-AUTH/id-token/tokens (public: the ID token is the proof): `X-Idp-Id` names
/// the provider, `auth.id_token.id` is the token, `auth.scope` the optional scope. The
/// login's unscoped token is rescoped as Keystone rescopes any token, so the answer is a
/// Keystone token body with `X-Subject-Token`.
fn id_token_tokens(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let idp_id = req
        .header("x-idp-id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| required("X-Idp-Id"))?;
    let auth = body_object(req, "auth")?;
    let id_token = auth
        .get("id_token")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| required("id_token"))?;
    let data = service::login_with_id_token(app, idp_id, id_token, req.now)?;
    let unscoped = app.tokens.encode(&data, req.now as i64)?;
    let mut body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}}}});
    if let Some(scope) = auth.get("scope").filter(|s| !s.is_null()) {
        body["auth"]["scope"] = keystone_scope(app, idp_id, scope)?;
    }
    crate::api::v3::auth::issue_token_with(app, req, &body)
}

/// Huawei's `{project|domain: {id|name}}` as Keystone's scope: a project named without a
/// domain is looked for in the identity provider's account.
fn keystone_scope(app: &App, idp_id: &str, scope: &Value) -> Result<Value> {
    let named = |v: &Value| v.get("id").is_none() && v.get("name").is_some();
    if let Some(project) = scope.get("project") {
        if named(project) {
            let idp = app
                .store
                .read(|r| crate::store::federation::require_idp(r, idp_id))?;
            return Ok(
                json!({"project": {"name": project["name"], "domain": {"id": idp.domain_id}}}),
            );
        }
        return Ok(json!({"project": {"id": project.get("id")}}));
    }
    if let Some(domain) = scope.get("domain") {
        return Ok(json!({"domain": domain}));
    }
    Err(Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: "Invalid scope: a project or a domain is required".to_string(),
    })
}

fn import_metadata(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = match req.json()? {
        Value::Object(body) => body,
        _ => return Err(required("metadata")),
    };
    service::import_metadata(
        &app.store,
        p.get("idp_id"),
        p.get("protocol_id"),
        &input,
        req.now,
    )?;
    Ok(Response::created(
        &json!({"message": "Import metadata successful"}),
    ))
}

fn get_metadata(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let metadata = service::get_metadata(&app.store, p.get("idp_id"), p.get("protocol_id"))?;
    Ok(Response::ok(&serde_json::to_value(metadata)?))
}
