//! Role grants on Huawei enterprise projects (§1.11): a user or group holds a role on an
//! enterprise project. Enterprise projects themselves belong to Huawei's EPS service, not to
//! IAM, so their ids are taken as given; the grants are kept apart from Keystone's
//! assignments (which have no such target) and never enter a Keystone token.

use redb::TableDefinition;
use serde::{Deserialize, Serialize};

use crate::store::error::StoreResult;
use crate::store::tables::{key2, Table};
use crate::store::{Reader, Writer};

/// "user:<id>"|"group:<id>" SEP enterprise project id SEP role id -> EpGrant
pub const EP_GRANTS: Table = TableDefinition::new("iam-ep-grants-1");

/// One grant on an enterprise project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpGrant {
    /// "user" or "group".
    pub actor_kind: String,
    pub actor_id: String,
    pub enterprise_project_id: String,
    pub role_id: String,
}

fn actor_key(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

fn key(g: &EpGrant) -> String {
    key2(
        &key2(
            &actor_key(&g.actor_kind, &g.actor_id),
            &g.enterprise_project_id,
        ),
        &g.role_id,
    )
}

pub fn grant(w: &impl Writer, g: &EpGrant) -> StoreResult<()> {
    w.put(EP_GRANTS, &key(g), g)
}

/// Whether there was such a grant.
pub fn revoke(w: &impl Writer, g: &EpGrant) -> StoreResult<bool> {
    w.remove(EP_GRANTS, &key(g))
}

pub fn list_all(r: &impl Reader) -> StoreResult<Vec<EpGrant>> {
    r.list(EP_GRANTS)
}

pub fn list_for_actor(r: &impl Reader, kind: &str, id: &str) -> StoreResult<Vec<EpGrant>> {
    r.list_prefix(EP_GRANTS, &actor_key(kind, id))
}
