//! Upstream's user body (`_user_properties`): the schema (`user_create`/`user_update` in
//! src/validate/schemas/identity.json) checks every plain field; what it cannot state runs
//! after it, in the order these checks have always run: the configured password length, the
//! MFA rules and the user options (whose messages this API has always worded its own way).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::App;
use crate::compliance;
use crate::error::{Error, Result};
use crate::pyrepr::py_repr;
use crate::validate::fields::invalid;
use crate::validate::{nullable, parse_bool, typed, Nullable, Schema};

use super::USER_OPTIONS;

/// A user body's own fields once it has passed `checked_body`.
#[derive(Deserialize)]
pub(super) struct UserFields {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    /// A `parameter_types.boolean`: a bool or one of its strings (see `enabled()`).
    enabled: Option<Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_project_id: Nullable<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub password: Nullable<String>,
    #[serde(skip)]
    pub options: Option<Map<String, Value>>,
}

impl UserFields {
    pub fn enabled(&self) -> Option<bool> {
        self.enabled.as_ref().and_then(parse_bool)
    }
}

/// The body's `user` member checked against `schema`, then the rules the schema cannot state.
pub(super) fn checked_body(
    app: &App,
    schema: &Schema,
    body: &Value,
) -> Result<(Map<String, Value>, UserFields)> {
    let input = schema.required_member(body, "user")?;
    check_password_length(app, &input)?;
    check_mfa_rules(&input)?;
    let options = check_options(&input, USER_OPTIONS)?;
    let mut fields: UserFields = typed(&input)?;
    fields.options = options;
    Ok((input, fields))
}

/// `password` no longer than `[identity] max_password_length` (the schema checked its type).
fn check_password_length(app: &App, map: &Map<String, Value>) -> Result<()> {
    let max = app.config.identity.max_password_length;
    match map.get("password").and_then(Value::as_str) {
        // Upstream's PasswordValidationError; the password itself is never echoed.
        Some(p) if p.len() > max => Err(Error::Validation(format!(
            "Password validation error: The password length must be less than or equal \
             to {max}."
        ))),
        _ => Ok(()),
    }
}

/// Resource options: an object of known options, each valid or null (null removes it).
/// `kinds` names each option and whether it is a boolean (else a list of lists of strings).
fn check_options(
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
