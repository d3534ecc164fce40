//! Token encryption as upstream's `TokenFormatter`: msgpack payload, Fernet
//! with the primary key, '=' padding stripped; decryption tries every key.
//! There is no Fernet TTL: the expiry is inside the payload and checked by
//! the caller.

use std::sync::{Arc, RwLock};

use base64::Engine as _;

use super::keys::KeyRepository;
use super::{payload, TokenData, TokenError};

/// The keys of a repository, ready to encrypt and decrypt. The set is replaced whole when
/// the repository changes on disk (`reload`), while requests keep using it.
pub struct TokenCodec {
    /// Primary first, as `KeyRepository::keys`.
    keys: RwLock<Arc<Vec<::fernet::Fernet>>>,
}

impl Clone for TokenCodec {
    fn clone(&self) -> Self {
        TokenCodec {
            keys: RwLock::new(self.current()),
        }
    }
}

impl std::fmt::Debug for TokenCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "TokenCodec {{ {} keys }}", self.current().len())
    }
}

impl TokenCodec {
    pub fn new(repo: &KeyRepository) -> Result<TokenCodec, TokenError> {
        Ok(TokenCodec {
            keys: RwLock::new(Arc::new(fernets(repo)?)),
        })
    }

    /// Replaces the keys with `repo`'s (a rotation on disk); on error the old keys stay.
    pub fn reload(&self, repo: &KeyRepository) -> Result<(), TokenError> {
        let keys = Arc::new(fernets(repo)?);
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        Ok(())
    }

    /// The keys now (a reload swaps the whole set; a poisoned lock still holds a valid set).
    fn current(&self) -> Arc<Vec<::fernet::Fernet>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Mint a token for `data` (its `issued_at` is ignored).
    ///
    /// The fernet crate only stamps tokens with the system clock (a chosen
    /// time needs its `fernet_danger_timestamps` feature), so the token's
    /// timestamp is the clock at this call and `_now` is not used to make
    /// it; read the real one back with `creation_time`, as upstream does
    /// for `issued_at`.
    pub fn encode(&self, data: &TokenData, _now: i64) -> Result<String, TokenError> {
        let keys = self.current();
        let primary = keys.first().ok_or(TokenError::NoKeys)?;
        let plain = payload::pack(data)?;
        // base64 padding is not URL-safe; upstream strips it.
        Ok(primary.encrypt(&plain).trim_end_matches('=').to_owned())
    }

    /// Decrypt and parse a token with any key. Expiry is not checked.
    pub fn decode(&self, token: &str) -> Result<TokenData, TokenError> {
        let padded = restore_padding(token);
        let plain = self
            .current()
            .iter()
            .find_map(|k| k.decrypt(&padded).ok())
            .ok_or(TokenError::Invalid)?;
        let mut data = payload::unpack(&plain)?;
        data.issued_at = creation_time(token)?;
        Ok(data)
    }
}

impl TokenCodec {
    /// Encrypts and authenticates data that is not a token (WebSSO's state) with the primary
    /// key, so it survives restarts and is readable by every node sharing the keys. The
    /// caller prefixes its plaintext with its own tag: a token and such data never parse as
    /// each other.
    pub fn seal(&self, plain: &[u8]) -> Result<String, TokenError> {
        let keys = self.current();
        let primary = keys.first().ok_or(TokenError::NoKeys)?;
        Ok(primary.encrypt(plain).trim_end_matches('=').to_owned())
    }

    /// [`TokenCodec::seal`]'s plaintext, with any key; None when forged or unreadable.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let padded = restore_padding(sealed);
        self.current().iter().find_map(|k| k.decrypt(&padded).ok())
    }
}

/// A repository's keys as Fernet ciphers, primary first; none is an error.
fn fernets(repo: &KeyRepository) -> Result<Vec<::fernet::Fernet>, TokenError> {
    let keys = repo
        .keys()
        .map(::fernet::Fernet::new)
        .collect::<Option<Vec<_>>>()
        .ok_or(TokenError::Invalid)?;
    if keys.is_empty() {
        return Err(TokenError::NoKeys);
    }
    Ok(keys)
}

/// Upstream's `restore_padding`: '=' up to a multiple of 4 characters.
pub fn restore_padding(token: &str) -> String {
    let missing = (4 - token.len() % 4) % 4;
    format!("{token}{}", "=".repeat(missing))
}

/// Upstream's `creation_time`: the Fernet timestamp (byte 0 is the version,
/// bytes 1..9 big-endian seconds), read without decrypting.
pub fn creation_time(token: &str) -> Result<i64, TokenError> {
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(restore_padding(token))
        .map_err(|_| TokenError::Invalid)?;
    let stamp: [u8; 8] = bytes
        .get(1..9)
        .and_then(|b| b.try_into().ok())
        .ok_or(TokenError::Invalid)?;
    i64::try_from(u64::from_be_bytes(stamp)).map_err(|_| TokenError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Scope;
    use std::path::PathBuf;

    fn make_repo(name: &str) -> (PathBuf, KeyRepository) {
        let dir = std::env::temp_dir().join(format!(
            "ksl-fernet-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let repo = KeyRepository::setup(&dir, 3).unwrap();
        (dir, repo)
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn data(user: &str, scope: Scope, app_cred_id: Option<&str>) -> TokenData {
        TokenData {
            user_id: user.into(),
            methods: vec!["token".into(), "password".into()],
            scope,
            audit_ids: vec![crate::token::new_audit_id()],
            expires_at: (now() + 3600) as f64,
            issued_at: 0,
            app_cred_id: app_cred_id.map(Into::into),
            federated: None,
        }
    }

    const U: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";

    #[test]
    fn round_trip_every_scope() {
        let (dir, repo) = make_repo("rt");
        let codec = TokenCodec::new(&repo).unwrap();
        let cases = [
            data(U, Scope::Unscoped, None),
            data("admin", Scope::Project("admin".into()), None),
            data(U, Scope::Project(U.into()), None),
            data(U, Scope::Domain("default".into()), None),
            data("admin", Scope::Domain(U.into()), None),
            data(U, Scope::System("all".into()), None),
            data(
                U,
                Scope::Trust {
                    project_id: U.into(),
                    trust_id: U.into(),
                },
                None,
            ),
            data(U, Scope::Project(U.into()), Some(U)),
        ];
        for d in cases {
            let before = now();
            let token = codec.encode(&d, before).unwrap();
            assert!(!token.contains('='));
            let back = codec.decode(&token).unwrap();
            assert!(back.issued_at >= before && back.issued_at <= now());
            assert_eq!(
                TokenData {
                    issued_at: 0,
                    ..back
                },
                d
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn padding_is_stripped_and_restored() {
        let (dir, repo) = make_repo("pad");
        let codec = TokenCodec::new(&repo).unwrap();
        // Payload length decides the padding; try until one needs it.
        let mut seen_padded = false;
        for n in (0..64).step_by(5) {
            let d = data(&"u".repeat(n + 1), Scope::Unscoped, None);
            let token = codec.encode(&d, now()).unwrap();
            let padded = restore_padding(&token);
            seen_padded |= padded.len() != token.len();
            assert_eq!(padded.len() % 4, 0);
            // Both forms decode.
            assert_eq!(codec.decode(&token).unwrap().user_id, d.user_id);
            assert_eq!(codec.decode(&padded).unwrap().user_id, d.user_id);
        }
        assert!(seen_padded);
        assert_eq!(restore_padding("abcd"), "abcd");
        assert_eq!(restore_padding("abcdef"), "abcdef==");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tampered_or_foreign_tokens_are_invalid() {
        let (dir, repo) = make_repo("tamper");
        let codec = TokenCodec::new(&repo).unwrap();
        let token = codec
            .encode(&data(U, Scope::Unscoped, None), now())
            .unwrap();
        let mut bytes = token.clone().into_bytes();
        let mid = bytes.len() / 2;
        bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        for bad in [
            &tampered[..],
            "",
            "garbage",
            &token[..token.len() - 4],
            "gAAAAA",
        ] {
            assert!(
                matches!(codec.decode(bad), Err(TokenError::Invalid)),
                "{bad}"
            );
        }
        let (dir2, other) = make_repo("foreign");
        let other = TokenCodec::new(&other).unwrap();
        assert!(matches!(other.decode(&token), Err(TokenError::Invalid)));
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::remove_dir_all(dir2).unwrap();
    }

    #[test]
    fn rotation_keeps_old_tokens_valid_until_pruned() {
        let (dir, mut repo) = make_repo("rot");
        let old = TokenCodec::new(&repo)
            .unwrap()
            .encode(&data(U, Scope::Unscoped, None), now())
            .unwrap();
        repo.rotate().unwrap(); // keys 2, 1, 0
        assert!(TokenCodec::new(&repo).unwrap().decode(&old).is_ok());
        repo.rotate().unwrap(); // keys 3, 2, 0: key 1 pruned
        assert!(TokenCodec::new(&repo).unwrap().decode(&old).is_err());
        // A token made with the staged key decodes once it is promoted.
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn staged_key_tokens_decode_after_promotion() {
        let (dir, mut repo) = make_repo("staged");
        let staged = repo.keys().last().unwrap().to_owned();
        let token = ::fernet::Fernet::new(&staged)
            .unwrap()
            .encrypt(&payload::pack(&data(U, Scope::Unscoped, None)).unwrap());
        assert!(TokenCodec::new(&repo).unwrap().decode(&token).is_ok());
        repo.rotate().unwrap();
        assert!(TokenCodec::new(&repo).unwrap().decode(&token).is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_repository_has_no_keys() {
        let dir = std::env::temp_dir().join(format!("ksl-fernet-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let repo = KeyRepository::load(&dir).unwrap();
        assert!(matches!(TokenCodec::new(&repo), Err(TokenError::NoKeys)));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn codec_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<TokenCodec>();
    }
}
