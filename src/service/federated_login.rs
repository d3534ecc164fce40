//! A federated login, as upstream's mapped auth plugin (keystone/auth/plugins/mapped.py
//! `handle_unscoped_token`): the identity provider and protocol checked, the assertion mapped,
//! the shadow user, its mapped group memberships and auto-provisioned projects written in one
//! transaction, and the unscoped federated token data handed back.

use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::{Error, Result};
use crate::federation::mapping::{self, DomainRef, MappedProperties, MappingError, UserType};
use crate::model::{
    ActorKind, Assignment, ExpiringMembership, FederatedIdentity, FederationProtocol,
    IdentityProvider, Project, Target, User,
};
use crate::store::{assignment, federation, identity, resource, shadow, Reader, Writer};
use crate::token::{FederatedToken, Scope, TokenData};

/// Upstream's 403 body: a SecurityError shows only its generic sentence.
pub fn forbidden() -> Error {
    Error::Forbidden("You are not authorized to perform the requested action.".to_string())
}

/// `assert_enabled_identity_provider`: 404 when unknown, 403 when disabled.
pub fn enabled_idp(r: &impl Reader, idp_id: &str) -> Result<IdentityProvider> {
    let idp = federation::get_idp(r, idp_id)?
        .ok_or_else(|| Error::not_found("Identity Provider", idp_id))?;
    if !idp.enabled {
        return Err(forbidden());
    }
    Ok(idp)
}

fn protocol_of(r: &impl Reader, idp_id: &str, protocol_id: &str) -> Result<FederationProtocol> {
    federation::get_protocol(r, idp_id, protocol_id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
        ))
    })
}

/// What a login proved: the token data (unscoped) for the user it mapped to.
pub struct Login {
    pub token: TokenData,
}

/// `handle_unscoped_token`. `env` is everything the request presented (the claims as
/// mod_auth_openidc would set them, REMOTE_USER included); only attributes with
/// `[federation] assertion_prefix` reach the mapping. `method` is the auth method's name.
pub fn login(
    app: &App,
    idp_id: &str,
    protocol_id: &str,
    method: &str,
    env: &[(String, String)],
    now: f64,
) -> Result<Login> {
    let assertion = mapping::filter_assertion(env, &app.config.federation.assertion_prefix);
    let remote_user = env
        .iter()
        .find(|(k, _)| k == "REMOTE_USER")
        .map(|(_, v)| v.clone());
    // One write transaction from the IdP check to the last membership: a provider disabled
    // or a mapping changed meanwhile is seen by this login or it did not happen.
    app.store.write(|w| {
        let idp = enabled_idp(w, idp_id)?;
        let protocol = protocol_of(w, idp_id, protocol_id)?;
        validate_idp(app, &idp, &protocol, &assertion)?;
        let rules = federation::get_mapping(w, &protocol.mapping_id)?
            .ok_or_else(|| Error::not_found("mapping", &protocol.mapping_id))?;
        let mapped = mapping::process(&rules.rules, &rules.schema_version, &assertion)
            .map_err(mapping_error)?;
        let group_ids = group_ids(w, &mapped, &rules.id)?;
        if mapped.user.user_type == UserType::Local {
            let user_id = local_user(w, &mapped)?;
            return Ok(Login {
                token: unscoped(user_id, method, None, app, now),
            });
        }
        let user = shadow_user(
            w,
            &idp,
            protocol_id,
            &mapped,
            remote_user.clone(),
            &group_ids,
            now,
        )?;
        if !mapped.projects.is_empty() {
            provision_projects(w, &mapped, &rules.schema_version, &idp, &user)?;
        }
        let fed = FederatedToken {
            idp_id: idp.id.clone(),
            protocol_id: protocol_id.to_string(),
            group_ids,
        };
        Ok(Login {
            token: unscoped(user.id, method, Some(fed), app, now),
        })
    })
}

fn unscoped(
    user_id: String,
    method: &str,
    federated: Option<FederatedToken>,
    app: &App,
    now: f64,
) -> TokenData {
    TokenData {
        user_id,
        methods: vec![method.to_string()],
        scope: Scope::Unscoped,
        audit_ids: vec![crate::token::new_audit_id()],
        expires_at: (now + app.config.token.expiration as f64).floor(),
        issued_at: now as i64,
        app_cred_id: None,
        federated,
    }
}

/// A failed mapping is a failed authentication (upstream turns its ValidationError into
/// Unauthorized, whose body is the generic sentence); the engine's 500s stay 500s.
fn mapping_error(e: MappingError) -> Error {
    if e.status() == 400 {
        Error::unauthenticated()
    } else {
        Error::Internal(format!("mapping: {e:?}"))
    }
}

/// `validate_idp`: the assertion's remote id attribute must name one of the IdP's
/// remote ids (403); no attribute configured or no remote ids: any IdP is accepted.
fn validate_idp(
    app: &App,
    idp: &IdentityProvider,
    protocol: &FederationProtocol,
    assertion: &[(String, String)],
) -> Result<()> {
    let attribute = protocol
        .remote_id_attribute
        .as_deref()
        .filter(|a| !a.is_empty())
        .or_else(|| app.config.federation.remote_id_attribute_for(&protocol.id));
    let Some(attribute) = attribute.filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    if idp.remote_ids.is_empty() {
        return Ok(());
    }
    // Missing: a ValidationError inside the plugin's try, so a 401.
    let value = assertion
        .iter()
        .rev()
        .find(|(k, _)| k == attribute)
        .map(|(_, v)| v)
        .ok_or_else(Error::unauthenticated)?;
    if !idp.remote_ids.contains(value) {
        return Err(forbidden());
    }
    Ok(())
}

/// `validate_mapped_group_ids` then `transform_to_group_ids`: mapped ids must exist (upstream
/// raises MappedGroupNotFound, a 500), groups by name that do not exist are skipped.
fn group_ids(r: &impl Reader, mapped: &MappedProperties, mapping_id: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for id in &mapped.group_ids {
        let id = id
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| id.to_string());
        if identity::get_group(r, &id)?.is_none() {
            return Err(Error::Internal(format!(
                "Group {id} returned by mapping {mapping_id} was not found in the backend."
            )));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    for g in &mapped.group_names {
        let (Some(name), Some(domain)) = (&g.name, &g.domain) else {
            continue;
        };
        let domain_id = domain_id_of(r, domain)?;
        if let Some(group) = identity::find_group_by_name(r, &domain_id, name)? {
            if !out.contains(&group.id) {
                out.push(group.id);
            }
        }
    }
    Ok(out)
}

/// A mapping's domain reference as an id; a name that names no domain is upstream's 404.
fn domain_id_of(r: &impl Reader, domain: &DomainRef) -> Result<String> {
    if let Some(id) = &domain.id {
        return Ok(id.clone());
    }
    let name = domain.name.clone().unwrap_or_default();
    resource::find_domain_by_name(r, &name)?
        .map(|d| d.id)
        .ok_or_else(|| Error::not_found("domain", &name))
}

/// `UserAuthInfo.create` for a `local` user: by id, or by name in its domain; it must exist
/// and be enabled, its domain too (401 otherwise, as the password method answers).
fn local_user(r: &impl Reader, mapped: &MappedProperties) -> Result<String> {
    let user = match (&mapped.user.id, &mapped.user.name, &mapped.user.domain) {
        (Some(id), _, _) => identity::get_user(r, id)?,
        (None, Some(name), Some(domain)) => {
            let domain_id = domain_id_of(r, domain).map_err(|_| Error::unauthenticated())?;
            identity::find_user_by_name(r, &domain_id, name)?
        }
        _ => None,
    };
    let user = user.ok_or_else(Error::unauthenticated)?;
    let domain_enabled = resource::get_domain(r, &user.domain_id)?.is_some_and(|d| d.enabled);
    if !user.enabled || !domain_enabled {
        return Err(Error::unauthenticated());
    }
    Ok(user.id)
}

/// urllib.parse.quote(s) with its default safe '/'.
fn url_quote(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Upstream's sha256 id generator: the mapping's values in key order (domain_id,
/// entity_type, local_id) hashed together.
fn public_user_id(domain_id: &str, unique_id: &str) -> String {
    let mut h = Sha256::new();
    for part in [domain_id, "user", unique_id] {
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `validate_and_prepare_federated_user` and `shadow_federated_user`: the user found by its
/// (idp, protocol, unique id), its display name and email refreshed, else created in the
/// mapped domain (the IdP's by default); its mapped group memberships refreshed and those the
/// IdP no longer sends removed.
fn shadow_user(
    w: &impl Writer,
    idp: &IdentityProvider,
    protocol_id: &str,
    mapped: &MappedProperties,
    remote_user: Option<String>,
    group_ids: &[String],
    now: f64,
) -> Result<User> {
    let name = mapped.user.name.clone().or(remote_user);
    let (unique_id, name) = match (&mapped.user.id, name) {
        (None, None) => {
            return Err(Error::Unauthorized(
                "The request you have made requires authentication.".to_string(),
            ))
        }
        (Some(id), None) => (id.clone(), id.clone()),
        (None, Some(name)) => (name.clone(), name),
        (Some(id), Some(name)) => (id.clone(), name),
    };
    let unique_id = url_quote(&unique_id);
    let domain_id = match &mapped.user.domain {
        Some(d) => domain_id_of(w, d)?,
        None => idp.domain_id.clone(),
    };
    let email = mapped.user.email.clone();
    let user = match shadow::find_identity(w, &idp.id, protocol_id, &unique_id)? {
        Some(mut fed) => {
            let mut user = identity::require_user(w, &fed.user_id)?;
            if fed.display_name.as_deref() != Some(name.as_str()) {
                fed.display_name = Some(name.clone());
                shadow::put_identity(w, &fed)?;
            }
            let before = user.clone();
            user.name = name;
            if let Some(email) = email {
                user.extra.insert("email".into(), email.into());
            }
            if user != before {
                identity::put_user(w, &user)?;
            }
            user
        }
        None => {
            let mut user = User {
                id: public_user_id(&domain_id, &unique_id),
                name: name.clone(),
                domain_id,
                enabled: true,
                ..Default::default()
            };
            if let Some(email) = email {
                user.extra.insert("email".into(), email.into());
            }
            // Federated users have no local name upstream: not indexed by name.
            identity::put_user(w, &user)?;
            shadow::put_identity(
                w,
                &FederatedIdentity {
                    user_id: user.id.clone(),
                    idp_id: idp.id.clone(),
                    protocol_id: protocol_id.to_string(),
                    unique_id,
                    display_name: Some(name),
                },
            )?;
            user
        }
    };
    refresh_memberships(w, &user.id, &idp.id, group_ids, now)?;
    Ok(user)
}

/// `add_user_to_group_expires` for each mapped group (`last_verified` = now) and
/// `cleanup_stale_group_memberships` for this IdP's groups the assertion no longer names.
fn refresh_memberships(
    w: &impl Writer,
    user_id: &str,
    idp_id: &str,
    group_ids: &[String],
    now: f64,
) -> Result<()> {
    for group_id in group_ids {
        shadow::put_expiring(
            w,
            &ExpiringMembership {
                user_id: user_id.to_string(),
                group_id: group_id.clone(),
                idp_id: idp_id.to_string(),
                last_verified: now as i64,
            },
        )?;
    }
    for m in shadow::expiring_of_user(w, user_id)? {
        if m.idp_id == idp_id && !group_ids.contains(&m.group_id) {
            shadow::remove_expiring(w, user_id, &m.group_id)?;
        }
    }
    Ok(())
}

/// `validate_shadow_mapping` then `configure_federated_projects`: every role must exist
/// (404) and a domain-specific one belong to the user's domain (403); each project is found
/// by name in its domain (the IdP's by default) or created; the user's grants on it follow
/// the mapping; 3.0 also removes the user's project grants the mapping no longer names.
fn provision_projects(
    w: &impl Writer,
    mapped: &MappedProperties,
    schema_version: &str,
    idp: &IdentityProvider,
    user: &User,
) -> Result<()> {
    let mut wanted: Vec<(Project, Vec<String>)> = Vec::new();
    let mut role_ids: Vec<Vec<String>> = Vec::new();
    for p in &mapped.projects {
        let mut ids = Vec::new();
        for role_name in &p.roles {
            let role = assignment::list_roles(w)?
                .into_iter()
                .find(|r| &r.name == role_name)
                .ok_or_else(|| Error::not_found("role", role_name))?;
            if role
                .domain_id
                .as_ref()
                .is_some_and(|d| *d != user.domain_id)
            {
                return Err(Error::Forbidden(
                    "You are not authorized to perform the requested action.".to_string(),
                ));
            }
            ids.push(role.id);
        }
        role_ids.push(ids);
    }
    for (p, ids) in mapped.projects.iter().zip(role_ids) {
        let domain_id = match &p.domain {
            Some(d) => domain_id_of(w, d)?,
            None => idp.domain_id.clone(),
        };
        let project = match resource::find_project_by_name(w, &domain_id, &p.name)? {
            Some(project) => project,
            None => {
                let project = Project {
                    id: uuid::Uuid::new_v4().simple().to_string(),
                    name: p.name.clone(),
                    domain_id: domain_id.clone(),
                    description: String::new(),
                    enabled: true,
                    parent_id: Some(domain_id),
                    tags: Vec::new(),
                    options: Default::default(),
                    extra: Default::default(),
                };
                resource::create_project(w, &project)?;
                project
            }
        };
        wanted.push((project, ids));
    }
    // should_sync_project_assignment_with_idp: float(schema_version) >= 3.0.
    let sync = schema_version.parse::<f64>().is_ok_and(|v| v >= 3.0);
    sync_project_grants(w, &user.id, &wanted, sync)
}

/// The user's direct project grants made to match `wanted`; without `sync` (schema < 3.0)
/// nothing is removed.
fn sync_project_grants(
    w: &impl Writer,
    user_id: &str,
    wanted: &[(Project, Vec<String>)],
    sync: bool,
) -> Result<()> {
    let current = assignment::list_for_actor(w, ActorKind::User, user_id)?;
    let grant = |project_id: &str, role_id: &str| Assignment {
        actor_kind: ActorKind::User,
        actor_id: user_id.to_string(),
        target: Target::Project(project_id.to_string()),
        role_id: role_id.to_string(),
        inherited: false,
    };
    for (project, role_ids) in wanted {
        for role_id in role_ids {
            let a = grant(&project.id, role_id);
            if !current.contains(&a) {
                assignment::grant(w, &a)?;
            }
        }
    }
    if !sync {
        return Ok(());
    }
    for a in current {
        let Target::Project(pid) = &a.target else {
            continue;
        };
        let keep = wanted
            .iter()
            .any(|(p, roles)| &p.id == pid && roles.contains(&a.role_id));
        if !keep {
            assignment::revoke(w, &a)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "federated_login_tests.rs"]
mod tests;
