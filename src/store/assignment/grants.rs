//! Role assignments as stored: one key per (actor, target, role, inherited), granted,
//! revoked, listed by actor, deleted with their actor or target.

use crate::model::{ActorKind, Assignment, Target};
use crate::store::error::StoreResult;
use crate::store::tables::{key2, ASSIGNMENTS};
use crate::store::{Reader, Writer};

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

pub(super) fn assignment_key(a: &Assignment) -> String {
    let mut key = key2(
        &actor_key(a.actor_kind, &a.actor_id),
        &target_key(&a.target),
    );
    key = key2(&key, &a.role_id);
    key2(&key, if a.inherited { "1" } else { "0" })
}

pub fn grant(w: &impl Writer, a: &Assignment) -> StoreResult<()> {
    w.put(ASSIGNMENTS, &assignment_key(a), a)
}

/// Removes one assignment; false if there was none.
pub fn revoke(w: &impl Writer, a: &Assignment) -> StoreResult<bool> {
    w.remove(ASSIGNMENTS, &assignment_key(a))
}

pub fn exists(r: &impl Reader, a: &Assignment) -> StoreResult<bool> {
    r.exists(ASSIGNMENTS, &assignment_key(a))
}

pub fn list_for_actor(r: &impl Reader, kind: ActorKind, id: &str) -> StoreResult<Vec<Assignment>> {
    r.list_prefix(ASSIGNMENTS, &actor_key(kind, id))
}

pub fn list_all(r: &impl Reader) -> StoreResult<Vec<Assignment>> {
    r.list(ASSIGNMENTS)
}

pub fn delete_for_actor(w: &impl Writer, kind: ActorKind, id: &str) -> StoreResult<()> {
    w.remove_prefix(ASSIGNMENTS, &actor_key(kind, id))?;
    Ok(())
}

pub fn delete_for_target(w: &impl Writer, target: &Target) -> StoreResult<()> {
    for a in list_all(w)?.into_iter().filter(|a| &a.target == target) {
        w.remove(ASSIGNMENTS, &assignment_key(&a))?;
    }
    Ok(())
}

/// Whether an actor holds any grant (upstream revokes a deleted group's members' tokens only
/// if the group had some).
pub fn actor_has_assignments(r: &impl Reader, kind: ActorKind, id: &str) -> StoreResult<bool> {
    Ok(!list_for_actor(r, kind, id)?.is_empty())
}
