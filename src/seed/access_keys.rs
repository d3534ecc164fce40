//! `access_keys:` in a seed: Huawei permanent access keys with a fixed access/secret pair,
//! so a demo seed can hand out a known key. Applied after the seed's records exist and once
//! the credential keys are loaded (the secret is stored encrypted with them), as "ensure
//! these exist": a key already there is left as it is.

use serde::Deserialize;

use super::{SeedError, SeedFile, DEFAULT_DOMAIN_NAME};
use crate::credential_keys::CredentialKeys;
use crate::store::iam::access_keys::{self, AccessKey};
use crate::store::{identity, resource, Store};

fn default_domain() -> String {
    DEFAULT_DOMAIN_NAME.to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccessKey {
    /// User name, in `domain`.
    pub user: String,
    /// Domain name.
    #[serde(default = "default_domain")]
    pub domain: String,
    pub access: String,
    pub secret: String,
    #[serde(default)]
    pub description: String,
}

/// Ensures every seeded access key exists (`now`: its create time).
pub fn apply(
    file: &SeedFile,
    store: &Store,
    keys: &CredentialKeys,
    now: f64,
) -> Result<(), SeedError> {
    for (i, seeded) in file.seed.access_keys.iter().enumerate() {
        let fail = |m: String| file.error("access_keys", i, m);
        if seeded.access.is_empty() || seeded.secret.is_empty() {
            return Err(fail("access and secret must not be empty".into()));
        }
        // Encrypted before the write transaction, never inside it.
        let (encrypted_secret, key_hash) = keys
            .encrypt(&seeded.secret)
            .map_err(|e| fail(e.to_string()))?;
        store
            .write(|w| -> crate::error::Result<Result<(), String>> {
                let Some(domain) = resource::find_domain_by_name(w, &seeded.domain)? else {
                    return Ok(Err(format!("no domain {}", seeded.domain)));
                };
                let Some(user) = identity::find_user_by_name(w, &domain.id, &seeded.user)? else {
                    return Ok(Err(format!("no user {} in {}", seeded.user, seeded.domain)));
                };
                if access_keys::get(w, &seeded.access)?.is_none() {
                    access_keys::put(
                        w,
                        &AccessKey {
                            access: seeded.access.clone(),
                            user_id: user.id,
                            status: "active".into(),
                            description: seeded.description.clone(),
                            create_time: now,
                            last_use_time: None,
                            encrypted_secret: encrypted_secret.clone(),
                            key_hash: key_hash.clone(),
                        },
                    )?;
                }
                Ok(Ok(()))
            })
            .map_err(|e| fail(e.to_string()))?
            .map_err(fail)?;
    }
    Ok(())
}
