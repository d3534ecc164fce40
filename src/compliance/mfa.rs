//! Multi-factor rules: the user's rules as upstream keeps them, and whether a token's methods
//! satisfy one.

use serde_json::Value;

use crate::model::User;

use super::{ACTIVE_METHODS, MFA_ENABLED, MFA_RULES};

/// The user's MFA rules as upstream's `_parse_rule_structure` keeps them: lists of strings,
/// empty or malformed lists dropped, duplicates removed.
pub fn mfa_rules(user: &User) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let Some(Value::Array(rules)) = user.options.get(MFA_RULES) else {
        return out;
    };
    for rule in rules {
        let Some(items) = rule.as_array() else {
            continue;
        };
        if items.is_empty() || !items.iter().all(Value::is_string) {
            continue;
        }
        let mut r: Vec<String> = Vec::new();
        for s in items.iter().filter_map(Value::as_str) {
            if !r.iter().any(|x| x == s) {
                r.push(s.to_string());
            }
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn active(rule: &[String]) -> Vec<String> {
    rule.iter()
        .filter(|m| ACTIVE_METHODS.contains(&m.as_str()))
        .cloned()
        .collect()
}

/// Upstream's `check_auth_methods_against_rules`: may a token be issued for these methods?
pub fn mfa_satisfied(user: &User, methods: &[String]) -> bool {
    let rules = mfa_rules(user);
    let enabled = user.options.get(MFA_ENABLED) != Some(&Value::Bool(false));
    if rules.is_empty() || !enabled {
        return true;
    }
    let mut any_valid = false;
    for rule in &rules {
        let r = active(rule);
        if r.is_empty() {
            continue;
        }
        any_valid = true;
        if r.iter().all(|m| methods.contains(m)) {
            return true;
        }
    }
    // Every rule names only methods not loaded: let the user in rather than lock them out.
    !any_valid
}

/// Upstream's receipt `required_methods`: the (active parts of the) rules that share a
/// method with what was already done.
pub fn required_methods(user: &User, methods: &[String]) -> Vec<Vec<String>> {
    mfa_rules(user)
        .iter()
        .map(|r| active(r))
        .filter(|r| r.iter().any(|m| methods.contains(m)))
        .collect()
}
