//! Key repositories shared through the database: the Fernet token keys (receipts use them
//! too, as upstream's default `[fernet_receipts]`) and the credential keys, as rows of
//! `keys(repository, idx, key)`. A node with an empty table imports its local repository
//! (so `fernet-setup` then start still works); later nodes load from the table. A rotation
//! is one transaction and bumps `changes.keys_generation`; every node's poller sees it and
//! reloads (the same swap as a rotation on disk, src/ops/reload.rs).
//!
//! Anyone who can read the database can read the keys, as anyone who can read a node's key
//! directories today: the database's access rules are the keys' access rules.

use std::sync::atomic::{AtomicU64, Ordering};

use postgres::{Client, Transaction};

use super::{reason, PgEngine};
use crate::store::{StoreError, StoreResult};

/// What the poller calls when the shared keys changed.
pub type KeyListener = Box<dyn Fn() + Send>;

/// One lock for imports and rotations, so two nodes starting together import once.
const KEYS_LOCK: i64 = 715016;

fn fail(e: postgres::Error) -> StoreError {
    if e.is_closed() || e.as_db_error().is_none() {
        return StoreError::Unavailable("the database is unreachable".into());
    }
    StoreError::Io(format!("shared keys: {}", reason(&e)))
}

/// Counts `n` statements on the engine's round-trip counter.
fn sent(trips: &AtomicU64, n: usize) {
    trips.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
}

fn entries_of(
    tx: &mut Transaction<'_>,
    trips: &AtomicU64,
    repository: &str,
) -> StoreResult<Vec<(i64, String)>> {
    sent(trips, 1);
    let rows = tx
        .query(
            "SELECT idx, key FROM keys WHERE repository = $1 ORDER BY idx DESC",
            &[&repository],
        )
        .map_err(fail)?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

fn replace(
    tx: &mut Transaction<'_>,
    trips: &AtomicU64,
    repository: &str,
    entries: &[(i64, String)],
) -> StoreResult<()> {
    // The DELETE, one INSERT per key, the generation bump.
    sent(trips, entries.len() + 2);
    tx.execute("DELETE FROM keys WHERE repository = $1", &[&repository])
        .map_err(fail)?;
    for (idx, key) in entries {
        tx.execute(
            "INSERT INTO keys (repository, idx, key) VALUES ($1, $2, $3)",
            &[&repository, idx, key],
        )
        .map_err(fail)?;
    }
    tx.batch_execute("UPDATE changes SET keys_generation = keys_generation + 1 WHERE id = 1")
        .map_err(fail)
}

/// Upstream's rotation (fernet_utils.rotate_keys) on entries: the staged key 0 becomes the
/// primary (highest index + 1), `new_key` the staged key, and the lowest other keys go until
/// `max_active_keys - 1` remain besides the staged one.
pub fn rotated(
    entries: &[(i64, String)],
    max_active_keys: usize,
    new_key: String,
) -> Result<Vec<(i64, String)>, String> {
    let mut others: Vec<(i64, String)> = entries.iter().filter(|(i, _)| *i != 0).cloned().collect();
    let staged = entries
        .iter()
        .find(|(i, _)| *i == 0)
        .ok_or("no staged key 0 to promote")?;
    let primary = others
        .iter()
        .map(|(i, _)| *i)
        .max()
        .map_or(1, |max| max + 1)
        .max(1);
    others.push((primary, staged.1.clone()));
    others.sort_by_key(|(i, _)| *i);
    let keep = max_active_keys.saturating_sub(1);
    let excess = others.len().saturating_sub(keep);
    let mut out: Vec<(i64, String)> = others.split_off(excess);
    out.push((0, new_key));
    out.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    Ok(out)
}

impl PgEngine {
    /// Runs `f` in one transaction on a pooled connection, under the keys lock.
    fn keys_tx<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.checkout()?;
        let out = run_locked(&mut conn.client, &self.round_trips, f);
        match &out {
            Err(StoreError::Unavailable(_)) => self.lost(),
            _ => self.checkin(conn),
        }
        out
    }

    /// The shared entries of `repository`; an empty table takes `local` first.
    pub fn shared_keys(
        &self,
        repository: &str,
        local: &[(i64, String)],
    ) -> StoreResult<Vec<(i64, String)>> {
        self.keys_tx(|tx| {
            let found = entries_of(tx, &self.round_trips, repository)?;
            if !found.is_empty() {
                return Ok(found);
            }
            log::info!("{repository} keys: the database has none; importing this node's");
            replace(tx, &self.round_trips, repository, local)?;
            Ok(local.to_vec())
        })
    }

    /// The shared entries of `repository` (empty if never imported).
    pub fn load_keys(&self, repository: &str) -> StoreResult<Vec<(i64, String)>> {
        self.keys_tx(|tx| entries_of(tx, &self.round_trips, repository))
    }

    /// Rotates `repository` in one transaction (importing `local` first if the table has
    /// none); returns the entries after the rotation.
    pub fn rotate_keys(
        &self,
        repository: &str,
        local: Option<&[(i64, String)]>,
        max_active_keys: usize,
        new_key: String,
    ) -> StoreResult<Vec<(i64, String)>> {
        self.keys_tx(|tx| {
            let mut found = entries_of(tx, &self.round_trips, repository)?;
            if found.is_empty() {
                found = local.map(<[_]>::to_vec).unwrap_or_default();
            }
            let next = rotated(&found, max_active_keys, new_key)
                .map_err(|e| StoreError::Io(format!("{repository} keys: {e}")))?;
            replace(tx, &self.round_trips, repository, &next)?;
            Ok(next)
        })
    }

    /// Who hears of a rotation (one listener: the node's key reloader).
    pub fn on_keys_changed(&self, listener: KeyListener) {
        if let Ok(mut slot) = self.key_listener.lock() {
            *slot = Some(listener);
        }
    }

    pub(super) fn keys_changed(&self) {
        if let Ok(slot) = self.key_listener.lock() {
            if let Some(listener) = slot.as_ref() {
                listener();
            }
        }
    }
}

/// BEGIN, the lock and COMMIT are counted here, `f`'s statements where they are sent.
fn run_locked<T>(
    client: &mut Client,
    trips: &AtomicU64,
    f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    sent(trips, 3);
    let mut tx = client.transaction().map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&KEYS_LOCK])
        .map_err(fail)?;
    let out = f(&mut tx)?;
    tx.commit().map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(i: i64) -> (i64, String) {
        (i, format!("k{i}"))
    }

    #[test]
    fn rotation_promotes_the_staged_key_and_keeps_max_active() {
        let next = rotated(&[k(1), k(0)], 3, "new".into()).unwrap();
        assert_eq!(next, vec![(2, "k0".into()), k(1), (0, "new".into())]);
        let next = rotated(&next, 3, "newer".into()).unwrap();
        assert_eq!(
            next.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![3, 2, 0]
        );
        assert_eq!(next[0].1, "new");
        assert!(rotated(&[k(1)], 3, "x".into()).is_err());
    }
}
