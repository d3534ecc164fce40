//! Huawei's IAM users (OS-USER, huawei-iam-api.md §1.5): the user is the Keystone user,
//! created and updated through the identity service (its rules, lockout and revocation
//! included) with its Huawei fields in a profile record written in the same transaction.
//! Passwords meet the account's password policy (the stored one, else the defaults).

use serde_json::{json, Map, Value};

use crate::config::SecurityComplianceConfig;
use crate::error::{Error, Result};
use crate::model::User;
use crate::service::users::{self as identity_users, NewUser, UserPatch};
use crate::store::iam::user_profiles::{self, UserProfile};
use crate::store::{identity, resource, Reader, Store};

use super::password_rules::{self, weak, PasswordPolicy};
use super::security_policy::{self, invalid, PASSWORD};

pub const CREATE_FIELDS: &[&str] = &[
    "name",
    "domain_id",
    "password",
    "email",
    "areacode",
    "phone",
    "enabled",
    "pwd_status",
    "access_mode",
    "description",
    "xuser_type",
    "xuser_id",
];
pub const UPDATE_FIELDS: &[&str] = &[
    "name",
    "password",
    "email",
    "areacode",
    "phone",
    "enabled",
    "pwd_status",
    "access_mode",
    "description",
    "xuser_type",
    "xuser_id",
];

/// The body's `user` member with only `allowed` fields (IAM.0072 / IAM.0073 otherwise).
pub fn user_member(body: &Value, allowed: &[&str]) -> Result<Map<String, Value>> {
    let input = body
        .get("user")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| Error::Iam {
            status: 400,
            code: "IAM.0072",
            message: "'user' is a required property".into(),
        })?;
    if let Some(k) = input.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::Iam {
            status: 400,
            code: "IAM.0073",
            message: format!("Invalid field: '{k}' is not allowed."),
        });
    }
    Ok(input)
}

fn text<'a>(input: &'a Map<String, Value>, field: &str, max: usize) -> Result<Option<&'a str>> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s)),
        Some(_) => Err(invalid(
            field,
            &format!("must be a string of at most {max} characters"),
        )),
    }
}

fn flag(input: &Map<String, Value>, field: &str) -> Result<Option<bool>> {
    match input.get(field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(field, "must be a boolean")),
    }
}

/// Huawei's user name: 1-64 characters, not starting with a digit.
fn checked_name(input: &Map<String, Value>) -> Result<Option<String>> {
    let Some(name) = text(input, "name", 64)? else {
        return Ok(None);
    };
    let name = name.trim();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid(
            "name",
            "1 to 64 characters, not starting with a digit",
        ));
    }
    Ok(Some(name.to_string()))
}

/// The profile fields a create or update body sets, checked, merged into `profile`.
fn apply_profile(input: &Map<String, Value>, profile: &mut UserProfile) -> Result<()> {
    if let Some(email) = text(input, "email", 255)? {
        if !email.is_empty() && !email.contains('@') {
            return Err(invalid("email", "not an email address"));
        }
        profile.email = Some(email.to_string()).filter(|e| !e.is_empty());
    }
    let areacode = text(input, "areacode", 8)?;
    let phone = text(input, "phone", 32)?;
    match (areacode, phone) {
        (None, None) => {}
        (Some(a), Some(p)) => set_mobile(profile, a, p)?,
        _ => return Err(invalid("areacode", "areacode and phone go together")),
    }
    if let Some(mode) = text(input, "access_mode", 16)? {
        if !matches!(mode, "default" | "programmatic" | "console") {
            return Err(invalid(
                "access_mode",
                "one of default, programmatic, console",
            ));
        }
        profile.access_mode = Some(mode.to_string());
    }
    if let Some(b) = flag(input, "pwd_status")? {
        profile.pwd_status = Some(b);
    }
    match (
        text(input, "xuser_type", 64)?,
        text(input, "xuser_id", 128)?,
    ) {
        (None, None) => {}
        (Some(t), Some(i)) => {
            profile.xuser_type = Some(t.to_string());
            profile.xuser_id = Some(i.to_string());
        }
        _ => return Err(invalid("xuser_type", "xuser_type and xuser_id go together")),
    }
    Ok(())
}

fn set_mobile(profile: &mut UserProfile, areacode: &str, phone: &str) -> Result<()> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(areacode) || !digits(phone) {
        return Err(invalid("phone", "areacode and phone are digits"));
    }
    profile.areacode = Some(areacode.to_string());
    profile.phone = Some(phone.to_string());
    Ok(())
}

/// "Low" / "Medium" / "High" by character kinds and length (shown as pwd_strength).
fn strength(password: &str) -> &'static str {
    let kinds = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    match (kinds, password.chars().count()) {
        (4, n) if n >= 10 => "High",
        (k, _) if k >= 3 => "Medium",
        _ => "Low",
    }
}

/// The account's password policy (stored or default) and `[security_compliance]` with its
/// stored policies applied.
pub fn account_rules(
    store: &Store,
    base: &SecurityComplianceConfig,
    domain_id: &str,
) -> Result<(PasswordPolicy, SecurityComplianceConfig)> {
    let (doc, stored) = store.read(|r| -> Result<_> {
        Ok((
            security_policy::document_in(r, domain_id, PASSWORD)?,
            password_rules::policies_in(r, domain_id)?,
        ))
    })?;
    let policy: PasswordPolicy = serde_json::from_value(doc).map_err(Error::internal)?;
    Ok((policy, stored.config(base)))
}

/// A Huawei route's check of a new password (1118 when weak).
pub fn check_password(
    policy: &PasswordPolicy,
    cfg: &SecurityComplianceConfig,
    user_name: &str,
    password: &str,
) -> Result<()> {
    if let Some(problem) = password_rules::password_problem(policy, user_name, password) {
        return Err(weak(problem));
    }
    crate::compliance::validate_password(cfg, password).map_err(|e| weak(e.message()))
}

/// 1109 for a name clash.
fn name_clash(err: Error) -> Error {
    // The store's clash arrives as Keystone's Conflict, whatever variant carries it.
    if err.code() == 409 {
        return Error::Iam {
            status: 409,
            code: "1109",
            message: "The user name already exists.".into(),
        };
    }
    err
}

/// What create and update need besides the body: the hash of its password, made by the
/// caller outside any transaction.
pub struct Hashed {
    pub hash: Option<String>,
    pub strength: Option<&'static str>,
}

impl Hashed {
    pub fn of(password: Option<&str>, hash: impl Fn(&str) -> Result<String>) -> Result<Hashed> {
        Ok(Hashed {
            hash: password.map(&hash).transpose()?,
            strength: password.map(strength),
        })
    }
}

/// POST /v3.0/OS-USER/users: the body checked, the password checked by the caller
/// (`check_password`) and hashed; the user and its profile in one transaction.
pub fn create(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    input: &Map<String, Value>,
    hashed: Hashed,
    now: f64,
) -> Result<Value> {
    let name = checked_name(input)?.ok_or_else(|| invalid("name", "required"))?;
    let domain_id =
        text(input, "domain_id", 64)?.ok_or_else(|| invalid("domain_id", "required"))?;
    let mut profile = UserProfile {
        create_time: Some(now),
        update_time: Some(now),
        pwd_status: Some(true),
        access_mode: Some("default".into()),
        pwd_strength: hashed.strength.map(str::to_string),
        modify_pwd_time: hashed.hash.as_ref().map(|_| now),
        ..Default::default()
    };
    apply_profile(input, &mut profile)?;
    let mut extra = Map::new();
    if let Some(d) = text(input, "description", 255)? {
        extra.insert("description".into(), json!(d));
    }
    let new = NewUser {
        name,
        domain_id: domain_id.to_string(),
        enabled: flag(input, "enabled")?.unwrap_or(true),
        default_project_id: None,
        options: Map::new(),
        password_hash: hashed.hash,
        extra,
        join_project: false,
        federated: Vec::new(),
    };
    let user = identity_users::create_user_with(store, cfg, new, now, |w, user| {
        Ok(user_profiles::put(w, &user.id, &profile)?)
    })
    .map_err(name_clash)?;
    let owner = store.read(|r| is_domain_owner(r, &user))?;
    Ok(render(&user, &profile, owner))
}

fn is_domain_owner(r: &impl Reader, user: &User) -> Result<bool> {
    Ok(resource::get_domain(r, &user.domain_id)?.is_some_and(|d| d.name == user.name))
}

fn time(t: Option<f64>) -> Value {
    t.map_or(Value::Null, |t| {
        json!(crate::clock::format_utc_micros(t, "T", "Z"))
    })
}

/// The full OS-USER shape (GET, and the create/update answers).
pub fn render(user: &User, profile: &UserProfile, is_domain_owner: bool) -> Value {
    json!({
        "id": user.id,
        "name": user.name,
        "domain_id": user.domain_id,
        "enabled": user.enabled,
        "description": user.extra.get("description").cloned().unwrap_or(json!("")),
        "email": profile.email,
        "areacode": profile.areacode,
        "phone": profile.phone,
        "access_mode": profile.access_mode.clone().unwrap_or_else(|| "default".into()),
        "pwd_status": profile.pwd_status.unwrap_or(false),
        "pwd_strength": profile.pwd_strength,
        "is_domain_owner": is_domain_owner,
        "xuser_id": profile.xuser_id,
        "xuser_type": profile.xuser_type,
        "create_time": time(profile.create_time.or(user.created_at.map(|c| c as f64))),
        "update_time": time(profile.update_time),
        "last_login_time": time(profile.last_login_time),
        "last_pwd_auth_time": Value::Null,
        "pwd_create_time": time(profile.modify_pwd_time),
        "modify_pwd_time": time(profile.modify_pwd_time),
        "password_expires_at": user.password_expires_at,
        "default_project_id": user.default_project_id,
        "links": {"self": format!("/v3.0/OS-USER/users/{}", user.id)},
    })
}

/// GET /v3.0/OS-USER/users/{user_id}
pub fn show(store: &Store, user_id: &str) -> Result<Value> {
    store.read(|r| {
        let user = identity::require_user(r, user_id)?;
        let profile = user_profiles::get(r, user_id)?.unwrap_or_default();
        Ok(render(&user, &profile, is_domain_owner(r, &user)?))
    })
}

/// PUT /v3.0/OS-USER/users/{user_id} (administrator): the Keystone update (its revocation
/// on disable included) and the profile in one transaction.
/// `checked` is the user the caller checked a new password against (history, rules): if its
/// password changed meanwhile, the update is refused (409) rather than let a password pass
/// a check made on a stale history.
pub fn update(
    store: &Store,
    cfg: &SecurityComplianceConfig,
    checked: &User,
    input: &Map<String, Value>,
    hashed: Hashed,
    now: f64,
) -> Result<Value> {
    let user_id = checked.id.as_str();
    let mut extra = Map::new();
    if let Some(d) = text(input, "description", 255)? {
        extra.insert("description".into(), json!(d));
    }
    let patch = UserPatch {
        name: checked_name(input)?,
        enabled: flag(input, "enabled")?,
        password_hash: hashed.hash.map(Some),
        extra,
        ..Default::default()
    };
    let changed_password = patch.password_hash.is_some();
    // Validate the profile fields before the transaction (same checks run inside).
    apply_profile(input, &mut UserProfile::default())?;
    let updated = identity_users::update_user_with(
        store,
        cfg,
        &patch,
        now,
        |w| {
            let user = identity::require_user(w, user_id)?;
            let stale = (&user.password_hash, user.password_created_at)
                != (&checked.password_hash, checked.password_created_at);
            if changed_password && stale {
                return Err(Error::Conflict(
                    "Conflict occurred attempting to store user - its password changed while \
                     the new one was being checked."
                        .to_string(),
                ));
            }
            Ok(user)
        },
        |w, updated| {
            let mut profile = user_profiles::get(w, user_id)?.unwrap_or_default();
            apply_profile(input, &mut profile)?;
            profile.update_time = Some(now);
            if changed_password {
                profile.modify_pwd_time = Some(now);
                profile.pwd_strength = hashed.strength.map(str::to_string);
            }
            user_profiles::put(w, &updated.new.id, &profile)?;
            Ok(())
        },
    )
    .map_err(name_clash)?;
    show(store, &updated.new.id)
}

/// PUT /v3.0/OS-USER/users/{user_id}/info (the user): email and mobile ("0086-123456789").
pub fn update_info(store: &Store, user_id: &str, body: &Value, now: f64) -> Result<()> {
    let input = user_member(body, &["email", "mobile"])?;
    let mut changes = Map::new();
    if let Some(email) = text(&input, "email", 255)? {
        changes.insert("email".into(), json!(email));
    }
    if let Some(mobile) = text(&input, "mobile", 40)? {
        let (a, p) = mobile
            .split_once('-')
            .ok_or_else(|| invalid("mobile", "the form is \"0086-123456789\""))?;
        changes.insert("areacode".into(), json!(a));
        changes.insert("phone".into(), json!(p));
    }
    apply_profile(&changes, &mut UserProfile::default())?;
    store.write(|w| {
        identity::require_user(w, user_id)?;
        let mut profile = user_profiles::get(w, user_id)?.unwrap_or_default();
        apply_profile(&changes, &mut profile)?;
        profile.update_time = Some(now);
        Ok(user_profiles::put(w, user_id, &profile)?)
    })
}
