//! Authentication and token validation, without HTTP: credentials or a token in, a validated
//! `AuthContext` out. Tokens carry only ids (Fernet); everything else is looked up at
//! validation time, so a disabled user, a deleted project or a removed role shows at once.

use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::model::{Domain, Project, Role, Target, User};
use crate::service::delegation;
use crate::store::shadow::{self, AsOf};
use crate::store::{assignment, identity, resource, revocation, Dep, Reader, StoreError};
use crate::token::{Scope, TokenData};

/// Why a token or a request's credentials were not accepted. Which status that is depends on
/// whose token it was, so validation says what happened and the caller picks the answer
/// (`caller`, `Error::from`, `v2_subject`); nobody rewrites a 404 into a 401.
#[derive(Debug)]
pub enum AuthError {
    /// The token does not stand for anyone now: unknown, expired, revoked, or something it
    /// needs is gone or disabled. `reason` is upstream's 404 sentence for a subject token.
    InvalidToken { reason: String },
    /// The request has no usable credentials: upstream's 401.
    Unauthenticated,
    /// Not about the token: the store failed.
    Failed(Error),
}

impl AuthError {
    /// Upstream does not say why a token failed: expired, revoked and unknown look alike.
    pub fn invalid_token() -> AuthError {
        AuthError::InvalidToken {
            reason: "Failed to validate token".to_string(),
        }
    }

    /// The failure when the token was the caller's own credential: upstream answers 401
    /// whatever made the token invalid.
    pub fn caller(self) -> AuthError {
        match self {
            AuthError::InvalidToken { .. } => AuthError::Unauthenticated,
            other => other,
        }
    }

    /// The failure when the token is the subject of GET /v2.0/tokens/{token_id}: 404 naming it.
    pub fn v2_subject(self, token_id: &str) -> Error {
        match self {
            AuthError::InvalidToken { .. } => Error::token_not_found(token_id),
            other => other.into(),
        }
    }
}

/// A subject token (v3 GET /v3/auth/tokens, the token auth method) that does not validate is
/// upstream's 404 with its reason.
impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidToken { reason } => Error::NotFound(reason),
            AuthError::Unauthenticated => Error::unauthenticated(),
            AuthError::Failed(e) => e,
        }
    }
}

/// A record a token needs that is not there makes the token invalid (with the store's 404
/// sentence as the reason); any other store failure is not the token's.
impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } | StoreError::NotLinked(_) => AuthError::InvalidToken {
                reason: Error::from(e).message(),
            },
            other => AuthError::Failed(other.into()),
        }
    }
}

/// What a token is scoped to, resolved to records. Built once per validation and cached,
/// so the project variant's size costs nothing a Box would save.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum ResolvedScope {
    Unscoped,
    Project { project: Project, domain: Domain },
    Domain(Domain),
    System,
}

/// A validated token and what it stands for.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub token: TokenData,
    pub user: User,
    pub user_domain: Domain,
    pub scope: ResolvedScope,
    /// Effective roles on the scope (implied roles included; none when unscoped).
    pub roles: Vec<Role>,
    /// Computed once per validated token (the cache entry dies with a write to what it
    /// was built from).
    pub memo: Memo,
    /// When a mapped group membership this validation counted lapses (Unix seconds): the
    /// cached validation is rebuilt from then on, as a lapse is a matter of time, not of a
    /// write the cache's versions would see. None when no such membership counted.
    pub roles_valid_until: Option<i64>,
    /// OS-TRUST: the trust of a trust-scoped token (`user` is then the trustor when the trust
    /// impersonates, else the trustee).
    pub trust: Option<crate::model::Trust>,
    /// The application credential a token was issued for.
    pub app_cred: Option<crate::model::ApplicationCredential>,
    /// Huawei IAM agency token: the real user who assumed the agency (`user` is then the
    /// agency itself, see src/service/iam/agencies.rs).
    pub assumed_by: Option<crate::service::iam::agencies::AssumedBy>,
}

/// Work done once per cached validation: the policy credentials and the rendered bodies.
#[derive(Debug, Clone, Default)]
pub struct Memo {
    pub credentials: OnceLock<Value>,
    /// [without catalog, with catalog]
    pub bodies: [OnceLock<Vec<u8>>; 2],
    /// This token as the policy target of a token API call (upstream's token_subject rule).
    pub subject_target: OnceLock<Value>,
}

impl AuthContext {
    pub fn project_id(&self) -> Option<&str> {
        match &self.scope {
            ResolvedScope::Project { project, .. } => Some(&project.id),
            _ => None,
        }
    }

    pub fn domain_id(&self) -> Option<&str> {
        match &self.scope {
            ResolvedScope::Domain(d) => Some(&d.id),
            _ => None,
        }
    }

    /// The records this validation was built from (for the cache's versions).
    fn dependencies(&self) -> Vec<Dep<'_>> {
        let mut deps = vec![
            Dep::User(&self.token.user_id),
            Dep::User(&self.user.id),
            Dep::Domain(&self.user.domain_id),
            Dep::Domain(&self.user_domain.id),
            // A rendered body memoized with the catalog.
            Dep::Catalog,
        ];
        match &self.scope {
            ResolvedScope::Project { project, domain } => {
                deps.extend([Dep::Project(&project.id), Dep::Domain(&domain.id)]);
            }
            ResolvedScope::Domain(d) => deps.push(Dep::Domain(&d.id)),
            ResolvedScope::System | ResolvedScope::Unscoped => {}
        }
        if !matches!(self.scope, ResolvedScope::Unscoped) {
            deps.push(Dep::Assignments);
        }
        let delegated = self.trust.is_some()
            || self.app_cred.is_some()
            || matches!(self.token.scope, Scope::OAuth1 { .. });
        if delegated {
            deps.push(Dep::Delegation);
        }
        if let Some(t) = &self.trust {
            deps.extend([Dep::User(&t.trustor_user_id), Dep::User(&t.trustee_user_id)]);
        }
        deps
    }

    pub fn is_system(&self) -> bool {
        matches!(self.scope, ResolvedScope::System)
    }

    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.name.clone()).collect()
    }

    /// The credentials oslo.policy sees (oslo.context's to_policy_values), built from the token.
    pub fn policy_credentials(&self, app: &App) -> &Value {
        self.memo
            .credentials
            .get_or_init(|| self.build_policy_credentials(app))
    }

    fn build_policy_credentials(&self, app: &App) -> Value {
        let (project_id, project_domain_id) = match &self.scope {
            ResolvedScope::Project { project, .. } => {
                (Some(project.id.clone()), Some(project.domain_id.clone()))
            }
            _ => (None, None),
        };
        let is_admin_project = match (&self.scope, app.config.admin_project()) {
            (ResolvedScope::Project { project, domain }, Some((name, domain_name))) => {
                project.name == name && domain.name == domain_name
            }
            (ResolvedScope::Domain(_), _) => false,
            // oslo.context's default when no admin project is configured.
            _ => true,
        };
        // oslo.context also hands policy the token body; upstream rules read token.*.domain.id.
        let mut token =
            json!({"user": {"id": self.user.id, "domain": {"id": self.user.domain_id}}});
        match &self.scope {
            ResolvedScope::Project { project, .. } => {
                token["project"] = json!({"id": project.id, "domain": {"id": project.domain_id}});
            }
            ResolvedScope::Domain(domain) => token["domain"] = json!({"id": domain.id}),
            ResolvedScope::System => token["system"] = json!({"all": true}),
            ResolvedScope::Unscoped => {}
        }
        json!({
            "token": token,
            "user_id": self.user.id,
            "user_domain_id": self.user.domain_id,
            "project_id": project_id,
            "project_domain_id": project_domain_id,
            "domain_id": self.domain_id(),
            "system_scope": if self.is_system() { Some("all") } else { None },
            "roles": self.role_names(),
            "is_admin_project": is_admin_project,
            "service_user_id": null,
            "service_roles": [],
        })
    }
}

/// Turns a scope into a role-assignment target.
pub fn target_of(scope: &ResolvedScope) -> Option<Target> {
    match scope {
        ResolvedScope::Unscoped => None,
        ResolvedScope::Project { project, .. } => Some(Target::Project(project.id.clone())),
        ResolvedScope::Domain(d) => Some(Target::Domain(d.id.clone())),
        ResolvedScope::System => Some(Target::System),
    }
}

/// Resolves a token's user and scope against the store, checking that all are usable:
/// user, its domain, the project, its domain enabled; a scoped token has at least one role.
pub fn resolve(
    r: &impl Reader,
    token: TokenData,
    at: AsOf,
) -> std::result::Result<AuthContext, AuthError> {
    let now = at.now;
    if matches!(token.scope, Scope::Agency { .. }) {
        return crate::service::iam::agencies::resolve_token(r, token, at);
    }
    let invalid = AuthError::invalid_token;
    let user = identity::get_user(r, &token.user_id)?.ok_or_else(invalid)?;
    let user_domain = resource::get_domain(r, &user.domain_id)?.ok_or_else(invalid)?;
    if !user.enabled || !user_domain.enabled {
        return Err(invalid());
    }
    let scoped = resolve_scope(r, &token.scope, &user, at)?;
    let app_cred = match &token.app_cred_id {
        Some(id) => Some(delegation::app_cred(r, id, &user, now)?),
        None => None,
    };
    let roles = match &token.federated {
        Some(fed) if scoped.trust.is_none() => {
            federated_roles(r, &scoped.scope, &user.id, &fed.group_ids, at)?
        }
        _ => token_roles(r, &scoped, app_cred.as_ref(), &user.id, at)?,
    };
    // Roles can come from the mapped memberships of the user (or a trust's trustor) until
    // the first of them lapses; an unscoped token has no roles to lose.
    let roles_valid_until = match (&scoped.scope, &scoped.trust) {
        (ResolvedScope::Unscoped, _) => None,
        (_, Some(t)) => shadow::first_lapse(r, &t.trustor_user_id, at)?,
        (_, None) => shadow::first_lapse(r, &user.id, at)?,
    };
    // An impersonating trust's token stands for the trustor.
    let (user, user_domain) = match &scoped.trust {
        Some(t) => delegation::trust_token_user(r, t, user, user_domain)?,
        None => (user, user_domain),
    };
    Ok(AuthContext {
        token,
        user,
        user_domain,
        scope: scoped.scope,
        roles,
        roles_valid_until,
        memo: Memo::default(),
        trust: scoped.trust,
        app_cred,
        assumed_by: None,
    })
}

/// A token's scope as records, with what delegated it.
struct Scoped {
    scope: ResolvedScope,
    trust: Option<crate::model::Trust>,
    /// An OAuth1 token's roles: the access token's roles the user still has.
    oauth_roles: Option<Vec<Role>>,
}

fn resolve_scope(
    r: &impl Reader,
    scope: &Scope,
    user: &User,
    at: AsOf,
) -> std::result::Result<Scoped, AuthError> {
    let now = at.now;
    let plain = |scope| Scoped {
        scope,
        trust: None,
        oauth_roles: None,
    };
    Ok(match scope {
        Scope::Unscoped => plain(ResolvedScope::Unscoped),
        Scope::Project(id) => plain(enabled_project(r, id)?),
        Scope::Domain(id) => {
            let domain = resource::get_domain(r, id)?.ok_or_else(AuthError::invalid_token)?;
            if !domain.enabled {
                return Err(AuthError::invalid_token());
            }
            plain(ResolvedScope::Domain(domain))
        }
        Scope::System(_) => plain(ResolvedScope::System),
        // Resolved by the agencies service before this is reached.
        Scope::Agency { .. } => return Err(AuthError::invalid_token()),
        Scope::Trust { trust_id, .. } => {
            let (trust, scope) = delegation::trust_scope(r, user, trust_id, now)?;
            Scoped {
                scope,
                trust: Some(trust),
                oauth_roles: None,
            }
        }
        Scope::OAuth1 {
            project_id,
            access_token_id,
        } => Scoped {
            scope: enabled_project(r, project_id)?,
            trust: None,
            oauth_roles: Some(delegation::oauth1_token_roles(
                r,
                &user.id,
                project_id,
                access_token_id,
                at,
            )?),
        },
    })
}

/// A project scope whose project and domain both exist and are enabled (a project Huawei's
/// OS-PROJECT status suspended counts as disabled).
pub fn enabled_project(r: &impl Reader, id: &str) -> std::result::Result<ResolvedScope, AuthError> {
    let invalid = AuthError::invalid_token;
    let project = resource::get_project(r, id)?.ok_or_else(invalid)?;
    let domain = resource::get_domain(r, &project.domain_id)?.ok_or_else(invalid)?;
    let suspended = crate::store::iam::agencies::project_suspended(r, id)?;
    if !project.enabled || !domain.enabled || suspended {
        return Err(invalid());
    }
    Ok(ResolvedScope::Project { project, domain })
}

/// The token's effective roles on its scope: an OAuth1 token carries the access token's
/// roles the user still has (upstream's `_get_oauth_roles`), a trust's or application
/// credential's token theirs, any other the user's; a scoped token without one is invalid.
fn token_roles(
    r: &impl Reader,
    scoped: &Scoped,
    app_cred: Option<&crate::model::ApplicationCredential>,
    user_id: &str,
    at: AsOf,
) -> std::result::Result<Vec<Role>, AuthError> {
    let Some(target) = target_of(&scoped.scope) else {
        return Ok(Vec::new());
    };
    let roles = match (&scoped.oauth_roles, &scoped.trust, app_cred) {
        (Some(roles), _, _) => roles.clone(),
        (None, Some(t), _) => delegation::trust_token_roles(r, t, at)?,
        (None, None, Some(ac)) => delegation::app_cred_token_roles(r, ac, user_id, &target, at)?,
        (None, None, None) => assignment::token_roles(r, user_id, &target, at)?,
    };
    if roles.is_empty() {
        return Err(AuthError::invalid_token());
    }
    Ok(roles)
}

/// A federated token's roles (upstream's `_get_federated_roles`): its groups' roles on the
/// scope and the user's own, none when unscoped; a scoped one without any is invalid.
fn federated_roles(
    r: &impl Reader,
    scope: &ResolvedScope,
    user_id: &str,
    group_ids: &[String],
    at: AsOf,
) -> std::result::Result<Vec<Role>, AuthError> {
    let Some(target) = target_of(scope) else {
        return Ok(Vec::new());
    };
    let roles = assignment::token_roles_with_groups(r, user_id, group_ids, &target, at)?;
    if roles.is_empty() {
        return Err(AuthError::invalid_token());
    }
    Ok(roles)
}

/// Decodes and fully validates a token string. `allow_expired` accepts tokens expired less
/// than `[token] allow_expired_window` ago, as upstream's `?allow_expired=1`; `now` is the
/// request's time.
pub fn validate(
    app: &App,
    token: &str,
    allow_expired: bool,
    now: f64,
) -> std::result::Result<Arc<AuthContext>, AuthError> {
    // A cached validation stands until a write to what it read, or until a mapped
    // membership it counted lapses (the versions cannot see time pass).
    let context = match app.validated.get(token, app.store.versions()) {
        Some(cached) if cached.roles_valid_until.is_none_or(|t| now < t as f64) => cached,
        _ => resolve_and_cache(app, token, now)?,
    };
    let data = &context.token;
    let limit = if allow_expired {
        data.expires_at + app.config.token.allow_expired_window as f64
    } else {
        data.expires_at
    };
    if now >= limit {
        // Upstream's reason would be "The token has expired."; it answers as for any token.
        return Err(AuthError::invalid_token());
    }
    let facts = revocation::TokenFacts {
        user_id: &data.user_id,
        project_id: context.project_id(),
        domain_id: context.domain_id(),
        audit_ids: &data.audit_ids,
        issued_at: data.issued_at,
    };
    let revoked = app.store.with_revocations(|index| index.is_revoked(&facts));
    if revoked || data.issued_at <= context.user.password_created_at {
        // Likewise for "Token has been revoked".
        return Err(AuthError::invalid_token());
    }
    Ok(context)
}

/// Decodes and resolves a token, caching the result stamped with the versions of what it
/// was built from. If any write committed while it was being built, it is not cached: the
/// write's version bumps may already be in the stamp while the records read predate it.
fn resolve_and_cache(
    app: &App,
    token: &str,
    now: f64,
) -> std::result::Result<Arc<AuthContext>, AuthError> {
    let data = app
        .tokens
        .decode(token)
        .map_err(|_| AuthError::InvalidToken {
            reason: "Could not recognize Fernet token".to_string(),
        })?;
    let generation = app.store.generation();
    let at = app.config.federation.as_of(now);
    let mut context = app.store.read(|r| resolve(r, data, at))?;
    // Nothing secret is kept in memory longer than the request that read it.
    context.user.password_hash = None;
    context.user.password_history = Vec::new();
    if let Some(cred) = &mut context.app_cred {
        cred.secret_hash = String::new();
    }
    let context = Arc::new(context);
    let stamp = app.store.versions().stamp(&context.dependencies());
    if app.store.generation() == generation {
        app.validated.put(token, stamp, context.clone());
    }
    Ok(context)
}

/// The token an `X-Auth-Token` header carries, validated; 401 if missing or bad.
pub fn authenticate_request(app: &App, header: Option<&str>, now: f64) -> Result<Arc<AuthContext>> {
    let token = header
        .filter(|t| !t.is_empty())
        .ok_or_else(Error::unauthenticated)?;
    let context = validate(app, token, false, now).map_err(AuthError::caller)?;
    // Keystone itself does not enforce access rules, so it refuses such tokens (as upstream).
    if delegation::has_access_rules(&context) {
        return Err(Error::unauthenticated());
    }
    Ok(context)
}
