//! Credentials (/v3/credentials and the OS-EC2 views of them), as upstream's credential
//! manager and SQL backend: the blob is stored only encrypted (`encrypted_blob` with the
//! `key_hash` of the key that encrypted it) and decrypted on read. An ec2 credential's id is
//! the SHA-256 of its access key, so ec2tokens finds it by that key.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::error::{Kind, StoreError, StoreResult};
use crate::credential_keys::{hex, CredentialKeys};

use super::tables::CREDENTIALS;
use super::{Reader, Writer};

/// A credential as stored: never the plain blob.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredCredential {
    pub id: String,
    pub user_id: String,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(rename = "type")]
    pub cred_type: String,
    pub encrypted_blob: String,
    pub key_hash: String,
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// A credential with its blob decrypted, as the API shows it.
#[derive(Clone, PartialEq)]
pub struct Credential {
    pub id: String,
    pub user_id: String,
    pub project_id: Option<String>,
    pub cred_type: String,
    pub blob: String,
    pub extra: Map<String, Value>,
}

// The blob is a secret: Debug never prints it.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("project_id", &self.project_id)
            .field("type", &self.cred_type)
            .field("blob", &"<redacted>")
            .finish()
    }
}

/// Upstream's `utils.hash_access_key`: hex SHA-256 of the access key.
pub fn hash_access_key(access: &str) -> String {
    hex(&Sha256::digest(access.as_bytes()))
}

/// The key module's failures are all internal ones (no key, a blob it cannot decrypt); the
/// store keeps their detail for the log.
fn keys_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Keys(e.to_string())
}

/// As upstream's `_encrypt_credential`: an ec2 blob (already JSON text) is JSON-encoded once
/// more before encryption, every other type is encrypted as is.
pub fn encrypt(keys: &CredentialKeys, c: &Credential) -> StoreResult<StoredCredential> {
    let plain = if c.cred_type == "ec2" {
        serde_json::to_string(&c.blob)?
    } else {
        c.blob.clone()
    };
    let (encrypted_blob, key_hash) = keys.encrypt(&plain).map_err(keys_error)?;
    Ok(StoredCredential {
        id: c.id.clone(),
        user_id: c.user_id.clone(),
        project_id: c.project_id.clone(),
        cred_type: c.cred_type.clone(),
        encrypted_blob,
        key_hash,
        extra: c.extra.clone(),
    })
}

/// As upstream's `_decrypt_credential`.
pub fn decrypt(keys: &CredentialKeys, s: StoredCredential) -> StoreResult<Credential> {
    let plain = keys.decrypt(&s.encrypted_blob).map_err(keys_error)?;
    let blob = if s.cred_type == "ec2" {
        match serde_json::from_str::<Value>(&plain) {
            Ok(Value::String(text)) => text,
            // Stored by something else as a bare object: serialize it, as _blob_to_json.
            Ok(other) => other.to_string(),
            Err(_) => plain,
        }
    } else {
        plain
    };
    Ok(Credential {
        id: s.id,
        user_id: s.user_id,
        project_id: s.project_id,
        cred_type: s.cred_type,
        blob,
        extra: s.extra,
    })
}

pub fn get_stored(r: &impl Reader, id: &str) -> StoreResult<Option<StoredCredential>> {
    r.get(CREDENTIALS, id)
}

pub fn get(r: &impl Reader, keys: &CredentialKeys, id: &str) -> StoreResult<Option<Credential>> {
    get_stored(r, id)?.map(|s| decrypt(keys, s)).transpose()
}

/// 404 "Could not find credential: ID." as upstream's CredentialNotFound.
pub fn require(r: &impl Reader, keys: &CredentialKeys, id: &str) -> StoreResult<Credential> {
    get(r, keys, id)?.ok_or_else(|| StoreError::not_found(Kind::Credential, id))
}

/// Every credential as stored (encrypted), in id order: for key migration and its checks.
pub fn list_stored(r: &impl Reader) -> StoreResult<Vec<StoredCredential>> {
    r.list::<StoredCredential>(CREDENTIALS)
}

/// Every credential, decrypted, in id order.
pub fn list(r: &impl Reader, keys: &CredentialKeys) -> StoreResult<Vec<Credential>> {
    r.list::<StoredCredential>(CREDENTIALS)?
        .into_iter()
        .map(|s| decrypt(keys, s))
        .collect()
}

/// A user's credentials, optionally of one type (upstream's list_credentials_for_user).
pub fn list_for_user(
    r: &impl Reader,
    keys: &CredentialKeys,
    user_id: &str,
    cred_type: Option<&str>,
) -> StoreResult<Vec<Credential>> {
    r.list::<StoredCredential>(CREDENTIALS)?
        .into_iter()
        .filter(|c| c.user_id == user_id && cred_type.is_none_or(|t| c.cred_type == t))
        .map(|s| decrypt(keys, s))
        .collect()
}

/// Creates; 409 for an id in use, with upstream's message.
pub fn create(w: &impl Writer, keys: &CredentialKeys, c: &Credential) -> StoreResult<()> {
    if w.exists(CREDENTIALS, &c.id)? {
        return Err(StoreError::duplicate_id(Kind::Credential, &c.id));
    }
    w.put(CREDENTIALS, &c.id, &encrypt(keys, c)?)
}

/// Replaces the blob (the only thing upstream lets PATCH change).
pub fn update_blob(
    w: &impl Writer,
    keys: &CredentialKeys,
    id: &str,
    blob: &str,
) -> StoreResult<Credential> {
    let mut c = require(w, keys, id)?;
    c.blob = blob.to_string();
    w.put(CREDENTIALS, id, &encrypt(keys, &c)?)?;
    Ok(c)
}

pub fn delete(w: &impl Writer, id: &str) -> StoreResult<()> {
    if !w.remove(CREDENTIALS, id)? {
        return Err(StoreError::not_found(Kind::Credential, id));
    }
    Ok(())
}

/// Upstream's delete_credentials_for_user (on user deletion).
pub fn delete_for_user(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    for c in w.list::<StoredCredential>(CREDENTIALS)? {
        if c.user_id == user_id {
            w.remove(CREDENTIALS, &c.id)?;
        }
    }
    Ok(())
}

/// Upstream's delete_credentials_for_project (on project deletion).
pub fn delete_for_project(w: &impl Writer, project_id: &str) -> StoreResult<()> {
    for c in w.list::<StoredCredential>(CREDENTIALS)? {
        if c.project_id.as_deref() == Some(project_id) {
            w.remove(CREDENTIALS, &c.id)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn setup() -> (Store, CredentialKeys, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "ksl-creds-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let keys = CredentialKeys::setup(&dir.join("credential-keys")).unwrap();
        (Store::open(&dir.join("s.redb")).unwrap(), keys, dir)
    }

    fn cred(id: &str, user: &str, project: Option<&str>, t: &str, blob: &str) -> Credential {
        Credential {
            id: id.into(),
            user_id: user.into(),
            project_id: project.map(str::to_string),
            cred_type: t.into(),
            blob: blob.into(),
            extra: Map::new(),
        }
    }

    #[test]
    fn hash_access_key_is_sha256_hex() {
        assert_eq!(
            hash_access_key("acc1"),
            "b44bedcb1d0305728754627215e9f6b3db23dbbaa02d2e45f031ffe16648b541"
        );
    }

    #[test]
    fn blobs_are_encrypted_at_rest_and_read_back() {
        let (store, keys, dir) = setup();
        let ec2 = cred(
            &hash_access_key("AK"),
            "u1",
            Some("p1"),
            "ec2",
            r#"{"access": "AK", "secret": "TOPSECRET"}"#,
        );
        let cert = cred("c1", "u2", None, "cert", "PLAINSECRET");
        store
            .write(|w| {
                create(w, &keys, &ec2)?;
                create(w, &keys, &cert)
            })
            .unwrap();
        // Nothing of either blob is in the store's raw bytes.
        let raw = store
            .read(|r| r.scan(CREDENTIALS, None))
            .unwrap()
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect::<Vec<u8>>();
        let raw = String::from_utf8_lossy(&raw);
        assert!(!raw.contains("TOPSECRET") && !raw.contains("PLAINSECRET"));
        assert!(raw.contains("key_hash"));
        assert_eq!(store.read(|r| require(r, &keys, &ec2.id)).unwrap(), ec2);
        assert_eq!(store.read(|r| require(r, &keys, "c1")).unwrap(), cert);
        assert!(!format!("{ec2:?}").contains("TOPSECRET"));
        // Duplicate id: 409; filters by user and type.
        let err = store.write(|w| create(w, &keys, &ec2)).unwrap_err();
        assert_eq!(crate::error::Error::from(err).code(), 409);
        assert_eq!(
            store
                .read(|r| list_for_user(r, &keys, "u1", Some("ec2")))
                .unwrap()
                .len(),
            1
        );
        assert!(store
            .read(|r| list_for_user(r, &keys, "u1", Some("cert")))
            .unwrap()
            .is_empty());
        // Update replaces the blob only.
        let updated = store.write(|w| update_blob(w, &keys, "c1", "NEW")).unwrap();
        assert_eq!(updated.blob, "NEW");
        assert_eq!(
            store.read(|r| require(r, &keys, "c1")).unwrap().user_id,
            "u2"
        );
        // Cascades.
        store.write(|w| delete_for_project(w, "p1")).unwrap();
        assert!(store.read(|r| get(r, &keys, &ec2.id)).unwrap().is_none());
        store.write(|w| delete_for_user(w, "u2")).unwrap();
        assert!(store.read(|r| list(r, &keys)).unwrap().is_empty());
        let err = store.write(|w| delete(w, "c1")).unwrap_err();
        assert_eq!(crate::error::Error::from(err).code(), 404);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
