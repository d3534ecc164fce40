//! Upstream's request schemas for the catalog area (keystone/catalog/schema.py, policy/schema.py)
//! and a small JSON-schema validator that reports the first error exactly as upstream words it.
//! Two wordings exist upstream: keystone/api/validation (regions, services, endpoints, endpoint
//! groups: "Invalid input for field/attribute X. Value: v. msg") and the older
//! keystone/common/validation `lazy_validate` (policies: jsonschema's full `str(error)`).
//! Only the keywords these schemas use are implemented.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::policy::parse::{py_repr, py_str};

/// The first failure, as jsonschema's ValidationError carries it.
struct SchemaError {
    /// Where in the instance (property names).
    path: Vec<String>,
    /// Where in the schema, up to the failing keyword's schema.
    schema_path: Vec<String>,
    keyword: &'static str,
    /// The schema holding the failing keyword.
    schema: Value,
    instance: Value,
    message: String,
}

fn is_type(v: &Value, ty: &str) -> bool {
    match ty {
        "string" => v.is_string(),
        "object" => v.is_object(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "array" => v.is_array(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        _ => false,
    }
}

/// `re.search` for the few patterns upstream's catalog schemas use.
fn pattern_matches(pattern: &str, s: &str) -> bool {
    match pattern {
        // parameter_types.name
        "[\\S]+" => s.chars().any(|c| !c.is_whitespace()),
        // an endpoint URL: a scheme, a colon, then anything
        "^[a-zA-Z0-9+.-]+:.+" => {
            let scheme_len = s
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
                .count();
            let mut rest = s.chars().skip(scheme_len);
            scheme_len > 0 && rest.next() == Some(':') && rest.next().is_some_and(|c| c != '\n')
        }
        _ => true,
    }
}

fn len_chars(s: &str) -> usize {
    s.chars().count()
}

fn check(
    schema: &Value,
    inst: &Value,
    path: &mut Vec<String>,
    spath: &mut Vec<String>,
) -> Option<SchemaError> {
    let Value::Object(keywords) = schema else {
        return None;
    };
    let fail = |keyword: &'static str, message: String, path: &Vec<String>, spath: &Vec<String>| {
        Some(SchemaError {
            path: path.clone(),
            schema_path: spath.clone(),
            keyword,
            schema: schema.clone(),
            instance: inst.clone(),
            message,
        })
    };
    for (keyword, arg) in keywords {
        match keyword.as_str() {
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => continue,
                };
                if !types.iter().any(|t| is_type(inst, t)) {
                    let reprs: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
                    let msg = format!("{} is not of type {}", py_repr(inst), reprs.join(", "));
                    return fail("type", msg, path, spath);
                }
            }
            "enum" => {
                if let Value::Array(options) = arg {
                    if !options.contains(inst) {
                        let msg = format!("{} is not one of {}", py_repr(inst), py_repr(arg));
                        return fail("enum", msg, path, spath);
                    }
                }
            }
            "minLength" => {
                if let (Value::String(s), Some(n)) = (inst, arg.as_u64()) {
                    if (len_chars(s) as u64) < n {
                        let what = if n == 1 {
                            "should be non-empty"
                        } else {
                            "is too short"
                        };
                        return fail(
                            "minLength",
                            format!("{} {what}", py_repr(inst)),
                            path,
                            spath,
                        );
                    }
                }
            }
            "maxLength" => {
                if let (Value::String(s), Some(n)) = (inst, arg.as_u64()) {
                    if len_chars(s) as u64 > n {
                        let what = if n == 0 {
                            "is expected to be empty"
                        } else {
                            "is too long"
                        };
                        return fail(
                            "maxLength",
                            format!("{} {what}", py_repr(inst)),
                            path,
                            spath,
                        );
                    }
                }
            }
            "pattern" => {
                if let (Value::String(s), Value::String(p)) = (inst, arg) {
                    if !pattern_matches(p, s) {
                        let msg = format!("{} does not match {}", py_repr(inst), py_repr(arg));
                        return fail("pattern", msg, path, spath);
                    }
                }
            }
            "properties" => {
                if let (Value::Object(props), Value::Object(obj)) = (arg, inst) {
                    for (name, sub) in props {
                        if let Some(value) = obj.get(name) {
                            path.push(name.clone());
                            spath.push("properties".into());
                            spath.push(name.clone());
                            let found = check(sub, value, path, spath);
                            path.pop();
                            spath.pop();
                            spath.pop();
                            if found.is_some() {
                                return found;
                            }
                        }
                    }
                }
            }
            "required" => {
                if let (Value::Array(names), Value::Object(obj)) = (arg, inst) {
                    for name in names.iter().filter_map(Value::as_str) {
                        if !obj.contains_key(name) {
                            let msg = format!("'{name}' is a required property");
                            return fail("required", msg, path, spath);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let (Value::Bool(false), Value::Object(obj)) = (arg, inst) {
                    let known = keywords.get("properties").and_then(Value::as_object);
                    let mut extras: Vec<&String> = obj
                        .keys()
                        .filter(|k| !known.is_some_and(|p| p.contains_key(*k)))
                        .collect();
                    if !extras.is_empty() {
                        extras.sort();
                        let joined: Vec<String> =
                            extras.iter().map(|k| py_repr(&json!(k))).collect();
                        let verb = if extras.len() == 1 { "was" } else { "were" };
                        let msg = format!(
                            "Additional properties are not allowed ({} {verb} unexpected)",
                            joined.join(", ")
                        );
                        return fail("additionalProperties", msg, path, spath);
                    }
                }
            }
            "minProperties" => {
                if let (Value::Object(obj), Some(n)) = (inst, arg.as_u64()) {
                    if (obj.len() as u64) < n {
                        let what = if n == 1 {
                            "should be non-empty"
                        } else {
                            "does not have enough properties"
                        };
                        let msg = format!("{} {what}", py_repr(inst));
                        return fail("minProperties", msg, path, spath);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn first_error(schema: &Value, instance: &Value) -> Option<SchemaError> {
    check(schema, instance, &mut Vec::new(), &mut Vec::new())
}

/// keystone/api/validation: a request body (or query) against its schema.
pub fn validate(schema: &Value, instance: &Value) -> Result<()> {
    match first_error(schema, instance) {
        None => Ok(()),
        Some(e) => Err(Error::Validation(match e.path.last() {
            Some(field) => format!(
                "Invalid input for field/attribute {field}. Value: {}. {}",
                py_str(&e.instance),
                e.message
            ),
            None => e.message,
        })),
    }
}

/// The query string as upstream's query schemas see it: each name with its first value.
pub fn query_object(query: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in query {
        if !map.contains_key(k) {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Value::Object(map)
}

/// keystone/common/validation `lazy_validate`: jsonschema's whole `str(error)`.
pub fn lazy_validate(schema: &Value, instance: &Value) -> Result<()> {
    let Some(e) = first_error(schema, instance) else {
        return Ok(());
    };
    let index = |container: &str, parts: &[String]| -> String {
        let mut out = container.to_string();
        for p in parts {
            out.push('[');
            out.push_str(&py_repr(&json!(p)));
            out.push(']');
        }
        out
    };
    let text = format!(
        "{}\n\nFailed validating '{}' in {}:\n    {}\n\nOn {}:\n    {}",
        e.message,
        e.keyword,
        index("schema", &e.schema_path),
        pformat(&e.schema).replace('\n', "\n    "),
        index("instance", &e.path),
        pformat(&e.instance).replace('\n', "\n    "),
    );
    Err(Error::Validation(if e.path.is_empty() {
        text
    } else {
        format!("Invalid input for field '{}': {text}", e.path.join("/"))
    }))
}

/// Python's `pprint.pformat(v, width=72, sort_dicts=False)` for dicts, lists and scalars.
fn pformat(v: &Value) -> String {
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
                let key = py_repr(&json!(k));
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

fn region_id(min_length: u64) -> Value {
    json!({"type": ["string", "null"], "minLength": min_length, "maxLength": 255})
}

fn region_properties(id_min_length: u64) -> Value {
    json!({
        "description": {"type": ["string", "null"], "maxLength": 255},
        "id": region_id(id_min_length),
        "parent_region_id": region_id(1),
    })
}

pub fn region_create() -> Value {
    json!({"type": "object",
           "properties": {"region": {"type": "object", "properties": region_properties(0),
                                     "additionalProperties": true}},
           "required": ["region"]})
}

pub fn region_update() -> Value {
    json!({"type": "object",
           "properties": {"region": {"type": "object", "properties": region_properties(1),
                                     "minProperties": 1, "additionalProperties": true}},
           "required": ["region"], "additionalProperties": false})
}

pub fn regions_query() -> Value {
    json!({"type": "object", "properties": {"parent_region_id": region_id(1)},
           "additionalProperties": false})
}

fn service_properties() -> Value {
    json!({
        "enabled": {"type": "boolean"},
        "type": {"type": "string", "minLength": 1, "maxLength": 255},
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
    })
}

pub fn service_create() -> Value {
    json!({"type": "object",
           "properties": {"service": {"type": "object", "properties": service_properties(),
                                      "additionalProperties": true, "required": ["type"]}}})
}

pub fn service_update() -> Value {
    json!({"type": "object",
           "properties": {"service": {"type": "object", "properties": service_properties(),
                                      "additionalProperties": true, "minProperties": 1}},
           "required": ["service"]})
}

const INTERFACES: [&str; 3] = ["admin", "internal", "public"];

fn endpoint_properties(with_id: bool) -> Value {
    let mut props = Map::new();
    if with_id {
        props.insert("id".into(), json!({"type": "string"}));
    }
    for (k, v) in [
        ("enabled", json!({"type": "boolean"})),
        ("interface", json!({"type": "string", "enum": INTERFACES})),
        ("region_id", json!({"type": ["string", "null"]})),
        ("region", json!({"type": ["string", "null"]})),
        ("service_id", json!({"type": "string"})),
        (
            "url",
            json!({"type": "string", "minLength": 0, "maxLength": 225,
                   "pattern": "^[a-zA-Z0-9+.-]+:.+"}),
        ),
        ("name", json!({"type": "string"})),
        ("description", json!({"type": ["string", "null"]})),
    ] {
        props.insert(k.into(), v);
    }
    Value::Object(props)
}

pub fn endpoint_create() -> Value {
    json!({"type": "object",
           "properties": {"endpoint": {"type": "object", "properties": endpoint_properties(true),
                                       "required": ["interface", "service_id", "url"],
                                       "additionalProperties": true}},
           "additionalProperties": false})
}

pub fn endpoint_update() -> Value {
    json!({"type": "object",
           "properties": {"endpoint": {"type": "object", "properties": endpoint_properties(false),
                                       "additionalProperties": true, "minProperties": 1}},
           "required": ["endpoint"], "additionalProperties": false})
}

pub fn endpoints_query() -> Value {
    json!({"type": "object",
           "properties": {"interface": {"type": "string", "enum": INTERFACES},
                          "region_id": {"type": ["string", "null"]},
                          "service_id": {"type": "string"}},
           "additionalProperties": true})
}

fn name_schema() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "[\\S]+"})
}

fn endpoint_group_properties() -> Value {
    json!({
        "description": {"type": ["string", "null"]},
        "filters": {"type": "object",
                    "properties": {"interface": {"type": "string", "enum": INTERFACES},
                                   "service_id": {"type": "string"},
                                   "region_id": {"type": ["string", "null"]},
                                   "enabled": {"type": "boolean"}}},
        "name": name_schema(),
    })
}

pub fn endpoint_group_create() -> Value {
    json!({"type": "object",
           "properties": {"endpoint_group": {"type": "object",
                                             "properties": endpoint_group_properties(),
                                             "required": ["name", "filters"],
                                             "additionalProperties": false}},
           "additionalProperties": false})
}

pub fn endpoint_group_update() -> Value {
    json!({"type": "object",
           "properties": {"endpoint_group": {"type": "object",
                                             "properties": endpoint_group_properties(),
                                             "minProperties": 1,
                                             "additionalProperties": false}},
           "required": ["endpoint_group"], "additionalProperties": false})
}

pub fn endpoint_groups_query() -> Value {
    json!({"type": "object", "properties": {"name": name_schema()},
           "additionalProperties": false})
}

fn policy_properties() -> Value {
    json!({"blob": {"type": "string"}, "type": {"type": "string", "maxLength": 255}})
}

pub fn policy_create() -> Value {
    json!({"type": "object", "properties": policy_properties(), "required": ["blob", "type"],
           "additionalProperties": true})
}

pub fn policy_update() -> Value {
    json!({"type": "object", "properties": policy_properties(), "minProperties": 1,
           "additionalProperties": true})
}

/// Upstream's `_normalize_dict`: `:` and `-` in attribute names become `_`.
pub fn normalize_keys(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| (k.replace([':', '-'], "_"), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<()>) -> String {
        match r {
            Err(Error::Validation(m)) => m,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn api_validation_wording() {
        let m = msg(validate(
            &endpoint_create(),
            &json!({"endpoint": {"enabled": "False"}}),
        ));
        assert_eq!(
            m,
            "Invalid input for field/attribute enabled. Value: False. 'False' is not of type 'boolean'"
        );
        let m = msg(validate(&region_update(), &json!({"region": {}})));
        assert_eq!(
            m,
            "Invalid input for field/attribute region. Value: {}. {} should be non-empty"
        );
        let m = msg(validate(
            &endpoint_create(),
            &json!({"endpoint": {"interface": "public",
            "service_id": "s", "url": "x"}}),
        ));
        assert_eq!(
            m,
            "Invalid input for field/attribute url. Value: x. 'x' does not match '^[a-zA-Z0-9+.-]+:.+'"
        );
        let m = msg(validate(&regions_query(), &json!({"foo": "1"})));
        assert_eq!(
            m,
            "Additional properties are not allowed ('foo' was unexpected)"
        );
        assert!(validate(
            &endpoint_create(),
            &json!({"endpoint": {"interface": "public",
            "service_id": "s", "url": "http://x"}})
        )
        .is_ok());
    }

    #[test]
    fn lazy_validation_wording() {
        let m = msg(lazy_validate(&policy_create(), &json!({})));
        let expected = concat!(
            "'blob' is a required property\n\nFailed validating 'required' in schema:\n",
            "    {'type': 'object',\n",
            "     'properties': {'blob': {'type': 'string'},\n",
            "                    'type': {'type': 'string', 'maxLength': 255}},\n",
            "     'required': ['blob', 'type'],\n",
            "     'additionalProperties': True}\n\nOn instance:\n    {}"
        );
        assert_eq!(m, expected);
        let m = msg(lazy_validate(
            &policy_create(),
            &json!({"blob": 1, "type": "x"}),
        ));
        let expected = concat!(
            "Invalid input for field 'blob': 1 is not of type 'string'\n\n",
            "Failed validating 'type' in schema['properties']['blob']:\n",
            "    {'type': 'string'}\n\nOn instance['blob']:\n    1"
        );
        assert_eq!(m, expected);
    }
}
