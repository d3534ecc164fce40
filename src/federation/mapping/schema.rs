//! Upstream's mapping schemas (keystone/federation/utils.py IDP_ATTRIBUTE_MAPPING_SCHEMA_1_0 and
//! the 2.0/3.0 variants derived from it as upstream derives them) and the Draft 4 subset they
//! use, reporting every error as `jsonschema.Draft4Validator.iter_errors` does: upstream joins
//! all messages, sorted, each followed by "\n".

use serde_json::{json, Value};

use crate::pyrepr::py_repr;

/// `PROJECTS_SCHEMA`; 2.0 adds a `domain` to each project.
fn projects_schema(with_domain: bool) -> Value {
    let mut schema = json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["name", "roles"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "roles": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}},
                        "additionalProperties": false
                    }
                }
            }
        }
    });
    if with_domain {
        schema["items"]["properties"]["domain"] = domain_schema();
    }
    schema
}

fn domain_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "additionalProperties": false
    })
}

/// `PROJECTS_SCHEMA_2_0`: what a 3.0 `projects_json` value must be.
pub fn projects_json_schema() -> Value {
    projects_schema(true)
}

/// The keys a rule's `local` item may have, for a schema version's features.
fn local_properties(with_domain: bool, projects_json: bool) -> Value {
    let mut local = json!({
        "user": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "email": {"type": "string"},
                "domain": {"$ref": "#/definitions/domain"},
                "type": {"type": "string", "enum": ["ephemeral", "local"]}
            },
            "additionalProperties": false
        },
        "projects": projects_schema(with_domain),
        "group": {
            "type": "object",
            "oneOf": [
                {"$ref": "#/definitions/group_by_id"},
                {"$ref": "#/definitions/group_by_name"}
            ]
        },
        "groups": {"type": "string"},
        "group_ids": {"type": "string"},
        "domain": {"$ref": "#/definitions/domain"}
    });
    if projects_json {
        local["projects_json"] = json!({"type": "string"});
    }
    local
}

/// The schema of a mapping of `version`, or None for a version upstream does not know (its
/// `IDP_ATTRIBUTE_MAPPING_SCHEMAS[version]` raises KeyError).
pub fn mapping_schema(version: &str) -> Option<Value> {
    let (with_domain, projects_json) = match version {
        "1.0" => (false, false),
        "2.0" => (true, false),
        "3.0" => (true, true),
        _ => return None,
    };
    let local = local_properties(with_domain, projects_json);
    Some(json!({
        "type": "object",
        "required": ["rules"],
        "properties": {
            "rules": {
                "minItems": 1,
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["local", "remote"],
                    "additionalProperties": false,
                    "properties": {
                        "local": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "properties": local
                            }
                        },
                        "remote": {
                            "minItems": 1,
                            "type": "array",
                            "items": {
                                "type": "object",
                                "oneOf": [
                                    {"$ref": "#/definitions/empty"},
                                    {"$ref": "#/definitions/any_one_of"},
                                    {"$ref": "#/definitions/not_any_of"},
                                    {"$ref": "#/definitions/blacklist"},
                                    {"$ref": "#/definitions/whitelist"}
                                ]
                            }
                        }
                    }
                }
            },
            "schema_version": {"type": "string"}
        },
        "definitions": definitions()
    }))
}

/// The `#/definitions` the mapping schemas refer to (remote item kinds, domain, group).
fn definitions() -> Value {
    let remote_kind = |name: &str| {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["type", name],
            "properties": {
                "type": {"type": "string"},
                name: {"type": "array"},
                "regex": {"type": "boolean"}
            }
        })
    };
    json!({
        "empty": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"type": "string"}},
            "additionalProperties": false
        },
        "any_one_of": remote_kind("any_one_of"),
        "not_any_of": remote_kind("not_any_of"),
        "blacklist": remote_kind("blacklist"),
        "whitelist": remote_kind("whitelist"),
        "domain": domain_schema(),
        "group_by_id": {
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "additionalProperties": false,
            "required": ["id"]
        },
        "group_by_name": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "domain": {"$ref": "#/definitions/domain"}
            },
            "additionalProperties": false,
            "required": ["name", "domain"]
        }
    })
}

/// Every error message of `instance` against `root` (Draft 4, the keywords these schemas use),
/// sorted, each followed by "\n" — upstream's `messages` string; empty when valid.
pub fn error_text(root: &Value, instance: &Value) -> String {
    let mut errors = Vec::new();
    Draft4 { root }.check(root, instance, &mut errors);
    // Upstream sorts by str(error), which begins with the message.
    errors.sort();
    errors.iter().map(|m| format!("{m}\n")).collect()
}

struct Draft4<'a> {
    root: &'a Value,
}

impl Draft4<'_> {
    fn check(&self, schema: &Value, instance: &Value, out: &mut Vec<String>) {
        let Some(keywords) = schema.as_object() else {
            return;
        };
        // Draft 4 ignores a $ref's sibling keywords.
        if let Some(Value::String(reference)) = keywords.get("$ref") {
            if let Some(target) = self.resolve(reference) {
                self.check(target, instance, out);
            }
            return;
        }
        for (keyword, arg) in keywords {
            match keyword.as_str() {
                "type" => {
                    let t = arg.as_str().unwrap_or_default();
                    if !is_type(t, instance) {
                        out.push(format!("{} is not of type '{t}'", py_repr(instance)));
                    }
                }
                "enum" => {
                    let options = arg.as_array().map(Vec::as_slice).unwrap_or_default();
                    if !options.contains(instance) {
                        out.push(format!(
                            "{} is not one of {}",
                            py_repr(instance),
                            py_repr(arg)
                        ));
                    }
                }
                "required" => self.required(arg, instance, out),
                "properties" => self.properties(arg, instance, out),
                "additionalProperties" => additional_properties(keywords, arg, instance, out),
                "items" => {
                    for item in instance.as_array().map(Vec::as_slice).unwrap_or_default() {
                        self.check(arg, item, out);
                    }
                }
                "minItems" => {
                    let min = arg.as_u64().unwrap_or(0) as usize;
                    if let Some(items) = instance.as_array().filter(|a| a.len() < min) {
                        let what = if min == 1 {
                            "should be non-empty"
                        } else {
                            "is too short"
                        };
                        out.push(format!("{} {what}", py_repr(&Value::Array(items.clone()))));
                    }
                }
                "oneOf" => self.one_of(arg, instance, out),
                _ => {}
            }
        }
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/definitions/")?;
        self.root.get("definitions")?.get(name)
    }

    fn required(&self, arg: &Value, instance: &Value, out: &mut Vec<String>) {
        let Some(object) = instance.as_object() else {
            return;
        };
        for name in arg.as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                out.push(format!("{} is a required property", py_repr(&json!(name))));
            }
        }
    }

    fn properties(&self, arg: &Value, instance: &Value, out: &mut Vec<String>) {
        let (Some(object), Some(properties)) = (instance.as_object(), arg.as_object()) else {
            return;
        };
        for (name, subschema) in properties {
            if let Some(value) = object.get(name) {
                self.check(subschema, value, out);
            }
        }
    }

    fn one_of(&self, arg: &Value, instance: &Value, out: &mut Vec<String>) {
        let options = arg.as_array().map(Vec::as_slice).unwrap_or_default();
        let valid = options
            .iter()
            .filter(|s| {
                let mut errors = Vec::new();
                self.check(s, instance, &mut errors);
                errors.is_empty()
            })
            .count();
        match valid {
            0 => out.push(format!(
                "{} is not valid under any of the given schemas",
                py_repr(instance)
            )),
            1 => {}
            // Unreachable with upstream's schemas (each option forbids the others' keys).
            _ => out.push(format!("{} is valid under each of", py_repr(instance))),
        }
    }
}

fn additional_properties(
    keywords: &serde_json::Map<String, Value>,
    arg: &Value,
    instance: &Value,
    out: &mut Vec<String>,
) {
    let Some(object) = instance.as_object() else {
        return;
    };
    if arg != &Value::Bool(false) {
        return;
    }
    let known = keywords.get("properties").and_then(Value::as_object);
    let mut extras: Vec<&String> = object
        .keys()
        .filter(|k| !known.is_some_and(|p| p.contains_key(*k)))
        .collect();
    if extras.is_empty() {
        return;
    }
    extras.sort();
    let verb = if extras.len() == 1 { "was" } else { "were" };
    let names: Vec<String> = extras.iter().map(|k| py_repr(&json!(k))).collect();
    out.push(format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        names.join(", ")
    ));
}

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "null" => v.is_null(),
        _ => true,
    }
}
