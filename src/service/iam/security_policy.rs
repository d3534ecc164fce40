//! An account's security settings (OS-SECURITYPOLICY, huawei-iam-api.md §1.12): the five
//! documents, their defaults, every range the API documents, and the merge a PUT makes
//! (fields it names replace the stored or default ones; unknown fields are refused). What
//! the password and login policies enforce is in `password_rules`.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::store::iam::security_policy as stored;
use crate::store::{resource, Reader, Store};

/// One kind of document: the path segment, the stored kind and the body's member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub path: &'static str,
    pub stored: &'static str,
    pub member: &'static str,
}

pub const PASSWORD: Kind = Kind {
    path: "password-policy",
    stored: "password",
    member: "password_policy",
};
pub const LOGIN: Kind = Kind {
    path: "login-policy",
    stored: "login",
    member: "login_policy",
};
pub const PROTECT: Kind = Kind {
    path: "protect-policy",
    stored: "protect",
    member: "protect_policy",
};
pub const CONSOLE_ACL: Kind = Kind {
    path: "console-acl-policy",
    stored: "console_acl",
    member: "console_acl_policy",
};
pub const API_ACL: Kind = Kind {
    path: "api-acl-policy",
    stored: "api_acl",
    member: "api_acl_policy",
};

/// Huawei's own maximum password length (what GET password-policy reports and what a
/// stored policy enforces).
pub const MAXIMUM_PASSWORD_LENGTH: i64 = 32;

/// The document an account without a stored one has. The sources give no account defaults
/// (the OTC examples differ), so these are CHOSEN: Huawei console's defaults for a new
/// account (password length 8, two character kinds, no expiry, the last password not
/// reusable; lockout 15 minutes after 5 failures within 15 minutes, 60-minute sessions;
/// operation protection off; every address allowed).
pub fn default_document(kind: Kind) -> Value {
    match kind.stored {
        "password" => json!({
            "maximum_consecutive_identical_chars": 0,
            "minimum_password_age": 0,
            "minimum_password_length": 8,
            "number_of_recent_passwords_disallowed": 1,
            "password_not_username_or_invert": true,
            "password_validity_period": 0,
            "password_char_combination": 2,
        }),
        "login" => json!({
            "account_validity_period": 0,
            "custom_info_for_login": "",
            "lockout_duration": 15,
            "login_failed_times": 5,
            "period_with_login_failures": 15,
            "session_timeout": 60,
            "show_recent_login_info": false,
        }),
        "protect" => json!({
            "operation_protection": false,
            "allow_user": {"manage_accesskey": true, "manage_email": true,
                           "manage_mobile": true, "manage_password": true},
            "mobile": "",
            "email": "",
            "admin_check": "off",
            "scene": "",
        }),
        "console_acl" => json!({
            "allow_address_netmasks": [],
            "allow_ip_ranges": [{"ip_range": "0.0.0.0-255.255.255.255", "description": ""}],
            "allow_address_netmasks_ipv6": [],
            "allow_ip_ranges_ipv6": [],
        }),
        _ => json!({
            "allow_address_netmasks": [],
            "allow_ip_ranges": [{"ip_range": "0.0.0.0-255.255.255.255", "description": ""}],
            "allow_vpc_endpoints": [],
        }),
    }
}

/// 400 IAM.0007 naming the field.
pub fn invalid(field: &str, why: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: format!("Invalid {field}: {why}."),
    }
}

fn unknown(field: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0073",
        message: format!("Invalid field: '{field}' is not allowed."),
    }
}

/// The integer fields with their documented ranges; `account_validity_period` (days, 0 =
/// off) has no documented range: [0, 240] is chosen, Huawei console's bound.
const RANGES: &[(&str, i64, i64)] = &[
    ("maximum_consecutive_identical_chars", 0, 32),
    ("minimum_password_age", 0, 1440),
    ("minimum_password_length", 6, MAXIMUM_PASSWORD_LENGTH),
    ("number_of_recent_passwords_disallowed", 0, 10),
    ("password_validity_period", 0, 180),
    ("password_char_combination", 2, 4),
    ("account_validity_period", 0, 240),
    ("lockout_duration", 15, 30),
    ("login_failed_times", 3, 10),
    ("period_with_login_failures", 15, 60),
    ("session_timeout", 15, 1440),
];

fn check_int(field: &str, v: &Value) -> Result<()> {
    let (_, lo, hi) = RANGES
        .iter()
        .find(|(f, ..)| *f == field)
        .copied()
        .unwrap_or((field, 0, i64::MAX));
    match v.as_i64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(()),
        _ => Err(invalid(
            field,
            &format!("must be an integer in [{lo}, {hi}]"),
        )),
    }
}

fn check_bool(field: &str, v: &Value) -> Result<()> {
    if v.is_boolean() {
        Ok(())
    } else {
        Err(invalid(field, "must be a boolean"))
    }
}

fn check_string(field: &str, v: &Value, max: usize) -> Result<()> {
    match v.as_str() {
        Some(s) if s.chars().count() <= max => Ok(()),
        _ => Err(invalid(
            field,
            &format!("must be a string of at most {max} characters"),
        )),
    }
}

fn check_password(field: &str, v: &Value) -> Result<()> {
    match field {
        "password_not_username_or_invert" => check_bool(field, v),
        f if RANGES.iter().any(|(r, ..)| *r == f) && f != "account_validity_period" => {
            check_int(field, v)
        }
        _ => Err(unknown(field)),
    }
}

fn check_login(field: &str, v: &Value) -> Result<()> {
    match field {
        "show_recent_login_info" => check_bool(field, v),
        "custom_info_for_login" => check_string(field, v, 64),
        "account_validity_period"
        | "lockout_duration"
        | "login_failed_times"
        | "period_with_login_failures"
        | "session_timeout" => check_int(field, v),
        _ => Err(unknown(field)),
    }
}

fn check_protect(field: &str, v: &Value) -> Result<()> {
    match field {
        "operation_protection" => check_bool(field, v),
        "allow_user" => {
            let obj = v
                .as_object()
                .ok_or_else(|| invalid(field, "must be an object"))?;
            for (k, b) in obj {
                match k.as_str() {
                    "manage_accesskey" | "manage_email" | "manage_mobile" | "manage_password" => {
                        check_bool(&format!("allow_user.{k}"), b)?
                    }
                    _ => return Err(unknown(&format!("allow_user.{k}"))),
                }
            }
            Ok(())
        }
        "mobile" | "email" => check_string(field, v, 255),
        "admin_check" => match v.as_str() {
            Some("on" | "off") => Ok(()),
            _ => Err(invalid(field, "must be \"on\" or \"off\"")),
        },
        "scene" => match v.as_str() {
            Some("mobile" | "email" | "") => Ok(()),
            _ => Err(invalid(field, "must be \"mobile\" or \"email\"")),
        },
        _ => Err(unknown(field)),
    }
}

/// Whether an ACL entry's address is well formed.
type AddressCheck = fn(&str) -> bool;

/// The entry field each ACL list requires and how it is checked.
fn acl_entry_field(list: &str) -> Option<(&'static str, AddressCheck)> {
    match list {
        "allow_address_netmasks" => Some(("address_netmask", super::acl::ipv4_netmask)),
        "allow_ip_ranges" => Some(("ip_range", super::acl::ipv4_range)),
        "allow_address_netmasks_ipv6" => Some(("address_netmask", super::acl::ipv6_netmask)),
        "allow_ip_ranges_ipv6" => Some(("ip_range", super::acl::ipv6_range)),
        "allow_vpc_endpoints" => Some(("vpc_endpoint_id", super::acl::non_empty)),
        _ => None,
    }
}

/// At most this many entries a list (CHOSEN; Huawei's console allows 200).
const MAX_ACL_ENTRIES: usize = 200;

fn check_acl(kind: Kind, field: &str, v: &Value) -> Result<()> {
    let ipv6_list = field.ends_with("_ipv6");
    let vpc = field == "allow_vpc_endpoints";
    let allowed = (kind == CONSOLE_ACL && !vpc) || (kind == API_ACL && !ipv6_list);
    let Some((required, valid)) = acl_entry_field(field).filter(|_| allowed) else {
        return Err(unknown(field));
    };
    let list = v
        .as_array()
        .filter(|l| l.len() <= MAX_ACL_ENTRIES)
        .ok_or_else(|| {
            invalid(
                field,
                &format!("must be a list of at most {MAX_ACL_ENTRIES}"),
            )
        })?;
    for entry in list {
        let obj = entry
            .as_object()
            .ok_or_else(|| invalid(field, "entries must be objects"))?;
        for (k, x) in obj {
            if k == "description" {
                check_string(&format!("{field}.description"), x, 255)?;
            } else if k != required {
                return Err(unknown(&format!("{field}.{k}")));
            }
        }
        match obj.get(required).and_then(Value::as_str) {
            Some(s) if valid(s) => {}
            _ => {
                return Err(invalid(
                    &format!("{field}.{required}"),
                    "missing or malformed",
                ))
            }
        }
    }
    Ok(())
}

/// The PUT body's member merged over `current`, every field checked.
pub fn merged(kind: Kind, current: &Value, body: &Value) -> Result<Value> {
    let input = body
        .get(kind.member)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::Iam {
            status: 400,
            code: "IAM.0072",
            message: format!("'{}' is a required property", kind.member),
        })?;
    if let Some(top) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != kind.member))
    {
        return Err(unknown(top));
    }
    if kind == PROTECT && !input.contains_key("operation_protection") {
        return Err(Error::Iam {
            status: 400,
            code: "IAM.0072",
            message: "'operation_protection' is a required property".into(),
        });
    }
    let mut doc: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    for (field, v) in input {
        match kind.stored {
            "password" => check_password(field, v)?,
            "login" => check_login(field, v)?,
            "protect" => check_protect(field, v)?,
            _ => check_acl(kind, field, v)?,
        }
        if field == "allow_user" {
            let mut users = doc.get(field).cloned().unwrap_or_else(|| json!({}));
            for (k, b) in v.as_object().into_iter().flatten() {
                users[k] = b.clone();
            }
            doc.insert(field.clone(), users);
        } else {
            doc.insert(field.clone(), v.clone());
        }
    }
    if kind == PROTECT && doc.get("admin_check") == Some(&json!("on")) {
        let scene = doc.get("scene").and_then(Value::as_str).unwrap_or_default();
        if scene.is_empty() {
            return Err(invalid("scene", "required when admin_check is \"on\""));
        }
    }
    Ok(Value::Object(doc))
}

/// The account's document of `kind`: the stored one, else the default.
pub fn document_in(r: &impl Reader, domain_id: &str, kind: Kind) -> Result<Value> {
    Ok(stored::get(r, domain_id, kind.stored)?.unwrap_or_else(|| default_document(kind)))
}

/// GET: the account must exist.
pub fn get(store: &Store, domain_id: &str, kind: Kind) -> Result<Value> {
    store.read(|r| {
        resource::require_domain(r, domain_id)?;
        document_in(r, domain_id, kind)
    })
}

/// PUT: one write transaction re-reads the current document, merges and stores it. A
/// document set back to exactly the defaults is removed instead: the account then has no
/// stored policy again, and Keystone's routes go back to `[security_compliance]` (Huawei's
/// routes enforce the defaults either way).
pub fn put(store: &Store, domain_id: &str, kind: Kind, body: &Value) -> Result<Value> {
    store.write(|w| {
        resource::require_domain(w, domain_id)?;
        let doc = merged(kind, &document_in(w, domain_id, kind)?, body)?;
        if doc == default_document(kind) {
            stored::remove(w, domain_id, kind.stored)?;
        } else {
            stored::put(w, domain_id, kind.stored, &doc)?;
        }
        Ok(doc)
    })
}

/// GET password-policy's two extra fields: the maximum and the rules as text.
pub fn with_requirements(doc: &Value) -> Value {
    let mut shown = doc.clone();
    let n = |f: &str| doc.get(f).and_then(Value::as_i64).unwrap_or(0);
    let mut text = format!(
        "The password must contain {} to {MAXIMUM_PASSWORD_LENGTH} characters and at least {} \
         of the following character types: uppercase letters, lowercase letters, digits and \
         special characters.",
        n("minimum_password_length"),
        n("password_char_combination")
    );
    if n("maximum_consecutive_identical_chars") > 0 {
        text.push_str(&format!(
            " It cannot contain more than {} consecutive identical characters.",
            n("maximum_consecutive_identical_chars")
        ));
    }
    if doc.get("password_not_username_or_invert") == Some(&Value::Bool(true)) {
        text.push_str(" It cannot be the username or the username spelled backwards.");
    }
    shown["maximum_password_length"] = json!(MAXIMUM_PASSWORD_LENGTH);
    shown["password_requirements"] = json!(text);
    shown
}
