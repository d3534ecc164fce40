//! The v2.0 admin API of the developer guide and upstream (Pike's reads, Newton's admin_crud
//! writes): tenants, users, tenant role grants, OS-KSADM roles and services, endpoints.
//! Each write is one store transaction; every call but `GET /tenants` enforces `admin_required`
//! in the route table (src/http/table.rs).

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{ActorKind, Assignment, Project, Role, Target, User};
use crate::store::{assignment, identity, resource, Reader};

use super::DEFAULT_DOMAIN;

/// The object under `key` in a request body (400 if missing or not an object).
fn member(doc: &Value, key: &str) -> Result<Map<String, Value>> {
    crate::validate::fields::body_object(doc, key)
}

fn tenant_in_default(r: &impl Reader, id: &str) -> Result<Project> {
    resource::get_project(r, id)?
        .filter(|p| p.domain_id == DEFAULT_DOMAIN)
        .ok_or_else(|| Error::not_found("project", id))
}

fn user_in_default(r: &impl Reader, id: &str) -> Result<User> {
    identity::get_user(r, id)?
        .filter(|u| u.domain_id == DEFAULT_DOMAIN)
        .ok_or_else(|| Error::not_found("user", id))
}

fn global_role(r: &impl Reader, id: &str) -> Result<Role> {
    assignment::get_role(r, id)?
        .filter(|role| role.domain_id.is_none())
        .ok_or_else(|| Error::not_found("role", id))
}

pub(super) fn grant_of(user_id: &str, tenant_id: &str, role_id: &str) -> Assignment {
    Assignment {
        actor_kind: ActorKind::User,
        actor_id: user_id.to_string(),
        target: Target::Project(tenant_id.to_string()),
        role_id: role_id.to_string(),
        inherited: false,
    }
}

mod ksadm;
mod tenants;
mod users;

pub use ksadm::*;
pub use tenants::*;
pub use users::*;
