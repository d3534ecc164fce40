//! AK/SK-signed requests (SDK-HMAC-SHA256, huawei-iam-api.md §2) as a way to authenticate on
//! every route, Keystone's included: a valid signature acts as the access key's user, scoped
//! by `X-Project-Id` (project) or `X-Domain-Id` (domain), through the same policy engine as a
//! token. A temporary key (issued with a security token) acts in the scope of the token it
//! was issued for, and only with its `X-Security-Token`.
//!
//! Every refusal is the same 401 (APIGW.0301): which part failed (unknown key, inactive key,
//! stale date, wrong signature...) is only logged, never told.

use std::sync::Arc;

use crate::app::App;
use crate::auth::{self, AuthContext, AuthError};
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::service::iam::access_keys::{self, Signer};
use crate::service::iam::signing::{self, Signed};
use crate::token::{new_audit_id, Scope, TokenData};

/// The method a signed request's context carries (as a token's `methods`).
pub const METHOD: &str = "hw_ak_sk";
/// How long the context of one signed request claims to be valid (it lives one request).
const CONTEXT_LIFETIME: f64 = 900.0;

/// Huawei's answer to any signature that does not verify.
pub fn refused() -> Error {
    Error::Iam {
        status: 401,
        code: "APIGW.0301",
        message: "Incorrect IAM authentication information: verify aksk signature fail".into(),
    }
}

/// The caller of a signed request; None when the request carries no Huawei signature (then
/// the token in `X-Auth-Token` decides).
pub fn authenticate(app: &App, req: &Request) -> Option<Result<Arc<AuthContext>>> {
    let header = req.header("authorization")?;
    if !signing::is_huawei(header) {
        return None;
    }
    Some(verified_caller(app, req, header).map(Arc::new))
}

/// Why a signed request was refused, for the log (never a secret, never the signature).
fn refuse(req: &Request, access: &str, why: &str) -> Error {
    log::info!(
        "AK/SK request refused ({why}) for access key {access} on {}",
        crate::http::loggable_path(&req.path)
    );
    refused()
}

fn verified_caller(app: &App, req: &Request, header: &str) -> Result<AuthContext> {
    let auth = signing::parse_authorization(header)
        .map_err(|e| refuse(req, "-", &format!("{e:?}").to_lowercase()))?;
    let Some((signer, secret)) = access_keys::signer(app, &auth.access)? else {
        return Err(refuse(req, &auth.access, "unknown access key"));
    };
    let signed = Signed {
        method: req.method.as_str(),
        path: &req.path,
        query: &req.query,
        headers: req.headers(),
        body: &req.body,
    };
    if let Err(e) = signing::verify(&auth, &signed, &secret, req.now) {
        return Err(refuse(req, &auth.access, &format!("{e:?}").to_lowercase()));
    }
    let (user_id, scope) = match &signer {
        Signer::Permanent(key) => {
            if key.status != "active" {
                return Err(refuse(req, &auth.access, "inactive key"));
            }
            let scope = requested_scope(req).or_else(|| account_scope(app, &key.user_id));
            (key.user_id.clone(), scope.unwrap_or(Scope::Unscoped))
        }
        Signer::Temporary(key) => {
            let presented = req.header("x-security-token").unwrap_or("");
            if !access_keys::security_token_matches(key, presented) {
                return Err(refuse(req, &auth.access, "security token mismatch"));
            }
            if req.now >= key.expires_at {
                return Err(refuse(req, &auth.access, "expired temporary key"));
            }
            let mut scope = match (&key.scope.project_id, &key.scope.domain_id) {
                (Some(p), _) => Scope::Project(p.clone()),
                (None, Some(d)) => Scope::Domain(d.clone()),
                _ => Scope::Unscoped,
            };
            // A key by agency acts as the agency, as its agency token would.
            if let Some(agency_id) = &key.scope.agency_id {
                scope = Scope::Agency {
                    agency_id: agency_id.clone(),
                    scope: Box::new(scope),
                };
            }
            (key.user_id.clone(), scope)
        }
    };
    let context = context_for(app, &user_id, scope, req.now)
        .map_err(|_| refuse(req, &auth.access, "user or scope not usable"))?;
    if let Signer::Permanent(key) = &signer {
        // Bookkeeping only: a store that cannot write now does not refuse the caller.
        if let Err(e) = access_keys::record_use(app, key, req.now) {
            log::warn!(
                "last_use_time of access key {} not recorded: {e}",
                key.access
            );
        }
    }
    Ok(context)
}

/// The scope the client asks for: `X-Project-Id` (BasicCredentials), else `X-Domain-Id`
/// (GlobalCredentials), else none.
fn requested_scope(req: &Request) -> Option<Scope> {
    let hint = |name| req.header(name).map(str::trim).filter(|v| !v.is_empty());
    match (hint("x-project-id"), hint("x-domain-id")) {
        (Some(p), _) => Some(Scope::Project(p.to_string())),
        (None, Some(d)) => Some(Scope::Domain(d.to_string())),
        _ => None,
    }
}

/// Without a hint a permanent key acts at its account's level (its user's domain), as the
/// SDK's bootstrap look-ups (`GET /v3/projects?name=`, sent before any project id is known)
/// need; `context_for` falls back to unscoped when the user holds no role there.
fn account_scope(app: &App, user_id: &str) -> Option<Scope> {
    let user = app
        .store
        .read(|r| crate::store::identity::get_user(r, user_id));
    user.ok().flatten().map(|u| Scope::Domain(u.domain_id))
}

/// The caller as a token of `user_id` scoped to `scope` would be, built without a token. A
/// scope hint the user holds no role on (or that does not exist) leaves the caller unscoped,
/// as a key acts for its user whatever the hint: policy then decides with no roles.
fn context_for(
    app: &App,
    user_id: &str,
    scope: Scope,
    now: f64,
) -> std::result::Result<AuthContext, AuthError> {
    let token = |scope| TokenData {
        user_id: user_id.to_string(),
        methods: vec![METHOD.to_string()],
        scope,
        audit_ids: vec![new_audit_id()],
        expires_at: now + CONTEXT_LIFETIME,
        issued_at: now as i64,
        app_cred_id: None,
        federated: None,
    };
    let at = app.config.federation.as_of(now);
    let scoped = matches!(scope, Scope::Project(_) | Scope::Domain(_));
    let mut context = match app.store.read(|r| auth::resolve(r, token(scope), at)) {
        Err(AuthError::InvalidToken { .. }) if scoped => app
            .store
            .read(|r| auth::resolve(r, token(Scope::Unscoped), at))?,
        other => other?,
    };
    // Nothing secret is kept past the request (as token validation does).
    context.user.password_hash = None;
    context.user.password_history = Vec::new();
    Ok(context)
}

#[cfg(test)]
#[path = "signed_tests.rs"]
mod tests;
