//! What a token from POST /v3/auth/tokens is scoped to: a delegation's scope, else the
//! requested one (or the user's default project), held only with a role on it.

use serde_json::{Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::model::Target;
use crate::store::shadow::AsOf;
use crate::store::{assignment, identity, resource, Reader};
use crate::token::Scope;

use super::credentials::find_domain;
use super::federated;
use super::issue::Proof;

/// What the token is scoped to: an oauth1 access token's project, an application
/// credential's project, a trust, else the requested scope or the user's default project.
pub(super) fn token_scope(
    app: &App,
    auth: &Map<String, Value>,
    proof: &mut Proof,
    now: f64,
) -> Result<(Scope, Option<crate::model::Trust>)> {
    let user_id = &proof.user_id;
    let groups = proof
        .federated
        .as_ref()
        .map(|f| f.group_ids.as_slice())
        .unwrap_or_default();
    let trust_scope = auth.get("scope").and_then(|s| s.get("OS-TRUST:trust"));
    if let Some(oauth) = proof.oauth.take() {
        return Ok((
            Scope::OAuth1 {
                project_id: oauth.project_id,
                access_token_id: oauth.access_token_id,
            },
            None,
        ));
    }
    if let Some(cred) = &proof.app_cred {
        // An application credential's token is scoped to its project, nothing else.
        let project_id = cred.project_id.clone().ok_or_else(Error::unauthenticated)?;
        return Ok((Scope::Project(project_id), None));
    }
    if let Some(trust_obj) = trust_scope {
        let (scope, trust) = app.store.read(|r| {
            let at = app.config.federation.as_of(now);
            crate::api::v3::trusts::token_scope(r, trust_obj, user_id, at)
        })?;
        return Ok((scope, Some(trust)));
    }
    let requested = auth.get("scope");
    federated::refuse_system_scope(proof, requested)?;
    let at = app.config.federation.as_of(now);
    let scope = app
        .store
        .read(|r| requested_scope(r, requested, user_id, groups, at))?;
    Ok((scope, None))
}

/// The scope a token request asks for. 401 when the user cannot have it, as upstream.
/// `groups`: a federated token's mapped groups, whose roles count as the user's.
fn requested_scope(
    r: &impl Reader,
    scope: Option<&Value>,
    user_id: &str,
    groups: &[String],
    at: AsOf,
) -> Result<Scope> {
    let Some(scope) = scope else {
        return default_scope(r, user_id, at);
    };
    if scope.as_str() == Some("unscoped") {
        return Ok(Scope::Unscoped);
    }
    let scope = scope
        .as_object()
        .ok_or_else(|| Error::expecting("project, domain or system", "scope"))?;
    let (resolved, target) = if let Some(project_obj) = scope.get("project") {
        let id = requested_project(r, project_obj)?;
        (Scope::Project(id.clone()), Target::Project(id))
    } else if let Some(domain_obj) = scope.get("domain") {
        let domain_obj = domain_obj
            .as_object()
            .ok_or_else(|| Error::expecting("domain", "scope"))?;
        let domain = find_domain(r, domain_obj)?.ok_or_else(Error::unauthenticated)?;
        if !domain.enabled {
            return Err(Error::unauthenticated());
        }
        (Scope::Domain(domain.id.clone()), Target::Domain(domain.id))
    } else if let Some(system) = scope.get("system") {
        if system.get("all").and_then(Value::as_bool) != Some(true) {
            return Err(Error::expecting("all", "system"));
        }
        (Scope::System("all".to_string()), Target::System)
    } else if scope.contains_key("OS-TRUST:trust") {
        return Err(Error::Forbidden(
            "Trusts are not supported yet.".to_string(),
        ));
    } else {
        return Err(Error::expecting("project, domain or system", "scope"));
    };
    if assignment::token_roles_with_groups(r, user_id, groups, &target, at)?.is_empty() {
        return Err(Error::unauthenticated());
    }
    Ok(resolved)
}

/// No scope asked for: the user's default project if it is usable, else unscoped.
fn default_scope(r: &impl Reader, user_id: &str, at: AsOf) -> Result<Scope> {
    let user = identity::require_user(r, user_id)?;
    if let Some(project_id) = user.default_project_id {
        if let Some(project) = resource::get_project(r, &project_id)? {
            let target = Target::Project(project.id.clone());
            // A project Huawei's OS-PROJECT status suspended is not usable either.
            let usable =
                project.enabled && !crate::store::iam::agencies::project_suspended(r, &project.id)?;
            if usable && !assignment::token_roles(r, user_id, &target, at)?.is_empty() {
                return Ok(Scope::Project(project.id));
            }
        }
    }
    Ok(Scope::Unscoped)
}

/// The project a scope names (by id, or by name in a domain), enabled in an enabled
/// domain; 401 otherwise.
fn requested_project(r: &impl Reader, project_obj: &Value) -> Result<String> {
    let project_obj: &Map<String, Value> = project_obj
        .as_object()
        .ok_or_else(|| Error::expecting("project", "scope"))?;
    let project = if let Some(id) = project_obj.get("id").and_then(Value::as_str) {
        resource::get_project(r, id)?
    } else {
        let name = project_obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::expecting("id or name", "project"))?;
        let domain_obj = project_obj
            .get("domain")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::expecting("domain", "project"))?;
        match find_domain(r, domain_obj)? {
            Some(domain) => resource::find_project_by_name(r, &domain.id, name)?,
            None => None,
        }
    };
    let project = project.ok_or_else(Error::unauthenticated)?;
    let domain = resource::get_domain(r, &project.domain_id)?.ok_or_else(Error::unauthenticated)?;
    if !project.enabled || !domain.enabled {
        return Err(Error::unauthenticated());
    }
    Ok(project.id)
}
