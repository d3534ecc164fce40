//! OS-TRUST (/v3/OS-TRUST/trusts): create, list (trustor/trustee filters), get, delete, the
//! trust's roles; trust-scoped tokens (`{"scope": {"OS-TRUST:trust": {"id": ...}}}`),
//! impersonation, `remaining_uses`, `expires_at` and redelegation. Upstream:
//! keystone/api/trusts.py, keystone/trust/core.py, keystone/models/token_model.py.
//!
//! One job a file: this one holds the shared checks, the renderer and the list, get, roles
//! and delete views; `create` the create view with its schema and redelegation rules,
//! `tokens` what trust-scoped tokens need.

mod create;
#[cfg(test)]
mod tests;
mod tokens;

pub use create::{create, create_target};
pub use tokens::{consume_use, render_token_scope, token_roles_json, token_scope, token_section};

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{RevokeEvent, Trust};
use crate::policy::Action;
use crate::store::{assignment, revocation, trusts as store, Reader};

use super::application_credentials::is_delegated_method;
use super::{list_response, render_role, self_link};
use crate::store::application_credentials::to_micros;

/// Upstream's `[trust] max_redelegation_count` default.
pub(super) const MAX_REDELEGATION_COUNT: i64 = 3;

/// Upstream hides the detail of a plain Forbidden.
pub(super) fn forbidden() -> Error {
    Error::Forbidden("You are not authorized to perform the requested action.".to_string())
}

/// Upstream's _check_delegated_token: application credential (and other delegated) tokens
/// may not touch trusts; trust-scoped tokens may (that is redelegation).
pub(super) fn check_delegated(context: &AuthContext) -> Result<()> {
    if is_delegated_method(&context.token.methods) {
        return Err(Error::forbidden_action(
            "Delegated tokens cannot manage trusts.",
        ));
    }
    Ok(())
}

fn expires_str(t: &Trust) -> Value {
    json!(t
        .expires_at
        .map(|us| crate::token::format_time(us as f64 / 1e6)))
}

/// The trust's roles as full role references (links included).
fn full_roles(app: &App, r: &impl Reader, t: &Trust) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for id in &t.role_ids {
        if let Some(role) = assignment::get_role(r, id)? {
            out.push(render_role(app, &role));
        }
    }
    Ok(out)
}

fn roles_links(app: &App, t: &Trust) -> Value {
    // Upstream builds this link without the OS-TRUST/trusts part; so do we.
    json!({"self": format!("{}/v3/{}/roles", app.public_url, t.id), "next": null,
           "previous": null})
}

/// A trust as upstream renders it: with its roles for create and get, without for lists.
pub(super) fn render(app: &App, r: &impl Reader, t: &Trust, with_roles: bool) -> Result<Value> {
    let mut out = Map::new();
    if with_roles {
        out.insert("roles".into(), Value::Array(full_roles(app, r, t)?));
    }
    for (k, v) in &t.extra {
        out.insert(k.clone(), v.clone());
    }
    out.insert("id".into(), json!(t.id));
    out.insert("trustor_user_id".into(), json!(t.trustor_user_id));
    out.insert("trustee_user_id".into(), json!(t.trustee_user_id));
    out.insert("project_id".into(), json!(t.project_id));
    out.insert("impersonation".into(), json!(t.impersonation));
    out.insert("expires_at".into(), expires_str(t));
    out.insert("remaining_uses".into(), json!(t.remaining_uses));
    out.insert("deleted_at".into(), Value::Null);
    out.insert("redelegated_trust_id".into(), json!(t.redelegated_trust_id));
    out.insert("redelegation_count".into(), json!(t.redelegation_count));
    if with_roles {
        out.insert("roles_links".into(), roles_links(app, t));
    }
    out.insert(
        "links".into(),
        self_link(app, &format!("OS-TRUST/trusts/{}", t.id)),
    );
    Ok(Value::Object(out))
}

/// Target of the member calls: the trust, or 404 before any policy check (upstream's
/// build_target).
pub fn member_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(trust_target(app, p.get("trust_id"), req.now)?.1)
}

/// The trust `id`, live at `now`, and its policy target.
fn trust_target(app: &App, id: &str, now: f64) -> Result<(Trust, Value)> {
    let trust = app
        .store
        .read(|r| store::require_live(r, id, to_micros(now)))?;
    let target = json!({"target": {"trust": {
        "id": trust.id, "trustor_user_id": trust.trustor_user_id,
        "trustee_user_id": trust.trustee_user_id, "project_id": trust.project_id,
        "impersonation": trust.impersonation}}});
    Ok((trust, target))
}

/// The query filter of GET /v3/OS-TRUST/trusts: trustor, else trustee (empty means absent).
fn list_filter(req: &Request) -> (Option<&str>, Option<&str>) {
    let trustor = req.query("trustor_user_id").filter(|s| !s.is_empty());
    let trustee = req.query("trustee_user_id").filter(|s| !s.is_empty());
    (trustor, trustee)
}

/// The action of GET /v3/OS-TRUST/trusts: upstream picks it by the filter given.
pub fn list_action(req: &Request) -> Action {
    match list_filter(req) {
        (Some(_), _) => Action::ListTrustsForTrustor,
        (None, Some(_)) => Action::ListTrustsForTrustee,
        (None, None) => Action::ListTrusts,
    }
}

/// Target of the list: the filtered-on user, as the trust attribute the rule reads.
pub fn list_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    Ok(match list_filter(req) {
        (Some(u), _) => json!({"target": {"trust": {"trustor_user_id": u}}}),
        (None, Some(u)) => json!({"target": {"trust": {"trustee_user_id": u}}}),
        (None, None) => json!({}),
    })
}

/// GET /v3/OS-TRUST/trusts[?trustor_user_id=|?trustee_user_id=]
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let (trustor, trustee) = list_filter(req);
    let context = granted.context();
    check_delegated(context)?;
    let items = app.store.read(|r| {
        let all = store::list(r)?;
        let selected: Vec<&Trust> = if req.query.is_empty() {
            all.iter().collect()
        } else if let Some(u) = trustor {
            all.iter().filter(|t| t.trustor_user_id == u).collect()
        } else if let Some(u) = trustee {
            all.iter().filter(|t| t.trustee_user_id == u).collect()
        } else {
            Vec::new()
        };
        selected
            .into_iter()
            .map(|t| render(app, r, t, false))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(Response::ok(&list_response(app, req, "trusts", items)))
}

/// GET /v3/OS-TRUST/trusts/{id}
pub fn get(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    let body = app.store.read(|r| render(app, r, &trust, true))?;
    Ok(Response::ok(&json!({"trust": body})))
}

/// GET /v3/OS-TRUST/trusts/{id}/roles
pub fn list_roles(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    let roles = app.store.read(|r| full_roles(app, r, &trust))?;
    Ok(Response::ok(
        &json!({"roles": roles, "links": roles_links(app, &trust)}),
    ))
}

/// GET/HEAD /v3/OS-TRUST/trusts/{id}/roles/{role_id}
pub fn get_role(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    let role_id = p.get("role_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    if !trust.role_ids.iter().any(|r| r == role_id) {
        return Err(Error::not_found("role", role_id));
    }
    let role = app
        .store
        .read(|r| assignment::get_role(r, role_id))?
        .ok_or_else(|| Error::not_found("role", role_id))?;
    Ok(Response::ok(&json!({"role": render_role(app, &role)})))
}

/// DELETE /v3/OS-TRUST/trusts/{id}: the trust and those redelegated from it; their tokens
/// are revoked.
pub fn delete(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    let context = granted.context();
    check_delegated(context)?;
    let now = req.now as i64;
    app.store.write(|w| {
        let deleted = store::delete(w, id)?;
        let events: Vec<RevokeEvent> = deleted
            .into_iter()
            .rev()
            .map(|t| RevokeEvent {
                trust_id: Some(t),
                issued_before: now,
                revoked_at: now,
                ..Default::default()
            })
            .collect();
        revocation::append(w, &events)
    })?;
    app.store.reload_revocations()?;
    Ok(Response::no_content())
}
