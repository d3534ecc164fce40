//! Huawei IAM agencies (OS-AGENCY) and their grants, in tables of their own: an agency's
//! grants are not Keystone role assignments, so Keystone's role_assignments answers stay
//! upstream's. Also the OS-PROJECT status of a project (suspended or normal), kept beside
//! the project rather than in its record, so the Keystone project body stays upstream's.

use redb::TableDefinition;
use serde::{Deserialize, Serialize};

use crate::store::error::StoreResult;
use crate::store::tables::{key2, Table};
use crate::store::{Reader, Writer};

/// id -> Agency
pub const AGENCIES: Table = TableDefinition::new("iam-agencies-1");
/// domain_id SEP name -> agency id (names are unique in the delegating account)
pub const AGENCY_NAMES: Table = TableDefinition::new("iam-agency-names-1");
/// agency_id SEP kind ("domain" | "project" | "inherited") SEP target id SEP role_id -> ""
pub const AGENCY_GRANTS: Table = TableDefinition::new("iam-agency-grants-1");
/// project_id -> "suspended" (absent: normal)
pub const PROJECT_STATUS: Table = TableDefinition::new("iam-project-status-1");

/// An agency: account `domain_id` (A) lets the users of `trust_domain_id` (B) act in it
/// with the agency's grants until `expire_at` (Unix seconds; none = forever).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub trust_domain_id: String,
    #[serde(default)]
    pub description: String,
    /// As the client gave it: "FOREVER", "ONEDAY" or a number of days.
    pub duration: String,
    pub create_time: f64,
    pub expire_at: Option<f64>,
}

impl Agency {
    pub fn expired(&self, now: f64) -> bool {
        self.expire_at.is_some_and(|e| e <= now)
    }
}

/// Where an agency grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantOn {
    Domain,
    Project,
    /// Every project of the domain (OS-INHERIT ... inherited_to_projects).
    AllProjects,
}

impl GrantOn {
    fn key(self) -> &'static str {
        match self {
            GrantOn::Domain => "domain",
            GrantOn::Project => "project",
            GrantOn::AllProjects => "inherited",
        }
    }
}

pub fn get(r: &impl Reader, id: &str) -> StoreResult<Option<Agency>> {
    r.get(AGENCIES, id)
}

pub fn find_by_name(r: &impl Reader, domain_id: &str, name: &str) -> StoreResult<Option<Agency>> {
    match r.get::<String>(AGENCY_NAMES, &key2(domain_id, name))? {
        Some(id) => get(r, &id),
        None => Ok(None),
    }
}

pub fn list(r: &impl Reader) -> StoreResult<Vec<Agency>> {
    r.list(AGENCIES)
}

/// Creates or replaces an agency; false when another agency of its account has its name.
pub fn put(w: &impl Writer, agency: &Agency) -> StoreResult<bool> {
    let name_key = key2(&agency.domain_id, &agency.name);
    if let Some(other) = w.get::<String>(AGENCY_NAMES, &name_key)? {
        if other != agency.id {
            return Ok(false);
        }
    }
    w.put(AGENCY_NAMES, &name_key, &agency.id)?;
    w.put(AGENCIES, &agency.id, agency)?;
    Ok(true)
}

/// Deletes an agency and its grants; false when there was none.
pub fn delete(w: &impl Writer, id: &str) -> StoreResult<bool> {
    let Some(agency) = get(w, id)? else {
        return Ok(false);
    };
    w.remove(AGENCY_NAMES, &key2(&agency.domain_id, &agency.name))?;
    w.remove_prefix(AGENCY_GRANTS, id)?;
    w.remove(AGENCIES, id)
}

fn grant_key(agency_id: &str, on: GrantOn, target: &str, role_id: &str) -> String {
    key2(&key2(&key2(agency_id, on.key()), target), role_id)
}

pub fn grant(
    w: &impl Writer,
    agency_id: &str,
    on: GrantOn,
    target: &str,
    role: &str,
) -> StoreResult<()> {
    w.put_bytes(AGENCY_GRANTS, &grant_key(agency_id, on, target, role), b"")
}

pub fn revoke(
    w: &impl Writer,
    agency_id: &str,
    on: GrantOn,
    target: &str,
    role: &str,
) -> StoreResult<bool> {
    w.remove(AGENCY_GRANTS, &grant_key(agency_id, on, target, role))
}

pub fn has_grant(
    r: &impl Reader,
    agency_id: &str,
    on: GrantOn,
    target: &str,
    role: &str,
) -> StoreResult<bool> {
    r.exists(AGENCY_GRANTS, &grant_key(agency_id, on, target, role))
}

/// The role ids granted to an agency on one target.
pub fn granted_roles(
    r: &impl Reader,
    agency_id: &str,
    on: GrantOn,
    target: &str,
) -> StoreResult<Vec<String>> {
    r.suffixes(AGENCY_GRANTS, &key2(&key2(agency_id, on.key()), target))
}

/// A deleted project's or domain's traces: the grants any agency holds on it, and (for a
/// project) its status.
pub fn delete_for_target(w: &impl Writer, target_id: &str) -> StoreResult<()> {
    let keys: Vec<String> = w
        .scan(AGENCY_GRANTS, None)?
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| k.split(crate::store::tables::SEP).nth(2) == Some(target_id))
        .collect();
    for key in keys {
        w.remove(AGENCY_GRANTS, &key)?;
    }
    w.remove(PROJECT_STATUS, target_id)?;
    Ok(())
}

/// A deleted account's agencies, with their grants.
pub fn delete_of_domain(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    for agency in list(w)?.into_iter().filter(|a| a.domain_id == domain_id) {
        delete(w, &agency.id)?;
    }
    Ok(())
}

/// Whether a project is suspended (OS-PROJECT status).
pub fn project_suspended(r: &impl Reader, project_id: &str) -> StoreResult<bool> {
    r.exists(PROJECT_STATUS, project_id)
}

pub fn set_project_suspended(
    w: &impl Writer,
    project_id: &str,
    suspended: bool,
) -> StoreResult<()> {
    if suspended {
        w.put(PROJECT_STATUS, project_id, &"suspended")
    } else {
        w.remove(PROJECT_STATUS, project_id).map(|_| ())
    }
}
