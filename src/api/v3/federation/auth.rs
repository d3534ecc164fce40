//! Federated authentication: GET/POST
//! /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth and the
//! `mapped`/`openid`/`saml2` methods of POST /v3/auth/tokens (upstream's mapped plugin), and
//! the token body's federation parts (`OS-FEDERATION` on the user, `service_providers`).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::Params;
use crate::model::{FederationProtocol, IdentityProvider};
use crate::service::federated_login;
use crate::store::federation;
use crate::token::FederatedToken;

/// What a federated method proved.
pub struct MappedAuth {
    pub user_id: String,
    pub federated: Option<FederatedToken>,
    /// The token must not outlive this (a rescoped token keeps its parent's expiry).
    pub expires_at: f64,
}

/// GET and POST .../protocols/{protocol_id}/auth (public, as upstream's unenforced_api):
/// the same as POST /v3/auth/tokens with `{"methods": [protocol_id], protocol_id:
/// {"identity_provider": idp_id, "protocol": protocol_id}}`, unscoped.
pub fn protocol_auth(app: &App, req: &Request, params: &Params) -> Result<Response> {
    let idp_id = params.get("idp_id").to_string();
    let protocol_id = params.get("protocol_id").to_string();
    // Huawei IAM names its OpenID Connect protocol `oidc`, no auth method's name: for a
    // provider with Huawei's configuration the mapped method serves it (upstream would
    // refuse the method, and has no such configuration).
    let huawei = crate::store::iam::federation::get_oidc_config;
    let method = if app.store.read(|r| huawei(r, &idp_id))?.is_some() {
        "mapped".to_string()
    } else {
        protocol_id.clone()
    };
    let body = json!({"auth": {"identity": {
        "methods": [method],
        method.clone(): {"identity_provider": idp_id, "protocol": protocol_id},
    }}});
    crate::api::v3::auth::issue_token_with(app, req, &body)
}

/// The `mapped`-plugin method `method` of an auth body: `{"id": token}` rescopes a federated
/// token (upstream's handle_scoped_token), else `{"identity_provider", "protocol"}` logs in
/// with what the request presents.
pub fn authenticate_mapped(
    app: &App,
    req: &Request,
    identity_obj: &Map<String, Value>,
    method: &str,
    now: f64,
) -> Result<MappedAuth> {
    let obj = identity_obj
        .get(method)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting(method, "identity"))?;
    if let Some(id) = obj.get("id").and_then(Value::as_str) {
        let parent = crate::auth::validate(app, id, false, now)?;
        // Upstream iterates the token's federated groups, None for a token not federated:
        // its TypeError comes back as this 400.
        let fed =
            parent.token.federated.clone().ok_or_else(|| {
                Error::Validation("'NoneType' object is not iterable".to_string())
            })?;
        app.store
            .read(|r| federated_login::enabled_idp(r, &fed.idp_id))?;
        return Ok(MappedAuth {
            user_id: parent.user.id.clone(),
            federated: Some(fed),
            expires_at: parent.token.expires_at,
        });
    }
    // Upstream names the `mapped` target whatever the method is called.
    let field = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::expecting(k, "mapped"))
    };
    let (idp_id, protocol_id) = (field("identity_provider")?, field("protocol")?);
    let (idp, protocol) = app.store.read(|r| -> Result<_> {
        let idp = federated_login::enabled_idp(r, &idp_id)?;
        let protocol = federation::get_protocol(r, &idp_id, &protocol_id)?.ok_or_else(|| {
            Error::NotFound(format!(
                "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
            ))
        })?;
        Ok((idp, protocol))
    })?;
    let env = assertion_from_request(app, req, &idp, &protocol)?;
    let login = federated_login::login(app, &idp_id, &protocol_id, method, &env, now)?;
    Ok(MappedAuth {
        user_id: login.token.user_id,
        federated: login.token.federated,
        expires_at: login.token.expires_at,
    })
}

/// Where the assertion comes from: the environment Apache's modules would have set for
/// upstream. keystone-lite has no Apache: the OpenID Connect bearer token (`Authorization:
/// Bearer`) is verified natively against the IdP's remote ids (its issuers) and its claims
/// presented as mod_auth_openidc would. No bearer, or one that does not verify: 401.
pub fn assertion_from_request(
    app: &App,
    req: &Request,
    idp: &IdentityProvider,
    _protocol: &FederationProtocol,
) -> Result<Vec<(String, String)>> {
    let authorization = req.header("authorization").map(str::trim);
    let bearer = authorization.and_then(|h| {
        let (scheme, value) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(value)
    });
    // A provider with Huawei IAM's OpenID Connect configuration verifies with the keys it
    // was given; Huawei's SDK sends the ID token as the whole header value.
    if let Some(id_token) = bearer.or(authorization).filter(|t| !t.is_empty()) {
        let huawei = crate::service::iam::federation::id_token_assertion;
        if let Some(env) = huawei(app, &idp.id, id_token, req.now)? {
            return Ok(env);
        }
    }
    let bearer = bearer.ok_or_else(Error::unauthenticated)?;
    let claims = app
        .oidc
        .verify_bearer(bearer, &idp.remote_ids, req.now as i64)
        .map_err(|e| {
            log::info!("federated login to {} refused: {e}", idp.id);
            Error::unauthenticated()
        })?;
    Ok(crate::federation::oidc::assertion_from_claims(&claims))
}

/// The federation parts of a token body (upstream's render_token_response_from_model):
/// `service_providers` when enabled ones exist, and on a federated token's user
/// `OS-FEDERATION` in place of `password_expires_at`.
pub fn insert_federation(
    app: &App,
    token: &mut Map<String, Value>,
    context: &AuthContext,
) -> Result<()> {
    let sps: Vec<Value> = app
        .store
        .read(federation::list_service_providers)?
        .into_iter()
        .filter(|sp| sp.enabled)
        .map(|sp| json!({"auth_url": sp.auth_url, "id": sp.id, "sp_url": sp.sp_url}))
        .collect();
    if !sps.is_empty() {
        token.insert("service_providers".into(), Value::Array(sps));
    }
    if let Some(fed) = &context.token.federated {
        // Upstream's renderer looks the IdP up: a token of a deleted IdP answers its 404.
        app.store
            .read(|r| federation::require_idp(r, &fed.idp_id))?;
        let groups: Vec<Value> = fed.group_ids.iter().map(|g| json!({"id": g})).collect();
        if let Some(Value::Object(user)) = token.get_mut("user") {
            user.remove("password_expires_at");
            user.insert(
                "OS-FEDERATION".into(),
                json!({
                    "groups": groups,
                    "identity_provider": {"id": fed.idp_id},
                    "protocol": {"id": fed.protocol_id},
                }),
            );
        }
    }
    Ok(())
}
