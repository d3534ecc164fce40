//! The JSON-schema keywords upstream's request schemas use, checked as python-jsonschema 4.x
//! checks them and worded as it words them. Keywords run in the schema's own key order (the
//! schema files keep it), so the first failure is the one upstream reports.

use std::fmt;

use serde_json::{Map, Value};

use super::Patterns;
use crate::pyrepr::py_repr;

/// Every keyword `check` implements; a schema using any other is refused when loaded.
pub(super) const KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "oneOf",
    "not",
];

/// Keywords that only describe: never checked.
pub(super) const ANNOTATIONS: &[&str] = &["description"];

/// One step of a path into an instance or a schema: a property name or an array index
/// (jsonschema keeps ints for indexes, which `repr` shows without quotes).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => f.write_str(k),
            Step::Index(i) => write!(f, "{i}"),
        }
    }
}

/// The first failure, as jsonschema's ValidationError carries it.
#[derive(Debug)]
pub struct Failure<'s, 'i> {
    /// Where in the instance.
    pub path: Vec<Step>,
    /// Where in the schema, up to the schema holding the failing keyword.
    pub schema_path: Vec<Step>,
    pub keyword: &'s str,
    /// The schema holding the failing keyword.
    pub schema: &'s Value,
    pub instance: &'i Value,
    pub message: String,
}

/// Where the walk is: both paths grow and shrink together with the recursion.
struct Walk<'p> {
    patterns: &'p Patterns,
    path: Vec<Step>,
    schema_path: Vec<Step>,
}

/// The first error of `instance` against `schema`, or None.
pub(super) fn first_error<'s, 'i>(
    patterns: &Patterns,
    schema: &'s Value,
    instance: &'i Value,
) -> Option<Failure<'s, 'i>> {
    let mut walk = Walk {
        patterns,
        path: Vec::new(),
        schema_path: Vec::new(),
    };
    walk.check(schema, instance)
}

impl Walk<'_> {
    fn check<'s, 'i>(&mut self, schema: &'s Value, instance: &'i Value) -> Option<Failure<'s, 'i>> {
        let Value::Object(keywords) = schema else {
            return None;
        };
        for (keyword, arg) in keywords {
            let message = match keyword.as_str() {
                "properties" => {
                    if let Some(f) = self.properties(arg, instance) {
                        return Some(f);
                    }
                    None
                }
                "items" => {
                    if let Some(f) = self.items(arg, instance) {
                        return Some(f);
                    }
                    None
                }
                "oneOf" => self.one_of(arg, instance),
                "not" => self.not(arg, instance),
                "pattern" => self.pattern(arg, instance),
                "additionalProperties" => additional_properties(keywords, arg, instance),
                _ => scalar_keyword(keyword, arg, instance),
            };
            if let Some(message) = message {
                return Some(Failure {
                    path: self.path.clone(),
                    schema_path: self.schema_path.clone(),
                    keyword,
                    schema,
                    instance,
                    message,
                });
            }
        }
        None
    }

    fn properties<'s, 'i>(
        &mut self,
        arg: &'s Value,
        instance: &'i Value,
    ) -> Option<Failure<'s, 'i>> {
        let (Value::Object(props), Value::Object(map)) = (arg, instance) else {
            return None;
        };
        // jsonschema walks the schema's properties in the schema's order.
        for (name, sub) in props {
            let Some(value) = map.get(name) else { continue };
            self.path.push(Step::Key(name.clone()));
            self.schema_path.push(Step::Key("properties".into()));
            self.schema_path.push(Step::Key(name.clone()));
            let found = self.check(sub, value);
            self.path.pop();
            self.schema_path.pop();
            self.schema_path.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn items<'s, 'i>(&mut self, arg: &'s Value, instance: &'i Value) -> Option<Failure<'s, 'i>> {
        let Value::Array(items) = instance else {
            return None;
        };
        for (i, item) in items.iter().enumerate() {
            self.path.push(Step::Index(i));
            self.schema_path.push(Step::Key("items".into()));
            let found = self.check(arg, item);
            self.path.pop();
            self.schema_path.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Whether `instance` passes `schema` (a sub-check with its own paths).
    fn passes(&self, schema: &Value, instance: &Value) -> bool {
        first_error(self.patterns, schema, instance).is_none()
    }

    fn one_of(&self, arg: &Value, instance: &Value) -> Option<String> {
        let Value::Array(subs) = arg else {
            return None;
        };
        let valid: Vec<&Value> = subs.iter().filter(|s| self.passes(s, instance)).collect();
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

    fn not(&self, arg: &Value, instance: &Value) -> Option<String> {
        self.passes(arg, instance).then(|| {
            format!(
                "{} should not be valid under {}",
                py_repr(instance),
                py_repr(arg)
            )
        })
    }

    /// `re.search(pattern, s)` through the pattern compiled when the schema was loaded. A
    /// pattern that cannot run (never compiled, or too much backtracking) fails the value.
    fn pattern(&self, arg: &Value, instance: &Value) -> Option<String> {
        let (Value::String(s), Value::String(p)) = (instance, arg) else {
            return None;
        };
        let matched = self
            .patterns
            .get(p)
            .is_some_and(|re| re.is_match(s).unwrap_or(false));
        (!matched).then(|| format!("{} does not match {}", py_repr(instance), py_repr(arg)))
    }
}

/// `additionalProperties: false` against the sibling `properties`; extras listed sorted.
fn additional_properties(
    keywords: &Map<String, Value>,
    arg: &Value,
    instance: &Value,
) -> Option<String> {
    let (Value::Bool(false), Value::Object(map)) = (arg, instance) else {
        return None;
    };
    let known = keywords.get("properties").and_then(Value::as_object);
    let mut extras: Vec<&String> = map
        .keys()
        .filter(|k| !known.is_some_and(|p| p.contains_key(*k)))
        .collect();
    if extras.is_empty() {
        return None;
    }
    extras.sort();
    let names: Vec<String> = extras.iter().map(|e| py_repr_str(e)).collect();
    let verb = if extras.len() == 1 { "was" } else { "were" };
    Some(format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        names.join(", ")
    ))
}

/// The keywords that look at one value and need no recursion.
fn scalar_keyword(keyword: &str, arg: &Value, instance: &Value) -> Option<String> {
    match keyword {
        "type" => check_type(arg, instance),
        "enum" => match arg {
            Value::Array(options) if !options.iter().any(|o| json_equal(o, instance)) => Some(
                format!("{} is not one of {}", py_repr(instance), py_repr(arg)),
            ),
            _ => None,
        },
        "minLength" | "maxLength" => length_keyword(keyword, arg, instance),
        "format" => match (instance.as_str(), arg.as_str()) {
            (Some(s), Some("uuid")) if !is_uuid_like(s) => {
                Some(format!("{} is not a 'uuid'", py_repr(instance)))
            }
            _ => None,
        },
        "minimum" | "maximum" => bound_keyword(keyword, arg, instance),
        "required" => match (instance, arg) {
            (Value::Object(map), Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .find(|n| !map.contains_key(*n))
                .map(|n| format!("{} is a required property", py_repr_str(n))),
            _ => None,
        },
        "minProperties" => count_below(instance.as_object().map(Map::len), arg, instance, {
            "does not have enough properties"
        }),
        "minItems" => count_below(instance.as_array().map(Vec::len), arg, instance, {
            "is too short"
        }),
        "maxItems" => {
            let len = instance.as_array()?.len() as u64;
            (len > arg.as_u64().unwrap_or(u64::MAX))
                .then(|| format!("{} is too long", py_repr(instance)))
        }
        "uniqueItems" => {
            let items = instance.as_array()?;
            let dup = arg == &Value::Bool(true)
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items[i + 1..].iter().any(|b| json_equal(a, b)));
            dup.then(|| format!("{} has non-unique elements", py_repr(instance)))
        }
        _ => None,
    }
}

/// minLength / maxLength, counted in characters as Python counts a str.
fn length_keyword(keyword: &str, arg: &Value, instance: &Value) -> Option<String> {
    match keyword {
        "minLength" => {
            let s = instance.as_str()?;
            let min = arg.as_u64().unwrap_or(0);
            let what = if min == 1 {
                "should be non-empty"
            } else {
                "is too short"
            };
            ((s.chars().count() as u64) < min).then(|| format!("{} {what}", py_repr(instance)))
        }
        "maxLength" => {
            let s = instance.as_str()?;
            let max = arg.as_u64().unwrap_or(u64::MAX);
            let what = if max == 0 {
                "is expected to be empty"
            } else {
                "is too long"
            };
            ((s.chars().count() as u64) > max).then(|| format!("{} {what}", py_repr(instance)))
        }
        _ => None,
    }
}

/// minimum / maximum.
fn bound_keyword(keyword: &str, arg: &Value, instance: &Value) -> Option<String> {
    match keyword {
        "minimum" => {
            let n = number(instance)?;
            (n < arg.as_f64().unwrap_or(f64::MIN)).then(|| {
                format!(
                    "{} is less than the minimum of {}",
                    py_repr(instance),
                    py_repr(arg)
                )
            })
        }
        "maximum" => {
            let n = number(instance)?;
            (n > arg.as_f64().unwrap_or(f64::MAX)).then(|| {
                format!(
                    "{} is greater than the maximum of {}",
                    py_repr(instance),
                    py_repr(arg)
                )
            })
        }
        _ => None,
    }
}

/// minProperties / minItems: jsonschema says "should be non-empty" when the minimum is 1.
fn count_below(len: Option<usize>, arg: &Value, instance: &Value, other: &str) -> Option<String> {
    let min = arg.as_u64().unwrap_or(0);
    if (len? as u64) >= min {
        return None;
    }
    let what = if min == 1 {
        "should be non-empty"
    } else {
        other
    };
    Some(format!("{} {what}", py_repr(instance)))
}

/// A number for minimum/maximum; numeric strings ('10') are compared too, as upstream's
/// validator has done here.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
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

/// The JSON-schema type names; `load` refuses any other.
pub(super) const TYPES: &[&str] = &[
    "string", "object", "array", "boolean", "null", "number", "integer",
];

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        // jsonschema 4 counts 1.0 as an integer.
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

/// jsonschema's equality (enum, uniqueItems): booleans never equal numbers; 1 == 1.0.
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

/// oslo.utils' is_uuid_like: 32 hex digits, dashed or not, any case.
pub fn is_uuid_like(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let dashed_ok = s.len() == 32
        || (s.len() == 36
            && s.char_indices()
                .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-')));
    dashed_ok && hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Python `repr(str)`.
pub(super) fn py_repr_str(s: &str) -> String {
    py_repr(&Value::String(s.to_string()))
}
