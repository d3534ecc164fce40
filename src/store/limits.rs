//! Unified limits (upstream's unified_limit subsystem): registered limits (per service, region
//! and resource name, the default) and limits (per project or domain, overriding a default).
//! Uniqueness and reference checks live here so they run in the write transaction.

use serde::{Deserialize, Serialize};

use super::tables::{LIMITS, REGISTERED_LIMITS};
use super::StoreResult;
use super::{Reader, Writer};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegisteredLimit {
    pub id: String,
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
    pub default_limit: i64,
    pub description: Option<String>,
    /// Creation order: upstream lists in insertion order.
    #[serde(default)]
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Limit {
    pub id: String,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
    pub resource_limit: i64,
    pub description: Option<String>,
    /// Creation order: upstream lists in insertion order.
    #[serde(default)]
    pub seq: u64,
}

pub fn get_registered(r: &impl Reader, id: &str) -> StoreResult<Option<RegisteredLimit>> {
    r.get(REGISTERED_LIMITS, id)
}

/// In creation order.
pub fn list_registered(r: &impl Reader) -> StoreResult<Vec<RegisteredLimit>> {
    let mut all: Vec<RegisteredLimit> = r.list(REGISTERED_LIMITS)?;
    all.sort_by_key(|l| l.seq);
    Ok(all)
}

pub fn put_registered(w: &impl Writer, limit: &RegisteredLimit) -> StoreResult<()> {
    w.put(REGISTERED_LIMITS, &limit.id, limit)
}

pub fn delete_registered(w: &impl Writer, id: &str) -> StoreResult<bool> {
    w.remove(REGISTERED_LIMITS, id)
}

pub fn get_limit(r: &impl Reader, id: &str) -> StoreResult<Option<Limit>> {
    r.get(LIMITS, id)
}

/// In creation order.
pub fn list_limits(r: &impl Reader) -> StoreResult<Vec<Limit>> {
    let mut all: Vec<Limit> = r.list(LIMITS)?;
    all.sort_by_key(|l| l.seq);
    Ok(all)
}

/// A creation-order stamp: nanoseconds now, plus the position within one request.
pub fn next_seq(index: usize) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos.saturating_add(index as u64)
}

pub fn put_limit(w: &impl Writer, limit: &Limit) -> StoreResult<()> {
    w.put(LIMITS, &limit.id, limit)
}

pub fn delete_limit(w: &impl Writer, id: &str) -> StoreResult<bool> {
    w.remove(LIMITS, id)
}

/// Removes the limits of a project (when it is deleted), as upstream does.
pub fn delete_for_project(w: &impl Writer, project_id: &str) -> StoreResult<()> {
    for l in list_limits(w)? {
        if l.project_id.as_deref() == Some(project_id) {
            w.remove(LIMITS, &l.id)?;
        }
    }
    Ok(())
}

/// Removes the limits of a domain (when it is deleted).
pub fn delete_for_domain(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    for l in list_limits(w)? {
        if l.domain_id.as_deref() == Some(domain_id) {
            w.remove(LIMITS, &l.id)?;
        }
    }
    Ok(())
}
