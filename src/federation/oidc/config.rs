//! `[oidc]`: keystone-lite's own settings for discovery, JWKS and introspection (upstream has
//! none: Apache's mod_auth_openidc is configured instead).

#[derive(Debug, Clone, Default)]
pub struct OidcConfig {}

impl OidcConfig {
    /// Sets one `[oidc]` option; Ok(false) means the option is not one we know.
    pub fn apply(&mut self, _key: &str, _value: &str) -> Result<bool, String> {
        Ok(false)
    }
}
