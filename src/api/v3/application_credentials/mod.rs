//! Application credentials (/v3/users/{user_id}/application_credentials) and their access
//! rules (/v3/users/{user_id}/access_rules), the `application_credential` auth method, and
//! what such a token may not do. Upstream: keystone/api/users.py (UserAppCred*, UserAccessRule*),
//! keystone/application_credential/, keystone/auth/plugins/application_credential.py.
//!
//! The secret is returned once, by create, and stored only as a password hash; it is never
//! logged.
//!
//! One job a file: this one holds the delegation guards, the renderer and the list, get and
//! delete views; `validate` the create body's schema, `create` the create view, `auth_method`
//! the `application_credential` auth method and what its tokens may not do, `access_rules`
//! the access-rule views.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{AccessRule, ApplicationCredential, Role};
use crate::store::application_credentials as store;
use crate::store::{assignment, Reader};

pub mod access_rules;
mod auth_method;
mod create;
#[cfg(test)]
mod tests;
mod validate;

pub use auth_method::{authenticate, check_access_rules_support, check_rescope, token_section};
pub use create::{create, create_target};
pub use validate::parse_expiration;

use super::{filtered_list, self_link};

/// Auth methods that authenticate a user directly; any other method is a delegation
/// (upstream's keystone/api/_shared/delegation.py).
const PRIMARY_METHODS: &[&str] = &[
    "external", "kerberos", "mapped", "openid", "password", "saml2", "token", "totp", "x509",
];

/// Upstream's is_delegated_method: no methods, or any method that is not primary.
pub fn is_delegated_method(methods: &[String]) -> bool {
    methods.is_empty()
        || methods
            .iter()
            .any(|m| !PRIMARY_METHODS.contains(&m.as_str()))
}

/// Upstream's _block_delegated_token_app_creds: trust-scoped and other delegated tokens
/// (application credential tokens excepted) may not manage application credentials.
pub(crate) fn block_delegated(context: &AuthContext) -> Result<()> {
    if context
        .token
        .methods
        .iter()
        .any(|m| m == "application_credential")
    {
        return Ok(());
    }
    if context.trust.is_some() || is_delegated_method(&context.token.methods) {
        return Err(Error::Forbidden(
            "You are not authorized to perform the requested action.".to_string(),
        ));
    }
    Ok(())
}

/// Upstream's _check_unrestricted_application_credential.
fn check_unrestricted(context: &AuthContext) -> Result<()> {
    if context
        .token
        .methods
        .iter()
        .any(|m| m == "application_credential")
        && context
            .app_cred
            .as_ref()
            .is_none_or(|c| c.unrestricted != Some(true))
    {
        return Err(Error::forbidden_action(
            "Using method 'application_credential' is not allowed for managing additional \
             application credentials.",
        ));
    }
    Ok(())
}

fn render_role(r: &Role) -> Value {
    json!({"id": r.id, "name": r.name, "domain_id": r.domain_id, "description": r.description,
           "options": r.options})
}

pub(crate) fn render_rule(a: &AccessRule) -> Value {
    json!({"id": a.id, "service": a.service, "path": a.path, "method": a.method})
}

/// An application credential as upstream renders it (the secret only by create).
fn render(
    app: &App,
    r: &impl Reader,
    c: &ApplicationCredential,
    secret: Option<&str>,
) -> Result<Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(c.id));
    out.insert("name".into(), json!(c.name));
    out.insert("description".into(), json!(c.description));
    out.insert("user_id".into(), json!(c.user_id));
    out.insert("project_id".into(), json!(c.project_id));
    out.insert("system".into(), json!(c.system));
    out.insert(
        "expires_at".into(),
        json!(c.expires_at.map(store::format_micros)),
    );
    out.insert("unrestricted".into(), json!(c.unrestricted));
    let mut roles = Vec::new();
    for id in &c.role_ids {
        // Upstream fails on a deleted role; we leave it out.
        if let Some(role) = assignment::get_role(r, id)? {
            roles.push(render_role(&role));
        }
    }
    out.insert("roles".into(), Value::Array(roles));
    if let Some(rules) = rules_of(r, c)? {
        out.insert(
            "access_rules".into(),
            Value::Array(rules.iter().map(render_rule).collect()),
        );
    }
    if let Some(secret) = secret {
        out.insert("secret".into(), json!(secret));
    }
    out.insert(
        "links".into(),
        self_link(app, &format!("application_credentials/{}", c.id)),
    );
    Ok(Value::Object(out))
}

/// The credential's access rules; None when it was created without any.
fn rules_of(r: &impl Reader, c: &ApplicationCredential) -> Result<Option<Vec<AccessRule>>> {
    let Some(ids) = &c.access_rule_ids else {
        return Ok(None);
    };
    let mut rules = Vec::new();
    for id in ids {
        if let Some(rule) = store::get_rule(r, id)? {
            rules.push(rule);
        }
    }
    Ok(if rules.is_empty() { None } else { Some(rules) })
}

/// Target of list_application_credentials: the path's user (and the name filter).
pub fn list_target(_: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let mut target = json!({"user_id": p.get("user_id")});
    if let Some(name) = req.query("name") {
        target["name"] = json!(name);
    }
    Ok(target)
}

/// GET /v3/users/{user_id}/application_credentials
pub fn list(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    block_delegated(granted.context())?;
    let items = app.store.read(|r| {
        store::list_for_user(r, user_id)?
            .iter()
            .map(|c| render(app, r, c, None))
            .collect::<Result<Vec<_>>>()
    })?;
    let body = filtered_list(app, req, "application_credentials", items, &["name"], None);
    Ok(Response::ok(&body))
}

/// Target of get/delete_application_credential (see `owner_target`).
pub fn member_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let (_, target) = owner_target(app, p.get("user_id"), p.get("application_credential_id"))?;
    Ok(target)
}

/// The target of get/delete: the credential's own user, never the path's (upstream's
/// _update_request_user_id_attribute); the path's only when there is no such credential.
fn owner_target(
    app: &App,
    path_user_id: &str,
    id: &str,
) -> Result<(Option<ApplicationCredential>, Value)> {
    let cred = app.store.read(|r| store::get(r, id))?;
    let target = match &cred {
        Some(c) => json!({"user_id": c.user_id, "target": {"user_id": c.user_id}}),
        None => json!({"user_id": path_user_id}),
    };
    Ok((cred, target))
}

/// GET /v3/users/{user_id}/application_credentials/{id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("application_credential_id");
    block_delegated(granted.context())?;
    let cred = app.store.read(|r| store::get(r, id))?;
    let cred = cred.ok_or_else(|| Error::not_found("Application Credential", id))?;
    let body = app.store.read(|r| render(app, r, &cred, None))?;
    Ok(Response::ok(&json!({"application_credential": body})))
}

/// DELETE /v3/users/{user_id}/application_credentials/{id}
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("application_credential_id");
    let context = granted.context();
    block_delegated(context)?;
    check_unrestricted(context)?;
    app.store.write(|w| {
        let cred = store::require(w, id)?;
        store::delete(w, &cred)
    })?;
    Ok(Response::no_content())
}
