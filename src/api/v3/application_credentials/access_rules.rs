//! /v3/users/{user_id}/access_rules[/{access_rule_id}]: the access rules a user's
//! application credentials created. Policy runs in the route table; the target is the
//! path's user.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::AccessRule;
use crate::store::application_credentials as store;
use crate::store::identity;

use super::{block_delegated, render_rule};
use crate::api::{filtered_list, render_user, self_link};

/// The policy target of the access rule calls: the path's user.
pub fn user_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let user_id = p.get("user_id");
    let user = app.store.read(|r| identity::get_user(r, user_id))?;
    let mut target = json!({"user_id": user_id, "target": {}});
    if let Some(u) = &user {
        target["target"]["user"] = render_user(app, u);
    }
    Ok(target)
}

fn render_rule_member(app: &App, a: &AccessRule) -> Value {
    let mut v = render_rule(a);
    v["links"] = self_link(app, &format!("access_rules/{}", a.id));
    v
}

/// GET /v3/users/{user_id}/access_rules
pub fn list(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    block_delegated(granted.context())?;
    let items: Vec<Value> = app
        .store
        .read(|r| store::list_rules_for_user(r, user_id))?
        .iter()
        .map(|a| render_rule_member(app, a))
        .collect();
    let body = filtered_list(
        app,
        req,
        "access_rules",
        items,
        &["service", "path", "method"],
        None,
    );
    Ok(Response::ok(&body))
}

/// GET /v3/users/{user_id}/access_rules/{id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    let id = p.get("access_rule_id");
    block_delegated(granted.context())?;
    let rule = app
        .store
        .read(|r| store::get_rule(r, id))?
        .filter(|a| a.user_id == user_id)
        .ok_or_else(|| Error::not_found("Access Rule", id))?;
    Ok(Response::ok(
        &json!({"access_rule": render_rule_member(app, &rule)}),
    ))
}

/// DELETE /v3/users/{user_id}/access_rules/{id}: refused while a credential uses it.
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    let id = p.get("access_rule_id");
    block_delegated(granted.context())?;
    app.store.write(|w| {
        let rule = store::get_rule(w, id)?
            .filter(|a| a.user_id == user_id)
            .ok_or_else(|| Error::not_found("Access Rule", id))?;
        if store::rule_in_use(w, &rule)? {
            return Err(Error::Forbidden(
                "May not delete access rule in use".to_string(),
            ));
        }
        store::delete_rule(w, id)?;
        Ok(())
    })?;
    Ok(Response::no_content())
}
