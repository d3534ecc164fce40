//! Roles, implied roles and role assignments (upstream's assignment subsystem), and the one
//! place that computes a user's effective roles on a scope.

use super::identity::group_ids_of_user;
use super::resource::{ancestors, get_project};
use super::tables::{key2, ASSIGNMENTS, IMPLIED_ROLES, ROLES, ROLE_NAMES};
use super::{Reader, Writer};
use crate::error::{Error, Result};
use crate::model::{ActorKind, Assignment, Role, Target};

pub fn get_role(r: &impl Reader, id: &str) -> Result<Option<Role>> {
    r.get(ROLES, id)
}

pub fn require_role(r: &impl Reader, id: &str) -> Result<Role> {
    get_role(r, id)?.ok_or_else(|| Error::not_found("role", id))
}

fn role_name_key(domain_id: Option<&str>, name: &str) -> String {
    key2(domain_id.unwrap_or(""), name)
}

pub fn find_role_by_name(
    r: &impl Reader,
    domain_id: Option<&str>,
    name: &str,
) -> Result<Option<Role>> {
    match r.get::<String>(ROLE_NAMES, &role_name_key(domain_id, name))? {
        Some(id) => get_role(r, &id),
        None => Ok(None),
    }
}

pub fn list_roles(r: &impl Reader) -> Result<Vec<Role>> {
    r.list(ROLES)
}

fn duplicate_role(role: &Role) -> Error {
    Error::duplicate(
        "role",
        &format!(
            "Duplicate entry found with name {} at domain ID {}",
            role.name,
            role.domain_id
                .as_deref()
                .unwrap_or("<<keystone.domain.root>>")
        ),
    )
}

pub fn create_role(w: &impl Writer, role: &Role) -> Result<()> {
    let key = role_name_key(role.domain_id.as_deref(), &role.name);
    if w.exists(ROLE_NAMES, &key)? {
        return Err(duplicate_role(role));
    }
    w.put(ROLES, &role.id, role)?;
    w.put(ROLE_NAMES, &key, &role.id)
}

pub fn update_role(w: &impl Writer, old: &Role, new: &Role) -> Result<()> {
    if old.name != new.name {
        let key = role_name_key(new.domain_id.as_deref(), &new.name);
        if w.exists(ROLE_NAMES, &key)? {
            return Err(duplicate_role(new));
        }
        w.remove(
            ROLE_NAMES,
            &role_name_key(old.domain_id.as_deref(), &old.name),
        )?;
        w.put(ROLE_NAMES, &key, &new.id)?;
    }
    w.put(ROLES, &new.id, new)
}

/// Deletes a role with its assignments and implication rules.
pub fn delete_role(w: &impl Writer, role: &Role) -> Result<()> {
    w.remove(ROLES, &role.id)?;
    w.remove(
        ROLE_NAMES,
        &role_name_key(role.domain_id.as_deref(), &role.name),
    )?;
    w.remove_prefix(IMPLIED_ROLES, &role.id)?;
    for (prior, implied) in list_implied(w)? {
        if implied == role.id {
            w.remove(IMPLIED_ROLES, &key2(&prior, &implied))?;
        }
    }
    for a in list_all(w)?.into_iter().filter(|a| a.role_id == role.id) {
        w.remove(ASSIGNMENTS, &assignment_key(&a))?;
    }
    Ok(())
}

pub fn delete_roles_of_domain(w: &impl Writer, domain_id: &str) -> Result<()> {
    for role in list_roles(w)? {
        if role.domain_id.as_deref() == Some(domain_id) {
            delete_role(w, &role)?;
        }
    }
    Ok(())
}

pub fn add_implied(w: &impl Writer, prior: &str, implied: &str) -> Result<()> {
    w.put_bytes(IMPLIED_ROLES, &key2(prior, implied), b"")
}

pub fn remove_implied(w: &impl Writer, prior: &str, implied: &str) -> Result<bool> {
    w.remove(IMPLIED_ROLES, &key2(prior, implied))
}

pub fn implied_by(r: &impl Reader, prior: &str) -> Result<Vec<String>> {
    r.suffixes(IMPLIED_ROLES, prior)
}

/// Every (prior, implied) rule.
pub fn list_implied(r: &impl Reader) -> Result<Vec<(String, String)>> {
    Ok(r.scan(IMPLIED_ROLES, None)?
        .into_iter()
        .filter_map(|(k, _)| {
            k.split_once(super::tables::SEP)
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect())
}

fn actor_key(kind: ActorKind, id: &str) -> String {
    match kind {
        ActorKind::User => format!("u:{id}"),
        ActorKind::Group => format!("g:{id}"),
    }
}

fn target_key(target: &Target) -> String {
    match target {
        Target::Project(id) => format!("project:{id}"),
        Target::Domain(id) => format!("domain:{id}"),
        Target::System => "system:all".to_string(),
    }
}

fn assignment_key(a: &Assignment) -> String {
    let mut key = key2(
        &actor_key(a.actor_kind, &a.actor_id),
        &target_key(&a.target),
    );
    key = key2(&key, &a.role_id);
    key2(&key, if a.inherited { "1" } else { "0" })
}

pub fn grant(w: &impl Writer, a: &Assignment) -> Result<()> {
    w.put(ASSIGNMENTS, &assignment_key(a), a)
}

/// Removes one assignment; false if there was none.
pub fn revoke(w: &impl Writer, a: &Assignment) -> Result<bool> {
    w.remove(ASSIGNMENTS, &assignment_key(a))
}

pub fn exists(r: &impl Reader, a: &Assignment) -> Result<bool> {
    r.exists(ASSIGNMENTS, &assignment_key(a))
}

pub fn list_for_actor(r: &impl Reader, kind: ActorKind, id: &str) -> Result<Vec<Assignment>> {
    r.list_prefix(ASSIGNMENTS, &actor_key(kind, id))
}

pub fn list_all(r: &impl Reader) -> Result<Vec<Assignment>> {
    r.list(ASSIGNMENTS)
}

pub fn delete_for_actor(w: &impl Writer, kind: ActorKind, id: &str) -> Result<()> {
    w.remove_prefix(ASSIGNMENTS, &actor_key(kind, id))?;
    Ok(())
}

pub fn delete_for_target(w: &impl Writer, target: &Target) -> Result<()> {
    for a in list_all(w)?.into_iter().filter(|a| &a.target == target) {
        w.remove(ASSIGNMENTS, &assignment_key(&a))?;
    }
    Ok(())
}

/// The role ids a user holds on a target: direct, through groups, inherited from the domain
/// or parent projects (OS-INHERIT), then every role those imply. Order: as found, no repeats.
pub fn effective_role_ids(r: &impl Reader, user_id: &str, target: &Target) -> Result<Vec<String>> {
    let mut actors = vec![(ActorKind::User, user_id.to_string())];
    for group_id in group_ids_of_user(r, user_id)? {
        actors.push((ActorKind::Group, group_id));
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

/// Adds every role implied (transitively) by the given ones.
pub fn expand_implied(r: &impl Reader, mut roles: Vec<String>) -> Result<Vec<String>> {
    let mut i = 0;
    while i < roles.len() {
        for implied in implied_by(r, &roles[i])? {
            if !roles.contains(&implied) {
                roles.push(implied);
            }
        }
        i += 1;
    }
    Ok(roles)
}

/// The roles a token shows: effective roles less domain-specific ones, which only imply.
pub fn token_roles(r: &impl Reader, user_id: &str, target: &Target) -> Result<Vec<Role>> {
    let mut out = Vec::new();
    for id in effective_role_ids(r, user_id, target)? {
        if let Some(role) = get_role(r, &id)? {
            if role.domain_id.is_none() {
                out.push(role);
            }
        }
    }
    Ok(out)
}
