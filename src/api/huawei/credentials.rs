//! OS-CREDENTIAL (huawei-iam-api.md §1.2): a user's permanent access keys (create, list,
//! show, update status/description, delete) and temporary keys with a security token
//! (`securitytokens`). The secret key appears only in the answer that creates it. A user
//! manages its own keys, an account administrator those of its account's users
//! (src/policy/huawei/credentials.yaml).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::clock::format_utc_micros;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{policy, public, Granted, Params, Route};
use crate::policy::Action;
use crate::service::iam::access_keys::{self as service, Created, Update};
use crate::store::iam::access_keys::AccessKey;
use crate::store::identity;

const COLLECTION: &str = "/v3.0/OS-CREDENTIAL/credentials";
const ONE: &str = "/v3.0/OS-CREDENTIAL/credentials/{access_key}";
const SECURITY_TOKENS: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
const MAX_DESCRIPTION: usize = 255;

pub fn routes() -> Vec<Route> {
    vec![
        policy(
            Method::Post,
            COLLECTION,
            Action::IamCredentialsCreateCredential,
            create_target,
            create,
        ),
        policy(
            Method::Get,
            COLLECTION,
            Action::IamCredentialsListCredentials,
            list_target,
            list,
        ),
        policy(
            Method::Get,
            ONE,
            Action::IamCredentialsGetCredential,
            key_target,
            show,
        ),
        policy(
            Method::Put,
            ONE,
            Action::IamCredentialsUpdateCredential,
            key_target,
            update,
        ),
        policy(
            Method::Delete,
            ONE,
            Action::IamCredentialsDeleteCredential,
            key_target,
            delete,
        ),
        // Public: the token in X-Auth-Token or in the body (the SDK's unsigned form) is the
        // proof, validated by the handler.
        public(Method::Post, SECURITY_TOKENS, security_tokens),
    ]
}

fn time(t: f64) -> String {
    format_utc_micros(t, "T", "Z")
}

/// The policy target of a key's user: its id and account (domain); empty parts when the user
/// is unknown (the route table requires builders not to fail on missing objects).
fn user_target(app: &App, user_id: Option<&str>) -> Result<Value> {
    let Some(user_id) = user_id else {
        return Ok(json!({"target": {}}));
    };
    let user = app.store.read(|r| identity::get_user(r, user_id))?;
    Ok(json!({"target": {"user_id": user_id, "domain_id": user.map(|u| u.domain_id)}}))
}

fn create_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let body = req.json().unwrap_or_default();
    user_target(
        app,
        body.pointer("/credential/user_id").and_then(Value::as_str),
    )
}

fn list_target(app: &App, req: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    match req.query("user_id") {
        Some(user_id) => user_target(app, Some(user_id)),
        // Without a user: the caller's account (an administrator's view), or its own keys.
        None => Ok(json!({"target": {
            "user_id": context.user.id,
            "domain_id": context.user.domain_id,
        }})),
    }
}

fn key_target(app: &App, _: &Request, params: &Params, context: &AuthContext) -> Result<Value> {
    let key = app
        .store
        .read(|r| crate::store::iam::access_keys::get(r, params.get("access_key")))?;
    match key {
        Some(key) => user_target(app, Some(&key.user_id)),
        // No such key: an administrator of the caller's account may learn that (404), a
        // plain user is refused as for anyone else's key.
        None => Ok(json!({"target": {"domain_id": context.user.domain_id}})),
    }
}

/// The object in `body[name]`, or 400.
fn object<'a>(body: &'a Value, name: &str) -> Result<&'a Map<String, Value>> {
    body.get(name)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::validation(format!("'{name}' is a required property")))
}

fn description(obj: &Map<String, Value>) -> Result<Option<String>> {
    match obj.get("description") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_DESCRIPTION => Ok(Some(s.clone())),
        Some(_) => Err(Error::validation(
            "description must be a string of at most 255 characters",
        )),
    }
}

fn render(key: &AccessKey) -> Value {
    json!({
        "user_id": key.user_id,
        "access": key.access,
        "status": key.status,
        "create_time": time(key.create_time),
        "description": key.description,
    })
}

/// POST /v3.0/OS-CREDENTIAL/credentials
fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let credential = object(&body, "credential")?;
    let user_id = match credential.get("user_id") {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        _ => return Err(Error::validation("'user_id' is a required property")),
    };
    let description = description(credential)?.unwrap_or_default();
    match service::create(app, user_id, &description, None, req.now)? {
        Created::Key(key, secret) => {
            let mut out = render(&key);
            out["secret"] = json!(secret);
            Ok(Response::created(&json!({"credential": out})))
        }
        // Huawei answers this one in Keystone's error shape, even on /v3.0.
        Created::LimitReached => Ok(Response::json(
            400,
            &json!({"error": {"message": "akSkNumExceed", "code": 400, "title": "Bad Request"}}),
        )),
    }
}

/// GET /v3.0/OS-CREDENTIAL/credentials?user_id=
fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let user_id = match req.query("user_id") {
        Some(u) => Some(u.to_string()),
        // An account administrator sees its account's keys, anyone else its own.
        None => {
            let account = json!({"target": {"domain_id": context.user.domain_id}});
            let admin = granted
                .enforce(app, Action::IamCredentialsListCredentials, &account)
                .is_ok();
            (!admin).then(|| context.user.id.clone())
        }
    };
    let keys = service::list(app, user_id.as_deref(), &context.user.domain_id)?;
    let items: Vec<Value> = keys.iter().map(render).collect();
    Ok(Response::ok(&json!({"credentials": items})))
}

/// GET /v3.0/OS-CREDENTIAL/credentials/{access_key}
fn show(app: &App, _: &Request, params: &Params, _: Granted) -> Result<Response> {
    let key = service::require(app, params.get("access_key"))?;
    let mut out = render(&key);
    out["last_use_time"] = json!(key.last_use_time.map(time));
    Ok(Response::ok(&json!({"credential": out})))
}

/// PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}
fn update(app: &App, req: &Request, params: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let credential = object(&body, "credential")?;
    let status = match credential.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "active" || s == "inactive" => Some(s.clone()),
        Some(_) => return Err(Error::validation("status must be 'active' or 'inactive'")),
    };
    let description = description(credential)?;
    if status.is_none() && description.is_none() {
        return Err(Error::validation(
            "credential needs a status or a description",
        ));
    }
    let change = Update {
        status,
        description,
    };
    let key = service::update(app, params.get("access_key"), change)?;
    Ok(Response::ok(&json!({"credential": render(&key)})))
}

/// DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}
fn delete(app: &App, _: &Request, params: &Params, _: Granted) -> Result<Response> {
    service::delete(app, params.get("access_key"))?;
    Ok(Response::no_content())
}

/// `duration_seconds` of a securitytokens body: 900..=86400, 900 when absent.
fn duration(value: Option<&Value>) -> Result<i64> {
    let Some(v) = value.filter(|v| !v.is_null()) else {
        return Ok(service::MIN_DURATION);
    };
    v.as_i64()
        .filter(|d| (service::MIN_DURATION..=service::MAX_DURATION).contains(d))
        .ok_or_else(|| Error::validation("duration_seconds must be an integer from 900 to 86400"))
}

/// A session policy, checked loosely (a `Version` and a `Statement` list) and kept verbatim.
fn session_policy(identity: &Map<String, Value>) -> Result<Option<Value>> {
    match identity.get("policy") {
        None | Some(Value::Null) => Ok(None),
        Some(p)
            if p.get("Version").is_some_and(Value::is_string)
                && p.get("Statement").is_some_and(Value::is_array) =>
        {
            Ok(Some(p.clone()))
        }
        Some(_) => Err(Error::validation(
            "policy needs a Version and a Statement list",
        )),
    }
}

/// The answer to a temporary key's creation: the only time its secret and token are shown.
fn temp_key_created(issued: &service::TempCredential) -> Response {
    Response::created(&json!({"credential": {
        "access": issued.access,
        "secret": issued.secret,
        "securitytoken": issued.security_token,
        "expires_at": time(issued.expires_at),
    }}))
}

/// POST /v3.0/OS-CREDENTIAL/securitytokens: by token (X-Auth-Token, or only `token.id` in the
/// body as the SDK's unsigned form sends it) or by agency (`assume_role`: the caller's token
/// assumes an agency of another account, and the key acts as that agency).
fn security_tokens(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let body = req.json()?;
    let identity = object(&body, "auth").and_then(|a| {
        a.get("identity")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::validation("'identity' is a required property"))
    })?;
    let methods: Vec<&str> = identity
        .get("methods")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let header_token = req.header("x-auth-token").filter(|t| !t.is_empty());
    match methods.as_slice() {
        ["token"] => {
            let token = identity.get("token").and_then(Value::as_object);
            let body_token = token.and_then(|t| t.get("id")).and_then(Value::as_str);
            let context =
                crate::auth::authenticate_request(app, header_token.or(body_token), req.now)?;
            let duration = duration(token.and_then(|t| t.get("duration_seconds")))?;
            let policy = session_policy(identity)?;
            let issued = service::issue_by_token(app, &context, duration, policy, req.now)?;
            Ok(temp_key_created(&issued))
        }
        ["assume_role"] => {
            let context = crate::auth::authenticate_request(app, header_token, req.now)?;
            let assume = identity
                .get("assume_role")
                .and_then(Value::as_object)
                .ok_or_else(|| Error::validation("'assume_role' is a required property"))?;
            let field = |k: &str| {
                assume
                    .get(k)
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
            };
            let agency_name = field("agency_name")
                .or_else(|| field("xrole_name"))
                .ok_or_else(|| Error::validation("'agency_name' is a required property"))?;
            let request = service::AgencyKeyRequest {
                agency_name,
                domain_id: field("domain_id"),
                domain_name: field("domain_name"),
                duration: duration(assume.get("duration_seconds"))?,
                policy: session_policy(identity)?,
            };
            let issued = service::issue_for_agency(app, &context, &request, req.now)?;
            Ok(temp_key_created(&issued))
        }
        _ => Err(Error::validation(
            "methods must be [\"token\"] or [\"assume_role\"]",
        )),
    }
}
