//! `[federation]` and the protocol sections (`[openid]`, `[mapped]`, `[saml2]`), with
//! upstream's option names and defaults (keystone/conf/federation.py), plus our `[oidc]`.

use super::oidc::config::OidcConfig;

#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// `[federation] assertion_prefix`: only attributes with this prefix reach the mapping.
    pub assertion_prefix: String,
    /// `[federation] remote_id_attribute`: the attribute naming the IdP, for every protocol
    /// without its own.
    pub remote_id_attribute: Option<String>,
    /// `[federation] federated_domain_name`: the domain upstream names for federated users.
    pub federated_domain_name: String,
    /// `[federation] trusted_dashboard`: WebSSO origins a token may be posted back to.
    pub trusted_dashboard: Vec<String>,
    /// `[federation] default_authorization_ttl`: minutes a mapped group membership lasts when
    /// the IdP sets no `authorization_ttl`.
    pub default_authorization_ttl: u64,
    /// `[federation] attribute_mapping_default_schema_version`.
    pub default_schema_version: String,
    /// `[<protocol>] remote_id_attribute` (e.g. `[openid] remote_id_attribute`): per protocol.
    pub protocol_remote_id_attributes: Vec<(String, String)>,
    /// `[federation] sso_callback_template`: the WebSSO callback page's file; unset, the
    /// built-in copy of upstream's default template.
    pub sso_callback_template: Option<String>,
    /// `[oidc]`: ours.
    pub oidc: OidcConfig,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            assertion_prefix: String::new(),
            remote_id_attribute: None,
            federated_domain_name: "Federated".to_string(),
            trusted_dashboard: Vec::new(),
            default_authorization_ttl: 0,
            default_schema_version: "1.0".to_string(),
            protocol_remote_id_attributes: Vec::new(),
            sso_callback_template: None,
            oidc: OidcConfig::default(),
        }
    }
}

/// Upstream's mapping schema versions.
pub const SCHEMA_VERSIONS: [&str; 3] = ["1.0", "2.0", "3.0"];

impl FederationConfig {
    /// The membership clock for a request at `now`: mapped memberships count until
    /// `last_verified` plus the IdP's TTL, else `default_authorization_ttl`.
    pub fn as_of(&self, now: f64) -> crate::store::shadow::AsOf {
        crate::store::shadow::AsOf {
            now,
            default_ttl_minutes: i64::try_from(self.default_authorization_ttl).unwrap_or(i64::MAX),
        }
    }

    /// Sets one option of `section`; Ok(false) means the option is not one we know.
    pub fn apply(&mut self, section: &str, key: &str, value: &str) -> Result<bool, String> {
        match (section, key) {
            ("federation", "assertion_prefix") => self.assertion_prefix = value.to_string(),
            ("federation", "remote_id_attribute") => {
                self.remote_id_attribute = Some(value.to_string())
            }
            ("federation", "federated_domain_name") => {
                self.federated_domain_name = value.to_string()
            }
            // A multi-valued option: each line adds one origin.
            ("federation", "trusted_dashboard") => self.trusted_dashboard.push(value.to_string()),
            ("federation", "default_authorization_ttl") => {
                self.default_authorization_ttl = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("'{value}' is not a valid number"))?
            }
            ("federation", "attribute_mapping_default_schema_version") => {
                if !SCHEMA_VERSIONS.contains(&value) {
                    return Err(format!("'{value}' is not one of 1.0, 2.0, 3.0"));
                }
                self.default_schema_version = value.to_string()
            }
            ("federation", "sso_callback_template") => {
                self.sso_callback_template =
                    Some(value.trim().to_string()).filter(|v| !v.is_empty())
            }
            ("federation", "driver" | "caching" | "cache_time") => {}
            ("openid" | "mapped" | "saml2", "remote_id_attribute") => {
                self.protocol_remote_id_attributes
                    .retain(|(p, _)| p != section);
                self.protocol_remote_id_attributes
                    .push((section.to_string(), value.to_string()));
            }
            ("oidc", _) => return self.oidc.apply(key, value),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The attribute naming the IdP for `protocol_id`: the protocol's own section, else
    /// `[federation] remote_id_attribute` (upstream's `get_remote_id_parameter`).
    pub fn remote_id_attribute_for(&self, protocol_id: &str) -> Option<&str> {
        self.protocol_remote_id_attributes
            .iter()
            .find(|(p, _)| p == protocol_id)
            .map(|(_, a)| a.as_str())
            .or(self.remote_id_attribute.as_deref())
    }
}
