//! Regions, services and endpoints (upstream's catalog subsystem): the region tree's rules
//! (a parent must exist, no cycles, a region with endpoints below it cannot go, deleting a
//! region deletes its subtree). What other subsystems hold for a deleted region, service or
//! endpoint goes in `service::catalog`.

use serde_json::{Map, Value};

use super::error::{Constraint, Kind, StoreError, StoreResult};
use super::tables::{ENDPOINTS, REGIONS, SERVICES};
use super::{Reader, Writer};
use crate::model::{Endpoint, Extra, Region, Service};

pub fn get_region(r: &impl Reader, id: &str) -> StoreResult<Option<Region>> {
    r.get(REGIONS, id)
}

pub fn require_region(r: &impl Reader, id: &str) -> StoreResult<Region> {
    get_region(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Region, id))
}

pub fn list_regions(r: &impl Reader) -> StoreResult<Vec<Region>> {
    r.list(REGIONS)
}

/// Creates a region: 409 for a taken id, 404 for a missing parent, as upstream's create_region.
pub fn create_region(w: &impl Writer, region: &Region) -> StoreResult<()> {
    if w.exists(REGIONS, &region.id)? {
        return Err(StoreError::duplicate_id(Kind::Region, &region.id));
    }
    if let Some(parent) = &region.parent_region_id {
        if !w.exists(REGIONS, parent)? {
            return Err(StoreError::not_found(Kind::Region, parent));
        }
    }
    w.put(REGIONS, &region.id, region)
}

/// Splits a record's dict form into its attributes and extras, as upstream's from_dict.
fn split_extra(dict: &Map<String, Value>, attributes: &[&str]) -> Extra {
    dict.iter()
        .filter(|(k, _)| !attributes.contains(&k.as_str()) && k.as_str() != "links")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The record's dict form (extras first, then attributes), updated with `changes`.
fn merged(
    extra: &Extra,
    attributes: Vec<(&str, Value)>,
    changes: &Map<String, Value>,
) -> Map<String, Value> {
    let mut dict = extra.clone();
    for (k, v) in attributes {
        dict.insert(k.to_string(), v);
    }
    for (k, v) in changes {
        dict.insert(k.clone(), v.clone());
    }
    dict
}

fn opt_str(dict: &Map<String, Value>, key: &str) -> Option<String> {
    dict.get(key).and_then(Value::as_str).map(str::to_string)
}

/// PATCH a region: the new parent must exist (404), then the region (404), and the new parent
/// chain must not lead back to the region (400), in upstream's order.
pub fn update_region(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> StoreResult<Region> {
    if let Some(Value::String(parent)) = changes.get("parent_region_id") {
        require_region(w, parent)?;
    }
    let old = require_region(w, id)?;
    let dict = merged(
        &old.extra,
        vec![
            ("id", Value::String(old.id.clone())),
            ("description", Value::String(old.description.clone())),
            (
                "parent_region_id",
                old.parent_region_id
                    .clone()
                    .map_or(Value::Null, Value::String),
            ),
        ],
        changes,
    );
    let region = Region {
        id: old.id.clone(),
        description: opt_str(&dict, "description").unwrap_or_default(),
        parent_region_id: opt_str(&dict, "parent_region_id"),
        extra: split_extra(&dict, &["id", "description", "parent_region_id"]),
    };
    let mut next = region.parent_region_id.clone();
    let mut seen: Vec<String> = Vec::new();
    while let Some(parent) = next {
        if parent == region.id || seen.contains(&parent) {
            return Err(StoreError::Constraint(Constraint::CircularRegion {
                parent_id: parent,
            }));
        }
        next = require_region(w, &parent)?.parent_region_id;
        seen.push(parent);
    }
    w.put(REGIONS, &region.id, &region)?;
    Ok(region)
}

/// The ids of a region's descendants, nearest first.
fn descendants(regions: &[Region], id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut queue = vec![id.to_string()];
    while let Some(current) = queue.pop() {
        for child in regions
            .iter()
            .filter(|r| r.parent_region_id.as_deref() == Some(current.as_str()))
        {
            if child.id != id && !out.contains(&child.id) {
                out.push(child.id.clone());
                queue.push(child.id.clone());
            }
        }
    }
    out
}

/// Deletes a region and every region below it, refused if any of them holds an endpoint.
/// Returns the deleted regions' ids, the region first.
pub fn delete_region(w: &impl Writer, id: &str) -> StoreResult<Vec<String>> {
    require_region(w, id)?;
    let mut doomed = descendants(&list_regions(w)?, id);
    doomed.insert(0, id.to_string());
    let endpoints = list_endpoints(w)?;
    if endpoints
        .iter()
        .any(|e| e.region_id.as_ref().is_some_and(|r| doomed.contains(r)))
    {
        return Err(StoreError::Constraint(Constraint::RegionHasEndpoints {
            region_id: id.to_string(),
        }));
    }
    for region in &doomed {
        w.remove(REGIONS, region)?;
    }
    Ok(doomed)
}

pub fn get_service(r: &impl Reader, id: &str) -> StoreResult<Option<Service>> {
    r.get(SERVICES, id)
}

pub fn require_service(r: &impl Reader, id: &str) -> StoreResult<Service> {
    get_service(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Service, id))
}

pub fn list_services(r: &impl Reader) -> StoreResult<Vec<Service>> {
    r.list(SERVICES)
}

pub fn put_service(w: &impl Writer, service: &Service) -> StoreResult<()> {
    w.put(SERVICES, &service.id, service)
}

/// PATCH a service: upstream merges the changes into the stored dict (extras included).
pub fn update_service(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> StoreResult<Service> {
    let old = require_service(w, id)?;
    let dict = merged(
        &old.extra,
        vec![
            ("id", Value::String(old.id.clone())),
            ("type", Value::String(old.service_type.clone())),
            ("enabled", Value::Bool(old.enabled)),
        ],
        changes,
    );
    let service = Service {
        id: old.id.clone(),
        service_type: opt_str(&dict, "type").unwrap_or_default(),
        enabled: dict.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        extra: split_extra(&dict, &["id", "type", "enabled"]),
    };
    put_service(w, &service)?;
    Ok(service)
}

pub fn service_exists(r: &impl Reader, id: &str) -> StoreResult<bool> {
    r.exists(SERVICES, id)
}

/// Deletes the service record alone; whether it was there.
pub fn delete_service(w: &impl Writer, id: &str) -> StoreResult<bool> {
    w.remove(SERVICES, id)
}

pub fn get_endpoint(r: &impl Reader, id: &str) -> StoreResult<Option<Endpoint>> {
    r.get(ENDPOINTS, id)
}

pub fn require_endpoint(r: &impl Reader, id: &str) -> StoreResult<Endpoint> {
    get_endpoint(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Endpoint, id))
}

pub fn list_endpoints(r: &impl Reader) -> StoreResult<Vec<Endpoint>> {
    r.list(ENDPOINTS)
}

pub fn put_endpoint(w: &impl Writer, endpoint: &Endpoint) -> StoreResult<()> {
    w.put(ENDPOINTS, &endpoint.id, endpoint)
}

/// Upstream's checks before an endpoint write: its region, then its service, must exist (400).
pub fn check_endpoint_refs(
    r: &impl Reader,
    region_id: Option<&str>,
    service_id: Option<&str>,
) -> StoreResult<()> {
    if let Some(region) = region_id {
        if get_region(r, region)?.is_none() {
            return Err(StoreError::Constraint(Constraint::EndpointRegionMissing));
        }
    }
    if let Some(service) = service_id {
        if get_service(r, service)?.is_none() {
            return Err(StoreError::Constraint(Constraint::EndpointServiceMissing));
        }
    }
    Ok(())
}

/// The legacy `region` field: a region named only by `region` is created if missing, as
/// upstream's _validate_endpoint_region does. Returns the endpoint dict with `region_id` set.
pub fn resolve_legacy_region(w: &impl Writer, dict: &mut Map<String, Value>) -> StoreResult<()> {
    let region_id_missing = matches!(dict.get("region_id"), None | Some(Value::Null));
    if region_id_missing {
        if let Some(Value::String(region)) = dict.get("region").cloned() {
            dict.shift_remove("region");
            dict.insert("region_id".into(), Value::String(region.clone()));
            if get_region(w, &region)?.is_none() {
                create_region(
                    w,
                    &Region {
                        id: region,
                        description: String::new(),
                        parent_region_id: None,
                        extra: Extra::new(),
                    },
                )?;
            }
        }
    }
    Ok(())
}

const ENDPOINT_ATTRIBUTES: [&str; 7] = [
    "id",
    "interface",
    "region_id",
    "service_id",
    "url",
    "legacy_endpoint_id",
    "enabled",
];

/// An endpoint from its dict form (upstream's Endpoint.from_dict: a missing or null
/// `enabled` is true; what is not an attribute is an extra).
pub fn endpoint_from_dict(dict: &Map<String, Value>) -> Endpoint {
    Endpoint {
        id: opt_str(dict, "id").unwrap_or_default(),
        interface: opt_str(dict, "interface").unwrap_or_default(),
        region_id: opt_str(dict, "region_id"),
        service_id: opt_str(dict, "service_id").unwrap_or_default(),
        url: opt_str(dict, "url").unwrap_or_default(),
        enabled: dict.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        extra: split_extra(dict, &ENDPOINT_ATTRIBUTES),
    }
}

/// PATCH an endpoint: region and service checks (400), then the endpoint (404), then merge.
pub fn update_endpoint(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> StoreResult<Endpoint> {
    check_endpoint_refs(
        w,
        changes.get("region_id").and_then(Value::as_str),
        changes.get("service_id").and_then(Value::as_str),
    )?;
    let old = require_endpoint(w, id)?;
    let dict = merged(
        &old.extra,
        vec![
            ("id", Value::String(old.id.clone())),
            ("interface", Value::String(old.interface.clone())),
            (
                "region_id",
                old.region_id.clone().map_or(Value::Null, Value::String),
            ),
            ("service_id", Value::String(old.service_id.clone())),
            ("url", Value::String(old.url.clone())),
            ("enabled", Value::Bool(old.enabled)),
        ],
        changes,
    );
    let mut endpoint = endpoint_from_dict(&dict);
    endpoint.id = old.id;
    put_endpoint(w, &endpoint)?;
    Ok(endpoint)
}

/// Deletes the endpoint record alone; whether it was there.
pub fn delete_endpoint(w: &impl Writer, id: &str) -> StoreResult<bool> {
    w.remove(ENDPOINTS, id)
}
