//! Role grants on enterprise projects (§1.11), for users and groups. Enterprise projects
//! belong to Huawei's EPS service, so an id is taken as given; the grants live in their own
//! table (store::iam::ep_grants) and show in OS-PERMISSION/role-assignments.
//! Agency grants on enterprise projects (`subjects/agency/...`) come with agencies.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::api::huawei::roles::{caller_account, render};
use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action;
use crate::store::iam::ep_grants::{self, EpGrant};
use crate::store::iam::role_details;
use crate::store::{assignment, identity, Reader};

pub fn routes() -> Vec<Route> {
    use Action::*;
    use Method::*;
    let list = IamPermissionsListEnterpriseProjectGrants;
    vec![
        policy(Get, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/groups", list, account_target, list_groups),
        policy(Get, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/users", list, account_target, list_users),
        policy(Get, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/groups/{group_id}/roles", list, actor_target, list_roles),
        policy(Get, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/users/{user_id}/roles", list, actor_target, list_roles),
        policy(Put, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/groups/{group_id}/roles/{role_id}", IamPermissionsGrantRoleToGroupOnEnterpriseProject, actor_target, grant),
        policy(Delete, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/groups/{group_id}/roles/{role_id}", IamPermissionsRevokeRoleFromGroupOnEnterpriseProject, actor_target, revoke),
        policy(Put, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/users/{user_id}/roles/{role_id}", IamPermissionsGrantRoleToUserOnEnterpriseProject, actor_target, grant),
        policy(Delete, "/v3.0/OS-PERMISSION/enterprise-projects/{enterprise_project_id}/users/{user_id}/roles/{role_id}", IamPermissionsRevokeRoleFromUserOnEnterpriseProject, actor_target, revoke),
        policy(Get, "/v3.0/OS-PERMISSION/groups/{group_id}/enterprise-projects", list, actor_target, list_projects),
        policy(Get, "/v3.0/OS-PERMISSION/users/{user_id}/enterprise-projects", list, actor_target, list_projects),
    ]
}

/// The path's actor: ("group"|"user", id).
fn actor(p: &Params) -> (&'static str, &str) {
    match p.get("group_id") {
        "" => ("user", p.get("user_id")),
        id => ("group", id),
    }
}

/// The actor's account, or None when it does not exist.
fn actor_domain(r: &impl Reader, kind: &str, id: &str) -> Result<Option<String>> {
    Ok(if kind == "group" {
        identity::get_group(r, id)?.map(|g| g.domain_id)
    } else {
        identity::get_user(r, id)?.map(|u| u.domain_id)
    })
}

fn account_target(_: &App, _: &Request, _: &Params, ctx: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": caller_account(ctx)}}))
}

/// Target: the actor's account (a missing actor: the caller's, so its admin sees 404).
fn actor_target(app: &App, _: &Request, p: &Params, ctx: &AuthContext) -> Result<Value> {
    let (kind, id) = actor(p);
    let domain = app.store.read(|r| actor_domain(r, kind, id))?;
    Ok(json!({"target": {"domain_id": domain.unwrap_or_else(|| caller_account(ctx))}}))
}

fn require_actor(r: &impl Reader, kind: &str, id: &str) -> Result<String> {
    actor_domain(r, kind, id)?.ok_or_else(|| Error::not_found(kind, id))
}

fn grant_of(p: &Params) -> EpGrant {
    let (kind, id) = actor(p);
    EpGrant {
        actor_kind: kind.to_string(),
        actor_id: id.to_string(),
        enterprise_project_id: p.get("enterprise_project_id").to_string(),
        role_id: p.get("role_id").to_string(),
    }
}

/// PUT …/{groups|users}/{id}/roles/{role_id}: 204. The role is global or of the actor's account.
fn grant(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let g = grant_of(p);
    app.store.write(|w| -> Result<()> {
        let domain = require_actor(w, &g.actor_kind, &g.actor_id)?;
        let grantable = assignment::get_role(w, &g.role_id)?.is_some_and(|r| {
            r.domain_id.is_none() || r.domain_id.as_deref() == Some(domain.as_str())
        });
        if !grantable {
            return Err(Error::not_found("role", &g.role_id));
        }
        Ok(ep_grants::grant(w, &g)?)
    })?;
    Ok(Response::no_content())
}

/// DELETE …/{groups|users}/{id}/roles/{role_id}: 204, or 404 when there was no such grant.
fn revoke(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let g = grant_of(p);
    let removed = app.store.write(|w| ep_grants::revoke(w, &g))?;
    if !removed {
        return Err(Error::not_found("role assignment", &g.role_id));
    }
    Ok(Response::no_content())
}

/// GET …/{groups|users}/{id}/roles: the actor's roles on the enterprise project.
fn list_roles(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (kind, id) = actor(p);
    let ep = p.get("enterprise_project_id");
    let roles = app.store.read(|r| -> Result<Vec<Value>> {
        require_actor(r, kind, id)?;
        let mut out = Vec::new();
        for g in ep_grants::list_for_actor(r, kind, id)? {
            if g.enterprise_project_id != ep {
                continue;
            }
            if let Some(role) = assignment::get_role(r, &g.role_id)? {
                let details = role_details::get(r, &role.id)?;
                out.push(render(app, &role, details.as_ref()));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&json!({"roles": roles})))
}

/// GET /v3.0/OS-PERMISSION/{groups|users}/{id}/enterprise-projects
fn list_projects(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (kind, id) = actor(p);
    let eps = app.store.read(|r| -> Result<BTreeSet<String>> {
        require_actor(r, kind, id)?;
        let mut eps: BTreeSet<String> = ep_grants::list_for_actor(r, kind, id)?
            .into_iter()
            .map(|g| g.enterprise_project_id)
            .collect();
        // A user also reaches the enterprise projects its groups hold roles on.
        if kind == "user" {
            for group in identity::group_ids_of_user(r, id)? {
                for g in ep_grants::list_for_actor(r, "group", &group)? {
                    eps.insert(g.enterprise_project_id);
                }
            }
        }
        Ok(eps)
    })?;
    let items: Vec<Value> = eps.into_iter().map(|ep| json!({"projectId": ep})).collect();
    Ok(Response::ok(&json!({"enterprise-projects": items})))
}

/// The account's actors of `kind` with a role on the enterprise project, each once.
fn holders(r: &impl Reader, kind: &str, ep: &str, domain_id: &str) -> Result<Vec<String>> {
    let mut ids = BTreeSet::new();
    for g in ep_grants::list_all(r)? {
        if g.actor_kind == kind && g.enterprise_project_id == ep {
            ids.insert(g.actor_id);
        }
    }
    let mut out = Vec::new();
    for id in ids {
        if actor_domain(r, kind, &id)?.as_deref() == Some(domain_id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// GET …/enterprise-projects/{ep}/groups (field names as the SDK's model spells them).
fn list_groups(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let domain_id = granted.target()["target"]["domain_id"]
        .as_str()
        .unwrap_or_default();
    let ep = p.get("enterprise_project_id");
    let groups = app.store.read(|r| -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for id in holders(r, "group", ep, domain_id)? {
            if let Some(g) = identity::get_group(r, &id)? {
                out.push(
                    json!({"id": g.id, "name": g.name, "description": g.description,
                                "domainId": g.domain_id}),
                );
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&json!({"groups": groups})))
}

/// GET …/enterprise-projects/{ep}/users: users with a direct role there, with their count.
fn list_users(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let domain_id = granted.target()["target"]["domain_id"]
        .as_str()
        .unwrap_or_default();
    let ep = p.get("enterprise_project_id");
    let users = app.store.read(|r| -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for id in holders(r, "user", ep, domain_id)? {
            let Some(u) = identity::get_user(r, &id)? else {
                continue;
            };
            let policy_num = ep_grants::list_for_actor(r, "user", &id)?
                .iter()
                .filter(|g| g.enterprise_project_id == ep)
                .count();
            let description = u.extra.get("description").cloned().unwrap_or(Value::Null);
            out.push(json!({"id": u.id, "name": u.name, "domain_id": u.domain_id,
                            "enabled": u.enabled, "description": description,
                            "policy_num": policy_num}));
        }
        Ok(out)
    })?;
    Ok(Response::ok(&json!({"users": users})))
}
