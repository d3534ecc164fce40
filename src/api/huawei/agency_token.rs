//! POST /v3/auth/tokens with `methods: ["assume_role"]` (Huawei's agency token): a user of
//! the trusted account B, with its own token in X-Auth-Token, gets a token of the
//! delegating account A's agency, scoped to A or one of its projects, with the agency's
//! grants there. How such a token is carried and resolved: src/service/iam/agencies.rs.

use serde_json::{Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::model::Domain;
use crate::service::iam::agencies as svc;
use crate::store::{resource, Reader};
use crate::token::{self, payload::AGENCY_METHOD, Scope, TokenData};

/// Issues the agency token: 401 without a valid caller token, for an unknown or expired
/// agency, or a scope where the agency has no role (as Keystone for a scope without roles);
/// 403 for a caller outside the agency's trusted account.
pub fn issue(
    app: &App,
    req: &Request,
    auth: &Map<String, Value>,
    identity: &Map<String, Value>,
) -> Result<Response> {
    let now = req.now;
    let caller = crate::auth::authenticate_request(app, req.header("x-auth-token"), now)?;
    let assume = identity
        .get("assume_role")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("assume_role", "identity"))?;
    let text = |k: &str| assume.get(k).and_then(Value::as_str);
    // golangsdk (the Terraform provider) sends `xrole_name`, the SDKs `agency_name`.
    let agency_name = text("agency_name")
        .or(text("xrole_name"))
        .ok_or_else(|| Error::expecting("agency_name", "assume_role"))?;
    let (agency, scope) = app.store.read(|r| -> Result<_> {
        let (agency, domain) = svc::find_assumable(
            r,
            &caller,
            agency_name,
            text("domain_id"),
            text("domain_name"),
            now,
        )?;
        let scope = requested_scope(r, auth.get("scope"), &domain)?;
        Ok((agency, scope))
    })?;
    let mut expires_at = (now + app.config.token.expiration as f64).min(caller.token.expires_at);
    if let Some(end) = agency.expire_at {
        expires_at = expires_at.min(end);
    }
    let mut data = TokenData {
        user_id: caller.user.id.clone(),
        methods: vec![AGENCY_METHOD.to_string()],
        scope: Scope::Agency {
            agency_id: agency.id,
            scope: Box::new(scope),
        },
        audit_ids: vec![token::new_audit_id()],
        expires_at: expires_at.floor(),
        issued_at: now as i64,
        app_cred_id: None,
        federated: None,
    };
    let token_id = app.tokens.encode(&data, now as i64)?;
    data.issued_at = token::fernet::creation_time(&token_id)?;
    // Resolved exactly as validation will: no role on the scope, a suspended project...
    let context = app
        .store
        .read(|r| crate::auth::resolve(r, data, app.config.federation.as_of(now)))
        .map_err(|_| {
            Error::Unauthorized("The agency has no permission on the requested scope.".to_string())
        })?;
    let body = crate::api::v3::auth::render_token(app, &context, !req.query_flag("nocatalog"))?;
    Ok(Response::json_unterminated(201, &body).with_header("X-Subject-Token", token_id))
}

/// The scope asked for, in account A: the domain itself (by id or name) or one of its
/// projects (by id, or by name in A). 401 for anything outside A.
fn requested_scope(r: &impl Reader, scope: Option<&Value>, domain: &Domain) -> Result<Scope> {
    let scope = scope
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("scope", "auth"))?;
    let field = |obj: &Value, k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(d) = scope.get("domain") {
        let named = field(d, "id").is_some_and(|id| id == domain.id)
            || field(d, "name").is_some_and(|name| name == domain.name);
        return if named {
            Ok(Scope::Domain(domain.id.clone()))
        } else {
            Err(Error::unauthenticated())
        };
    }
    let p = scope
        .get("project")
        .ok_or_else(|| Error::expecting("project or domain", "scope"))?;
    let project = match (field(p, "id"), field(p, "name")) {
        (Some(id), _) => resource::get_project(r, &id)?,
        (None, Some(name)) => resource::find_project_by_name(r, &domain.id, &name)?,
        (None, None) => return Err(Error::expecting("id or name", "project")),
    };
    match project {
        Some(project) if project.domain_id == domain.id => Ok(Scope::Project(project.id)),
        _ => Err(Error::unauthenticated()),
    }
}
