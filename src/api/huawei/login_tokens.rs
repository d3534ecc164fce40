//! The custom identity broker's login tokens (huawei-iam-api.md §1.13): POST
//! /v3.0/OS-AUTH/securitytoken/logintokens trades a temporary access key (access, secret and
//! security token, all three the proof: the route is public) for a login token, a Fernet
//! token of the key's identity (its user, or the agency a key by agency acts as) in
//! `X-Subject-LoginToken`, lasting `duration_seconds` (600..=43200, default 600) and never
//! past the key.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth;
use crate::error::{Error, Result};
use crate::http::request::Method::Post;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{public, Params, Route};
use crate::service::iam::access_keys::{self, Signer};
use crate::store::iam::access_keys::TempAccessKey;
use crate::token::{new_audit_id, Scope, TokenData};

const PATH: &str = "/v3.0/OS-AUTH/securitytoken/logintokens";
const MIN_DURATION: i64 = 600;
const MAX_DURATION: i64 = 43_200;

pub fn routes() -> Vec<Route> {
    vec![public(Post, PATH, create)]
}

fn refused() -> Error {
    Error::unauthenticated()
}

fn required(key: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0072",
        message: format!("'{key}' is a required property"),
    }
}

/// `auth.securitytoken` of the body.
fn security_token_input(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    body.get("auth")
        .and_then(|a| a.get("securitytoken"))
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| required("securitytoken"))
}

fn duration(input: &Map<String, Value>) -> Result<i64> {
    match input.get("duration_seconds") {
        None | Some(Value::Null) => Ok(MIN_DURATION),
        Some(v) => v
            .as_i64()
            .filter(|d| (MIN_DURATION..=MAX_DURATION).contains(d))
            .ok_or_else(|| Error::Iam {
                status: 400,
                code: "IAM.0007",
                message: format!(
                    "Invalid duration_seconds: an integer from {MIN_DURATION} to {MAX_DURATION}"
                ),
            }),
    }
}

/// The temporary key the three values prove; 401 for anything else (a permanent key
/// included: a login token is only ever made from a temporary one).
fn proven_key(app: &App, input: &Map<String, Value>, now: f64) -> Result<TempAccessKey> {
    let text = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| required(k))
    };
    let (access, secret, token) = (text("access")?, text("secret")?, text("id")?);
    let Some((Signer::Temporary(key), real_secret)) = access_keys::signer(app, access)? else {
        return Err(refused());
    };
    let secret_ok = crate::password::constant_time_eq(secret.as_bytes(), real_secret.as_bytes());
    if !secret_ok || !access_keys::security_token_matches(&key, token) || now >= key.expires_at {
        log::info!("login token refused for temporary key {access}");
        return Err(refused());
    }
    Ok(key)
}

fn create(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let input = security_token_input(req)?;
    let duration = duration(&input)?;
    let now = req.now;
    let key = proven_key(app, &input, now)?;
    let scope = match (&key.scope.agency_id, &key.scope.domain_id) {
        (Some(agency_id), Some(domain_id)) => Scope::Agency {
            agency_id: agency_id.clone(),
            scope: Box::new(Scope::Domain(domain_id.clone())),
        },
        _ => Scope::Unscoped,
    };
    let data = TokenData {
        user_id: key.user_id.clone(),
        methods: vec!["token".to_string()],
        scope,
        audit_ids: vec![new_audit_id()],
        expires_at: (now + duration as f64).min(key.expires_at).floor(),
        issued_at: now as i64,
        app_cred_id: None,
        federated: None,
    };
    // The identity must still be usable (user enabled, agency and grant alive).
    let at = app.config.federation.as_of(now);
    let context = app
        .store
        .read(|r| auth::resolve(r, data.clone(), at))
        .map_err(|_| refused())?;
    let login_token = app.tokens.encode(&data, now as i64)?;
    let mut body = json!({
        "domain_id": context.user.domain_id,
        "expires_at": crate::clock::format_utc_micros(data.expires_at, "T", "Z"),
        "method": "token",
        "user_id": context.user.id,
        "user_name": context.user.name,
        "session_id": data.audit_ids[0],
    });
    if let Some(by) = &context.assumed_by {
        body["assumed_by"] = json!({"user": {
            "id": by.user.id, "name": by.user.name,
            "domain": {"id": by.domain.id, "name": by.domain.name},
        }});
    }
    Ok(Response::created(&json!({"logintoken": body}))
        .with_header("X-Subject-LoginToken", login_token))
}
