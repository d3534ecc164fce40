//! Huawei permissions on roles: the Huawei fields of GET /v3/roles[/{id}] (only for roles that
//! have them; a plain Keystone role renders as upstream's), the Huawei query parameters of
//! GET /v3/roles, and the account's custom policies (/v3.0/OS-ROLE/roles, §1.9).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::api::render_role;
use crate::app::App;
use crate::auth::{AuthContext, ResolvedScope};
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::model::Role;
use crate::policy::Action;
use crate::service::iam::custom_policies;
use crate::store::assignment;
use crate::store::iam::role_details::{self, RoleDetails};

/// Huawei's page size limit on role lists.
const MAX_PER_PAGE: usize = 300;

/// Query parameters only Huawei's KeystoneListPermissions sends (upstream ignores them).
const HUAWEI_LIST_PARAMS: &[&str] = &[
    "permission_type",
    "display_name",
    "type",
    "catalog",
    "page",
    "per_page",
];

pub fn routes() -> Vec<Route> {
    use Method::*;
    vec![
        policy(
            Get,
            "/v3.0/OS-ROLE/roles",
            Action::IamRolesListRoles,
            account_target,
            list_custom,
        ),
        policy(
            Post,
            "/v3.0/OS-ROLE/roles",
            Action::IamRolesCreateRole,
            account_target,
            create_custom,
        ),
        policy(
            Get,
            "/v3.0/OS-ROLE/roles/{role_id}",
            Action::IamRolesGetRole,
            policy_target,
            get_custom,
        ),
        policy(
            Patch,
            "/v3.0/OS-ROLE/roles/{role_id}",
            Action::IamRolesUpdateRole,
            policy_target,
            update_custom,
        ),
        policy(
            Delete,
            "/v3.0/OS-ROLE/roles/{role_id}",
            Action::IamRolesDeleteRole,
            policy_target,
            delete_custom,
        ),
    ]
}

/// A role as Huawei's RoleResult: the Keystone rendering plus the Huawei fields, if any.
pub fn render(app: &App, role: &Role, details: Option<&RoleDetails>) -> Value {
    let mut out = render_role(app, role);
    if let (Some(details), Some(map)) = (details, out.as_object_mut()) {
        if let Ok(Value::Object(fields)) = serde_json::to_value(details) {
            map.extend(fields);
        }
    }
    out
}

/// Adds a rendered role's Huawei fields, if it has any (GET /v3/roles/{role_id}).
pub fn add_details(app: &App, role_id: &str, rendered: &mut Value) -> Result<()> {
    let details = app.store.read(|r| role_details::get(r, role_id))?;
    if let (Some(details), Some(map)) = (details, rendered.as_object_mut()) {
        if let Ok(Value::Object(fields)) = serde_json::to_value(&details) {
            map.extend(fields);
        }
    }
    Ok(())
}

/// Whether a GET /v3/roles asks with Huawei's own parameters.
pub fn is_huawei_list(req: &Request) -> bool {
    HUAWEI_LIST_PARAMS.iter().any(|p| req.query(p).is_some())
}

/// Roles (global, or of `domain_id`) with their details, in store order.
pub fn roles_with_details(
    app: &App,
    domain_id: Option<&str>,
) -> Result<(Vec<Role>, HashMap<String, RoleDetails>)> {
    let (roles, details) = app
        .store
        .read(|r| -> Result<_> { Ok((assignment::list_roles(r)?, role_details::all(r)?)) })?;
    let roles = roles
        .into_iter()
        .filter(|r| r.domain_id.as_deref() == domain_id)
        .collect();
    Ok((roles, details))
}

/// `page`/`per_page` (1-based, per_page <= 300) when either is given.
fn paging(req: &Request) -> Result<Option<(usize, usize)>> {
    if req.query("page").is_none() && req.query("per_page").is_none() {
        return Ok(None);
    }
    let number = |name: &str, default: usize| -> Result<usize> {
        match req.query(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::Validation(format!("Invalid {name}: '{v}'."))),
        }
    };
    let (page, per_page) = (number("page", 1)?, number("per_page", MAX_PER_PAGE)?);
    if per_page > MAX_PER_PAGE {
        return Err(Error::Validation(format!(
            "per_page must be at most {MAX_PER_PAGE}."
        )));
    }
    Ok(Some((page, per_page)))
}

/// One page of `items` (all of them without paging).
pub fn page_of<T>(items: Vec<T>, paging: Option<(usize, usize)>) -> Vec<T> {
    match paging {
        None => items,
        Some((page, per_page)) => items
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect(),
    }
}

/// Whether a role passes the Huawei filters of KeystoneListPermissions.
fn huawei_filter(req: &Request) -> Result<impl Fn(&Role, Option<&RoleDetails>) -> bool + '_> {
    let permission_type = req.query("permission_type");
    if permission_type.is_some_and(|t| t != "policy" && t != "role") {
        return Err(Error::Validation(
            "permission_type must be 'policy' or 'role'.".into(),
        ));
    }
    let level: Option<&[&str]> = match req.query("type") {
        None => None,
        Some("domain") => Some(&["AX", "AA"]),
        Some("project") => Some(&["XA", "AA"]),
        Some("all") => Some(&["AA"]),
        Some(_) => {
            return Err(Error::Validation(
                "type must be domain, project or all.".into(),
            ))
        }
    };
    Ok(move |role: &Role, details: Option<&RoleDetails>| {
        let text = |f: fn(&RoleDetails) -> Option<&String>| details.and_then(f).map(String::as_str);
        req.query("name").is_none_or(|n| n == role.name)
            && permission_type
                .is_none_or(|t| details.is_some_and(|d| d.is_policy() == (t == "policy")))
            && level.is_none_or(|kinds| details.is_some_and(|d| kinds.contains(&d.kind.as_str())))
            && req
                .query("catalog")
                .is_none_or(|c| text(|d| d.catalog.as_ref()) == Some(c))
            && req
                .query("display_name")
                .is_none_or(|n| text(|d| d.display_name.as_ref()).is_some_and(|d| d.contains(n)))
    })
}

/// GET /v3/roles with Huawei's parameters: filtered, paged, `total_number` counted first.
pub fn list_permissions(app: &App, req: &Request) -> Result<Response> {
    let domain_id = req.query("domain_id").filter(|d| !d.is_empty());
    let paging = paging(req)?;
    let keep = huawei_filter(req)?;
    let (roles, details) = roles_with_details(app, domain_id)?;
    let items: Vec<Value> = roles
        .iter()
        .filter(|r| keep(r, details.get(&r.id)))
        .map(|r| render(app, r, details.get(&r.id)))
        .collect();
    let total = items.len();
    let mut body = crate::api::list_response(app, req, "roles", page_of(items, paging));
    body["total_number"] = json!(total);
    Ok(Response::ok(&body))
}

// ---------------------------------------------------------------------------------------
// OS-ROLE custom policies

/// The account (domain) a caller acts in: its scope's domain, else its own domain.
pub fn caller_account(ctx: &AuthContext) -> String {
    match &ctx.scope {
        ResolvedScope::Project { domain, .. } | ResolvedScope::Domain(domain) => domain.id.clone(),
        ResolvedScope::Unscoped | ResolvedScope::System => ctx.user_domain.id.clone(),
    }
}

/// Target of list/create: the caller's account.
fn account_target(_: &App, _: &Request, _: &Params, ctx: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": caller_account(ctx)}}))
}

/// Target of one policy: its account (a missing policy: the caller's, so its admin sees 404).
fn policy_target(app: &App, _: &Request, p: &Params, ctx: &AuthContext) -> Result<Value> {
    let role = app
        .store
        .read(|r| assignment::get_role(r, p.get("role_id")))?;
    let domain_id = role
        .and_then(|r| r.domain_id)
        .unwrap_or_else(|| caller_account(ctx));
    Ok(json!({"target": {"domain_id": domain_id, "role_id": p.get("role_id")}}))
}

fn one(app: &App, status: u16, role: &Role, details: &RoleDetails) -> Response {
    Response::json(status, &json!({"role": render(app, role, Some(details))}))
}

/// GET /v3.0/OS-ROLE/roles?page&per_page
fn list_custom(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let paging = paging(req)?;
    let domain_id = granted.target()["target"]["domain_id"]
        .as_str()
        .unwrap_or_default();
    let policies = app.store.read(|r| custom_policies::list(r, domain_id))?;
    let total = policies.len();
    let items = page_of(policies, paging)
        .iter()
        .map(|(role, details)| render(app, role, Some(details)))
        .collect();
    let mut body = crate::api::list_response(app, req, "roles", items);
    body["total_number"] = json!(total);
    Ok(Response::ok(&body))
}

/// POST /v3.0/OS-ROLE/roles (cloud-service or agency policy): 201.
fn create_custom(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let input = custom_policies::parse_body(&req.json()?)?;
    let domain_id = granted.target()["target"]["domain_id"]
        .as_str()
        .unwrap_or_default();
    let (role, details) = app
        .store
        .write(|w| custom_policies::create(w, domain_id, input.clone(), req.now))?;
    Ok(one(app, 201, &role, &details))
}

/// GET /v3.0/OS-ROLE/roles/{role_id}
fn get_custom(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (role, details) = app
        .store
        .read(|r| custom_policies::get(r, p.get("role_id")))?;
    Ok(one(app, 200, &role, &details))
}

/// PATCH /v3.0/OS-ROLE/roles/{role_id}: 200 with the policy.
fn update_custom(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let input = custom_policies::parse_body(&req.json()?)?;
    let (role, details) = app
        .store
        .write(|w| custom_policies::update(w, p.get("role_id"), input.clone(), req.now))?;
    Ok(one(app, 200, &role, &details))
}

/// DELETE /v3.0/OS-ROLE/roles/{role_id}: Huawei answers 200 with a message.
fn delete_custom(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    app.store
        .write(|w| custom_policies::delete(w, p.get("role_id")))?;
    Ok(Response::ok(&json!({"message": "Delete success"})))
}
