//! Upstream's user body schema (`_user_properties`), with jsonschema's messages.

use serde_json::{Map, Value};

use crate::app::App;
use crate::compliance;
use crate::error::{Error, Result};

use super::super::roles::{
    check_id, check_name, check_nullable_string, check_options, invalid, py_repr,
};
use super::USER_OPTIONS;

/// `enabled` as upstream's boolean parameter type: a JSON boolean or one of its strings.
pub(super) fn check_enabled(map: &Map<String, Value>) -> Result<Option<bool>> {
    const TRUE: &[&str] = &["True", "TRUE", "true", "1", "y", "Y", "on", "ON", "yes"];
    const FALSE: &[&str] = &[
        "False", "FALSE", "false", "", "0", "n", "N", "off", "OFF", "no",
    ];
    match map.get("enabled") {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if TRUE.contains(&s.as_str()) => Ok(Some(true)),
        Some(Value::String(s)) if FALSE.contains(&s.as_str()) => Ok(Some(false)),
        // The schema's type is ["boolean", "string", "null"]: other types fail on type first.
        Some(other) if !matches!(other, Value::String(_) | Value::Null) => Err(invalid(
            "enabled",
            other,
            &format!(
                "{} is not of type 'boolean', 'string', 'null'",
                py_repr(other)
            ),
        )),
        // A string outside the enum, or null (nullable() adds no None to this enum).
        Some(other) => Err(invalid(
            "enabled",
            other,
            &format!(
                "{} is not one of [True, 'True', 'TRUE', 'true', False, 'False', 'FALSE', \
                 'false', '', '1', '0', 'y', 'Y', 'n', 'N', 'on', 'ON', 'off', 'OFF', 'yes', 'no']",
                py_repr(other)
            ),
        )),
    }
}

/// `password`: a string or null; Ok(None) if absent.
pub(super) fn check_password(
    app: &App,
    map: &Map<String, Value>,
) -> Result<Option<Option<String>>> {
    match check_nullable_string(map, "password")? {
        Some(Some(p)) if p.len() > app.config.identity.max_password_length => {
            // Upstream's PasswordValidationError; the password itself is never echoed.
            Err(Error::Validation(format!(
                "Password validation error: The password length must be less than or equal \
                 to {}.",
                app.config.identity.max_password_length
            )))
        }
        other => Ok(other),
    }
}

/// Upstream's `_user_properties` checks, shared by create and update.
pub(super) fn validate_user_body(app: &App, input: &Map<String, Value>) -> Result<()> {
    check_nullable_string(input, "default_project_id")?;
    check_nullable_string(input, "description")?;
    check_id(input, "domain_id", false)?;
    check_enabled(input)?;
    check_name(input, "name")?;
    check_password(app, input)?;
    check_mfa_rules(input)?;
    check_options(input, USER_OPTIONS)?;
    Ok(())
}

/// `options.multi_factor_auth_rules`: upstream's schema (lists of strings, each list
/// non-empty and without repeats, no list twice), with jsonschema's messages.
fn check_mfa_rules(input: &Map<String, Value>) -> Result<()> {
    let Some(Value::Array(rules)) = input
        .get("options")
        .and_then(|o| o.get(compliance::MFA_RULES))
    else {
        return Ok(());
    };
    let has_repeats = |items: &[Value]| {
        items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].contains(a))
    };
    for (i, rule) in rules.iter().enumerate() {
        let Value::Array(items) = rule else { continue };
        if !items.iter().all(Value::is_string) {
            continue;
        }
        if items.is_empty() {
            return Err(invalid(&i.to_string(), rule, "[] should be non-empty"));
        }
        if has_repeats(items) {
            return Err(invalid(
                &i.to_string(),
                rule,
                &format!("{} has non-unique elements", py_repr(rule)),
            ));
        }
    }
    let all_lists = rules.iter().all(|r| {
        r.as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string))
    });
    if all_lists && has_repeats(rules) {
        let value = Value::Array(rules.clone());
        return Err(invalid(
            compliance::MFA_RULES,
            &value,
            &format!("{} has non-unique elements", py_repr(&value)),
        ));
    }
    Ok(())
}
