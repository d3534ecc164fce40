//! The credential key repository, as upstream's `keystone-manage credential_setup` lays it
//! out (DATA_DIR/credential-keys: Fernet keys named by index, 0 staged, highest primary) and
//! as its Fernet credential provider uses it: blobs are encrypted with the primary key and
//! tagged with the SHA-1 of that key (`key_hash`), and decrypted with any key of the
//! repository. Set up once at start and owned by `App` (`app.credential_keys`), which hands
//! it to the credential store.

use std::path::Path;

use sha1::{Digest as _, Sha1};

use crate::error::{Error, Result};
use crate::token::keys::KeyRepository;

/// Upstream's credential provider keeps at most three keys (`MAX_ACTIVE_KEYS`).
pub const MAX_ACTIVE_KEYS: usize = 3;

/// Loaded credential keys: primary first.
pub struct CredentialKeys {
    /// Swapped whole by `reload` when the repository changes on disk.
    keys: std::sync::RwLock<std::sync::Arc<KeyList>>,
}

type KeyList = Vec<(String, fernet::Fernet)>;

impl CredentialKeys {
    /// As `credential_setup`: create the repository if needed, then load it.
    pub fn setup(dir: &Path) -> Result<CredentialKeys> {
        let repo = KeyRepository::setup(dir, MAX_ACTIVE_KEYS)
            .map_err(|e| Error::internal(format!("credential keys: {e}")))?;
        CredentialKeys::from_repo(&repo)
    }

    pub fn from_repo(repo: &KeyRepository) -> Result<CredentialKeys> {
        let keys: Vec<(String, fernet::Fernet)> = repo
            .keys()
            .filter_map(|k| fernet::Fernet::new(k).map(|f| (k.to_string(), f)))
            .collect();
        if keys.is_empty() {
            return Err(Error::internal("credential keys: empty key repository"));
        }
        Ok(CredentialKeys {
            keys: std::sync::RwLock::new(std::sync::Arc::new(keys)),
        })
    }

    /// Replaces the keys with `repo`'s (a rotation on disk); on error the old keys stay.
    pub fn reload(&self, repo: &KeyRepository) -> Result<()> {
        let fresh = CredentialKeys::from_repo(repo)?.current();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    fn current(&self) -> std::sync::Arc<KeyList> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Upstream's `primary_key_hash`: hex SHA-1 of the primary key's text.
    pub fn primary_key_hash(&self) -> String {
        let keys = self.current();
        let primary = keys.first().map(|(k, _)| k.as_str()).unwrap_or("");
        hex(&Sha1::digest(primary.as_bytes()))
    }

    /// (encrypted blob, key hash), as upstream's `Provider.encrypt`.
    pub fn encrypt(&self, plain: &str) -> Result<(String, String)> {
        let keys = self.current();
        let (text, primary) = keys
            .first()
            .ok_or_else(|| Error::internal("credential keys: no primary key"))?;
        // The hash of the very key that encrypted, even if a reload swaps the set meanwhile.
        let hash = hex(&Sha1::digest(text.as_bytes()));
        Ok((primary.encrypt(plain.as_bytes()), hash))
    }

    /// Tries every key, as MultiFernet does. The error never carries the blob.
    pub fn decrypt(&self, token: &str) -> Result<String> {
        let plain = self
            .current()
            .iter()
            .find_map(|(_, f)| f.decrypt(token).ok())
            .ok_or_else(|| {
                log::error!("Credential could not be decrypted. Please contact the administrator");
                Error::internal("credential could not be decrypted")
            })?;
        String::from_utf8(plain).map_err(|_| Error::internal("credential is not UTF-8"))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_encrypts_with_primary_and_decrypts_after_rotation() {
        let dir = std::env::temp_dir().join(format!(
            "ksl-credkeys-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let keys = CredentialKeys::setup(&dir).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["0", "1"]);
        let primary = std::fs::read_to_string(dir.join("1")).unwrap();
        let (token, hash) = keys.encrypt("{\"access\": \"a\"}").unwrap();
        assert_eq!(hash, hex(&Sha1::digest(primary.as_bytes())));
        assert!(!token.contains("access"));
        assert_eq!(keys.decrypt(&token).unwrap(), "{\"access\": \"a\"}");
        // After a rotation the old primary still decrypts.
        let mut repo = KeyRepository::load(&dir).unwrap();
        repo.rotate().unwrap();
        let rotated = CredentialKeys::from_repo(&repo).unwrap();
        assert_ne!(rotated.primary_key_hash(), hash);
        assert_eq!(rotated.decrypt(&token).unwrap(), "{\"access\": \"a\"}");
        assert!(rotated.decrypt("not-a-token").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
