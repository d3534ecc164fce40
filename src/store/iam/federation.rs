//! Huawei IAM's federation extras, per identity provider: its OpenID Connect configuration
//! (issuer, client id, the IdP's signing keys) and SAML metadata documents per protocol.
//! Both go when their identity provider goes (service::federation).

use redb::TableDefinition;
use serde::{Deserialize, Serialize};

use crate::store::tables::{key2, Table};
use crate::store::{Reader, StoreResult, Writer};

/// idp_id -> OidcConfig (JSON).
pub const OIDC_CONFIGS: Table = TableDefinition::new("iam-oidc-configs-1");
/// idp_id SEP protocol_id -> SamlMetadata (JSON).
pub const SAML_METADATA: Table = TableDefinition::new("iam-saml-metadata-1");

/// `openid_connect_config` as Huawei IAM stores it; `signing_key` is the IdP's JWKS (public
/// keys: nothing secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OidcConfig {
    pub access_mode: String,
    pub idp_url: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_mode: Option<String>,
    pub signing_key: String,
}

/// A SAML IdP's metadata document, imported for one protocol.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SamlMetadata {
    pub id: String,
    pub idp_id: String,
    pub protocol_id: String,
    pub entity_id: String,
    pub domain_id: String,
    pub xaccount_type: String,
    pub update_time: String,
    pub data: String,
}

pub fn get_oidc_config(r: &impl Reader, idp_id: &str) -> StoreResult<Option<OidcConfig>> {
    r.get(OIDC_CONFIGS, idp_id)
}

pub fn put_oidc_config(w: &impl Writer, idp_id: &str, config: &OidcConfig) -> StoreResult<()> {
    w.put(OIDC_CONFIGS, idp_id, config)
}

pub fn get_metadata(
    r: &impl Reader,
    idp_id: &str,
    protocol_id: &str,
) -> StoreResult<Option<SamlMetadata>> {
    r.get(SAML_METADATA, &key2(idp_id, protocol_id))
}

pub fn put_metadata(w: &impl Writer, metadata: &SamlMetadata) -> StoreResult<()> {
    w.put(
        SAML_METADATA,
        &key2(&metadata.idp_id, &metadata.protocol_id),
        metadata,
    )
}

/// Everything kept for an identity provider that is being deleted.
pub fn delete_of_idp(w: &impl Writer, idp_id: &str) -> StoreResult<()> {
    w.remove(OIDC_CONFIGS, idp_id)?;
    w.remove_prefix(SAML_METADATA, idp_id)?;
    Ok(())
}
