//! Delegation at token validation, without HTTP: what a trust, an OAuth1 access token or an
//! application credential lets a token stand for. `crate::auth::resolve` calls these; the
//! HTTP handlers of each (src/api/trusts.rs, oauth1/, application_credentials/) manage them.

use crate::auth::{AuthContext, AuthError, ResolvedScope};
use crate::model::{ApplicationCredential, Domain, Role, Target, Trust, User};
use crate::store::error::Kind;
use crate::store::shadow::AsOf;
use crate::store::StoreError;
use crate::store::{application_credentials, assignment, identity, resource, trusts, Reader};

/// A token's delegation checks fail as the token's own validation does.
type Result<T> = std::result::Result<T, AuthError>;

// --- OS-TRUST ---

/// At validation: the trust of a trust-scoped token and the project it scopes to. A trust
/// that has used up its uses still backs the tokens already issued from it.
pub fn trust_scope(
    r: &impl Reader,
    user: &User,
    trust_id: &str,
    now: f64,
) -> Result<(Trust, ResolvedScope)> {
    let invalid = AuthError::invalid_token;
    let trust: Trust = r
        .get::<Trust>(crate::store::tables::TRUSTS, trust_id)?
        .filter(|t| {
            t.expires_at
                .is_none_or(|e| crate::store::application_credentials::to_micros(now) <= e)
        })
        .ok_or_else(|| StoreError::not_found(Kind::Trust, trust_id))?;
    if trust.trustee_user_id != user.id {
        return Err(invalid());
    }
    let trustor = identity::get_user(r, &trust.trustor_user_id)?.ok_or_else(invalid)?;
    let trustor_domain = resource::get_domain(r, &trustor.domain_id)?.ok_or_else(invalid)?;
    if !trustor.enabled || !trustor_domain.enabled {
        return Err(invalid());
    }
    let project_id = trust.project_id.clone().ok_or_else(invalid)?;
    let project = resource::get_project(r, &project_id)?.ok_or_else(invalid)?;
    let domain = resource::get_domain(r, &project.domain_id)?.ok_or_else(invalid)?;
    if !project.enabled || !domain.enabled {
        return Err(invalid());
    }
    Ok((trust, ResolvedScope::Project { project, domain }))
}

/// A trust token's roles: the delegated roles and what they imply, each still held by the
/// original trustor on the project (global roles only). Any role lost voids the token.
pub fn trust_token_roles(r: &impl Reader, trust: &Trust, at: AsOf) -> Result<Vec<Role>> {
    let invalid = AuthError::invalid_token;
    let original = trusts::pedigree(r, trust)?
        .pop()
        .unwrap_or_else(|| trust.clone());
    let project_id = trust.project_id.clone().ok_or_else(invalid)?;
    let held = assignment::effective_role_ids(
        r,
        &original.trustor_user_id,
        &Target::Project(project_id),
        at,
    )?;
    let mut out = Vec::new();
    for id in assignment::expand_implied(r, trust.role_ids.clone())? {
        if !held.contains(&id) {
            return Err(invalid());
        }
        if let Some(role) = assignment::get_role(r, &id)? {
            if role.domain_id.is_none() {
                out.push(role);
            }
        }
    }
    Ok(out)
}

/// The user a trust token stands for: the trustor when the trust impersonates.
pub fn trust_token_user(
    r: &impl Reader,
    trust: &Trust,
    trustee: User,
    trustee_domain: Domain,
) -> Result<(User, Domain)> {
    if !trust.impersonation {
        return Ok((trustee, trustee_domain));
    }
    let invalid = AuthError::invalid_token;
    let trustor = identity::get_user(r, &trust.trustor_user_id)?.ok_or_else(invalid)?;
    let domain = resource::get_domain(r, &trustor.domain_id)?.ok_or_else(invalid)?;
    Ok((trustor, domain))
}

// --- OS-OAUTH1 ---

/// `_get_oauth_roles`: the access token's roles with their implied roles, kept when the user
/// still has them on the project. A deleted access token (or consumer) invalidates the token.
pub fn oauth1_token_roles(
    r: &impl Reader,
    user_id: &str,
    project_id: &str,
    access_token_id: &str,
    as_of: AsOf,
) -> Result<Vec<Role>> {
    let invalid = AuthError::invalid_token;
    let at = crate::store::oauth1::find_access_token(r, access_token_id)?.ok_or_else(invalid)?;
    if at.authorizing_user_id != user_id || at.project_id != project_id {
        return Err(invalid());
    }
    let user_roles: Vec<String> =
        assignment::token_roles(r, user_id, &Target::Project(project_id.to_string()), as_of)?
            .into_iter()
            .map(|role| role.id)
            .collect();
    let mut out = Vec::new();
    for id in assignment::expand_implied(r, at.role_ids.clone())? {
        if user_roles.contains(&id) {
            if let Some(role) = assignment::get_role(r, &id)? {
                out.push(role);
            }
        }
    }
    Ok(out)
}

// --- application credentials ---

/// At validation: the token's credential, still there, its user's and not expired.
pub fn app_cred(r: &impl Reader, id: &str, user: &User, now: f64) -> Result<ApplicationCredential> {
    let cred = application_credentials::require(r, id)?;
    let now_us = application_credentials::to_micros(now);
    if cred.user_id != user.id || cred.expires_at.is_some_and(|e| now_us >= e) {
        return Err(AuthError::invalid_token());
    }
    Ok(cred)
}

/// A credential token's roles: the credential's roles the user still holds on the project.
pub fn app_cred_token_roles(
    r: &impl Reader,
    cred: &ApplicationCredential,
    user_id: &str,
    target: &Target,
    at: AsOf,
) -> Result<Vec<Role>> {
    let held = assignment::effective_role_ids(r, user_id, target, at)?;
    let mut out = Vec::new();
    for id in cred.role_ids.iter().filter(|id| held.contains(id)) {
        if let Some(role) = assignment::get_role(r, id)? {
            out.push(role);
        }
    }
    Ok(out)
}

/// Whether a token's credential carries access rules (only services that enforce them may
/// accept it).
pub fn has_access_rules(context: &AuthContext) -> bool {
    context.app_cred.as_ref().is_some_and(|c| {
        c.access_rule_ids
            .as_ref()
            .is_some_and(|ids| !ids.is_empty())
    })
}
