//! Granting and revoking a role: v3's grants (`create_grant`/`delete_grant`) and v2.0's tenant
//! roles (`add_role_to_user_and_project`/`remove_role_from_user_and_project`, under
//! /v2.0/tenants/{id}/users/{id}/roles/OS-KSADM/{id}), one write transaction each.
//!
//! Revocation: upstream records no revocation event for a removed role; it drops its token
//! cache, and every token's roles are computed again at validation (a project token whose
//! user has no role left there stops validating). Here validation always computes them, so
//! the removal itself is the whole effect.

use crate::error::{Error, Result};
use crate::model::{Assignment, Role, Target};
use crate::store::{assignment, resource, Store, Writer};

/// What granting a role already granted does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenGranted {
    /// v3's PUT is idempotent.
    Succeed,
    /// v2.0's `add_role_to_user_and_project` refuses (409).
    Conflict,
}

/// Upstream's `create_grant` checks, inside the transaction: the role exists, the project or
/// domain exists, and a domain-specific role is granted only on projects of its domain.
fn check_grant(w: &impl Writer, grant: &Assignment) -> Result<Role> {
    let role = assignment::get_role(w, &grant.role_id)?
        .ok_or_else(|| Error::not_found("role", &grant.role_id))?;
    match &grant.target {
        Target::Project(pid) => {
            let project = resource::require_project(w, pid)?;
            if role
                .domain_id
                .as_ref()
                .is_some_and(|d| d != &project.domain_id)
            {
                return Err(Error::Forbidden(format!(
                    "Project {pid} must be in the same domain as the role {} being assigned.",
                    grant.role_id
                )));
            }
        }
        Target::Domain(did) => {
            resource::require_domain(w, did)?;
        }
        Target::System => {}
    }
    Ok(role)
}

/// Grants the role; the role granted.
pub fn grant_role(store: &Store, grant: &Assignment, when_granted: WhenGranted) -> Result<Role> {
    store.write(|w| {
        let role = check_grant(w, grant)?;
        if when_granted == WhenGranted::Conflict && assignment::exists(w, grant)? {
            let target = match &grant.target {
                Target::Project(id) | Target::Domain(id) => id.as_str(),
                Target::System => "system",
            };
            return Err(Error::duplicate(
                "role grant",
                &format!(
                    "User {} already has role {} in tenant {target}",
                    grant.actor_id, grant.role_id
                ),
            ));
        }
        assignment::grant(w, grant)?;
        Ok(role)
    })
}

/// Revokes the role; `Ok(false)` when the grant was not there (each API words its 404).
pub fn revoke_role(store: &Store, grant: &Assignment) -> Result<bool> {
    Ok(store.write(|w| assignment::revoke(w, grant))?)
}
