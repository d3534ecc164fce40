//! OS-FEDERATION records: identity providers (with their unique remote ids), protocols,
//! mappings and service providers. Each write keeps its index in the same transaction.

use super::error::{Clash, Kind, StoreError, StoreResult};
use super::tables::{
    key2, FEDERATION_PROTOCOLS, IDENTITY_PROVIDERS, IDP_REMOTE_IDS, MAPPINGS, SERVICE_PROVIDERS,
};
use super::{Reader, Writer};
use crate::model::{FederationProtocol, IdentityProvider, Mapping, ServiceProvider};

pub fn get_idp(r: &impl Reader, id: &str) -> StoreResult<Option<IdentityProvider>> {
    r.get(IDENTITY_PROVIDERS, id)
}

pub fn require_idp(r: &impl Reader, id: &str) -> StoreResult<IdentityProvider> {
    get_idp(r, id)?.ok_or_else(|| StoreError::not_found(Kind::IdentityProvider, id))
}

pub fn list_idps(r: &impl Reader) -> StoreResult<Vec<IdentityProvider>> {
    r.list(IDENTITY_PROVIDERS)
}

/// The identity provider a remote id (an issuer, an entity id) belongs to.
pub fn idp_of_remote_id(r: &impl Reader, remote_id: &str) -> StoreResult<Option<String>> {
    Ok(r.get_bytes(IDP_REMOTE_IDS, remote_id)?
        .map(|v| String::from_utf8_lossy(&v).into_owned()))
}

/// Stores a new or changed identity provider, moving its remote-id index; a remote id
/// another provider holds is a conflict.
pub fn put_idp(w: &impl Writer, idp: &IdentityProvider) -> StoreResult<()> {
    let old = get_idp(w, &idp.id)?;
    for remote_id in &idp.remote_ids {
        if let Some(owner) = idp_of_remote_id(w, remote_id)? {
            if owner != idp.id {
                return Err(StoreError::Duplicate {
                    kind: Kind::IdentityProvider,
                    clash: Clash::Name {
                        name: remote_id.clone(),
                        domain_id: None,
                    },
                });
            }
        }
    }
    for remote_id in old.iter().flat_map(|o| &o.remote_ids) {
        w.remove(IDP_REMOTE_IDS, remote_id)?;
    }
    for remote_id in &idp.remote_ids {
        w.put_bytes(IDP_REMOTE_IDS, remote_id, idp.id.as_bytes())?;
    }
    w.put(IDENTITY_PROVIDERS, &idp.id, idp)
}

/// Removes an identity provider, its remote ids and its protocols; returns the record.
/// (Its shadow users are the caller's: see `service`.)
pub fn delete_idp(w: &impl Writer, id: &str) -> StoreResult<IdentityProvider> {
    let idp = require_idp(w, id)?;
    for remote_id in &idp.remote_ids {
        w.remove(IDP_REMOTE_IDS, remote_id)?;
    }
    w.remove_prefix(FEDERATION_PROTOCOLS, id)?;
    w.remove(IDENTITY_PROVIDERS, id)?;
    Ok(idp)
}

pub fn get_protocol(
    r: &impl Reader,
    idp_id: &str,
    protocol_id: &str,
) -> StoreResult<Option<FederationProtocol>> {
    r.get(FEDERATION_PROTOCOLS, &key2(idp_id, protocol_id))
}

pub fn require_protocol(
    r: &impl Reader,
    idp_id: &str,
    protocol_id: &str,
) -> StoreResult<FederationProtocol> {
    get_protocol(r, idp_id, protocol_id)?
        .ok_or_else(|| StoreError::not_found(Kind::FederationProtocol, &key2(idp_id, protocol_id)))
}

pub fn list_protocols(r: &impl Reader, idp_id: &str) -> StoreResult<Vec<FederationProtocol>> {
    r.list_prefix(FEDERATION_PROTOCOLS, idp_id)
}

pub fn put_protocol(w: &impl Writer, protocol: &FederationProtocol) -> StoreResult<()> {
    w.put(
        FEDERATION_PROTOCOLS,
        &key2(&protocol.idp_id, &protocol.id),
        protocol,
    )
}

pub fn delete_protocol(w: &impl Writer, idp_id: &str, protocol_id: &str) -> StoreResult<()> {
    if !w.remove(FEDERATION_PROTOCOLS, &key2(idp_id, protocol_id))? {
        return Err(StoreError::not_found(
            Kind::FederationProtocol,
            &key2(idp_id, protocol_id),
        ));
    }
    Ok(())
}

pub fn get_mapping(r: &impl Reader, id: &str) -> StoreResult<Option<Mapping>> {
    r.get(MAPPINGS, id)
}

pub fn require_mapping(r: &impl Reader, id: &str) -> StoreResult<Mapping> {
    get_mapping(r, id)?.ok_or_else(|| StoreError::not_found(Kind::Mapping, id))
}

pub fn list_mappings(r: &impl Reader) -> StoreResult<Vec<Mapping>> {
    r.list(MAPPINGS)
}

pub fn put_mapping(w: &impl Writer, mapping: &Mapping) -> StoreResult<()> {
    w.put(MAPPINGS, &mapping.id, mapping)
}

pub fn delete_mapping(w: &impl Writer, id: &str) -> StoreResult<()> {
    if !w.remove(MAPPINGS, id)? {
        return Err(StoreError::not_found(Kind::Mapping, id));
    }
    Ok(())
}

pub fn get_service_provider(r: &impl Reader, id: &str) -> StoreResult<Option<ServiceProvider>> {
    r.get(SERVICE_PROVIDERS, id)
}

pub fn require_service_provider(r: &impl Reader, id: &str) -> StoreResult<ServiceProvider> {
    get_service_provider(r, id)?.ok_or_else(|| StoreError::not_found(Kind::ServiceProvider, id))
}

pub fn list_service_providers(r: &impl Reader) -> StoreResult<Vec<ServiceProvider>> {
    r.list(SERVICE_PROVIDERS)
}

pub fn put_service_provider(w: &impl Writer, sp: &ServiceProvider) -> StoreResult<()> {
    w.put(SERVICE_PROVIDERS, &sp.id, sp)
}

pub fn delete_service_provider(w: &impl Writer, id: &str) -> StoreResult<()> {
    if !w.remove(SERVICE_PROVIDERS, id)? {
        return Err(StoreError::not_found(Kind::ServiceProvider, id));
    }
    Ok(())
}
