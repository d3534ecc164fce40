//! The upstream kinds beyond identity, assignment and catalog, each from its table as
//! upstream stores it into our record, ids kept: OS-FEDERATION (identity providers with
//! their remote ids, protocols, mappings, service providers, federated users' identities),
//! endpoint filter (project endpoints, endpoint groups and their projects), policies and
//! endpoint policy associations, unified limits, domain configs, access rules and
//! revocation events.

use serde_json::Value;

use super::read::{grouped, seconds_of};
use super::source::{pairs, rows, Row, Source, Sql};
use super::Upstream;
use crate::model::{
    AccessRule, EndpointGroup, ExpiringMembership, FederatedIdentity, FederationProtocol,
    IdentityProvider, Mapping, PolicyAssociation, PolicyBlob, RevokeEvent, ServiceProvider,
};
use crate::store::domain_config::Config;
use crate::store::limits::{Limit, RegisteredLimit};

pub(super) fn read(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    read_federation(src, up)?;
    read_federated_users(src, up)?;
    read_endpoint_filter(src, up)?;
    read_policies(src, up)?;
    read_limits(src, up)?;
    read_domain_configs(src, up)?;
    read_access_rules(src, up)?;
    read_revocations(src, up)
}

/// A column upstream writes with `jsonutils.dumps` into a JsonBlob (mapping rules): JSON
/// holding a JSON string; decoded twice. A JSON value that is no string is used as it is.
fn json_twice(r: &Row, i: usize) -> Sql<Value> {
    Ok(match r.json(i)? {
        Some(Value::String(inner)) => serde_json::from_str(&inner).unwrap_or(Value::String(inner)),
        Some(v) => v,
        None => Value::Null,
    })
}

fn read_federation(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let remote_ids = grouped(pairs(
        src,
        "idp_remote_ids",
        "SELECT idp_id, remote_id FROM idp_remote_ids ORDER BY remote_id",
    )?);
    up.idps = rows(
        src,
        "identity_provider",
        "SELECT id, enabled, description, domain_id, authorization_ttl FROM identity_provider",
        |r| {
            let id = r.text(0)?;
            Ok(IdentityProvider {
                remote_ids: seconds_of(&remote_ids, &id),
                id,
                enabled: r.flag(1)?,
                description: r.opt_text(2)?,
                domain_id: r.text(3)?,
                authorization_ttl: r.opt_int(4)?,
            })
        },
    )?;
    up.mappings = rows(
        src,
        "mapping",
        "SELECT id, rules, schema_version FROM mapping",
        |r| {
            Ok(Mapping {
                id: r.text(0)?,
                rules: json_twice(r, 1)?,
                schema_version: r.opt_text(2)?.unwrap_or_else(|| "1.0".into()),
            })
        },
    )?;
    up.protocols = rows(
        src,
        "federation_protocol",
        "SELECT id, idp_id, mapping_id, remote_id_attribute FROM federation_protocol",
        |r| {
            Ok(FederationProtocol {
                id: r.text(0)?,
                idp_id: r.text(1)?,
                mapping_id: r.text(2)?,
                remote_id_attribute: r.opt_text(3)?,
            })
        },
    )?;
    up.service_providers = rows(
        src,
        "service_provider",
        "SELECT id, enabled, description, auth_url, sp_url, relay_state_prefix \
         FROM service_provider",
        |r| {
            Ok(ServiceProvider {
                id: r.text(0)?,
                enabled: r.flag(1)?,
                description: r.opt_text(2)?,
                auth_url: r.text(3)?,
                sp_url: r.text(4)?,
                relay_state_prefix: r.text(5)?,
            })
        },
    )?;
    Ok(())
}

/// Federated users' identities and the group memberships their logins were mapped to.
fn read_federated_users(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    up.federated_identities = rows(
        src,
        "federated_user",
        "SELECT user_id, idp_id, protocol_id, unique_id, display_name FROM federated_user",
        |r| {
            Ok(FederatedIdentity {
                user_id: r.text(0)?,
                idp_id: r.text(1)?,
                protocol_id: r.text(2)?,
                unique_id: r.text(3)?,
                display_name: r.opt_text(4)?,
            })
        },
    )?;
    // Mapped group memberships, still counting until last_verified + the IdP's TTL.
    up.expiring_memberships = rows(
        src,
        "expiring_user_group_membership",
        "SELECT user_id, group_id, idp_id, last_verified FROM expiring_user_group_membership",
        |r| {
            Ok(ExpiringMembership {
                user_id: r.text(0)?,
                group_id: r.text(1)?,
                idp_id: r.text(2)?,
                last_verified: r.opt_time(3)?.unwrap_or(0),
            })
        },
    )?;
    Ok(())
}

fn read_endpoint_filter(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    up.project_endpoints = pairs(
        src,
        "project_endpoint",
        "SELECT endpoint_id, project_id FROM project_endpoint",
    )?;
    up.endpoint_groups = rows(
        src,
        "endpoint_group",
        "SELECT id, name, description, filters FROM endpoint_group",
        |r| {
            Ok(EndpointGroup {
                id: r.text(0)?,
                name: r.text(1)?,
                description: r.opt_text(2)?,
                filters: r.extra(3)?,
            })
        },
    )?;
    up.project_endpoint_groups = pairs(
        src,
        "project_endpoint_group",
        "SELECT endpoint_group_id, project_id FROM project_endpoint_group",
    )?;
    Ok(())
}

fn read_policies(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    up.policies = rows(
        src,
        "policy",
        "SELECT id, type, `blob`, extra FROM policy",
        |r| {
            // The blob is the client's string, kept in a JsonBlob column.
            let blob = match r.json(2)? {
                Some(Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => r.opt_text(2)?.unwrap_or_default(),
            };
            Ok(PolicyBlob {
                id: r.text(0)?,
                policy_type: r.text(1)?,
                blob,
                extra: r.extra(3)?,
            })
        },
    )?;
    up.policy_associations = rows(
        src,
        "policy_association",
        "SELECT policy_id, endpoint_id, service_id, region_id FROM policy_association",
        |r| {
            Ok(PolicyAssociation {
                policy_id: r.text(0)?,
                endpoint_id: r.opt_text(1)?,
                service_id: r.opt_text(2)?,
                region_id: r.opt_text(3)?,
            })
        },
    )?;
    Ok(())
}

fn read_limits(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    // internal_id is upstream's insertion order, which its lists keep.
    up.registered_limits = rows(
        src,
        "registered_limit",
        "SELECT id, service_id, region_id, resource_name, default_limit, description, \
         internal_id FROM registered_limit ORDER BY internal_id",
        |r| {
            Ok(RegisteredLimit {
                id: r.text(0)?,
                service_id: r.text(1)?,
                region_id: r.opt_text(2)?,
                resource_name: r.text(3)?,
                default_limit: r.int(4)?,
                description: r.opt_text(5)?,
                seq: r.int(6)?.max(0) as u64,
            })
        },
    )?;
    // A limit names its registered limit; service, region and resource are that one's.
    up.limits = rows(
        src,
        "limit",
        "SELECT l.id, l.project_id, l.domain_id, r.service_id, r.region_id, r.resource_name, \
         l.resource_limit, l.description, l.internal_id FROM `limit` l \
         JOIN registered_limit r ON r.id = l.registered_limit_id \
         ORDER BY l.internal_id",
        |r| {
            Ok(Limit {
                id: r.text(0)?,
                project_id: r.opt_text(1)?,
                domain_id: r.opt_text(2)?,
                service_id: r.text(3)?,
                region_id: r.opt_text(4)?,
                resource_name: r.text(5)?,
                resource_limit: r.int(6)?,
                description: r.opt_text(7)?,
                seq: r.int(8)?.max(0) as u64,
            })
        },
    )?;
    Ok(())
}

fn read_domain_configs(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let options = rows(
        src,
        "whitelisted_config",
        "SELECT domain_id, `group`, `option`, value FROM whitelisted_config \
         UNION ALL SELECT domain_id, `group`, `option`, value FROM sensitive_config",
        |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.json(3)?)),
    )?;
    for (domain_id, group, option, value) in options {
        let config = match up.domain_configs.iter_mut().find(|(d, _)| *d == domain_id) {
            Some((_, config)) => config,
            None => {
                up.domain_configs.push((domain_id, Config::new()));
                match up.domain_configs.last_mut() {
                    Some((_, config)) => config,
                    None => continue,
                }
            }
        };
        if let Value::Object(options) = config
            .entry(group)
            .or_insert_with(|| Value::Object(Default::default()))
        {
            options.insert(option, value.unwrap_or(Value::Null));
        }
    }
    Ok(())
}

fn read_access_rules(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    up.access_rules = rows(
        src,
        "access_rule",
        "SELECT external_id, user_id, service, path, method FROM access_rule ORDER BY id",
        |r| {
            Ok(AccessRule {
                id: r.text(0)?,
                user_id: r.text(1)?,
                service: r.opt_text(2)?,
                path: r.opt_text(3)?,
                method: r.opt_text(4)?,
            })
        },
    )?;
    Ok(())
}

fn read_revocations(src: &mut dyn Source, up: &mut Upstream) -> Sql<()> {
    let all = rows(
        src,
        "revocation_event",
        "SELECT domain_id, project_id, user_id, audit_id, trust_id, issued_before, revoked_at, \
         role_id, consumer_id, access_token_id, audit_chain_id FROM revocation_event ORDER BY id",
        |r| {
            // Our audit_id matches any of a token's audit ids; a chain id is the first
            // token's audit id, last in each of its descendants' audit_ids: the same tokens.
            let audit_id = r.opt_text(3)?.or(r.opt_text(10)?);
            let event = RevokeEvent {
                domain_id: r.opt_text(0)?,
                project_id: r.opt_text(1)?,
                user_id: r.opt_text(2)?,
                audit_id,
                trust_id: r.opt_text(4)?,
                issued_before: r.opt_time(5)?.unwrap_or(0),
                revoked_at: r.opt_time(6)?.unwrap_or(0),
            };
            // Events by role, OAuth1 consumer or access token name what our events cannot:
            // dropped (counted), never widened to revoke more.
            let mut unmatched = false;
            for i in 7..=9 {
                unmatched |= r.opt_text(i)?.is_some();
            }
            Ok((event, unmatched))
        },
    )?;
    for (event, unmatched) in all {
        let names_something = event.domain_id.is_some()
            || event.project_id.is_some()
            || event.user_id.is_some()
            || event.audit_id.is_some()
            || event.trust_id.is_some();
        if unmatched || !names_something {
            up.revocations_skipped += 1;
        } else {
            up.revocations.push(event);
        }
    }
    Ok(())
}
