//! The one place that computes a user's effective roles on a scope, and a token's roles.

use crate::model::{ActorKind, Role, Target};
use crate::store::error::StoreResult;
use crate::store::resource::{ancestors, get_project};
use crate::store::shadow::{group_ids_at, AsOf};
use crate::store::Reader;

use super::grants::list_for_actor;
use super::implied::expand_implied;
use super::roles::get_role;

/// The role ids a user holds on a target: direct, through groups, inherited from the domain
/// or parent projects (OS-INHERIT), then every role those imply. Order: as found, no repeats.
/// Groups include mapped memberships not lapsed at `at` (upstream's `list_groups_for_user`).
pub fn effective_role_ids(
    r: &impl Reader,
    user_id: &str,
    target: &Target,
    at: AsOf,
) -> StoreResult<Vec<String>> {
    effective_role_ids_with_groups(r, user_id, &[], target, at)
}

/// [`effective_role_ids`] counting `extra_groups` as the user's too (a federated token's
/// mapped groups).
pub fn effective_role_ids_with_groups(
    r: &impl Reader,
    user_id: &str,
    extra_groups: &[String],
    target: &Target,
    at: AsOf,
) -> StoreResult<Vec<String>> {
    let mut actors = vec![(ActorKind::User, user_id.to_string())];
    for group_id in group_ids_at(r, user_id, at)? {
        actors.push((ActorKind::Group, group_id));
    }
    for group_id in extra_groups {
        if !actors
            .iter()
            .any(|(k, g)| *k == ActorKind::Group && g == group_id)
        {
            actors.push((ActorKind::Group, group_id.clone()));
        }
    }
    // Targets whose inherited assignments reach this one.
    let mut inherited_from: Vec<Target> = Vec::new();
    if let Target::Project(project_id) = target {
        if let Some(project) = get_project(r, project_id)? {
            for parent in ancestors(r, &project)? {
                inherited_from.push(Target::Project(parent));
            }
            inherited_from.push(Target::Domain(project.domain_id.clone()));
        }
    }
    let mut roles: Vec<String> = Vec::new();
    for (kind, id) in &actors {
        for a in list_for_actor(r, *kind, id)? {
            let applies = if a.inherited {
                inherited_from.contains(&a.target)
            } else {
                &a.target == target
            };
            if applies && !roles.contains(&a.role_id) {
                roles.push(a.role_id);
            }
        }
    }
    expand_implied(r, roles)
}

/// The roles a token shows: effective roles less domain-specific ones, which only imply.
pub fn token_roles(
    r: &impl Reader,
    user_id: &str,
    target: &Target,
    at: AsOf,
) -> StoreResult<Vec<Role>> {
    token_roles_with_groups(r, user_id, &[], target, at)
}

/// [`token_roles`] with a federated token's groups counted.
pub fn token_roles_with_groups(
    r: &impl Reader,
    user_id: &str,
    extra_groups: &[String],
    target: &Target,
    at: AsOf,
) -> StoreResult<Vec<Role>> {
    let mut out = Vec::new();
    for id in effective_role_ids_with_groups(r, user_id, extra_groups, target, at)? {
        if let Some(role) = get_role(r, &id)? {
            if role.domain_id.is_none() {
                out.push(role);
            }
        }
    }
    Ok(out)
}
