//! The store: one redb file, many MVCC readers, one writer. One API operation is one
//! transaction, committed before the handler answers; a write that fails part-way is dropped
//! uncommitted, and redb then leaves the file as it was. Knows nothing of HTTP.

pub mod assignment;
pub mod catalog;
pub mod endpoint_filter;
pub mod error;
pub mod identity;
#[cfg(test)]
mod layers;
pub mod policies;
pub mod resource;
pub mod revocation;
pub mod tables;

pub mod domain_config;
pub mod limits;
pub mod totp;

pub mod credentials;
pub mod oauth1;

pub mod application_credentials;
pub mod trusts;

mod open;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{Database, ReadTransaction, ReadableTable, WriteTransaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::RevokeEvent;
pub use error::{StoreError, StoreResult};
use tables::{prefix_range, Table};

pub struct Store {
    path: PathBuf,
    /// The open database. Swapped for a freshly opened one after an I/O failure: redb refuses
    /// every later operation on a handle whose write failed (`PreviousIo`), so without the
    /// swap a full disk would keep every write failing after space returns.
    db: RwLock<Option<Arc<Database>>>,
    /// Set when an operation failed with an I/O error; the next operation reopens first.
    io_failed: AtomicBool,
    /// Bumped after every committed write: caches built from an older generation are stale.
    generation: AtomicU64,
    /// Every revocation event, kept in memory so validation never scans a table, with the
    /// event count it was read at: a slower reload never replaces a newer list.
    revocations: RwLock<(u64, Arc<Vec<RevokeEvent>>)>,
}

/// Reads that work the same in a read or a write transaction.
pub trait Reader {
    fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Every (key, value) with `start <= key < end`, or the whole table.
    fn scan(
        &self,
        table: Table,
        range: Option<(&str, &str)>,
    ) -> StoreResult<Vec<(String, Vec<u8>)>>;
    /// The first `n` (key, value) pairs in key order.
    fn scan_first(&self, table: Table, n: usize) -> StoreResult<Vec<(String, Vec<u8>)>>;

    fn get<T: DeserializeOwned>(&self, table: Table, key: &str) -> StoreResult<Option<T>> {
        match self.get_bytes(table, key)? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    fn exists(&self, table: Table, key: &str) -> StoreResult<bool> {
        Ok(self.get_bytes(table, key)?.is_some())
    }

    fn list<T: DeserializeOwned>(&self, table: Table) -> StoreResult<Vec<T>> {
        self.scan(table, None)?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }

    /// The first `n` records in key order: a page without reading the whole table.
    fn list_first<T: DeserializeOwned>(&self, table: Table, n: usize) -> StoreResult<Vec<T>> {
        self.scan_first(table, n)?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }

    /// The records whose key starts with `prefix SEP`.
    fn list_prefix<T: DeserializeOwned>(&self, table: Table, prefix: &str) -> StoreResult<Vec<T>> {
        let (start, end) = prefix_range(prefix);
        self.scan(table, Some((&start, &end)))?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }

    /// The key parts after `prefix SEP`, for index tables whose value is empty.
    fn suffixes(&self, table: Table, prefix: &str) -> StoreResult<Vec<String>> {
        let (start, end) = prefix_range(prefix);
        Ok(self
            .scan(table, Some((&start, &end)))?
            .into_iter()
            .map(|(k, _)| k[start.len()..].to_string())
            .collect())
    }
}

fn scan_first_of<T: ReadableTable<&'static str, &'static [u8]>>(
    table: &T,
    n: usize,
) -> StoreResult<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::with_capacity(n.min(1024));
    for item in table.iter()?.take(n) {
        let (k, v) = item?;
        out.push((k.value().to_string(), v.value().to_vec()));
    }
    Ok(out)
}

fn scan_table<T: ReadableTable<&'static str, &'static [u8]>>(
    table: &T,
    range: Option<(&str, &str)>,
) -> StoreResult<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let iter = match range {
        Some((start, end)) => table.range::<&str>(start..end)?,
        None => table.iter()?,
    };
    for item in iter {
        let (k, v) = item?;
        out.push((k.value().to_string(), v.value().to_vec()));
    }
    Ok(out)
}

impl Reader for ReadTransaction {
    fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let t = self.open_table(table)?;
        let value = t.get(key)?.map(|v| v.value().to_vec());
        Ok(value)
    }
    fn scan(
        &self,
        table: Table,
        range: Option<(&str, &str)>,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        scan_table(&self.open_table(table)?, range)
    }
    fn scan_first(&self, table: Table, n: usize) -> StoreResult<Vec<(String, Vec<u8>)>> {
        scan_first_of(&self.open_table(table)?, n)
    }
}

impl Reader for WriteTransaction {
    fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let t = self.open_table(table)?;
        let value = t.get(key)?.map(|v| v.value().to_vec());
        Ok(value)
    }
    fn scan(
        &self,
        table: Table,
        range: Option<(&str, &str)>,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        scan_table(&self.open_table(table)?, range)
    }
    fn scan_first(&self, table: Table, n: usize) -> StoreResult<Vec<(String, Vec<u8>)>> {
        scan_first_of(&self.open_table(table)?, n)
    }
}

/// Writes, only inside a write transaction.
pub trait Writer: Reader {
    fn put_bytes(&self, table: Table, key: &str, value: &[u8]) -> StoreResult<()>;
    fn remove(&self, table: Table, key: &str) -> StoreResult<bool>;

    fn put<T: Serialize>(&self, table: Table, key: &str, value: &T) -> StoreResult<()> {
        self.put_bytes(table, key, &serde_json::to_vec(value)?)
    }

    /// Removes every key starting with `prefix SEP`; returns the removed keys.
    fn remove_prefix(&self, table: Table, prefix: &str) -> StoreResult<Vec<String>> {
        let (start, end) = prefix_range(prefix);
        let keys: Vec<String> = self
            .scan(table, Some((&start, &end)))?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for k in &keys {
            self.remove(table, k)?;
        }
        Ok(keys)
    }
}

impl Writer for WriteTransaction {
    fn put_bytes(&self, table: Table, key: &str, value: &[u8]) -> StoreResult<()> {
        let mut t = self.open_table(table)?;
        t.insert(key, value)?;
        Ok(())
    }
    fn remove(&self, table: Table, key: &str) -> StoreResult<bool> {
        let mut t = self.open_table(table)?;
        let removed = t.remove(key)?.is_some();
        Ok(removed)
    }
}

impl Store {
    /// Opens (or creates) the store file and every table, so reads never meet a missing table.
    /// A damaged file is an error naming it, never a panic (src/store/open.rs).
    pub fn open(path: &Path) -> StoreResult<Store> {
        let db = open::open_checked(path)?;
        let store = Store {
            path: path.to_path_buf(),
            db: RwLock::new(Some(Arc::new(db))),
            io_failed: AtomicBool::new(false),
            generation: AtomicU64::new(1),
            revocations: RwLock::new((0, Arc::new(Vec::new()))),
        };
        store.reload_revocations()?;
        Ok(store)
    }

    /// Runs `f` in one read transaction. `f` may fail with any error a store error converts
    /// into (the API's error, for handlers), so callers never convert by hand.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = self.database()?;
        let tx = db.begin_read().map_err(|e| self.failed(e))?;
        f(&tx)
    }

    /// Runs `f` in one write transaction; commits only if it returns Ok. Revocation events
    /// `f` appended (a disabled user, a deleted project) are in memory before this returns.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&WriteTransaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = self.database()?;
        let tx = db.begin_write().map_err(|e| self.failed(e))?;
        let events_before = revocation::count(&tx)?;
        let out = f(&tx)?;
        let revoked = revocation::count(&tx)? != events_before;
        tx.commit().map_err(|e| self.failed(e))?;
        self.generation.fetch_add(1, Ordering::Release);
        if revoked {
            self.reload_revocations()?;
        }
        Ok(out)
    }

    /// A write that cannot change what any token validates to (a failed-login count, the day
    /// of last activity, a trust's remaining uses): committed like any other, but the
    /// validation cache survives it, so a burst of failed logins cannot keep every
    /// validation on the slow path.
    pub fn write_bookkeeping<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&WriteTransaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = self.database()?;
        let tx = db.begin_write().map_err(|e| self.failed(e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| self.failed(e))?;
        Ok(out)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn revocations(&self) -> Arc<Vec<RevokeEvent>> {
        match self.revocations.read() {
            Ok(guard) => guard.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    /// Records revocation events in their own transaction (`write` refreshes the memory copy).
    pub fn revoke(&self, events: Vec<RevokeEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.write(|w| revocation::append(w, &events))
    }

    /// Reads every event; installs them unless a newer list is already installed (two
    /// writers reloading at once must not leave the older list in place).
    pub fn reload_revocations(&self) -> StoreResult<()> {
        let (count, events) = self.read(|r| -> StoreResult<_> {
            Ok((
                revocation::count(r)?,
                r.list::<RevokeEvent>(tables::REVOCATIONS)?,
            ))
        })?;
        let mut guard = self
            .revocations
            .write()
            .map_err(|_| StoreError::Io("revocations lock poisoned".to_string()))?;
        if count >= guard.0 {
            *guard = (count, Arc::new(events));
        }
        Ok(())
    }
}
