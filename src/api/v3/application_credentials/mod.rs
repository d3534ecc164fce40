//! Application credentials (/v3/users/{user_id}/application_credentials) and their access
//! rules (/v3/users/{user_id}/access_rules), the `application_credential` auth method, and
//! what such a token may not do. Upstream: keystone/api/users.py (UserAppCred*, UserAccessRule*),
//! keystone/application_credential/, keystone/auth/plugins/application_credential.py.
//!
//! The secret is returned once, by create, and stored only as a password hash; it is never
//! logged.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, AccessRule, ApplicationCredential, Role, Target, User};
use crate::store::application_credentials as store;
use crate::store::{assignment, identity, resource, Reader};

use crate::pyrepr::py_repr;
use crate::validate::fields::{invalid, member};

pub mod access_rules;
use super::{filtered_list, self_link};

/// Auth methods that authenticate a user directly; any other method is a delegation
/// (upstream's keystone/api/_shared/delegation.py).
const PRIMARY_METHODS: &[&str] = &[
    "external", "kerberos", "mapped", "openid", "password", "saml2", "token", "totp", "x509",
];

/// Upstream's is_delegated_method: no methods, or any method that is not primary.
pub fn is_delegated_method(methods: &[String]) -> bool {
    methods.is_empty()
        || methods
            .iter()
            .any(|m| !PRIMARY_METHODS.contains(&m.as_str()))
}

/// Upstream's _block_delegated_token_app_creds: trust-scoped and other delegated tokens
/// (application credential tokens excepted) may not manage application credentials.
pub(crate) fn block_delegated(context: &AuthContext) -> Result<()> {
    if context
        .token
        .methods
        .iter()
        .any(|m| m == "application_credential")
    {
        return Ok(());
    }
    if context.trust.is_some() || is_delegated_method(&context.token.methods) {
        return Err(Error::Forbidden(
            "You are not authorized to perform the requested action.".to_string(),
        ));
    }
    Ok(())
}

/// Upstream's _check_unrestricted_application_credential.
fn check_unrestricted(context: &AuthContext) -> Result<()> {
    if context
        .token
        .methods
        .iter()
        .any(|m| m == "application_credential")
        && context
            .app_cred
            .as_ref()
            .is_none_or(|c| c.unrestricted != Some(true))
    {
        return Err(Error::forbidden_action(
            "Using method 'application_credential' is not allowed for managing additional \
             application credentials.",
        ));
    }
    Ok(())
}

fn render_role(r: &Role) -> Value {
    json!({"id": r.id, "name": r.name, "domain_id": r.domain_id, "description": r.description,
           "options": r.options})
}

pub(crate) fn render_rule(a: &AccessRule) -> Value {
    json!({"id": a.id, "service": a.service, "path": a.path, "method": a.method})
}

/// An application credential as upstream renders it (the secret only by create).
fn render(
    app: &App,
    r: &impl Reader,
    c: &ApplicationCredential,
    secret: Option<&str>,
) -> Result<Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(c.id));
    out.insert("name".into(), json!(c.name));
    out.insert("description".into(), json!(c.description));
    out.insert("user_id".into(), json!(c.user_id));
    out.insert("project_id".into(), json!(c.project_id));
    out.insert("system".into(), json!(c.system));
    out.insert(
        "expires_at".into(),
        json!(c.expires_at.map(store::format_micros)),
    );
    out.insert("unrestricted".into(), json!(c.unrestricted));
    let mut roles = Vec::new();
    for id in &c.role_ids {
        // Upstream fails on a deleted role; we leave it out.
        if let Some(role) = assignment::get_role(r, id)? {
            roles.push(render_role(&role));
        }
    }
    out.insert("roles".into(), Value::Array(roles));
    if let Some(rules) = rules_of(r, c)? {
        out.insert(
            "access_rules".into(),
            Value::Array(rules.iter().map(render_rule).collect()),
        );
    }
    if let Some(secret) = secret {
        out.insert("secret".into(), json!(secret));
    }
    out.insert(
        "links".into(),
        self_link(app, &format!("application_credentials/{}", c.id)),
    );
    Ok(Value::Object(out))
}

/// The credential's access rules; None when it was created without any.
fn rules_of(r: &impl Reader, c: &ApplicationCredential) -> Result<Option<Vec<AccessRule>>> {
    let Some(ids) = &c.access_rule_ids else {
        return Ok(None);
    };
    let mut rules = Vec::new();
    for id in ids {
        if let Some(rule) = store::get_rule(r, id)? {
            rules.push(rule);
        }
    }
    Ok(if rules.is_empty() { None } else { Some(rules) })
}

/// Target of list_application_credentials: the path's user (and the name filter).
pub fn list_target(_: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let mut target = json!({"user_id": p.get("user_id")});
    if let Some(name) = req.query("name") {
        target["name"] = json!(name);
    }
    Ok(target)
}

/// GET /v3/users/{user_id}/application_credentials
pub fn list(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    block_delegated(granted.context())?;
    let items = app.store.read(|r| {
        store::list_for_user(r, user_id)?
            .iter()
            .map(|c| render(app, r, c, None))
            .collect::<Result<Vec<_>>>()
    })?;
    let body = filtered_list(app, req, "application_credentials", items, &["name"], None);
    Ok(Response::ok(&body))
}

/// Target of get/delete_application_credential (see `owner_target`).
pub fn member_target(app: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let (_, target) = owner_target(app, p.get("user_id"), p.get("application_credential_id"))?;
    Ok(target)
}

/// The target of get/delete: the credential's own user, never the path's (upstream's
/// _update_request_user_id_attribute); the path's only when there is no such credential.
fn owner_target(
    app: &App,
    path_user_id: &str,
    id: &str,
) -> Result<(Option<ApplicationCredential>, Value)> {
    let cred = app.store.read(|r| store::get(r, id))?;
    let target = match &cred {
        Some(c) => json!({"user_id": c.user_id, "target": {"user_id": c.user_id}}),
        None => json!({"user_id": path_user_id}),
    };
    Ok((cred, target))
}

/// GET /v3/users/{user_id}/application_credentials/{id}
pub fn get(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("application_credential_id");
    block_delegated(granted.context())?;
    let cred = app.store.read(|r| store::get(r, id))?;
    let cred = cred.ok_or_else(|| Error::not_found("Application Credential", id))?;
    let body = app.store.read(|r| render(app, r, &cred, None))?;
    Ok(Response::ok(&json!({"application_credential": body})))
}

/// DELETE /v3/users/{user_id}/application_credentials/{id}
pub fn delete(app: &App, _: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("application_credential_id");
    let context = granted.context();
    block_delegated(context)?;
    check_unrestricted(context)?;
    app.store.write(|w| {
        let cred = store::require(w, id)?;
        store::delete(w, &cred)
    })?;
    Ok(Response::no_content())
}

/// A new secret as upstream's _generate_secret: 64 random bytes, urlsafe base64, unpadded.
fn generate_secret() -> Result<String> {
    let mut bytes = [0u8; 64];
    getrandom::getrandom(&mut bytes).map_err(Error::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

const CREATE_FIELDS: &[&str] = &[
    "id",
    "secret",
    "name",
    "description",
    "expires_at",
    "project_id",
    "access_rules",
    "unrestricted",
    "system",
    "roles",
];

/// Upstream's application_credential_create_request_body, in jsonschema's check order.
fn validate_create(input: &Map<String, Value>) -> Result<()> {
    let whole = Value::Object(input.clone());
    let string_or_null = |field: &str| -> Result<()> {
        match input.get(field) {
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
            Some(v) => Err(invalid(
                field,
                v,
                &format!("{} is not of type 'string', 'null'", py_repr(v)),
            )),
        }
    };
    for field in ["secret", "description", "expires_at", "system"] {
        string_or_null(field)?;
    }
    match input.get("name") {
        None => {
            return Err(invalid(
                "application_credential",
                &whole,
                "'name' is a required property",
            ))
        }
        Some(Value::String(s)) => {
            if s.chars().count() > 255 {
                return Err(invalid("name", &json!(s), &format!("'{s}' is too long")));
            }
            if s.trim().is_empty() {
                return Err(invalid(
                    "name",
                    &json!(s),
                    &format!("'{s}' does not match '[\\\\S]+'"),
                ));
            }
        }
        Some(v) => {
            return Err(invalid(
                "name",
                v,
                &format!("{} is not of type 'string'", py_repr(v)),
            ))
        }
    }
    if let Some(v) = input.get("unrestricted") {
        if !v.is_boolean() && !v.is_null() {
            return Err(invalid(
                "unrestricted",
                v,
                &format!("{} is not of type 'boolean', 'null'", py_repr(v)),
            ));
        }
    }
    if let Some(v) = input.get("project_id") {
        if !v.is_string() {
            return Err(invalid(
                "project_id",
                v,
                &format!("{} is not of type 'string'", py_repr(v)),
            ));
        }
    }
    crate::validate::fields::check_role_refs(input)?;
    if let Some(v) = input.get("access_rules") {
        let Some(items) = v.as_array() else {
            return Err(invalid(
                "access_rules",
                v,
                &format!("{} is not of type 'array'", py_repr(v)),
            ));
        };
        for item in items {
            let Some(rule) = item.as_object() else {
                return Err(invalid(
                    "access_rules",
                    item,
                    &format!("{} is not of type 'object'", py_repr(item)),
                ));
            };
            if let Some(m) = rule.get("method") {
                const METHODS: &[&str] = &["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];
                if !m.as_str().is_some_and(|m| METHODS.contains(&m)) {
                    return Err(invalid(
                        "method",
                        m,
                        &format!(
                            "{} is not one of ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']",
                            py_repr(m)
                        ),
                    ));
                }
            }
            if let Some(p) = rule.get("path") {
                match p.as_str() {
                    Some(s) if s.starts_with('/') && s.chars().count() <= 225 => {}
                    Some(s) if s.chars().count() > 225 => {
                        return Err(invalid("path", p, &format!("{} is too long", py_repr(p))))
                    }
                    Some(_) => {
                        return Err(invalid(
                            "path",
                            p,
                            &format!("{} does not match '^/\\\\.*'", py_repr(p)),
                        ))
                    }
                    None => {
                        return Err(invalid(
                            "path",
                            p,
                            &format!("{} is not of type 'string'", py_repr(p)),
                        ))
                    }
                }
            }
            for field in ["service", "id"] {
                if let Some(s) = rule.get(field) {
                    if !s.is_string() {
                        return Err(invalid(
                            field,
                            s,
                            &format!("{} is not of type 'string'", py_repr(s)),
                        ));
                    }
                }
            }
        }
    }
    let unexpected: Vec<String> = input
        .keys()
        .filter(|k| !CREATE_FIELDS.contains(&k.as_str()))
        .map(|k| py_repr(&json!(k)))
        .collect();
    if !unexpected.is_empty() {
        let verb = if unexpected.len() == 1 { "was" } else { "were" };
        return Err(invalid(
            "application_credential",
            &whole,
            &format!(
                "Additional properties are not allowed ({} {verb} unexpected)",
                unexpected.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `expires_at` as upstream's parse_expiration_date: Unix microseconds, not before `now`.
pub fn parse_expiration(value: &str, now: f64) -> Result<i64> {
    let secs = crate::token::parse_time(value)
        .ok_or_else(|| Error::bad_request("Timestamp not in expected format."))?;
    let us = store::to_micros(secs);
    if us < store::to_micros(now) {
        return Err(Error::bad_request(
            "The 'expires_at' must not be before now.",
        ));
    }
    Ok(us)
}

/// The body of a create, schema-checked (before policy, as upstream validates it first).
fn create_input(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    let input = member(&body, "application_credential")?;
    validate_create(&input)?;
    Ok(input)
}

/// Target of create_application_credential: the path's user, after the body's schema.
pub fn create_target(_: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    create_input(req)?;
    Ok(json!({"user_id": p.get("user_id")}))
}

/// POST /v3/users/{user_id}/application_credentials
pub fn create(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let user_id = p.get("user_id");
    let input = create_input(req)?;
    let context = granted.context();
    block_delegated(context)?;
    check_unrestricted(context)?;
    if context.user.id != user_id {
        return Err(Error::forbidden_action(
            "Cannot create an application credential for another user.",
        ));
    }
    let project_id = context
        .project_id()
        .ok_or_else(|| Error::forbidden_action("identity:create_application_credential"))?
        .to_string();
    let expires_at = match input.get("expires_at").and_then(Value::as_str) {
        Some(s) => Some(parse_expiration(s, req.now)?),
        None => None,
    };
    // Roles: the requested ones (with what they imply) must all be in the caller's token;
    // none requested means the token's roles.
    let token_role_ids: Vec<String> = context.roles.iter().map(|r| r.id.clone()).collect();
    let role_ids: Vec<String> = match input.get("roles").and_then(Value::as_array) {
        Some(requested) if !requested.is_empty() => {
            let ids = app.store.read(|r| -> Result<_> {
                let mut ids = Vec::new();
                for item in requested {
                    let id = if let Some(id) = item.get("id").and_then(Value::as_str) {
                        id.to_string()
                    } else {
                        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                        assignment::find_role_by_name(r, None, name)?
                            .ok_or_else(|| Error::NotFound(format!("Role {name} is not defined")))?
                            .id
                    };
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Ok(assignment::expand_implied(r, ids)?)
            })?;
            if ids.iter().any(|id| !token_role_ids.contains(id)) {
                return Err(Error::bad_request(
                    "Invalid application credential: Cannot create an application credential \
                     with unassigned role",
                ));
            }
            ids
        }
        _ => token_role_ids,
    };
    let secret = match input.get("secret").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => generate_secret()?,
    };
    // Hash outside the transaction: it is slow on purpose.
    let secret_hash = app.hasher.hash(&secret).map_err(Error::internal)?;
    let requested_rules: Option<Vec<Map<String, Value>>> = input
        .get("access_rules")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect());
    let id = match input.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => new_id(),
    };
    let rendered = app.store.write(|w| {
        // Upstream's _require_user_has_role_in_project, against the live assignments.
        let held =
            assignment::effective_role_ids(w, user_id, &Target::Project(project_id.clone()))?;
        if let Some(missing) = role_ids.iter().find(|r| !held.contains(r)) {
            return Err(Error::bad_request(&format!(
                "Invalid application credential: Could not find role assignment with role: \
                 {missing}, user or group: {user_id}, project, domain, or system: {project_id}."
            )));
        }
        let access_rule_ids = match &requested_rules {
            Some(rules) if !rules.is_empty() => {
                let mut ids = Vec::new();
                for rule in rules {
                    ids.push(upsert_rule(w, user_id, rule)?);
                }
                Some(ids)
            }
            _ => None,
        };
        let cred = ApplicationCredential {
            id: id.clone(),
            name: input
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            description: input
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            user_id: user_id.to_string(),
            project_id: Some(project_id.clone()),
            system: None,
            expires_at,
            unrestricted: input.get("unrestricted").and_then(Value::as_bool),
            secret_hash: secret_hash.clone(),
            role_ids: role_ids.clone(),
            access_rule_ids,
        };
        store::create(w, &cred)?;
        render(app, w, &cred, Some(&secret))
    })?;
    Ok(Response::created(
        &json!({"application_credential": rendered}),
    ))
}

/// An access rule for a new credential: the one named by id (it must be the user's), else the
/// user's equal rule, else a new one.
fn upsert_rule(
    w: &impl crate::store::Writer,
    user_id: &str,
    rule: &Map<String, Value>,
) -> Result<String> {
    let field = |k: &str| rule.get(k).and_then(Value::as_str).map(str::to_string);
    let id = field("id");
    if let Some(id) = &id {
        if let Some(existing) = store::get_rule(w, id)? {
            if existing.user_id != user_id {
                return Err(Error::not_found("Access Rule", id));
            }
            return Ok(existing.id);
        }
    }
    let (service, path, method) = (field("service"), field("path"), field("method"));
    if let Some(existing) = store::find_rule(
        w,
        user_id,
        service.as_deref(),
        path.as_deref(),
        method.as_deref(),
    )? {
        return Ok(existing.id);
    }
    let new = AccessRule {
        id: id.unwrap_or_else(new_id),
        user_id: user_id.to_string(),
        service,
        path,
        method,
    };
    store::put_rule(w, &new)?;
    Ok(new.id)
}

// --- the `application_credential` auth method and its tokens ---

/// Authenticates an `application_credential` method: its user id and the credential. The
/// request may not choose a scope; the token is scoped to the credential's project. `now`
/// is the request's time.
pub fn authenticate(
    app: &App,
    auth: &Map<String, Value>,
    identity_obj: &Map<String, Value>,
    now: f64,
) -> Result<(String, ApplicationCredential)> {
    let payload = identity_obj
        .get("application_credential")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("application_credential", "identity"))?;
    let cred = app.store.read(|r| lookup(r, payload))?;
    if auth.contains_key("scope") {
        // Upstream: "Application credentials cannot request a scope." (a 401).
        return Err(Error::unauthenticated());
    }
    let secret = payload.get("secret").and_then(Value::as_str).unwrap_or("");
    // Verify outside any transaction: hashing is slow by design.
    let secret_ok = crate::password::verify(secret, &cred.secret_hash);
    let now_us = store::to_micros(now);
    let expired = cred.expires_at.is_some_and(|e| now_us >= e);
    if !secret_ok || expired {
        return Err(Error::unauthenticated());
    }
    let usable = app.store.read(|r| -> Result<_> {
        let Some(user) = identity::get_user(r, &cred.user_id)? else {
            return Ok(false);
        };
        let domain_enabled = resource::get_domain(r, &user.domain_id)?.is_some_and(|d| d.enabled);
        Ok(user.enabled && domain_enabled)
    })?;
    if !usable {
        return Err(Error::unauthenticated());
    }
    Ok((cred.user_id.clone(), cred))
}

/// The credential an auth payload names: by id, or by name and its user.
fn lookup(r: &impl Reader, payload: &Map<String, Value>) -> Result<ApplicationCredential> {
    if let Some(id) = payload.get("id").and_then(Value::as_str) {
        return Ok(store::require(r, id)?);
    }
    let Some(name) = payload.get("name").and_then(Value::as_str) else {
        return Err(Error::expecting("name or ID", "application credential"));
    };
    let user_obj = payload
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::expecting("user", "application credential"))?;
    let user: Option<User> = if let Some(id) = user_obj.get("id").and_then(Value::as_str) {
        identity::get_user(r, id)?
    } else {
        let domain = user_obj
            .get("domain")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::expecting("domain", "user"))?;
        let domain = if let Some(id) = domain.get("id").and_then(Value::as_str) {
            resource::get_domain(r, id)?
        } else if let Some(name) = domain.get("name").and_then(Value::as_str) {
            resource::find_domain_by_name(r, name)?
        } else {
            return Err(Error::expecting("id or name", "domain"));
        };
        let user_name = user_obj.get("name").and_then(Value::as_str).unwrap_or("");
        match domain {
            Some(d) => identity::find_user_by_name(r, &d.id, user_name)?,
            None => None,
        }
    };
    let user = user.ok_or_else(Error::unauthenticated)?;
    store::find_by_name(r, &user.id, name)?.ok_or_else(|| {
        Error::Unauthorized(format!("Could not find application credential: {name}"))
    })
}

/// The token body's `application_credential` section.
pub fn token_section(r: &impl Reader, cred: &ApplicationCredential) -> Result<Value> {
    let mut out = json!({"id": cred.id, "name": cred.name,
                         "restricted": cred.unrestricted != Some(true)});
    if let Some(rules) = rules_of(r, cred)? {
        out["access_rules"] = Value::Array(rules.iter().map(render_rule).collect());
    }
    Ok(out)
}

/// Upstream's validate_token access-rules check: a token whose credential has access rules
/// validates only for a caller announcing `OpenStack-Identity-Access-Rules` >= 1.0.
pub fn check_access_rules_support(context: &AuthContext, header: Option<&str>) -> Result<()> {
    if crate::service::delegation::has_access_rules(context)
        && !header
            .and_then(|h| h.trim().parse::<f64>().ok())
            .is_some_and(|v| v >= 1.0)
    {
        return Err(Error::NotFound("Failed to validate token".to_string()));
    }
    Ok(())
}

/// For the `token` method: a delegated token may not be exchanged for another token.
pub fn check_rescope(parent: &AuthContext) -> Result<()> {
    if parent.trust.is_some() {
        return Err(Error::forbidden_action(
            "Using trust-scoped token to create another token. Create a new trust-scoped \
             token instead",
        ));
    }
    if is_delegated_method(&parent.token.methods) {
        return Err(Error::forbidden_action(
            "Using a delegated token to create another token is not allowed.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn delegated_methods_are_anything_not_primary() {
        assert!(!is_delegated_method(&m(&["password"])));
        assert!(!is_delegated_method(&m(&["password", "token", "totp"])));
        assert!(is_delegated_method(&m(&["application_credential"])));
        assert!(is_delegated_method(&m(&["token", "oauth1"])));
        assert!(is_delegated_method(&m(&[])));
    }

    #[test]
    fn secrets_are_86_urlsafe_chars_and_fresh() {
        let a = generate_secret().unwrap();
        assert_eq!(a.len(), 86);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, generate_secret().unwrap());
    }

    #[test]
    fn create_schema_matches_upstream_messages() {
        let ok = json!({"name": "x", "roles": [{"name": "member"}], "unrestricted": null});
        assert!(validate_create(ok.as_object().unwrap()).is_ok());
        let bogus = json!({"name": "ac3", "bogus": 1});
        let err = validate_create(bogus.as_object().unwrap()).unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid input for field/attribute application_credential. Value: {'name': 'ac3', \
             'bogus': 1}. Additional properties are not allowed ('bogus' was unexpected)"
        );
        let no_name = json!({"description": "d"});
        assert!(validate_create(no_name.as_object().unwrap()).is_err());
        let two_keys = json!({"name": "x", "roles": [{"id": "a", "name": "b"}]});
        assert!(validate_create(two_keys.as_object().unwrap()).is_err());
        let bad_method = json!({"name": "x", "access_rules": [{"method": "GETS"}]});
        assert!(validate_create(bad_method.as_object().unwrap()).is_err());
    }

    #[test]
    fn expiration_must_parse_and_not_be_past() {
        // A fixed `now`: 2026-11-23T21:00:41Z.
        let now = 1_795_467_641.0;
        assert!(parse_expiration("bad.123Z", now).is_err());
        assert!(parse_expiration("2000-01-01T00:00:00", now).is_err());
        assert!(parse_expiration("2099-01-01T00:00:00.5", now).is_ok());
        assert!(parse_expiration("2026-11-23T21:00:41", now).is_ok());
        assert!(parse_expiration("2026-11-23T21:00:40.999999", now).is_err());
    }
}
