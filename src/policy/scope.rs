//! The token scope oslo.policy derives from the credentials (`Enforcer._enforce_scope`),
//! checked against a registered rule's scope types.

use super::eval::{truthy, Ctx};

/// The three scopes oslo.policy distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    System,
    Domain,
    Project,
}

impl Scope {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Scope::System => "system",
            Scope::Domain => "domain",
            Scope::Project => "project",
        }
    }
}

impl Ctx<'_> {
    /// oslo `_enforce_scope` (policy.py, oslo.policy 6.0.1).
    pub(super) fn token_scope(&self) -> Scope {
        if self.cred("system").is_some_and(truthy) {
            Scope::System
        } else if self.cred("domain_id").is_some_and(truthy) {
            Scope::Domain
        } else {
            // Neither system nor domain: oslo treats it as project-scoped,
            // which includes unscoped tokens.
            Scope::Project
        }
    }
}
