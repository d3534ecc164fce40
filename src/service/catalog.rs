//! Regions, services and endpoints deleted with what the subsystems above the catalog hold
//! for them: project associations (OS-EP-FILTER) and policy associations
//! (OS-ENDPOINT-POLICY), inside the caller's transaction. Shared by v3 and v2.0's OS-KSADM.

use crate::error::Result;
use crate::store::{catalog, endpoint_filter, policies, Writer};

/// A region and its subtree (403 if any holds an endpoint), with their policy associations.
pub fn delete_region(w: &impl Writer, id: &str) -> Result<()> {
    for region in catalog::delete_region(w, id)? {
        policies::delete_associations(w, |a| a.region_id.as_deref() == Some(region.as_str()))?;
    }
    Ok(())
}

/// A service with its endpoints and every association of either; whether it was there.
pub fn delete_service(w: &impl Writer, id: &str) -> Result<bool> {
    if !catalog::service_exists(w, id)? {
        return Ok(false);
    }
    for endpoint in catalog::list_endpoints(w)?
        .into_iter()
        .filter(|e| e.service_id == id)
    {
        delete_endpoint(w, &endpoint.id)?;
    }
    policies::delete_associations(w, |a| a.service_id.as_deref() == Some(id))?;
    Ok(catalog::delete_service(w, id)?)
}

/// An endpoint with its project and policy associations; whether it was there.
pub fn delete_endpoint(w: &impl Writer, id: &str) -> Result<bool> {
    if !catalog::delete_endpoint(w, id)? {
        return Ok(false);
    }
    endpoint_filter::delete_for_endpoint(w, id)?;
    policies::delete_associations(w, |a| a.endpoint_id.as_deref() == Some(id))?;
    Ok(true)
}
