//! POST /v3/users/{user_id}/application_credentials: the caller's own credential, on the
//! token's project, with roles the token holds; the secret is returned once and stored hashed.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, AccessRule, ApplicationCredential, Target};
use crate::store::application_credentials as store;
use crate::store::assignment;

use super::validate::{create_input, parse_expiration};
use super::{block_delegated, check_unrestricted, render};

/// A new secret as upstream's _generate_secret: 64 random bytes, urlsafe base64, unpadded.
pub(super) fn generate_secret() -> Result<String> {
    let mut bytes = [0u8; 64];
    getrandom::getrandom(&mut bytes).map_err(Error::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Target of create_application_credential: the path's user, after the body's schema.
pub fn create_target(_: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    create_input(req)?;
    Ok(json!({"user_id": p.get("user_id")}))
}

/// POST /v3/users/{user_id}/application_credentials
pub fn create(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    let input = create_input(req)?;
    let context = granted.context();
    block_delegated(context)?;
    check_unrestricted(context)?;
    if context.user.id != user_id {
        return Err(Error::forbidden_action(
            "Cannot create an application credential for another user.",
        ));
    }
    let project_id = context
        .project_id()
        .ok_or_else(|| Error::forbidden_action("identity:create_application_credential"))?
        .to_string();
    let expires_at = match input.get("expires_at").and_then(Value::as_str) {
        Some(s) => Some(parse_expiration(s, req.now)?),
        None => None,
    };
    let role_ids = requested_role_ids(app, context, &input)?;
    let secret = match input.get("secret").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => generate_secret()?,
    };
    // Hash outside the transaction: it is slow on purpose.
    let secret_hash = app.hasher.hash(&secret).map_err(Error::internal)?;
    let requested_rules: Option<Vec<Map<String, Value>>> = input
        .get("access_rules")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect());
    let text = |k: &str| input.get(k).and_then(Value::as_str);
    let cred = ApplicationCredential {
        id: text("id").map_or_else(new_id, str::to_string),
        name: text("name").unwrap_or_default().to_string(),
        description: text("description").map(str::to_string),
        user_id: user_id.to_string(),
        project_id: Some(project_id.clone()),
        system: None,
        expires_at,
        unrestricted: input.get("unrestricted").and_then(Value::as_bool),
        secret_hash,
        role_ids,
        access_rule_ids: None,
    };
    let rendered = app.store.write(|w| {
        let at = app.config.federation.as_of(req.now);
        check_role_assignments(w, user_id, &project_id, &cred.role_ids, at)?;
        let access_rule_ids = match &requested_rules {
            Some(rules) if !rules.is_empty() => Some(
                rules
                    .iter()
                    .map(|rule| upsert_rule(w, user_id, rule))
                    .collect::<Result<Vec<_>>>()?,
            ),
            _ => None,
        };
        let cred = ApplicationCredential {
            access_rule_ids,
            ..cred.clone()
        };
        store::create(w, &cred)?;
        render(app, w, &cred, Some(&secret))
    })?;
    Ok(Response::created(
        &json!({"application_credential": rendered}),
    ))
}

/// The credential's roles: the requested ones (by id or name, with what they imply), which
/// must all be in the caller's token; none requested means the token's roles.
fn requested_role_ids(
    app: &App,
    context: &AuthContext,
    input: &Map<String, Value>,
) -> Result<Vec<String>> {
    let token_role_ids: Vec<String> = context.roles.iter().map(|r| r.id.clone()).collect();
    let requested = match input.get("roles").and_then(Value::as_array) {
        Some(requested) if !requested.is_empty() => requested,
        _ => return Ok(token_role_ids),
    };
    let ids = app.store.read(|r| -> Result<_> {
        let ids = crate::api::v3::roles::role_ids_by_ref(r, requested)?;
        Ok(assignment::expand_implied(r, ids)?)
    })?;
    if ids.iter().any(|id| !token_role_ids.contains(id)) {
        return Err(Error::bad_request(
            "Invalid application credential: Cannot create an application credential \
             with unassigned role",
        ));
    }
    Ok(ids)
}

/// Upstream's _require_user_has_role_in_project, against the live assignments.
fn check_role_assignments(
    w: &impl crate::store::Writer,
    user_id: &str,
    project_id: &str,
    role_ids: &[String],
    at: crate::store::shadow::AsOf,
) -> Result<()> {
    let held =
        assignment::effective_role_ids(w, user_id, &Target::Project(project_id.to_string()), at)?;
    if let Some(missing) = role_ids.iter().find(|r| !held.contains(r)) {
        return Err(Error::bad_request(&format!(
            "Invalid application credential: Could not find role assignment with role: \
             {missing}, user or group: {user_id}, project, domain, or system: {project_id}."
        )));
    }
    Ok(())
}

/// An access rule for a new credential: the one named by id (it must be the user's), else the
/// user's equal rule, else a new one.
fn upsert_rule(
    w: &impl crate::store::Writer,
    user_id: &str,
    rule: &Map<String, Value>,
) -> Result<String> {
    let field = |k: &str| rule.get(k).and_then(Value::as_str).map(str::to_string);
    let id = field("id");
    if let Some(id) = &id {
        if let Some(existing) = store::get_rule(w, id)? {
            if existing.user_id != user_id {
                return Err(Error::not_found("Access Rule", id));
            }
            return Ok(existing.id);
        }
    }
    let (service, path, method) = (field("service"), field("path"), field("method"));
    if let Some(existing) = store::find_rule(
        w,
        user_id,
        service.as_deref(),
        path.as_deref(),
        method.as_deref(),
    )? {
        return Ok(existing.id);
    }
    let new = AccessRule {
        id: id.unwrap_or_else(new_id),
        user_id: user_id.to_string(),
        service,
        path,
        method,
    };
    store::put_rule(w, &new)?;
    Ok(new.id)
}
