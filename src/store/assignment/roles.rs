//! Roles: by id and by (domain, name), created, renamed, deleted with what refers to them.

use crate::model::Role;
use crate::store::error::{Kind, StoreError, StoreResult};
use crate::store::tables::{key2, ASSIGNMENTS, IMPLIED_ROLES, ROLES, ROLE_NAMES};
use crate::store::{Reader, Writer};

use super::grants::{assignment_key, list_all};
use super::implied::list_implied;

pub fn get_role(r: &impl Reader, id: &str) -> StoreResult<Option<Role>> {
    r.get(ROLES, id)
}

pub fn require_role(r: &impl Reader, id: &str) -> StoreResult<Role> {
    get_role(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Role, id))
}

fn role_name_key(domain_id: Option<&str>, name: &str) -> String {
    key2(domain_id.unwrap_or(""), name)
}

pub fn find_role_by_name(
    r: &impl Reader,
    domain_id: Option<&str>,
    name: &str,
) -> StoreResult<Option<Role>> {
    match r.get::<String>(ROLE_NAMES, &role_name_key(domain_id, name))? {
        Some(id) => get_role(r, &id),
        None => Ok(None),
    }
}

pub fn list_roles(r: &impl Reader) -> StoreResult<Vec<Role>> {
    r.list(ROLES)
}

fn duplicate_role(role: &Role) -> StoreError {
    // Upstream names the domain only for a domain-specific role.
    StoreError::duplicate_name(Kind::Role, &role.name, role.domain_id.as_deref())
}

pub fn create_role(w: &impl Writer, role: &Role) -> StoreResult<()> {
    let key = role_name_key(role.domain_id.as_deref(), &role.name);
    if w.exists(ROLE_NAMES, &key)? {
        return Err(duplicate_role(role));
    }
    w.put(ROLES, &role.id, role)?;
    w.put(ROLE_NAMES, &key, &role.id)
}

pub fn update_role(w: &impl Writer, old: &Role, new: &Role) -> StoreResult<()> {
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
pub fn delete_role(w: &impl Writer, role: &Role) -> StoreResult<()> {
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

pub fn delete_roles_of_domain(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    for role in list_roles(w)? {
        if role.domain_id.as_deref() == Some(domain_id) {
            delete_role(w, &role)?;
        }
    }
    Ok(())
}
