//! DELETE /v3/users/{user_id}/tokens (Keystone 30, `identity:revoke_tokens_for_user`): revoke
//! every token a user holds, the self-service path for users who cannot change a password.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::service;

/// The owner rule reads `user_id` from the target (`admin_or_owner`).
pub fn target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"user_id": p.get("user_id")}))
}

/// DELETE /v3/users/{user_id}/tokens: 204; 404 for an unknown user.
pub fn revoke_all(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    service::identity::revoke_tokens_of_user(&app.store, p.get("user_id"), app.clock.now_secs())?;
    Ok(Response::no_content())
}
