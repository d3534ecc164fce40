//! Huawei's OS-PERMISSION: an account's role assignments in one query
//! (GET /v3.0/OS-PERMISSION/role-assignments, §1.8) and grants on enterprise projects
//! (`enterprise.rs`, §1.11).

mod enterprise;

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::model::{ActorKind, Target};
use crate::policy::Action;
use crate::store::iam::ep_grants;
use crate::store::{assignment, identity, resource, Reader};
use crate::validate::query_is_true;

/// Page size limit of the role-assignment query (✘ not stated in the sources; as roles').
const MAX_PER_PAGE: usize = 300;

pub fn routes() -> Vec<Route> {
    let mut routes = vec![policy(
        Method::Get,
        "/v3.0/OS-PERMISSION/role-assignments",
        Action::IamPermissionsListRoleAssignments,
        query_domain_target,
        list_role_assignments,
    )];
    routes.extend(enterprise::routes());
    routes
}

/// Who holds an assignment. Agencies (OS-AGENCY) add their kind and their grants' source.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subject {
    User,
    Group,
}

impl Subject {
    fn name(self) -> &'static str {
        match self {
            Subject::User => "user",
            Subject::Group => "group",
        }
    }
}

/// Where it applies: Huawei's scope names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scope {
    Project,
    Domain,
    EnterpriseProject,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::Domain => "domain",
            Scope::EnterpriseProject => "enterprise_project",
        }
    }
    /// The `scope.<x>` query parameter naming one scope of this kind.
    fn id_param(self) -> &'static str {
        match self {
            Scope::Project => "scope.project_id",
            Scope::Domain => "scope.domain_id",
            Scope::EnterpriseProject => "scope.enterprise_projects_id",
        }
    }
}

/// One assignment row of the answer.
struct Row {
    subject: Subject,
    subject_id: String,
    role_id: String,
    scope: Scope,
    scope_id: String,
    inherited: bool,
}

impl Row {
    fn render(&self) -> Value {
        json!({
            self.subject.name(): {"id": self.subject_id},
            "role": {"id": self.role_id},
            "scope": {self.scope.name(): {"id": self.scope_id}},
            "is_inherited": self.inherited,
        })
    }
}

/// Target: the account named by `?domain_id` (none: the caller's, and the handler answers 400).
fn query_domain_target(
    _: &App,
    req: &Request,
    _: &Params,
    ctx: &crate::auth::AuthContext,
) -> Result<Value> {
    let domain_id = match req.query("domain_id").filter(|d| !d.is_empty()) {
        Some(d) => d.to_string(),
        None => crate::api::huawei::roles::caller_account(ctx),
    };
    Ok(json!({"target": {"domain_id": domain_id}}))
}

/// Every assignment on the account's own scopes: the domain, its projects, and the
/// enterprise-project grants of its users and groups.
fn account_rows(r: &impl Reader, domain_id: &str) -> Result<Vec<Row>> {
    let mut project_domains: HashMap<String, Option<String>> = HashMap::new();
    let mut rows = Vec::new();
    for a in assignment::list_all(r)? {
        let (scope, scope_id) = match &a.target {
            Target::Domain(id) => (Scope::Domain, id.clone()),
            Target::Project(id) => (Scope::Project, id.clone()),
            Target::System => continue,
        };
        let in_account = match scope {
            Scope::Domain => scope_id == domain_id,
            _ => {
                if !project_domains.contains_key(&scope_id) {
                    let owner = resource::get_project(r, &scope_id)?.map(|p| p.domain_id);
                    project_domains.insert(scope_id.clone(), owner);
                }
                project_domains[&scope_id].as_deref() == Some(domain_id)
            }
        };
        if in_account {
            let subject = match a.actor_kind {
                ActorKind::User => Subject::User,
                ActorKind::Group => Subject::Group,
            };
            rows.push(Row {
                subject,
                subject_id: a.actor_id,
                role_id: a.role_id,
                scope,
                scope_id,
                inherited: a.inherited,
            });
        }
    }
    for g in ep_grants::list_all(r)? {
        // A grant outlives a deleted role in its own table; it shows no more.
        if assignment::get_role(r, &g.role_id)?.is_none() {
            continue;
        }
        let (subject, owner) = if g.actor_kind == "group" {
            (
                Subject::Group,
                identity::get_group(r, &g.actor_id)?.map(|x| x.domain_id),
            )
        } else {
            (
                Subject::User,
                identity::get_user(r, &g.actor_id)?.map(|x| x.domain_id),
            )
        };
        if owner.as_deref() == Some(domain_id) {
            rows.push(Row {
                subject,
                subject_id: g.actor_id,
                role_id: g.role_id,
                scope: Scope::EnterpriseProject,
                scope_id: g.enterprise_project_id,
                inherited: false,
            });
        }
    }
    Ok(rows)
}

fn parse_kind<T: Copy>(
    req: &Request,
    name: &str,
    kinds: &[(&str, Option<T>)],
) -> Result<Option<Option<T>>> {
    match req.query(name) {
        None => Ok(None),
        Some(v) => kinds
            .iter()
            .find(|(k, _)| *k == v)
            .map(|(_, kind)| Some(*kind))
            .ok_or_else(|| Error::Validation(format!("Invalid {name}: '{v}'."))),
    }
}

/// `page` (from 1) and `per_page` (1 to MAX_PER_PAGE).
fn page(req: &Request) -> Result<(usize, usize)> {
    let number = |name: &str, default: usize, max: usize| -> Result<usize> {
        req.query(name).map_or(Ok(default), |v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| Error::Validation(format!("Invalid {name}: '{v}'.")))
        })
    };
    Ok((
        number("page", 1, usize::MAX)?,
        number("per_page", MAX_PER_PAGE, MAX_PER_PAGE)?,
    ))
}

/// GET /v3.0/OS-PERMISSION/role-assignments?domain_id&role_id&subject...&scope...&is_inherited
/// &include_group&page&per_page
fn list_role_assignments(
    app: &App,
    req: &Request,
    _: &Params,
    granted: Granted,
) -> Result<Response> {
    let Some(domain_id) = req.query("domain_id").filter(|d| !d.is_empty()) else {
        return Err(Error::Validation("domain_id is required.".into()));
    };
    debug_assert_eq!(granted.target()["target"]["domain_id"], domain_id);
    // An agency subject is valid and (until agencies hold grants) matches nothing.
    let subject = parse_kind(
        req,
        "subject",
        &[
            ("user", Some(Subject::User)),
            ("group", Some(Subject::Group)),
            ("agency", None),
        ],
    )?;
    let scope = parse_kind(
        req,
        "scope",
        &[
            ("project", Some(Scope::Project)),
            ("domain", Some(Scope::Domain)),
            ("enterprise_project", Some(Scope::EnterpriseProject)),
        ],
    )?;
    let (page, per_page) = page(req)?;
    let user_id = req.query("subject.user_id");
    let include_group = req.query("include_group").is_some_and(query_is_true);
    let (rows, user_groups) = app.store.read(|r| -> Result<_> {
        let groups = match user_id {
            Some(u) if include_group => identity::group_ids_of_user(r, u)?,
            _ => Vec::new(),
        };
        Ok((account_rows(r, domain_id)?, groups))
    })?;
    let is_subject = |row: &Row| {
        let by_kind = subject.is_none_or(|s| s == Some(row.subject));
        let by_id = match (row.subject, user_id, req.query("subject.group_id")) {
            (_, None, None) => req.query("subject.agency_id").is_none(),
            (Subject::User, Some(u), None) => u == row.subject_id,
            (Subject::Group, Some(_), None) => user_groups.contains(&row.subject_id),
            (Subject::Group, None, Some(g)) => g == row.subject_id,
            _ => false,
        };
        by_kind && by_id
    };
    let in_scope = |row: &Row| {
        scope.is_none_or(|s| s == Some(row.scope))
            && [Scope::Project, Scope::Domain, Scope::EnterpriseProject]
                .iter()
                .all(|s| {
                    req.query(s.id_param())
                        .is_none_or(|id| *s == row.scope && id == row.scope_id)
                })
    };
    let inherited = req.query("is_inherited").map(query_is_true);
    let matching: Vec<Value> = rows
        .iter()
        .filter(|row| req.query("role_id").is_none_or(|id| id == row.role_id))
        .filter(|row| is_subject(row) && in_scope(row))
        .filter(|row| inherited.is_none_or(|i| i == row.inherited))
        .map(Row::render)
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    Ok(Response::ok(
        &json!({"role_assignments": items, "total_num": total}),
    ))
}
