//! /v3/roles: global and domain-specific roles and their options. Implied roles and
//! /v3/role_inferences live in `implied.rs`, every grant API (projects, domains, system,
//! OS-INHERIT) in `grants.rs`. Also the small JSON-schema helpers the identity handlers share,
//! with upstream's messages. Authentication and policy run in the route table
//! (src/http/table.rs) before these handlers.

pub mod grants;
pub mod implied;

pub(crate) use crate::pyrepr::{py_repr, py_str};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Role};
use crate::policy::Action;
use crate::store::assignment;

use super::{filtered_list, render_role};

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

// ---------------------------------------------------------------------------------------
// Roles

/// list_domain_roles when `?domain_id` is set, else list_roles.
pub fn list_action(req: &Request) -> Action {
    if req.query("domain_id").is_some_and(|d| !d.is_empty()) {
        Action::ListDomainRoles
    } else {
        Action::ListRoles
    }
}

/// GET/HEAD /v3/roles
pub fn list(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let wanted_domain = req.query("domain_id").filter(|d| !d.is_empty());
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

/// Whether the role in a target (`target.role`) is domain-specific: upstream then enforces
/// the `*_domain_role` action instead of the global one.
fn domain_role(target: &Value) -> bool {
    target["target"]["role"]
        .get("domain_id")
        .is_some_and(|d| !d.is_null())
}

pub fn get_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::GetDomainRole
    } else {
        Action::GetRole
    }
}

pub fn create_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::CreateDomainRole
    } else {
        Action::CreateRole
    }
}

pub fn update_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::UpdateDomainRole
    } else {
        Action::UpdateRole
    }
}

pub fn delete_action(target: &Value) -> Action {
    if domain_role(target) {
        Action::DeleteDomainRole
    } else {
        Action::DeleteRole
    }
}

/// The role of `{role_id}` with its view arguments; a missing role is a 404 (after
/// authentication, without enforcing, as before).
fn loaded_role_target(app: &App, id: &str) -> Result<(Role, Value)> {
    let role = app
        .store
        .read(|r| assignment::get_role(r, id))?
        .ok_or_else(|| Error::not_found("role", id))?;
    let target = json!({"role_id": id, "target": {"role": render_role(app, &role)}});
    Ok((role, target))
}

/// Target of get/delete_(domain_)role: the stored role.
pub fn role_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(loaded_role_target(app, p.get("role_id"))?.1)
}

/// Target of create_(domain_)role: the body is checked first (400 before 403); a
/// domain-specific role is enforced against the body, a global one against nothing.
pub fn create_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    let body = req.json()?;
    let input = member(&body, "role")?;
    require(&input, "role", "name")?;
    validate_role_body(&input)?;
    Ok(
        if check_id(&input, "domain_id", true)?.flatten().is_some() {
            json!({"target": {"role": input}})
        } else {
            json!({})
        },
    )
}

/// Target of update_(domain_)role: the body is checked, then the role loaded (404).
pub fn update_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let body = req.json()?;
    let input = member(&body, "role")?;
    non_empty(&input, "role")?;
    validate_role_body(&input)?;
    Ok(loaded_role_target(app, p.get("role_id"))?.1)
}

/// GET/HEAD /v3/roles/{role_id}
pub fn get(_: &App, _: &Request, _: &Params, granted: Granted) -> Result<Response> {
    Ok(Response::ok(
        &json!({"role": granted.target()["target"]["role"]}),
    ))
}

/// POST /v3/roles
pub fn create(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let body = req.json()?;
    let input = member(&body, "role")?;
    let domain_id = check_id(&input, "domain_id", true)?.flatten();
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

/// PATCH /v3/roles/{role_id}
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let body = req.json()?;
    let input = member(&body, "role")?;
    let (old, _) = loaded_role_target(app, id)?;
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
pub fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("role_id");
    let (role, _) = loaded_role_target(app, id)?;
    if is_immutable(&role.options) {
        return Err(immutable_error("delete", "role", id));
    }
    app.store.write(|w| assignment::delete_role(w, &role))?;
    Ok(Response::no_content())
}

pub(crate) const PROHIBITED_IMPLIED_ROLES: &[&str] = &["admin"];

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
