//! Huawei IAM agencies (OS-AGENCY): account A (`domain_id`) lets the users of account B
//! (`trust_domain_id`) act in A with the roles A granted the agency, until it expires.
//!
//! Agency tokens. A user of B presents its own token and asks for `assume_role` on
//! `{agency_name | xrole_name, domain of A}` with a scope of A. The Fernet token carries
//! the real user, the scope and the agency id in keystone-lite's own payload version 100
//! (src/token/payload.rs; upstream stops at 10, so upstream tokens never read as one), as
//! `Scope::Agency { agency_id, scope }` (a scope variant, so `TokenData` keeps its shape).
//! Resolving such a token (`resolve_token`, called first by `auth::resolve`) builds the
//! `AuthContext` as the agency: `user` is a synthetic user (id = agency id, name
//! "<A name>/<agency name>", domain A) that is never stored, so Keystone's user lists and
//! role assignments stay upstream's; `roles` are the agency's grants on the scope (its
//! all-projects grants count on every project of A); `assumed_by` is the real user. So the
//! policy engine sees the agency with its roles, and every check is redone at each
//! validation: an expired or deleted agency, a removed grant, a real user disabled or moved
//! out of B, or a suspended project ends the token at once. Revocation facts keep the real
//! user's id (`TokenData::user_id`), so revoking that user's tokens revokes these too.

use serde_json::{json, Value};

use crate::auth::{AuthContext, AuthError, Memo, ResolvedScope};
use crate::error::{Error, Result};
use crate::model::{Domain, Role, User};
use crate::store::iam::agencies::{self as store, Agency, GrantOn};
use crate::store::shadow::AsOf;
use crate::store::{assignment, identity, resource, Reader, Writer};
use crate::token::{Scope, TokenData};

#[path = "agency_assume.rs"]
mod assume_impl;
pub use assume_impl::{assume, find_assumable, Assumed};

/// The real user behind an agency token.
#[derive(Debug, Clone)]
pub struct AssumedBy {
    pub user: User,
    pub domain: Domain,
}

const DAY: f64 = 86_400.0;
const MAX_NAME: usize = 64;
const MAX_DESCRIPTION: usize = 255;

/// "FOREVER" (never expires), "ONEDAY", or a whole number of days (string or number): the
/// stored form and when it ends.
pub fn parse_duration(v: Option<&Value>, now: f64) -> Result<(String, Option<f64>)> {
    let text = match v {
        None | Some(Value::Null) => return Ok(("FOREVER".to_string(), None)),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(invalid("duration", other)),
    };
    match text.as_str() {
        "FOREVER" => Ok((text, None)),
        "ONEDAY" => Ok((text, Some(now + DAY))),
        days => match days.parse::<u32>() {
            Ok(n) if n > 0 => Ok((text, Some(now + f64::from(n) * DAY))),
            _ => Err(invalid("duration", &Value::String(text.clone()))),
        },
    }
}

fn invalid(field: &str, value: &Value) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0073",
        message: format!("Invalid input for field {field}: {value}."),
    }
}

fn required(field: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0072",
        message: format!("'{field}' is a required property"),
    }
}

fn agency_not_found(id: &str) -> Error {
    Error::not_found("agency", id)
}

fn opt_str<'a>(obj: &'a Value, field: &str) -> Result<Option<&'a str>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(field, other)),
    }
}

fn check_len(field: &str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(invalid(field, &Value::String(s.to_string())));
    }
    Ok(())
}

/// The trusted account an agency body names by id or by name (id first).
fn trust_domain(r: &impl Reader, body: &Value) -> Result<Option<Domain>> {
    if let Some(id) = opt_str(body, "trust_domain_id")? {
        let d = resource::get_domain(r, id)?;
        return d.map(Some).ok_or_else(|| Error::not_found("domain", id));
    }
    if let Some(name) = opt_str(body, "trust_domain_name")? {
        let d = resource::find_domain_by_name(r, name)?;
        return d.map(Some).ok_or_else(|| Error::not_found("domain", name));
    }
    Ok(None)
}

/// POST /v3.0/OS-AGENCY/agencies: the new agency (409 when its account has the name).
pub fn create(w: &impl Writer, body: &Value, now: f64) -> Result<Agency> {
    let name = opt_str(body, "name")?.ok_or_else(|| required("name"))?;
    let domain_id = opt_str(body, "domain_id")?.ok_or_else(|| required("domain_id"))?;
    let description = opt_str(body, "description")?.unwrap_or("");
    if name.is_empty() {
        return Err(invalid("name", &json!(name)));
    }
    check_len("name", name, MAX_NAME)?;
    check_len("description", description, MAX_DESCRIPTION)?;
    let (duration, expire_at) = parse_duration(body.get("duration"), now)?;
    resource::get_domain(w, domain_id)?.ok_or_else(|| Error::not_found("domain", domain_id))?;
    let trusted = trust_domain(w, body)?.ok_or_else(|| required("trust_domain_id"))?;
    let agency = Agency {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_string(),
        domain_id: domain_id.to_string(),
        trust_domain_id: trusted.id,
        description: description.to_string(),
        duration,
        create_time: now,
        expire_at,
    };
    if !store::put(w, &agency)? {
        return Err(Error::Iam {
            status: 409,
            code: "IAM.0005",
            message: format!("Agency name {name} already exists in the account."),
        });
    }
    Ok(agency)
}

/// PUT /v3.0/OS-AGENCY/agencies/{agency_id}: trusted account, description, duration (a new
/// duration counts from now).
pub fn update(w: &impl Writer, id: &str, body: &Value, now: f64) -> Result<Agency> {
    let mut agency = require(w, id)?;
    if let Some(d) = trust_domain(w, body)? {
        agency.trust_domain_id = d.id;
    }
    if let Some(description) = opt_str(body, "description")? {
        check_len("description", description, MAX_DESCRIPTION)?;
        agency.description = description.to_string();
    }
    if body.get("duration").is_some_and(|d| !d.is_null()) {
        (agency.duration, agency.expire_at) = parse_duration(body.get("duration"), now)?;
    }
    store::put(w, &agency)?;
    Ok(agency)
}

pub fn require(r: &impl Reader, id: &str) -> Result<Agency> {
    store::get(r, id)?.ok_or_else(|| agency_not_found(id))
}

/// DELETE: the agency and its grants (404 when there is none).
pub fn delete(w: &impl Writer, id: &str) -> Result<()> {
    if !store::delete(w, id)? {
        return Err(agency_not_found(id));
    }
    Ok(())
}

/// The agencies of account `domain_id`, filtered by trusted account and name, by name.
pub fn list(
    r: &impl Reader,
    domain_id: &str,
    trust: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Agency>> {
    let mut out: Vec<Agency> = store::list(r)?
        .into_iter()
        .filter(|a| a.domain_id == domain_id)
        .filter(|a| trust.is_none_or(|t| a.trust_domain_id == t))
        .filter(|a| name.is_none_or(|n| a.name == n))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// An agency as Huawei renders it; `detail` adds the trusted account's name and the URN.
pub fn render(r: &impl Reader, a: &Agency, detail: bool) -> Result<Value> {
    let time = |t: f64| crate::clock::format_utc_micros(t, "T", "Z");
    let mut v = json!({
        "id": a.id,
        "name": a.name,
        "domain_id": a.domain_id,
        "trust_domain_id": a.trust_domain_id,
        "description": a.description,
        "duration": a.duration,
        "expire_time": a.expire_at.map(time),
        "create_time": time(a.create_time),
    });
    if detail {
        let trusted = resource::get_domain(r, &a.trust_domain_id)?;
        v["trust_domain_name"] = json!(trusted.map(|d| d.name).unwrap_or_default());
        v["agency_urn"] = json!(format!("iam::{}:agency:{}", a.domain_id, a.name));
    }
    Ok(v)
}

/// Checks a grant's parts: the agency, the role, and that the target (domain, or a
/// project) is in the agency's account. The agency.
pub fn check_grant(
    r: &impl Reader,
    agency_id: &str,
    on: GrantOn,
    target: &str,
    role_id: Option<&str>,
) -> Result<Agency> {
    let agency = require(r, agency_id)?;
    let target_domain = match on {
        GrantOn::Project => {
            resource::get_project(r, target)?
                .ok_or_else(|| Error::not_found("project", target))?
                .domain_id
        }
        GrantOn::Domain | GrantOn::AllProjects => {
            resource::get_domain(r, target)?.ok_or_else(|| Error::not_found("domain", target))?;
            target.to_string()
        }
    };
    if target_domain != agency.domain_id {
        return Err(agency_not_found(agency_id));
    }
    if let Some(role_id) = role_id {
        assignment::get_role(r, role_id)?.ok_or_else(|| Error::not_found("role", role_id))?;
    }
    Ok(agency)
}

/// The roles granted to an agency on one target, as records (a deleted role drops out).
pub fn granted(r: &impl Reader, agency_id: &str, on: GrantOn, target: &str) -> Result<Vec<Role>> {
    roles_of(r, store::granted_roles(r, agency_id, on, target)?)
}

fn roles_of(r: &impl Reader, ids: Vec<String>) -> Result<Vec<Role>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(role) = assignment::get_role(r, &id)? {
            out.push(role);
        }
    }
    Ok(out)
}

/// The agency's effective roles on a scope of its account (implied roles included): its
/// domain grants on the domain; its project grants and all-projects grants on a project.
pub fn scope_roles(r: &impl Reader, agency: &Agency, scope: &ResolvedScope) -> Result<Vec<Role>> {
    let ids = match scope {
        ResolvedScope::Domain(d) if d.id == agency.domain_id => {
            store::granted_roles(r, &agency.id, GrantOn::Domain, &d.id)?
        }
        ResolvedScope::Project { project, .. } if project.domain_id == agency.domain_id => {
            let mut ids = store::granted_roles(r, &agency.id, GrantOn::Project, &project.id)?;
            for id in store::granted_roles(r, &agency.id, GrantOn::AllProjects, &project.domain_id)?
            {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        }
        _ => Vec::new(),
    };
    roles_of(r, assignment::expand_implied(r, ids)?)
}

/// The user an agency token stands for: never stored, built from the agency each time.
pub fn agency_user(agency: &Agency, domain: &Domain, real: &User) -> User {
    User {
        id: agency.id.clone(),
        name: format!("{}/{}", domain.name, agency.name),
        domain_id: domain.id.clone(),
        enabled: true,
        // A password change of the real user ends its agency tokens as its own.
        password_created_at: real.password_created_at,
        ..User::default()
    }
}

/// `auth::resolve` for a token of payload version 100: the agency as the user, its grants
/// as the roles, the real user as `assumed_by`; invalid when any of them no longer holds.
pub fn resolve_token(
    r: &impl Reader,
    token: TokenData,
    at: AsOf,
) -> std::result::Result<AuthContext, AuthError> {
    let invalid = AuthError::invalid_token;
    let Scope::Agency { agency_id, scope } = &token.scope else {
        return Err(invalid());
    };
    let agency = store::get(r, agency_id)?.ok_or_else(invalid)?;
    let mut real = identity::get_user(r, &token.user_id)?.ok_or_else(invalid)?;
    let real_domain = resource::get_domain(r, &real.domain_id)?.ok_or_else(invalid)?;
    let domain = resource::get_domain(r, &agency.domain_id)?.ok_or_else(invalid)?;
    let usable = !agency.expired(at.now)
        && real.enabled
        && real_domain.enabled
        && domain.enabled
        && real.domain_id == agency.trust_domain_id;
    if !usable {
        return Err(invalid());
    }
    let scope = match scope.as_ref() {
        Scope::Domain(d) if *d == domain.id => ResolvedScope::Domain(domain.clone()),
        Scope::Project(p) => crate::auth::enabled_project(r, p)?,
        _ => return Err(invalid()),
    };
    let roles = scope_roles(r, &agency, &scope).map_err(AuthError::Failed)?;
    if roles.is_empty() {
        return Err(invalid());
    }
    let user = agency_user(&agency, &domain, &real);
    // Nothing secret of the real user is kept with the validation.
    real.password_hash = None;
    real.password_history = Vec::new();
    Ok(AuthContext {
        token,
        user,
        user_domain: domain,
        scope,
        roles,
        memo: Memo::default(),
        roles_valid_until: None,
        trust: None,
        app_cred: None,
        assumed_by: Some(AssumedBy {
            user: real,
            domain: real_domain,
        }),
    })
}

/// The token body's `assumed_by` (Huawei's agency token), for a context that has one.
pub fn assumed_by_section(context: &AuthContext) -> Option<Value> {
    let a = context.assumed_by.as_ref()?;
    Some(json!({"user": {
        "id": a.user.id,
        "name": a.user.name,
        "domain": {"id": a.domain.id, "name": a.domain.name},
        "password_expires_at": a.user.password_expires_at.clone().unwrap_or_default(),
    }}))
}
