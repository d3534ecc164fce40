//! /v3/roles (global and domain-specific roles, role options, implied roles),
//! /v3/role_inferences and every grant API: on projects and domains (reached from
//! projects.rs and domains.rs), on the system, and OS-INHERIT's inherited grants. Also the
//! small JSON-schema helpers the identity handlers share, with upstream's messages.

pub(crate) use crate::pyrepr::{py_repr, py_str};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::model::{new_id, ActorKind, Assignment, Role, Target};
use crate::store::{assignment, identity, resource, Reader};

use super::{authorize, filtered_list, list_response, render_role};

/// Routes /v3/roles/..., /v3/role_inferences, /v3/system/... and /v3/OS-INHERIT/...
/// `path` starts at the area name ("roles", "system", ...); `rest` follows it.
pub fn route(
    app: &App,
    req: &Request,
    method: Method,
    path: &[&str],
    rest: &[&str],
) -> Result<Response> {
    match (path.first().copied(), method, rest) {
        (Some("roles"), Method::Get, []) => list(app, req),
        (Some("roles"), Method::Post, []) => create(app, req),
        (Some("roles"), Method::Get, [id]) => get(app, req, id),
        (Some("roles"), Method::Patch, [id]) => update(app, req, id),
        (Some("roles"), Method::Delete, [id]) => delete(app, req, id),
        (Some("roles"), Method::Get, [prior, "implies"]) => list_implied(app, req, prior),
        (
            Some("roles"),
            Method::Get | Method::Put | Method::Delete,
            [prior, "implies", implied],
        ) => implied_role(app, req, prior, implied),
        (Some("roles"), _, [] | [_] | [_, "implies"] | [_, "implies", _]) => {
            Err(Error::MethodNotAllowed)
        }
        (Some("role_inferences"), Method::Get, []) => list_inferences(app, req),
        (Some("role_inferences"), _, []) => Err(Error::MethodNotAllowed),
        (
            Some("system"),
            _,
            ["users" | "groups", _, "roles"] | ["users" | "groups", _, "roles", _],
        ) => grants(app, req, path),
        (
            Some("OS-INHERIT"),
            _,
            ["domains" | "projects", _, "users" | "groups", _, "roles", _, "inherited_to_projects"],
        )
        | (
            Some("OS-INHERIT"),
            _,
            ["domains", _, "users" | "groups", _, "roles", "inherited_to_projects"],
        ) => grants(app, req, path),
        _ => Err(super::not_found()),
    }
}

// ---------------------------------------------------------------------------------------
// JSON schema checks with upstream's (jsonschema's) messages.

/// Upstream's SchemaValidationError for `field` holding `value`.
pub(crate) fn invalid(field: &str, value: &Value, reason: &str) -> Error {
    Error::schema(field, &py_str(value), reason)
}

/// `{"<key>": {...}}`: the body's member object, as upstream's schema requires it.
pub(crate) fn member(body: &Value, key: &str) -> Result<Map<String, Value>> {
    match body.get(key) {
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(other) => Err(invalid(
            key,
            other,
            &format!("{} is not of type 'object'", py_repr(other)),
        )),
        None => Err(Error::Validation(format!("'{key}' is a required property"))),
    }
}

pub(crate) fn require(map: &Map<String, Value>, key: &str, field: &str) -> Result<()> {
    if map.contains_key(field) {
        Ok(())
    } else {
        Err(invalid(
            key,
            &Value::Object(map.clone()),
            &format!("'{field}' is a required property"),
        ))
    }
}

/// An update body must change something (`minProperties: 1`).
pub(crate) fn non_empty(map: &Map<String, Value>, key: &str) -> Result<()> {
    if map.is_empty() {
        Err(invalid(key, &json!({}), "{} should be non-empty"))
    } else {
        Ok(())
    }
}

/// A name: string, 1-255 characters, not only whitespace. Ok(None) if absent.
pub(crate) fn check_name(map: &Map<String, Value>, field: &str) -> Result<Option<String>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => {
            let v = Value::String(s.clone());
            if s.is_empty() {
                Err(invalid(field, &v, "'' should be non-empty"))
            } else if s.chars().count() > 255 {
                Err(invalid(field, &v, &format!("{} is too long", py_repr(&v))))
            } else if s.chars().all(char::is_whitespace) {
                Err(invalid(
                    field,
                    &v,
                    &format!("{} does not match '[\\\\S]+'", py_repr(&v)),
                ))
            } else {
                Ok(Some(s.clone()))
            }
        }
        Some(other) => Err(invalid(
            field,
            other,
            &format!("{} is not of type 'string'", py_repr(other)),
        )),
    }
}

/// An id (`domain_id`, ...): string, 1-64 characters of `[a-zA-Z0-9-]`; `nullable` allows null.
pub(crate) fn check_id(
    map: &Map<String, Value>,
    field: &str,
    nullable: bool,
) -> Result<Option<Option<String>>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Null) if nullable => Ok(Some(None)),
        Some(Value::String(s)) => {
            let v = Value::String(s.clone());
            if s.is_empty() {
                Err(invalid(field, &v, "'' should be non-empty"))
            } else if s.chars().count() > 64 {
                Err(invalid(field, &v, &format!("{} is too long", py_repr(&v))))
            } else if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                Err(invalid(
                    field,
                    &v,
                    &format!("{} does not match '^[a-zA-Z0-9-]+$'", py_repr(&v)),
                ))
            } else {
                Ok(Some(Some(s.clone())))
            }
        }
        Some(other) => Err(invalid(
            field,
            other,
            &format!(
                "{} is not of type {}",
                py_repr(other),
                if nullable {
                    "'string', 'null'"
                } else {
                    "'string'"
                }
            ),
        )),
    }
}

/// A string-or-null field (description, default_project_id).
pub(crate) fn check_nullable_string(
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<Option<String>>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(invalid(
            field,
            other,
            &format!("{} is not of type 'string', 'null'", py_repr(other)),
        )),
    }
}

/// Resource options: an object of known options, each valid or null (null removes it).
/// `kinds` names each option and whether it is a boolean (else a list of lists of strings).
pub(crate) fn check_options(
    map: &Map<String, Value>,
    known: &[(&str, bool)],
) -> Result<Option<Map<String, Value>>> {
    let options = match map.get("options") {
        None => return Ok(None),
        Some(Value::Object(o)) => o.clone(),
        Some(other) => {
            return Err(invalid(
                "options",
                other,
                &format!("{} is not of type 'object'", py_repr(other)),
            ))
        }
    };
    let unexpected: Vec<String> = options
        .keys()
        .filter(|k| !known.iter().any(|(name, _)| name == k))
        .map(|k| py_repr(&Value::String(k.clone())))
        .collect();
    if !unexpected.is_empty() {
        let (list, verb) = if unexpected.len() == 1 {
            (unexpected[0].clone(), "was")
        } else {
            (unexpected.join(", "), "were")
        };
        return Err(invalid(
            "options",
            &Value::Object(options.clone()),
            &format!("Additional properties are not allowed ({list} {verb} unexpected)"),
        ));
    }
    for (name, value) in &options {
        let boolean = known.iter().any(|(n, b)| n == name && *b);
        let ok = match value {
            Value::Null | Value::Bool(_) => boolean || value.is_null(),
            Value::Array(lists) => {
                !boolean
                    && lists.iter().all(|l| {
                        l.as_array().is_some_and(|items| {
                            !items.is_empty() && items.iter().all(Value::is_string)
                        })
                    })
            }
            _ => false,
        };
        if !ok {
            let wanted = if boolean {
                "'boolean', 'null'"
            } else {
                "'array', 'null'"
            };
            return Err(invalid(
                name,
                value,
                &format!("{} is not of type {wanted}", py_repr(value)),
            ));
        }
    }
    Ok(Some(options))
}

/// Applies an options update: a null value removes the option.
pub(crate) fn merge_options(current: &mut Map<String, Value>, update: Map<String, Value>) {
    for (k, v) in update {
        if v.is_null() {
            current.remove(&k);
        } else {
            current.insert(k, v);
        }
    }
}

/// Upstream's `_require_matching_id`.
pub(crate) fn require_matching_id(map: &Map<String, Value>, id: &str) -> Result<()> {
    match map.get("id") {
        Some(v) if v.as_str() != Some(id) => Err(Error::Validation("Cannot change ID".to_string())),
        _ => Ok(()),
    }
}

const ROLE_OPTIONS: &[(&str, bool)] = &[("immutable", true)];
const ROLE_FIELDS: &[&str] = &["name", "domain_id", "description", "options"];

fn is_immutable(options: &Map<String, Value>) -> bool {
    options
        .get("immutable")
        .is_some_and(|v| v == &Value::Bool(true))
}

fn immutable_error(verb: &str, kind: &str, id: &str) -> Error {
    Error::Forbidden(format!(
        "Unable to {verb} immutable {kind} resource: `{id}. Set resource option \"immutable\" \
         to false first."
    ))
}

/// Role create/update body checks (upstream's `_role_properties`).
fn validate_role_body(input: &Map<String, Value>) -> Result<()> {
    check_name(input, "name")?;
    check_nullable_string(input, "description")?;
    check_id(input, "domain_id", true)?;
    check_options(input, ROLE_OPTIONS)?;
    Ok(())
}

fn role_target(app: &App, role: &Role) -> Value {
    render_role(app, role)
}

// ---------------------------------------------------------------------------------------
// Roles

/// GET/HEAD /v3/roles
pub fn list(app: &App, req: &Request) -> Result<Response> {
    let wanted_domain = req.query("domain_id").filter(|d| !d.is_empty());
    let action = if wanted_domain.is_some() {
        "identity:list_domain_roles"
    } else {
        "identity:list_roles"
    };
    authorize(app, req, action, json!({}))?;
    let roles = app.store.read(assignment::list_roles)?;
    let items = roles
        .iter()
        .filter(|r| r.domain_id.as_deref() == wanted_domain)
        .map(|r| render_role(app, r))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "roles",
        items,
        &["name"],
        app.config.list_limit("role"),
    )))
}

/// GET/HEAD /v3/roles/{role_id}
pub fn get(app: &App, req: &Request, id: &str) -> Result<Response> {
    let role = app.store.read(|r| assignment::get_role(r, id))?;
    let view = json!({"role_id": id});
    match &role {
        // Upstream loads the target from the store while enforcing: 401, then 404.
        None => {
            crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
            return Err(Error::not_found("role", id));
        }
        Some(r) => {
            let action = if r.domain_id.is_some() {
                "identity:get_domain_role"
            } else {
                "identity:get_role"
            };
            let mut target = view;
            target["target"] = json!({"role": role_target(app, r)});
            authorize(app, req, action, target)?;
        }
    }
    let role = role.ok_or_else(|| Error::not_found("role", id))?;
    Ok(Response::ok(&json!({"role": render_role(app, &role)})))
}

/// POST /v3/roles
pub fn create(app: &App, req: &Request) -> Result<Response> {
    let body = req.json()?;
    let input = member(&body, "role")?;
    require(&input, "role", "name")?;
    validate_role_body(&input)?;
    let domain_id = check_id(&input, "domain_id", true)?.flatten();
    if domain_id.is_some() {
        authorize(
            app,
            req,
            "identity:create_domain_role",
            json!({"target": {"role": input}}),
        )?;
    } else {
        authorize(app, req, "identity:create_role", json!({}))?;
    }
    let mut options = Map::new();
    if let Some(update) = check_options(&input, ROLE_OPTIONS)? {
        merge_options(&mut options, update);
    }
    let role = Role {
        id: new_id(),
        name: check_name(&input, "name")?.unwrap_or_default(),
        domain_id,
        description: check_nullable_string(&input, "description")?.flatten(),
        options,
        extra: super::extras(&input, ROLE_FIELDS),
    };
    app.store.write(|w| assignment::create_role(w, &role))?;
    Ok(Response::created(&json!({"role": render_role(app, &role)})))
}

/// Looks a role up and enforces `<verb>_role` or `<verb>_domain_role` as upstream: a missing
/// role is a 404 after enforcing the global rule.
fn enforce_on_role(app: &App, req: &Request, verb: &str, id: &str) -> Result<Role> {
    let role = app.store.read(|r| assignment::get_role(r, id))?;
    match &role {
        Some(r) if r.domain_id.is_some() => {
            authorize(
                app,
                req,
                &format!("identity:{verb}_domain_role"),
                json!({"role_id": id, "target": {"role": role_target(app, r)}}),
            )?;
        }
        Some(r) => {
            authorize(
                app,
                req,
                &format!("identity:{verb}_role"),
                json!({"role_id": id, "target": {"role": role_target(app, r)}}),
            )?;
        }
        // Upstream loads the target from the store while enforcing: 401, then 404.
        None => {
            crate::auth::authenticate_request(app, req.header("x-auth-token"))?;
        }
    }
    role.ok_or_else(|| Error::not_found("role", id))
}

/// PATCH /v3/roles/{role_id}
pub fn update(app: &App, req: &Request, id: &str) -> Result<Response> {
    let body = req.json()?;
    let input = member(&body, "role")?;
    non_empty(&input, "role")?;
    validate_role_body(&input)?;
    let old = enforce_on_role(app, req, "update", id)?;
    require_matching_id(&input, id)?;
    if is_immutable(&old.options) {
        // Only a lone {"options": {"immutable": false|null}} may touch an immutable role.
        let lone_unset = input.len() == 1
            && input
                .get("options")
                .and_then(|o| o.get("immutable"))
                .is_some_and(|v| v.is_null() || v == &Value::Bool(false));
        if !lone_unset {
            return Err(immutable_error("update", "role", id));
        }
    }
    if let Some(d) = input.get("domain_id") {
        if d.as_str() != old.domain_id.as_deref() {
            return Err(Error::Validation(
                "Update of `domain_id` is not allowed.".to_string(),
            ));
        }
    }
    let mut new = old.clone();
    if let Some(name) = check_name(&input, "name")? {
        new.name = name;
    }
    if let Some(description) = check_nullable_string(&input, "description")? {
        new.description = description;
    }
    if let Some(update) = check_options(&input, ROLE_OPTIONS)? {
        merge_options(&mut new.options, update);
    }
    for (k, v) in super::extras(&input, ROLE_FIELDS) {
        new.extra.insert(k, v);
    }
    app.store
        .write(|w| assignment::update_role(w, &old, &new))?;
    Ok(Response::ok(&json!({"role": render_role(app, &new)})))
}

/// DELETE /v3/roles/{role_id}
pub fn delete(app: &App, req: &Request, id: &str) -> Result<Response> {
    let role = enforce_on_role(app, req, "delete", id)?;
    if is_immutable(&role.options) {
        return Err(immutable_error("delete", "role", id));
    }
    app.store.write(|w| assignment::delete_role(w, &role))?;
    Ok(Response::no_content())
}

// ---------------------------------------------------------------------------------------
// Implied roles

fn role_ref(app: &App, role: &Role) -> Value {
    json!({"id": role.id,
           "links": {"self": format!("{}/v3/roles/{}", app.public_url, role.id)},
           "name": role.name})
}

/// Upstream's `_build_enforcement_target_ref`: both roles loaded, 404 if either is missing.
fn implied_target(
    app: &App,
    prior_id: &str,
    implied_id: Option<&str>,
) -> Result<(Role, Option<Role>, Value)> {
    app.store.read(|r| {
        let prior = assignment::require_role(r, prior_id)?;
        let mut target = json!({"prior_role": role_target(app, &prior)});
        let mut view = json!({"prior_role_id": prior_id});
        let implied = match implied_id {
            Some(id) => {
                let implied = assignment::require_role(r, id)?;
                target["implied_role"] = role_target(app, &implied);
                view["implied_role_id"] = json!(id);
                Some(implied)
            }
            None => None,
        };
        view["target"] = target;
        Ok((prior, implied, view))
    })
}

/// GET/HEAD /v3/roles/{prior_role_id}/implies
pub fn list_implied(app: &App, req: &Request, prior_id: &str) -> Result<Response> {
    let (prior, _, target) = implied_target(app, prior_id, None)?;
    authorize(app, req, "identity:list_implied_roles", target)?;
    let implies = app.store.read(|r| {
        let mut out = Vec::new();
        for id in assignment::implied_by(r, &prior.id)? {
            if let Some(role) = assignment::get_role(r, &id)? {
                out.push(role_ref(app, &role));
            }
        }
        Ok(out)
    })?;
    Ok(Response::ok(&json!({
        "role_inference": {"prior_role": role_ref(app, &prior), "implies": implies},
        "links": {"self": format!("{}/v3/roles/{}/implies", app.public_url, prior.id)},
    })))
}

/// GET/HEAD/PUT/DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}
pub fn implied_role(
    app: &App,
    req: &Request,
    prior_id: &str,
    implied_id: &str,
) -> Result<Response> {
    let (prior, implied, target) = implied_target(app, prior_id, Some(implied_id))?;
    let implied = implied.ok_or_else(|| Error::not_found("role", implied_id))?;
    let not_implied = || Error::NotFound(format!("{prior_id} does not imply {implied_id}."));
    let shown = || {
        json!({
            "role_inference": {"prior_role": role_ref(app, &prior), "implies": role_ref(app, &implied)},
            "links": {"self": format!("{}/v3/roles/{}/implies/{}", app.public_url, prior.id, implied.id)},
        })
    };
    let exists = |app: &App| {
        app.store
            .read(|r| Ok(assignment::implied_by(r, &prior.id)?.contains(&implied.id)))
    };
    match req.method {
        Method::Head => {
            authorize(app, req, "identity:check_implied_role", target.clone())?;
            authorize(app, req, "identity:get_implied_role", target)?;
            if !exists(app)? {
                return Err(not_implied());
            }
            Ok(Response::no_content())
        }
        Method::Get => {
            authorize(app, req, "identity:get_implied_role", target)?;
            if !exists(app)? {
                return Err(not_implied());
            }
            Ok(Response::ok(&shown()))
        }
        Method::Put => {
            authorize(app, req, "identity:create_implied_role", target)?;
            if PROHIBITED_IMPLIED_ROLES.contains(&implied.name.as_str()) {
                return Err(Error::Forbidden(format!(
                    "{implied_id} cannot be an implied roles."
                )));
            }
            if prior.domain_id.is_none() && implied.domain_id.is_some() {
                return Err(Error::Forbidden(format!(
                    "{implied_id} cannot be an implied roles."
                )));
            }
            app.store.write(|w| {
                if assignment::implied_by(w, &prior.id)?.contains(&implied.id) {
                    return Err(Error::duplicate("implied_role", "Duplicate entry"));
                }
                assignment::add_implied(w, &prior.id, &implied.id)
            })?;
            Ok(Response::created(&shown()))
        }
        Method::Delete => {
            authorize(app, req, "identity:delete_implied_role", target)?;
            if !app
                .store
                .write(|w| assignment::remove_implied(w, &prior.id, &implied.id))?
            {
                return Err(not_implied());
            }
            Ok(Response::no_content())
        }
        _ => Err(Error::MethodNotAllowed),
    }
}

/// GET/HEAD /v3/role_inferences
pub fn list_inferences(app: &App, req: &Request) -> Result<Response> {
    authorize(app, req, "identity:list_role_inference_rules", json!({}))?;
    let body = app.store.read(|r| {
        let mut by_prior: Vec<(String, Vec<Value>)> = Vec::new();
        for (prior, implied) in assignment::list_implied(r)? {
            let Some(implied) = assignment::get_role(r, &implied)? else {
                continue;
            };
            let entry = role_ref(app, &implied);
            match by_prior.iter_mut().find(|(p, _)| *p == prior) {
                Some((_, list)) => list.push(entry),
                None => by_prior.push((prior, vec![entry])),
            }
        }
        let mut inferences = Vec::new();
        for (prior, implies) in by_prior {
            let Some(prior) = assignment::get_role(r, &prior)? else {
                continue;
            };
            inferences.push(json!({"prior_role": role_ref(app, &prior), "implies": implies}));
        }
        Ok(json!({"role_inferences": inferences}))
    })?;
    Ok(Response::ok(&body))
}

// ---------------------------------------------------------------------------------------
// Grants

/// Which upstream handler family a grant path belongs to: they build policy targets and
/// check existence differently.
#[derive(Clone, Copy, PartialEq)]
enum GrantApi {
    /// /v3/projects/... and /v3/domains/...: every entity loaded before enforcement, 404 if
    /// missing (a missing actor is allowed on DELETE).
    Direct,
    /// /v3/system/...: role and actor loaded before enforcement.
    System,
    /// /v3/OS-INHERIT/...: missing entities leave their part of the target empty.
    Inherited,
}

fn rendered_user_or_group(
    app: &App,
    r: &impl Reader,
    kind: ActorKind,
    id: &str,
) -> Result<Option<Value>> {
    Ok(match kind {
        ActorKind::User => identity::get_user(r, id)?.map(|u| super::render_user(app, &u)),
        ActorKind::Group => identity::get_group(r, id)?.map(|g| super::render_group(app, &g)),
    })
}

fn assignment_not_found(role_id: &str, actor_id: &str, target_id: &str) -> Error {
    Error::NotFound(format!(
        "Could not find role assignment with role: {role_id}, user or group: {actor_id}, \
         project, domain, or system: {target_id}."
    ))
}

/// Every grant API. `path` is everything after "v3":
/// [projects|domains, id, users|groups, id, roles(, role_id)],
/// [system, users|groups, id, roles(, role_id)] or
/// [OS-INHERIT, projects|domains, id, users|groups, id, roles(, role_id), inherited_to_projects].
pub fn grants(app: &App, req: &Request, path: &[&str]) -> Result<Response> {
    let (api, target, kind_name, actor_id, role_id) = match path {
        ["OS-INHERIT", scope, sid, kind, aid, "roles", rest @ .., "inherited_to_projects"] => {
            let target = match *scope {
                "projects" => Target::Project(sid.to_string()),
                _ => Target::Domain(sid.to_string()),
            };
            let role = match rest {
                [] => None,
                [role] => Some(*role),
                _ => return Err(super::not_found()),
            };
            (GrantApi::Inherited, target, *kind, *aid, role)
        }
        ["projects", pid, kind, aid, "roles", rest @ ..] => (
            GrantApi::Direct,
            Target::Project(pid.to_string()),
            *kind,
            *aid,
            one(rest)?,
        ),
        ["domains", did, kind, aid, "roles", rest @ ..] => (
            GrantApi::Direct,
            Target::Domain(did.to_string()),
            *kind,
            *aid,
            one(rest)?,
        ),
        ["system", kind, aid, "roles", rest @ ..] => {
            (GrantApi::System, Target::System, *kind, *aid, one(rest)?)
        }
        _ => return Err(super::not_found()),
    };
    let actor_kind = match kind_name {
        "users" => ActorKind::User,
        "groups" => ActorKind::Group,
        _ => return Err(super::not_found()),
    };
    let who = if actor_kind == ActorKind::User {
        "user"
    } else {
        "group"
    };
    let inherited = api == GrantApi::Inherited;
    // Inherited grants on a project are only checked, made and revoked one by one.
    if inherited && role_id.is_none() && matches!(target, Target::Project(_)) {
        return Err(super::not_found());
    }
    let system = api == GrantApi::System;
    let action = match (req.method, role_id.is_some(), system) {
        (Method::Get | Method::Head, false, false) => "identity:list_grants".to_string(),
        (Method::Get | Method::Head, false, true) => {
            format!("identity:list_system_grants_for_{who}")
        }
        (Method::Get | Method::Head, true, false) => "identity:check_grant".to_string(),
        (Method::Get | Method::Head, true, true) => {
            format!("identity:check_system_grant_for_{who}")
        }
        (Method::Put, true, false) => "identity:create_grant".to_string(),
        (Method::Put, true, true) => format!("identity:create_system_grant_for_{who}"),
        (Method::Delete, true, false) => "identity:revoke_grant".to_string(),
        (Method::Delete, true, true) => format!("identity:revoke_system_grant_for_{who}"),
        _ => return Err(Error::MethodNotAllowed),
    };

    // The policy target, as upstream's builders make it, with the view args beside it.
    let (role, policy) = app.store.read(|r| {
        let mut view = Map::new();
        let mut t = Map::new();
        let role = match role_id {
            Some(id) => {
                view.insert("role_id".into(), json!(id));
                let role = assignment::get_role(r, id)?;
                match (&role, api) {
                    (Some(role), _) => {
                        t.insert("role".into(), role_target(app, role));
                    }
                    (None, GrantApi::Inherited) => {
                        t.insert("role".into(), json!({}));
                    }
                    (None, _) => return Err(Error::not_found("role", id)),
                }
                role
            }
            None => None,
        };
        view.insert(format!("{who}_id"), json!(actor_id));
        match rendered_user_or_group(app, r, actor_kind, actor_id)? {
            Some(actor) => {
                t.insert(who.into(), actor);
            }
            None if api == GrantApi::Inherited => {
                t.insert(who.into(), json!({}));
            }
            None if req.method == Method::Delete => {}
            None => return Err(Error::not_found(who, actor_id)),
        }
        match &target {
            Target::Project(id) => {
                view.insert("project_id".into(), json!(id));
                match resource::get_project(r, id)? {
                    Some(p) => {
                        t.insert("project".into(), super::render_project(app, &p));
                    }
                    None if api == GrantApi::Inherited => {
                        t.insert("project".into(), json!({}));
                    }
                    None => return Err(Error::not_found("project", id)),
                }
            }
            Target::Domain(id) => {
                view.insert("domain_id".into(), json!(id));
                match resource::get_domain(r, id)? {
                    Some(d) => {
                        t.insert("domain".into(), super::render_domain(app, &d));
                    }
                    None if api == GrantApi::Inherited => {
                        t.insert("domain".into(), json!({}));
                    }
                    None => return Err(Error::not_found("domain", id)),
                }
            }
            Target::System => {}
        }
        view.insert("target".into(), Value::Object(t));
        Ok((role, Value::Object(view)))
    })?;
    authorize(app, req, &action, policy)?;

    let target_id = match &target {
        Target::Project(id) | Target::Domain(id) => id.clone(),
        Target::System => "system".to_string(),
    };
    // What upstream's assignment manager checks, in its order.
    let check_target = |r: &dyn Fn(&Target) -> Result<bool>| -> Result<()> {
        if r(&target)? {
            Ok(())
        } else {
            Err(match &target {
                Target::Project(id) => Error::not_found("project", id),
                Target::Domain(id) => Error::not_found("domain", id),
                Target::System => Error::not_found("system", "all"),
            })
        }
    };
    let target_exists = |t: &Target| -> Result<bool> {
        app.store.read(|r| {
            Ok(match t {
                Target::Project(id) => resource::get_project(r, id)?.is_some(),
                Target::Domain(id) => resource::get_domain(r, id)?.is_some(),
                Target::System => true,
            })
        })
    };

    let Some(role_id) = role_id else {
        check_target(&target_exists)?;
        let roles = app.store.read(|r| {
            let mut ids: Vec<String> = assignment::list_for_actor(r, actor_kind, actor_id)?
                .into_iter()
                .filter(|a| a.target == target && a.inherited == inherited)
                .map(|a| a.role_id)
                .collect();
            ids.sort();
            ids.dedup();
            let mut out = Vec::new();
            for id in ids {
                if let Some(role) = assignment::get_role(r, &id)? {
                    out.push(render_role(app, &role));
                }
            }
            Ok(out)
        })?;
        return Ok(Response::ok(&list_response(app, req, "roles", roles)));
    };
    let role = role.ok_or_else(|| Error::not_found("role", role_id))?;
    let grant = Assignment {
        actor_kind,
        actor_id: actor_id.to_string(),
        target: target.clone(),
        role_id: role.id.clone(),
        inherited,
    };
    match req.method {
        Method::Put => {
            if system && role.domain_id.is_some() {
                return Err(Error::Validation(format!(
                    "Role {role_id} is a domain-specific role. Unable to use a domain-specific \
                     role in a system assignment."
                )));
            }
            app.store.write(|w| {
                if let Target::Project(pid) = &grant.target {
                    let project = resource::require_project(w, pid)?;
                    if role
                        .domain_id
                        .as_ref()
                        .is_some_and(|d| d != &project.domain_id)
                    {
                        return Err(Error::Forbidden(format!(
                            "Project {pid} must be in the same domain as the role {role_id} \
                             being assigned."
                        )));
                    }
                }
                if let Target::Domain(did) = &grant.target {
                    resource::require_domain(w, did)?;
                }
                assignment::grant(w, &grant)
            })?;
        }
        Method::Delete => {
            app.store.write(|w| {
                if !assignment::exists(w, &grant)? {
                    return Err(assignment_not_found(role_id, actor_id, &target_id));
                }
                assignment::revoke(w, &grant).map(|_| ())
            })?;
        }
        _ => {
            if !system {
                check_target(&target_exists)?;
            }
            if !app.store.read(|r| assignment::exists(r, &grant))? {
                return Err(assignment_not_found(role_id, actor_id, &target_id));
            }
        }
    }
    Ok(Response::no_content())
}

/// The optional role id after `.../roles`.
fn one<'a>(rest: &[&'a str]) -> Result<Option<&'a str>> {
    match rest {
        [] => Ok(None),
        [role_id] => Ok(Some(role_id)),
        _ => Err(super::not_found()),
    }
}

/// `[assignment] prohibited_implied_role` (upstream's default: `admin`).
const PROHIBITED_IMPLIED_ROLES: &[&str] = &["admin"];

/// A body's optional `roles`: a list of `{"id": ...}` or `{"name": ...}` references, as
/// upstream's trust and application-credential schemas state them.
pub(crate) fn check_role_refs(input: &Map<String, Value>) -> Result<()> {
    let Some(v) = input.get("roles") else {
        return Ok(());
    };
    let Some(items) = v.as_array() else {
        return Err(invalid(
            "roles",
            v,
            &format!("{} is not of type 'array'", py_repr(v)),
        ));
    };
    for item in items {
        let ok = item.as_object().is_some_and(|o| {
            o.len() == 1
                && (o.get("id").is_some_and(Value::is_string)
                    || o.get("name").is_some_and(Value::is_string))
        });
        if !ok {
            return Err(invalid(
                "roles",
                item,
                &format!("{} is not valid under the given schema", py_repr(item)),
            ));
        }
    }
    Ok(())
}
