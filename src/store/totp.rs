//! The TOTP seeds of a user: the blobs of their credentials of type "totp" (upstream's
//! `credential_api.list_credentials_for_user(user_id, type='totp')`). The credentials API owns
//! the table; this is the one place the totp method reads it, so a change in how blobs are kept
//! (encrypted at rest) is made here.

use serde_json::Value;

use super::tables::CREDENTIALS;
use super::Reader;
use crate::error::Result;

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

/// The user's credentials of type `kind`, as (id, record) in key order.
pub fn credentials_of_user(r: &impl Reader, user_id: &str, kind: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (_, bytes) in r.scan(CREDENTIALS, None)? {
        // A record this code cannot read is skipped, as upstream skips a blob it cannot decode.
        let Ok(record) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if record.get("user_id").and_then(Value::as_str) == Some(user_id)
            && record.get("type").and_then(Value::as_str) == Some(kind)
        {
            out.push(record);
        }
    }
    Ok(out)
}

/// The user's TOTP seeds.
pub fn totp_credentials(r: &impl Reader, user_id: &str) -> Result<Vec<TotpCredential>> {
    Ok(credentials_of_user(r, user_id, "totp")?
        .into_iter()
        .filter_map(|c| {
            Some(TotpCredential {
                id: c.get("id")?.as_str()?.to_string(),
                blob: c.get("blob")?.as_str()?.to_string(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, Writer};
    use serde_json::json;

    fn temp_store() -> (std::path::PathBuf, Store) {
        let dir = std::env::temp_dir().join(format!(
            "ksl-totp-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("t.redb")).unwrap();
        (dir, store)
    }

    #[test]
    fn reads_only_the_users_totp_credentials() {
        let (dir, store) = temp_store();
        store
            .write(|w| {
                for (id, user, kind, blob) in [
                    ("c1", "u1", "totp", "GEZDGNBVGY3TQOJQ"),
                    ("c2", "u1", "ec2", "{\"access\": \"a\"}"),
                    ("c3", "u2", "totp", "MFRGGZDFMZTWQ2LK"),
                    ("c4", "u1", "totp", "ONSWG4TFOQ"),
                ] {
                    w.put(
                        CREDENTIALS,
                        id,
                        &json!({"id": id, "user_id": user, "project_id": null,
                                "type": kind, "blob": blob}),
                    )?;
                }
                w.put_bytes(CREDENTIALS, "junk", b"not json")
            })
            .unwrap();
        let got = store.read(|r| totp_credentials(r, "u1")).unwrap();
        let ids: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c4"]);
        assert_eq!(got[0].blob, "GEZDGNBVGY3TQOJQ");
        assert!(store
            .read(|r| totp_credentials(r, "nobody"))
            .unwrap()
            .is_empty());
        // The seed never shows in a debug print.
        assert!(!format!("{:?}", got[0]).contains("GEZD"));
        std::fs::remove_dir_all(dir).ok();
    }
}
