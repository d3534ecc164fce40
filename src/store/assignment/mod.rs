//! Roles, implied roles and role assignments (upstream's assignment subsystem), and the one
//! place that computes a user's effective roles on a scope.
//!
//! One job a file: `roles`, `implied` (implication rules), `grants` (assignments as stored),
//! `effective` (a user's roles on a scope), `query` (upstream's list_role_assignments).
//!
//! mod.rs comes last in the layer check's view of this folder (src/store/layers.rs), so the
//! test module is declared at the end.

mod effective;
mod grants;
mod implied;
mod query;
mod roles;

pub use effective::{
    effective_role_ids, effective_role_ids_with_groups, token_roles, token_roles_with_groups,
};
pub use grants::{
    actor_has_assignments, delete_for_actor, delete_for_target, exists, grant, list_all,
    list_for_actor, revoke,
};
pub use implied::{add_implied, expand_implied, implied_by, list_implied, remove_implied};
pub use query::{list_role_assignments, subtree_ids, AssignmentQuery, AssignmentRef, Indirect};
pub use roles::{
    create_role, delete_role, delete_roles_of_domain, find_role_by_name, get_role, list_roles,
    require_role, update_role,
};

#[cfg(test)]
mod tests;
