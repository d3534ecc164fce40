//! Upstream's RuleProcessor and its 2.0/3.0 subclasses (keystone/federation/utils.py), step
//! for step, on JSON values standing for upstream's Python dicts (serde_json keeps key order,
//! as Python dicts do, so the result serializes in upstream's order).

use serde_json::{Map, Value};

use super::python::{self, FormatError};
use super::{schema, MappingError, Version};
use crate::pyrepr::{py_repr, py_str};

/// An attribute's values: its string split on ';'.
pub(super) type Assertion = Vec<(String, Vec<String>)>;

pub(super) struct Processor {
    pub version: Version,
}

impl Processor {
    /// `RuleProcessor.process` up to `_transform`'s dict, as a JSON object.
    /// Also the users upstream logs as "Ignoring user [...]" (a later rule's user).
    pub fn process(
        &self,
        rules: &Value,
        assertion: &Assertion,
    ) -> Result<(Value, Vec<Value>), MappingError> {
        let mut identity_values = Vec::new();
        for rule in rules.as_array().map(Vec::as_slice).unwrap_or_default() {
            let remote = rule.get("remote").ok_or_else(|| key_error("remote"))?;
            let Some(direct_maps) = verify_all_requirements(remote, assertion)? else {
                continue;
            };
            let local = rule.get("local").ok_or_else(|| key_error("local"))?;
            // Upstream's `if not direct_maps` never holds (DirectMaps defines no __len__, so
            // it is always truthy): every local part goes through substitution, and a `{0}`
            // in a rule whose remote items only gate is a DirectMappingError.
            for item in local.as_array().map(Vec::as_slice).unwrap_or_default() {
                identity_values.push(self.update_local_mapping(item, &direct_maps)?);
            }
        }
        self.transform(identity_values)
    }

    fn update_local_mapping(&self, local: &Value, maps: &[Value]) -> Result<Value, MappingError> {
        let Some(object) = local.as_object() else {
            return Err(no_attribute(local, "items"));
        };
        let mut new = Map::new();
        for (key, rule) in object {
            new.insert(key.clone(), self.process_rule_mapping(maps, key, rule)?);
        }
        Ok(Value::Object(new))
    }

    fn process_rule_mapping(
        &self,
        maps: &[Value],
        key: &str,
        rule: &Value,
    ) -> Result<Value, MappingError> {
        if self.version == Version::V3
            && (key == "projects_json" || (key == "projects" && rule.is_string()))
        {
            return projects_json(maps, key, rule);
        }
        match rule {
            Value::Object(_) => self.update_local_mapping(rule, maps),
            Value::Array(items) => items
                .iter()
                .map(|item| self.update_local_mapping(item, maps))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::String(template) => match python::format(template, &direct_args(maps)) {
                Ok(text) => Ok(Value::String(text)),
                Err(FormatError::Index) => Err(MappingError::DirectMapping),
                Err(FormatError::Other(class, message)) => {
                    Err(MappingError::Python { class, message })
                }
            },
            other => Err(no_attribute(other, "format")),
        }
    }

    /// `_transform`: the identity values folded into upstream's result dict.
    fn transform(&self, identity_values: Vec<Value>) -> Result<(Value, Vec<Value>), MappingError> {
        if identity_values.is_empty() {
            return Err(MappingError::NoMatch);
        }
        let mut user = Map::new();
        let mut group_ids: Vec<Value> = Vec::new();
        let mut group_names: Vec<Value> = Vec::new();
        let mut groups_by_domain: Vec<(Value, Vec<Value>)> = Vec::new();
        let mut projects = Vec::new();
        let mut ignored_users = Vec::new();
        for value in &identity_values {
            if let Some(mapped) = value.get("user") {
                if !user.is_empty() {
                    ignored_users.push(mapped.clone());
                } else if let Some(mapped) = mapped.as_object() {
                    user = mapped.clone();
                }
            }
            if let Some(group) = value.get("group").and_then(Value::as_object) {
                if let Some(id) = group.get("id") {
                    add_unique(&mut group_ids, id.clone());
                } else if group.contains_key("name") {
                    group_names.extend(process_group_by_name(group, &mut groups_by_domain)?);
                }
            }
            if value.get("groups").is_some() {
                group_names.extend(normalize_groups(value)?);
            }
            if let Some(ids) = value.get("group_ids") {
                for id in python::literal_list(&py_str(ids)) {
                    add_unique(&mut group_ids, id);
                }
            }
            if value.get("projects").is_some() || value.get("projects_json").is_some() {
                projects = self.extract_projects(value);
            }
        }
        // Upstream passes its loop variable: the last identity value's domain.
        let last_domain = identity_values
            .last()
            .and_then(|v| v.get("domain"))
            .cloned();
        self.normalize_user(&mut user, last_domain)?;
        let mut result = Map::new();
        result.insert("user".into(), Value::Object(user));
        result.insert("group_ids".into(), Value::Array(group_ids));
        result.insert("group_names".into(), Value::Array(group_names));
        result.insert("projects".into(), Value::Array(projects));
        Ok((Value::Object(result), ignored_users))
    }

    fn normalize_user(
        &self,
        user: &mut Map<String, Value>,
        domain: Option<Value>,
    ) -> Result<(), MappingError> {
        if user.get("type").is_none_or(Value::is_null) {
            user.insert("type".into(), Value::String("ephemeral".into()));
        }
        let kind = user.get("type").cloned().unwrap_or_default();
        if kind != "ephemeral" && kind != "local" {
            return Err(MappingError::Invalid(format!(
                "User type {} not supported",
                py_str(&kind)
            )));
        }
        if self.version != Version::V1 && !truthy(user.get("domain")) {
            user.insert("domain".into(), domain.unwrap_or(Value::Null));
        }
        Ok(())
    }

    fn extract_projects(&self, value: &Value) -> Vec<Value> {
        let mut projects = value
            .get("projects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if self.version == Version::V1 {
            return projects;
        }
        if self.version == Version::V3 {
            projects.extend(
                value
                    .get("projects_json")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        let default_domain = value.get("domain").cloned().unwrap_or(Value::Null);
        for project in projects.iter_mut().filter_map(Value::as_object_mut) {
            if !truthy(project.get("domain")) {
                project.insert("domain".into(), default_domain.clone());
            }
        }
        projects
    }
}

/// The arguments `str.format(*DirectMaps())` receives: a one-value match is its string.
fn direct_args(maps: &[Value]) -> Vec<Value> {
    maps.iter()
        .map(|m| match m.as_array() {
            Some(values) if values.len() == 1 => values[0].clone(),
            _ => m.clone(),
        })
        .collect()
}

/// `_verify_all_requirements`: None when the rule does not apply, else the direct maps (each a
/// list of values).
fn verify_all_requirements(
    requirements: &Value,
    assertion: &Assertion,
) -> Result<Option<Vec<Value>>, MappingError> {
    let mut direct_maps = Vec::new();
    for requirement in requirements
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let kind = requirement.get("type").ok_or_else(|| key_error("type"))?;
        let Some(values) = assertion
            .iter()
            .find(|(name, _)| Value::String(name.clone()) == *kind)
            .map(|(_, values)| values)
        else {
            return Ok(None);
        };
        let regex = truthy(requirement.get("regex"));
        if let Some(allowed) = requirement.get("any_one_of") {
            if matches(allowed, values, regex)?.is_empty() {
                return Ok(None);
            }
            continue;
        }
        if let Some(denied) = requirement.get("not_any_of") {
            if !matches(denied, values, regex)?.is_empty() {
                return Ok(None);
            }
            continue;
        }
        let mapped: Vec<Value> = if let Some(black) = requirement.get("blacklist") {
            let hits = matches(black, values, regex)?;
            let mut kept = Vec::new();
            for v in values.iter().filter(|v| !hits.contains(v)) {
                add_unique(&mut kept, Value::String(v.clone()));
            }
            kept
        } else if let Some(white) = requirement.get("whitelist") {
            let hits = matches(white, values, regex)?;
            if regex {
                hits.into_iter().map(Value::String).collect()
            } else {
                let mut kept = Vec::new();
                for v in hits {
                    add_unique(&mut kept, Value::String(v));
                }
                kept
            }
        } else {
            values.iter().cloned().map(Value::String).collect()
        };
        direct_maps.push(Value::Array(mapped));
    }
    Ok(Some(direct_maps))
}

/// The assertion values a requirement's list matches: by `re.search` of any pattern, or by
/// equality (upstream intersects sets, so we keep assertion order and drop duplicates later).
fn matches(listed: &Value, values: &[String], regex: bool) -> Result<Vec<String>, MappingError> {
    let listed = listed.as_array().map(Vec::as_slice).unwrap_or_default();
    if !regex {
        if let Some(bad) = listed.iter().find(|v| v.is_array() || v.is_object()) {
            return Err(MappingError::Python {
                class: "TypeError",
                message: format!("unhashable type: '{}'", py_type(bad)),
            });
        }
        return Ok(values
            .iter()
            .filter(|v| listed.iter().any(|l| l.as_str() == Some(v.as_str())))
            .cloned()
            .collect());
    }
    let mut hits = Vec::new();
    for value in values {
        for pattern in listed {
            let Some(pattern) = pattern.as_str() else {
                return Err(MappingError::Python {
                    class: "TypeError",
                    message: "first argument must be string or compiled pattern".into(),
                });
            };
            let found = python::search(pattern, value).map_err(|message| MappingError::Python {
                class: "re.error",
                message,
            })?;
            if found {
                hits.push(value.clone());
                break;
            }
        }
    }
    Ok(hits)
}

/// `process_group_by_name`: upstream re-yields every group seen so far, by domain.
fn process_group_by_name(
    group: &Map<String, Value>,
    by_domain: &mut Vec<(Value, Vec<Value>)>,
) -> Result<Vec<Value>, MappingError> {
    let domain = group.get("domain").ok_or_else(|| key_error("domain"))?;
    let name = domain.get("name").filter(|v| truthy(Some(v)));
    let key = name
        .or_else(|| domain.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    match by_domain.iter_mut().find(|(k, _)| *k == key) {
        Some((_, groups)) => groups.push(Value::Object(group.clone())),
        None => by_domain.push((key, vec![Value::Object(group.clone())])),
    }
    let mut out = Vec::new();
    for (_, groups) in by_domain.iter() {
        // {g['name']: g for g in groups}.values(): first position, last value.
        let mut by_name: Vec<(Value, Value)> = Vec::new();
        for g in groups {
            let name = g.get("name").cloned().unwrap_or(Value::Null);
            match by_name.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = g.clone(),
                None => by_name.push((name, g.clone())),
            }
        }
        out.extend(by_name.into_iter().map(|(_, g)| g));
    }
    Ok(out)
}

/// `_normalize_groups`: `groups` as a list literal (or one name), each with the rule's domain,
/// or, when the text contains "name", entries that carry their own (`JSON:{...}`).
fn normalize_groups(value: &Value) -> Result<Vec<Value>, MappingError> {
    let groups = py_str(value.get("groups").unwrap_or(&Value::Null)).into_owned();
    let invalid = || {
        MappingError::Invalid(format!(
            "Invalid rule: {}. Both 'groups' and 'domain' keywords must be specified.",
            py_repr(value)
        ))
    };
    if groups.contains("name") {
        let mut out = Vec::new();
        for group in python::literal_list(&groups) {
            let Some(text) = group.as_str() else {
                // upstream's convert_json calls group.startswith on every entry.
                return Err(no_attribute(&group, "startswith"));
            };
            let group = match Some(text).filter(|g| g.starts_with("JSON:")) {
                // str.lstrip('JSON:') strips a set of characters, not the prefix.
                Some(text) => {
                    serde_json::from_str(text.trim_start_matches(['J', 'S', 'O', 'N', ':']))
                        .map_err(|e| MappingError::Python {
                            class: "json.decoder.JSONDecodeError",
                            message: e.to_string(),
                        })?
                }
                None => group,
            };
            if !contains(&group, "domain")? {
                return Err(invalid());
            }
            out.push(group);
        }
        return Ok(out);
    }
    let domain = value.get("domain").ok_or_else(invalid)?;
    Ok(python::literal_list(&groups)
        .into_iter()
        .map(|name| serde_json::json!({"name": name, "domain": domain}))
        .collect())
}

/// Python `needle in haystack` for a str, dict or list haystack.
fn contains(haystack: &Value, needle: &str) -> Result<bool, MappingError> {
    match haystack {
        Value::String(s) => Ok(s.contains(needle)),
        Value::Object(map) => Ok(map.contains_key(needle)),
        Value::Array(items) => Ok(items.iter().any(|i| i.as_str() == Some(needle))),
        other => Err(MappingError::Python {
            class: "TypeError",
            message: format!("argument of type '{}' is not iterable", py_type(other)),
        }),
    }
}

/// 3.0's `projects_json` (and a string `projects`): `{N}` names a remote match holding a JSON
/// list of projects, validated against PROJECTS_SCHEMA_2_0.
fn projects_json(maps: &[Value], key: &str, rule: &Value) -> Result<Value, MappingError> {
    let text = py_str(rule);
    let digits = text.strip_prefix('{').unwrap_or(&text);
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(MappingError::SchemaValidation(format!(
            "The rule [{text}] for key [{key}] does not match the expected pattern [\\{{?(\\d+)\\}}?]."
        )));
    }
    let args = direct_args(maps);
    let index: usize = digits.parse().unwrap_or(usize::MAX);
    let chosen = args.get(index).ok_or(MappingError::Python {
        class: "IndexError",
        message: "list index out of range".into(),
    })?;
    let projects = match chosen {
        Value::String(s) => serde_json::from_str(s).map_err(|e| MappingError::Python {
            class: "json.decoder.JSONDecodeError",
            message: e.to_string(),
        })?,
        other => other.clone(),
    };
    let errors = schema::error_text(&schema::projects_json_schema(), &projects);
    if !errors.is_empty() {
        return Err(MappingError::Invalid(errors));
    }
    Ok(projects)
}

fn add_unique(list: &mut Vec<Value>, v: Value) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// Python truthiness of an optional JSON value.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Bool(true)) => true,
    }
}

fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn key_error(key: &str) -> MappingError {
    MappingError::Python {
        class: "KeyError",
        message: format!("'{key}'"),
    }
}

fn no_attribute(v: &Value, attribute: &str) -> MappingError {
    MappingError::Python {
        class: "AttributeError",
        message: format!("'{}' object has no attribute '{attribute}'", py_type(v)),
    }
}
