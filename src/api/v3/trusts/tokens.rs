//! Trust-scoped tokens: the scope a token request names, checked as upstream mints it; the
//! use a token takes; the token body's trust sections.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::model::{Domain, Role, Trust};
use crate::store::application_credentials::to_micros;
use crate::store::{identity, resource, trusts as store, Reader, StoreError};
use crate::token::Scope;

use super::forbidden;

/// The scope of a token request naming `{"OS-TRUST:trust": {"id": ...}}`, checked as upstream
/// mints it: a live trust, the caller its trustee, the trustor usable and still holding the
/// delegated roles, at `now`.
pub fn token_scope(
    r: &impl Reader,
    trust_obj: &Value,
    user_id: &str,
    at: crate::store::shadow::AsOf,
) -> Result<(Scope, Trust)> {
    let now = at.now;
    let id = trust_obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting("trust_id", "trust"))?;
    let trust = store::get_live(r, id, to_micros(now))?.ok_or_else(Error::unauthenticated)?;
    let project_id = trust
        .project_id
        .clone()
        .ok_or_else(Error::unauthenticated)?;
    let project = resource::get_project(r, &project_id)?.ok_or_else(Error::unauthenticated)?;
    let domain = resource::get_domain(r, &project.domain_id)?.ok_or_else(Error::unauthenticated)?;
    if !project.enabled || !domain.enabled {
        return Err(Error::unauthenticated());
    }
    if trust.trustee_user_id != user_id {
        return Err(forbidden());
    }
    let trustor = identity::get_user(r, &trust.trustor_user_id)?.ok_or_else(forbidden)?;
    let trustor_domain_enabled =
        resource::get_domain(r, &trustor.domain_id)?.is_some_and(|d| d.enabled);
    if !trustor.enabled || !trustor_domain_enabled {
        return Err(forbidden());
    }
    let roles =
        crate::service::delegation::trust_token_roles(r, &trust, at).map_err(|_| forbidden())?;
    if roles.is_empty() {
        return Err(forbidden());
    }
    Ok((
        Scope::Trust {
            project_id,
            trust_id: trust.id.clone(),
        },
        trust,
    ))
}

/// Takes one use of the trust a token was just issued from.
pub fn consume_use(app: &App, trust_id: &str, now: f64) -> Result<()> {
    // Validation does not read remaining uses: tokens already issued stay valid.
    app.store
        .write_bookkeeping(|w| store::consume_use(w, trust_id, to_micros(now)))
        .map_err(|e| match e {
            StoreError::NotFound { .. } => Error::unauthenticated(),
            other => other.into(),
        })
}

/// The token body's `OS-TRUST:trust` section.
pub fn token_section(trust: &Trust) -> Value {
    json!({"id": trust.id, "trustor_user": {"id": trust.trustor_user_id},
           "trustee_user": {"id": trust.trustee_user_id}, "impersonation": trust.impersonation})
}

/// A trust token's roles as upstream shows them: full role references without links.
pub fn token_roles_json(roles: &[Role]) -> Value {
    Value::Array(
        roles
            .iter()
            .map(|r| {
                json!({"id": r.id, "name": r.name, "domain_id": r.domain_id,
                       "description": r.description, "options": r.options})
            })
            .collect(),
    )
}

/// A trust token's scope sections, as upstream renders them: `OS-TRUST:trust`, the trust's
/// project, the roles (full references). `user` already is the trustor when impersonating.
pub fn render_token_scope(
    token: &mut Map<String, Value>,
    context: &AuthContext,
    project: &crate::model::Project,
    domain: &Domain,
) {
    if let Some(trust) = &context.trust {
        token.insert("OS-TRUST:trust".into(), token_section(trust));
    }
    token.insert(
        "project".into(),
        json!({"domain": {"id": domain.id, "name": domain.name}, "id": project.id,
               "name": project.name}),
    );
    token.insert("roles".into(), token_roles_json(&context.roles));
}
