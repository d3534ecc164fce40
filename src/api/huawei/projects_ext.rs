//! Huawei IAM project status (OS-PROJECT, `/v3-ext/projects/{project_id}`) and project
//! quota (OS-QUOTA). The status is kept beside the project (src/store/iam/agencies.rs
//! PROJECT_STATUS), so Keystone's project body stays upstream's; a suspended project
//! cannot be scoped and tokens scoped to it stop validating (`auth::enabled_project`).

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Method::{Get, Put};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action as A;
use crate::store::iam::agencies as store;
use crate::store::{assignment, resource};

/// Sub-projects an account may create under a region project. Huawei's default quota is
/// not published; these are keystone-lite's (max is the most it may be raised to).
const PROJECT_QUOTA: u64 = 10;
const PROJECT_QUOTA_MAX: u64 = 50;

/// This group's routes.
pub fn routes() -> Vec<Route> {
    project_routes()
}

/// Project status and project quota.
#[rustfmt::skip]
pub fn project_routes() -> Vec<Route> {
    vec![
        policy(Put, "/v3-ext/projects/{project_id}", A::IamProjectsUpdateProjectStatus, project_target, update_status),
        policy(Get, "/v3-ext/projects/{project_id}", A::IamProjectsGetProjectStatus, project_target, get_status),
        policy(Get, "/v3.0/OS-QUOTA/projects/{project_id}", A::IamQuotasListQuotasForProject, project_target, get_quota),
    ]
}

/// The project's account; empty when there is no such project (the handler answers 404).
/// The project's account; the caller's when there is no such project (the handler answers
/// 404).
fn project_target(app: &App, _: &Request, p: &Params, context: &AuthContext) -> Result<Value> {
    let project = app
        .store
        .read(|r| resource::get_project(r, p.get("project_id")))?;
    let domain_id = project.map_or_else(|| super::callers_account(context), |p| json!(p.domain_id));
    Ok(json!({"target": {"domain_id": domain_id, "project_id": p.get("project_id")}}))
}

/// PUT {project{status: "suspended" | "normal"}}: 204.
fn update_status(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let suspended = match body.pointer("/project/status").and_then(Value::as_str) {
        Some("suspended") => true,
        Some("normal") => false,
        Some(other) => {
            return Err(Error::Iam {
                status: 400,
                code: "IAM.0073",
                message: format!("Invalid input for field status: {other}."),
            })
        }
        None => {
            return Err(Error::Iam {
                status: 400,
                code: "IAM.0072",
                message: "'status' is a required property".to_string(),
            })
        }
    };
    let id = p.get("project_id");
    app.store.write(|w| -> Result<()> {
        resource::require_project(w, id)?;
        Ok(store::set_project_suspended(w, id, suspended)?)
    })?;
    Ok(Response::no_content())
}

/// GET: the project with its status.
fn get_status(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let (project, suspended) = app.store.read(|r| -> Result<_> {
        let project = resource::require_project(r, id)?;
        Ok((project, store::project_suspended(r, id)?))
    })?;
    Ok(Response::ok(&json!({"project": {
        "id": project.id,
        "name": project.name,
        "domain_id": project.domain_id,
        "parent_id": project.parent_id,
        "is_domain": false,
        "enabled": project.enabled,
        "description": project.description,
        "status": if suspended { "suspended" } else { "normal" },
    }})))
}

/// GET: the sub-project quota, `used` counting the projects below this one.
fn get_quota(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("project_id");
    let used = app.store.read(|r| -> Result<usize> {
        resource::require_project(r, id)?;
        Ok(assignment::subtree_ids(r, id)?.len())
    })?;
    Ok(Response::ok(&json!({"quotas": {"resources": [{
        "type": "project",
        "max": PROJECT_QUOTA_MAX,
        "min": 0,
        "quota": PROJECT_QUOTA,
        "used": used,
    }]}})))
}
