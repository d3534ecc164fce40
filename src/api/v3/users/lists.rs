//! The user lists: /v3/users (upstream's filters and `[identity] list_limit`), and a user's
//! projects and groups.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{Target, User};
use crate::store::{assignment, identity, resource, shadow};

use super::super::{filtered_list, render_group, render_project, render_user};
use super::target_user;

/// `?password_expires_at={op}:{timestamp}`, upstream's operators on the expiry time.
fn password_expiry_filter(req: &Request) -> Result<Option<(String, time::PrimitiveDateTime)>> {
    let Some(raw) = req.query("password_expires_at") else {
        return Ok(None);
    };
    let (op, stamp) = match raw.split_once(':') {
        Some((op, rest)) if ["lt", "lte", "gt", "gte", "eq", "neq"].contains(&op) => {
            (op.to_string(), rest)
        }
        // No operator: upstream defaults to eq.
        _ => ("eq".to_string(), raw),
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let at = time::PrimitiveDateTime::parse(stamp, &fmt).map_err(|_| {
        Error::Validation(
            "Timestamp not in expected format. The server could not comply with the request \
             since it is either malformed or otherwise incorrect. The client is assumed to be \
             in error."
                .to_string(),
        )
    })?;
    Ok(Some((op, at)))
}

fn expiry_matches(user: &User, filter: &(String, time::PrimitiveDateTime)) -> bool {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
    );
    let Some(at) = user
        .password_expires_at
        .as_deref()
        .and_then(|s| time::PrimitiveDateTime::parse(s, &fmt).ok())
    else {
        return false;
    };
    let wanted = filter.1;
    match filter.0.as_str() {
        "lt" => at < wanted,
        "lte" => at <= wanted,
        "gt" => at > wanted,
        "gte" => at >= wanted,
        "neq" => at != wanted,
        _ => at == wanted,
    }
}

/// Renders users for a list: filters (`name`, `domain_id`, `enabled`, comparators,
/// `password_expires_at`) and `[identity] list_limit`.
pub(crate) fn user_list(app: &App, req: &Request, key: &str, users: Vec<User>) -> Result<Value> {
    let expiry = password_expiry_filter(req)?;
    let items = users
        .iter()
        .filter(|u| expiry.as_ref().is_none_or(|f| expiry_matches(u, f)))
        .map(|u| render_user(app, u))
        .collect();
    Ok(filtered_list(
        app,
        req,
        key,
        items,
        &["domain_id", "enabled", "name"],
        app.config.list_limit("identity"),
    ))
}

/// GET/HEAD /v3/users
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let domain_scope = granted.context().domain_id().map(str::to_string);
    // An unfiltered page under [identity] list_limit reads list_limit + 1 rows, not the table.
    if let (Some(limit), true, None) = (
        app.config.list_limit("identity"),
        req.query.is_empty(),
        &domain_scope,
    ) {
        let page: Vec<User> = app.store.read(|r| {
            crate::store::Reader::list_first(r, crate::store::tables::USERS, limit + 1)
        })?;
        return Ok(Response::ok(&user_list(app, req, "users", page)?));
    }
    // 3.14: `idp_id`, `protocol_id`, `unique_id` select users by their federated identities.
    let federated = super::federated::filtered_user_ids(app, req)?;
    let users: Vec<User> = app
        .store
        .read(identity::list_users)?
        .into_iter()
        .filter(|u| domain_scope.as_ref().is_none_or(|d| &u.domain_id == d))
        .filter(|u| federated.as_ref().is_none_or(|ids| ids.contains(&u.id)))
        .collect();
    Ok(Response::ok(&user_list(app, req, "users", users)?))
}

/// Target of list_users: the token's domain when domain-scoped, and nothing otherwise.
pub fn list_target(_: &App, _: &Request, _: &Params, context: &AuthContext) -> Result<Value> {
    Ok(match context.domain_id() {
        Some(d) => json!({"target": {"domain_id": d}}),
        None => json!({}),
    })
}

/// GET/HEAD /v3/users/{user_id}/projects
pub fn list_projects(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("user_id");
    target_user(&granted, id)?;
    let at = app.config.federation.as_of(req.now);
    let projects = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        for p in resource::list_projects(r)? {
            let target = Target::Project(p.id.clone());
            if !assignment::effective_role_ids(r, id, &target, at)?.is_empty() {
                out.push(render_project(app, &p));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "projects",
        projects,
        &["domain_id", "enabled", "name"],
        None,
    )))
}

/// GET/HEAD /v3/users/{user_id}/groups
pub fn list_groups(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("user_id");
    target_user(&granted, id)?;
    let domain_scope = granted.context().domain_id().map(str::to_string);
    let groups = app.store.read(|r| -> Result<_> {
        let mut out = Vec::new();
        // Plain memberships, then those a federated login granted that have not lapsed
        // (upstream lists both, in that order, the latter with their expiry).
        let memberships = identity::group_ids_of_user(r, id)?
            .into_iter()
            .map(|g| (g, None))
            .chain(
                shadow::active_expiring(r, id, app.config.federation.as_of(req.now))?
                    .into_iter()
                    .map(|(m, expires)| (m.group_id, Some(expires))),
            );
        for (gid, expires) in memberships {
            if let Some(g) = identity::get_group(r, &gid)? {
                if domain_scope.as_ref().is_some_and(|d| d != &g.domain_id) {
                    continue;
                }
                // oslo.serialization renders the datetime as '%Y-%m-%dT%H:%M:%S.%f'.
                let expires_at = expires.map_or(Value::Null, |e| {
                    json!(crate::token::format_time(e as f64).trim_end_matches('Z'))
                });
                let mut shown = Map::new();
                if let Value::Object(fields) = render_group(app, &g) {
                    for (k, v) in fields {
                        if k == "links" {
                            shown.insert("membership_expires_at".into(), expires_at.clone());
                        }
                        shown.insert(k, v);
                    }
                }
                out.push(Value::Object(shown));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "groups",
        groups,
        &["name"],
        app.config.list_limit("identity"),
    )))
}
