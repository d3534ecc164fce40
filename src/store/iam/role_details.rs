//! Huawei's fields of a role (display name, type, catalog, flag, Chinese description, policy
//! document, times), kept beside the Keystone role record so that record's format, and every
//! Keystone answer about a plain role, stays as upstream's. Keyed by role id; written in the
//! same transaction as the role it describes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::error::StoreResult;
use crate::store::tables::{Table, SEP};
use crate::store::{Reader, Writer};
use redb::TableDefinition;

/// role id -> RoleDetails
pub const ROLE_DETAILS: Table = TableDefinition::new("iam-role-details-1");
/// domain_id -> last number used in a generated custom policy name (`custom_<domain>_<n>`)
pub const CUSTOM_POLICY_SEQ: Table = TableDefinition::new("iam-custom-policy-seq-1");

/// A role's Huawei fields. `policy` is the document as the client sent it (key order kept).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RoleDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// "AX" (account/domain level), "XA" (project level), "AA" (both), "XX" (neither).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// "fine_grained" for a system policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_cn: Option<String>,
    pub policy: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_time: Option<String>,
}

impl RoleDetails {
    /// A fine-grained policy (document Version "1.1"), as opposed to a role ("1.0").
    pub fn is_policy(&self) -> bool {
        self.policy.get("Version").and_then(Value::as_str) == Some("1.1")
    }
}

pub fn get(r: &impl Reader, role_id: &str) -> StoreResult<Option<RoleDetails>> {
    r.get(ROLE_DETAILS, role_id)
}

pub fn put(w: &impl Writer, role_id: &str, details: &RoleDetails) -> StoreResult<()> {
    w.put(ROLE_DETAILS, role_id, details)
}

pub fn remove(w: &impl Writer, role_id: &str) -> StoreResult<()> {
    w.remove(ROLE_DETAILS, role_id).map(|_| ())
}

/// Every role's details, by role id.
pub fn all(r: &impl Reader) -> StoreResult<std::collections::HashMap<String, RoleDetails>> {
    r.scan(ROLE_DETAILS, None)?
        .into_iter()
        .map(|(k, v)| Ok((k, serde_json::from_slice(&v)?)))
        .collect()
}

/// The next number of a domain's generated custom policy names (1, 2, ...; never reused).
pub fn next_custom_number(w: &impl Writer, domain_id: &str) -> StoreResult<u64> {
    debug_assert!(!domain_id.contains(SEP));
    let n = w.get::<u64>(CUSTOM_POLICY_SEQ, domain_id)?.unwrap_or(0) + 1;
    w.put(CUSTOM_POLICY_SEQ, domain_id, &n)?;
    Ok(n)
}

/// Drops a deleted domain's name counter.
pub fn forget_custom_numbers(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    w.remove(CUSTOM_POLICY_SEQ, domain_id).map(|_| ())
}
