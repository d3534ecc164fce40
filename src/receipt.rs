//! Auth receipts as upstream's keystone/receipt/ (fernet provider): when a user's
//! multi-factor rules are not met yet, the methods that did succeed are carried in a Fernet
//! receipt (`Openstack-Auth-Receipt`) that a second request presents with the missing factor.
//!
//! Payload (msgpack, as `ReceiptPayload.assemble`): `[[is_uuid_bytes, user_id], methods
//! bitmask, expires_at float]`, Fernet-encrypted with the primary key of the token key
//! repository (upstream's default `[fernet_receipts] key_repository` is the token one),
//! '=' padding stripped. Receipts live `[receipt] expiration` (300 s).

use rmpv::Value;

use crate::error::{Error, Result};
use crate::token::keys::KeyRepository;
use crate::token::payload::{int_to_methods, methods_to_int, uuid_hex_to_bytes};

/// Upstream's `[receipt] expiration` default, in seconds.
pub const EXPIRATION: i64 = 300;

/// The header a receipt travels in, both ways.
pub const HEADER: &str = "Openstack-Auth-Receipt";

/// A receipt's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub user_id: String,
    pub methods: Vec<String>,
    /// Unix seconds.
    pub expires_at: f64,
    /// Unix seconds (the Fernet timestamp).
    pub issued_at: i64,
}

/// The receipt keys: the token key repository's, loaded once at start (App.receipt_keys).
pub struct ReceiptKeys {
    /// Primary first, as `KeyRepository::keys`; swapped whole by `reload`.
    keys: std::sync::RwLock<std::sync::Arc<Vec<::fernet::Fernet>>>,
}

impl std::fmt::Debug for ReceiptKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "ReceiptKeys {{ {} keys }}", self.current().len())
    }
}

impl ReceiptKeys {
    pub fn from_repo(repo: &KeyRepository) -> Result<ReceiptKeys> {
        let keys: Vec<::fernet::Fernet> = repo.keys().filter_map(::fernet::Fernet::new).collect();
        if keys.is_empty() {
            return Err(Error::internal("no fernet keys for receipts"));
        }
        Ok(ReceiptKeys {
            keys: std::sync::RwLock::new(std::sync::Arc::new(keys)),
        })
    }

    /// Replaces the keys with `repo`'s (a rotation on disk); on error the old keys stay.
    pub fn reload(&self, repo: &KeyRepository) -> Result<()> {
        let fresh = ReceiptKeys::from_repo(repo)?.current();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    fn current(&self) -> std::sync::Arc<Vec<::fernet::Fernet>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The msgpack payload upstream packs.
pub fn pack(user_id: &str, methods: &[String], expires_at: f64) -> Result<Vec<u8>> {
    let user = match uuid_hex_to_bytes(user_id) {
        Some(b) => Value::Array(vec![true.into(), Value::Binary(b.to_vec())]),
        None => Value::Array(vec![false.into(), user_id.into()]),
    };
    let payload = Value::Array(vec![
        user,
        Value::from(methods_to_int(methods)),
        Value::F64(expires_at),
    ]);
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &payload).map_err(Error::internal)?;
    Ok(out)
}

/// Reads a payload back: (user_id, methods, expires_at).
pub fn unpack(bytes: &[u8]) -> Option<(String, Vec<String>, f64)> {
    let v = rmpv::decode::read_value(&mut &bytes[..]).ok()?;
    let items = v.as_array()?;
    let user = items.first()?.as_array()?;
    let user_id = match (user.first()?.as_bool()?, user.get(1)?) {
        (true, Value::Binary(b)) => uuid::Uuid::from_slice(b).ok()?.simple().to_string(),
        (false, Value::String(s)) => s.as_str()?.to_string(),
        _ => return None,
    };
    let methods = int_to_methods(i128::from(items.get(1)?.as_u64()?));
    let expires_at = match items.get(2)? {
        Value::F64(f) => *f,
        Value::F32(f) => f64::from(*f),
        other => other.as_i64()? as f64,
    };
    Some((user_id, methods, expires_at))
}

/// Mints a receipt for the methods done so far; the id and its content.
pub fn issue(
    keys: &ReceiptKeys,
    user_id: &str,
    methods: &[String],
    now: f64,
) -> Result<(String, Receipt)> {
    // Upstream: utcnow() + expiration, microseconds dropped.
    let expires_at = (now + EXPIRATION as f64).floor();
    let plain = pack(user_id, methods, expires_at)?;
    let keys = keys.current();
    let primary = keys
        .first()
        .ok_or_else(|| Error::internal("no primary key"))?;
    let id = primary.encrypt(&plain).trim_end_matches('=').to_owned();
    let issued_at = crate::token::fernet::creation_time(&id).map_err(Error::internal)?;
    Ok((
        id,
        Receipt {
            user_id: user_id.to_string(),
            methods: methods.to_vec(),
            expires_at,
            issued_at,
        },
    ))
}

/// Upstream's `ReceiptNotFound` (a 401 that names the receipt).
pub fn not_found(receipt_id: &str) -> Error {
    Error::Unauthorized(format!("Could not find auth receipt: {receipt_id}."))
}

/// Validates a presented receipt: upstream's `ReceiptNotFound` (401 naming the receipt as
/// given) when it does not decrypt, does not parse, or has expired.
pub fn validate(keys: &ReceiptKeys, receipt_id: &str, now: f64) -> Result<Receipt> {
    if receipt_id.is_empty() {
        return Err(not_found(receipt_id));
    }
    let padded = crate::token::fernet::restore_padding(receipt_id);
    let not_recognized = || not_found(receipt_id);
    let plain = keys
        .current()
        .iter()
        .find_map(|k| k.decrypt(&padded).ok())
        .ok_or_else(not_recognized)?;
    let (user_id, methods, expires_at) = unpack(&plain).ok_or_else(not_recognized)?;
    let issued_at =
        crate::token::fernet::creation_time(receipt_id).map_err(|_| not_recognized())?;
    if now >= expires_at {
        return Err(not_found(receipt_id));
    }
    Ok(Receipt {
        user_id,
        methods,
        expires_at,
        issued_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_keys() -> (std::path::PathBuf, ReceiptKeys) {
        let dir = std::env::temp_dir().join(format!(
            "ksl-receipt-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let repo = KeyRepository::setup(&dir, 3).unwrap();
        let keys = ReceiptKeys::from_repo(&repo).unwrap();
        (dir, keys)
    }

    fn m(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn payload_layout_is_upstreams() {
        // msgpack.packb(((True, uuid.UUID(hex).bytes), 2, 1700000000.0)) in Python.
        let id = "0123456789abcdef0123456789abcdef";
        let bytes = pack(id, &m(&["password"]), 1_700_000_000.0).unwrap();
        let mut want = vec![0x93, 0x92, 0xc3, 0xc4, 0x10];
        want.extend(uuid::Uuid::parse_str(id).unwrap().as_bytes());
        want.push(0x02);
        want.push(0xcb);
        want.extend(1_700_000_000.0f64.to_be_bytes());
        assert_eq!(bytes, want);
        assert_eq!(
            unpack(&bytes),
            Some((id.to_string(), m(&["password"]), 1_700_000_000.0))
        );
        // A non-uuid user id stays a string.
        let bytes = pack("admin-user", &m(&["password", "totp"]), 5.0).unwrap();
        let (user, methods, _) = unpack(&bytes).unwrap();
        assert_eq!(user, "admin-user");
        assert_eq!(methods, m(&["totp", "password"]));
    }

    #[test]
    fn issue_validate_and_expire() {
        let (dir, keys) = new_keys();
        // A fixed time: the receipt's expiry comes from `now`, not from the clock.
        let now = 1_700_000_000.25;
        let user = "0123456789abcdef0123456789abcdef";
        let (id, r) = issue(&keys, user, &m(&["password"]), now).unwrap();
        assert!(!id.ends_with('='));
        assert_eq!(r.expires_at, 1_700_000_300.0);
        let back = validate(&keys, &id, now).unwrap();
        assert_eq!(back.user_id, user);
        assert_eq!(back.methods, m(&["password"]));
        assert_eq!(back.issued_at, r.issued_at);
        // Valid until the last second before `expires_at`, refused from it on.
        assert!(validate(&keys, &id, r.expires_at - 1.0).is_ok());
        for later in [r.expires_at, now + 301.0] {
            let expired = validate(&keys, &id, later).unwrap_err();
            assert_eq!(expired.code(), 401);
            assert_eq!(
                expired.message(),
                format!("Could not find auth receipt: {id}.")
            );
        }
        let bad = validate(&keys, "garbage", now).unwrap_err();
        assert_eq!(bad.code(), 401);
        assert_eq!(bad.message(), "Could not find auth receipt: garbage.");
        assert_eq!(validate(&keys, "", now).unwrap_err().code(), 401);
        // Another repository's keys do not read it.
        let (other_dir, other) = new_keys();
        assert_eq!(validate(&other, &id, now).unwrap_err().code(), 401);
        std::fs::remove_dir_all(dir).ok();
        std::fs::remove_dir_all(other_dir).ok();
    }

    #[test]
    fn an_empty_repository_has_no_receipt_keys() {
        let dir = std::env::temp_dir().join(format!(
            "ksl-receipt-empty-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let repo = KeyRepository::load(&dir).unwrap();
        assert!(ReceiptKeys::from_repo(&repo).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
