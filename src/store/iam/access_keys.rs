//! Huawei access keys (OS-CREDENTIAL): permanent keys of a user, and temporary keys issued
//! with a security token. The secret key is stored only encrypted with the credential keys
//! (it must be recoverable: a signature is verified with it); the security token only as its
//! SHA-256 (it is only ever compared).

use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::error::StoreResult;
use crate::store::tables::{Table, SEP};
use crate::store::{Reader, Writer};

/// access -> AccessKey
pub const ACCESS_KEYS: Table = TableDefinition::new("iam-access-keys-1");
/// user_id SEP access -> "" (a user's permanent keys)
pub const USER_ACCESS_KEYS: Table = TableDefinition::new("iam-user-access-keys-1");
/// access -> TempAccessKey
pub const TEMP_ACCESS_KEYS: Table = TableDefinition::new("iam-temp-access-keys-1");
/// zero-padded expiry (Unix seconds) SEP access -> "" (what pruning removes first)
pub const TEMP_KEY_EXPIRY: Table = TableDefinition::new("iam-temp-key-expiry-1");
/// user_id SEP zero-padded expiry SEP access -> "" (a user's live temporary keys, soonest
/// expiring first: what the per-user cap removes)
pub const USER_TEMP_KEYS: Table = TableDefinition::new("iam-user-temp-keys-1");

/// A permanent access key as stored.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessKey {
    pub access: String,
    pub user_id: String,
    /// "active" or "inactive".
    pub status: String,
    #[serde(default)]
    pub description: String,
    /// Unix seconds.
    pub create_time: f64,
    /// Unix seconds of the last signed request, to the minute (see service::iam::access_keys).
    #[serde(default)]
    pub last_use_time: Option<f64>,
    pub encrypted_secret: String,
    pub key_hash: String,
}

/// The scope a temporary key acts in: the scope of the token it was issued for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TempScope {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub domain_id: Option<String>,
    /// A key by agency acts as this agency (of the account `domain_id`).
    #[serde(default)]
    pub agency_id: Option<String>,
}

/// A temporary access key, issued with a security token.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TempAccessKey {
    pub access: String,
    pub user_id: String,
    pub scope: TempScope,
    pub encrypted_secret: String,
    pub key_hash: String,
    /// Hex SHA-256 of the security token.
    pub token_hash: String,
    /// Unix seconds.
    pub expires_at: f64,
    /// The session policy as the client sent it (stored, not enforced).
    #[serde(default)]
    pub policy: Option<Value>,
}

// Neither record's Debug prints the (encrypted) secret or the token hash.
impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("access", &self.access)
            .field("user_id", &self.user_id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TempAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempAccessKey")
            .field("access", &self.access)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn user_key(user_id: &str, access: &str) -> String {
    format!("{user_id}{SEP}{access}")
}

fn expiry_key(expires_at: f64, access: &str) -> String {
    format!("{:020}{SEP}{access}", expires_at.max(0.0) as u64)
}

pub fn get(r: &impl Reader, access: &str) -> StoreResult<Option<AccessKey>> {
    r.get(ACCESS_KEYS, access)
}

/// A user's permanent keys, in access-key order.
pub fn list_for_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<AccessKey>> {
    let mut out = Vec::new();
    for access in r.suffixes(USER_ACCESS_KEYS, user_id)? {
        if let Some(key) = get(r, &access)? {
            out.push(key);
        }
    }
    Ok(out)
}

/// Every permanent key.
pub fn list(r: &impl Reader) -> StoreResult<Vec<AccessKey>> {
    r.list(ACCESS_KEYS)
}

/// Creates or replaces a permanent key (its user does not change).
pub fn put(w: &impl Writer, key: &AccessKey) -> StoreResult<()> {
    w.put(ACCESS_KEYS, &key.access, key)?;
    w.put_bytes(USER_ACCESS_KEYS, &user_key(&key.user_id, &key.access), b"")
}

pub fn delete(w: &impl Writer, key: &AccessKey) -> StoreResult<()> {
    w.remove(ACCESS_KEYS, &key.access)?;
    w.remove(USER_ACCESS_KEYS, &user_key(&key.user_id, &key.access))?;
    Ok(())
}

/// Part of a user's delete cascade.
pub fn delete_for_user(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    for key in list_for_user(w, user_id)? {
        delete(w, &key)?;
    }
    Ok(())
}

pub fn get_temp(r: &impl Reader, access: &str) -> StoreResult<Option<TempAccessKey>> {
    r.get(TEMP_ACCESS_KEYS, access)
}

pub fn put_temp(w: &impl Writer, key: &TempAccessKey) -> StoreResult<()> {
    let expiry = expiry_key(key.expires_at, &key.access);
    w.put(TEMP_ACCESS_KEYS, &key.access, key)?;
    w.put_bytes(USER_TEMP_KEYS, &user_key(&key.user_id, &expiry), b"")?;
    w.put_bytes(TEMP_KEY_EXPIRY, &expiry, b"")
}

/// Removes one temporary key and its index entries (`expiry` is its TEMP_KEY_EXPIRY key).
fn remove_temp(w: &impl Writer, expiry: &str) -> StoreResult<()> {
    if let Some((_, access)) = expiry.split_once(SEP) {
        if let Some(key) = get_temp(w, access)? {
            w.remove(USER_TEMP_KEYS, &user_key(&key.user_id, expiry))?;
        }
        w.remove(TEMP_ACCESS_KEYS, access)?;
    }
    w.remove(TEMP_KEY_EXPIRY, expiry)?;
    Ok(())
}

/// Leaves `user_id` at most `keep` temporary keys, removing those that expire soonest: any
/// caller with a token can ask for keys, and each would otherwise live up to a day. Returns
/// how many went.
pub fn cap_temp_for_user(w: &impl Writer, user_id: &str, keep: usize) -> StoreResult<usize> {
    let held = w.suffixes(USER_TEMP_KEYS, user_id)?;
    let over = held.len().saturating_sub(keep);
    for expiry in &held[..over] {
        remove_temp(w, expiry)?;
    }
    Ok(over)
}

/// Removes up to `limit` temporary keys expired before `now` (each issue calls this, so the
/// table stays about as large as the keys alive). Returns how many went.
pub fn prune_temp(w: &impl Writer, now: f64, limit: usize) -> StoreResult<usize> {
    let end = expiry_key(now, "");
    let expired = w.scan_first(TEMP_KEY_EXPIRY, limit)?;
    let mut removed = 0;
    for (index_key, _) in expired {
        if index_key.as_str() >= end.as_str() {
            break;
        }
        remove_temp(w, &index_key)?;
        removed += 1;
    }
    Ok(removed)
}

/// How many temporary keys are stored (for tests of pruning).
pub fn count_temp(r: &impl Reader) -> StoreResult<usize> {
    Ok(r.scan(TEMP_ACCESS_KEYS, None)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn temp(access: &str, user_id: &str, expires_at: f64) -> TempAccessKey {
        TempAccessKey {
            access: access.into(),
            user_id: user_id.into(),
            scope: TempScope::default(),
            encrypted_secret: String::new(),
            key_hash: String::new(),
            token_hash: String::new(),
            expires_at,
            policy: None,
        }
    }

    #[test]
    fn a_users_temporary_keys_are_capped_soonest_expiring_first() {
        let dir = std::env::temp_dir().join(format!("ksl-temp-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store = Store::open(&dir.join("t.redb")).expect("store");
        store
            .write(|w| {
                for (i, at) in [500.0, 100.0, 300.0, 400.0, 200.0].iter().enumerate() {
                    put_temp(w, &temp(&format!("K{i}"), "alice", *at))?;
                }
                put_temp(w, &temp("BOB", "bob", 50.0))?;
                assert_eq!(cap_temp_for_user(w, "alice", 3)?, 2);
                // Pruning removes the user index entry too.
                assert_eq!(prune_temp(w, 60.0, 16)?, 1);
                Ok::<_, crate::store::StoreError>(())
            })
            .expect("write");
        let left: Vec<String> = store
            .read(|r| r.scan(TEMP_ACCESS_KEYS, None))
            .expect("read")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            left,
            vec!["K0", "K2", "K3"],
            "the two soonest expiring went"
        );
        let index = store.read(|r| r.scan(USER_TEMP_KEYS, None)).expect("read");
        assert_eq!(index.len(), 3, "bob's entry pruned with his key");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
