//! Evaluating a check tree as oslo's `_checks.py` does, against one enforcement's view of the
//! credentials and the target (flattened as keystone's `utils.flatten_dict`).

use serde_json::{Map, Value};

use super::parse::{py_str_eq, Check, Kind, RenderError};
use super::Enforcer;

/// How deep `rule:` references may nest before evaluation gives up.  Python
/// would hit its recursion limit on a cycle and fail the request; denying is
/// the equivalent outcome without the stack overflow.
const MAX_RULE_DEPTH: u32 = 64;

impl Enforcer {
    pub(super) fn eval(&self, check: &Check, ctx: &Ctx<'_>, depth: u32) -> bool {
        match check {
            Check::True => true,
            Check::False | Check::Remote(_) => false,
            Check::Not(c) => !self.eval(c, ctx, depth),
            Check::And(v) => v.iter().all(|c| self.eval(c, ctx, depth)),
            Check::Or(v) => v.iter().any(|c| self.eval(c, ctx, depth)),
            Check::Rule(name) => {
                // `Rules.__missing__` falls back to the "default" rule.
                let Some(&i) = self.index.get(name).or(self.default_rule.as_ref()) else {
                    return false;
                };
                if depth >= MAX_RULE_DEPTH {
                    log::warn!("policy: rule nesting too deep at rule:{name}; denying");
                    return false;
                }
                self.eval(&self.rules[i].check, ctx, depth + 1)
            }
            Check::Role(t) => {
                let Ok(m) = t.render(|k| ctx.target_value(k)) else {
                    return false;
                };
                // `match.lower() in [x.lower() for x in creds['roles']]`
                match ctx.cred("roles") {
                    Some(Value::Array(roles)) => roles
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|r| eq_lower(r, &m)),
                    _ => false,
                }
            }
            Check::Generic { kind, template } => {
                let m = match template.render(|k| ctx.target_value(k)) {
                    Ok(m) => m,
                    Err(RenderError::MissingKey) | Err(RenderError::Format) => return false,
                };
                match kind {
                    Kind::Literal { value, .. } => *value == *m,
                    Kind::Path(segs) => {
                        let Some((first, rest)) = segs.split_first() else {
                            return false;
                        };
                        match ctx.cred(first) {
                            Some(v) => descend(v, rest, &m),
                            None => false,
                        }
                    }
                }
            }
        }
    }
}

/// Python `a.lower() == b.lower()` without allocating.
fn eq_lower(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// oslo `GenericCheck._find_in_dict`: walk `segs` into `v`; a list met on the
/// way matches if any element matches the rest of the path.
fn find_in(v: &Value, segs: &[String], m: &str) -> bool {
    let (v, rest) = match segs.split_first() {
        None => return py_str_eq(v, m),
        // Indexing a non-dict raises TypeError in oslo (request fails); deny.
        Some((key, rest)) => match v.as_object().and_then(|o| o.get(key)) {
            Some(next) => (next, rest),
            None => return false,
        },
    };
    descend(v, rest, m)
}

/// The half of `_find_in_dict` after a key was looked up.
fn descend(v: &Value, rest: &[String], m: &str) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|x| find_in(x, rest, m)),
        _ => find_in(v, rest, m),
    }
}

/// One enforcement's view of the credentials and target.
pub(super) struct Ctx<'a> {
    creds: Option<&'a Map<String, Value>>,
    target: Option<&'a Map<String, Value>>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(creds: &'a Value, target: &'a Value) -> Ctx<'a> {
        Ctx {
            creds: creds.as_object(),
            target: target.as_object(),
        }
    }

    /// `creds[key]`, with oslo's special case: a truthy `system_scope` is
    /// copied into `creds['system']` before any check runs.
    pub(super) fn cred(&self, key: &str) -> Option<&'a Value> {
        let creds = self.creds?;
        if key == "system" {
            if let Some(v) = creds.get("system_scope").filter(|v| truthy(v)) {
                return Some(v);
            }
        }
        creds.get(key)
    }

    /// `flatten_dict(target)[key]`, without building the flat dict.
    fn target_value(&self, key: &str) -> Option<&'a Value> {
        flat_get(self.target?, key)
    }
}

/// Look `key` up as keystone's `utils.flatten_dict` would have flattened
/// `map`: nested objects become dotted keys and only non-object values are
/// leaves (lists stay whole; an empty object vanishes).
fn flat_get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(key) {
        if !v.is_object() {
            return Some(v);
        }
    }
    for (i, _) in key.match_indices('.') {
        if let Some(Value::Object(inner)) = map.get(&key[..i]) {
            if let Some(v) = flat_get(inner, &key[i + 1..]) {
                return Some(v);
            }
        }
    }
    None
}

/// Python truthiness of a JSON value.
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
