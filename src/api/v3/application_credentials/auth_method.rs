//! The `application_credential` auth method and its tokens: authenticate by id or by name and
//! user, the token's `application_credential` section, and what such a token may not do.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::model::{ApplicationCredential, User};
use crate::store::application_credentials as store;
use crate::store::{identity, resource, Reader};

use super::{is_delegated_method, render_rule, rules_of};

/// Authenticates an `application_credential` method: its user id and the credential. The
/// request may not choose a scope; the token is scoped to the credential's project. `now`
/// is the request's time.
pub fn authenticate(
    app: &App,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    now: f64,
) -> Result<(String, ApplicationCredential)> {
    let payload = identity_obj
        .get("application_credential")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("application_credential", "identity"))?;
    let cred = app.store.read(|r| lookup(r, payload))?;
    if auth.contains_key("scope") {
        // Upstream: "Application credentials cannot request a scope." (a 401).
        return Err(Error::unauthenticated());
    }
    let secret = payload.get("secret").and_then(Value::as_str).unwrap_or("");
    // Verify outside any transaction: hashing is slow by design.
    let secret_ok = crate::password::verify(secret, &cred.secret_hash);
    let now_us = store::to_micros(now);
    let expired = cred.expires_at.is_some_and(|e| now_us >= e);
    if !secret_ok || expired {
        return Err(Error::unauthenticated());
    }
    let usable = app.store.read(|r| -> Result<_> {
        let Some(user) = identity::get_user(r, &cred.user_id)? else {
            return Ok(false);
        };
        let domain_enabled = resource::get_domain(r, &user.domain_id)?.is_some_and(|d| d.enabled);
        Ok(user.enabled && domain_enabled)
    })?;
    if !usable {
        return Err(Error::unauthenticated());
    }
    Ok((cred.user_id.clone(), cred))
}

/// The credential an auth payload names: by id, or by name and its user.
fn lookup(r: &impl Reader, payload: &Map<String, Value>) -> Result<ApplicationCredential> {
    if let Some(id) = payload.get("id").and_then(Value::as_str) {
        return Ok(store::require(r, id)?);
    }
    let Some(name) = payload.get("name").and_then(Value::as_str) else {
        return Err(Error::expecting("name or ID", "application credential"));
    };
    let user_obj = payload
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "application credential"))?;
    let user: Option<User> = if let Some(id) = user_obj.get("id").and_then(Value::as_str) {
        identity::get_user(r, id)?
    } else {
        let domain = user_obj
            .get("domain")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::expecting("domain", "user"))?;
        let domain = if let Some(id) = domain.get("id").and_then(Value::as_str) {
            resource::get_domain(r, id)?
        } else if let Some(name) = domain.get("name").and_then(Value::as_str) {
            resource::find_domain_by_name(r, name)?
        } else {
            return Err(Error::expecting("id or name", "domain"));
        };
        let user_name = user_obj.get("name").and_then(Value::as_str).unwrap_or("");
        match domain {
            Some(d) => identity::find_user_by_name(r, &d.id, user_name)?,
            None => None,
        }
    };
    let user = user.ok_or_else(Error::unauthenticated)?;
    store::find_by_name(r, &user.id, name)?.ok_or_else(|| {
        Error::Unauthorized(format!("Could not find application credential: {name}"))
    })
}

/// The token body's `application_credential` section.
pub fn token_section(r: &impl Reader, cred: &ApplicationCredential) -> Result<Value> {
    let mut out = json!({"id": cred.id, "name": cred.name,
                         "restricted": cred.unrestricted != Some(true)});
    if let Some(rules) = rules_of(r, cred)? {
        out["access_rules"] = Value::Array(rules.iter().map(render_rule).collect());
    }
    Ok(out)
}

/// Upstream's validate_token access-rules check: a token whose credential has access rules
/// validates only for a caller announcing `OpenStack-Identity-Access-Rules` >= 1.0.
pub fn check_access_rules_support(context: &AuthContext, header: Option<&str>) -> Result<()> {
    if crate::service::delegation::has_access_rules(context)
        && !header
            .and_then(|h| h.trim().parse::<f64>().ok())
            .is_some_and(|v| v >= 1.0)
    {
        return Err(Error::NotFound("Failed to validate token".to_string()));
    }
    Ok(())
}

/// For the `token` method: a delegated token may not be exchanged for another token.
pub fn check_rescope(parent: &AuthContext) -> Result<()> {
    if parent.trust.is_some() {
        return Err(Error::forbidden_action(
            "Using trust-scoped token to create another token. Create a new trust-scoped \
             token instead",
        ));
    }
    if is_delegated_method(&parent.token.methods) {
        return Err(Error::forbidden_action(
            "Using a delegated token to create another token is not allowed.",
        ));
    }
    Ok(())
}
