//! Legacy policy blobs (/v3/policies) and OS-ENDPOINT-POLICY associations (upstream's policy
//! and endpoint_policy subsystems).

use serde_json::{Map, Value};

use super::error::{Kind, Link, StoreError, StoreResult};
use super::tables::{key2, POLICIES, POLICY_ASSOCIATIONS};
use super::{Reader, Writer};
use crate::model::{PolicyAssociation, PolicyBlob};

pub fn get_policy(r: &impl Reader, id: &str) -> StoreResult<Option<PolicyBlob>> {
    r.get(POLICIES, id)
}

pub fn require_policy(r: &impl Reader, id: &str) -> StoreResult<PolicyBlob> {
    get_policy(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Policy, id))
}

pub fn list_policies(r: &impl Reader) -> StoreResult<Vec<PolicyBlob>> {
    r.list(POLICIES)
}

pub fn create_policy(w: &impl Writer, policy: &PolicyBlob) -> StoreResult<()> {
    if w.exists(POLICIES, &policy.id)? {
        return Err(StoreError::duplicate_id(Kind::Policy, &policy.id));
    }
    w.put(POLICIES, &policy.id, policy)
}

/// PATCH a policy: the changes merge into the stored dict, extras included.
pub fn update_policy(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> StoreResult<PolicyBlob> {
    let old = require_policy(w, id)?;
    let mut dict = old.extra.clone();
    dict.insert("id".into(), Value::String(old.id.clone()));
    dict.insert("blob".into(), Value::String(old.blob.clone()));
    dict.insert("type".into(), Value::String(old.policy_type.clone()));
    for (k, v) in changes {
        dict.insert(k.clone(), v.clone());
    }
    let text = |k: &str| {
        dict.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let policy = PolicyBlob {
        id: old.id.clone(),
        blob: text("blob"),
        policy_type: text("type"),
        extra: dict
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "blob" | "type" | "links"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    w.put(POLICIES, id, &policy)?;
    Ok(policy)
}

/// Deletes a policy and the associations that name it.
pub fn delete_policy(w: &impl Writer, id: &str) -> StoreResult<()> {
    require_policy(w, id)?;
    w.remove(POLICIES, id)?;
    delete_associations(w, |a| a.policy_id == id)
}

fn association_key(
    endpoint_id: Option<&str>,
    service_id: Option<&str>,
    region_id: Option<&str>,
) -> String {
    key2(
        &key2(endpoint_id.unwrap_or(""), service_id.unwrap_or("")),
        region_id.unwrap_or(""),
    )
}

/// Sets the policy for an endpoint, a service, or a service in a region (replacing any).
pub fn create_association(w: &impl Writer, association: &PolicyAssociation) -> StoreResult<()> {
    let key = association_key(
        association.endpoint_id.as_deref(),
        association.service_id.as_deref(),
        association.region_id.as_deref(),
    );
    w.put(POLICY_ASSOCIATIONS, &key, association)
}

/// The policy associated with exactly this (endpoint, service, region), if any.
pub fn get_association(
    r: &impl Reader,
    endpoint_id: Option<&str>,
    service_id: Option<&str>,
    region_id: Option<&str>,
) -> StoreResult<Option<PolicyAssociation>> {
    r.get(
        POLICY_ASSOCIATIONS,
        &association_key(endpoint_id, service_id, region_id),
    )
}

/// 404 "Could not find policy association." unless `policy_id` holds this association.
pub fn check_association(r: &impl Reader, association: &PolicyAssociation) -> StoreResult<()> {
    match get_association(
        r,
        association.endpoint_id.as_deref(),
        association.service_id.as_deref(),
        association.region_id.as_deref(),
    )? {
        Some(found) if found.policy_id == association.policy_id => Ok(()),
        _ => Err(StoreError::NotLinked(Link::PolicyAssociation)),
    }
}

/// Removes the association if `policy_id` holds it; nothing to remove is no error (upstream).
pub fn delete_association(w: &impl Writer, association: &PolicyAssociation) -> StoreResult<()> {
    let key = association_key(
        association.endpoint_id.as_deref(),
        association.service_id.as_deref(),
        association.region_id.as_deref(),
    );
    if let Some(found) = w.get::<PolicyAssociation>(POLICY_ASSOCIATIONS, &key)? {
        if found.policy_id == association.policy_id {
            w.remove(POLICY_ASSOCIATIONS, &key)?;
        }
    }
    Ok(())
}

pub fn list_associations(r: &impl Reader) -> StoreResult<Vec<PolicyAssociation>> {
    r.list(POLICY_ASSOCIATIONS)
}

/// Removes every association `doomed` selects (those of a deleted policy, endpoint, service
/// or region).
pub fn delete_associations(
    w: &impl Writer,
    doomed: impl Fn(&PolicyAssociation) -> bool,
) -> StoreResult<()> {
    for (key, bytes) in w.scan(POLICY_ASSOCIATIONS, None)? {
        let association: PolicyAssociation = serde_json::from_slice(&bytes)?;
        if doomed(&association) {
            w.remove(POLICY_ASSOCIATIONS, &key)?;
        }
    }
    Ok(())
}
