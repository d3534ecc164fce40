//! /v2.0/tokens: authenticate (password or token, unscoped or scoped to a tenant), validate
//! (GET/HEAD, with `belongsTo`), revoke, and a token's endpoints. A v2 token is a Fernet
//! token like any other, so it validates on v3 and a v3 default-domain token validates here.

use serde_json::{json, Map, Value};

use crate::api::v3::auth::render_catalog;
use crate::app::App;
use crate::auth::{self as core, AuthContext, ResolvedScope};
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::Target;
use crate::password;
use crate::store::shadow::AsOf;
use crate::store::{assignment, identity, resource, Reader};
use crate::token::{self, Scope, TokenData};

use super::{body, format, named_fault, render_tenant, respond, DEFAULT_DOMAIN};

/// Upstream's `[DEFAULT] max_param_size` and `max_token_size`.
const MAX_PARAM_SIZE: usize = 64;
const MAX_TOKEN_SIZE: usize = 8192;

fn size_error(attribute: &str, size: usize) -> Error {
    Error::bad_request(&format!(
        "Request attribute {attribute} must be less than or equal to {size}."
    ))
}

/// A string member of a request object: None if absent or null, 400 if another type.
fn string_field(obj: &Map<String, Value>, field: &str) -> Result<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::schema(
            field,
            &other.to_string(),
            &format!("{other} is not of type 'string'"),
        )),
    }
}

fn object_field<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a Map<String, Value>> {
    match obj.get(field) {
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(Error::schema(
            field,
            &other.to_string(),
            &format!("{other} is not of type 'object'"),
        )),
        None => Err(Error::expecting(field, "auth")),
    }
}

/// Who authenticated, and how.
struct Authenticated {
    user_id: String,
    methods: Vec<String>,
    expires_at: f64,
    parent_audit_id: Option<String>,
}

enum Outcome {
    Ok(Authenticated),
    /// The documents' userDisabled (403): right password, disabled user.
    UserDisabled(String),
}

/// The tenant a request asks to be scoped to, by id or by name (at most one).
struct RequestedTenant {
    id: Option<String>,
    name: Option<String>,
}

/// POST /v2.0/tokens
pub fn authenticate(app: &App, req: &Request, _: &Params) -> Result<Response> {
    let f = format(req);
    let doc = body(req)?;
    let auth = match doc.get("auth") {
        Some(Value::Object(a)) => a,
        _ => return Err(Error::expecting("auth", "request body")),
    };
    let tenant = requested_tenant(auth)?;
    let now = req.now;
    let outcome = match run_method(app, req, auth)? {
        Ok(outcome) => outcome,
        Err(early) => return Ok(early),
    };
    let who = match outcome {
        Outcome::Ok(who) => who,
        Outcome::UserDisabled(user_id) => {
            return Ok(named_fault(
                app,
                "userDisabled",
                403,
                &format!("User is disabled: {user_id}"),
                "Forbidden",
                f,
            ))
        }
    };
    let at = app.config.federation.as_of(now);
    let scope = app
        .store
        .read(|r| tenant_scope(r, &tenant, &who.user_id, at))?;
    let access = issue(app, who, scope, now)?;
    Ok(respond(f, 200, &access))
}

/// `tenantId` / `tenantName`, checked for exclusivity and size before any credential is.
fn requested_tenant(auth: &Map<String, Value>) -> Result<RequestedTenant> {
    let tenant_id = string_field(auth, "tenantId")?.filter(|s| !s.is_empty());
    let tenant_name = string_field(auth, "tenantName")?.filter(|s| !s.is_empty());
    if tenant_id.is_some() && tenant_name.is_some() {
        return Err(Error::bad_request(
            "Specify either tenantId or tenantName, not both.",
        ));
    }
    if tenant_id.as_ref().is_some_and(|t| t.len() > MAX_PARAM_SIZE) {
        return Err(size_error("tenantId", MAX_PARAM_SIZE));
    }
    if tenant_name
        .as_ref()
        .is_some_and(|t| t.len() > MAX_PARAM_SIZE)
    {
        return Err(size_error("tenantName", MAX_PARAM_SIZE));
    }
    Ok(RequestedTenant {
        id: tenant_id,
        name: tenant_name,
    })
}

/// Runs the token or password method. The inner `Err` is a finished response (the
/// rate limiter's 429 carries a Retry-After header, which an `Error` cannot).
fn run_method(
    app: &App,
    req: &Request,
    auth: &Map<String, Value>,
) -> Result<std::result::Result<Outcome, Response>> {
    let now = req.now;
    if auth.contains_key("token") {
        return by_token(app, auth, now).map(Ok);
    }
    if !auth.contains_key("passwordCredentials") {
        return Err(Error::expecting("auth", "request body"));
    }
    // Failed-login limits per source address, as v3's password method (src/ratelimit.rs).
    match app
        .login_limiter
        .guard(req.remote_addr, &v2_limit_key(auth), now, || {
            by_password(app, auth, now)
        }) {
        Err(e @ Error::TooManyRequests { retry_after }) => {
            Ok(Err(crate::api::v2::fault(app, &e, format(req))
                .with_header("Retry-After", retry_after.to_string())))
        }
        other => other.map(Ok),
    }
}

/// The scope the requested tenant gives `user_id`: unscoped when none was named; 401
/// when the tenant is unknown, outside the default domain, disabled, or not assigned.
fn tenant_scope(
    r: &impl Reader,
    tenant: &RequestedTenant,
    user_id: &str,
    at: AsOf,
) -> Result<Scope> {
    let project = match (&tenant.id, &tenant.name) {
        (Some(id), _) => resource::get_project(r, id)?
            .filter(|p| p.domain_id == DEFAULT_DOMAIN)
            .ok_or_else(|| Error::Unauthorized(format!("Project ID not found: {id}")))?,
        (None, Some(name)) => resource::find_project_by_name(r, DEFAULT_DOMAIN, name)?
            .ok_or_else(|| Error::Unauthorized(format!("Could not find project: {name}.")))?,
        (None, None) => return Ok(Scope::Unscoped),
    };
    let domain_enabled = resource::get_domain(r, &project.domain_id)?.is_some_and(|d| d.enabled);
    if !project.enabled || !domain_enabled {
        return Err(Error::Unauthorized(format!(
            "Project is disabled: {}",
            project.id
        )));
    }
    let target = Target::Project(project.id.clone());
    if assignment::token_roles(r, user_id, &target, at)?.is_empty() {
        return Err(Error::Unauthorized(format!(
            "User {} has no access to project {}",
            user_id, project.id
        )));
    }
    Ok(Scope::Project(project.id))
}

/// Mints the token and renders the `access` document for it.
fn issue(app: &App, who: Authenticated, scope: Scope, now: f64) -> Result<Value> {
    let mut audit_ids = vec![token::new_audit_id()];
    audit_ids.extend(who.parent_audit_id);
    let mut data = TokenData {
        user_id: who.user_id,
        methods: who.methods,
        scope,
        audit_ids,
        expires_at: who.expires_at.floor(),
        issued_at: now as i64,
        app_cred_id: None,
        federated: None,
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    data.issued_at = token::fernet::creation_time(&token_id)?;
    // Resolve exactly as validation will, so what we hand out validates.
    let context = app
        .store
        .read(|r| core::resolve(r, data.clone(), app.config.federation.as_of(now)))
        .map_err(|_| Error::unauthenticated())?;
    render_access(app, &context, &token_id)
}

/// The user a v2.0 login names, as the client named it.
fn v2_limit_key(auth: &Map<String, Value>) -> String {
    let creds = auth.get("passwordCredentials");
    let field = |k: &str| {
        creds
            .and_then(|c| c.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!("v2\u{1f}{}\u{1f}{}", field("userId"), field("username"))
}

fn by_password(app: &App, auth: &Map<String, Value>, now: f64) -> Result<Outcome> {
    let creds = object_field(auth, "passwordCredentials")?;
    let password = string_field(creds, "password")?
        .ok_or_else(|| Error::expecting("password", "passwordCredentials"))?;
    if password.len() > app.config.identity.max_password_length {
        return Err(size_error(
            "password",
            app.config.identity.max_password_length,
        ));
    }
    let user_id = string_field(creds, "userId")?.filter(|s| !s.is_empty());
    let username = string_field(creds, "username")?.filter(|s| !s.is_empty());
    if user_id.is_none() && username.is_none() {
        return Err(Error::expecting(
            "username or userId",
            "passwordCredentials",
        ));
    }
    if user_id.as_ref().is_some_and(|u| u.len() > MAX_PARAM_SIZE) {
        return Err(size_error("userId", MAX_PARAM_SIZE));
    }
    if username.as_ref().is_some_and(|u| u.len() > MAX_PARAM_SIZE) {
        return Err(size_error("username", MAX_PARAM_SIZE));
    }
    let invalid = || Error::Unauthorized("Invalid user / password".to_string());
    let user = app.store.read(|r| match &username {
        Some(name) => identity::find_user_by_name(r, DEFAULT_DOMAIN, name),
        None => Ok(user_id
            .as_deref()
            .map(|id| identity::get_user(r, id))
            .transpose()?
            .flatten()
            .filter(|u| u.domain_id == DEFAULT_DOMAIN)),
    })?;
    let user = user.ok_or_else(invalid)?;
    let domain_enabled = app
        .store
        .read(|r| resource::get_domain(r, &user.domain_id))?
        .is_some_and(|d| d.enabled);
    if !domain_enabled || !crate::compliance::effectively_enabled(&app.config.security, &user, now)
    {
        // v2 checks the password first, then answers userDisabled.
        // Hash outside any transaction: verification is slow by design.
        let ok = user
            .password_hash
            .as_deref()
            .is_some_and(|h| password::verify(&password, h));
        return if ok {
            Ok(Outcome::UserDisabled(user.id))
        } else {
            Err(invalid())
        };
    }
    // The same checks as v3's password method: lockout, failure counting, expiry.
    match crate::api::v3::auth::verify_password(app, &user, &password, now, false) {
        Ok(()) => {}
        Err(Error::Unauthorized(_)) => return Err(invalid()),
        Err(other) => return Err(other),
    }
    Ok(Outcome::Ok(Authenticated {
        user_id: user.id,
        methods: vec!["password".to_string()],
        expires_at: now + app.config.token.expiration as f64,
        parent_audit_id: None,
    }))
}

fn by_token(app: &App, auth: &Map<String, Value>, now: f64) -> Result<Outcome> {
    let token_obj = match auth.get("token") {
        Some(Value::Object(t)) => t,
        _ => return Err(Error::expecting("token", "auth")),
    };
    let old = string_field(token_obj, "id")?.ok_or_else(|| Error::expecting("id", "token"))?;
    if old.len() > MAX_TOKEN_SIZE {
        return Err(size_error("token", MAX_TOKEN_SIZE));
    }
    let parent = core::validate(app, &old, false, now).map_err(core::AuthError::caller)?;
    check_v2_visible(&parent)?;
    Ok(Outcome::Ok(Authenticated {
        user_id: parent.user.id.clone(),
        methods: vec!["token".to_string()],
        expires_at: parent.token.expires_at,
        parent_audit_id: parent
            .token
            .audit_ids
            .get(1)
            .or(parent.token.audit_ids.first())
            .cloned(),
    }))
}

/// v2 knows only the default domain: a token of another domain's user, project or domain
/// scope is not a v2 token (upstream's v3_to_v2_token refusals, 401).
fn check_v2_visible(context: &AuthContext) -> Result<()> {
    if context.user.domain_id != DEFAULT_DOMAIN {
        return Err(Error::Unauthorized(
            "Non-default domain is not supported".to_string(),
        ));
    }
    match &context.scope {
        ResolvedScope::Domain(d) if d.id != DEFAULT_DOMAIN => Err(Error::Unauthorized(
            "Unable to validate domain-scoped tokens outside of the default domain".to_string(),
        )),
        ResolvedScope::Project { project, .. } if project.domain_id != DEFAULT_DOMAIN => Err(
            Error::Unauthorized("Non-default domain is not supported".to_string()),
        ),
        _ => Ok(()),
    }
}

/// The v2 `access` document (upstream's V2TokenDataHelper.v3_to_v2_token): token, user,
/// serviceCatalog, metadata.
pub fn render_access(app: &App, context: &AuthContext, token_id: &str) -> Result<Value> {
    check_v2_visible(context)?;
    let data = &context.token;
    let mut tok = Map::new();
    tok.insert("expires".into(), json!(token::format_time(data.expires_at)));
    tok.insert(
        "issued_at".into(),
        json!(token::format_time(data.issued_at as f64)),
    );
    tok.insert("audit_ids".into(), json!(data.audit_ids));
    tok.insert("id".into(), json!(token_id));
    if let ResolvedScope::Project { project, .. } = &context.scope {
        tok.insert("tenant".into(), render_tenant(project));
    }
    let roles: Vec<Value> = context
        .roles
        .iter()
        .map(|r| json!({"name": r.name}))
        .collect();
    let role_ids: Vec<&str> = context.roles.iter().map(|r| r.id.as_str()).collect();
    let user = json!({
        "id": context.user.id,
        "name": context.user.name,
        "username": context.user.name,
        "roles": roles,
        "roles_links": [],
    });
    let catalog = match context.project_id() {
        Some(project_id) => {
            let v3 = app
                .store
                .read(|r| render_catalog(r, &context.user.id, Some(project_id)))?;
            v2_catalog(&v3)
        }
        None => Vec::new(),
    };
    Ok(json!({"access": {
        "token": tok,
        "user": user,
        "serviceCatalog": catalog,
        "metadata": {"is_admin": 0, "roles": role_ids},
    }}))
}

/// A v2 catalog entry in the making: its region and its endpoint's fields.
type RegionEndpoint = (Value, Map<String, Value>);

/// Upstream's v2 catalog from the v3 one: per service type, one endpoint per region with
/// `publicURL`/`internalURL`/`adminURL` (the first endpoint's id), then `region`.
fn v2_catalog(v3: &[Value]) -> Vec<Value> {
    // (type, name, [(region, endpoint map)])
    let mut services: Vec<(String, String, Vec<RegionEndpoint>)> = Vec::new();
    for service in v3 {
        let stype = service["type"].as_str().unwrap_or("").to_string();
        let name = service["name"].as_str().unwrap_or("").to_string();
        let Some(eps) = service["endpoints"].as_array() else {
            continue;
        };
        if eps.is_empty() {
            continue;
        }
        let idx = match services.iter().position(|(t, _, _)| *t == stype) {
            Some(i) => i,
            None => {
                services.push((stype.clone(), name.clone(), Vec::new()));
                services.len() - 1
            }
        };
        let regions = &mut services[idx].2;
        for ep in eps {
            let region = ep["region_id"].clone();
            let pos = match regions.iter().position(|(r, _)| *r == region) {
                Some(p) => p,
                None => {
                    let mut m = Map::new();
                    m.insert("id".into(), ep["id"].clone());
                    m.insert("publicURL".into(), json!(""));
                    regions.push((region.clone(), m));
                    regions.len() - 1
                }
            };
            if let Some(interface) = ep["interface"].as_str() {
                regions[pos]
                    .1
                    .insert(format!("{interface}URL"), ep["url"].clone());
            }
        }
    }
    services
        .into_iter()
        .map(|(stype, name, regions)| {
            let endpoints: Vec<Value> = regions
                .into_iter()
                .map(|(region, mut m)| {
                    m.insert("region".into(), region);
                    Value::Object(m)
                })
                .collect();
            json!({"name": name, "type": stype, "endpoints_links": [], "endpoints": endpoints})
        })
        .collect()
}

/// The subject token of /v2.0/tokens/{id}: 404 if it does not validate at `now`.
fn subject(app: &App, token_id: &str, now: f64) -> Result<std::sync::Arc<AuthContext>> {
    core::validate(app, token_id, false, now).map_err(|e| e.v2_subject(token_id))
}

/// The target of validating /v2.0/tokens/{token_id}: the subject token's user (404 first if
/// the token does not validate, as before the route table).
pub fn token_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let subject = subject(app, p.get("token_id"), req.now)?;
    Ok(json!({"target": {"token": {"user_id": subject.user.id}}}))
}

/// GET/HEAD /v2.0/tokens/{token_id}[?belongsTo=tenant]: `identity:validate_token` on the
/// subject's user: admin, service, or the token's own user (upstream's v2
/// `service_admin_or_token_subject`).
pub fn validate(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let token_id = p.get("token_id");
    let subject = subject(app, token_id, req.now)?;
    if let Some(belongs_to) = req.query("belongsTo") {
        if subject.project_id() != Some(belongs_to) {
            return Err(Error::unauthenticated());
        }
    }
    let access = render_access(app, &subject, token_id)?;
    Ok(respond(format(req), 200, &access))
}

/// DELETE /v2.0/tokens/{token_id}: admin_required; revokes by the token's audit id.
pub fn delete(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let subject = subject(app, p.get("token_id"), req.now)?;
    crate::service::identity::revoke_token(&app.store, &subject.token.audit_ids, req.now as i64)?;
    Ok(Response::no_content())
}

/// GET /v2.0/tokens/{token_id}/endpoints: admin_required; the endpoints of the token's
/// catalog.
pub fn endpoints(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let f = format(req);
    let subject = subject(app, p.get("token_id"), req.now)?;
    check_v2_visible(&subject)?;
    let mut endpoints = Vec::new();
    if let Some(project_id) = subject.project_id() {
        let v3 = app
            .store
            .read(|r| render_catalog(r, &subject.user.id, Some(project_id)))?;
        for service in v2_catalog(&v3) {
            for ep in service["endpoints"].as_array().into_iter().flatten() {
                endpoints.push(json!({
                    "id": ep["id"],
                    "name": service["name"],
                    "type": service["type"],
                    "region": ep["region"],
                    "publicURL": ep.get("publicURL"),
                    "internalURL": ep.get("internalURL"),
                    "adminURL": ep.get("adminURL"),
                }));
            }
        }
    }
    Ok(respond(
        f,
        200,
        &json!({"endpoints": endpoints, "endpoints_links": []}),
    ))
}

/// The default-domain projects a user may scope to (enabled, with a role), for
/// GET /v2.0/tenants.
pub fn projects_of_user(
    r: &impl Reader,
    user_id: &str,
    at: AsOf,
) -> Result<Vec<crate::model::Project>> {
    let mut out = Vec::new();
    for p in resource::list_projects(r)? {
        if p.domain_id != DEFAULT_DOMAIN || !p.enabled {
            continue;
        }
        if !assignment::token_roles(r, user_id, &Target::Project(p.id.clone()), at)?.is_empty() {
            out.push(p);
        }
    }
    Ok(out)
}
