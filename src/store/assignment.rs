//! Roles, implied roles and role assignments (upstream's assignment subsystem), and the one
//! place that computes a user's effective roles on a scope.

use super::error::{Kind, StoreError, StoreResult};
use super::identity::{group_ids_of_user, user_ids_in_group};
use super::resource::{ancestors, get_project};
use super::tables::{key2, ASSIGNMENTS, IMPLIED_ROLES, ROLES, ROLE_NAMES};
use super::{Reader, Writer};
use crate::model::{ActorKind, Assignment, Role, Target};

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

pub fn add_implied(w: &impl Writer, prior: &str, implied: &str) -> StoreResult<()> {
    w.put_bytes(IMPLIED_ROLES, &key2(prior, implied), b"")
}

pub fn remove_implied(w: &impl Writer, prior: &str, implied: &str) -> StoreResult<bool> {
    w.remove(IMPLIED_ROLES, &key2(prior, implied))
}

pub fn implied_by(r: &impl Reader, prior: &str) -> StoreResult<Vec<String>> {
    r.suffixes(IMPLIED_ROLES, prior)
}

/// Every (prior, implied) rule.
pub fn list_implied(r: &impl Reader) -> StoreResult<Vec<(String, String)>> {
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

/// The role ids a user holds on a target: direct, through groups, inherited from the domain
/// or parent projects (OS-INHERIT), then every role those imply. Order: as found, no repeats.
pub fn effective_role_ids(
    r: &impl Reader,
    user_id: &str,
    target: &Target,
) -> StoreResult<Vec<String>> {
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
pub fn expand_implied(r: &impl Reader, mut roles: Vec<String>) -> StoreResult<Vec<String>> {
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
pub fn token_roles(r: &impl Reader, user_id: &str, target: &Target) -> StoreResult<Vec<Role>> {
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
    let mut frontier = super::resource::children(r, project_id)?;
    out.append(&mut frontier);
    while i < out.len() {
        let mut more = super::resource::children(r, &out[i])?;
        more.retain(|c| !out.contains(c) && c != project_id);
        out.append(&mut more);
        i += 1;
    }
    Ok(out)
}

fn projects_in_domain(r: &impl Reader, domain_id: &str) -> StoreResult<Vec<String>> {
    Ok(super::resource::list_projects(r)?
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
/// onto the projects below, implied roles added, domain-specific roles stripped).
pub fn list_role_assignments(
    r: &impl Reader,
    q: &AssignmentQuery,
) -> StoreResult<Vec<AssignmentRef>> {
    let subtree = match (&q.project_id, q.include_subtree) {
        (Some(p), true) => Some(subtree_ids(r, p)?),
        _ => None,
    };
    if q.effective {
        list_effective(r, q, subtree.as_deref())
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
        let group_ids = group_ids_of_user(r, user_id)?;
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

/// Whether an actor holds any grant (upstream revokes a deleted group's members' tokens only
/// if the group had some).
pub fn actor_has_assignments(r: &impl Reader, kind: ActorKind, id: &str) -> StoreResult<bool> {
    Ok(!list_for_actor(r, kind, id)?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Domain, Group, Project, User};
    use crate::store::{identity, resource, Store};

    fn project(id: &str, parent: &str) -> Project {
        Project {
            id: id.into(),
            name: id.into(),
            domain_id: "d".into(),
            description: String::new(),
            enabled: true,
            parent_id: Some(parent.into()),
            tags: vec![],
            options: Default::default(),
            extra: Default::default(),
        }
    }

    fn role(id: &str, domain: Option<&str>) -> Role {
        Role {
            id: id.into(),
            name: id.into(),
            domain_id: domain.map(str::to_string),
            description: None,
            options: Default::default(),
            extra: Default::default(),
        }
    }

    fn grant_of(
        kind: ActorKind,
        actor: &str,
        target: Target,
        role: &str,
        inherited: bool,
    ) -> Assignment {
        Assignment {
            actor_kind: kind,
            actor_id: actor.into(),
            target,
            role_id: role.into(),
            inherited,
        }
    }

    /// Domain d > project p > project c; user u in group g; r1 implies r2; dr (domain role)
    /// implies r1. Grants: g inherits r2 from d; u has dr on p.
    fn store() -> (Store, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "ksl-assignment-test-{}-{}.redb",
            std::process::id(),
            crate::model::new_id()
        ));
        let store = Store::open(&path).expect("open");
        store
            .write(|w| {
                resource::create_domain(
                    w,
                    &Domain {
                        id: "d".into(),
                        name: "d".into(),
                        description: String::new(),
                        enabled: true,
                        tags: vec![],
                        options: Default::default(),
                        extra: Default::default(),
                    },
                )?;
                resource::create_project(w, &project("p", "d"))?;
                resource::create_project(w, &project("c", "p"))?;
                identity::create_user(
                    w,
                    &User {
                        id: "u".into(),
                        name: "u".into(),
                        domain_id: "d".into(),
                        enabled: true,
                        password_hash: None,
                        default_project_id: None,
                        password_expires_at: None,
                        options: Default::default(),
                        extra: Default::default(),
                        password_created_at: 0,
                        ..Default::default()
                    },
                )?;
                identity::create_group(
                    w,
                    &Group {
                        id: "g".into(),
                        name: "g".into(),
                        domain_id: "d".into(),
                        description: String::new(),
                        extra: Default::default(),
                    },
                )?;
                identity::add_member(w, "g", "u")?;
                for r in [role("r1", None), role("r2", None), role("dr", Some("d"))] {
                    create_role(w, &r)?;
                }
                add_implied(w, "r1", "r2")?;
                add_implied(w, "dr", "r1")?;
                grant(
                    w,
                    &grant_of(
                        ActorKind::Group,
                        "g",
                        Target::Domain("d".into()),
                        "r2",
                        true,
                    ),
                )?;
                grant(
                    w,
                    &grant_of(
                        ActorKind::User,
                        "u",
                        Target::Project("p".into()),
                        "dr",
                        false,
                    ),
                )
            })
            .expect("seed");
        (store, path)
    }

    #[test]
    fn effective_rows_expand_groups_inheritance_and_implied_roles() {
        let (store, path) = store();
        let rows = store
            .read(|r| {
                list_role_assignments(
                    r,
                    &AssignmentQuery {
                        user_id: Some("u".into()),
                        project_id: Some("c".into()),
                        effective: true,
                        ..Default::default()
                    },
                )
            })
            .expect("list");
        // Only the inherited r2, through g from d; dr on p does not reach c.
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].role_id, "r2");
        assert_eq!(rows[0].target, Target::Project("c".into()));
        assert_eq!(rows[0].indirect.group_id.as_deref(), Some("g"));
        assert_eq!(rows[0].indirect.domain_id.as_deref(), Some("d"));

        let rows = store
            .read(|r| {
                list_role_assignments(
                    r,
                    &AssignmentQuery {
                        project_id: Some("p".into()),
                        effective: true,
                        ..Default::default()
                    },
                )
            })
            .expect("list");
        let mut roles: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|a| (a.role_id.as_str(), a.indirect.role_id.as_deref()))
            .collect();
        roles.sort();
        // dr itself is stripped; r1 (implied by dr), r2 (implied by r1) and the inherited r2.
        assert_eq!(
            roles,
            vec![("r1", Some("dr")), ("r2", None), ("r2", Some("r1"))]
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn token_roles_follow_grants_and_memberships() {
        let (store, path) = store();
        let names = |store: &Store, target: &Target| -> Vec<String> {
            let mut v: Vec<String> = store
                .read(|r| token_roles(r, "u", target))
                .expect("roles")
                .into_iter()
                .map(|r| r.id)
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&store, &Target::Project("p".into())), ["r1", "r2"]);
        assert_eq!(names(&store, &Target::Project("c".into())), ["r2"]);
        store
            .write(|w| identity::remove_member(w, "g", "u").map(|_| ()))
            .expect("remove");
        assert!(names(&store, &Target::Project("c".into())).is_empty());
        let _ = std::fs::remove_file(path);
    }
}
