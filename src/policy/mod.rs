//! Policy enforcement: upstream Keystone's RBAC rules evaluated the way
//! oslo.policy evaluates them.
//!
//! * The defaults are upstream Keystone's registered rules kept as data in
//!   `defaults.yaml` (regenerate with `gen_defaults.py`), using each rule's
//!   NEW check string, because upstream runs with
//!   `enforce_new_defaults = True` (oslo.policy never ORs in the deprecated
//!   string then) and `enforce_scope = True`.
//! * An optional override file (YAML or JSON, same shape as upstream's
//!   `policy.yaml`) replaces or adds rules by name, as oslo's `load_rules`
//!   does: a file rule wins over the registered default of the same name.
//! * Scope: oslo.policy 6.0.1 `Enforcer._enforce_scope` derives the token scope
//!   from the credentials as
//!   ```text
//!   if creds.get('system'):      token_scope = 'system'
//!   elif creds.get('domain_id'): token_scope = 'domain'
//!   else:                        token_scope = 'project'
//!   ```
//!   (`creds['system']` is set from a truthy `creds['system_scope']` first),
//!   so an unscoped token counts as a project-scoped one.  The scope types
//!   checked are those of the REGISTERED rule (`self.registered_rules.get(rule)`
//!   in `Enforcer.enforce`), so an override file can change a rule's check
//!   string but never its scope types.  A scope mismatch is oslo's
//!   `InvalidScope`, which keystone's `RBACEnforcer._enforce` turns into
//!   `ForbiddenAction` (403): here it is `PolicyError::Denied`.
//! * Evaluation mirrors `_checks.py`: `rule:` on a missing rule is false (or
//!   the rule named `default`, oslo's `policy_default_rule`, when an override
//!   file defines one); `role:` compares case-insensitively; a generic check
//!   interpolates `%(key)s` against the target flattened the way keystone's
//!   `utils.flatten_dict` does, and a missing key makes the check false.
//!
//! One job a file: this one holds the Enforcer and its decision; `load` (defaults, the
//! override file, oslo's check_rules), `eval` (a check tree against credentials and target),
//! `scope` (the token scope oslo derives from the credentials), `parse` (the rule language).

pub mod actions;
mod eval;
mod load;
pub mod parse;
mod scope;
#[cfg(test)]
mod tests;

pub use actions::Action;

use parse::Check;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

use eval::Ctx;

#[derive(Debug)]
pub enum PolicyError {
    /// The policy refused the request (check failed or scope mismatch).
    Denied,
    /// `enforce()` was asked about an action that is not a registered rule.
    UnknownRule(String),
    /// The defaults or the override file could not be loaded.
    Load(String),
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Denied => f.write_str("policy does not allow this action"),
            PolicyError::UnknownRule(r) => write!(f, "unknown policy rule {r:?}"),
            PolicyError::Load(m) => write!(f, "cannot load policy: {m}"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// The outcome of one enforcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Allow,
    /// The check string evaluated false (oslo: PolicyNotAuthorized).
    Deny,
    /// The token's scope is not in the rule's scope_types (oslo: InvalidScope).
    WrongScope,
}

struct Rule {
    name: String,
    check: Check,
    /// The registered default's scope_types; empty means "no scope check".
    scope_types: Vec<String>,
    /// Registered by upstream (in defaults.yaml), so enforce() accepts it.
    registered: bool,
}

/// A loaded policy: parsed once, then shared read-only between threads.
pub struct Enforcer {
    rules: Vec<Rule>,
    index: HashMap<String, usize>,
    /// oslo's `policy_default_rule` ("default"), if any rule has that name.
    default_rule: Option<usize>,
}

impl Enforcer {
    /// Whether `name` is a registered (upstream default) rule.
    pub fn has_rule(&self, name: &str) -> bool {
        self.index
            .get(name)
            .is_some_and(|&i| self.rules[i].registered)
    }

    /// Decide whether `creds` may perform `action` on `target`.
    pub fn enforce(&self, action: &str, creds: &Value, target: &Value) -> Result<(), PolicyError> {
        match self.decide(action, creds, target)? {
            Decision::Allow => Ok(()),
            Decision::Deny | Decision::WrongScope => Err(PolicyError::Denied),
        }
    }

    /// `enforce`, keeping apart the two ways of being refused (tests and logs).
    fn decide(&self, action: &str, creds: &Value, target: &Value) -> Result<Decision, PolicyError> {
        let rule = match self.index.get(action).map(|&i| &self.rules[i]) {
            // Like oslo's `authorize()`: only registered rules are actions.
            Some(r) if r.registered => r,
            _ => return Err(PolicyError::UnknownRule(action.to_string())),
        };
        let ctx = Ctx::new(creds, target);
        if !rule.scope_types.is_empty() {
            let scope = ctx.token_scope();
            if !rule.scope_types.iter().any(|s| s == scope.as_str()) {
                log::debug!(
                    "policy: {action} requires a scope of {:?}, request was made with {} scope",
                    rule.scope_types,
                    scope.as_str()
                );
                return Ok(Decision::WrongScope);
            }
        }
        if self.eval(&rule.check, &ctx, 0) {
            Ok(Decision::Allow)
        } else {
            log::debug!("policy: {action} denied");
            Ok(Decision::Deny)
        }
    }
}
