//! OS-TRUST (/v3/OS-TRUST/trusts): create, list (trustor/trustee filters), get, delete, the
//! trust's roles; trust-scoped tokens (`{"scope": {"OS-TRUST:trust": {"id": ...}}}`),
//! impersonation, `remaining_uses`, `expires_at` and redelegation. Upstream:
//! keystone/api/trusts.py, keystone/trust/core.py, keystone/models/token_model.py.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Domain, RevokeEvent, Role, Target, Trust};
use crate::policy::Action;
use crate::store::{
    assignment, identity, resource, revocation, trusts as store, Reader, StoreError,
};
use crate::token::Scope;

use super::application_credentials::{is_delegated_method, parse_expiration};
use super::{list_response, render_role, self_link};
use crate::pyrepr::py_repr;
use crate::store::application_credentials::to_micros;
use crate::validate::fields::{invalid, member};

/// Upstream's `[trust] max_redelegation_count` default.
const MAX_REDELEGATION_COUNT: i64 = 3;

/// Upstream hides the detail of a plain Forbidden.
fn forbidden() -> Error {
    Error::Forbidden("You are not authorized to perform the requested action.".to_string())
}

/// Upstream's _check_delegated_token: application credential (and other delegated) tokens
/// may not touch trusts; trust-scoped tokens may (that is redelegation).
fn check_delegated(context: &AuthContext) -> Result<()> {
    if is_delegated_method(&context.token.methods) {
        return Err(Error::forbidden_action(
            "Delegated tokens cannot manage trusts.",
        ));
    }
    Ok(())
}

fn expires_str(t: &Trust) -> Value {
    json!(t
        .expires_at
        .map(|us| crate::token::format_time(us as f64 / 1e6)))
}

/// The trust's roles as full role references (links included).
fn full_roles(app: &App, r: &impl Reader, t: &Trust) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for id in &t.role_ids {
        if let Some(role) = assignment::get_role(r, id)? {
            out.push(render_role(app, &role));
        }
    }
    Ok(out)
}

fn roles_links(app: &App, t: &Trust) -> Value {
    // Upstream builds this link without the OS-TRUST/trusts part; so do we.
    json!({"self": format!("{}/v3/{}/roles", app.public_url, t.id), "next": null,
           "previous": null})
}

/// A trust as upstream renders it: with its roles for create and get, without for lists.
fn render(app: &App, r: &impl Reader, t: &Trust, with_roles: bool) -> Result<Value> {
    let mut out = Map::new();
    if with_roles {
        out.insert("roles".into(), Value::Array(full_roles(app, r, t)?));
    }
    for (k, v) in &t.extra {
        out.insert(k.clone(), v.clone());
    }
    out.insert("id".into(), json!(t.id));
    out.insert("trustor_user_id".into(), json!(t.trustor_user_id));
    out.insert("trustee_user_id".into(), json!(t.trustee_user_id));
    out.insert("project_id".into(), json!(t.project_id));
    out.insert("impersonation".into(), json!(t.impersonation));
    out.insert("expires_at".into(), expires_str(t));
    out.insert("remaining_uses".into(), json!(t.remaining_uses));
    out.insert("deleted_at".into(), Value::Null);
    out.insert("redelegated_trust_id".into(), json!(t.redelegated_trust_id));
    out.insert("redelegation_count".into(), json!(t.redelegation_count));
    if with_roles {
        out.insert("roles_links".into(), roles_links(app, t));
    }
    out.insert(
        "links".into(),
        self_link(app, &format!("OS-TRUST/trusts/{}", t.id)),
    );
    Ok(Value::Object(out))
}

/// Target of the member calls: the trust, or 404 before any policy check (upstream's
/// build_target).
pub fn member_target(app: &App, req: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(trust_target(app, p.get("trust_id"), req.now)?.1)
}

/// The trust `id`, live at `now`, and its policy target.
fn trust_target(app: &App, id: &str, now: f64) -> Result<(Trust, Value)> {
    let trust = app
        .store
        .read(|r| store::require_live(r, id, to_micros(now)))?;
    let target = json!({"target": {"trust": {
        "id": trust.id, "trustor_user_id": trust.trustor_user_id,
        "trustee_user_id": trust.trustee_user_id, "project_id": trust.project_id,
        "impersonation": trust.impersonation}}});
    Ok((trust, target))
}

/// The query filter of GET /v3/OS-TRUST/trusts: trustor, else trustee (empty means absent).
fn list_filter(req: &Request) -> (Option<&str>, Option<&str>) {
    let trustor = req.query("trustor_user_id").filter(|s| !s.is_empty());
    let trustee = req.query("trustee_user_id").filter(|s| !s.is_empty());
    (trustor, trustee)
}

/// The action of GET /v3/OS-TRUST/trusts: upstream picks it by the filter given.
pub fn list_action(req: &Request) -> Action {
    match list_filter(req) {
        (Some(_), _) => Action::ListTrustsForTrustor,
        (None, Some(_)) => Action::ListTrustsForTrustee,
        (None, None) => Action::ListTrusts,
    }
}

/// Target of the list: the filtered-on user, as the trust attribute the rule reads.
pub fn list_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    Ok(match list_filter(req) {
        (Some(u), _) => json!({"target": {"trust": {"trustor_user_id": u}}}),
        (None, Some(u)) => json!({"target": {"trust": {"trustee_user_id": u}}}),
        (None, None) => json!({}),
    })
}

/// GET /v3/OS-TRUST/trusts[?trustor_user_id=|?trustee_user_id=]
pub fn list(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let (trustor, trustee) = list_filter(req);
    let context = granted.context();
    check_delegated(context)?;
    let items = app.store.read(|r| {
        let all = store::list(r)?;
        let selected: Vec<&Trust> = if req.query.is_empty() {
            all.iter().collect()
        } else if let Some(u) = trustor {
            all.iter().filter(|t| t.trustor_user_id == u).collect()
        } else if let Some(u) = trustee {
            all.iter().filter(|t| t.trustee_user_id == u).collect()
        } else {
            Vec::new()
        };
        selected
            .into_iter()
            .map(|t| render(app, r, t, false))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(Response::ok(&list_response(app, req, "trusts", items)))
}

/// GET /v3/OS-TRUST/trusts/{id}
pub fn get(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    let body = app.store.read(|r| render(app, r, &trust, true))?;
    Ok(Response::ok(&json!({"trust": body})))
}

/// GET /v3/OS-TRUST/trusts/{id}/roles
pub fn list_roles(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    let roles = app.store.read(|r| full_roles(app, r, &trust))?;
    Ok(Response::ok(
        &json!({"roles": roles, "links": roles_links(app, &trust)}),
    ))
}

/// GET/HEAD /v3/OS-TRUST/trusts/{id}/roles/{role_id}
pub fn get_role(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    let role_id = p.get("role_id");
    // The target builder found it live; read again for the handler.
    let (trust, _) = trust_target(app, id, req.now)?;
    let context = granted.context();
    check_delegated(context)?;
    if !trust.role_ids.iter().any(|r| r == role_id) {
        return Err(Error::not_found("role", role_id));
    }
    let role = app
        .store
        .read(|r| assignment::get_role(r, role_id))?
        .ok_or_else(|| Error::not_found("role", role_id))?;
    Ok(Response::ok(&json!({"role": render_role(app, &role)})))
}

/// DELETE /v3/OS-TRUST/trusts/{id}: the trust and those redelegated from it; their tokens
/// are revoked.
pub fn delete(app: &App, req: &Request, p: &Params, granted: Granted) -> Result<Response> {
    let id = p.get("trust_id");
    let context = granted.context();
    check_delegated(context)?;
    let now = req.now as i64;
    app.store.write(|w| {
        let deleted = store::delete(w, id)?;
        let events: Vec<RevokeEvent> = deleted
            .into_iter()
            .rev()
            .map(|t| RevokeEvent {
                trust_id: Some(t),
                issued_before: now,
                revoked_at: now,
                ..Default::default()
            })
            .collect();
        revocation::append(w, &events)
    })?;
    app.store.reload_revocations()?;
    Ok(Response::no_content())
}

/// Upstream's trust_create_request_body (properties it types; other fields are kept).
fn validate_create(input: &Map<String, Value>) -> Result<()> {
    let whole = Value::Object(input.clone());
    let typed = |field: &str, ok: fn(&Value) -> bool, kind: &str| -> Result<()> {
        match input.get(field) {
            Some(v) if !ok(v) => Err(invalid(
                field,
                v,
                &format!("{} is not of type {kind}", py_repr(v)),
            )),
            _ => Ok(()),
        }
    };
    typed("trustor_user_id", Value::is_string, "'string'")?;
    typed("trustee_user_id", Value::is_string, "'string'")?;
    typed("impersonation", Value::is_boolean, "'boolean'")?;
    typed(
        "project_id",
        |v| v.is_string() || v.is_null(),
        "'string', 'null'",
    )?;
    typed(
        "remaining_uses",
        |v| v.is_i64() || v.is_null(),
        "'integer', 'null'",
    )?;
    typed(
        "expires_at",
        |v| v.is_null() || v.is_string(),
        "'null', 'string'",
    )?;
    typed(
        "allow_redelegation",
        |v| v.is_boolean() || v.is_null(),
        "'boolean', 'null'",
    )?;
    typed(
        "redelegation_count",
        |v| v.is_i64() || v.is_null(),
        "'integer', 'null'",
    )?;
    typed(
        "redelegated_trust_id",
        |v| v.is_string() || v.is_null(),
        "'string', 'null'",
    )?;
    if let Some(v) = input.get("remaining_uses").and_then(Value::as_i64) {
        if v < 1 {
            return Err(invalid(
                "remaining_uses",
                &json!(v),
                &format!("{v} is less than the minimum of 1"),
            ));
        }
    }
    if let Some(v) = input.get("redelegation_count").and_then(Value::as_i64) {
        if v < 0 {
            return Err(invalid(
                "redelegation_count",
                &json!(v),
                &format!("{v} is less than the minimum of 0"),
            ));
        }
    }
    crate::validate::fields::check_role_refs(input)?;
    for field in ["trustor_user_id", "trustee_user_id", "impersonation"] {
        if !input.contains_key(field) {
            return Err(invalid(
                "trust",
                &whole,
                &format!("'{field}' is a required property"),
            ));
        }
    }
    Ok(())
}

/// Fields of a trust body that are not kept as extra attributes.
const KNOWN: &[&str] = &[
    "id",
    "trustor_user_id",
    "trustee_user_id",
    "project_id",
    "impersonation",
    "expires_at",
    "remaining_uses",
    "allow_redelegation",
    "redelegation_count",
    "redelegated_trust_id",
    "roles",
    "roles_links",
    "links",
    "deleted_at",
];

/// The body of POST /v3/OS-TRUST/trusts, schema-checked.
fn create_input(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    let input = member(&body, "trust")?;
    validate_create(&input)?;
    Ok(input)
}

/// Target of create_trust: the requested trust (its trustor is checked against the caller).
pub fn create_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"trust": Value::Object(create_input(req)?)}}))
}

/// POST /v3/OS-TRUST/trusts
pub fn create(app: &App, req: &Request, _: &Params, granted: Granted) -> Result<Response> {
    let input = create_input(req)?;
    let context = granted.context();
    check_delegated(context)?;
    let str_field = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let project_id = str_field("project_id").filter(|p| !p.is_empty());
    let requested_roles: Vec<Value> = input
        .get("roles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if project_id.is_some() && requested_roles.is_empty() {
        return Err(Error::forbidden_action(
            "At least one role should be specified",
        ));
    }
    let trustor_user_id = str_field("trustor_user_id").unwrap_or_default();
    let trustee_user_id = str_field("trustee_user_id").unwrap_or_default();
    if context.user.id != trustor_user_id {
        return Err(Error::forbidden_action(
            "The authenticated user should match the trustor",
        ));
    }
    let impersonation = input
        .get("impersonation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = to_micros(req.now);
    let mut trust = app.store.read(|r| -> Result<_> {
        identity::get_user(r, &trustee_user_id)?
            .ok_or_else(|| Error::not_found("user", &trustee_user_id))?;
        let mut role_ids: Vec<String> = Vec::new();
        for item in &requested_roles {
            let id = if let Some(id) = item.get("id").and_then(Value::as_str) {
                id.to_string()
            } else {
                let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                assignment::find_role_by_name(r, None, name)?
                    .ok_or_else(|| Error::NotFound(format!("Role {name} is not defined")))?
                    .id
            };
            if !role_ids.contains(&id) {
                role_ids.push(id);
            }
        }
        Ok(Trust {
            id: str_field("id").unwrap_or_else(new_id),
            trustor_user_id: trustor_user_id.clone(),
            trustee_user_id: trustee_user_id.clone(),
            project_id: project_id.clone(),
            impersonation,
            expires_at: None,
            remaining_uses: input.get("remaining_uses").and_then(Value::as_i64),
            redelegated_trust_id: None,
            redelegation_count: 0,
            role_ids,
            extra: input
                .iter()
                .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    })?;
    // Redelegation: a trust-scoped caller redelegates its own trust.
    let parent = context.trust.clone();
    app.store
        .read(|r| require_trustor_roles(r, &trust, parent.as_ref()))?;
    trust.expires_at = match input.get("expires_at").and_then(Value::as_str) {
        Some(s) => Some(parse_expiration(s, req.now)?),
        None => None,
    };
    let requested_count = input.get("redelegation_count").and_then(Value::as_i64);
    let redelegatable = input
        .get("allow_redelegation")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && requested_count != Some(0);
    let mut count: Option<i64> = None;
    if !redelegatable {
        count = Some(0);
    } else {
        if requested_count.is_some_and(|c| c > MAX_REDELEGATION_COUNT) {
            return Err(forbidden());
        }
        if trust.remaining_uses.is_some() {
            return Err(Error::Validation(
                "remaining_uses must not be set if redelegation is allowed".to_string(),
            ));
        }
    }
    let rendered = app.store.write(|w| {
        if let Some(parent) = &parent {
            let parent = store::require_live(w, &parent.id, now)?;
            trust.redelegated_trust_id = Some(parent.id.clone());
            let remaining = parent.redelegation_count - 1;
            if redelegatable && requested_count.is_some_and(|c| c != 0 && c != remaining) {
                return Err(forbidden());
            }
            count.get_or_insert(remaining);
            for ancestor in store::pedigree(w, &parent)? {
                validate_redelegation(&ancestor, &mut trust)?;
            }
        }
        trust.redelegation_count = count.or(requested_count).unwrap_or(MAX_REDELEGATION_COUNT);
        store::put(w, &trust)?;
        render(app, w, &trust, true)
    })?;
    Ok(Response::created(&json!({"trust": rendered})))
}

/// Upstream's _require_trustor_has_role_in_project: the original trustor must hold every
/// delegated role on the project (404 naming the first that is missing).
fn require_trustor_roles(r: &impl Reader, trust: &Trust, parent: Option<&Trust>) -> Result<()> {
    let Some(project_id) = &trust.project_id else {
        return Ok(());
    };
    resource::get_project(r, project_id)?.ok_or_else(|| Error::not_found("project", project_id))?;
    let original = match parent {
        Some(p) => store::pedigree(r, p)?.pop().unwrap_or_else(|| p.clone()),
        None => trust.clone(),
    };
    let held = match &original.project_id {
        Some(p) => assignment::effective_role_ids(
            r,
            &original.trustor_user_id,
            &Target::Project(p.clone()),
        )?,
        None => Vec::new(),
    };
    if let Some(missing) = trust.role_ids.iter().find(|id| !held.contains(id)) {
        return Err(Error::not_found("role", missing));
    }
    Ok(())
}

/// Upstream's _validate_redelegation of `trust` against one trust of its chain.
fn validate_redelegation(parent: &Trust, trust: &mut Trust) -> Result<()> {
    if !(0 < parent.redelegation_count && parent.redelegation_count <= MAX_REDELEGATION_COUNT) {
        return Err(forbidden());
    }
    if trust.remaining_uses.is_some() {
        return Err(forbidden());
    }
    match (trust.expires_at, parent.expires_at) {
        (Some(mine), Some(theirs)) if theirs < mine => return Err(forbidden()),
        (None, theirs) => trust.expires_at = theirs,
        _ => {}
    }
    if !trust.role_ids.iter().all(|r| parent.role_ids.contains(r)) {
        return Err(forbidden());
    }
    if !parent.impersonation && trust.impersonation {
        return Err(forbidden());
    }
    Ok(())
}

// --- trust-scoped tokens ---

/// The scope of a token request naming `{"OS-TRUST:trust": {"id": ...}}`, checked as upstream
/// mints it: a live trust, the caller its trustee, the trustor usable and still holding the
/// delegated roles, at `now`.
pub fn token_scope(
    r: &impl Reader,
    trust_obj: &Value,
    user_id: &str,
    now: f64,
) -> Result<(Scope, Trust)> {
    let id = trust_obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::expecting("trust_id", "trust"))?;
    let trust = store::get_live(r, id, to_micros(now))?.ok_or_else(Error::unauthenticated)?;
    let project_id = trust
        .project_id
        .clone()
        .ok_or_else(Error::unauthenticated)?;
    let project = resource::get_project(r, &project_id)?.ok_or_else(Error::unauthenticated)?;
    let domain = resource::get_domain(r, &project.domain_id)?.ok_or_else(Error::unauthenticated)?;
    if !project.enabled || !domain.enabled {
        return Err(Error::unauthenticated());
    }
    if trust.trustee_user_id != user_id {
        return Err(forbidden());
    }
    let trustor = identity::get_user(r, &trust.trustor_user_id)?.ok_or_else(forbidden)?;
    let trustor_domain_enabled =
        resource::get_domain(r, &trustor.domain_id)?.is_some_and(|d| d.enabled);
    if !trustor.enabled || !trustor_domain_enabled {
        return Err(forbidden());
    }
    let roles =
        crate::service::delegation::trust_token_roles(r, &trust).map_err(|_| forbidden())?;
    if roles.is_empty() {
        return Err(forbidden());
    }
    Ok((
        Scope::Trust {
            project_id,
            trust_id: trust.id.clone(),
        },
        trust,
    ))
}

/// Takes one use of the trust a token was just issued from.
pub fn consume_use(app: &App, trust_id: &str, now: f64) -> Result<()> {
    // Validation does not read remaining uses: tokens already issued stay valid.
    app.store
        .write_bookkeeping(|w| store::consume_use(w, trust_id, to_micros(now)))
        .map_err(|e| match e {
            StoreError::NotFound { .. } => Error::unauthenticated(),
            other => other.into(),
        })
}

/// The token body's `OS-TRUST:trust` section.
pub fn token_section(trust: &Trust) -> Value {
    json!({"id": trust.id, "trustor_user": {"id": trust.trustor_user_id},
           "trustee_user": {"id": trust.trustee_user_id}, "impersonation": trust.impersonation})
}

/// A trust token's roles as upstream shows them: full role references without links.
pub fn token_roles_json(roles: &[Role]) -> Value {
    Value::Array(
        roles
            .iter()
            .map(|r| {
                json!({"id": r.id, "name": r.name, "domain_id": r.domain_id,
                       "description": r.description, "options": r.options})
            })
            .collect(),
    )
}

/// A trust token's scope sections, as upstream renders them: `OS-TRUST:trust`, the trust's
/// project, the roles (full references). `user` already is the trustor when impersonating.
pub fn render_token_scope(
    token: &mut Map<String, Value>,
    context: &AuthContext,
    project: &crate::model::Project,
    domain: &Domain,
) {
    if let Some(trust) = &context.trust {
        token.insert("OS-TRUST:trust".into(), token_section(trust));
    }
    token.insert(
        "project".into(),
        json!({"domain": {"id": domain.id, "name": domain.name}, "id": project.id,
               "name": project.name}),
    );
    token.insert("roles".into(), token_roles_json(&context.roles));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(count: i64, expires_at: Option<i64>, roles: &[&str], imp: bool) -> Trust {
        Trust {
            id: "t".into(),
            trustor_user_id: "a".into(),
            trustee_user_id: "b".into(),
            project_id: Some("p".into()),
            impersonation: imp,
            expires_at,
            remaining_uses: None,
            redelegated_trust_id: None,
            redelegation_count: count,
            role_ids: roles.iter().map(|s| s.to_string()).collect(),
            extra: Default::default(),
        }
    }

    #[test]
    fn redelegation_rules_follow_upstream() {
        let parent = trust(3, Some(100), &["r1", "r2"], true);
        // Inherits the parent's expiry when it sets none.
        let mut child = trust(2, None, &["r1"], true);
        assert!(validate_redelegation(&parent, &mut child).is_ok());
        assert_eq!(child.expires_at, Some(100));
        // Outliving the parent, widening roles, gaining impersonation, limited uses: refused.
        assert!(validate_redelegation(&parent, &mut trust(2, Some(101), &["r1"], true)).is_err());
        assert!(validate_redelegation(&parent, &mut trust(2, None, &["r3"], true)).is_err());
        let no_imp = trust(3, None, &["r1"], false);
        assert!(validate_redelegation(&no_imp, &mut trust(2, None, &["r1"], true)).is_err());
        let mut limited = trust(2, None, &["r1"], true);
        limited.remaining_uses = Some(1);
        assert!(validate_redelegation(&parent, &mut limited).is_err());
        // A parent with no redelegation depth left cannot be redelegated.
        let spent = trust(0, None, &["r1"], true);
        assert!(validate_redelegation(&spent, &mut trust(0, None, &["r1"], true)).is_err());
    }

    #[test]
    fn create_schema_matches_upstream_messages() {
        let body = json!({"trustor_user_id": "a", "trustee_user_id": "b", "remaining_uses": 0,
                          "impersonation": false});
        assert_eq!(
            validate_create(body.as_object().unwrap())
                .unwrap_err()
                .message(),
            "Invalid input for field/attribute remaining_uses. Value: 0. 0 is less than the \
             minimum of 1"
        );
        let body = json!({"trustor_user_id": "a", "trustee_user_id": "b"});
        let msg = validate_create(body.as_object().unwrap())
            .unwrap_err()
            .message();
        assert!(
            msg.ends_with("'impersonation' is a required property"),
            "{msg}"
        );
    }
}
