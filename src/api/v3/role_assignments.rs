//! /v3/role_assignments: upstream's `RoleAssignmentsResource`. The rows come from
//! `store::assignment::list_role_assignments` (direct grants, or with `?effective` what they
//! amount to per user); this file checks the query as upstream's schema and asserts do (the
//! route table enforces policy between the two), and formats each row with upstream's links.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{ActorKind, Target};
use crate::policy::Action;
use crate::store::assignment::{self, AssignmentQuery, AssignmentRef};
use crate::store::{identity, resource, Reader};

use super::list_response;

/// A query parameter as flask's `args.get`: present and non-empty counts as set.
fn arg<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query(name).filter(|v| !v.is_empty())
}

/// Upstream's `role_assignments_index_request_query` schema, the parts that bite.
fn check_query(req: &Request) -> Result<()> {
    let has = |k: &str| req.query.iter().any(|(q, _)| q == k);
    if has("user.id") && has("group.id") {
        let args: Vec<String> = req
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "({}, {})",
                    crate::pyrepr::py_repr(&json!(k)),
                    crate::pyrepr::py_repr(&json!(v))
                )
            })
            .collect();
        return Err(Error::Validation(format!(
            "ImmutableMultiDict([{}]) is valid under each of {{'required': ['group.id']}}, \
             {{'required': ['user.id']}}",
            args.join(", ")
        )));
    }
    if has("include_subtree") && !has("scope.project.id") {
        return Err(Error::Validation(
            "'scope.project.id' is a dependency of 'include_subtree'".to_string(),
        ));
    }
    Ok(())
}

/// `?include_subtree` lists a project tree's assignments, under its own action.
pub fn list_action(req: &Request) -> Action {
    if req.query_flag("include_subtree") {
        Action::ListRoleAssignmentsForTree
    } else {
        Action::ListRoleAssignments
    }
}

/// Target of list_role_assignments(_for_tree): the query is checked first (400 before 403);
/// for a tree, the project of `scope.project.id` (404 if missing), else the caller's domain.
pub fn list_target(app: &App, req: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    check_query(req)?;
    if req.query_flag("include_subtree") {
        let Some(pid) = arg(req, "scope.project.id") else {
            return Ok(json!({}));
        };
        let project = app
            .store
            .read(|r| resource::get_project(r, pid))?
            .ok_or_else(|| Error::not_found("project", pid))?;
        return Ok(
            json!({"target": {"project": super::render_project(app, &project),
                                    "domain_id": project.domain_id}}),
        );
    }
    Ok(match context.domain_id() {
        Some(d) => json!({"target": {"domain_id": d}}),
        None => json!({}),
    })
}

/// GET/HEAD /v3/role_assignments
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let context = granted.context();
    let query = parse_query(req)?;
    let include_names = req.query_flag("include_names");
    let domain_scope = if query.include_subtree {
        None
    } else {
        context.domain_id().map(str::to_string)
    };
    let items = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        let at = app.config.federation.as_of(req.now);
        for row in assignment::list_role_assignments(r, &query, at)? {
            if let Some(domain) = &domain_scope {
                if !in_domain(r, &row.target, domain)? {
                    continue;
                }
            }
            out.push(format_row(app, r, &row, include_names)?);
        }
        Ok(out)
    })?;
    Ok(Response::ok(&list_response(
        app,
        req,
        "role_assignments",
        items,
    )))
}

/// The filters of a list request, refused (in upstream's order) when they contradict
/// each other or could only ever match nothing.
fn parse_query(req: &Request) -> Result<AssignmentQuery> {
    let include_subtree = req.query_flag("include_subtree");
    if include_subtree && arg(req, "scope.project.id").is_none() {
        return Err(Error::Validation(
            "scope.project.id must be specified if include_subtree is also specified".to_string(),
        ));
    }
    check_exclusive_filters(req)?;
    let effective = req.query_flag("effective");
    let inherited = req
        .query("scope.OS-INHERIT:inherited_to")
        .map(|v| v == "projects");
    if effective {
        check_effective_filters(req, inherited)?;
    }
    Ok(AssignmentQuery {
        role_id: arg(req, "role.id").map(str::to_string),
        user_id: arg(req, "user.id").map(str::to_string),
        group_id: arg(req, "group.id").map(str::to_string),
        system: req.query("scope.system") == Some("all"),
        domain_id: arg(req, "scope.domain.id").map(str::to_string),
        project_id: arg(req, "scope.project.id").map(str::to_string),
        include_subtree,
        inherited,
        effective,
    })
}

/// At most one scope (system, domain, project) and at most one actor (user, group).
fn check_exclusive_filters(req: &Request) -> Result<()> {
    if arg(req, "scope.domain.id").is_some() && arg(req, "scope.project.id").is_some() {
        return Err(Error::Validation(
            "Specify a domain or project, not both".to_string(),
        ));
    }
    if arg(req, "scope.domain.id").is_some() && arg(req, "scope.system").is_some() {
        return Err(Error::Validation(
            "Specify system or domain, not both".to_string(),
        ));
    }
    if arg(req, "scope.project.id").is_some() && arg(req, "scope.system").is_some() {
        return Err(Error::Validation(
            "Specify system or project, not both".to_string(),
        ));
    }
    if arg(req, "user.id").is_some() && arg(req, "group.id").is_some() {
        return Err(Error::Validation(
            "Specify a user or group, not both".to_string(),
        ));
    }
    Ok(())
}

/// `effective` expands groups and inheritance, so these filters can match nothing.
fn check_effective_filters(req: &Request, inherited: Option<bool>) -> Result<()> {
    if arg(req, "group.id").is_some() {
        return Err(Error::Validation(
            "Combining effective and group filter will always result in an empty list.".to_string(),
        ));
    }
    if inherited == Some(true) && arg(req, "scope.domain.id").is_some() {
        return Err(Error::Validation(
            "Combining effective, domain and inherited filters will always result in an \
             empty list."
                .to_string(),
        ));
    }
    Ok(())
}

/// Whether a row's target lies in `domain` (a domain-scoped caller sees only those).
fn in_domain(r: &impl Reader, target: &Target, domain: &str) -> Result<bool> {
    Ok(match target {
        Target::Domain(d) => d == domain,
        Target::Project(p) => resource::get_project(r, p)?.is_some_and(|p| p.domain_id == domain),
        Target::System => false,
    })
}

fn domain_name(r: &impl Reader, id: &str) -> Result<String> {
    Ok(resource::get_domain(r, id)?
        .map(|d| d.name)
        .unwrap_or_default())
}

/// Upstream's `_format_entity`: scope, actor and role (with names on request), and links to
/// the grant that produced the row, the membership and the prior role.
fn format_row(app: &App, r: &impl Reader, a: &AssignmentRef, names: bool) -> Result<Value> {
    let base = format!("{}/v3", app.public_url);
    let mut links = Map::new();
    let (mut scope, mut link, inherited) = scope_and_link(r, a, names)?;
    let actor_key = match a.actor_kind {
        ActorKind::User => "user",
        ActorKind::Group => "group",
    };
    let actor = render_actor(r, a, names)?;
    match (a.actor_kind, &a.indirect.group_id) {
        (ActorKind::User, Some(group)) => {
            links.insert(
                "membership".into(),
                json!(format!("{base}/groups/{group}/users/{}", a.actor_id)),
            );
            link.push_str(&format!("/groups/{group}"));
        }
        (ActorKind::User, None) => link.push_str(&format!("/users/{}", a.actor_id)),
        (ActorKind::Group, _) => link.push_str(&format!("/groups/{}", a.actor_id)),
    }
    let role = render_role(r, a, names)?;
    let mut prior_link = None;
    match &a.indirect.role_id {
        Some(prior) => {
            link.push_str(&format!("/roles/{prior}"));
            // Upstream names the implied role first here; we keep its link as it is.
            prior_link = Some(format!("{base}/prior_role/{}/implies/{prior}", a.role_id));
        }
        None => link.push_str(&format!("/roles/{}", a.role_id)),
    }
    if inherited {
        scope["OS-INHERIT:inherited_to"] = json!("projects");
        link = format!("/OS-INHERIT{link}/inherited_to_projects");
    }
    links.insert("assignment".into(), json!(format!("{base}{link}")));
    if let Some(p) = prior_link {
        links.insert("prior_role".into(), json!(p));
    }
    let mut out = Map::new();
    out.insert("links".into(), Value::Object(links));
    out.insert("scope".into(), scope);
    out.insert(actor_key.into(), actor);
    out.insert("role".into(), role);
    Ok(Value::Object(out))
}

/// The row's `scope`, the start of its assignment link (the grant's target, which for a
/// row inherited from a domain or parent project is that domain or project), and whether
/// the row is inherited.
fn scope_and_link(
    r: &impl Reader,
    a: &AssignmentRef,
    names: bool,
) -> Result<(Value, String, bool)> {
    let mut inherited = a.inherited;
    let (scope, link) = match &a.target {
        Target::Project(id) => {
            let mut p = json!({"id": id});
            if names {
                if let Some(project) = resource::get_project(r, id)? {
                    p = json!({"id": id, "name": project.name,
                               "domain": {"id": project.domain_id,
                                          "name": domain_name(r, &project.domain_id)?}});
                }
            }
            let link = if let Some(d) = &a.indirect.domain_id {
                inherited = true;
                format!("/domains/{d}")
            } else if let Some(p) = &a.indirect.project_id {
                inherited = true;
                format!("/projects/{p}")
            } else {
                format!("/projects/{id}")
            };
            (json!({"project": p}), link)
        }
        Target::Domain(id) => {
            let mut d = json!({"id": id});
            if names {
                d["name"] = json!(domain_name(r, id)?);
            }
            (json!({"domain": d}), format!("/domains/{id}"))
        }
        Target::System => (json!({"system": {"all": true}}), "/system".to_string()),
    };
    Ok((scope, link, inherited))
}

/// The user or group, with its name and domain on request (empty when it is gone).
fn render_actor(r: &impl Reader, a: &AssignmentRef, names: bool) -> Result<Value> {
    if !names {
        return Ok(json!({"id": a.actor_id}));
    }
    let found = match a.actor_kind {
        ActorKind::User => identity::get_user(r, &a.actor_id)?.map(|u| (u.name, u.domain_id)),
        ActorKind::Group => identity::get_group(r, &a.actor_id)?.map(|g| (g.name, g.domain_id)),
    };
    Ok(match found {
        Some((name, domain_id)) => {
            let dn = domain_name(r, &domain_id)?;
            json!({"id": a.actor_id, "name": name, "domain": {"id": domain_id, "name": dn}})
        }
        None => json!({"id": a.actor_id, "name": "", "domain": {"id": "", "name": ""}}),
    })
}

/// The role, with its name (and a domain-specific role's domain) on request.
fn render_role(r: &impl Reader, a: &AssignmentRef, names: bool) -> Result<Value> {
    let mut role = json!({"id": a.role_id});
    if names {
        if let Some(ro) = assignment::get_role(r, &a.role_id)? {
            role = json!({"id": ro.id, "name": ro.name});
            if let Some(d) = &ro.domain_id {
                role["domain"] = json!({"id": d, "name": domain_name(r, d)?});
            }
        }
    }
    Ok(role)
}
