//! The user writes v3 and v2.0 both perform: create, update (an administrator's password reset
//! and enable/disable included), a user's own password change, and group membership. Each is
//! one write transaction with what upstream's identity manager does around it (the member
//! role of v2.0's tenant, revocation events); the callers check the body, hash any password
//! before calling (hashing is slow by design) and render the answer.

use serde_json::{Map, Value};

use crate::compliance;
use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::{new_id, ActorKind, Assignment, Target, User};
use crate::store::{assignment, identity, resource, revocation, Reader, Store, Writer};

use super::federation::{check_federated_refs, put_user_identities_in, FederatedObject};
use super::identity::user_revocation;

/// A user to create, its fields checked and its password already hashed.
pub struct NewUser {
    pub name: String,
    pub domain_id: String,
    pub enabled: bool,
    pub default_project_id: Option<String>,
    pub options: Map<String, Value>,
    pub password_hash: Option<String>,
    pub extra: Map<String, Value>,
    /// v2.0's `tenantId`: Pike's `create_user` checks the tenant exists and then gives the
    /// user the member role on it (`add_user_to_project`).
    pub join_project: bool,
    /// v3's `federated` (3.14): the user's federated identities, written with it.
    pub federated: Vec<FederatedObject>,
}

/// An update to apply to the record read inside the write transaction: fields this update
/// does not name keep what a concurrent update wrote.
#[derive(Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub default_project_id: Option<Option<String>>,
    /// Options to merge (a null value removes one).
    pub options: Option<Map<String, Value>>,
    /// A new password's hash, set by an administrator (None inside: the password is removed).
    pub password_hash: Option<Option<String>>,
    pub extra: Map<String, Value>,
    /// v2.0's `tenantId`: Pike's `update_user` checks a new tenant exists and moves the
    /// member role from the old tenant to the new one.
    pub move_member_role: bool,
    /// v3's `federated` (3.14): when not empty, replaces the user's federated identities.
    pub federated: Vec<FederatedObject>,
}

/// What an update changed, for the caller's answer.
pub struct Updated {
    pub old: User,
    pub new: User,
}

/// Upstream's `User.enabled` setter, run on create and on every update of an enabled user:
/// the failure count is cleared and, with inactivity tracking on, today counts as active.
fn mark_enabled(cfg: &SecurityComplianceConfig, user: &mut User, now: f64) {
    if !user.enabled {
        return;
    }
    if cfg.disable_user_account_days_inactive.is_some() {
        user.last_active_at = compliance::day_of(now);
    }
    compliance::reset_failures(user);
}

/// Resource options merged as upstream's `ResourceOptionsMixin` does: null removes one.
fn merge_options(current: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (k, v) in update {
        if v.is_null() {
            current.remove(k);
        } else {
            current.insert(k.clone(), v.clone());
        }
    }
}

/// Upstream's `_assert_default_project_id_is_not_domain`: a missing project is fine.
fn assert_default_project_not_domain(r: &impl Reader, project_id: Option<&str>) -> Result<()> {
    if let Some(id) = project_id {
        if resource::get_project(r, id)?.is_none() && resource::get_domain(r, id)?.is_some() {
            return Err(Error::Validation(format!(
                "User's default project ID cannot be a domain ID: {id}"
            )));
        }
    }
    Ok(())
}

/// The project v2.0 puts a user in: it must exist in the user's domain (v2.0 sees only the
/// default domain, where its users live).
fn project_to_join(r: &impl Reader, user: &User, project_id: &str) -> Result<()> {
    resource::get_project(r, project_id)?
        .filter(|p| p.domain_id == user.domain_id)
        .map(|_| ())
        .ok_or_else(|| Error::not_found("project", project_id))
}

/// Upstream's `member_role_id`: the role `add_user_to_project` grants (when it exists).
fn member_grant(r: &impl Reader, user_id: &str, project_id: &str) -> Result<Option<Assignment>> {
    Ok(
        assignment::find_role_by_name(r, None, "member")?.map(|role| Assignment {
            actor_kind: ActorKind::User,
            actor_id: user_id.to_string(),
            target: Target::Project(project_id.to_string()),
            role_id: role.id,
            inherited: false,
        }),
    )
}

/// Upstream's `create_user` (v3 and v2.0): the domain must exist, the default project must
/// not be a domain; v2.0's tenant is checked and joined in the same transaction.
pub fn create_user(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    input: NewUser,
    now: f64,
) -> Result<User> {
    create_user_with(store, cfg, input, now, |_, _| Ok(()))
}

/// `create_user` with `also` run in the same write transaction once the user is written
/// (Huawei's OS-USER writes the user's profile record with it).
pub fn create_user_with(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    input: NewUser,
    now: f64,
    mut also: impl FnMut(&crate::store::Tx, &User) -> Result<()>,
) -> Result<User> {
    let mut user = User {
        id: new_id(),
        name: input.name,
        domain_id: input.domain_id,
        enabled: input.enabled,
        default_project_id: input.default_project_id,
        options: Map::new(),
        extra: input.extra,
        created_at: Some(now as i64),
        ..Default::default()
    };
    if input.password_hash.is_some() {
        // Upstream's create sets the password before the user's options are attached, so
        // `ignore_change_password_upon_first_use` / `ignore_password_expiry` given at creation
        // do not shape the first expiry (a later update or login reads them).
        compliance::set_password(cfg, &mut user, input.password_hash, now, false);
    }
    user.options = input.options;
    mark_enabled(cfg, &mut user, now);
    // A new user has no tokens to revoke.
    user.password_created_at = 0;
    store.write(|w| -> Result<_> {
        resource::require_domain(w, &user.domain_id)?;
        let project = user.default_project_id.as_deref();
        match (input.join_project, project) {
            (true, Some(p)) => project_to_join(w, &user, p)?,
            _ => assert_default_project_not_domain(w, project)?,
        }
        // Upstream's order: the providers and protocols (400), the user (409 on its
        // name), then its federated identities (409 when another user holds one).
        check_federated_refs(w, &input.federated)?;
        identity::create_user(w, &user)?;
        if !input.federated.is_empty() {
            put_user_identities_in(w, &user, &input.federated)?;
        }
        if let (true, Some(p)) = (input.join_project, project) {
            if let Some(grant) = member_grant(w, &user.id, p)? {
                assignment::grant(w, &grant)?;
            }
        }
        also(w, &user)
    })?;
    Ok(user)
}

impl UserPatch {
    /// The updated record: this patch applied to `old`, the record read in the same
    /// transaction.
    fn apply(&self, cfg: &SecurityComplianceConfig, old: &User, now: f64) -> User {
        let mut new = old.clone();
        if let Some(name) = &self.name {
            new.name = name.clone();
        }
        if let Some(e) = self.enabled {
            new.enabled = e;
        }
        if let Some(project) = &self.default_project_id {
            new.default_project_id = project.clone();
        }
        if let Some(update) = &self.options {
            merge_options(&mut new.options, update);
        }
        if let Some(new_hash) = &self.password_hash {
            // An administrator's reset: kept in the history but not checked against it, and
            // expired at once under change_password_upon_first_use. Tokens issued before it
            // stop validating (password_created_at), as upstream's revocation event for the
            // user does.
            compliance::set_password(cfg, &mut new, new_hash.clone(), now, false);
        }
        mark_enabled(cfg, &mut new, now);
        for (k, v) in &self.extra {
            new.extra.insert(k.clone(), v.clone());
        }
        new
    }
}

/// Upstream's `update_user` (v3 PATCH, v2.0 PUT and its enabled/password/tenant forms): one
/// write transaction re-reads the user (`find` applies the caller's API's rule for which
/// users it may see), applies the patch, moves the name index and, when the update disables
/// the user, records the revocation of its tokens. v2.0's tenant move goes with it.
pub fn update_user(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    patch: &UserPatch,
    now: f64,
    find: impl Fn(&crate::store::Tx) -> Result<User>,
) -> Result<Updated> {
    update_user_with(store, cfg, patch, now, find, |_, _| Ok(()))
}

/// `update_user` with `also` run in the same write transaction once the user is written
/// (Huawei's OS-USER updates the user's profile record with it).
pub fn update_user_with(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    patch: &UserPatch,
    now: f64,
    find: impl Fn(&crate::store::Tx) -> Result<User>,
    also: impl Fn(&crate::store::Tx, &Updated) -> Result<()>,
) -> Result<Updated> {
    let updated = store.write(|w| -> Result<_> {
        let old = find(w)?;
        check_federated_refs(w, &patch.federated)?;
        let new = patch.apply(cfg, &old, now);
        let moved = new.default_project_id != old.default_project_id;
        if patch.move_member_role && moved {
            if let Some(p) = &new.default_project_id {
                project_to_join(w, &new, p)?;
            }
        }
        assert_default_project_not_domain(w, new.default_project_id.as_deref())?;
        identity::update_user(w, &old, &new)?;
        if !patch.federated.is_empty() {
            put_user_identities_in(w, &new, &patch.federated)?;
        }
        if patch.move_member_role && moved {
            move_member_role(w, &old, &new)?;
        }
        if old.enabled && !new.enabled {
            revocation::append(w, &[user_revocation(&new.id, now as i64)])?;
        }
        let updated = Updated { old, new };
        also(w, &updated)?;
        Ok(updated)
    })?;
    if updated.old.enabled && !updated.new.enabled {
        store.reload_revocations()?;
    }
    Ok(updated)
}

/// Pike's v2.0 `update_user`: the member role leaves the old tenant (if held) and is given on
/// the new one (if not already held).
fn move_member_role(w: &impl Writer, old: &User, new: &User) -> Result<()> {
    if let Some(p) = &old.default_project_id {
        if let Some(grant) = member_grant(w, &old.id, p)? {
            assignment::revoke(w, &grant)?;
        }
    }
    if let Some(p) = &new.default_project_id {
        if let Some(grant) = member_grant(w, &new.id, p)? {
            assignment::grant(w, &grant)?;
        }
    }
    Ok(())
}

/// PUT /v3/groups/{group_id}/users/{user_id}: both sides must still exist.
pub fn add_to_group(store: &Store, group_id: &str, user_id: &str) -> Result<()> {
    Ok(store.write(|w| {
        identity::require_group(w, group_id)?;
        identity::require_user(w, user_id)?;
        identity::add_member(w, group_id, user_id)
    })?)
}

/// DELETE /v3/groups/{group_id}/users/{user_id}: upstream revokes the user's tokens when a
/// membership goes (its roles through the group may go with it); the revocation commits with
/// the removal. Whether the user was a member.
pub fn remove_from_group(store: &Store, group_id: &str, user_id: &str, now: i64) -> Result<bool> {
    let removed = store.write(|w| -> Result<_> {
        if !identity::remove_member(w, group_id, user_id)? {
            return Ok(false);
        }
        revocation::append(w, &[user_revocation(user_id, now)])?;
        Ok(true)
    })?;
    if removed {
        store.reload_revocations()?;
    }
    Ok(removed)
}
