//! POST /v3/auth/tokens: the authentication methods, the requested scope, multi-factor
//! receipts. Public: the request carries its own credentials.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth as core;
use crate::compliance;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::{to_python_json, Response};
use crate::http::routes::Params;
use crate::model::{Domain, Target, User};
use crate::password;
use crate::store::{assignment, identity, resource, Reader};
use crate::store::shadow::AsOf;
use crate::token::{self, Scope, TokenData};

use super::render_token;

/// POST /v3/auth/tokens, as the route table calls it.
pub fn issue(app: &App, req: &Request, _: &Params) -> Result<Response> {
    issue_token(app, req)
}

/// POST /v3/auth/tokens: who (every method), what (the scope), multi-factor, then the token.
/// The request's time (`req.now`) is the `now` of every step.
pub fn issue_token(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    issue_token_with(app, req, &body)
}

/// [`issue_token`] for an auth body built by the server (upstream's OS-FEDERATION auth
/// resource builds one from its path).
pub fn issue_token_with(app: &App, req: &Request, body: &Value) -> Result<Response> {
    match issue_checked(app, req, body) {
        // Said in Keystone's error body, with when to come back.
        Err(e @ Error::TooManyRequests { retry_after }) => {
            Ok(Response::error(&e, &app.identity_url())
                .with_header("Retry-After", retry_after.to_string()))
        }
        other => other,
    }
}

fn issue_checked(app: &App, req: &Request, body: &Value) -> Result<Response> {
    let (auth, identity_obj, methods) = requested_methods(body)?;
    let now = req.now;
    let mut proof = authenticate_methods(app, req, auth, identity_obj, &methods, now)?;
    let (scope, trust) = token_scope(app, auth, &mut proof, now)?;
    // Neither outlives the credential or trust it came from.
    for limit in [
        proof.app_cred.as_ref().and_then(|c| c.expires_at),
        trust.as_ref().and_then(|t| t.expires_at),
    ]
    .into_iter()
    .flatten()
    {
        proof.expires_at = proof.expires_at.min(limit as f64 / 1e6);
    }
    // Multi-factor: methods of a presented receipt count; unmet rules answer a receipt.
    if let Some(receipt_id) = req.header("openstack-auth-receipt") {
        add_receipt_methods(app, receipt_id, &mut proof, now)?;
    }
    let user = app
        .store
        .read(|r| identity::require_user(r, &proof.user_id))?;
    if !compliance::mfa_satisfied(&user, &proof.methods) {
        return receipt_response(app, &proof.user_id, &proof.methods, now);
    }
    let (token_id, context) = mint(app, proof, scope, now)?;
    if let Some(t) = &trust {
        crate::api::v3::trusts::consume_use(app, &t.id, now)?;
    }
    let body = render_token(app, &context, !req.query_flag("nocatalog"))?;
    Ok(Response::json_unterminated(201, &body).with_header("X-Subject-Token", token_id))
}

/// The body's `auth` and `identity` objects and the requested method names.
type Requested<'b> = (&'b Map<String, Value>, &'b Map<String, Value>, Vec<String>);

/// The body's `auth`, its `identity` and the method names, checked in upstream's order.
fn requested_methods(body: &Value) -> Result<Requested<'_>> {
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
    Ok((auth, identity_obj, methods))
}

/// What the auth methods proved: one user, the methods done, and what bounds the token.
struct Proof {
    user_id: String,
    /// Each method once, in request order, a parent token's methods after its `token`.
    methods: Vec<String>,
    /// `now + [token] expiration`, or earlier when a parent token expires first.
    expires_at: f64,
    parent_audit_id: Option<String>,
    app_cred: Option<crate::model::ApplicationCredential>,
    oauth: Option<crate::api::v3::oauth1::OAuthAuth>,
    /// A federated login's or a rescoped federated token's IdP, protocol and groups.
    federated: Option<token::FederatedToken>,
}

/// Runs every requested method; all must succeed and name the same user.
fn authenticate_methods(
    app: &App,
    req: &Request,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    methods: &[String],
    now: f64,
) -> Result<Proof> {
    let mut user_id: Option<String> = None;
    let mut proof = Proof {
        user_id: String::new(),
        methods: Vec::new(),
        expires_at: now + app.config.token.expiration as f64,
        parent_audit_id: None,
        app_cred: None,
        oauth: None,
        federated: None,
    };
    for method in methods {
        let (id, extra_methods) = match method.as_str() {
            "password" => {
                let password_obj = identity_obj
                    .get("password")
                    .and_then(Value::as_object)
                    .ok_or_else(|| Error::expecting("password", "identity"))?;
                let outcome = limited(app, req, password_obj, now, authenticate_password)?;
                (outcome, vec![])
            }
            "token" => authenticate_token(app, auth, identity_obj, &mut proof, now)?,
            "totp" => {
                let totp_obj = identity_obj
                    .get("totp")
                    .and_then(Value::as_object)
                    .ok_or_else(|| Error::expecting("totp", "identity"))?;
                (limited(app, req, totp_obj, now, authenticate_totp)?, vec![])
            }
            "application_credential" => {
                let (id, cred) = crate::api::v3::application_credentials::authenticate(
                    app,
                    auth,
                    identity_obj,
                    now,
                )?;
                proof.app_cred = Some(cred);
                (id, vec![])
            }
            "oauth1" => {
                let oauth = crate::api::v3::oauth1::authenticate(app, req, now)?;
                let id = oauth.user_id.clone();
                proof.oauth = Some(oauth);
                (id, vec![])
            }
            "mapped" | "openid" | "saml2" => {
                let login = crate::api::v3::federation::auth::authenticate_mapped(
                    app,
                    req,
                    identity_obj,
                    method,
                    now,
                )?;
                proof.expires_at = proof.expires_at.min(login.expires_at);
                proof.federated = login.federated;
                (login.user_id, vec![])
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
            if !proof.methods.contains(&m) {
                proof.methods.push(m);
            }
        }
    }
    proof.user_id = user_id.ok_or_else(Error::unauthenticated)?;
    Ok(proof)
}

/// The `token` method: the parent token's user and methods; the new token expires no later
/// than the parent and carries its audit chain.
fn authenticate_token(
    app: &App,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    proof: &mut Proof,
    now: f64,
) -> Result<(String, Vec<String>)> {
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
    let parent = core::validate(app, id, false, now)?;
    crate::api::v3::application_credentials::check_rescope(&parent)?;
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
    proof.expires_at = proof.expires_at.min(parent.token.expires_at);
    if let Some(fed) = &parent.token.federated {
        // mapped.handle_scoped_token: the federation carried over, no parent methods.
        app.store
            .read(|r| crate::service::federated_login::enabled_idp(r, &fed.idp_id))?;
        proof.federated = Some(fed.clone());
        return Ok((parent.user.id.clone(), vec![]));
    }
    proof.parent_audit_id = parent
        .token
        .audit_ids
        .get(1)
        .or(parent.token.audit_ids.first())
        .cloned();
    Ok((parent.user.id.clone(), parent.token.methods.clone()))
}

/// What the token is scoped to: an oauth1 access token's project, an application
/// credential's project, a trust, else the requested scope or the user's default project.
fn token_scope(
    app: &App,
    auth: &Map<String, Value>,
    proof: &mut Proof,
    now: f64,
) -> Result<(Scope, Option<crate::model::Trust>)> {
    let user_id = &proof.user_id;
    let groups = proof
        .federated
        .as_ref()
        .map(|f| f.group_ids.as_slice())
        .unwrap_or_default();
    let trust_scope = auth.get("scope").and_then(|s| s.get("OS-TRUST:trust"));
    if let Some(oauth) = proof.oauth.take() {
        return Ok((
            Scope::OAuth1 {
                project_id: oauth.project_id,
                access_token_id: oauth.access_token_id,
            },
            None,
        ));
    }
    if let Some(cred) = &proof.app_cred {
        // An application credential's token is scoped to its project, nothing else.
        let project_id = cred.project_id.clone().ok_or_else(Error::unauthenticated)?;
        return Ok((Scope::Project(project_id), None));
    }
    if let Some(trust_obj) = trust_scope {
        let (scope, trust) = app
            .store
            .read(|r| {
                let at = app.config.federation.as_of(now);
                crate::api::v3::trusts::token_scope(r, trust_obj, user_id, at)
            })?;
        return Ok((scope, Some(trust)));
    }
    let requested = auth.get("scope");
    if proof.federated.is_some() && requested.is_some_and(|s| s.get("system").is_some()) {
        // Upstream has no Fernet payload for a federated system-scoped token: its provider
        // finds no payload class and fails with a 500. The user cannot have that scope,
        // so we answer as for any scope the user cannot have: 401.
        return Err(Error::unauthenticated());
    }
    let at = app.config.federation.as_of(now);
    let scope = app
        .store
        .read(|r| requested_scope(r, requested, user_id, groups, at))?;
    Ok((scope, None))
}

/// Adds the methods of a presented receipt, which must be valid at `now` and the same user's.
fn add_receipt_methods(app: &App, receipt_id: &str, proof: &mut Proof, now: f64) -> Result<()> {
    let receipt = crate::receipt::validate(&app.receipt_keys, receipt_id, now)?;
    if receipt.user_id != proof.user_id {
        return Err(crate::receipt::not_found(receipt_id));
    }
    for m in receipt.methods {
        if !proof.methods.contains(&m) {
            proof.methods.push(m);
        }
    }
    Ok(())
}

/// Encrypts the token and resolves it exactly as validation will, so what we hand out
/// validates; the token id and its context.
fn mint(app: &App, proof: Proof, scope: Scope, now: f64) -> Result<(String, core::AuthContext)> {
    let mut audit_ids = vec![token::new_audit_id()];
    audit_ids.extend(proof.parent_audit_id);
    let mut data = TokenData {
        user_id: proof.user_id,
        methods: proof.methods,
        scope,
        audit_ids,
        expires_at: proof.expires_at.floor(),
        issued_at: now as i64,
        app_cred_id: proof.app_cred.as_ref().map(|c| c.id.clone()),
        federated: proof.federated,
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    // issued_at is the Fernet timestamp, as upstream reads it back on validation.
    data.issued_at = token::fernet::creation_time(&token_id)?;
    let context = app
        .store
        .read(|r| core::resolve(r, data.clone(), app.config.federation.as_of(now)))
        .map_err(|_| Error::unauthenticated())?;
    Ok((token_id, context))
}

/// Runs a guessable method (password, TOTP) under the failed-login limits of its source
/// address: refused with 429 while over them, and a 401 counts against them.
fn limited(
    app: &App,
    req: &Request,
    method_obj: &Map<String, Value>,
    now: f64,
    authenticate: fn(&App, &Map<String, Value>, f64) -> Result<String>,
) -> Result<String> {
    let user = limit_key(method_obj);
    app.login_limiter.guard(req.remote_addr, &user, now, || {
        authenticate(app, method_obj, now)
    })
}

/// The user a method names, as the client named it (an id, or a name in a domain): unknown
/// users are limited like known ones.
fn limit_key(method_obj: &Map<String, Value>) -> String {
    let user = method_obj.get("user");
    let field = |v: Option<&Value>, k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let domain = user.and_then(|u| u.get("domain"));
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        field(user, "id"),
        field(user, "name"),
        field(domain, "id"),
        field(domain, "name")
    )
}

/// Checks a password method's user and password; the user id on success.
fn authenticate_password(app: &App, password_obj: &Map<String, Value>, now: f64) -> Result<String> {
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
                crate::service::identity::record_auth_success(w, &user.id, true, None)?;
            }
            crate::service::identity::record_failed_auth(w, &user.id, now)
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
            crate::service::identity::record_auth_success(w, &user.id, reset, today.as_deref())
        })?;
    }
    Ok(())
}

/// A `totp` method: the user as the password method finds it, then the passcode.
fn authenticate_totp(app: &App, totp_obj: &Map<String, Value>, now: f64) -> Result<String> {
    let user_obj = totp_obj
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "totp"))?;
    let user = app.store.read(|r| find_auth_user(r, user_obj))?;
    let Some((user, domain)) = user else {
        return Err(Error::unauthenticated());
    };
    if !domain.enabled || !compliance::effectively_enabled(&app.config.security, &user, now) {
        return Err(Error::unauthenticated());
    }
    crate::api::v3::totp::check_passcode(app, &user, user_obj, now)?;
    Ok(user.id)
}

/// Upstream's auth-receipt answer: 401 with the receipt in `Openstack-Auth-Receipt` and
/// what is still required (keystone/receipt/handlers.py `build_receipt`).
fn receipt_response(app: &App, user_id: &str, methods: &[String], now: f64) -> Result<Response> {
    let (receipt_id, receipt) = crate::receipt::issue(&app.receipt_keys, user_id, methods, now)?;
    let (user, domain) = app.store.read(|r| -> Result<_> {
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
        Ok(resource::get_domain(r, id)?)
    } else if let Some(name) = domain_obj.get("name").and_then(Value::as_str) {
        Ok(resource::find_domain_by_name(r, name)?)
    } else {
        Err(Error::expecting("id or name", "domain"))
    }
}

/// The scope a token request asks for. 401 when the user cannot have it, as upstream.
/// `groups`: a federated token's mapped groups, whose roles count as the user's.
fn requested_scope(
    r: &impl Reader,
    scope: Option<&Value>,
    user_id: &str,
    groups: &[String],
    at: AsOf,
) -> Result<Scope> {
    let Some(scope) = scope else {
        // No scope: the user's default project if it is usable, else unscoped.
        let user = identity::require_user(r, user_id)?;
        if let Some(project_id) = user.default_project_id {
            if let Some(project) = resource::get_project(r, &project_id)? {
                let target = Target::Project(project.id.clone());
                if project.enabled && !assignment::token_roles(r, user_id, &target, at)?.is_empty() {
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
    if assignment::token_roles_with_groups(r, user_id, groups, &target, at)?.is_empty() {
        return Err(Error::unauthenticated());
    }
    Ok(resolved)
}
