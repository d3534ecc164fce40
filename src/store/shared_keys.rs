//! The key repositories a node uses when they are shared through the database (PostgreSQL,
//! src/store/pg/keys.rs); on redb every node has its own key directories and none of this
//! applies (`shares_keys` is false).

use super::{Store, StoreError, StoreResult};
use crate::token::keys::{self, KeyRepository};

/// The token (and receipt) keys' repository name in the `keys` table.
pub const FERNET_KEYS: &str = "fernet";
/// The credential keys' repository name in the `keys` table.
pub const CREDENTIAL_KEYS: &str = "credential";

fn repository(name: &str, entries: Vec<(i64, String)>) -> StoreResult<KeyRepository> {
    KeyRepository::from_entries(&format!("database {name} keys"), entries)
        .map_err(|e| StoreError::Io(e.to_string()))
}

impl Store {
    /// Whether the keys live in the database (every node on it uses the same ones).
    pub fn shares_keys(&self) -> bool {
        self.pg.is_some()
    }

    /// The shared keys of `name`; a database without any takes `local`'s. On redb, `local`.
    pub fn shared_key_repository(
        &self,
        name: &str,
        local: &KeyRepository,
    ) -> StoreResult<KeyRepository> {
        let Some(pg) = &self.pg else {
            return Ok(local.clone());
        };
        let entries = pg.shared_keys(name, local.entries())?;
        let mut repo = repository(name, entries)?;
        repo.set_max_active_keys(local.max_active_keys());
        Ok(repo)
    }

    /// The shared keys of `name`, None when the database has none (or is redb).
    pub fn load_shared_keys(&self, name: &str) -> StoreResult<Option<KeyRepository>> {
        let Some(pg) = &self.pg else {
            return Ok(None);
        };
        let entries = pg.load_keys(name)?;
        if entries.is_empty() {
            return Ok(None);
        }
        repository(name, entries).map(Some)
    }

    /// Rotates `name` in the database in one transaction (`local` is imported first when the
    /// database has none of these keys); every node reloads within the poll bound.
    pub fn rotate_shared_keys(
        &self,
        name: &str,
        local: Option<&KeyRepository>,
        max_active_keys: usize,
    ) -> StoreResult<KeyRepository> {
        let Some(pg) = &self.pg else {
            return Err(StoreError::Io("keys are shared only on PostgreSQL".into()));
        };
        let new_key = keys::generate_key().map_err(|e| StoreError::Io(e.to_string()))?;
        let entries = pg.rotate_keys(
            name,
            local.map(KeyRepository::entries),
            max_active_keys,
            new_key,
        )?;
        repository(name, entries)
    }

    /// `listener` runs (on the change poller's thread) after any node rotated shared keys.
    pub fn on_shared_keys_changed(&self, listener: Box<dyn Fn() + Send>) {
        if let Some(pg) = &self.pg {
            pg.on_keys_changed(listener);
        }
    }
}
