//! Huawei IAM virtual MFA devices (`/v3.0/OS-MFA`) and login protection
//! (`/v3.0/OS-USER/.../login-protect`), huawei-iam-api.md §1.6. Thin adapters: the target is
//! the user the request names (with its account), the work is src/service/iam/mfa.rs. Rules
//! in src/policy/huawei/mfa.yaml: the account's administrators for any of its users, a user
//! for itself. Bodies are checked in the handlers, after enforcement.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::{AuthContext, ResolvedScope};
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action;
use crate::service::iam::mfa as service;
use crate::store::identity;

const DEVICES: &str = "/v3.0/OS-MFA/virtual-mfa-devices";
const USER_PROTECT: &str = "/v3.0/OS-USER/users/{user_id}/login-protect";

/// This group's routes.
pub fn routes() -> Vec<Route> {
    vec![
        policy(
            Method::Post,
            DEVICES,
            Action::IamMfaCreateVirtualMFADevice,
            body_user_target,
            create_device,
        ),
        policy(
            Method::Get,
            DEVICES,
            Action::IamMfaListVirtualMFADevices,
            account_target,
            list_devices,
        ),
        policy(
            Method::Delete,
            DEVICES,
            Action::IamMfaDeleteVirtualMFADevice,
            query_user_target,
            delete_device,
        ),
        policy(
            Method::Put,
            "/v3.0/OS-MFA/mfa-devices/bind",
            Action::IamMfaBindMFADevice,
            body_user_target,
            bind,
        ),
        policy(
            Method::Put,
            "/v3.0/OS-MFA/mfa-devices/unbind",
            Action::IamMfaUnbindMFADevice,
            body_user_target,
            unbind,
        ),
        policy(
            Method::Get,
            "/v3.0/OS-MFA/users/{user_id}/virtual-mfa-device",
            Action::IamMfaGetVirtualMFADevice,
            path_user_target,
            show_device,
        ),
        policy(
            Method::Get,
            "/v3.0/OS-USER/login-protects",
            Action::IamUsersListUserLoginProtects,
            account_target,
            list_protects,
        ),
        policy(
            Method::Get,
            USER_PROTECT,
            Action::IamUsersGetUserLoginProtect,
            path_user_target,
            show_protect,
        ),
        policy(
            Method::Put,
            USER_PROTECT,
            Action::IamUsersSetUserLoginProtect,
            path_user_target,
            update_protect,
        ),
    ]
}

/// `{"target": {user_id, domain_id}}` of a user (only the id when it does not exist: the rule then
/// decides, and an unknown user is no one's to manage).
fn user_target(app: &App, user_id: Option<&str>) -> Result<Value> {
    let Some(user_id) = user_id else {
        return Ok(json!({"target": {}}));
    };
    let user = app.store.read(|r| identity::get_user(r, user_id))?;
    Ok(match user {
        Some(u) => json!({"target": {"user_id": u.id, "domain_id": u.domain_id}}),
        None => json!({"target": {"user_id": user_id}}),
    })
}

fn path_user_target(app: &App, _: &Request, params: &Params, _: &AuthContext) -> Result<Value> {
    user_target(app, Some(params.get("user_id")))
}

fn query_user_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    user_target(app, req.query("user_id"))
}

/// The body's `user_id` (top level, or in `virtual_mfa_device` for create); a body that is
/// not JSON builds an empty target and is refused by the handler after enforcement.
fn body_user_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let body = req.json().unwrap_or(Value::Null);
    let user_id = body
        .get("virtual_mfa_device")
        .unwrap_or(&body)
        .get("user_id")
        .and_then(Value::as_str);
    user_target(app, user_id)
}

/// The caller's account: the scoped domain, a scoped project's domain, else its own domain.
fn caller_account(context: &AuthContext) -> &str {
    match &context.scope {
        ResolvedScope::Domain(d) => &d.id,
        ResolvedScope::Project { domain, .. } => &domain.id,
        _ => &context.user.domain_id,
    }
}

fn account_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": caller_account(context)}}))
}

/// The account a list covers: every account for a system-scoped (cloud admin) caller.
fn listed_account(context: &AuthContext) -> Option<&str> {
    (!context.is_system()).then(|| caller_account(context))
}

fn required<'a>(obj: &'a Map<String, Value>, key: &str, container: &str) -> Result<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting(key, container))
}

fn object<'a>(value: &'a Value, container: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::expecting(container, "request body"))
}

fn create_device(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let device = object(
        body.get("virtual_mfa_device").unwrap_or(&Value::Null),
        "virtual_mfa_device",
    )?;
    let name = required(device, "name", "virtual_mfa_device")?;
    let user_id = required(device, "user_id", "virtual_mfa_device")?;
    let length = name.chars().count();
    if !(1..=64).contains(&length) || name.chars().any(char::is_control) {
        return Err(Error::validation(
            "name must be 1 to 64 printable characters.",
        ));
    }
    let (serial_number, seed) = service::create_device(app, user_id, name)?;
    let body =
        json!({"virtual_mfa_device": {"serial_number": serial_number, "base32_string_seed": seed}});
    // The seed is in this one response: no cache may keep it.
    Ok(Response::created(&body).with_header("Cache-Control", "no-store".to_string()))
}

fn bind(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let obj = object(&body, "user_id")?;
    service::bind(
        app,
        required(obj, "user_id", "request body")?,
        required(obj, "serial_number", "request body")?,
        required(obj, "authentication_code_first", "request body")?,
        required(obj, "authentication_code_second", "request body")?,
        req.now,
    )?;
    Ok(Response::no_content())
}

fn unbind(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let body = req.json()?;
    let obj = object(&body, "user_id")?;
    let user_id = required(obj, "user_id", "request body")?;
    let by_self = granted.context().user.id == user_id;
    service::unbind(
        app,
        user_id,
        required(obj, "serial_number", "request body")?,
        required(obj, "authentication_code", "request body")?,
        by_self,
        req.now,
    )?;
    Ok(Response::no_content())
}

fn delete_device(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let user_id = req
        .query("user_id")
        .ok_or_else(|| Error::expecting("user_id", "query"))?;
    let serial = req
        .query("serial_number")
        .ok_or_else(|| Error::expecting("serial_number", "query"))?;
    service::delete_device(app, user_id, serial)?;
    Ok(Response::no_content())
}

fn list_devices(app: &App, _: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let devices: Vec<Value> = service::list_devices(app, listed_account(granted.context()))?
        .into_iter()
        .map(|(serial_number, user_id)| json!({"serial_number": serial_number, "user_id": user_id}))
        .collect();
    Ok(Response::ok(&json!({"virtual_mfa_devices": devices})))
}

fn show_device(app: &App, _: &Request, params: &Params, _: Granted) -> Result<Response> {
    let user_id = params.get("user_id");
    let serial_number = service::show_device(app, user_id)?;
    Ok(Response::ok(
        &json!({"virtual_mfa_device": {"serial_number": serial_number, "user_id": user_id}}),
    ))
}

fn render_protect(p: &crate::store::iam::mfa::LoginProtect) -> Value {
    json!({"user_id": p.user_id, "enabled": p.enabled, "verification_method": p.verification_method})
}

fn list_protects(app: &App, _: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let protects: Vec<Value> = service::list_protects(app, listed_account(granted.context()))?
        .iter()
        .map(render_protect)
        .collect();
    Ok(Response::ok(&json!({"login_protects": protects})))
}

fn show_protect(app: &App, _: &Request, params: &Params, _: Granted) -> Result<Response> {
    let user_id = params.get("user_id");
    let protect = service::show_protect(app, user_id)?;
    Ok(Response::ok(
        &json!({"login_protect": render_protect(&protect)}),
    ))
}

fn update_protect(app: &App, req: &Request, params: &Params, _: Granted) -> Result<Response> {
    let user_id = params.get("user_id");
    let body = req.json()?;
    let obj = object(
        body.get("login_protect").unwrap_or(&Value::Null),
        "login_protect",
    )?;
    let enabled = obj
        .get("enabled")
        .and_then(Value::as_bool)
        .ok_or_else(|| Error::expecting("enabled", "login_protect"))?;
    let method = required(obj, "verification_method", "login_protect")?;
    let protect = service::update_protect(app, user_id, enabled, method)?;
    Ok(Response::ok(
        &json!({"login_protect": render_protect(&protect)}),
    ))
}
