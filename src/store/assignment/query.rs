//! Upstream's `list_role_assignments`: the rows a query selects, direct or effective
//! (groups expanded to members, inherited grants onto projects, prior roles to implied ones).

use crate::model::{ActorKind, Assignment, Target};
use crate::store::error::{Kind, StoreError, StoreResult};
use crate::store::identity::user_ids_in_group;
use crate::store::resource::{ancestors, get_project};
use crate::store::shadow::{group_ids_at, AsOf};
use crate::store::Reader;

use super::grants::list_all;
use super::implied::implied_by;
use super::roles::get_role;

/// Where an effective assignment came from (upstream's `indirect`): a group membership, an
/// inherited grant on a domain or parent project, or a prior role.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indirect {
    pub group_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub role_id: Option<String>,
}

/// One row of upstream's `list_role_assignments` before the API formats it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRef {
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub target: Target,
    pub role_id: String,
    /// `inherited_to_projects`: still an inherited grant (not expanded onto projects).
    pub inherited: bool,
    pub indirect: Indirect,
}

impl AssignmentRef {
    fn direct(a: Assignment) -> AssignmentRef {
        AssignmentRef {
            actor_kind: a.actor_kind,
            actor_id: a.actor_id,
            target: a.target,
            role_id: a.role_id,
            inherited: a.inherited,
            indirect: Indirect::default(),
        }
    }
}

/// The filters of upstream's `assignment_api.list_role_assignments`.
#[derive(Debug, Clone, Default)]
pub struct AssignmentQuery {
    pub role_id: Option<String>,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub system: bool,
    pub domain_id: Option<String>,
    pub project_id: Option<String>,
    pub include_subtree: bool,
    /// None: both; Some(true): only inherited grants; Some(false): only direct ones.
    pub inherited: Option<bool>,
    pub effective: bool,
}

/// The projects below a project (not the project itself), breadth first.
pub fn subtree_ids(r: &impl Reader, project_id: &str) -> StoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut frontier = crate::store::resource::children(r, project_id)?;
    out.append(&mut frontier);
    while i < out.len() {
        let mut more = crate::store::resource::children(r, &out[i])?;
        more.retain(|c| !out.contains(c) && c != project_id);
        out.append(&mut more);
        i += 1;
    }
    Ok(out)
}

fn projects_in_domain(r: &impl Reader, domain_id: &str) -> StoreResult<Vec<String>> {
    Ok(crate::store::resource::list_projects(r)?
        .into_iter()
        .filter(|p| p.domain_id == domain_id)
        .map(|p| p.id)
        .collect())
}

/// Upstream's SQL driver `list_role_assignments` over project and domain grants (system grants
/// are kept apart, as upstream keeps them in their own table).
#[allow(clippy::too_many_arguments)]
fn driver_list(
    r: &impl Reader,
    role_id: Option<&str>,
    user_id: Option<&str>,
    group_ids: Option<&[String]>,
    domain_id: Option<&str>,
    project_ids: Option<&[String]>,
    inherited: Option<bool>,
) -> StoreResult<Vec<AssignmentRef>> {
    let actor_kind = if group_ids.is_some_and(|g| !g.is_empty()) {
        Some(ActorKind::Group)
    } else if user_id.is_some() {
        Some(ActorKind::User)
    } else {
        None
    };
    let mut out = Vec::new();
    for a in list_all(r)? {
        if matches!(a.target, Target::System) {
            continue;
        }
        if role_id.is_some_and(|id| id != a.role_id) {
            continue;
        }
        match (actor_kind, group_ids) {
            (Some(ActorKind::Group), Some(groups)) => {
                if a.actor_kind != ActorKind::Group || !groups.contains(&a.actor_id) {
                    continue;
                }
            }
            (Some(_), _) => {
                if a.actor_kind != ActorKind::User || Some(a.actor_id.as_str()) != user_id {
                    continue;
                }
            }
            (None, _) => {}
        }
        match (project_ids.filter(|p| !p.is_empty()), domain_id) {
            (Some(projects), _) => match &a.target {
                Target::Project(p) if projects.contains(p) => {}
                _ => continue,
            },
            (None, Some(d)) => match &a.target {
                Target::Domain(x) if x == d => {}
                _ => continue,
            },
            (None, None) => {}
        }
        if inherited.is_some_and(|i| i != a.inherited) {
            continue;
        }
        out.push(AssignmentRef::direct(a));
    }
    Ok(out)
}

/// Upstream's `list_role_assignments`: direct grants matching the filters, or with
/// `effective` what they amount to per user (groups expanded to members, inherited grants
/// onto the projects below, implied roles added, domain-specific roles stripped). With a
/// user filter, that user's mapped memberships not lapsed at `at` count (upstream's
/// `list_groups_for_user`); expanding a group to its members does not count them
/// (upstream's `list_users_in_group` reads plain memberships only).
pub fn list_role_assignments(
    r: &impl Reader,
    q: &AssignmentQuery,
    at: AsOf,
) -> StoreResult<Vec<AssignmentRef>> {
    let subtree = match (&q.project_id, q.include_subtree) {
        (Some(p), true) => Some(subtree_ids(r, p)?),
        _ => None,
    };
    if q.effective {
        list_effective(r, q, subtree.as_deref(), at)
    } else {
        list_direct(r, q, subtree.as_deref())
    }
}

fn list_direct(
    r: &impl Reader,
    q: &AssignmentQuery,
    subtree: Option<&[String]>,
) -> StoreResult<Vec<AssignmentRef>> {
    let project_ids = q.project_id.as_ref().map(|p| {
        let mut ids: Vec<String> = subtree.map(<[String]>::to_vec).unwrap_or_default();
        ids.push(p.clone());
        ids
    });
    let group_ids = q.group_id.as_ref().map(|g| vec![g.clone()]);
    let mut out = Vec::new();
    if !q.system {
        out = driver_list(
            r,
            q.role_id.as_deref(),
            q.user_id.as_deref(),
            group_ids.as_deref(),
            q.domain_id.as_deref(),
            project_ids.as_deref(),
            q.inherited,
        )?;
    }
    if q.system || (q.project_id.is_none() && q.domain_id.is_none()) {
        for a in list_all(r)? {
            if !matches!(a.target, Target::System) {
                continue;
            }
            let actor_ok = match (&q.user_id, &q.group_id) {
                (Some(u), _) => a.actor_kind == ActorKind::User && &a.actor_id == u,
                (None, Some(g)) => a.actor_kind == ActorKind::Group && &a.actor_id == g,
                (None, None) => true,
            };
            if actor_ok && q.role_id.as_ref().is_none_or(|r| r == &a.role_id) {
                out.push(AssignmentRef::direct(a));
            }
        }
    }
    Ok(out)
}

/// Upstream's `list_role_assignments_for_actor`: the grants that could affect the actor on
/// the target, inherited ones from the project's domain and parents included.
#[allow(clippy::too_many_arguments)]
fn list_for_actor_on_target(
    r: &impl Reader,
    inherited: Option<bool>,
    user_id: Option<&str>,
    group_ids: Option<&[String]>,
    project_id: Option<&str>,
    subtree: Option<&[String]>,
    domain_id: Option<&str>,
) -> StoreResult<Vec<AssignmentRef>> {
    let project_ids = project_id.map(|p| {
        let mut ids: Vec<String> = subtree.map(<[String]>::to_vec).unwrap_or_default();
        ids.push(p.to_string());
        ids
    });
    let mut out = Vec::new();
    if inherited != Some(true) {
        out = driver_list(
            r,
            None,
            user_id,
            group_ids,
            domain_id,
            project_ids.as_deref(),
            Some(false),
        )?;
    }
    if inherited != Some(false) {
        if let Some(project_id) = project_id {
            let Some(project) = get_project(r, project_id)? else {
                return Err(StoreError::not_found(Kind::Project, project_id));
            };
            out.extend(driver_list(
                r,
                None,
                user_id,
                group_ids,
                Some(&project.domain_id),
                None,
                Some(true),
            )?);
            let mut sources = ancestors(r, &project)?;
            if subtree.is_some_and(|s| !s.is_empty()) {
                sources.extend(project_ids.unwrap_or_default());
            }
            if !sources.is_empty() {
                out.extend(driver_list(
                    r,
                    None,
                    user_id,
                    group_ids,
                    None,
                    Some(&sources),
                    Some(true),
                )?);
            }
        } else {
            out.extend(driver_list(
                r,
                None,
                user_id,
                group_ids,
                None,
                None,
                Some(true),
            )?);
        }
    }
    Ok(out)
}

fn list_effective(
    r: &impl Reader,
    q: &AssignmentQuery,
    subtree: Option<&[String]>,
    at: AsOf,
) -> StoreResult<Vec<AssignmentRef>> {
    // Effective rows are per user and never on a domain by inheritance.
    if q.group_id.is_some() || (q.domain_id.is_some() && q.inherited == Some(true)) {
        return Ok(Vec::new());
    }
    let inherited = if q.domain_id.is_some() {
        Some(false)
    } else {
        q.inherited
    };
    let user_id = q.user_id.as_deref();
    let mut refs = list_for_actor_on_target(
        r,
        inherited,
        user_id,
        None,
        q.project_id.as_deref(),
        subtree,
        q.domain_id.as_deref(),
    )?;
    if let Some(user_id) = user_id {
        let group_ids = group_ids_at(r, user_id, at)?;
        if !group_ids.is_empty() {
            refs.extend(list_for_actor_on_target(
                r,
                inherited,
                None,
                Some(&group_ids),
                q.project_id.as_deref(),
                subtree,
                q.domain_id.as_deref(),
            )?);
        }
    }
    let mut expanded = Vec::new();
    for a in refs {
        expanded.extend(expand_indirect(
            r,
            a,
            user_id,
            q.project_id.as_deref(),
            subtree,
        )?);
    }
    let mut out = add_implied_refs(r, expanded)?;
    let mut kept = Vec::with_capacity(out.len());
    for a in out.drain(..) {
        let global = get_role(r, &a.role_id)?.is_some_and(|role| role.domain_id.is_none());
        if global && q.role_id.as_ref().is_none_or(|id| id == &a.role_id) {
            kept.push(a);
        }
    }
    Ok(kept)
}

/// A group grant becomes one row per member (or just for `user_id`); an inherited grant one
/// row per project it reaches.
fn expand_indirect(
    r: &impl Reader,
    a: AssignmentRef,
    user_id: Option<&str>,
    project_id: Option<&str>,
    subtree: Option<&[String]>,
) -> StoreResult<Vec<AssignmentRef>> {
    let members = |a: &AssignmentRef| -> StoreResult<Vec<AssignmentRef>> {
        let users = match user_id {
            Some(u) => vec![u.to_string()],
            None => user_ids_in_group(r, &a.actor_id)?,
        };
        Ok(users
            .into_iter()
            .map(|u| {
                let mut x = a.clone();
                x.indirect.group_id = Some(a.actor_id.clone());
                x.actor_kind = ActorKind::User;
                x.actor_id = u;
                x
            })
            .collect())
    };
    if !a.inherited {
        if a.actor_kind == ActorKind::Group {
            return members(&a);
        }
        return Ok(vec![a]);
    }
    let project_ids: Vec<String> = match (project_id, &a.target) {
        (Some(p), _) => {
            let mut ids = vec![p.to_string()];
            if let Some(sub) = subtree.filter(|s| !s.is_empty()) {
                ids.extend(sub.iter().cloned());
                if let Target::Project(source) = &a.target {
                    if ids.contains(source) {
                        ids = subtree_ids(r, source)?;
                    }
                }
            }
            ids
        }
        (None, Target::Domain(d)) => projects_in_domain(r, d)?,
        (None, Target::Project(source)) => subtree_ids(r, source)?,
        (None, Target::System) => Vec::new(),
    };
    let onto = |a: &AssignmentRef, project: &str| {
        let mut x = a.clone();
        match &a.target {
            Target::Project(p) => x.indirect.project_id = Some(p.clone()),
            Target::Domain(d) => x.indirect.domain_id = Some(d.clone()),
            Target::System => {}
        }
        x.target = Target::Project(project.to_string());
        x.inherited = false;
        x
    };
    let bases = if a.actor_kind == ActorKind::Group {
        members(&a)?
    } else {
        vec![a]
    };
    let mut out = Vec::new();
    for base in &bases {
        for p in &project_ids {
            out.push(onto(base, p));
        }
    }
    Ok(out)
}

/// Upstream's `add_implied_roles`: a copy of each row for every role its role implies
/// (transitively), with the prior role in `indirect.role_id`.
fn add_implied_refs(r: &impl Reader, refs: Vec<AssignmentRef>) -> StoreResult<Vec<AssignmentRef>> {
    let mut results = refs.clone();
    let mut to_check = refs;
    let mut checked: Vec<AssignmentRef> = Vec::new();
    while let Some(next) = to_check.pop() {
        checked.push(next.clone());
        for implied in implied_by(r, &next.role_id)? {
            let mut copy = next.clone();
            copy.role_id = implied;
            copy.indirect.role_id = Some(next.role_id.clone());
            if checked.contains(&copy) {
                continue;
            }
            results.push(copy.clone());
            to_check.push(copy);
        }
    }
    Ok(results)
}
