//! Domains and projects (upstream's resource subsystem): name indexes, hierarchy, cascades.

use super::error::{Constraint, Kind, StoreError, StoreResult};
use super::tables::{key2, DOMAINS, DOMAIN_NAMES, PROJECTS, PROJECT_CHILDREN, PROJECT_NAMES};
use super::{Reader, Writer};
use crate::model::{Domain, Project};

pub fn get_domain(r: &impl Reader, id: &str) -> StoreResult<Option<Domain>> {
    r.get(DOMAINS, id)
}

pub fn require_domain(r: &impl Reader, id: &str) -> StoreResult<Domain> {
    get_domain(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Domain, id))
}

pub fn find_domain_by_name(r: &impl Reader, name: &str) -> StoreResult<Option<Domain>> {
    match r.get::<String>(DOMAIN_NAMES, name)? {
        Some(id) => get_domain(r, &id),
        None => Ok(None),
    }
}

pub fn list_domains(r: &impl Reader) -> StoreResult<Vec<Domain>> {
    r.list(DOMAINS)
}

pub fn create_domain(w: &impl Writer, domain: &Domain) -> StoreResult<()> {
    if r_exists_domain_name(w, &domain.name)? {
        return Err(StoreError::duplicate_name(Kind::Domain, &domain.name, None));
    }
    if w.exists(DOMAINS, &domain.id)? {
        return Err(StoreError::duplicate_id(Kind::Domain, &domain.id));
    }
    w.put(DOMAINS, &domain.id, domain)?;
    w.put(DOMAIN_NAMES, &domain.name, &domain.id)
}

fn r_exists_domain_name(r: &impl Reader, name: &str) -> StoreResult<bool> {
    r.exists(DOMAIN_NAMES, name)
}

pub fn update_domain(w: &impl Writer, old: &Domain, new: &Domain) -> StoreResult<()> {
    if old.name != new.name {
        if r_exists_domain_name(w, &new.name)? {
            return Err(StoreError::duplicate_name(Kind::Domain, &new.name, None));
        }
        w.remove(DOMAIN_NAMES, &old.name)?;
        w.put(DOMAIN_NAMES, &new.name, &new.id)?;
    }
    w.put(DOMAINS, &new.id, new)
}

pub fn get_project(r: &impl Reader, id: &str) -> StoreResult<Option<Project>> {
    r.get(PROJECTS, id)
}

pub fn require_project(r: &impl Reader, id: &str) -> StoreResult<Project> {
    get_project(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Project, id))
}

pub fn find_project_by_name(
    r: &impl Reader,
    domain_id: &str,
    name: &str,
) -> StoreResult<Option<Project>> {
    match r.get::<String>(PROJECT_NAMES, &key2(domain_id, name))? {
        Some(id) => get_project(r, &id),
        None => Ok(None),
    }
}

pub fn list_projects(r: &impl Reader) -> StoreResult<Vec<Project>> {
    r.list(PROJECTS)
}

/// The ids of a project's parents, nearest first (not including the domain).
pub fn ancestors(r: &impl Reader, project: &Project) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    let mut next = project.parent_id.clone();
    while let Some(id) = next {
        if id == project.domain_id || out.contains(&id) {
            break;
        }
        match get_project(r, &id)? {
            Some(parent) => {
                next = parent.parent_id.clone();
                out.push(id);
            }
            None => break,
        }
    }
    Ok(out)
}

pub fn children(r: &impl Reader, parent_id: &str) -> StoreResult<Vec<String>> {
    r.suffixes(PROJECT_CHILDREN, parent_id)
}

pub fn create_project(w: &impl Writer, project: &Project) -> StoreResult<()> {
    if w.exists(PROJECT_NAMES, &key2(&project.domain_id, &project.name))? {
        return Err(StoreError::duplicate_name(
            Kind::Project,
            &project.name,
            Some(&project.domain_id),
        ));
    }
    if w.exists(PROJECTS, &project.id)? {
        return Err(StoreError::duplicate_id(Kind::Project, &project.id));
    }
    w.put(PROJECTS, &project.id, project)?;
    w.put(
        PROJECT_NAMES,
        &key2(&project.domain_id, &project.name),
        &project.id,
    )?;
    let parent = project.parent_id.as_deref().unwrap_or(&project.domain_id);
    w.put_bytes(PROJECT_CHILDREN, &key2(parent, &project.id), b"")
}

pub fn update_project(w: &impl Writer, old: &Project, new: &Project) -> StoreResult<()> {
    if old.name != new.name {
        let key = key2(&new.domain_id, &new.name);
        if w.exists(PROJECT_NAMES, &key)? {
            return Err(StoreError::duplicate_name(
                Kind::Project,
                &new.name,
                Some(&new.domain_id),
            ));
        }
        w.remove(PROJECT_NAMES, &key2(&old.domain_id, &old.name))?;
        w.put(PROJECT_NAMES, &key, &new.id)?;
    }
    w.put(PROJECTS, &new.id, new)
}

/// Deletes a leaf project's records. Upstream refuses to delete a project with children (403)
/// unless cascading; so do we. `service::resource::delete_project_in` deletes what other
/// subsystems hold for it.
pub fn delete_project(w: &impl Writer, project: &Project) -> StoreResult<()> {
    if !children(w, &project.id)?.is_empty() {
        return Err(StoreError::Constraint(Constraint::ProjectNotLeaf {
            project_id: project.id.clone(),
        }));
    }
    w.remove(PROJECTS, &project.id)?;
    w.remove(PROJECT_NAMES, &key2(&project.domain_id, &project.name))?;
    let parent = project.parent_id.as_deref().unwrap_or(&project.domain_id);
    w.remove(PROJECT_CHILDREN, &key2(parent, &project.id))?;
    Ok(())
}

/// Deletes a domain's own records. Everything in it and on it goes first, through
/// `service::resource::delete_domain_in`.
pub fn delete_domain(w: &impl Writer, domain: &Domain) -> StoreResult<()> {
    w.remove(DOMAINS, &domain.id)?;
    w.remove(DOMAIN_NAMES, &domain.name)?;
    Ok(())
}

/// The projects below a project, level by level (upstream's order), not including it.
pub fn subtree(r: &impl Reader, project_id: &str) -> StoreResult<Vec<Project>> {
    let mut out: Vec<Project> = Vec::new();
    let mut level = vec![project_id.to_string()];
    while !level.is_empty() {
        let mut next = Vec::new();
        for parent in &level {
            for child in children(r, parent)? {
                if out.iter().any(|p| p.id == child) {
                    continue;
                }
                if let Some(p) = get_project(r, &child)? {
                    next.push(p.id.clone());
                    out.push(p);
                }
            }
        }
        level = next;
    }
    Ok(out)
}
