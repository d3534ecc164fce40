//! OS-USER (huawei-iam-api.md §1.5): create, show, update (administrator) and a user's own
//! contact data. Thin adapters over service::iam::users; the password is checked against
//! the account's password policy and hashed here, outside any transaction.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Method::{Get, Post, Put};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action as A;
use crate::service::iam::users::{self as iam_users, Hashed, CREATE_FIELDS, UPDATE_FIELDS};
use crate::store::identity;

pub fn routes() -> Vec<Route> {
    vec![
        policy(
            Post,
            "/v3.0/OS-USER/users",
            A::IamUsersCreateUser,
            create_target,
            create,
        ),
        policy(
            Get,
            "/v3.0/OS-USER/users/{user_id}",
            A::IamUsersGetUser,
            user_target,
            show,
        ),
        policy(
            Put,
            "/v3.0/OS-USER/users/{user_id}",
            A::IamUsersUpdateUser,
            user_target,
            update,
        ),
        policy(
            Put,
            "/v3.0/OS-USER/users/{user_id}/info",
            A::IamUsersUpdateUserInformation,
            user_target,
            update_info,
        ),
    ]
}

/// The account the body names ("" when the body is unreadable or names none, never null:
/// a null target domain would equal a token's absent domain in base.yaml's rules).
fn create_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let domain_id = req
        .json()
        .ok()
        .and_then(|b| b["user"]["domain_id"].as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(json!({"target": {"domain_id": domain_id}}))
}

/// The user's id and, when it exists, its account.
/// The user's account; the caller's when there is no such user (the handler answers 404).
fn user_target(app: &App, _: &Request, p: &Params, context: &AuthContext) -> Result<Value> {
    let id = p.get("user_id");
    let user = app.store.read(|r| identity::get_user(r, id))?;
    let domain_id = user.map_or_else(|| super::callers_account(context), |u| json!(u.domain_id));
    Ok(json!({"user_id": id, "target": {"user_id": id, "domain_id": domain_id}}))
}

fn hash(app: &App, password: &str) -> Result<String> {
    app.hasher.hash(password).map_err(Error::internal)
}

fn password_of(input: &serde_json::Map<String, Value>) -> Result<Option<&str>> {
    match input.get("password") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(p)) => Ok(Some(p)),
        Some(_) => Err(crate::service::iam::security_policy::invalid(
            "password",
            "must be a string",
        )),
    }
}

fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = iam_users::user_member(&req.json()?, CREATE_FIELDS)?;
    let domain_id = input
        .get("domain_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = input
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (policy, cfg) = iam_users::account_rules(&app.store, &app.config.security, domain_id)?;
    let password = password_of(&input)?;
    if let Some(p) = password {
        iam_users::check_password(&policy, &cfg, name, p)?;
    }
    let hashed = Hashed::of(password, |p| hash(app, p))?;
    let user = iam_users::create(&app.store, &cfg, &input, hashed, req.now)?;
    Ok(Response::created(&json!({"user": user})))
}

fn show(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let user = iam_users::show(&app.store, p.get("user_id"))?;
    Ok(Response::ok(&json!({"user": user})))
}

fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("user_id");
    let input = iam_users::user_member(&req.json()?, UPDATE_FIELDS)?;
    let current = app
        .store
        .read(|r| identity::require_user(r, id))
        .map_err(Error::from)?;
    let (policy, cfg) =
        iam_users::account_rules(&app.store, &app.config.security, &current.domain_id)?;
    let password = password_of(&input)?;
    if let Some(pw) = password {
        let name = input
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&current.name);
        iam_users::check_password(&policy, &cfg, name, pw)?;
        // Huawei's "recent passwords" hold for an administrator's reset too.
        crate::compliance::check_history(&cfg, &current, pw)
            .map_err(|e| crate::service::iam::password_rules::weak(e.message()))?;
    }
    let hashed = Hashed::of(password, |p| hash(app, p))?;
    let user = iam_users::update(&app.store, &cfg, &current, &input, hashed, req.now)?;
    Ok(Response::ok(&json!({"user": user})))
}

fn update_info(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    iam_users::update_info(&app.store, p.get("user_id"), &req.json()?, req.now)?;
    Ok(Response::no_content())
}
