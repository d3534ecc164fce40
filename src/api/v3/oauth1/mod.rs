//! OS-OAUTH1 consumers (upstream's keystone/api/os_oauth1.py `ConsumerResource`): policy
//! first, then the body (jsonschema's full messages, `lazy_validate`), then the store. A
//! consumer's secret is made by the server and shown only in the create response.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::new_id;
use crate::pyrepr::py_repr;
use crate::store::oauth1::{self as store, Consumer};
use crate::store::StoreError;

use super::list_response;
use crate::validate::normalize_keys;

pub mod access_tokens;
pub mod sig;

use crate::auth::AuthContext;
use crate::http::response::Response as Resp;
use crate::model::Target;
use crate::store::oauth1::{AccessToken, RequestToken};
use crate::store::{assignment, resource};

/// Upstream's `[oauth1] request_token_duration` and `access_token_duration` defaults.
const REQUEST_TOKEN_DURATION: i64 = 28800;
const ACCESS_TOKEN_DURATION: i64 = 86400;
/// `base.VERIFIER_CHARS`: letters and digits without the confusable "jiIl1oO0".
const VERIFIER_CHARS: &str = "abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Target of get/update/delete_consumer: upstream's flat `consumer_id`.
pub fn consumer_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"consumer_id": p.get("consumer_id")}))
}

/// Target of authorize_request_token: upstream's flat `request_token_id`.
pub fn request_token_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"request_token_id": p.get("request_token_id")}))
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

/// `.get('consumer', {})` of a body parsed with force=True, silent=True.
fn consumer_input(req: &Request) -> Value {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    body.get("consumer").cloned().unwrap_or_else(|| json!({}))
}

/// GET /v3/OS-OAUTH1/consumers
pub fn list_consumers(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(store::list_consumers)?
        .iter()
        .map(|c| render(app, c, false))
        .collect();
    Ok(Response::ok(&list_response(app, req, "consumers", items)))
}

/// GET /v3/OS-OAUTH1/consumers/{id}
pub fn get_consumer(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("consumer_id");
    let c = app.store.read(|r| store::get_consumer(r, id))?;
    Ok(Response::ok(&json!({"consumer": render(app, &c, false)})))
}

/// POST /v3/OS-OAUTH1/consumers: any id or secret in the body is replaced.
pub fn create_consumer(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = consumer_input(req);
    let input = match input.as_object() {
        Some(map) => Value::Object(normalize_keys(map)),
        None => input,
    };
    app.schemas.consumer_create.lazy_validate(&input)?;
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
pub fn update_consumer(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("consumer_id");
    let input = consumer_input(req);
    app.schemas.consumer_update.lazy_validate(&input)?;
    let map: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    let map = normalize_keys(&map);
    if map.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(Error::validation("Cannot change ID"));
    }
    let c = app.store.write(|w| store::update_consumer(w, id, &map))?;
    Ok(Response::ok(&json!({"consumer": render(app, &c, false)})))
}

/// DELETE /v3/OS-OAUTH1/consumers/{id}
pub fn delete_consumer(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("consumer_id");
    app.store.write(|w| store::delete_consumer(w, id))?;
    Ok(Response::no_content())
}

/// `utils.isotime(t, subsecond=True)`: microseconds and a "Z".
fn isotime_subsecond(unix: f64) -> String {
    crate::clock::format_utc_micros(unix, "T", "Z")
}

fn is_expired(expires_at: &Option<String>, now: f64) -> bool {
    expires_at
        .as_deref()
        .and_then(crate::token::parse_time)
        .is_some_and(|e| now > e)
}

/// The form-encoded 201 upstream's token endpoints answer.
fn form_response(body: String) -> Response {
    let mut resp = Resp::raw_json(201, body.into_bytes());
    resp.headers = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_string(),
    )];
    resp
}

/// `oauth1.get_oauth_headers`: the Authorization header's parameters, or upstream's 500-less
/// `OAuthHeadersMissingError` (400).
fn oauth_headers(req: &Request) -> Result<Vec<(String, String)>> {
    match req.header("authorization") {
        Some(h) => Ok(sig::parse_authorization_header(h).unwrap_or_default()),
        None => Err(Error::Validation(
            "No Authorization headers found, cannot proceed with OAuth related calls. If you are running under HTTPd or Apache, ensure WSGIPassAuthorization is set to On.".to_string(),
        )),
    }
}

fn header_param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `validate_oauth_params` on an oauthlib error body: upstream's 400.
fn oauth_error(e: sig::OAuthError) -> Error {
    Error::Validation(format!(
        "Validation failed with errors: {}, detail message is: {}.",
        e.error, e.description
    ))
}

/// The URL upstream signs against: the request's host and path under the public scheme.
fn request_uri(app: &App, req: &Request) -> String {
    let (scheme, public_host) = app
        .public_url
        .split_once("://")
        .map(|(s, rest)| (s, rest.split('/').next().unwrap_or(rest)))
        .unwrap_or(("http", ""));
    let host = req.header("host").unwrap_or(public_host);
    sig::base_string_uri(scheme, host, &req.path)
}

/// The public URL's own host and path (`ks_flask.base_url(path=...)`), for the auth plugin.
fn base_uri(app: &App, req: &Request) -> String {
    let (scheme, rest) = app.public_url.split_once("://").unwrap_or(("http", ""));
    let host = rest.split('/').next().unwrap_or(rest);
    sig::base_string_uri(scheme, host, &req.path)
}

/// POST /v3/OS-OAUTH1/request_token (unenforced; signed with the consumer's secret).
pub fn request_token(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let headers = oauth_headers(req)?;
    let consumer_id = header_param(&headers, "oauth_consumer_key")
        .ok_or_else(|| Error::expecting("oauth_consumer_key", "request"))?
        .to_string();
    let project_id = req
        .header("requested-project-id")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::expecting("Requested-Project-Id", "request"))?
        .to_string();
    let consumer = app.store.read(|r| -> Result<_> {
        resource::get_project(r, &project_id)?
            .ok_or_else(|| Error::not_found("project", &project_id))?;
        Ok(store::get_consumer(r, &consumer_id)?)
    })?;
    let now = req.now;
    let signed =
        sig::create_request(req.header("authorization"), &req.query).map_err(oauth_error)?;
    sig::check_mandatory(&signed, now).map_err(oauth_error)?;
    if signed.get("oauth_callback").is_none_or(str::is_empty) {
        return Err(oauth_error(sig::OAuthError {
            error: "invalid_request",
            description: "Missing callback URI.".to_string(),
        }));
    }
    // A request token in the header is looked up by oauthlib only for access tokens; here the
    // consumer secret alone signs.
    let uri = request_uri(app, req);
    if signed.get("oauth_consumer_key") != Some(consumer.id.as_str())
        || !sig::verify(&signed, "POST", &uri, &consumer.secret, None)
    {
        return Err(unauthorized("Invalid signature"));
    }
    let expires_at = (REQUEST_TOKEN_DURATION > 0)
        .then(|| isotime_subsecond(now + REQUEST_TOKEN_DURATION as f64));
    let token = RequestToken {
        id: new_id(),
        request_secret: new_id(),
        verifier: None,
        authorizing_user_id: None,
        requested_project_id: project_id,
        role_ids: None,
        consumer_id,
        expires_at,
    };
    app.store.write(|w| store::put_request_token(w, &token))?;
    log::info!(
        "OAuth1 request token created for consumer {}",
        token.consumer_id
    );
    let mut body = format!(
        "oauth_token={}&oauth_token_secret={}",
        token.id, token.request_secret
    );
    if let Some(e) = &token.expires_at {
        body.push_str(&format!("&oauth_expires_at={e}"));
    }
    Ok(form_response(body))
}

/// POST /v3/OS-OAUTH1/access_token (signed with consumer + request token + verifier).
pub fn access_token(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let headers = oauth_headers(req)?;
    let consumer_id = header_param(&headers, "oauth_consumer_key")
        .ok_or_else(|| Error::expecting("oauth_consumer_key", "request"))?
        .to_string();
    let request_id = header_param(&headers, "oauth_token")
        .ok_or_else(|| Error::expecting("oauth_token", "request"))?
        .to_string();
    let verifier = header_param(&headers, "oauth_verifier")
        .ok_or_else(|| Error::expecting("oauth_verifier", "request"))?
        .to_string();
    let rt = app
        .store
        .read(|r| store::get_request_token(r, &request_id))?;
    let now = req.now;
    if is_expired(&rt.expires_at, now) {
        return Err(unauthorized("Request token is expired"));
    }
    let signed =
        sig::create_request(req.header("authorization"), &req.query).map_err(oauth_error)?;
    sig::check_mandatory(&signed, now).map_err(oauth_error)?;
    check_owner_and_verifier_format(&signed).map_err(oauth_error)?;
    let consumer = stored_consumer(app, &consumer_id, &rt)?;
    verify_access_request(app, req, &signed, &consumer, &rt, &verifier)?;
    let Some(user_id) = rt.authorizing_user_id.clone() else {
        log::warn!("Request Token does not have an authorizing user id.");
        return Err(unauthorized(
            "Request Token does not have an authorizing user id.",
        ));
    };
    exchange_for_access_token(app, &rt, user_id, now)
}

/// oauthlib's format checks of the signed request's resource owner key and verifier.
fn check_owner_and_verifier_format(
    signed: &sig::SignedRequest,
) -> std::result::Result<(), sig::OAuthError> {
    let invalid = |description: &str| {
        Err(sig::OAuthError {
            error: "invalid_request",
            description: description.into(),
        })
    };
    let owner = signed.get("oauth_token").unwrap_or_default();
    if owner.is_empty() {
        return invalid("Missing resource owner.");
    }
    if !sig::check_token_format(owner) {
        return invalid("Invalid resource owner key format.");
    }
    let v = signed.get("oauth_verifier").unwrap_or_default();
    if v.is_empty() {
        return invalid("Missing verifier.");
    }
    if v.chars().count() != 8 || !v.chars().all(|c| VERIFIER_CHARS.contains(c)) {
        return invalid("Invalid verifier format.");
    }
    Ok(())
}

/// The consumer the request names, which must be the one the request token was made for.
fn stored_consumer(app: &App, consumer_id: &str, rt: &RequestToken) -> Result<Consumer> {
    // oauthlib's dummy client / request token are not implemented upstream: its
    // NotImplementedError leads to these two checks.
    let consumer = match app.store.read(|r| store::get_consumer(r, consumer_id)) {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => {
            log::warn!("Provided consumer does not exist.");
            return Err(unauthorized("Provided consumer does not exist."));
        }
        Err(e) => return Err(e.into()),
    };
    if rt.consumer_id != consumer_id {
        log::warn!("Provided consumer key does not match stored consumer key.");
        return Err(unauthorized(
            "Provided consumer key does not match stored consumer key.",
        ));
    }
    Ok(consumer)
}

/// The stored verifier and the signature (consumer secret + request token secret) must
/// both match; the verifier's mismatch is the one reported when both fail.
fn verify_access_request(
    app: &App,
    req: &Request,
    signed: &sig::SignedRequest,
    consumer: &Consumer,
    rt: &RequestToken,
    verifier: &str,
) -> Result<()> {
    let uri = request_uri(app, req);
    let verifier_ok = rt.verifier.as_deref() == Some(verifier);
    let sig_ok = sig::verify(
        signed,
        "POST",
        &uri,
        &consumer.secret,
        Some(&rt.request_secret),
    );
    if !(verifier_ok && sig_ok) {
        let msg = if !verifier_ok {
            "Provided verifier does not match stored verifier"
        } else {
            "Invalid signature"
        };
        log::warn!("{msg}");
        return Err(unauthorized(msg));
    }
    Ok(())
}

/// Replaces the request token with a new access token and answers with its key and secret.
fn exchange_for_access_token(
    app: &App,
    rt: &RequestToken,
    user_id: String,
    now: f64,
) -> Result<Response> {
    let at = AccessToken {
        id: new_id(),
        access_secret: new_id(),
        authorizing_user_id: user_id,
        project_id: rt.requested_project_id.clone(),
        role_ids: rt.role_ids.clone().unwrap_or_default(),
        consumer_id: rt.consumer_id.clone(),
        expires_at: (ACCESS_TOKEN_DURATION > 0)
            .then(|| isotime_subsecond(now + ACCESS_TOKEN_DURATION as f64)),
    };
    app.store
        .write(|w| store::exchange_request_token(w, &rt.id, &at))?;
    log::info!(
        "OAuth1 access token created for consumer {}",
        at.consumer_id
    );
    let mut body = format!(
        "oauth_token={}&oauth_token_secret={}",
        at.id, at.access_secret
    );
    if let Some(e) = &at.expires_at {
        body.push_str(&format!("&oauth_expires_at={e}"));
    }
    Ok(form_response(body))
}

/// Upstream's `_check_can_authorize_request_token` / `_block_delegated_token` test.
pub(crate) fn delegated(context: &AuthContext) -> bool {
    matches!(context.token.scope, crate::token::Scope::Trust { .. })
        || super::credentials::is_delegated(context)
}

/// The role ids of an authorize body (`_normalize_role_list`), validated as upstream's schema.
fn authorize_roles(r: &impl crate::store::Reader, roles: &Value) -> Result<Vec<String>> {
    let items = roles
        .as_array()
        .ok_or_else(|| Error::validation(format!("{} is not of type 'array'", py_repr(roles))))?;
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let obj = item
            .as_object()
            .filter(|o| o.len() == 1 && o.keys().all(|k| k == "id" || k == "name"));
        let obj = obj.ok_or_else(|| {
            Error::validation(format!("Invalid input for field '0': {}", py_repr(item)))
        })?;
        let id = match (obj.get("id").and_then(Value::as_str), obj.get("name")) {
            (Some(id), _) if !id.is_empty() => id.to_string(),
            (_, Some(Value::String(name))) => {
                let found: Vec<_> = assignment::list_roles(r)?
                    .into_iter()
                    .filter(|role| &role.name == name)
                    .collect();
                match found.as_slice() {
                    [] => return Err(Error::NotFound(format!("Role {name} is not defined"))),
                    [one] => one.id.clone(),
                    _ => {
                        return Err(Error::Validation(format!("There are multiple role entities named '{name}'. Please use ID instead of names to resolve ambiguity.")))
                    }
                }
            }
            _ => {
                return Err(Error::validation(format!(
                    "Invalid input: {}",
                    py_repr(item)
                )))
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// PUT /v3/OS-OAUTH1/authorize/{request_token_id}
pub fn authorize_request_token(
    app: &App,
    req: &Request,
    p: &Params,
    granted: Granted,
) -> Result<Response> {
    let id = p.get("request_token_id");
    let context = granted.context();
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let roles = body.get("roles").cloned().unwrap_or_else(|| json!([]));
    if delegated(context) {
        return Err(forbidden(
            "Cannot authorize a request token with a token issued via delegation.",
        ));
    }
    let now = req.now;
    let verifier: String = {
        use rand::seq::SliceRandom;
        let chars: Vec<char> = VERIFIER_CHARS.chars().collect();
        chars.choose_multiple(&mut rand::rngs::OsRng, 8).collect()
    };
    let user_id = context.user.id.clone();
    app.store.write(|w| {
        let mut rt = store::get_request_token(w, id)?;
        if is_expired(&rt.expires_at, now) {
            return Err(unauthorized("Request token is expired"));
        }
        let wanted = authorize_roles(w, &roles)?;
        let have: Vec<String> = assignment::token_roles(
            w,
            &user_id,
            &Target::Project(rt.requested_project_id.clone()),
            app.config.federation.as_of(now),
        )?
        .into_iter()
        .map(|r| r.id)
        .collect();
        if !wanted.iter().all(|r| have.contains(r)) {
            return Err(unauthorized("authorizing user does not have role required"));
        }
        rt.authorizing_user_id = Some(user_id.clone());
        rt.verifier = Some(verifier.clone());
        rt.role_ids = Some(wanted);
        Ok(store::put_request_token(w, &rt)?)
    })?;
    Ok(Response::ok(
        &json!({"token": {"oauth_verifier": verifier}}),
    ))
}

/// What the `oauth1` auth method proved: (user id, project id, access token id).
pub struct OAuthAuth {
    pub user_id: String,
    pub project_id: String,
    pub access_token_id: String,
}

/// The `oauth1` auth method (upstream's keystone/auth/plugins/oauth1.py), at `now`.
pub fn authenticate(app: &App, req: &Request, now: f64) -> Result<OAuthAuth> {
    let headers = oauth_headers(req)?;
    let access_id = header_param(&headers, "oauth_token")
        .ok_or_else(|| Error::expecting("oauth_token", "request"))?
        .to_string();
    let at = app.store.read(|r| store::get_access_token(r, &access_id))?;
    if is_expired(&at.expires_at, now) {
        return Err(unauthorized("Access token is expired"));
    }
    let fail = || unauthorized("Could not validate the access token");
    let signed =
        sig::create_request(req.header("authorization"), &req.query).map_err(|_| fail())?;
    sig::check_mandatory(&signed, now).map_err(|_| fail())?;
    let owner = signed.get("oauth_token").unwrap_or_default();
    if !sig::check_token_format(owner) || owner != at.id {
        return Err(fail());
    }
    let consumer_id = signed.get("oauth_consumer_key").unwrap_or_default();
    let consumer = app
        .store
        .read(|r| store::get_consumer(r, consumer_id))
        .map_err(|_| fail())?;
    let uri = base_uri(app, req);
    if !sig::verify(
        &signed,
        "POST",
        &uri,
        &consumer.secret,
        Some(&at.access_secret),
    ) {
        return Err(fail());
    }
    Ok(OAuthAuth {
        user_id: at.authorizing_user_id,
        project_id: at.project_id,
        access_token_id: at.id,
    })
}

/// The token body's `OS-OAUTH1` section (upstream's render_token).
pub fn token_section(app: &App, access_token_id: &str) -> Result<Value> {
    let at = app
        .store
        .read(|r| store::get_access_token(r, access_token_id))?;
    Ok(json!({"access_token_id": at.id, "consumer_id": at.consumer_id}))
}

/// Upstream's Unauthorized is a SecurityError: the reason is logged, the client gets the
/// generic sentence.
pub(crate) fn unauthorized(reason: &str) -> Error {
    log::warn!("Authorization failed. {}", reason);
    Error::unauthenticated()
}

/// A Forbidden built from a message shows only upstream's generic sentence.
pub(crate) fn forbidden(reason: &str) -> Error {
    log::warn!("Forbidden: {}", reason);
    Error::Forbidden("You are not authorized to perform the requested action.".to_string())
}
