//! /v3/role_assignments: direct assignments, or with `?effective` what they amount to per user
//! (group memberships expanded, inheritance applied, implied roles added).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::model::{ActorKind, Assignment, Target};
use crate::store::{assignment, identity, resource, Reader};

use super::{authorize, list_response};

/// GET/HEAD /v3/role_assignments
pub fn list(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_role_assignments", json!({}))?;
    let effective = req.query_flag("effective");
    let include_names = req.query_flag("include_names");
    let items = app.store.read(|r| {
        let mut rows: Vec<(Assignment, Option<String>)> = Vec::new();
        for a in assignment::list_all(r)? {
            if effective {
                expand_effective(r, a, &mut rows)?;
            } else {
                rows.push((a, None));
            }
        }
        let mut out = Vec::new();
        for (a, via_group) in rows {
            if matches_filters(req, &a) {
                out.push(render(app, r, &a, via_group.as_deref(), include_names)?);
            }
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

/// Effective rows: group grants become one row per member; inherited grants one row per
/// project below; implied roles are added to each row's role.
fn expand_effective(
    r: &impl Reader,
    a: Assignment,
    rows: &mut Vec<(Assignment, Option<String>)>,
) -> Result<()> {
    let users: Vec<(String, Option<String>)> = match a.actor_kind {
        ActorKind::User => vec![(a.actor_id.clone(), None)],
        ActorKind::Group => identity::user_ids_in_group(r, &a.actor_id)?
            .into_iter()
            .map(|u| (u, Some(a.actor_id.clone())))
            .collect(),
    };
    let targets: Vec<Target> = if a.inherited {
        let mut t = Vec::new();
        for p in resource::list_projects(r)? {
            let reaches = match &a.target {
                Target::Domain(d) => &p.domain_id == d,
                Target::Project(pid) => resource::ancestors(r, &p)?.contains(pid),
                Target::System => false,
            };
            if reaches {
                t.push(Target::Project(p.id));
            }
        }
        t
    } else {
        vec![a.target.clone()]
    };
    let roles = assignment::expand_implied(r, vec![a.role_id.clone()])?;
    for (user, group) in &users {
        for target in &targets {
            for role in &roles {
                let row = Assignment {
                    actor_kind: ActorKind::User,
                    actor_id: user.clone(),
                    target: target.clone(),
                    role_id: role.clone(),
                    inherited: false,
                };
                if !rows.iter().any(|(x, _)| *x == row) {
                    rows.push((row, group.clone()));
                }
            }
        }
    }
    Ok(())
}

fn matches_filters(req: &Request, a: &Assignment) -> bool {
    let q = |k| req.query(k);
    let actor_ok = match (q("user.id"), q("group.id")) {
        (Some(u), _) => a.actor_kind == ActorKind::User && a.actor_id == u,
        (None, Some(g)) => a.actor_kind == ActorKind::Group && a.actor_id == g,
        (None, None) => true,
    };
    let role_ok = q("role.id").is_none_or(|r| a.role_id == r);
    let scope_ok = match (
        q("scope.project.id"),
        q("scope.domain.id"),
        q("scope.system"),
    ) {
        (Some(p), _, _) => a.target == Target::Project(p.to_string()),
        (None, Some(d), _) => a.target == Target::Domain(d.to_string()),
        (None, None, Some(_)) => a.target == Target::System,
        _ => true,
    };
    let inherited_ok = q("scope.OS-INHERIT:inherited_to").is_none_or(|_| a.inherited);
    actor_ok && role_ok && scope_ok && inherited_ok
}

fn render(
    app: &App,
    r: &impl Reader,
    a: &Assignment,
    via_group: Option<&str>,
    names: bool,
) -> Result<Value> {
    let base = &app.public_url;
    let (actor_key, actor_path) = match a.actor_kind {
        ActorKind::User => ("user", "users"),
        ActorKind::Group => ("group", "groups"),
    };
    let (scope, scope_path) = match &a.target {
        Target::Project(id) => {
            let mut p = json!({"id": id});
            if names {
                if let Some(project) = resource::get_project(r, id)? {
                    let domain = resource::get_domain(r, &project.domain_id)?;
                    p = json!({"id": id, "name": project.name,
                               "domain": {"id": project.domain_id, "name": domain.map(|d| d.name)}});
                }
            }
            (json!({"project": p}), format!("projects/{id}"))
        }
        Target::Domain(id) => {
            let mut d = json!({"id": id});
            if names {
                if let Some(domain) = resource::get_domain(r, id)? {
                    d["name"] = json!(domain.name);
                }
            }
            (json!({"domain": d}), format!("domains/{id}"))
        }
        Target::System => (json!({"system": {"all": true}}), "system".to_string()),
    };
    let mut scope = scope;
    if a.inherited {
        scope["OS-INHERIT:inherited_to"] = json!("projects");
    }
    let link = match (&a.target, a.inherited) {
        (_, true) => format!(
            "{base}/v3/OS-INHERIT/{scope_path}/{actor_path}/{}/roles/{}/inherited_to_projects",
            a.actor_id, a.role_id
        ),
        _ => format!(
            "{base}/v3/{scope_path}/{actor_path}/{}/roles/{}",
            a.actor_id, a.role_id
        ),
    };
    let mut links = Map::new();
    links.insert("assignment".into(), json!(link));
    if let Some(group) = via_group {
        links.insert(
            "membership".into(),
            json!(format!("{base}/v3/groups/{group}/users/{}", a.actor_id)),
        );
    }
    let mut actor = json!({"id": a.actor_id});
    let mut role = json!({"id": a.role_id});
    if names {
        match a.actor_kind {
            ActorKind::User => {
                if let Some(u) = identity::get_user(r, &a.actor_id)? {
                    let domain = resource::get_domain(r, &u.domain_id)?;
                    actor = json!({"id": u.id, "name": u.name, "domain": {"id": u.domain_id, "name": domain.map(|d| d.name)}});
                }
            }
            ActorKind::Group => {
                if let Some(g) = identity::get_group(r, &a.actor_id)? {
                    let domain = resource::get_domain(r, &g.domain_id)?;
                    actor = json!({"id": g.id, "name": g.name, "domain": {"id": g.domain_id, "name": domain.map(|d| d.name)}});
                }
            }
        }
        if let Some(ro) = assignment::get_role(r, &a.role_id)? {
            role = json!({"id": ro.id, "name": ro.name});
        }
    }
    let mut out = Map::new();
    out.insert("links".into(), Value::Object(links));
    out.insert("scope".into(), scope);
    out.insert(actor_key.into(), actor);
    out.insert("role".into(), role);
    Ok(Value::Object(out))
}
