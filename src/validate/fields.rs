//! Hand-written body checks for the areas whose bodies are not yet schema data (trusts,
//! application credentials) and the v2.0 admin API, each with the wording it answers today.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::pyrepr::{py_repr, py_str};

// ---------------------------------------------------------------------------------------
// v3: keystone/api/validation's wording ("Invalid input for field/attribute ...").

/// Upstream's SchemaValidationError for `field` holding `value`.
pub fn invalid(field: &str, value: &Value, reason: &str) -> Error {
    Error::schema(field, &py_str(value), reason)
}

/// `{"<key>": {...}}`: the body's member object, as upstream's schema requires it.
pub fn member(body: &Value, key: &str) -> Result<Map<String, Value>> {
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

/// A body's optional `roles`: a list of `{"id": ...}` or `{"name": ...}` references, as
/// upstream's trust and application-credential schemas state them.
pub fn check_role_refs(input: &Map<String, Value>) -> Result<()> {
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

// ---------------------------------------------------------------------------------------
// v2.0 admin: values shown as JSON text, as this API has always answered.

/// The object under `key` in a request body, e.g. `{"project": {...}}`.
pub fn body_object(body: &Value, key: &str) -> Result<Map<String, Value>> {
    match body.get(key) {
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(other) => Err(Error::schema(
            key,
            &other.to_string(),
            &format!("{other} is not of type 'object'"),
        )),
        None => Err(Error::schema(
            key,
            "None",
            &format!("'{key}' is a required property"),
        )),
    }
}

/// A string field: Ok(None) if absent; 400 if present with another type or out of bounds.
pub fn opt_string(map: &Map<String, Value>, field: &str, max_len: usize) -> Result<Option<String>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => {
            if s.chars().count() > max_len {
                return Err(Error::schema(field, s, &format!("'{s}' is too long")));
            }
            Ok(Some(s.clone()))
        }
        Some(other) => Err(Error::schema(
            field,
            &other.to_string(),
            &format!("{other} is not of type 'string'"),
        )),
    }
}

/// A name: required, a non-blank string of at most 255 characters (upstream's name schema).
pub fn required_name(map: &Map<String, Value>, field: &str) -> Result<String> {
    match opt_string(map, field, 255)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(s) => Err(Error::schema(
            field,
            &s,
            &format!("'{s}' does not match '[\\S]+'"),
        )),
        None => Err(Error::schema(
            field,
            "None",
            &format!("'{field}' is a required property"),
        )),
    }
}

pub fn opt_bool(map: &Map<String, Value>, field: &str) -> Result<Option<bool>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Error::schema(
            field,
            &other.to_string(),
            &format!("{other} is not of type 'boolean'"),
        )),
    }
}

/// A string or null field (e.g. description): Ok(None) if absent.
pub fn opt_nullable_string(
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<Option<String>>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(Error::schema(
            field,
            &other.to_string(),
            &format!("{other} is not of type 'string', 'null'"),
        )),
    }
}
