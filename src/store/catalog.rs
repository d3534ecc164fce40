//! Regions, services and endpoints (upstream's catalog subsystem).

use super::tables::{ENDPOINTS, REGIONS, SERVICES};
use super::{Reader, Writer};
use crate::error::{Error, Result};
use crate::model::{Endpoint, Region, Service};

pub fn get_region(r: &impl Reader, id: &str) -> Result<Option<Region>> {
    r.get(REGIONS, id)
}

pub fn list_regions(r: &impl Reader) -> Result<Vec<Region>> {
    r.list(REGIONS)
}

pub fn create_region(w: &impl Writer, region: &Region) -> Result<()> {
    if w.exists(REGIONS, &region.id)? {
        return Err(Error::duplicate("region", "Duplicate ID"));
    }
    w.put(REGIONS, &region.id, region)
}

pub fn get_service(r: &impl Reader, id: &str) -> Result<Option<Service>> {
    r.get(SERVICES, id)
}

pub fn list_services(r: &impl Reader) -> Result<Vec<Service>> {
    r.list(SERVICES)
}

pub fn put_service(w: &impl Writer, service: &Service) -> Result<()> {
    w.put(SERVICES, &service.id, service)
}

/// Deletes a service and its endpoints, as upstream cascades.
pub fn delete_service(w: &impl Writer, id: &str) -> Result<bool> {
    for endpoint in list_endpoints(w)?
        .into_iter()
        .filter(|e| e.service_id == id)
    {
        w.remove(ENDPOINTS, &endpoint.id)?;
    }
    w.remove(SERVICES, id)
}

pub fn get_endpoint(r: &impl Reader, id: &str) -> Result<Option<Endpoint>> {
    r.get(ENDPOINTS, id)
}

pub fn list_endpoints(r: &impl Reader) -> Result<Vec<Endpoint>> {
    r.list(ENDPOINTS)
}

pub fn put_endpoint(w: &impl Writer, endpoint: &Endpoint) -> Result<()> {
    w.put(ENDPOINTS, &endpoint.id, endpoint)
}

pub fn delete_endpoint(w: &impl Writer, id: &str) -> Result<bool> {
    w.remove(ENDPOINTS, id)
}

pub fn delete_region(w: &impl Writer, id: &str) -> Result<bool> {
    w.remove(REGIONS, id)
}
