//! The TOTP seeds of a user: the blobs of their credentials of type "totp" (upstream's
//! `credential_api.list_credentials_for_user(user_id, type='totp')`), decrypted by the
//! credentials store, which keeps every blob encrypted at rest.

use super::credentials;
use super::Reader;
use super::StoreResult;
use crate::credential_keys::CredentialKeys;

/// A stored credential as the totp method needs it. `Debug` leaves the seed out.
#[derive(Clone, PartialEq)]
pub struct TotpCredential {
    pub id: String,
    /// The base32 seed, as the client stored it (never logged or rendered by the auth path).
    pub blob: String,
}

impl std::fmt::Debug for TotpCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TotpCredential {{ id: {} }}", self.id)
    }
}

/// The user's TOTP seeds.
pub fn totp_credentials(
    r: &impl Reader,
    keys: &CredentialKeys,
    user_id: &str,
) -> StoreResult<Vec<TotpCredential>> {
    Ok(credentials::list_for_user(r, keys, user_id, Some("totp"))?
        .into_iter()
        .map(|c| TotpCredential {
            id: c.id,
            blob: c.blob,
        })
        .collect())
}
