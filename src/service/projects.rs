//! Project and domain writes v3 and v2.0 both perform: create and update a project (v3
//! projects, v2.0 tenants) and update a domain (/v3/domains and a domain's project view), each
//! one write transaction with upstream's resource manager rules: the hierarchy checks, unique
//! names, and the revocation event for tokens scoped to what an update disables.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{Domain, Project, RevokeEvent};
use crate::store::{resource, revocation, Store, Writer};

/// Upstream's `[DEFAULT] max_project_tree_depth` (5), plus one for the domain.
const MAX_DEPTH: usize = 5 + 1;

/// Upstream's conflict for a project name taken in its domain.
pub fn conflict_project(name: &str, id: &str) -> Error {
    Error::duplicate(
        "project",
        &format!(
            "it is not permitted to have two projects with either the same name or same id \
             in the same domain: name is {name}, project id {id}"
        ),
    )
}

/// Upstream's conflict for a domain name taken.
pub fn conflict_domain(name: &str) -> Error {
    Error::duplicate(
        "project",
        &format!(
            "it is not permitted to have two projects acting as domains with the same name: {name}"
        ),
    )
}

/// What an update may change on a project or a domain; fields it does not name keep what the
/// record read inside the write transaction holds.
#[derive(Default)]
pub struct ResourcePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// In the order to store.
    pub tags: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// The event upstream's revoke manager records when a project or domain is disabled.
fn disabled_event(project_id: Option<&str>, domain_id: Option<&str>, now: i64) -> RevokeEvent {
    RevokeEvent {
        project_id: project_id.map(str::to_string),
        domain_id: domain_id.map(str::to_string),
        issued_before: now,
        revoked_at: now,
        ..Default::default()
    }
}

/// Upstream's `create_project` for a regular project (`parent_id` None: the domain is the
/// parent): the domain must exist (400), the parent be in it and the branch enabled (400),
/// the tree no deeper than allowed (403), the name free in the domain (409).
pub fn create_project(store: &Store, project: Project) -> Result<Project> {
    store.write(|w| {
        let domain = resource::get_domain(w, &project.domain_id)?.ok_or_else(|| {
            Error::Validation(format!("Could not find domain: {}.", project.domain_id))
        })?;
        let parent_id = project
            .parent_id
            .clone()
            .unwrap_or_else(|| domain.id.clone());
        let chain = parent_chain(w, &domain, &parent_id)?;
        // Upstream walks the parent's parents (nearest first, the domain last), then the
        // parent: the first disabled one is named.
        let mut walk: Vec<(String, bool)> = chain
            .iter()
            .take(chain.len().saturating_sub(1))
            .map(|p| (p.id.clone(), p.enabled))
            .collect();
        walk.push((domain.id.clone(), domain.enabled));
        if let Some(parent) = chain.last() {
            walk.push((parent.id.clone(), parent.enabled));
        }
        if let Some((disabled, _)) = walk.iter().find(|(_, enabled)| !enabled) {
            return Err(Error::Validation(format!(
                "cannot create a project in a branch containing a disabled project: {disabled}"
            )));
        }
        // Upstream counts the parents, the domain and the new project.
        if chain.len() + 2 > MAX_DEPTH {
            return Err(Error::Forbidden(format!(
                "Max hierarchy depth reached for {parent_id} branch."
            )));
        }
        if resource::find_project_by_name(w, &domain.id, &project.name)?.is_some() {
            return Err(conflict_project(&project.name, &project.id));
        }
        let project = Project {
            parent_id: Some(parent_id),
            ..project.clone()
        };
        resource::create_project(w, &project)?;
        Ok(project)
    })
}

/// The projects from the top of the domain down to `parent_id` (empty when the parent is the
/// domain itself): the parent must be the domain or a project in it.
fn parent_chain(w: &impl Writer, domain: &Domain, parent_id: &str) -> Result<Vec<Project>> {
    let mut chain: Vec<Project> = Vec::new();
    if parent_id == domain.id {
        return Ok(chain);
    }
    if let Some(parent) = resource::get_project(w, parent_id)? {
        if parent.domain_id != domain.id {
            return Err(Error::Validation(format!(
                "Cannot create project, since it specifies its domain_id {}, but specifies \
                 a parent in a different domain ({}).",
                domain.id, parent.domain_id
            )));
        }
        for pid in resource::ancestors(w, &parent)? {
            if let Some(p) = resource::get_project(w, &pid)? {
                chain.push(p);
            }
        }
        chain.push(parent);
        return Ok(chain);
    }
    if let Some(other) = resource::get_domain(w, parent_id)? {
        return Err(Error::Validation(format!(
            "Cannot create project, the parent ({}) is acting as a domain, but this \
             project's domain id ({}) does not match the parent's id.",
            other.id, domain.id
        )));
    }
    Err(Error::Validation(format!(
        "Could not find project: {parent_id}."
    )))
}

/// Upstream's `update_project` for a regular project: `find` re-reads it inside the write
/// (each API has its rule for which projects it may see, and its own checks of the body
/// against the record); enabling needs enabled parents, disabling a disabled subtree (403);
/// disabling revokes the tokens scoped to the project.
pub fn update_project(
    store: &Store,
    patch: &ResourcePatch,
    now: i64,
    find: impl Fn(&crate::store::Tx) -> Result<Project>,
) -> Result<Project> {
    let (old, new) = store.write(|w| -> Result<_> {
        let old = find(w)?;
        let id = old.id.as_str();
        let mut new = old.clone();
        if let Some(n) = &patch.name {
            if *n != old.name && resource::find_project_by_name(w, &old.domain_id, n)?.is_some() {
                return Err(conflict_project(n, id));
            }
            new.name = n.clone();
        }
        if let Some(d) = &patch.description {
            new.description = d.clone();
        }
        if let Some(e) = patch.enabled {
            if e && !old.enabled {
                for pid in resource::ancestors(w, &old)? {
                    if resource::get_project(w, &pid)?.is_some_and(|p| !p.enabled) {
                        return Err(Error::Forbidden(format!(
                            "Cannot enable project {id} since it has disabled parents"
                        )));
                    }
                }
            }
            if !e && old.enabled && resource::subtree(w, id)?.iter().any(|p| p.enabled) {
                return Err(Error::Forbidden(format!(
                    "Cannot disable project {id} since its subtree contains enabled projects."
                )));
            }
            new.enabled = e;
        }
        if let Some(t) = &patch.tags {
            new.tags = t.clone();
        }
        for (k, v) in &patch.extra {
            new.extra.insert(k.clone(), v.clone());
        }
        resource::update_project(w, &old, &new)?;
        if old.enabled && !new.enabled {
            revocation::append(w, &[disabled_event(Some(id), None, now)])?;
        }
        Ok((old, new))
    })?;
    if old.enabled && !new.enabled {
        store.reload_revocations()?;
    }
    Ok(new)
}

/// Upstream's `update_domain` (PATCH /v3/domains/{id} and a domain's project view): the name
/// stays unique (409); disabling revokes the tokens scoped to the domain.
pub fn update_domain(
    store: &Store,
    patch: &ResourcePatch,
    now: i64,
    find: impl Fn(&crate::store::Tx) -> Result<Domain>,
) -> Result<Domain> {
    let (old, new) = store.write(|w| -> Result<_> {
        let old = find(w)?;
        let mut new = old.clone();
        if let Some(n) = &patch.name {
            if *n != old.name && resource::find_domain_by_name(w, n)?.is_some() {
                return Err(conflict_domain(n));
            }
            new.name = n.clone();
        }
        if let Some(d) = &patch.description {
            new.description = d.clone();
        }
        if let Some(e) = patch.enabled {
            new.enabled = e;
        }
        if let Some(t) = &patch.tags {
            new.tags = t.clone();
        }
        for (k, v) in &patch.extra {
            new.extra.insert(k.clone(), v.clone());
        }
        resource::update_domain(w, &old, &new)?;
        if old.enabled && !new.enabled {
            revocation::append(w, &[disabled_event(None, Some(&new.id), now)])?;
        }
        Ok((old, new))
    })?;
    if old.enabled && !new.enabled {
        store.reload_revocations()?;
    }
    Ok(new)
}
