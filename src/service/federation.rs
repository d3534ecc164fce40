//! OS-FEDERATION administration (upstream keystone/federation/core.py and backends/sql.py):
//! identity providers (with the domain made for one created without any), protocols,
//! mappings and service providers, each change one write transaction. Deleting an identity
//! provider or a protocol removes the shadow users left with no identity, as upstream's
//! `_delete_orphaned_users` does, revoking their tokens.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{
    new_id, Domain, FederationProtocol, IdentityProvider, Mapping, ServiceProvider, User,
};
use crate::store::error::StoreError;
use crate::store::tables::FEDERATED_IDENTITIES;
use crate::store::{federation, identity, resource, shadow, Reader, Store, Writer};
use crate::validate::parse_bool;

use super::identity::delete_user_in;

/// Upstream's conflict on an identity provider: the SQL error's `value`, always None there.
fn idp_conflict(remote_id_clash: bool) -> Error {
    let detail = if remote_id_clash {
        "Duplicate remote ID: None"
    } else {
        "Duplicate entry: None"
    };
    Error::duplicate("identity_provider", detail)
}

/// `handle_conflicts` on an id clash for protocols and service providers.
fn id_conflict(kind: &str, id: &str) -> Error {
    Error::duplicate(kind, &format!("Duplicate entry found with ID {id}"))
}

/// Stores an identity provider, a remote id another provider holds being upstream's 409.
fn put_idp(w: &impl Writer, idp: &IdentityProvider) -> Result<()> {
    match federation::put_idp(w, idp) {
        Err(StoreError::Duplicate { .. }) => Err(idp_conflict(true)),
        other => Ok(other?),
    }
}

/// The domain upstream's `_create_idp_domain` makes for a provider created without one.
fn idp_domain(idp_id: &str) -> Domain {
    let id = new_id();
    Domain {
        name: id.clone(),
        id,
        description: format!("Auto generated federated domain for Identity Provider: {idp_id}"),
        enabled: true,
        tags: Vec::new(),
        options: Default::default(),
        extra: Default::default(),
    }
}

/// The text of an optional string field (`null` or absent: none).
fn text(input: &Map<String, Value>, key: &str) -> Option<String> {
    input.get(key).and_then(Value::as_str).map(str::to_string)
}

fn remote_ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// PUT /v3/OS-FEDERATION/identity_providers/{idp_id}: `input` is the schema-checked body.
/// A given domain must exist (404); without one a domain is made, in the same transaction
/// (so a conflict leaves none behind, as upstream's cleanup does).
pub fn create_idp(store: &Store, id: &str, input: &Map<String, Value>) -> Result<IdentityProvider> {
    store.write(|w| {
        let domain_id = match text(input, "domain_id").filter(|d| !d.is_empty()) {
            Some(domain_id) => resource::require_domain(w, &domain_id)?.id,
            None => {
                let domain = idp_domain(id);
                resource::create_domain(w, &domain)?;
                domain.id
            }
        };
        if federation::get_idp(w, id)?.is_some() {
            return Err(idp_conflict(false));
        }
        let idp = IdentityProvider {
            id: id.to_string(),
            enabled: input.get("enabled").and_then(parse_bool).unwrap_or(false),
            description: text(input, "description"),
            domain_id,
            authorization_ttl: input.get("authorization_ttl").and_then(Value::as_i64),
            remote_ids: input.get("remote_ids").map(remote_ids).unwrap_or_default(),
        };
        put_idp(w, &idp)?;
        Ok(idp)
    })
}

/// PATCH of an identity provider: the schema allows `enabled`, `description`,
/// `authorization_ttl` and `remote_ids` only.
pub fn update_idp(
    store: &Store,
    id: &str,
    changes: &Map<String, Value>,
) -> Result<IdentityProvider> {
    store.write(|w| {
        let mut idp = federation::require_idp(w, id)?;
        for (key, value) in changes {
            match key.as_str() {
                "enabled" => idp.enabled = parse_bool(value).unwrap_or(false),
                "description" => idp.description = value.as_str().map(str::to_string),
                "authorization_ttl" => idp.authorization_ttl = value.as_i64(),
                "remote_ids" => idp.remote_ids = remote_ids(value),
                _ => {}
            }
        }
        put_idp(w, &idp)?;
        Ok(idp)
    })
}

/// Upstream's DOMAIN_DELETED callback, inside the domain deletion's transaction: the
/// identity providers of the domain go as if deleted one by one.
pub fn delete_idps_of_domain_in(w: &impl Writer, domain_id: &str, now: i64) -> Result<()> {
    for idp in federation::list_idps(w)? {
        if idp.domain_id == domain_id {
            federation::delete_idp(w, &idp.id)?;
            crate::store::iam::federation::delete_of_idp(w, &idp.id)?;
            shadow::delete_expiring_of_idp(w, &idp.id)?;
            remove_identities(w, now, |idp_id, _| idp_id == idp.id)?;
        }
    }
    Ok(())
}

/// DELETE of an identity provider: its protocols, the group memberships it granted
/// (upstream's `idp_id` foreign key cascades), its federated identities, and the shadow
/// users left with none (their tokens revoked).
pub fn delete_idp(store: &Store, id: &str, now: i64) -> Result<()> {
    store.write(|w| {
        federation::delete_idp(w, id)?;
        crate::store::iam::federation::delete_of_idp(w, id)?;
        shadow::delete_expiring_of_idp(w, id)?;
        remove_identities(w, now, |idp_id, _| idp_id == id)
    })
}

/// The users holding a federated identity of which `gone(idp_id, protocol_id)` holds.
fn users_with_identities(
    r: &impl Reader,
    gone: &impl Fn(&str, &str) -> bool,
) -> Result<BTreeSet<String>> {
    let all: Vec<crate::model::FederatedIdentity> = r.list(FEDERATED_IDENTITIES)?;
    Ok(all
        .into_iter()
        .filter(|i| gone(&i.idp_id, &i.protocol_id))
        .map(|i| i.user_id)
        .collect())
}

/// Removes the federated identities `gone` selects; a user left without identity that was
/// only a shadow user is deleted with everything that hangs on it.
fn remove_identities(w: &impl Writer, now: i64, gone: impl Fn(&str, &str) -> bool) -> Result<()> {
    for user_id in users_with_identities(w, &gone)? {
        let kept: Vec<_> = shadow::identities_of_user(w, &user_id)?
            .into_iter()
            .filter(|i| !gone(&i.idp_id, &i.protocol_id))
            .collect();
        shadow::delete_identities_of_user(w, &user_id)?;
        for identity in &kept {
            shadow::put_identity(w, identity)?;
        }
        if let Some(user) = identity::get_user(w, &user_id)? {
            if kept.is_empty() && is_shadow_only(w, &user)? {
                delete_user_in(w, &user, now)?;
            }
        }
    }
    Ok(())
}

/// Upstream deletes a user with no local, non-local or federated row left. A user made by a
/// federated login has no local name (it is not in the name index: see
/// service::federated_login), one made through the API has.
fn is_shadow_only(r: &impl Reader, user: &User) -> Result<bool> {
    let named = identity::find_user_by_name(r, &user.domain_id, &user.name)?;
    Ok(named.is_none_or(|u| u.id != user.id))
}

/// The mapping must exist for a protocol to name it (upstream's 400).
fn require_mapping_for_protocol(r: &impl Reader, mapping_id: &str) -> Result<()> {
    match federation::get_mapping(r, mapping_id)? {
        Some(_) => Ok(()),
        None => Err(Error::validation(format!(
            "Invalid mapping id: {mapping_id}"
        ))),
    }
}

/// PUT of a protocol: the mapping (400), then the provider (404), then the id (409).
pub fn create_protocol(
    store: &Store,
    idp_id: &str,
    id: &str,
    input: &Map<String, Value>,
) -> Result<FederationProtocol> {
    store.write(|w| {
        let mapping_id = text(input, "mapping_id").unwrap_or_default();
        require_mapping_for_protocol(w, &mapping_id)?;
        federation::require_idp(w, idp_id)?;
        if federation::get_protocol(w, idp_id, id)?.is_some() {
            return Err(id_conflict("federation_protocol", id));
        }
        let protocol = FederationProtocol {
            id: id.to_string(),
            idp_id: idp_id.to_string(),
            mapping_id,
            remote_id_attribute: text(input, "remote_id_attribute"),
        };
        federation::put_protocol(w, &protocol)?;
        Ok(protocol)
    })
}

/// PATCH of a protocol (`mapping_id` required by the schema): the mapping (400), then the
/// protocol (404).
pub fn update_protocol(
    store: &Store,
    idp_id: &str,
    id: &str,
    changes: &Map<String, Value>,
) -> Result<FederationProtocol> {
    store.write(|w| {
        let mapping_id = text(changes, "mapping_id").unwrap_or_default();
        require_mapping_for_protocol(w, &mapping_id)?;
        let mut protocol = federation::require_protocol(w, idp_id, id)?;
        protocol.mapping_id = mapping_id;
        if let Some(attribute) = changes.get("remote_id_attribute") {
            protocol.remote_id_attribute = attribute.as_str().map(str::to_string);
        }
        federation::put_protocol(w, &protocol)?;
        Ok(protocol)
    })
}

/// DELETE of a protocol, and of the shadow users it leaves without identity.
pub fn delete_protocol(store: &Store, idp_id: &str, id: &str, now: i64) -> Result<()> {
    store.write(|w| {
        federation::delete_protocol(w, idp_id, id)?;
        remove_identities(w, now, |i, p| i == idp_id && p == id)
    })
}

/// PUT of a mapping (already validated): an existing id is upstream's 409.
pub fn create_mapping(store: &Store, mapping: &Mapping) -> Result<()> {
    store.write(|w| {
        if federation::get_mapping(w, &mapping.id)?.is_some() {
            return Err(Error::duplicate("mapping", "Duplicate entry"));
        }
        Ok(federation::put_mapping(w, mapping)?)
    })
}

/// PATCH of a mapping: rules and schema version replaced (404 if absent).
pub fn update_mapping(store: &Store, mapping: &Mapping) -> Result<()> {
    store.write(|w| {
        federation::require_mapping(w, &mapping.id)?;
        Ok(federation::put_mapping(w, mapping)?)
    })
}

/// PUT of a service provider: an existing id is upstream's 409.
pub fn create_service_provider(store: &Store, sp: &ServiceProvider) -> Result<()> {
    store.write(|w| {
        if federation::get_service_provider(w, &sp.id)?.is_some() {
            return Err(id_conflict("service_provider", &sp.id));
        }
        Ok(federation::put_service_provider(w, sp)?)
    })
}

/// PATCH of a service provider: any of its writable fields.
pub fn update_service_provider(
    store: &Store,
    id: &str,
    changes: &Map<String, Value>,
) -> Result<ServiceProvider> {
    store.write(|w| {
        let mut sp = federation::require_service_provider(w, id)?;
        for (key, value) in changes {
            let text = value.as_str().map(str::to_string);
            match key.as_str() {
                "enabled" => sp.enabled = parse_bool(value).unwrap_or(false),
                "description" => sp.description = text,
                "auth_url" => sp.auth_url = text.unwrap_or_default(),
                "sp_url" => sp.sp_url = text.unwrap_or_default(),
                "relay_state_prefix" => sp.relay_state_prefix = text.unwrap_or_default(),
                _ => {}
            }
        }
        federation::put_service_provider(w, &sp)?;
        Ok(sp)
    })
}

/// One `federated` entry of a user body (3.14): an identity provider and, per protocol, the
/// user's unique id there.
#[derive(Debug, Clone, PartialEq)]
pub struct FederatedObject {
    pub idp_id: String,
    /// (protocol id, unique id)
    pub protocols: Vec<(String, String)>,
}

/// Reads a schema-checked `federated` list.
pub fn federated_objects(list: &Value) -> Vec<FederatedObject> {
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    list.as_array()
        .into_iter()
        .flatten()
        .map(|o| FederatedObject {
            idp_id: text(o, "idp_id"),
            protocols: o["protocols"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (text(p, "protocol_id"), text(p, "unique_id")))
                .collect(),
        })
        .collect()
}

/// Upstream's `_validate_federated_objects`: each provider and protocol must exist (400).
/// Runs in the user write's transaction, before the user record is written.
pub fn check_federated_refs(r: &impl Reader, objects: &[FederatedObject]) -> Result<()> {
    for o in objects {
        if federation::get_idp(r, &o.idp_id)?.is_none() {
            return Err(Error::validation(format!(
                "Could not find Identity Provider: {}",
                o.idp_id
            )));
        }
        for (protocol_id, _) in &o.protocols {
            if federation::get_protocol(r, &o.idp_id, protocol_id)?.is_none() {
                return Err(Error::validation(format!(
                    "Could not find federated protocol {protocol_id} for Identity Provider: {}.",
                    o.idp_id
                )));
            }
        }
    }
    Ok(())
}

/// Replaces a user's federated identities with `objects`, their display name the user's
/// name, as upstream's `_create_federated_objects`, in the caller's write transaction (the
/// user's create or update): an identity another user holds is upstream's
/// `federated_user` conflict (409), and the whole write is undone with it.
pub fn put_user_identities_in(
    w: &impl Writer,
    user: &User,
    objects: &[FederatedObject],
) -> Result<()> {
    for o in objects {
        for (protocol_id, unique_id) in &o.protocols {
            if let Some(held) = shadow::find_identity(w, &o.idp_id, protocol_id, unique_id)? {
                if held.user_id != user.id {
                    return Err(Error::duplicate("federated_user", "Duplicate entry"));
                }
            }
        }
    }
    shadow::delete_identities_of_user(w, &user.id)?;
    for o in objects {
        for (protocol_id, unique_id) in &o.protocols {
            shadow::put_identity(
                w,
                &crate::model::FederatedIdentity {
                    user_id: user.id.clone(),
                    idp_id: o.idp_id.clone(),
                    protocol_id: protocol_id.clone(),
                    unique_id: unique_id.clone(),
                    display_name: Some(user.name.clone()),
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FederatedIdentity;
    use crate::store::revocation;

    fn temp_store() -> Store {
        let dir = std::env::temp_dir().join(format!(
            "ksl-federation-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Store::open(&dir.join("t.redb")).unwrap()
    }

    fn identity_of(user_id: &str, idp_id: &str, protocol_id: &str) -> FederatedIdentity {
        FederatedIdentity {
            user_id: user_id.into(),
            idp_id: idp_id.into(),
            protocol_id: protocol_id.into(),
            unique_id: format!("{user_id}@{idp_id}"),
            display_name: Some(user_id.into()),
        }
    }

    /// A login-made shadow user (no local name) of idp1 goes with idp1, its tokens revoked;
    /// one with an identity at idp2 too only loses idp1's; a user with a local name stays.
    #[test]
    fn deleting_a_provider_removes_its_orphaned_shadow_users() {
        let store = temp_store();
        let user = |id: &str| User {
            id: id.into(),
            name: id.into(),
            domain_id: "d".into(),
            enabled: true,
            ..Default::default()
        };
        let mapping = Mapping {
            id: "m".into(),
            rules: serde_json::json!([]),
            schema_version: "1.0".into(),
        };
        create_mapping(&store, &mapping).unwrap();
        let mut domain = idp_domain("any");
        domain.id = "d".into();
        domain.name = "d".into();
        store
            .write(|w| resource::create_domain(w, &domain))
            .unwrap();
        for idp in ["idp1", "idp2"] {
            let input = serde_json::json!({"domain_id": "d"});
            create_idp(&store, idp, input.as_object().unwrap()).unwrap();
            let proto = serde_json::json!({"mapping_id": "m"});
            create_protocol(&store, idp, "p", proto.as_object().unwrap()).unwrap();
        }
        store
            .write(|w| {
                identity::put_user(w, &user("shadow"))?;
                identity::put_user(w, &user("both"))?;
                identity::create_user(w, &user("local"))?;
                shadow::put_identity(w, &identity_of("shadow", "idp1", "p"))?;
                shadow::put_identity(w, &identity_of("both", "idp1", "p"))?;
                shadow::put_identity(w, &identity_of("both", "idp2", "p"))?;
                shadow::put_identity(w, &identity_of("local", "idp1", "p"))
            })
            .unwrap();
        let events_before = store.read(revocation::count).unwrap();
        delete_idp(&store, "idp1", 1000).unwrap();
        store
            .read(|r| {
                assert!(identity::get_user(r, "shadow")?.is_none());
                assert!(identity::get_user(r, "both")?.is_some());
                assert!(identity::get_user(r, "local")?.is_some());
                let both = shadow::identities_of_user(r, "both")?;
                assert_eq!(both, vec![identity_of("both", "idp2", "p")]);
                assert!(shadow::identities_of_user(r, "local")?.is_empty());
                assert!(shadow::find_identity(r, "idp1", "p", "shadow@idp1")?.is_none());
                assert_eq!(revocation::count(r)?, events_before + 1);
                Ok::<(), StoreError>(())
            })
            .unwrap();
        // Deleting idp2's protocol leaves "both" without identity: it goes too.
        delete_protocol(&store, "idp2", "p", 1001).unwrap();
        assert!(store
            .read(|r| identity::get_user(r, "both"))
            .unwrap()
            .is_none());
    }
}
