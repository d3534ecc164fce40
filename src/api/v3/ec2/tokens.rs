//! POST /v3/ec2tokens and /v3/s3tokens (keystone/api/ec2tokens.py, s3tokens.py and
//! _shared/EC2_S3_Resource.py): find the credential by access key, check its signature, the
//! user, project and timestamp, then answer a project-scoped `ec2credential` token.

use serde_json::{Map, Value};

use crate::app::App;
use crate::auth as core;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{Project, Target, User};
use crate::store::credentials::{self as store, hash_access_key, Credential};
use crate::store::{assignment, identity, resource};
use crate::token::{self, Scope, TokenData};

use super::signature::{check_ec2_signature, check_s3_signature};
use super::unauthorized;

/// Upstream's `[credential] auth_ttl` default: minutes a signed request stays valid.
const AUTH_TTL_MINUTES: f64 = 15.0;

/// POST /v3/ec2tokens (identity:ec2tokens_validate: a service or admin turns a signature into
/// a token).
pub fn ec2tokens(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let (token_id, body) = handle_authenticate(app, req, check_ec2_signature)?;
    Ok(Response::ok(&body).with_header("X-Subject-Token", token_id))
}

/// POST /v3/s3tokens: the same token, without the X-Subject-Token header (as upstream).
pub fn s3tokens(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let (_, body) = handle_authenticate(app, req, check_s3_signature)?;
    Ok(Response::ok(&body))
}

/// The secret and the request's credentials object, for a signature check.
type SignatureCheck = fn(secret: &str, credentials: &mut Map<String, Value>) -> Result<()>;

/// `ResourceBase.handle_authenticate`: find the credential by access key, check the
/// signature, the user, project and timestamp, then issue a project-scoped token.
fn handle_authenticate(app: &App, req: &Request, check: SignatureCheck) -> Result<(String, Value)> {
    let mut credentials = request_credentials(req)?;
    let access = match credentials.get("access") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => return Err(unauthorized("EC2 Signature not supplied")),
    };
    let (cred, blob) = ec2_credential(app, &access)?;
    let secret = match blob.get("secret") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(unauthorized("Invalid EC2 signature.")),
    };
    check(&secret, &mut credentials)?;
    let (user, project) = enabled_user_and_project(app, &cred)?;
    check_timestamp(&credentials, req.now)?;
    // Blobs scoped by a trust, application credential or OAuth1 access token are never made
    // here (delegated tokens cannot create credentials); refuse them rather than widen them.
    for key in ["trust_id", "app_cred_id", "access_token_id"] {
        if blob.get(key).is_some_and(|v| !v.is_null()) {
            return Err(unauthorized("User not valid for project."));
        }
    }
    let roles = app.store.read(|r| {
        let at = app.config.federation.as_of(req.now);
        assignment::token_roles(r, &user.id, &Target::Project(project.id.clone()), at)
    })?;
    if roles.is_empty() {
        return Err(unauthorized("User not valid for project."));
    }
    issue_token(app, &user.id, &project.id, req.now)
}

/// The request body's credentials object (`credentials`, `credential` or `ec2Credentials`,
/// the first truthy one); an empty body is a validation error, as upstream.
fn request_credentials(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json().unwrap_or(Value::Null);
    let empty = match &body {
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    };
    if empty {
        return Err(Error::validation("request must include a request body"));
    }
    let truthy = |v: &&Value| {
        !matches!(v, Value::Null | Value::Bool(false)) && !v.as_object().is_some_and(Map::is_empty)
    };
    Ok(["credentials", "credential", "ec2Credentials"]
        .iter()
        .find_map(|k| body.get(*k).filter(truthy))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

/// The ec2 credential with this access key and its decoded blob (404 for any other type).
fn ec2_credential(app: &App, access: &str) -> Result<(Credential, Map<String, Value>)> {
    let not_found = || Error::NotFound("EC2 access key not found.".to_string());
    let cred = app
        .store
        .read(|r| store::get(r, &app.credential_keys, &hash_access_key(access)))?
        .ok_or_else(not_found)?;
    if cred.cred_type != "ec2" {
        return Err(not_found());
    }
    let blob: Map<String, Value> = serde_json::from_str(&cred.blob).unwrap_or_default();
    Ok((cred, blob))
}

/// The credential's user and project, both enabled and in enabled domains (401 otherwise;
/// 404 when the project is gone).
fn enabled_user_and_project(app: &App, cred: &Credential) -> Result<(User, Project)> {
    let project_id = cred.project_id.clone().unwrap_or_default();
    app.store.read(|r| {
        let project = resource::get_project(r, &project_id)?
            .ok_or_else(|| Error::not_found("project", &project_id))?;
        let user = identity::require_user(r, &cred.user_id)?;
        let user_domain = resource::get_domain(r, &user.domain_id)?;
        let project_domain = resource::get_domain(r, &project.domain_id)?;
        if !user.enabled
            || !user_domain.is_some_and(|d| d.enabled)
            || !project.enabled
            || !project_domain.is_some_and(|d| d.enabled)
        {
            return Err(Error::unauthenticated());
        }
        Ok((user, project))
    })
}

/// A project-scoped token for the `ec2credential` method, and its rendered body.
fn issue_token(app: &App, user_id: &str, project_id: &str, now: f64) -> Result<(String, Value)> {
    let mut data = TokenData {
        user_id: user_id.to_string(),
        methods: vec!["ec2credential".to_string()],
        scope: Scope::Project(project_id.to_string()),
        audit_ids: vec![token::new_audit_id()],
        expires_at: (now + app.config.token.expiration as f64).floor(),
        issued_at: now as i64,
        app_cred_id: None,
        federated: None,
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    data.issued_at = token::fernet::creation_time(&token_id)?;
    let context = app
        .store
        .read(|r| core::resolve(r, data.clone(), app.config.federation.as_of(now)))
        .map_err(|_| Error::unauthenticated())?;
    let body = crate::api::v3::auth::render_token(app, &context, true)?;
    Ok((token_id, body))
}

/// `_check_timestamp`: a Timestamp or X-Amz-Date older than auth_ttl is refused.
fn check_timestamp(credentials: &Map<String, Value>, now: f64) -> Result<()> {
    let pick = |obj: &str, key: &str| {
        credentials
            .get(obj)
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(ts) = pick("params", "Timestamp")
        .or_else(|| pick("headers", "X-Amz-Date"))
        .or_else(|| pick("params", "X-Amz-Date"))
    else {
        return Ok(());
    };
    let when = parse_timestamp(ts).ok_or_else(|| {
        unauthorized(&format!(
            "Credential timestamp is invalid: Unable to parse date string '{ts}'"
        ))
    })?;
    if now > when + AUTH_TTL_MINUTES * 60.0 {
        return Err(unauthorized("Credential is expired"));
    }
    Ok(())
}

/// ISO 8601 as oslo's parse_isotime reads it, including the basic form of X-Amz-Date
/// (YYYYMMDDTHHMMSSZ).
pub(super) fn parse_timestamp(ts: &str) -> Option<f64> {
    if let Some(t) = token::parse_time(ts) {
        return Some(t);
    }
    let b = ts.as_bytes();
    if b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && ts.is_char_boundary(8) {
        let extended = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &ts[0..4],
            &ts[4..6],
            &ts[6..8],
            &ts[9..11],
            &ts[11..13],
            &ts[13..15]
        );
        return token::parse_time(&extended);
    }
    None
}
