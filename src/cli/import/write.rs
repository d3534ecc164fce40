//! Writing what was read through the store's own functions, in reference order, so every
//! index is built as the API would build it.

use super::Upstream;
use crate::error::{Error, Result};
use crate::model::{Project, Region};
use crate::store::credentials::StoredCredential;
use crate::store::{
    application_credentials, assignment, catalog, domain_config, endpoint_filter, federation,
    identity, limits, policies, resource, revocation, shadow, tables, trusts, Writer,
};

/// Writes everything in reference order; a summary of the counts.
pub(super) fn write(w: &impl Writer, up: &Upstream) -> Result<String> {
    for d in &up.domains {
        if resource::get_domain(w, &d.id)?.is_none() {
            resource::create_domain(w, d)?;
        }
    }
    // Parents before children: a project's parent is its domain or an earlier project.
    let mut pending: Vec<&Project> = up.projects.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for p in pending {
            let parent_ready = match &p.parent_id {
                Some(parent) => {
                    parent == &p.domain_id || resource::get_project(w, parent)?.is_some()
                }
                None => true,
            };
            if parent_ready {
                resource::create_project(w, p)?;
            } else {
                later.push(p);
            }
        }
        if later.len() == before {
            return Err(Error::Validation(
                "project parents form a cycle or are missing".into(),
            ));
        }
        pending = later;
    }
    for u in &up.users {
        identity::create_user(w, u)?;
    }
    // Federated users have no local name upstream: not indexed by name (as a first login).
    for u in &up.shadow_users {
        identity::put_user(w, u)?;
    }
    for g in &up.groups {
        identity::create_group(w, g)?;
    }
    for (group, user) in &up.memberships {
        identity::add_member(w, group, user)?;
    }
    for r in &up.roles {
        assignment::create_role(w, r)?;
    }
    for (prior, implied) in &up.implied {
        assignment::add_implied(w, prior, implied)?;
    }
    for a in &up.assignments {
        assignment::grant(w, a)?;
    }
    write_catalog(w, up)?;
    for c in &up.credentials {
        w.put::<StoredCredential>(tables::CREDENTIALS, &c.id, c)?;
    }
    // Rules before the credentials that name them.
    for rule in &up.access_rules {
        application_credentials::put_rule(w, rule)?;
    }
    for ac in &up.app_creds {
        application_credentials::create(w, ac)?;
    }
    for t in &up.trusts {
        trusts::put(w, t)?;
    }
    write_more(w, up)?;
    Ok(summary(up))
}

fn summary(up: &Upstream) -> String {
    format!(
        "{} domains, {} projects, {} users, {} groups, {} roles, {} assignments, {} services, \
         {} endpoints, {} credentials, {} application credentials, {} trusts, {}",
        up.domains.len(),
        up.projects.len(),
        up.users.len(),
        up.groups.len(),
        up.roles.len(),
        up.assignments.len(),
        up.services.len(),
        up.endpoints.len(),
        up.credentials.len(),
        up.app_creds.len(),
        up.trusts.len(),
        summary_more(up)
    )
}

fn write_catalog(w: &impl Writer, up: &Upstream) -> Result<()> {
    // Regions parents first (few of them: repeated passes are fine).
    let mut pending: Vec<&Region> = up.regions.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for r in pending {
            let ready = match &r.parent_region_id {
                Some(parent) => catalog::get_region(w, parent)?.is_some(),
                None => true,
            };
            if ready {
                catalog::create_region(w, r)?;
            } else {
                later.push(r);
            }
        }
        if later.len() == before {
            return Err(Error::Validation("region parents form a cycle".into()));
        }
        pending = later;
    }
    for s in &up.services {
        catalog::put_service(w, s)?;
    }
    for e in &up.endpoints {
        catalog::put_endpoint(w, e)?;
    }
    Ok(())
}

/// Federation, endpoint filter, policies, limits, domain configs, revocation events.
fn write_more(w: &impl Writer, up: &Upstream) -> Result<()> {
    for m in &up.mappings {
        federation::put_mapping(w, m)?;
    }
    for idp in &up.idps {
        federation::put_idp(w, idp)?;
    }
    for p in &up.protocols {
        federation::put_protocol(w, p)?;
    }
    for sp in &up.service_providers {
        federation::put_service_provider(w, sp)?;
    }
    for fed in &up.federated_identities {
        shadow::put_identity(w, fed)?;
    }
    for m in &up.expiring_memberships {
        shadow::put_expiring(w, m)?;
    }
    for (endpoint_id, project_id) in &up.project_endpoints {
        endpoint_filter::add_endpoint_to_project(w, endpoint_id, project_id)?;
    }
    for g in &up.endpoint_groups {
        endpoint_filter::put_endpoint_group(w, g)?;
    }
    for (group_id, project_id) in &up.project_endpoint_groups {
        endpoint_filter::add_endpoint_group_to_project(w, group_id, project_id)?;
    }
    for p in &up.policies {
        policies::create_policy(w, p)?;
    }
    for a in &up.policy_associations {
        policies::create_association(w, a)?;
    }
    for l in &up.registered_limits {
        limits::put_registered(w, l)?;
    }
    for l in &up.limits {
        limits::put_limit(w, l)?;
    }
    for (domain_id, config) in &up.domain_configs {
        domain_config::put(w, domain_id, config)?;
    }
    revocation::append(w, &up.revocations)?;
    Ok(())
}

fn summary_more(up: &Upstream) -> String {
    let mut out = format!(
        "{} identity providers, {} protocols, {} mappings, {} service providers, \
         {} federated identities, {} endpoint groups, {} policies, {} policy associations, \
         {} registered limits, {} limits, {} domain configs, {} access rules, \
         {} revocation events",
        up.idps.len(),
        up.protocols.len(),
        up.mappings.len(),
        up.service_providers.len(),
        up.federated_identities.len(),
        up.endpoint_groups.len(),
        up.policies.len(),
        up.policy_associations.len(),
        up.registered_limits.len(),
        up.limits.len(),
        up.domain_configs.len(),
        up.access_rules.len(),
        up.revocations.len(),
    );
    if up.revocations_skipped > 0 {
        out.push_str(&format!(
            " ({} by role, consumer or access token not imported)",
            up.revocations_skipped
        ));
    }
    out
}
