//! Assuming an agency: who may (a user of the trusted account, with its own token, not an
//! agency token), and what it then acts as. Shared by the agency token (POST
//! /v3/auth/tokens `assume_role`) and the temporary keys by agency (OS-CREDENTIAL
//! securitytokens `assume_role`).

use crate::auth::{AuthContext, ResolvedScope};
use crate::error::{Error, Result};
use crate::model::{Domain, Role, User};
use crate::store::iam::agencies::{self as store, Agency};
use crate::store::{resource, Reader};

use super::{agency_user, scope_roles, AssumedBy};

/// Temporary keys live 900 s to a day (Huawei's `duration_seconds`), 900 s by default.
const MIN_DURATION: u64 = 900;
const MAX_DURATION: u64 = 86_400;

/// What a caller acts as after assuming an agency for temporary keys: the agency (as
/// `user`, in account A), domain-scoped to A with the agency's domain grants there.
#[derive(Debug, Clone)]
pub struct Assumed {
    pub agency: Agency,
    pub user: User,
    pub user_domain: Domain,
    pub assumed_by: AssumedBy,
    pub scope: ResolvedScope,
    pub roles: Vec<Role>,
    /// Unix seconds: the requested duration, cut at the agency's expiry and the caller's
    /// token's.
    pub expires_at: f64,
}

fn refused() -> Error {
    Error::unauthenticated()
}

/// The agency `agency_name` of the account named by id (first) or name, if `caller` may
/// assume it now: 401 when the account or agency is unknown or the agency expired, 403
/// when the caller is not a user of its trusted account or is itself an agency token.
pub fn find_assumable(
    r: &impl Reader,
    caller: &AuthContext,
    agency_name: &str,
    domain_id: Option<&str>,
    domain_name: Option<&str>,
    now: f64,
) -> Result<(Agency, Domain)> {
    if caller.assumed_by.is_some() {
        return Err(Error::Forbidden(
            "An agency token cannot assume an agency.".to_string(),
        ));
    }
    let domain = match (domain_id, domain_name) {
        (Some(id), _) => resource::get_domain(r, id)?,
        (None, Some(name)) => resource::find_domain_by_name(r, name)?,
        (None, None) => return Err(Error::expecting("domain_id or domain_name", "assume_role")),
    };
    let domain = domain.filter(|d| d.enabled).ok_or_else(refused)?;
    let agency = store::find_by_name(r, &domain.id, agency_name)?.ok_or_else(refused)?;
    if agency.expired(now) {
        return Err(refused());
    }
    if caller.user.domain_id != agency.trust_domain_id {
        return Err(Error::Forbidden(
            "The caller's account is not trusted by this agency.".to_string(),
        ));
    }
    Ok((agency, domain))
}

/// Temporary keys by agency: `caller` assumes `agency_name` of account A (by id or name)
/// for `duration_seconds` (900..=86400, default 900). Domain-scoped to A with the agency's
/// domain grants; 403 when it has none there.
pub fn assume(
    r: &impl Reader,
    caller: &AuthContext,
    agency_name: &str,
    domain_id: Option<&str>,
    domain_name: Option<&str>,
    duration_seconds: Option<u64>,
    now: f64,
) -> Result<Assumed> {
    let duration = duration_seconds.unwrap_or(MIN_DURATION);
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(Error::validation(format!(
            "duration_seconds must be between {MIN_DURATION} and {MAX_DURATION}."
        )));
    }
    let (agency, domain) = find_assumable(r, caller, agency_name, domain_id, domain_name, now)?;
    let scope = ResolvedScope::Domain(domain.clone());
    let roles = scope_roles(r, &agency, &scope)?;
    if roles.is_empty() {
        return Err(Error::Forbidden(
            "The agency has no permission on its account.".to_string(),
        ));
    }
    let mut expires_at = (now + duration as f64).min(caller.token.expires_at);
    if let Some(end) = agency.expire_at {
        expires_at = expires_at.min(end);
    }
    let mut real = caller.user.clone();
    real.password_hash = None;
    real.password_history = Vec::new();
    Ok(Assumed {
        user: agency_user(&agency, &domain, &real),
        user_domain: domain,
        assumed_by: AssumedBy {
            user: real,
            domain: caller.user_domain.clone(),
        },
        agency,
        scope,
        roles,
        expires_at,
    })
}

#[cfg(test)]
#[path = "agency_assume_tests.rs"]
mod tests;
