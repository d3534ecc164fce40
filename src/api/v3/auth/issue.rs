//! POST /v3/auth/tokens: the authentication methods, the requested scope, multi-factor
//! receipts. Public: the request carries its own credentials.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth as core;
use crate::compliance;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::{to_python_json, Response};
use crate::http::routes::Params;
use crate::store::{identity, resource};
use crate::token::{self, Scope, TokenData};

use super::credentials;
use super::{federated, render_token, scope};

/// POST /v3/auth/tokens, as the route table calls it.
pub fn issue(app: &App, req: &Request, _: &Params) -> Result<Response> {
    issue_token(app, req)
}

/// POST /v3/auth/tokens: who (every method), what (the scope), multi-factor, then the token.
/// The request's time (`req.now`) is the `now` of every step.
pub fn issue_token(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    issue_token_with(app, req, &body)
}

/// [`issue_token`] for an auth body built by the server (upstream's OS-FEDERATION auth
/// resource builds one from its path).
pub fn issue_token_with(app: &App, req: &Request, body: &Value) -> Result<Response> {
    match issue_checked(app, req, body) {
        // Said in Keystone's error body, with when to come back.
        Err(e @ Error::TooManyRequests { retry_after }) => {
            Ok(Response::error(&e, &app.identity_url())
                .with_header("Retry-After", retry_after.to_string()))
        }
        other => other,
    }
}

fn issue_checked(app: &App, req: &Request, body: &Value) -> Result<Response> {
    let (auth, identity_obj, methods) = requested_methods(body)?;
    // Huawei IAM's agency token: the caller's own token assumes an agency (its own flow).
    if methods
        .iter()
        .any(|m| m == crate::token::payload::AGENCY_METHOD)
    {
        return crate::api::huawei::agency_token::issue(app, req, auth, identity_obj);
    }
    let now = req.now;
    let mut proof = authenticate_methods(app, req, auth, identity_obj, &methods, now)?;
    let (scope, trust) = scope::token_scope(app, auth, &mut proof, now)?;
    // Neither outlives the credential or trust it came from.
    for limit in [
        proof.app_cred.as_ref().and_then(|c| c.expires_at),
        trust.as_ref().and_then(|t| t.expires_at),
    ]
    .into_iter()
    .flatten()
    {
        proof.expires_at = proof.expires_at.min(limit as f64 / 1e6);
    }
    // Multi-factor: methods of a presented receipt count; unmet rules answer a receipt.
    if let Some(receipt_id) = req.header("openstack-auth-receipt") {
        add_receipt_methods(app, receipt_id, &mut proof, now)?;
    }
    let user = app
        .store
        .read(|r| identity::require_user(r, &proof.user_id))?;
    if !compliance::mfa_satisfied(&user, &proof.methods) {
        return receipt_response(app, &proof.user_id, &proof.methods, now);
    }
    // Huawei login protection (`vmfa`): a password alone is refused, after Keystone's own MFA
    // rules have had their say (their receipts keep working).
    crate::service::iam::mfa::check_login_protection(app, &proof.user_id, &proof.methods)?;
    let (token_id, context) = mint(app, proof, scope, now)?;
    if let Some(t) = &trust {
        crate::api::v3::trusts::consume_use(app, &t.id, now)?;
    }
    // Upstream: `'nocatalog' not in flask.request.args` (any value, even "false").
    let body = render_token(app, &context, req.query("nocatalog").is_none())?;
    Ok(Response::json_unterminated(201, &body).with_header("X-Subject-Token", token_id))
}

/// The body's `auth` and `identity` objects and the requested method names.
type Requested<'b> = (&'b Map<String, Value>, &'b Map<String, Value>, Vec<String>);

/// The body's `auth`, its `identity` and the method names, checked in upstream's order.
fn requested_methods(body: &Value) -> Result<Requested<'_>> {
    let auth = body
        .get("auth")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("auth", "request body"))?;
    let identity_obj = auth
        .get("identity")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("identity", "auth"))?;
    let methods: Vec<String> = match identity_obj.get("methods") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect(),
        Some(other) => {
            return Err(Error::schema(
                "methods",
                &other.to_string(),
                &format!("{other} is not of type 'array'"),
            ))
        }
        None => return Err(Error::expecting("methods", "identity")),
    };
    if methods.is_empty() {
        return Err(Error::expecting("methods", "identity"));
    }
    Ok((auth, identity_obj, methods))
}

/// What the auth methods proved: one user, the methods done, and what bounds the token.
pub(super) struct Proof {
    pub(super) user_id: String,
    /// Each method once, in request order, a parent token's methods after its `token`.
    pub(super) methods: Vec<String>,
    /// `now + [token] expiration`, or earlier when a parent token expires first.
    pub(super) expires_at: f64,
    pub(super) parent_audit_id: Option<String>,
    pub(super) app_cred: Option<crate::model::ApplicationCredential>,
    pub(super) oauth: Option<crate::api::v3::oauth1::OAuthAuth>,
    /// A federated login's or a rescoped federated token's IdP, protocol and groups.
    pub(super) federated: Option<token::FederatedToken>,
}

/// Runs every requested method; all must succeed and name the same user.
fn authenticate_methods(
    app: &App,
    req: &Request,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    methods: &[String],
    now: f64,
) -> Result<Proof> {
    let mut user_id: Option<String> = None;
    let mut proof = Proof {
        user_id: String::new(),
        methods: Vec::new(),
        expires_at: now + app.config.token.expiration as f64,
        parent_audit_id: None,
        app_cred: None,
        oauth: None,
        federated: None,
    };
    for method in methods {
        let (id, extra_methods) = match method.as_str() {
            "password" | "totp" => (
                credentials::guessable(app, req, identity_obj, method, now)?,
                vec![],
            ),
            "token" => authenticate_token(app, auth, identity_obj, &mut proof, now)?,
            "application_credential" => {
                let (id, cred) = crate::api::v3::application_credentials::authenticate(
                    app,
                    auth,
                    identity_obj,
                    now,
                )?;
                proof.app_cred = Some(cred);
                (id, vec![])
            }
            "oauth1" => {
                let oauth = crate::api::v3::oauth1::authenticate(app, req, now)?;
                let id = oauth.user_id.clone();
                proof.oauth = Some(oauth);
                (id, vec![])
            }
            "mapped" | "openid" | "saml2" => (
                federated::authenticate(app, req, identity_obj, method, &mut proof, now)?,
                vec![],
            ),
            _ => {
                return Err(Error::Unauthorized(
                    "Attempted to authenticate with an unsupported method.".to_string(),
                ))
            }
        };
        if user_id.as_ref().is_some_and(|u| *u != id) {
            return Err(Error::unauthenticated());
        }
        user_id = Some(id);
        for m in std::iter::once(method.clone()).chain(extra_methods) {
            if !proof.methods.contains(&m) {
                proof.methods.push(m);
            }
        }
    }
    proof.user_id = user_id.ok_or_else(Error::unauthenticated)?;
    Ok(proof)
}

/// The `token` method: the parent token's user and methods; the new token expires no later
/// than the parent and carries its audit chain.
fn authenticate_token(
    app: &App,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    proof: &mut Proof,
    now: f64,
) -> Result<(String, Vec<String>)> {
    let token_obj = identity_obj
        .get("token")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("token", "identity"))?;
    let id = token_obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting("id", "token"))?;
    // A revoked, expired or unreadable token is upstream's 404 (TokenNotFound
    // from validate_token is not turned into a 401 by the token method).
    let parent = core::validate(app, id, false, now)?;
    crate::api::v3::application_credentials::check_rescope(&parent)?;
    if matches!(parent.token.scope, Scope::OAuth1 { .. }) {
        return Err(Error::forbidden_action(
            "Using OAuth-scoped token to create another token. Create a new OAuth-scoped token instead",
        ));
    }
    if parent.is_system()
        && auth
            .get("scope")
            .is_some_and(|s| s.get("project").is_some() || s.get("domain").is_some())
    {
        return Err(Error::forbidden_action(
            "Using a system-scoped token to create a project-scoped or domain-scoped token is not allowed.",
        ));
    }
    proof.expires_at = proof.expires_at.min(parent.token.expires_at);
    if parent.token.federated.is_some() {
        return federated::rescope(app, &parent, proof);
    }
    proof.parent_audit_id = parent
        .token
        .audit_ids
        .get(1)
        .or(parent.token.audit_ids.first())
        .cloned();
    Ok((parent.user.id.clone(), parent.token.methods.clone()))
}

/// Adds the methods of a presented receipt, which must be valid at `now` and the same user's.
fn add_receipt_methods(app: &App, receipt_id: &str, proof: &mut Proof, now: f64) -> Result<()> {
    let receipt = crate::receipt::validate(&app.receipt_keys, receipt_id, now)?;
    if receipt.user_id != proof.user_id {
        return Err(crate::receipt::not_found(receipt_id));
    }
    for m in receipt.methods {
        if !proof.methods.contains(&m) {
            proof.methods.push(m);
        }
    }
    Ok(())
}

/// Encrypts the token and resolves it exactly as validation will, so what we hand out
/// validates; the token id and its context.
fn mint(app: &App, proof: Proof, scope: Scope, now: f64) -> Result<(String, core::AuthContext)> {
    let mut audit_ids = vec![token::new_audit_id()];
    audit_ids.extend(proof.parent_audit_id);
    let mut data = TokenData {
        user_id: proof.user_id,
        methods: proof.methods,
        scope,
        audit_ids,
        expires_at: proof.expires_at.floor(),
        issued_at: now as i64,
        app_cred_id: proof.app_cred.as_ref().map(|c| c.id.clone()),
        federated: proof.federated,
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    // issued_at is the Fernet timestamp, as upstream reads it back on validation.
    data.issued_at = token::fernet::creation_time(&token_id)?;
    let context = app
        .store
        .read(|r| core::resolve(r, data.clone(), app.config.federation.as_of(now)))
        .map_err(|_| Error::unauthenticated())?;
    Ok((token_id, context))
}

/// Upstream's auth-receipt answer: 401 with the receipt in `Openstack-Auth-Receipt` and
/// what is still required (keystone/receipt/handlers.py `build_receipt`).
fn receipt_response(app: &App, user_id: &str, methods: &[String], now: f64) -> Result<Response> {
    let (receipt_id, receipt) = crate::receipt::issue(&app.receipt_keys, user_id, methods, now)?;
    let (user, domain) = app.store.read(|r| -> Result<_> {
        let user = identity::require_user(r, user_id)?;
        let domain = resource::require_domain(r, &user.domain_id)?;
        Ok((user, domain))
    })?;
    let body = json!({
        "receipt": {
            "methods": methods,
            "user": {
                "id": user.id,
                "name": user.name,
                "domain": {"id": domain.id, "name": domain.name},
            },
            "expires_at": token::format_time(receipt.expires_at),
            "issued_at": token::format_time(receipt.issued_at as f64),
        },
        "required_auth_methods": compliance::required_methods(&user, methods),
    });
    Ok(Response::raw_json(401, to_python_json(&body))
        .with_header(crate::receipt::HEADER, receipt_id))
}
