//! The subset of JSON Schema (draft 2020-12, as python-jsonschema 4.x checks it) that
//! upstream's request schemas for the resource and limit areas use, with its error messages:
//! upstream answers 400 with the *first* error jsonschema yields, worded as
//! "Invalid input for field/attribute {last path element}. Value: {str(instance)}. {message}",
//! so keyword order in a schema (a `json!` object keeps insertion order) is the order checked.
//! Patterns are the few upstream uses, matched by hand (no regex engine).

use serde_json::{Map, Value};

use crate::error::Error;
pub use crate::pyrepr::{py_repr, py_str};

/// Python `repr(str)`.
fn py_repr_str(s: &str) -> String {
    py_repr(&Value::String(s.to_string()))
}

/// Validates a request body, then hands back its `{"<key>": {...}}` member (empty when the
/// schema lets it be absent).
pub fn validated_member(
    schema: &Value,
    body: &Value,
    key: &str,
) -> Result<Map<String, Value>, Error> {
    validate(schema, body)?;
    Ok(body
        .get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

/// Validates `instance` against `schema`; the error is upstream's 400 for the first failure.
pub fn validate(schema: &Value, instance: &Value) -> Result<(), Error> {
    let mut path: Vec<String> = Vec::new();
    match first_error(schema, instance, &mut path) {
        None => Ok(()),
        Some((path, at, message)) => Err(Error::Validation(match path.last() {
            Some(field) => format!(
                "Invalid input for field/attribute {field}. Value: {}. {message}",
                py_str(&at)
            ),
            None => message,
        })),
    }
}

type Failure = (Vec<String>, Value, String);

fn first_error(schema: &Value, instance: &Value, path: &mut Vec<String>) -> Option<Failure> {
    let Value::Object(schema) = schema else {
        return None;
    };
    for (keyword, arg) in schema {
        let message = match keyword.as_str() {
            "type" => check_type(arg, instance),
            "enum" => match arg {
                Value::Array(options) if !options.iter().any(|o| json_equal(o, instance)) => Some(
                    format!("{} is not one of {}", py_repr(instance), py_repr(arg)),
                ),
                _ => None,
            },
            "minLength" => instance.as_str().and_then(|s| {
                let min = arg.as_u64().unwrap_or(0) as usize;
                (s.chars().count() < min).then(|| {
                    let m = if min == 1 {
                        "should be non-empty"
                    } else {
                        "is too short"
                    };
                    format!("{} {m}", py_repr(instance))
                })
            }),
            "maxLength" => instance.as_str().and_then(|s| {
                let max = arg.as_u64().unwrap_or(u64::MAX) as usize;
                (s.chars().count() > max).then(|| {
                    let m = if max == 0 {
                        "is expected to be empty"
                    } else {
                        "is too long"
                    };
                    format!("{} {m}", py_repr(instance))
                })
            }),
            "pattern" => match (instance.as_str(), arg.as_str()) {
                (Some(s), Some(p)) if !pattern_matches(p, s) => Some(format!(
                    "{} does not match {}",
                    py_repr(instance),
                    py_repr_str(p)
                )),
                _ => None,
            },
            "format" => match (instance.as_str(), arg.as_str()) {
                (Some(s), Some("uuid")) if !is_uuid_like(s) => {
                    Some(format!("{} is not a 'uuid'", py_repr(instance)))
                }
                _ => None,
            },
            "minimum" => number(instance).and_then(|n| {
                let min = arg.as_f64().unwrap_or(f64::MIN);
                (n < min).then(|| {
                    format!(
                        "{} is less than the minimum of {}",
                        py_repr(instance),
                        py_repr(arg)
                    )
                })
            }),
            "maximum" => number(instance).and_then(|n| {
                let max = arg.as_f64().unwrap_or(f64::MAX);
                (n > max).then(|| {
                    format!(
                        "{} is greater than the maximum of {}",
                        py_repr(instance),
                        py_repr(arg)
                    )
                })
            }),
            "required" => match (instance, arg) {
                (Value::Object(map), Value::Array(names)) => names
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|n| !map.contains_key(*n))
                    .map(|n| format!("{} is a required property", py_repr_str(n))),
                _ => None,
            },
            "minProperties" => match instance {
                Value::Object(map) if (map.len() as u64) < arg.as_u64().unwrap_or(0) => {
                    let m = if arg.as_u64() == Some(1) {
                        "should be non-empty"
                    } else {
                        "does not have enough properties"
                    };
                    Some(format!("{} {m}", py_repr(instance)))
                }
                _ => None,
            },
            "additionalProperties" => match (instance, arg) {
                (Value::Object(map), Value::Bool(false)) => {
                    let known = schema.get("properties").and_then(Value::as_object);
                    let mut extras: Vec<&String> = map
                        .keys()
                        .filter(|k| !known.is_some_and(|p| p.contains_key(*k)))
                        .collect();
                    extras.sort();
                    if extras.is_empty() {
                        None
                    } else {
                        let verb = if extras.len() == 1 { "was" } else { "were" };
                        let names: Vec<String> = extras.iter().map(|e| py_repr_str(e)).collect();
                        Some(format!(
                            "Additional properties are not allowed ({} {verb} unexpected)",
                            names.join(", ")
                        ))
                    }
                }
                _ => None,
            },
            "properties" => {
                if let (Value::Object(map), Value::Object(props)) = (instance, arg) {
                    for (name, sub) in props {
                        if let Some(value) = map.get(name) {
                            path.push(name.clone());
                            if let Some(f) = first_error(sub, value, path) {
                                return Some(f);
                            }
                            path.pop();
                        }
                    }
                }
                None
            }
            "items" => {
                if let Value::Array(items) = instance {
                    for (i, item) in items.iter().enumerate() {
                        path.push(i.to_string());
                        if let Some(f) = first_error(arg, item, path) {
                            return Some(f);
                        }
                        path.pop();
                    }
                }
                None
            }
            "minItems" => match instance {
                Value::Array(items) if (items.len() as u64) < arg.as_u64().unwrap_or(0) => {
                    let m = if arg.as_u64() == Some(1) {
                        "should be non-empty"
                    } else {
                        "is too short"
                    };
                    Some(format!("{} {m}", py_repr(instance)))
                }
                _ => None,
            },
            "maxItems" => match instance {
                Value::Array(items) if (items.len() as u64) > arg.as_u64().unwrap_or(u64::MAX) => {
                    Some(format!("{} is too long", py_repr(instance)))
                }
                _ => None,
            },
            "uniqueItems" => match instance {
                Value::Array(items) if arg == &Value::Bool(true) => {
                    let dup = items
                        .iter()
                        .enumerate()
                        .any(|(i, a)| items[i + 1..].iter().any(|b| json_equal(a, b)));
                    dup.then(|| format!("{} has non-unique elements", py_repr(instance)))
                }
                _ => None,
            },
            "oneOf" => match arg {
                Value::Array(subs) => {
                    let valid: Vec<&Value> = subs
                        .iter()
                        .filter(|s| first_error(s, instance, &mut Vec::new()).is_none())
                        .collect();
                    match valid.as_slice() {
                        [] => Some(format!(
                            "{} is not valid under any of the given schemas",
                            py_repr(instance)
                        )),
                        [_] => None,
                        // jsonschema lists the later valid schemas, then the first one.
                        [first, rest @ ..] => {
                            let mut order: Vec<String> = rest.iter().map(|s| py_repr(s)).collect();
                            order.push(py_repr(first));
                            Some(format!(
                                "{} is valid under each of {}",
                                py_repr(instance),
                                order.join(", ")
                            ))
                        }
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(message) = message {
            return Some((path.clone(), instance.clone(), message));
        }
    }
    None
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // Upstream's validator also compares numeric strings ('10') with minimum/maximum.
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

fn check_type(arg: &Value, instance: &Value) -> Option<String> {
    let types: Vec<&str> = match arg {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if types.iter().any(|t| is_type(t, instance)) {
        return None;
    }
    let reprs: Vec<String> = types.iter().map(|t| py_repr_str(t)).collect();
    Some(format!(
        "{} is not of type {}",
        py_repr(instance),
        reprs.join(", ")
    ))
}

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => true,
    }
}

/// jsonschema's equality: booleans never equal numbers; 1 == 1.0.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// `re.search(pattern, s)` for the patterns upstream's schemas use.
fn pattern_matches(pattern: &str, s: &str) -> bool {
    match pattern {
        r"[\S]+" => s.chars().any(|c| !c.is_whitespace()),
        r"^[^,/]*$" => !s.contains(',') && !s.contains('/'),
        r"^[a-zA-Z0-9-]+$" => {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }
        _ => true,
    }
}

/// oslo.utils' is_uuid_like: 32 hex digits, dashed or not, any case.
pub fn is_uuid_like(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let dashed_ok = s.len() == 32
        || (s.len() == 36
            && s.char_indices()
                .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-')));
    dashed_ok && hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// `validation.nullable(schema)` as upstream: the type also allows null (and the enum None).
pub fn nullable(schema: Value) -> Value {
    let mut schema = schema;
    if let Value::Object(map) = &mut schema {
        if let Some(t) = map.get("type").cloned() {
            map.insert(
                "type".into(),
                Value::Array(vec![t, Value::String("null".into())]),
            );
        }
        if let Some(Value::Array(options)) = map.get_mut("enum") {
            if !options.contains(&Value::Null) {
                options.push(Value::Null);
            }
        }
    }
    schema
}

/// An object schema's `properties` map, for building request schemas from parts.
pub fn props(pairs: &[(&str, Value)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert((*k).to_string(), v.clone());
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(schema: &Value, instance: &Value) -> String {
        match validate(schema, instance) {
            Err(e) => e.message(),
            Ok(()) => String::new(),
        }
    }

    #[test]
    fn upstream_messages() {
        let name = json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"[\S]+"});
        let s = json!({"type": "object", "properties": {"name": name}, "required": ["name"]});
        let long = "a".repeat(65);
        assert_eq!(
            msg(&s, &json!({"name": long})),
            format!("Invalid input for field/attribute name. Value: {long}. '{long}' is too long")
        );
        assert_eq!(
            msg(&s, &json!({"name": ""})),
            "Invalid input for field/attribute name. Value: . '' should be non-empty"
        );
        assert_eq!(
            msg(&s, &json!({"name": "  "})),
            r"Invalid input for field/attribute name. Value:   . '  ' does not match '[\\S]+'"
        );
        assert_eq!(msg(&s, &json!({})), "'name' is a required property");
        let top = json!({"type": "object", "properties": {"p": {}}, "additionalProperties": false});
        assert_eq!(
            msg(&top, &json!({"p": 1, "foo": 1})),
            "Additional properties are not allowed ('foo' was unexpected)"
        );
    }
}
