//! POST /v3/OS-TRUST/trusts: the create body's schema, the trust built from it, the trustor's
//! roles, and the redelegation rules of a trust made from a trust-scoped token.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Target, Trust};
use crate::pyrepr::py_repr;
use crate::store::application_credentials::to_micros;
use crate::store::{assignment, identity, resource, trusts as store, Reader};
use crate::validate::fields::{invalid, member};

use super::super::application_credentials::parse_expiration;
use super::{check_delegated, forbidden, render, MAX_REDELEGATION_COUNT};

/// Upstream's trust_create_request_body (properties it types; other fields are kept).
pub(super) fn validate_create(input: &Map<String, Value>) -> Result<()> {
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
    if context.user.id != trustor_user_id {
        return Err(Error::forbidden_action(
            "The authenticated user should match the trustor",
        ));
    }
    let mut trust = app
        .store
        .read(|r| new_trust(r, &input, project_id, &requested_roles))?;
    // Redelegation: a trust-scoped caller redelegates its own trust.
    let parent = context.trust.clone();
    app.store.read(|r| {
        let at = app.config.federation.as_of(req.now);
        require_trustor_roles(r, &trust, parent.as_ref(), at)
    })?;
    trust.expires_at = match input.get("expires_at").and_then(Value::as_str) {
        Some(s) => Some(parse_expiration(s, req.now)?),
        None => None,
    };
    let redelegation = Redelegation::requested(&input, &trust)?;
    let now = to_micros(req.now);
    let rendered = app.store.write(|w| {
        let parent_remaining = match &parent {
            Some(parent) => Some(redelegation.inherit(w, parent, &mut trust, now)?),
            None => None,
        };
        trust.redelegation_count = redelegation.count(parent_remaining);
        store::put(w, &trust)?;
        render(app, w, &trust, true)
    })?;
    Ok(Response::created(&json!({"trust": rendered})))
}

/// The trust a create body asks for (the trustee must exist; roles by id or by name, each
/// once); expiry and redelegation are set after.
fn new_trust(
    r: &impl Reader,
    input: &Map<String, Value>,
    project_id: Option<String>,
    requested_roles: &[Value],
) -> Result<Trust> {
    let str_field = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let trustee_user_id = str_field("trustee_user_id").unwrap_or_default();
    identity::get_user(r, &trustee_user_id)?
        .ok_or_else(|| Error::not_found("user", &trustee_user_id))?;
    let role_ids = crate::api::v3::roles::role_ids_by_ref(r, requested_roles)?;
    Ok(Trust {
        id: str_field("id").unwrap_or_else(new_id),
        trustor_user_id: str_field("trustor_user_id").unwrap_or_default(),
        trustee_user_id,
        project_id,
        impersonation: input
            .get("impersonation")
            .and_then(Value::as_bool)
            .unwrap_or(false),
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
}

/// What a create body asks of redelegation, and the count the new trust will carry.
struct Redelegation {
    /// `allow_redelegation` true and `redelegation_count` not 0.
    allowed: bool,
    /// The body's `redelegation_count`.
    requested_count: Option<i64>,
    /// Some(0) when not redelegatable.
    count: Option<i64>,
}

impl Redelegation {
    /// The body's redelegation fields, checked against the maximum and `remaining_uses`.
    fn requested(input: &Map<String, Value>, trust: &Trust) -> Result<Self> {
        let requested_count = input.get("redelegation_count").and_then(Value::as_i64);
        let allowed = input
            .get("allow_redelegation")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            && requested_count != Some(0);
        let mut count: Option<i64> = None;
        if !allowed {
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
        Ok(Self {
            allowed,
            requested_count,
            count,
        })
    }

    /// A trust made from a trust-scoped token: the parent (still live at `now`) becomes its
    /// `redelegated_trust_id`, and every trust of the chain must allow it. Returns the
    /// parent's remaining depth (its count less one).
    fn inherit(&self, w: &impl Reader, parent: &Trust, trust: &mut Trust, now: i64) -> Result<i64> {
        let parent = store::require_live(w, &parent.id, now)?;
        trust.redelegated_trust_id = Some(parent.id.clone());
        let remaining = parent.redelegation_count - 1;
        if self.allowed
            && self
                .requested_count
                .is_some_and(|c| c != 0 && c != remaining)
        {
            return Err(forbidden());
        }
        for ancestor in store::pedigree(w, &parent)? {
            validate_redelegation(&ancestor, trust)?;
        }
        Ok(remaining)
    }

    /// The new trust's `redelegation_count`: 0 when not redelegatable, else the parent's
    /// remaining depth, else the requested count, else the maximum.
    fn count(&self, parent_remaining: Option<i64>) -> i64 {
        self.count
            .or(parent_remaining)
            .or(self.requested_count)
            .unwrap_or(MAX_REDELEGATION_COUNT)
    }
}

/// Upstream's _require_trustor_has_role_in_project: the original trustor must hold every
/// delegated role on the project (404 naming the first that is missing).
fn require_trustor_roles(
    r: &impl Reader,
    trust: &Trust,
    parent: Option<&Trust>,
    at: crate::store::shadow::AsOf,
) -> Result<()> {
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
            at,
        )?,
        None => Vec::new(),
    };
    if let Some(missing) = trust.role_ids.iter().find(|id| !held.contains(id)) {
        return Err(Error::not_found("role", missing));
    }
    Ok(())
}

/// Upstream's _validate_redelegation of `trust` against one trust of its chain.
pub(super) fn validate_redelegation(parent: &Trust, trust: &mut Trust) -> Result<()> {
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
