//! Upstream's two wordings of a failed schema:
//! - keystone/api/validation (the flask API's decorators): "Invalid input for field/attribute
//!   {last path step}. Value: {str(instance)}. {message}", or the bare message at the root;
//! - keystone/common/validation `lazy_validate`: jsonschema's whole `str(error)` (message,
//!   failing keyword, the schema and the instance pretty-printed), prefixed with
//!   "Invalid input for field '{path}': " when the error is below the root.

use serde_json::Value;

use super::keywords::{py_repr_str, Failure, Step};
use crate::pyrepr::{py_repr, py_str};

/// Fields whose failing value is never repeated in a message, as oslo_utils
/// `strutils.mask_password` masks them: the value shows as '***'.
const SECRET_FIELDS: &[&str] = &[
    "password",
    "original_password",
    "secret",
    "client_secret",
    "passcode",
    "token",
];

/// Fields masked also inside a larger failing value (a user object that fails as a whole).
/// Not `secret`: refusing an OAuth1 consumer update that sets one quotes it, as upstream does
/// (src/validate/tests.rs), and the value is the caller's rejected input, never stored.
const NESTED_SECRET_FIELDS: &[&str] = &["password", "original_password"];

/// Whether a failing value of this field is masked in a message.
pub fn is_secret(key: &str) -> bool {
    SECRET_FIELDS.contains(&key)
}

/// The failing instance and message with every secret masked: the whole value when the
/// failure lies inside a secret field, else each secret field within the instance.
fn masked(f: &Failure) -> (Value, String) {
    let inside_secret = f
        .path
        .iter()
        .any(|step| matches!(step, Step::Key(k) if is_secret(k)));
    let instance = if inside_secret {
        Value::String("***".to_string())
    } else {
        mask_value(f.instance)
    };
    if &instance == f.instance {
        return (instance, f.message.clone());
    }
    // jsonschema's messages quote the instance itself ("[...] is not of type 'string'").
    let message = f.message.replace(&py_repr(f.instance), &py_repr(&instance));
    (instance, message)
}

fn mask_value(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, item)| {
                    let item = if NESTED_SECRET_FIELDS.contains(&k.as_str()) {
                        Value::String("***".to_string())
                    } else {
                        mask_value(item)
                    };
                    (k.clone(), item)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_value).collect()),
        other => other.clone(),
    }
}

/// keystone/api/validation's wording.
pub fn api_wording(f: &Failure) -> String {
    let (instance, message) = masked(f);
    match f.path.last() {
        Some(field) => format!(
            "Invalid input for field/attribute {field}. Value: {}. {}",
            py_str(&instance),
            message
        ),
        None => message,
    }
}

/// keystone/common/validation `lazy_validate`'s wording.
pub fn lazy_wording(f: &Failure) -> String {
    let (instance, message) = masked(f);
    let text = format!(
        "{}\n\nFailed validating {} in {}:\n    {}\n\nOn {}:\n    {}",
        message,
        py_repr_str(f.keyword),
        subscripts("schema", &f.schema_path),
        pformat(f.schema).replace('\n', "\n    "),
        subscripts("instance", &f.path),
        pformat(&instance).replace('\n', "\n    "),
    );
    if f.path.is_empty() {
        return text;
    }
    let path: Vec<String> = f.path.iter().map(Step::to_string).collect();
    format!("Invalid input for field '{}': {text}", path.join("/"))
}

/// `schema['properties']['blob']`, `instance[0]`: jsonschema's path as Python subscripts.
fn subscripts(container: &str, steps: &[Step]) -> String {
    let mut out = container.to_string();
    for step in steps {
        out.push('[');
        match step {
            Step::Key(k) => out.push_str(&py_repr_str(k)),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
        out.push(']');
    }
    out
}

/// Python's `pprint.pformat(v, width=72, sort_dicts=False)` for dicts, lists and scalars.
/// (Long strings are not split into fragments as pprint would; upstream's schemas have none.)
pub fn pformat(v: &Value) -> String {
    let mut out = String::new();
    pformat_into(v, 0, 0, &mut out);
    out
}

const PPRINT_WIDTH: usize = 72;

fn pformat_into(v: &Value, indent: usize, allowance: usize, out: &mut String) {
    let rep = py_repr(v);
    let max_width = PPRINT_WIDTH.saturating_sub(indent + allowance);
    if rep.chars().count() <= max_width {
        out.push_str(&rep);
        return;
    }
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            let indent = indent + 1;
            let last = map.len() - 1;
            for (i, (k, item)) in map.iter().enumerate() {
                let key = py_repr_str(k);
                out.push_str(&key);
                out.push_str(": ");
                let allow = if i == last { allowance + 1 } else { 1 };
                pformat_into(item, indent + key.chars().count() + 2, allow, out);
                if i != last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
            }
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            let indent = indent + 1;
            let last = items.len() - 1;
            for (i, item) in items.iter().enumerate() {
                let allow = if i == last { allowance + 1 } else { 1 };
                pformat_into(item, indent, allow, out);
                if i != last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
            }
            out.push(']');
        }
        _ => out.push_str(&rep),
    }
}
