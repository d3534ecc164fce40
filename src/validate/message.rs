//! Upstream's two wordings of a failed schema:
//! - keystone/api/validation (the flask API's decorators): "Invalid input for field/attribute
//!   {last path step}. Value: {str(instance)}. {message}", or the bare message at the root;
//! - keystone/common/validation `lazy_validate`: jsonschema's whole `str(error)` (message,
//!   failing keyword, the schema and the instance pretty-printed), prefixed with
//!   "Invalid input for field '{path}': " when the error is below the root.

use serde_json::Value;

use super::keywords::{py_repr_str, Failure, Step};
use crate::pyrepr::{py_repr, py_str};

/// keystone/api/validation's wording.
pub fn api_wording(f: &Failure) -> String {
    match f.path.last() {
        Some(field) => format!(
            "Invalid input for field/attribute {field}. Value: {}. {}",
            py_str(f.instance),
            f.message
        ),
        None => f.message.clone(),
    }
}

/// keystone/common/validation `lazy_validate`'s wording.
pub fn lazy_wording(f: &Failure) -> String {
    let text = format!(
        "{}\n\nFailed validating {} in {}:\n    {}\n\nOn {}:\n    {}",
        f.message,
        py_repr_str(f.keyword),
        subscripts("schema", &f.schema_path),
        pformat(f.schema).replace('\n', "\n    "),
        subscripts("instance", &f.path),
        pformat(f.instance).replace('\n', "\n    "),
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
