//! /v3/auth: issuing (issue.rs), validating and revoking tokens, and what a token's user may
//! scope to. Authentication and policy run in the route table (src/http/table.rs) before the
//! policed handlers here.

mod credentials;
mod federated;
mod issue;
mod scope;
#[cfg(test)]
mod tests;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::{self as core, AuthContext, ResolvedScope};
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::{to_python_json, Response};
use crate::http::routes::{Granted, Params};
use crate::model::Target;
use crate::policy::Action;
use crate::store::shadow::{self, AsOf};
use crate::store::{assignment, catalog, resource, Reader};
use crate::token::{self, Scope};

use super::{list_response, render_domain, render_project};

pub(crate) use credentials::verify_password;
pub use issue::{issue, issue_token, issue_token_with};

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
    insert_scope(app, &mut token, context);
    if include_catalog && !matches!(context.scope, ResolvedScope::Unscoped) {
        let catalog = app
            .store
            .read(|r| render_catalog(r, &context.user.id, context.project_id()))?;
        token.insert("catalog".into(), Value::Array(catalog));
    }
    crate::api::v3::federation::auth::insert_federation(app, &mut token, context)?;
    // Huawei IAM's agency token names the real user behind the agency.
    if let Some(section) = crate::service::iam::agencies::assumed_by_section(context) {
        token.insert("assumed_by".into(), section);
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
            .read(|r| crate::api::v3::application_credentials::token_section(r, cred))?;
        token.insert("application_credential".into(), section);
    }
    Ok(json!({"token": token}))
}

/// The token body's scope: the project, domain or system with the roles on it (a trust's
/// token renders its own section).
fn insert_scope(app: &App, token: &mut Map<String, Value>, context: &AuthContext) {
    // A federated project or domain token's roles are upstream's whole role dicts (its
    // `_get_federated_roles` keeps what get_role returns); others are {id, name}.
    let federated = context.token.federated.is_some()
        && matches!(
            context.scope,
            ResolvedScope::Project { .. } | ResolvedScope::Domain(_)
        );
    let roles: Vec<Value> = context
        .roles
        .iter()
        .map(|r| match federated {
            true => crate::api::with_extra(
                &r.extra,
                json!({"id": r.id, "name": r.name, "domain_id": r.domain_id,
                       "description": r.description, "options": r.options}),
            ),
            false => json!({"id": r.id, "name": r.name}),
        })
        .collect();
    match &context.scope {
        ResolvedScope::Project { project, domain } if context.trust.is_some() => {
            crate::api::v3::trusts::render_token_scope(token, context, project, domain);
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

/// The action of GET and HEAD /v3/auth/tokens: HEAD only checks (upstream's check_token).
pub fn validate_or_check(req: &Request) -> Action {
    if req.method == Method::Head {
        Action::CheckToken
    } else {
        Action::ValidateToken
    }
}

/// The subject token (`X-Subject-Token`), validated: unknown, expired or revoked is 404
/// before any policy check, as upstream (at the request's time). DELETE never accepts an
/// expired one.
fn subject(app: &App, req: &Request) -> Result<(std::sync::Arc<AuthContext>, String)> {
    let subject_id = req
        .header("x-subject-token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::NotFound("Could not find token: .".to_string()))?
        .to_string();
    let allow_expired = req.method != Method::Delete && req.query_flag("allow_expired");
    let subject = core::validate(app, &subject_id, allow_expired, req.now)?;
    crate::api::v3::application_credentials::check_access_rules_support(
        &subject,
        req.header("openstack-identity-access-rules"),
    )?;
    Ok((subject, subject_id))
}

/// Target of validate/check/revoke_token: the subject token, as upstream's token_subject rule
/// reads it (`target.token.user_id`); memoised with the cached validation.
pub fn subject_target(app: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let (subject, _) = subject(app, req)?;
    Ok(subject
        .memo
        .subject_target
        .get_or_init(|| {
            json!({"target": {"token": {"user_id": subject.user.id,
                "user": {"id": subject.user.id, "domain": {"id": subject.user.domain_id}}}}})
        })
        .clone())
}

/// GET and HEAD /v3/auth/tokens
pub fn validate_token(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    // The target builder validated it; this is the cached validation again.
    let (subject, subject_id) = subject(app, req)?;
    // Upstream: `'nocatalog' not in flask.request.args` (any value, even "false").
    let include_catalog = req.query("nocatalog").is_none();
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
pub fn revoke_token(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let (subject, _) = subject(app, req)?;
    crate::service::identity::revoke_token(&app.store, &subject.token.audit_ids, req.now as i64)?;
    Ok(Response::no_content())
}

/// GET /v3/auth/catalog
pub fn get_catalog(app: &App, _: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
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

/// A federated token's mapped groups (upstream's auth_context `group_ids`), else none.
fn token_groups(context: &AuthContext) -> &[String] {
    context
        .token
        .federated
        .as_ref()
        .map(|f| f.group_ids.as_slice())
        .unwrap_or_default()
}

/// The targets a user holds any role on, through groups (its own and a federated token's
/// `extra_groups`) and inheritance included.
fn scopes_of_user(
    r: &impl Reader,
    user_id: &str,
    extra_groups: &[String],
    at: AsOf,
) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    let mut actors = vec![(crate::model::ActorKind::User, user_id.to_string())];
    for group in shadow::group_ids_at(r, user_id, at)?
        .into_iter()
        .chain(extra_groups.iter().cloned())
    {
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
pub fn list_projects(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let projects = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        let groups = token_groups(context);
        let at = app.config.federation.as_of(req.now);
        for target in scopes_of_user(r, &context.user.id, groups, at)? {
            if let Target::Project(id) = target {
                if let Some(p) = resource::get_project(r, &id)? {
                    let domain_enabled =
                        resource::get_domain(r, &p.domain_id)?.is_some_and(|d| d.enabled);
                    if p.enabled
                        && domain_enabled
                        && !assignment::token_roles_with_groups(
                            r,
                            &context.user.id,
                            groups,
                            &Target::Project(p.id.clone()),
                            at,
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
pub fn list_domains(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let domains = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        let groups = token_groups(context);
        let at = app.config.federation.as_of(req.now);
        for target in scopes_of_user(r, &context.user.id, groups, at)? {
            if let Target::Domain(id) = &target {
                if let Some(d) = resource::get_domain(r, id)? {
                    if d.enabled
                        && !assignment::token_roles_with_groups(
                            r,
                            &context.user.id,
                            groups,
                            &target,
                            at,
                        )?
                        .is_empty()
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
pub fn get_system(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let at = app.config.federation.as_of(req.now);
    let has_system = app.store.read(|r| {
        Ok::<_, Error>(
            !assignment::token_roles(r, &context.user.id, &Target::System, at)?.is_empty(),
        )
    })?;
    let system: Vec<Value> = if has_system {
        vec![json!({"all": true})]
    } else {
        vec![]
    };
    Ok(Response::ok(
        &json!({"system": system, "links": {"self": format!("{}/v3/auth/system", app.public_url)}}),
    ))
}
