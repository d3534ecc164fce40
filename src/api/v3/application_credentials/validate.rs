//! The create body's schema: upstream's application_credential_create_request_body, checked
//! in jsonschema's order with its messages, and `expires_at`.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::pyrepr::py_repr;
use crate::store::application_credentials as store;
use crate::validate::fields::{invalid, member};

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
pub(super) fn validate_create(input: &Map<String, Value>) -> Result<()> {
    let whole = Value::Object(input.clone());
    for field in ["secret", "description", "expires_at", "system"] {
        if let Some(v) = input.get(field) {
            if !v.is_null() && !v.is_string() {
                return Err(not_of_type(field, v, "'string', 'null'"));
            }
        }
    }
    check_name(input.get("name"), &whole)?;
    if let Some(v) = input.get("unrestricted") {
        if !v.is_boolean() && !v.is_null() {
            return Err(not_of_type("unrestricted", v, "'boolean', 'null'"));
        }
    }
    if let Some(v) = input.get("project_id") {
        if !v.is_string() {
            return Err(not_of_type("project_id", v, "'string'"));
        }
    }
    crate::validate::fields::check_role_refs(input)?;
    if let Some(v) = input.get("access_rules") {
        let Some(items) = v.as_array() else {
            return Err(not_of_type("access_rules", v, "'array'"));
        };
        for item in items {
            check_access_rule(item)?;
        }
    }
    check_no_unexpected(input, &whole)
}

/// jsonschema's type error: "<value> is not of type <types>".
fn not_of_type(field: &str, v: &Value, types: &str) -> Error {
    invalid(field, v, &format!("{} is not of type {types}", py_repr(v)))
}

/// `name`: required, a string of at most 255 characters, not only whitespace.
fn check_name(name: Option<&Value>, whole: &Value) -> Result<()> {
    match name {
        None => Err(invalid(
            "application_credential",
            whole,
            "'name' is a required property",
        )),
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
            Ok(())
        }
        Some(v) => Err(not_of_type("name", v, "'string'")),
    }
}

/// One `access_rules` item: an object whose method is an HTTP verb, whose path starts with
/// `/` (at most 225 characters), and whose service and id are strings.
fn check_access_rule(item: &Value) -> Result<()> {
    let Some(rule) = item.as_object() else {
        return Err(not_of_type("access_rules", item, "'object'"));
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
            None => return Err(not_of_type("path", p, "'string'")),
        }
    }
    for field in ["service", "id"] {
        if let Some(s) = rule.get(field) {
            if !s.is_string() {
                return Err(not_of_type(field, s, "'string'"));
            }
        }
    }
    Ok(())
}

/// additionalProperties: false, with jsonschema's sentence.
fn check_no_unexpected(input: &Map<String, Value>, whole: &Value) -> Result<()> {
    let unexpected: Vec<String> = input
        .keys()
        .filter(|k| !CREATE_FIELDS.contains(&k.as_str()))
        .map(|k| py_repr(&json!(k)))
        .collect();
    if !unexpected.is_empty() {
        let verb = if unexpected.len() == 1 { "was" } else { "were" };
        return Err(invalid(
            "application_credential",
            whole,
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
pub(super) fn create_input(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    let input = member(&body, "application_credential")?;
    validate_create(&input)?;
    Ok(input)
}
