//! An account's security settings (OS-SECURITYPOLICY): one JSON document per account and
//! kind ("password", "login", "protect", "console_acl", "api_acl"), stored as the API
//! accepted it once merged and checked by the service. No document: the account uses the
//! documented defaults (and Keystone's global [security_compliance] keeps governing it).

use redb::TableDefinition;
use serde_json::Value;

use crate::store::tables::{key2, Table};
use crate::store::{Reader, StoreResult, Writer};

/// domain_id SEP kind -> the policy document
pub const SECURITY_POLICIES: Table = TableDefinition::new("iam-security-policies-1");

pub fn get(r: &impl Reader, domain_id: &str, kind: &str) -> StoreResult<Option<Value>> {
    r.get(SECURITY_POLICIES, &key2(domain_id, kind))
}

pub fn put(w: &impl Writer, domain_id: &str, kind: &str, doc: &Value) -> StoreResult<()> {
    w.put(SECURITY_POLICIES, &key2(domain_id, kind), doc)
}

pub fn remove(w: &impl Writer, domain_id: &str, kind: &str) -> StoreResult<()> {
    w.remove(SECURITY_POLICIES, &key2(domain_id, kind))
        .map(|_| ())
}

/// Every document of an account (domain deletion).
pub fn delete_for_domain(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    w.remove_prefix(SECURITY_POLICIES, domain_id).map(|_| ())
}
