//! Huawei IAM agencies (OS-AGENCY) and their grants (OS-AGENCY domain and project grants,
//! OS-INHERIT all-projects grants): thin adapters over src/service/iam/agencies.rs. The
//! agency token itself is POST /v3/auth/tokens `assume_role` (agency_token.rs).

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Method::{Delete, Get, Post, Put};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action as A;
use crate::service::iam::agencies as svc;
use crate::store::iam::agencies::{self as store, GrantOn};
use crate::store::resource;

const AGENCY: &str = "/v3.0/OS-AGENCY/agencies/{agency_id}";
const MAX_PER_PAGE: usize = 500;

/// This group's routes. HEAD on a grant is its GET (the router maps HEAD to GET).
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    vec![
        policy(Post, "/v3.0/OS-AGENCY/agencies", A::IamAgenciesCreateAgency, create_target, create),
        policy(Get, "/v3.0/OS-AGENCY/agencies", A::IamAgenciesListAgencies, list_target, list),
        policy(Get, AGENCY, A::IamAgenciesGetAgency, agency_target, get),
        policy(Put, AGENCY, A::IamAgenciesUpdateAgency, agency_target, update),
        policy(Delete, AGENCY, A::IamAgenciesDeleteAgency, agency_target, delete),
        policy(Get, "/v3.0/OS-AGENCY/domains/{domain_id}/agencies/{agency_id}/roles", A::IamPermissionsListRolesForAgencyOnDomain, domain_target, list_domain_grants),
        policy(Put, "/v3.0/OS-AGENCY/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsGrantRoleToAgencyOnDomain, domain_target, grant_domain),
        policy(Get, "/v3.0/OS-AGENCY/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsCheckRoleForAgencyOnDomain, domain_target, check_domain),
        policy(Delete, "/v3.0/OS-AGENCY/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsRevokeRoleFromAgencyOnDomain, domain_target, revoke_domain),
        policy(Get, "/v3.0/OS-AGENCY/projects/{project_id}/agencies/{agency_id}/roles", A::IamPermissionsListRolesForAgencyOnProject, project_target, list_project_grants),
        policy(Put, "/v3.0/OS-AGENCY/projects/{project_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsGrantRoleToAgencyOnProject, project_target, grant_project),
        policy(Get, "/v3.0/OS-AGENCY/projects/{project_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsCheckRoleForAgencyOnProject, project_target, check_project),
        policy(Delete, "/v3.0/OS-AGENCY/projects/{project_id}/agencies/{agency_id}/roles/{role_id}", A::IamPermissionsRevokeRoleFromAgencyOnProject, project_target, revoke_project),
        policy(Get, "/v3.0/OS-INHERIT/domains/{domain_id}/agencies/{agency_id}/roles/inherited_to_projects", A::IamPermissionsListRolesForAgency, domain_target, list_inherited),
        policy(Put, "/v3.0/OS-INHERIT/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}/inherited_to_projects", A::IamPermissionsGrantRoleToAgency, domain_target, grant_inherited),
        policy(Get, "/v3.0/OS-INHERIT/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}/inherited_to_projects", A::IamPermissionsCheckRoleForAgency, domain_target, check_inherited),
        policy(Delete, "/v3.0/OS-INHERIT/domains/{domain_id}/agencies/{agency_id}/roles/{role_id}/inherited_to_projects", A::IamPermissionsRevokeRoleFromAgency, domain_target, revoke_inherited),
    ]
}

/// The account a create body names (empty when the body is unreadable: the handler says why).
fn create_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let domain = req
        .json()
        .ok()
        .and_then(|b| b.pointer("/agency/domain_id").cloned())
        .unwrap_or(Value::Null);
    Ok(json!({"target": {"domain_id": domain}}))
}

/// The account listed; the caller's when none is named (the handler answers 400).
fn list_target(_: &App, req: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    let domain_id = req
        .query("domain_id")
        .map_or_else(|| super::callers_account(context), |d| json!(d));
    Ok(json!({"target": {"domain_id": domain_id}}))
}

/// The agency's account; the caller's when there is no such agency (the handler answers 404).
fn agency_target(app: &App, _: &Request, p: &Params, context: &AuthContext) -> Result<Value> {
    let agency = app.store.read(|r| store::get(r, p.get("agency_id")))?;
    let domain_id = agency.map_or_else(|| super::callers_account(context), |a| json!(a.domain_id));
    Ok(json!({"target": {"domain_id": domain_id}}))
}

fn domain_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": p.get("domain_id")}}))
}

fn project_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let project = app
        .store
        .read(|r| resource::get_project(r, p.get("project_id")))?;
    Ok(
        json!({"target": {"domain_id": project.map(|p| p.domain_id), "project_id": p.get("project_id")}}),
    )
}

/// The `agency` object of a body (400 when absent).
fn agency_body(req: &Request) -> Result<Value> {
    let body = req.json()?;
    match body.get("agency") {
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        _ => Err(Error::Iam {
            status: 400,
            code: "IAM.0072",
            message: "'agency' is a required property".to_string(),
        }),
    }
}

fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = agency_body(req)?;
    let out = app.store.write(|w| -> Result<Value> {
        let agency = svc::create(w, &body, req.now)?;
        svc::render(w, &agency, false)
    })?;
    Ok(Response::json(201, &json!({"agency": out})))
}

fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let domain_id = req.query("domain_id").ok_or_else(|| Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: "The domain_id query parameter is required.".to_string(),
    })?;
    let page = page_window(req)?;
    let body = app.store.read(|r| -> Result<Value> {
        let all = svc::list(
            r,
            domain_id,
            req.query("trust_domain_id"),
            req.query("name"),
        )?;
        let shown = match page {
            Some((skip, take)) => all.into_iter().skip(skip).take(take).collect(),
            None => all,
        };
        let rendered = shown
            .iter()
            .map(|a| svc::render(r, a, true))
            .collect::<Result<Vec<_>>>()?;
        Ok(json!({"agencies": rendered}))
    })?;
    Ok(Response::ok(&body))
}

/// `page` and `per_page` (both or neither; per_page 1..=500): what to skip and take.
fn page_window(req: &Request) -> Result<Option<(usize, usize)>> {
    let bad = || Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: "page and per_page must be given together, as positive numbers (per_page <= 500)."
            .to_string(),
    };
    let number = |name| {
        req.query(name)
            .map(|v| v.parse::<usize>().map_err(|_| bad()))
    };
    match (number("page"), number("per_page")) {
        (None, None) => Ok(None),
        (Some(page), Some(per_page)) => {
            let (page, per_page) = (page?, per_page?);
            if page == 0 || per_page == 0 || per_page > MAX_PER_PAGE {
                return Err(bad());
            }
            let skip = (page - 1).checked_mul(per_page).ok_or_else(bad)?;
            Ok(Some((skip, per_page)))
        }
        _ => Err(bad()),
    }
}

fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let out = app.store.read(|r| -> Result<Value> {
        let agency = svc::require(r, p.get("agency_id"))?;
        svc::render(r, &agency, true)
    })?;
    Ok(Response::ok(&json!({"agency": out})))
}

fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let body = agency_body(req)?;
    let out = app.store.write(|w| -> Result<Value> {
        let agency = svc::update(w, p.get("agency_id"), &body, req.now)?;
        svc::render(w, &agency, false)
    })?;
    Ok(Response::ok(&json!({"agency": out})))
}

fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    app.store.write(|w| svc::delete(w, p.get("agency_id")))?;
    Ok(Response::no_content())
}

/// The path's grant: where, on what (domain or project id), and the role.
fn grant_parts(p: &Params, on: GrantOn) -> (&str, &str, &str) {
    let target = match on {
        GrantOn::Project => p.get("project_id"),
        GrantOn::Domain | GrantOn::AllProjects => p.get("domain_id"),
    };
    (p.get("agency_id"), target, p.get("role_id"))
}

fn put_grant(app: &App, p: &Params, on: GrantOn) -> Result<Response> {
    let (agency, target, role) = grant_parts(p, on);
    app.store.write(|w| -> Result<()> {
        svc::check_grant(w, agency, on, target, Some(role))?;
        Ok(store::grant(w, agency, on, target, role)?)
    })?;
    Ok(Response::no_content())
}

fn check_grant(app: &App, p: &Params, on: GrantOn) -> Result<Response> {
    let (agency, target, role) = grant_parts(p, on);
    let held = app.store.read(|r| -> Result<bool> {
        svc::check_grant(r, agency, on, target, Some(role))?;
        Ok(store::has_grant(r, agency, on, target, role)?)
    })?;
    if !held {
        return Err(Error::not_found("role assignment", role));
    }
    Ok(Response::no_content())
}

fn delete_grant(app: &App, p: &Params, on: GrantOn) -> Result<Response> {
    let (agency, target, role) = grant_parts(p, on);
    app.store.write(|w| -> Result<()> {
        svc::check_grant(w, agency, on, target, Some(role))?;
        if !store::revoke(w, agency, on, target, role)? {
            return Err(Error::not_found("role assignment", role));
        }
        Ok(())
    })?;
    Ok(Response::no_content())
}

fn list_grants(app: &App, req: &Request, p: &Params, on: GrantOn) -> Result<Response> {
    let (agency, target, _) = grant_parts(p, on);
    let roles = app.store.read(|r| -> Result<_> {
        svc::check_grant(r, agency, on, target, None)?;
        svc::granted(r, agency, on, target)
    })?;
    let base = app.identity_url();
    let rendered: Vec<Value> = roles
        .iter()
        .map(|role| {
            json!({
                "id": role.id,
                "name": role.name,
                "domain_id": role.domain_id,
                "description": role.description,
                "links": {"self": format!("{base}/v3/roles/{}", role.id)},
            })
        })
        .collect();
    let path = req.path.split('?').next().unwrap_or("");
    Ok(Response::ok(&json!({
        "roles": rendered,
        "links": {"self": format!("{base}{path}")},
    })))
}

fn grant_domain(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    put_grant(app, p, GrantOn::Domain)
}
fn check_domain(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check_grant(app, p, GrantOn::Domain)
}
fn revoke_domain(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    delete_grant(app, p, GrantOn::Domain)
}
fn list_domain_grants(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list_grants(app, req, p, GrantOn::Domain)
}
fn grant_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    put_grant(app, p, GrantOn::Project)
}
fn check_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check_grant(app, p, GrantOn::Project)
}
fn revoke_project(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    delete_grant(app, p, GrantOn::Project)
}
fn list_project_grants(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list_grants(app, req, p, GrantOn::Project)
}
fn grant_inherited(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    put_grant(app, p, GrantOn::AllProjects)
}
fn check_inherited(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    check_grant(app, p, GrantOn::AllProjects)
}
fn revoke_inherited(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    delete_grant(app, p, GrantOn::AllProjects)
}
fn list_inherited(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    list_grants(app, req, p, GrantOn::AllProjects)
}
