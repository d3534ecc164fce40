//! Projects and domains: deleting one with everything in it and on it.

use crate::error::Result;
use crate::model::{Domain, Project, RevokeEvent, Target};
use crate::store::{application_credentials, assignment, credentials, domain_config};
use crate::store::{endpoint_filter, identity, limits, resource, revocation, Writer};

/// Upstream's `delete_project` and its callbacks, inside the caller's transaction: the
/// project's assignments, endpoint associations, limits, credentials and the application
/// credentials bound to it, and a revocation event for tokens scoped to it.
pub fn delete_project_in(w: &impl Writer, project: &Project, now: i64) -> Result<()> {
    resource::delete_project(w, project)?;
    endpoint_filter::delete_for_project(w, &project.id)?;
    limits::delete_for_project(w, &project.id)?;
    assignment::delete_for_target(w, &Target::Project(project.id.clone()))?;
    credentials::delete_for_project(w, &project.id)?;
    // Huawei IAM: agency grants on it and its status.
    crate::store::iam::agencies::delete_for_target(w, &project.id)?;
    for user in identity::list_users(w)? {
        application_credentials::delete_for_user(w, &user.id, Some(&project.id))?;
    }
    Ok(revocation::append(
        w,
        &[RevokeEvent {
            project_id: Some(project.id.clone()),
            issued_before: now,
            revoked_at: now,
            ..Default::default()
        }],
    )?)
}

/// What a cascade deleted besides the object asked for, in deletion order: (kind, id) of
/// each project, user and group, for the audit events upstream sends one by one.
pub type Cascade = Vec<(&'static str, String)>;

/// Upstream's `delete_domain` (`_delete_domain_contents`): its projects leaves first, its
/// users (each with the whole user cascade) and groups, then the domain itself. Returns the
/// projects, users and groups it deleted.
pub fn delete_domain_in(w: &impl Writer, domain: &Domain, now: i64) -> Result<Cascade> {
    let mut cascade = Cascade::new();
    // Upstream's federation manager listens for the deletion: the domain's IdPs go too.
    super::federation::delete_idps_of_domain_in(w, &domain.id, now)?;
    let mut projects: Vec<(usize, Project)> = Vec::new();
    for p in resource::list_projects(w)? {
        if p.domain_id == domain.id {
            // Leaves first: a project's depth is the length of its ancestry.
            projects.push((resource::ancestors(w, &p)?.len(), p));
        }
    }
    projects.sort_by_key(|(depth, _)| std::cmp::Reverse(*depth));
    for (_, project) in &projects {
        delete_project_in(w, project, now)?;
        cascade.push(("project", project.id.clone()));
    }
    for user in identity::list_users(w)?
        .into_iter()
        .filter(|u| u.domain_id == domain.id)
    {
        super::identity::delete_user_in(w, &user, now)?;
        cascade.push(("user", user.id.clone()));
    }
    for group in identity::list_groups(w)?
        .into_iter()
        .filter(|g| g.domain_id == domain.id)
    {
        super::identity::delete_group_in(w, &group)?;
        cascade.push(("group", group.id.clone()));
    }
    // The domain's own roles, the assignments on it, its configuration and limits.
    super::iam::custom_policies::forget_domain(w, &domain.id)?;
    assignment::delete_roles_of_domain(w, &domain.id)?;
    assignment::delete_for_target(w, &Target::Domain(domain.id.clone()))?;
    domain_config::delete(w, &domain.id)?;
    limits::delete_for_domain(w, &domain.id)?;
    // Its Huawei security settings (OS-SECURITYPOLICY).
    crate::store::iam::security_policy::delete_for_domain(w, &domain.id)?;
    // Its agencies, and other accounts' agencies' grants on it.
    crate::store::iam::agencies::delete_of_domain(w, &domain.id)?;
    crate::store::iam::agencies::delete_for_target(w, &domain.id)?;
    resource::delete_domain(w, domain)?;
    Ok(cascade)
}
