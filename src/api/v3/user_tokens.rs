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
use crate::store::identity;

/// Upstream's `_build_user_target_enforcement` (the user, if it exists) plus the path's
/// `user_id`, which the `owner` half of `admin_or_owner` reads.
pub fn target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let user_id = p.get("user_id");
    let user = app.store.read(|r| identity::get_user(r, user_id))?;
    let mut target = json!({"user_id": user_id, "target": {}});
    if let Some(u) = user {
        target["target"]["user"] = json!({"id": u.id, "name": u.name, "domain_id": u.domain_id,
                                           "enabled": u.enabled});
    }
    Ok(target)
}

/// DELETE /v3/users/{user_id}/tokens: 204; 404 for an unknown user.
pub fn revoke_all(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    service::identity::revoke_tokens_of_user(&app.store, p.get("user_id"), req.now as i64)?;
    Ok(Response::no_content())
}
