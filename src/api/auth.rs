//! /v3/auth: issuing, validating and revoking tokens, and what a token's user may scope to.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::{self as core, AuthContext, ResolvedScope};
use crate::compliance;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::{to_python_json, Response};
use crate::model::{Domain, Target, User};
use crate::password;
use crate::store::{assignment, catalog, identity, resource, Reader};
use crate::token::{self, Scope, TokenData};

use super::{enforce, list_response, render_domain, render_project};

/// Routes /v3/auth/...
pub fn route(app: &App, req: &Request, method: Method, rest: &[&str]) -> Result<Response> {
    match (method, rest) {
        (Method::Post, ["tokens"]) => issue_token(app, req),
        (Method::Get, ["tokens"]) => validate_token(app, req),
        (Method::Delete, ["tokens"]) => revoke_token(app, req),
        (Method::Get, ["catalog"]) => get_catalog(app, req),
        (Method::Get, ["projects"]) => list_projects(app, req),
        (Method::Get, ["domains"]) => list_domains(app, req),
        (Method::Get, ["system"]) => get_system(app, req),
        (_, ["tokens" | "catalog" | "projects" | "domains" | "system"]) => {
            Err(Error::MethodNotAllowed)
        }
        _ => Err(super::not_found()),
    }
}

/// POST /v3/auth/tokens
pub fn issue_token(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let auth = body
        .get("auth")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("auth", "request body"))?;
    let identity_obj = auth
        .get("identity")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("identity", "auth"))?;
    let methods: Vec<String> = match identity_obj.get("methods") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect(),
        Some(other) => {
            return Err(Error::schema(
                "methods",
                &other.to_string(),
                &format!("{other} is not of type 'array'"),
            ))
        }
        None => return Err(Error::expecting("methods", "identity")),
    };
    if methods.is_empty() {
        return Err(Error::expecting("methods", "identity"));
    }
    let now = crate::clock::now_f64();

    // Who: every method must succeed and name the same user.
    let mut user_id: Option<String> = None;
    let mut expires_at = now + app.config.token.expiration as f64;
    let mut parent_audit_id: Option<String> = None;
    let mut method_names: Vec<String> = Vec::new();
    let mut app_cred: Option<crate::model::ApplicationCredential> = None;
    let mut oauth: Option<super::oauth1::OAuthAuth> = None;
    for method in &methods {
        let (id, extra_methods) = match method.as_str() {
            "password" => {
                let password_obj = identity_obj
                    .get("password")
                    .and_then(Value::as_object)
                    .ok_or_else(|| Error::expecting("password", "identity"))?;
                (authenticate_password(app, password_obj)?, vec![])
            }
            "token" => {
                let token_obj = identity_obj
                    .get("token")
                    .and_then(Value::as_object)
                    .ok_or_else(|| Error::expecting("token", "identity"))?;
                let id = token_obj
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::expecting("id", "token"))?;
                // A revoked, expired or unreadable token is upstream's 404 (TokenNotFound
                // from validate_token is not turned into a 401 by the token method).
                let parent = core::validate(app, id, false)?;
                crate::api::application_credentials::check_rescope(&parent)?;
                if matches!(parent.token.scope, Scope::OAuth1 { .. }) {
                    return Err(Error::forbidden_action(
                        "Using OAuth-scoped token to create another token. Create a new OAuth-scoped token instead",
                    ));
                }
                if parent.is_system()
                    && auth
                        .get("scope")
                        .is_some_and(|s| s.get("project").is_some() || s.get("domain").is_some())
                {
                    return Err(Error::forbidden_action(
                        "Using a system-scoped token to create a project-scoped or domain-scoped token is not allowed.",
                    ));
                }
                expires_at = expires_at.min(parent.token.expires_at);
                parent_audit_id = parent
                    .token
                    .audit_ids
                    .get(1)
                    .or(parent.token.audit_ids.first())
                    .cloned();
                (parent.user.id.clone(), parent.token.methods.clone())
            }
            "totp" => {
                let totp_obj = identity_obj
                    .get("totp")
                    .and_then(Value::as_object)
                    .ok_or_else(|| Error::expecting("totp", "identity"))?;
                (authenticate_totp(app, totp_obj)?, vec![])
            }
            "application_credential" => {
                let (id, cred) =
                    crate::api::application_credentials::authenticate(app, auth, identity_obj)?;
                app_cred = Some(cred);
                (id, vec![])
            }
            "oauth1" => {
                let proof = super::oauth1::authenticate(app, req)?;
                let id = proof.user_id.clone();
                oauth = Some(proof);
                (id, vec![])
            }
            _ => {
                return Err(Error::Unauthorized(
                    "Attempted to authenticate with an unsupported method.".to_string(),
                ))
            }
        };
        if user_id.as_ref().is_some_and(|u| *u != id) {
            return Err(Error::unauthenticated());
        }
        user_id = Some(id);
        for m in std::iter::once(method.clone()).chain(extra_methods) {
            if !method_names.contains(&m) {
                method_names.push(m);
            }
        }
    }
    let user_id = user_id.ok_or_else(Error::unauthenticated)?;

    // What: the requested scope, or the user's default project, or none.
    let mut trust: Option<crate::model::Trust> = None;
    let trust_scope = auth.get("scope").and_then(|s| s.get("OS-TRUST:trust"));
    let scope = if let Some(proof) = oauth {
        // The oauth1 method scopes the token to the access token's project.
        Scope::OAuth1 {
            project_id: proof.project_id,
            access_token_id: proof.access_token_id,
        }
    } else if let Some(cred) = &app_cred {
        // An application credential's token is scoped to its project, nothing else.
        Scope::Project(cred.project_id.clone().ok_or_else(Error::unauthenticated)?)
    } else if let Some(trust_obj) = trust_scope {
        let (scope, t) = app
            .store
            .read(|r| crate::api::trusts::token_scope(r, trust_obj, &user_id))?;
        trust = Some(t);
        scope
    } else {
        app.store
            .read(|r| requested_scope(r, auth.get("scope"), &user_id))?
    };
    // Neither outlives the credential or trust it came from.
    for limit in [
        app_cred.as_ref().and_then(|c| c.expires_at),
        trust.as_ref().and_then(|t| t.expires_at),
    ]
    .into_iter()
    .flatten()
    {
        expires_at = expires_at.min(limit as f64 / 1e6);
    }

    // Multi-factor: methods of a presented receipt count; unmet rules answer a receipt.
    if let Some(receipt_id) = req.header("openstack-auth-receipt") {
        let keys_dir = app.config.data_dir.join("fernet-keys");
        let receipt = crate::receipt::validate(&keys_dir, receipt_id, now)?;
        if receipt.user_id != user_id {
            return Err(crate::receipt::not_found(receipt_id));
        }
        for m in receipt.methods {
            if !method_names.contains(&m) {
                method_names.push(m);
            }
        }
    }
    let user = app.store.read(|r| identity::require_user(r, &user_id))?;
    if !compliance::mfa_satisfied(&user, &method_names) {
        return receipt_response(app, &user_id, &method_names, now);
    }
    let mut audit_ids = vec![token::new_audit_id()];
    audit_ids.extend(parent_audit_id);
    let mut data = TokenData {
        user_id,
        methods: method_names,
        scope,
        audit_ids,
        expires_at: expires_at.floor(),
        issued_at: now as i64,
        app_cred_id: app_cred.as_ref().map(|c| c.id.clone()),
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    // issued_at is the Fernet timestamp, as upstream reads it back on validation.
    data.issued_at = token::fernet::creation_time(&token_id)?;
    // Resolve exactly as validation will, so what we hand out validates.
    let context = app
        .store
        .read(|r| core::resolve(r, data.clone()))
        .map_err(|_| Error::unauthenticated())?;
    if let Some(t) = &trust {
        crate::api::trusts::consume_use(app, &t.id)?;
    }
    let body = render_token(app, &context, !req.query_flag("nocatalog"))?;
    Ok(Response::json_unterminated(201, &body).with_header("X-Subject-Token", token_id))
}

/// Checks a password method's user and password; the user id on success.
fn authenticate_password(app: &App, password_obj: &Map<String, Value>) -> Result<String> {
    let user_obj = password_obj
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "password"))?;
    let password = user_obj
        .get("password")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting("password", "user"))?;
    let user = app.store.read(|r| find_auth_user(r, user_obj))?;
    let Some((user, domain)) = user else {
        return Err(Error::unauthenticated());
    };
    if password.len() > app.config.identity.max_password_length {
        return Err(Error::unauthenticated());
    }
    let now = crate::clock::now_f64();
    // Upstream's UserAuthInfo refuses a disabled (or inactive) user or domain first, plainly.
    if !domain.enabled || !compliance::effectively_enabled(&app.config.security, &user, now) {
        return Err(Error::unauthenticated());
    }
    verify_password(app, &user, password, now, false)?;
    Ok(user.id)
}

/// Upstream's identity driver `authenticate(user_id, password)`, in its order: lockout
/// (`[security_compliance] lockout_*`), the password (a failure is counted), the user
/// enabled, the password not expired (skipped when `changing` it, as upstream's
/// change_password catches PasswordExpired); then the failure count is reset and the day
/// of activity recorded. Hashing runs outside any store transaction.
pub(crate) fn verify_password(
    app: &App,
    user: &User,
    password: &str,
    now: f64,
    changing: bool,
) -> Result<()> {
    let cfg = &app.config.security;
    let lock = compliance::lockout(cfg, user, now);
    if lock == compliance::Lockout::Locked {
        return Err(compliance::account_locked(&user.id));
    }
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(password, h));
    if !ok {
        app.store.write_bookkeeping(|w| {
            if lock == compliance::Lockout::Expired {
                identity::record_auth_success(w, &user.id, true, None)?;
            }
            identity::record_failed_auth(w, &user.id, now)
        })?;
        return Err(Error::unauthenticated());
    }
    if !compliance::effectively_enabled(cfg, user, now) {
        return Err(compliance::user_disabled(&user.id));
    }
    if !changing && compliance::password_is_expired(user, now) {
        return Err(compliance::password_expired(&user.id));
    }
    let today = compliance::day_of(now);
    let reset = user.failed_auth_count > 0 || lock == compliance::Lockout::Expired;
    if reset || user.last_active_at != today {
        app.store.write_bookkeeping(|w| {
            identity::record_auth_success(w, &user.id, reset, today.as_deref())
        })?;
    }
    Ok(())
}

/// A `totp` method: the user as the password method finds it, then the passcode.
fn authenticate_totp(app: &App, totp_obj: &Map<String, Value>) -> Result<String> {
    let user_obj = totp_obj
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "totp"))?;
    let user = app.store.read(|r| find_auth_user(r, user_obj))?;
    let Some((user, domain)) = user else {
        return Err(Error::unauthenticated());
    };
    let now = crate::clock::now_f64();
    if !domain.enabled || !compliance::effectively_enabled(&app.config.security, &user, now) {
        return Err(Error::unauthenticated());
    }
    super::totp::check_passcode(app, &user, user_obj, now)?;
    Ok(user.id)
}

/// Upstream's auth-receipt answer: 401 with the receipt in `Openstack-Auth-Receipt` and
/// what is still required (keystone/receipt/handlers.py `build_receipt`).
fn receipt_response(app: &App, user_id: &str, methods: &[String], now: f64) -> Result<Response> {
    let keys_dir = app.config.data_dir.join("fernet-keys");
    let (receipt_id, receipt) = crate::receipt::issue(&keys_dir, user_id, methods, now)?;
    let (user, domain) = app.store.read(|r| {
        let user = identity::require_user(r, user_id)?;
        let domain = resource::require_domain(r, &user.domain_id)?;
        Ok((user, domain))
    })?;
    let body = json!({
        "receipt": {
            "methods": methods,
            "user": {
                "id": user.id,
                "name": user.name,
                "domain": {"id": domain.id, "name": domain.name},
            },
            "expires_at": token::format_time(receipt.expires_at),
            "issued_at": token::format_time(receipt.issued_at as f64),
        },
        "required_auth_methods": compliance::required_methods(&user, methods),
    });
    Ok(Response::raw_json(401, to_python_json(&body))
        .with_header(crate::receipt::HEADER, receipt_id))
}

fn find_auth_user(
    r: &impl Reader,
    user_obj: &Map<String, Value>,
) -> Result<Option<(User, Domain)>> {
    let user = if let Some(id) = user_obj.get("id").and_then(Value::as_str) {
        identity::get_user(r, id)?
    } else {
        let name = user_obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::expecting("id or name", "user"))?;
        let domain_obj = user_obj
            .get("domain")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::expecting("domain", "user"))?;
        match find_domain(r, domain_obj)? {
            Some(domain) => identity::find_user_by_name(r, &domain.id, name)?,
            None => None,
        }
    };
    let Some(user) = user else { return Ok(None) };
    let domain = resource::get_domain(r, &user.domain_id)?;
    Ok(domain.map(|d| (user, d)))
}

/// A domain given as {"id"} or {"name"}.
fn find_domain(r: &impl Reader, domain_obj: &Map<String, Value>) -> Result<Option<Domain>> {
    if let Some(id) = domain_obj.get("id").and_then(Value::as_str) {
        resource::get_domain(r, id)
    } else if let Some(name) = domain_obj.get("name").and_then(Value::as_str) {
        resource::find_domain_by_name(r, name)
    } else {
        Err(Error::expecting("id or name", "domain"))
    }
}

/// The scope a token request asks for. 401 when the user cannot have it, as upstream.
fn requested_scope(r: &impl Reader, scope: Option<&Value>, user_id: &str) -> Result<Scope> {
    let Some(scope) = scope else {
        // No scope: the user's default project if it is usable, else unscoped.
        let user = identity::require_user(r, user_id)?;
        if let Some(project_id) = user.default_project_id {
            if let Some(project) = resource::get_project(r, &project_id)? {
                let target = Target::Project(project.id.clone());
                if project.enabled && !assignment::token_roles(r, user_id, &target)?.is_empty() {
                    return Ok(Scope::Project(project.id));
                }
            }
        }
        return Ok(Scope::Unscoped);
    };
    if scope.as_str() == Some("unscoped") {
        return Ok(Scope::Unscoped);
    }
    let scope = scope
        .as_object()
        .ok_or_else(|| Error::expecting("project, domain or system", "scope"))?;
    let (resolved, target) = if let Some(project_obj) = scope.get("project") {
        let project_obj = project_obj
            .as_object()
            .ok_or_else(|| Error::expecting("project", "scope"))?;
        let project = if let Some(id) = project_obj.get("id").and_then(Value::as_str) {
            resource::get_project(r, id)?
        } else {
            let name = project_obj
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::expecting("id or name", "project"))?;
            let domain_obj = project_obj
                .get("domain")
                .and_then(Value::as_object)
                .ok_or_else(|| Error::expecting("domain", "project"))?;
            match find_domain(r, domain_obj)? {
                Some(domain) => resource::find_project_by_name(r, &domain.id, name)?,
                None => None,
            }
        };
        let project = project.ok_or_else(Error::unauthenticated)?;
        let domain =
            resource::get_domain(r, &project.domain_id)?.ok_or_else(Error::unauthenticated)?;
        if !project.enabled || !domain.enabled {
            return Err(Error::unauthenticated());
        }
        (
            Scope::Project(project.id.clone()),
            Target::Project(project.id),
        )
    } else if let Some(domain_obj) = scope.get("domain") {
        let domain_obj = domain_obj
            .as_object()
            .ok_or_else(|| Error::expecting("domain", "scope"))?;
        let domain = find_domain(r, domain_obj)?.ok_or_else(Error::unauthenticated)?;
        if !domain.enabled {
            return Err(Error::unauthenticated());
        }
        (Scope::Domain(domain.id.clone()), Target::Domain(domain.id))
    } else if let Some(system) = scope.get("system") {
        if system.get("all").and_then(Value::as_bool) != Some(true) {
            return Err(Error::expecting("all", "system"));
        }
        (Scope::System("all".to_string()), Target::System)
    } else if scope.contains_key("OS-TRUST:trust") {
        return Err(Error::Forbidden(
            "Trusts are not supported yet.".to_string(),
        ));
    } else {
        return Err(Error::expecting("project, domain or system", "scope"));
    };
    if assignment::token_roles(r, user_id, &target)?.is_empty() {
        return Err(Error::unauthenticated());
    }
    Ok(resolved)
}

/// A token body as upstream's render_token_response_from_model writes it.
pub fn render_token(app: &App, context: &AuthContext, include_catalog: bool) -> Result<Value> {
    let data = &context.token;
    let mut token = Map::new();
    token.insert("methods".into(), json!(data.methods));
    token.insert(
        "user".into(),
        json!({
            "domain": {"id": context.user_domain.id, "name": context.user_domain.name},
            "id": context.user.id,
            "name": context.user.name,
            "password_expires_at": context.user.password_expires_at,
        }),
    );
    token.insert("audit_ids".into(), json!(data.audit_ids));
    token.insert(
        "expires_at".into(),
        json!(token::format_time(data.expires_at)),
    );
    token.insert(
        "issued_at".into(),
        json!(token::format_time(data.issued_at as f64)),
    );
    let roles: Vec<Value> = context
        .roles
        .iter()
        .map(|r| json!({"id": r.id, "name": r.name}))
        .collect();
    match &context.scope {
        ResolvedScope::Project { project, domain } if context.trust.is_some() => {
            crate::api::trusts::render_token_scope(&mut token, context, project, domain);
        }
        ResolvedScope::System => {
            token.insert("roles".into(), json!(roles));
            token.insert("system".into(), json!({"all": true}));
        }
        ResolvedScope::Domain(domain) => {
            token.insert(
                "domain".into(),
                json!({"id": domain.id, "name": domain.name}),
            );
            token.insert("roles".into(), json!(roles));
        }
        ResolvedScope::Project { project, domain } => {
            token.insert(
                "project".into(),
                json!({"domain": {"id": domain.id, "name": domain.name}, "id": project.id, "name": project.name}),
            );
            token.insert("is_domain".into(), json!(false));
            token.insert("roles".into(), json!(roles));
            if let Some((name, domain_name)) = app.config.admin_project() {
                token.insert(
                    "is_admin_project".into(),
                    json!(project.name == name && domain.name == domain_name),
                );
            }
        }
        ResolvedScope::Unscoped => {}
    }
    if include_catalog && !matches!(context.scope, ResolvedScope::Unscoped) {
        let catalog = app
            .store
            .read(|r| render_catalog(r, &context.user.id, context.project_id()))?;
        token.insert("catalog".into(), Value::Array(catalog));
    }
    if let Scope::OAuth1 {
        access_token_id, ..
    } = &data.scope
    {
        token.insert(
            "OS-OAUTH1".into(),
            super::oauth1::token_section(app, access_token_id)?,
        );
    }
    if let Some(cred) = &context.app_cred {
        let section = app
            .store
            .read(|r| crate::api::application_credentials::token_section(r, cred))?;
        token.insert("application_credential".into(), section);
    }
    Ok(json!({"token": token}))
}

/// The v3 catalog: enabled services with their enabled endpoints, URLs substituted.
pub fn render_catalog(
    r: &impl Reader,
    user_id: &str,
    project_id: Option<&str>,
) -> Result<Vec<Value>> {
    let endpoints = catalog::list_endpoints(r)?;
    // OS-EP-FILTER: a project given endpoints (directly or by group) sees only those, and
    // services left with none drop out; otherwise the whole catalog, as upstream's
    // get_v3_catalog with return_all_endpoints_if_no_filter (true).
    let allowed: Vec<String> = match project_id {
        Some(p) => crate::store::endpoint_filter::endpoints_for_project(r, p)?
            .into_iter()
            .map(|e| e.id)
            .collect(),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for service in catalog::list_services(r)?.into_iter().filter(|s| s.enabled) {
        let eps: Vec<Value> = endpoints
            .iter()
            .filter(|e| e.enabled && e.service_id == service.id)
            .filter(|e| allowed.is_empty() || allowed.contains(&e.id))
            .filter_map(|e| {
                let url = format_url(&e.url, user_id, project_id)?;
                Some(
                    json!({"id": e.id, "interface": e.interface, "region_id": e.region_id,
                            "url": url, "region": e.region_id}),
                )
            })
            .collect();
        if !allowed.is_empty() && eps.is_empty() {
            continue;
        }
        out.push(
            json!({"endpoints": eps, "id": service.id, "type": service.service_type,
                        "name": service.name()}),
        );
    }
    Ok(out)
}

/// Substitutes `$(project_id)s`, `%(tenant_id)s` and friends as upstream's format_url does;
/// None when the URL needs a project and there is none (the endpoint is skipped).
fn format_url(url: &str, user_id: &str, project_id: Option<&str>) -> Option<String> {
    let url = url.replace("$(", "%(");
    if !url.contains("%(") {
        return Some(url);
    }
    let mut out = url.replace("%(user_id)s", user_id);
    for key in ["%(tenant_id)s", "%(project_id)s"] {
        if out.contains(key) {
            out = out.replace(key, project_id?);
        }
    }
    Some(out)
}

/// The subject token of GET/HEAD/DELETE /v3/auth/tokens, with the caller allowed to see it.
fn subject(app: &App, req: &Request, action: &str) -> Result<(Arc<AuthContext>, String)> {
    let caller = core::authenticate_request(app, req.header("x-auth-token"))?;
    let subject_id = req
        .header("x-subject-token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::NotFound("Could not find token: .".to_string()))?
        .to_string();
    let allow_expired = action != "identity:revoke_token" && req.query_flag("allow_expired");
    // An unknown, expired or revoked subject is 404 before any policy check, as upstream.
    let subject = core::validate(app, &subject_id, allow_expired)?;
    crate::api::application_credentials::check_access_rules_support(
        &subject,
        req.header("openstack-identity-access-rules"),
    )?;
    // The policy target is the subject token, as upstream's token_subject rule reads it.
    let target = subject.memo.subject_target.get_or_init(|| {
        json!({"target": {"token": {"user_id": subject.user.id,
            "user": {"id": subject.user.id, "domain": {"id": subject.user.domain_id}}}}})
    });
    enforce(app, &caller, action, target)?;
    Ok((subject, subject_id))
}

/// GET and HEAD /v3/auth/tokens
pub fn validate_token(app: &App, req: &Request) -> Result<Response> {
    let (subject, subject_id) = subject(app, req, "identity:validate_token")?;
    let include_catalog = !req.query_flag("nocatalog");
    // Rendered once per cached validation: the hot path of every service's auth_token.
    let cell = &subject.memo.bodies[usize::from(include_catalog)];
    let body = match cell.get() {
        Some(body) => body.clone(),
        None => {
            let body = to_python_json(&render_token(app, &subject, include_catalog)?);
            cell.get_or_init(|| body).clone()
        }
    };
    Ok(Response::raw_json(200, body).with_header("X-Subject-Token", subject_id))
}

/// DELETE /v3/auth/tokens: revokes the subject token by its audit id.
pub fn revoke_token(app: &App, req: &Request) -> Result<Response> {
    let (subject, _) = subject(app, req, "identity:revoke_token")?;
    let now = crate::clock::now_secs();
    let event = crate::model::RevokeEvent {
        audit_id: subject.token.audit_ids.first().cloned(),
        issued_before: now,
        revoked_at: now,
        ..Default::default()
    };
    app.store.revoke(vec![event])?;
    Ok(Response::no_content())
}

/// GET /v3/auth/catalog
pub fn get_catalog(app: &App, req: &Request) -> Result<Response> {
    let context = core::authenticate_request(app, req.header("x-auth-token"))?;
    if matches!(context.scope, ResolvedScope::Unscoped) {
        return Err(Error::Forbidden(
            "A project-scoped token is required to produce a service catalog.".to_string(),
        ));
    }
    let catalog = app
        .store
        .read(|r| render_catalog(r, &context.user.id, context.project_id()))?;
    Ok(Response::ok(
        &json!({"catalog": catalog, "links": {"self": format!("{}/v3/auth/catalog", app.public_url)}}),
    ))
}

/// The targets a user holds any role on, through groups and inheritance included.
fn scopes_of_user(r: &impl Reader, user_id: &str) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    let mut actors = vec![(crate::model::ActorKind::User, user_id.to_string())];
    for group in identity::group_ids_of_user(r, user_id)? {
        actors.push((crate::model::ActorKind::Group, group));
    }
    for (kind, id) in actors {
        for a in assignment::list_for_actor(r, kind, &id)? {
            if !targets.contains(&a.target) {
                targets.push(a.target.clone());
            }
            // Inherited assignments reach the projects below.
            if a.inherited {
                let projects = resource::list_projects(r)?;
                for p in projects {
                    let reaches = match &a.target {
                        Target::Domain(d) => &p.domain_id == d,
                        Target::Project(pid) => resource::ancestors(r, &p)?.contains(pid),
                        Target::System => false,
                    };
                    let t = Target::Project(p.id.clone());
                    if reaches && !targets.contains(&t) {
                        targets.push(t);
                    }
                }
            }
        }
    }
    Ok(targets)
}

/// GET /v3/auth/projects
pub fn list_projects(app: &App, req: &Request) -> Result<Response> {
    let context = core::authenticate_request(app, req.header("x-auth-token"))?;
    let projects = app.store.read(|r| {
        let mut out = Vec::new();
        for target in scopes_of_user(r, &context.user.id)? {
            if let Target::Project(id) = target {
                if let Some(p) = resource::get_project(r, &id)? {
                    let domain_enabled =
                        resource::get_domain(r, &p.domain_id)?.is_some_and(|d| d.enabled);
                    if p.enabled
                        && domain_enabled
                        && !assignment::token_roles(
                            r,
                            &context.user.id,
                            &Target::Project(p.id.clone()),
                        )?
                        .is_empty()
                    {
                        out.push(render_project(app, &p));
                    }
                }
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(app, req, "projects", projects)))
}

/// GET /v3/auth/domains
pub fn list_domains(app: &App, req: &Request) -> Result<Response> {
    let context = core::authenticate_request(app, req.header("x-auth-token"))?;
    let domains = app.store.read(|r| {
        let mut out = Vec::new();
        for target in scopes_of_user(r, &context.user.id)? {
            if let Target::Domain(id) = &target {
                if let Some(d) = resource::get_domain(r, id)? {
                    if d.enabled
                        && !assignment::token_roles(r, &context.user.id, &target)?.is_empty()
                    {
                        out.push(render_domain(app, &d));
                    }
                }
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(app, req, "domains", domains)))
}

/// GET /v3/auth/system
pub fn get_system(app: &App, req: &Request) -> Result<Response> {
    let context = core::authenticate_request(app, req.header("x-auth-token"))?;
    let has_system = app
        .store
        .read(|r| Ok(!assignment::token_roles(r, &context.user.id, &Target::System)?.is_empty()))?;
    let system: Vec<Value> = if has_system {
        vec![json!({"all": true})]
    } else {
        vec![]
    };
    Ok(Response::ok(
        &json!({"system": system, "links": {"self": format!("{}/v3/auth/system", app.public_url)}}),
    ))
}
