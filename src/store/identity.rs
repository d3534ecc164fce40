//! Users, groups and group membership (upstream's identity subsystem).

use super::error::{Kind, StoreError, StoreResult};
use super::tables::{key2, GROUPS, GROUP_NAMES, GROUP_USERS, USERS, USER_GROUPS, USER_NAMES};
use super::{Reader, Writer};
use crate::model::{Group, User};

pub fn get_user(r: &impl Reader, id: &str) -> StoreResult<Option<User>> {
    r.get(USERS, id)
}

pub fn require_user(r: &impl Reader, id: &str) -> StoreResult<User> {
    get_user(r, id)?.ok_or_else(|| StoreError::not_found(Kind::User, id))
}

pub fn find_user_by_name(
    r: &impl Reader,
    domain_id: &str,
    name: &str,
) -> StoreResult<Option<User>> {
    match r.get::<String>(USER_NAMES, &key2(domain_id, name))? {
        Some(id) => get_user(r, &id),
        None => Ok(None),
    }
}

pub fn list_users(r: &impl Reader) -> StoreResult<Vec<User>> {
    r.list(USERS)
}

fn duplicate_user(user: &User) -> StoreError {
    StoreError::duplicate_name(Kind::User, &user.name, Some(&user.domain_id))
}

pub fn create_user(w: &impl Writer, user: &User) -> StoreResult<()> {
    let name_key = key2(&user.domain_id, &user.name);
    if w.exists(USER_NAMES, &name_key)? {
        return Err(duplicate_user(user));
    }
    if w.exists(USERS, &user.id)? {
        return Err(StoreError::duplicate_id(Kind::User, &user.id));
    }
    w.put(USERS, &user.id, user)?;
    w.put(USER_NAMES, &name_key, &user.id)
}

pub fn update_user(w: &impl Writer, old: &User, new: &User) -> StoreResult<()> {
    if old.name != new.name || old.domain_id != new.domain_id {
        let key = key2(&new.domain_id, &new.name);
        if w.exists(USER_NAMES, &key)? {
            return Err(duplicate_user(new));
        }
        // As in delete_user: only this user's own entry (a shadow user has none).
        let old_key = key2(&old.domain_id, &old.name);
        if w.get::<String>(USER_NAMES, &old_key)?.as_deref() == Some(old.id.as_str()) {
            w.remove(USER_NAMES, &old_key)?;
        }
        w.put(USER_NAMES, &key, &new.id)?;
    }
    w.put(USERS, &new.id, new)
}

/// Deletes a user's records and memberships; `service::identity::delete_user_in` deletes
/// what other subsystems hold for it. The (domain, name) index entry goes only when it is
/// this user's: a shadow user is not in the index, and a local user of the same name that
/// is must stay findable.
pub fn delete_user(w: &impl Writer, user: &User) -> StoreResult<()> {
    w.remove(USERS, &user.id)?;
    let name_key = key2(&user.domain_id, &user.name);
    if w.get::<String>(USER_NAMES, &name_key)?.as_deref() == Some(user.id.as_str()) {
        w.remove(USER_NAMES, &name_key)?;
    }
    for group_id in w.suffixes(USER_GROUPS, &user.id)? {
        w.remove(GROUP_USERS, &key2(&group_id, &user.id))?;
    }
    w.remove_prefix(USER_GROUPS, &user.id)?;
    Ok(())
}

/// Writes a changed user record whose name and domain stay the same.
pub fn put_user(w: &impl Writer, user: &User) -> StoreResult<()> {
    w.put(USERS, &user.id, user)
}

pub fn get_group(r: &impl Reader, id: &str) -> StoreResult<Option<Group>> {
    r.get(GROUPS, id)
}

pub fn require_group(r: &impl Reader, id: &str) -> StoreResult<Group> {
    get_group(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Group, id))
}

pub fn find_group_by_name(
    r: &impl Reader,
    domain_id: &str,
    name: &str,
) -> StoreResult<Option<Group>> {
    match r.get::<String>(GROUP_NAMES, &key2(domain_id, name))? {
        Some(id) => get_group(r, &id),
        None => Ok(None),
    }
}

pub fn list_groups(r: &impl Reader) -> StoreResult<Vec<Group>> {
    r.list(GROUPS)
}

pub fn create_group(w: &impl Writer, group: &Group) -> StoreResult<()> {
    let name_key = key2(&group.domain_id, &group.name);
    if w.exists(GROUP_NAMES, &name_key)? {
        return Err(StoreError::duplicate_name(
            Kind::Group,
            &group.name,
            Some(&group.domain_id),
        ));
    }
    w.put(GROUPS, &group.id, group)?;
    w.put(GROUP_NAMES, &name_key, &group.id)
}

pub fn delete_group(w: &impl Writer, group: &Group) -> StoreResult<()> {
    w.remove(GROUPS, &group.id)?;
    w.remove(GROUP_NAMES, &key2(&group.domain_id, &group.name))?;
    for user_id in w.suffixes(GROUP_USERS, &group.id)? {
        w.remove(USER_GROUPS, &key2(&user_id, &group.id))?;
    }
    w.remove_prefix(GROUP_USERS, &group.id)?;
    Ok(())
}

pub fn add_member(w: &impl Writer, group_id: &str, user_id: &str) -> StoreResult<()> {
    w.put_bytes(USER_GROUPS, &key2(user_id, group_id), b"")?;
    w.put_bytes(GROUP_USERS, &key2(group_id, user_id), b"")
}

pub fn remove_member(w: &impl Writer, group_id: &str, user_id: &str) -> StoreResult<bool> {
    w.remove(GROUP_USERS, &key2(group_id, user_id))?;
    w.remove(USER_GROUPS, &key2(user_id, group_id))
}

pub fn is_member(r: &impl Reader, group_id: &str, user_id: &str) -> StoreResult<bool> {
    r.exists(USER_GROUPS, &key2(user_id, group_id))
}

pub fn group_ids_of_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<String>> {
    r.suffixes(USER_GROUPS, user_id)
}

pub fn user_ids_in_group(r: &impl Reader, group_id: &str) -> StoreResult<Vec<String>> {
    r.suffixes(GROUP_USERS, group_id)
}

pub fn update_group(w: &impl Writer, old: &Group, new: &Group) -> StoreResult<()> {
    if old.name != new.name {
        let key = key2(&new.domain_id, &new.name);
        if w.exists(GROUP_NAMES, &key)? {
            return Err(StoreError::duplicate_name(
                Kind::Group,
                &new.name,
                Some(&new.domain_id),
            ));
        }
        w.remove(GROUP_NAMES, &key2(&old.domain_id, &old.name))?;
        w.put(GROUP_NAMES, &key, &new.id)?;
    }
    w.put(GROUPS, &new.id, new)
}
