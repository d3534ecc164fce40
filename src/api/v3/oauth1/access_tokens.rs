//! /v3/users/{user_id}/OS-OAUTH1/access_tokens[/{access_token_id}[/roles[/{role_id}]]]: a
//! user's OAuth1 access tokens (upstream's keystone/api/users.py OAuth1 resources). Policy
//! runs in the route table; the targets are upstream's flat `user_id`/`access_token_id`.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::store::assignment;
use crate::store::oauth1::{self as store, AccessToken};

use super::{delegated, forbidden, unauthorized};
use crate::api::list_response;

/// Target of list_access_tokens.
pub fn user_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"user_id": p.get("user_id")}))
}

/// Target of get/delete_access_token and list_access_token_roles.
pub fn token_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"user_id": p.get("user_id"), "access_token_id": p.get("access_token_id")}))
}

/// Target of get_access_token_role.
pub fn role_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(
        json!({"user_id": p.get("user_id"), "access_token_id": p.get("access_token_id"),
              "role_id": p.get("role_id")}),
    )
}

/// GET /v3/users/{user_id}/OS-OAUTH1/access_tokens
pub fn list(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    if delegated(granted.context()) {
        return Err(block_delegated());
    }
    let items = app
        .store
        .read(|r| store::list_access_tokens(r, p.get("user_id")))?
        .iter()
        .map(|t| render_access_token(app, t))
        .collect();
    Ok(Response::ok(&list_response(
        app,
        req,
        "access_tokens",
        items,
    )))
}

/// GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    if delegated(granted.context()) {
        return Err(block_delegated());
    }
    let t = app
        .store
        .read(|r| store::get_access_token(r, p.get("access_token_id")))?;
    if t.authorizing_user_id != p.get("user_id") {
        return Err(crate::api::not_found());
    }
    Ok(Response::ok(
        &json!({"access_token": render_access_token(app, &t)}),
    ))
}

/// DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id} (upstream enforces
/// `identity:ec2_delete_credential` here).
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    if delegated(granted.context()) {
        return Err(block_delegated());
    }
    let t = app
        .store
        .write(|w| store::delete_access_token(w, p.get("user_id"), p.get("access_token_id")))?;
    log::info!("OAuth1 access token of consumer {} deleted", t.consumer_id);
    Ok(Response::no_content())
}

/// GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles
pub fn list_roles(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("access_token_id");
    let (t, roles) = app.store.read(|r| -> Result<_> {
        let t = store::get_access_token(r, id)?;
        let mut roles = Vec::new();
        for rid in &t.role_ids {
            roles.push(assignment::get_role(r, rid)?.ok_or_else(|| Error::not_found("role", rid))?);
        }
        Ok((t, roles))
    })?;
    if t.authorizing_user_id != p.get("user_id") {
        return Err(crate::api::not_found());
    }
    let items = roles.iter().map(|r| render_token_role(app, r)).collect();
    Ok(Response::ok(&list_response(app, req, "roles", items)))
}

/// GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}
pub fn get_role(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let role_id = p.get("role_id");
    let t = app
        .store
        .read(|r| store::get_access_token(r, p.get("access_token_id")))?;
    if t.authorizing_user_id != p.get("user_id") {
        return Err(unauthorized("User IDs do not match"));
    }
    if !t.role_ids.iter().any(|r| r == role_id) {
        return Err(Error::not_found("role", role_id));
    }
    let role = app
        .store
        .read(|r| assignment::get_role(r, role_id))?
        .ok_or_else(|| Error::not_found("role", role_id))?;
    Ok(Response::ok(
        &json!({"role": render_token_role(app, &role)}),
    ))
}

/// An access token as upstream's `_format_token_entity` + wrap_member render it.
fn render_access_token(app: &App, t: &AccessToken) -> Value {
    let base = format!(
        "{}/v3/users/{}/OS-OAUTH1/access_tokens/{}",
        app.public_url, t.authorizing_user_id, t.id
    );
    json!({
        "id": t.id,
        "authorizing_user_id": t.authorizing_user_id,
        "project_id": t.project_id,
        "consumer_id": t.consumer_id,
        "expires_at": t.expires_at,
        "links": {"roles": format!("{base}/roles"), "self": base},
    })
}

/// `_format_role_entity`: the role without description and enabled.
fn render_token_role(app: &App, r: &crate::model::Role) -> Value {
    let mut v = crate::api::render_role(app, r);
    if let Some(o) = v.as_object_mut() {
        o.remove("description");
        o.remove("enabled");
    }
    v
}

fn block_delegated() -> Error {
    forbidden("Cannot manage OAuth access tokens with a token issued via delegation.")
}
