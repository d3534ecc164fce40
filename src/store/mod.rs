//! The store: one redb file, many MVCC readers, one writer. One API operation is one
//! transaction, committed before the handler answers; a write that fails part-way is dropped
//! uncommitted, and redb then leaves the file as it was. Knows nothing of HTTP.

pub mod assignment;
pub mod catalog;
pub mod changes;
pub mod endpoint_filter;
pub mod error;
pub mod federation;
pub mod iam;
pub mod identity;
#[cfg(test)]
mod layers;
pub mod policies;
pub mod resource;
pub mod revocation;
pub mod shadow;
pub mod tables;

pub mod domain_config;
pub mod limits;
pub mod totp;

pub mod credentials;
pub mod oauth1;

pub mod application_credentials;
pub mod trusts;

mod engine;
mod open;
mod pg;
mod replica;
pub mod shared_keys;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{Database, ReadableTable, ReadableTableMetadata};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::RevokeEvent;
pub use changes::{Dep, Stamp, Tx, Versions};
use engine::Handle;
pub use engine::{ReadTx, WriteTx};
pub use error::{StoreError, StoreResult};
pub use pg::POLL_INTERVAL;
/// The detail of a write refused because the primary is down while a replica serves reads.
pub const PRIMARY_UNREACHABLE: &str = "the primary database is unreachable";
use revocation::{RevocationIndex, Revocations};
use tables::{prefix_range, Table};

pub struct Store {
    path: PathBuf,
    /// The open database, shared with the start-up threads that index and prune revocation
    /// events. Swapped for a freshly opened one after an I/O failure: redb refuses every
    /// later operation on a handle whose write failed (`PreviousIo`), so without the swap a
    /// full disk would keep every write failing after space returns.
    db: RwLock<Option<Arc<Database>>>,
    /// Set when an operation failed with an I/O error; the next operation reopens first.
    io_failed: AtomicBool,
    /// Set when a write failed on I/O (a full disk), cleared by the next committed write:
    /// /healthcheck answers 503 meanwhile. Reads may still work, so `io_failed` (cleared by
    /// any successful reopen) does not say this.
    writes_failing: AtomicBool,
    /// Bumped after every committed write (kept for callers that only ask "did anything change").
    generation: AtomicU64,
    /// Per-record versions the validation cache checks (see `changes`); shared with the
    /// PostgreSQL engine's change poller, which bumps them all when another node wrote.
    versions: Arc<Versions>,
    /// The PostgreSQL engine, when `[database] connection` names one; `db` is then None.
    pg: Option<Arc<pg::PgEngine>>,
    /// `[database] slave_connection`: the streaming replica reads go to (src/store/replica.rs).
    replica: Option<replica::Replica>,
    /// The revocation events, indexed (see `revocation::RevocationIndex`).
    revocations: Arc<Revocations>,
    /// Seconds after which an event can match no token that still validates: the longest
    /// token lifetime plus the allow-expired window; i64::MAX (never) until
    /// `keep_revocations_for`.
    revocation_lifetime: AtomicI64,
}

/// Old events removed per revoking write: bounded work, yet faster than events arrive.
const PRUNE_PER_WRITE: usize = 64;

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

impl Reader for Tx<'_> {
    fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.tx.get_bytes(table, key)
    }
    fn scan(
        &self,
        table: Table,
        range: Option<(&str, &str)>,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.tx.scan(table, range)
    }
    fn scan_first(&self, table: Table, n: usize) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.tx.scan_first(table, n)
    }
}

impl Writer for Tx<'_> {
    fn put_bytes(&self, table: Table, key: &str, value: &[u8]) -> StoreResult<()> {
        self.note(table, key, Some(value));
        self.tx.put_bytes(table, key, value)
    }
    fn remove(&self, table: Table, key: &str) -> StoreResult<bool> {
        self.note(table, key, None);
        self.tx.remove(table, key)
    }
}

impl Store {
    /// Opens (or creates) the store file and every table, so reads never meet a missing table.
    /// A damaged file is an error naming it, never a panic (src/store/open.rs).
    pub fn open(path: &Path) -> StoreResult<Store> {
        let db = open::open_checked(path)?;
        Store::with_engine(path, Some(Arc::new(db)), None)
    }

    /// Opens the PostgreSQL engine at `url` (`[database] connection`) for a command, creating
    /// or checking its schema, with a pool of `pool_size` connections. A command is not a
    /// node: it does not watch the other nodes' writes, and they never wait for it.
    pub fn open_postgres(url: &str, pool_size: usize) -> StoreResult<Store> {
        let engine = pg::PgEngine::open(url, pool_size, "the database")?;
        Store::with_engine(Path::new(""), None, Some(engine))
    }

    /// Opens the PostgreSQL engine for a serving node, as `open_postgres` with a pool of
    /// `pool_size` (the worker count, plus the background threads'), reading from the
    /// streaming replica at `replica_url` when given, and watching the other nodes' writes.
    pub fn open_postgres_replicated(
        url: &str,
        replica_url: Option<&str>,
        pool_size: usize,
    ) -> StoreResult<Store> {
        let role = match replica_url {
            Some(_) => "the primary database",
            None => "the database",
        };
        let engine = pg::PgEngine::open(url, pool_size, role)?;
        let replica = match replica_url {
            Some(url) => Some(pg::PgEngine::open_replica(url, pool_size)?),
            None => None,
        };
        let mut store = Store::with_engine(Path::new(""), None, Some(engine.clone()))?;
        store.replica = replica.clone().map(replica::Replica::new);
        let (versions, revocations) = (store.versions.clone(), store.revocations.clone());
        let handle = Handle::Pg(engine.clone());
        engine.watch(replica.as_deref(), move |change| {
            // Another node wrote: what its records fed is stale, as after a write here.
            let reload = match change {
                pg::Change::Everything => {
                    versions.bump_all();
                    true
                }
                pg::Change::Records { keys, revocations } => {
                    for (table, key) in &keys {
                        versions.bump_for(table, key);
                    }
                    revocations
                }
            };
            if !reload {
                return true;
            }
            match catch_up_revocations(&handle, &revocations) {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("reloading revocation events (retried at the next poll): {e}");
                    false
                }
            }
        })?;
        Ok(store)
    }

    fn with_engine(
        path: &Path,
        db: Option<Arc<Database>>,
        pg: Option<Arc<pg::PgEngine>>,
    ) -> StoreResult<Store> {
        let store = Store {
            path: path.to_path_buf(),
            db: RwLock::new(db),
            io_failed: AtomicBool::new(false),
            writes_failing: AtomicBool::new(false),
            generation: AtomicU64::new(1),
            versions: Arc::new(Versions::default()),
            pg,
            replica: None,
            revocations: Arc::new(Revocations::default()),
            revocation_lifetime: AtomicI64::new(i64::MAX),
        };
        // Reading, parsing and indexing 100,000 events takes a while, so it runs beside the
        // rest of start-up; validations wait for it.
        let (handle, revocations) = (store.handle()?, store.revocations.clone());
        std::thread::Builder::new()
            .name("revocation-index".to_string())
            .spawn(move || {
                let loaded = load_revocations(&handle);
                // Released before the index is marked loaded: a dropped Store closes the file.
                drop(handle);
                revocations.install(loaded);
            })
            .map_err(|e| StoreError::Io(e.to_string()))?;
        Ok(store)
    }

    /// The engine, for the background threads.
    fn handle(&self) -> StoreResult<Handle> {
        match &self.pg {
            Some(pg) => Ok(Handle::Pg(pg.clone())),
            None => Ok(Handle::Redb(self.database()?)),
        }
    }

    /// Runs `f` in one read transaction. `f` may fail with any error a store error converts
    /// into (the API's error, for handlers), so callers never convert by hand.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(pg) = &self.pg {
            return match &self.replica {
                Some(r) if r.reads_on_primary() => pg::PgEngine::read_either(pg, &r.engine, f),
                Some(r) => pg::PgEngine::read_either(&r.engine, pg, f),
                None => pg.read(f),
            };
        }
        let db = self.database()?;
        let tx = db.begin_read().map_err(|e| self.failed(e))?;
        f(&ReadTx::Redb(tx))
    }

    /// Runs `f` in one write transaction; commits only if it returns Ok. Before this returns,
    /// the versions of what `f` changed are bumped (cached validations built from them are
    /// stale) and the revocation events it appended are in the in-memory index. On
    /// PostgreSQL `f` may run more than once (a serialization failure re-runs it from
    /// scratch), so it must re-read what it depends on, as every operation here does.
    pub fn write<T, E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut run = |raw: &WriteTx| -> Result<_, E> {
            let tx = Tx {
                tx: raw,
                touched: Default::default(),
            };
            let out = f(&tx)?;
            let touched = tx.touched.into_inner();
            let pruned = self.prune_with(raw, &touched)?;
            Ok((out, touched, pruned))
        };
        let (out, touched, pruned) = match &self.pg {
            Some(pg) => {
                let notice = |(_, touched, _): &(T, changes::Touched, _)| pg::notice_body(touched);
                pg.write(Some(&notice), run)?
            }
            None => {
                let db = self.database()?;
                let raw = WriteTx::Redb(db.begin_write().map_err(|e| self.failed(e))?);
                let done = run(&raw)?;
                if let WriteTx::Redb(raw) = raw {
                    raw.commit().map_err(|e| self.failed(e))?;
                }
                done
            }
        };
        self.writes_failing.store(false, Ordering::Release);
        if let Some(replica) = &self.replica {
            replica.wrote();
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        for (table, key) in &touched.keys {
            self.versions.bump_for(table, key);
        }
        if !touched.revocations.is_empty() || !pruned.is_empty() {
            let mut index = self.revocations.write();
            for (key, bytes) in &touched.revocations {
                let event: RevokeEvent = serde_json::from_slice(bytes).map_err(StoreError::from)?;
                index.insert(key.parse().unwrap_or(0), event);
            }
            for (seq, event) in &pruned {
                index.remove(*seq, event);
            }
        }
        Ok(out)
    }

    /// A write that appended events also removes a bounded number of events too old to
    /// match any token, judged by the time of the newest event (the request's `now`).
    fn prune_with(
        &self,
        tx: &WriteTx,
        touched: &changes::Touched,
    ) -> StoreResult<Vec<(u64, RevokeEvent)>> {
        let lifetime = self.revocation_lifetime.load(Ordering::Relaxed);
        let newest = touched
            .revocations
            .iter()
            .filter_map(|(_, b)| serde_json::from_slice::<RevokeEvent>(b).ok())
            .map(|e| e.revoked_at)
            .max();
        match newest {
            Some(now) if lifetime != i64::MAX => {
                revocation::prune(tx, now.saturating_sub(lifetime), PRUNE_PER_WRITE)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// A write that cannot change what any token validates to (a failed-login count, the day
    /// of last activity, a trust's remaining uses): committed like any other, but the
    /// validation cache survives it, so a burst of failed logins cannot keep every
    /// validation on the slow path.
    pub fn write_bookkeeping<T, E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(pg) = &self.pg {
            return pg.write(None, f);
        }
        let db = self.database()?;
        let tx = WriteTx::Redb(db.begin_write().map_err(|e| self.failed(e))?);
        let out = f(&tx)?;
        if let WriteTx::Redb(tx) = tx {
            tx.commit().map_err(|e| self.failed(e))?;
        }
        self.writes_failing.store(false, Ordering::Release);
        Ok(out)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The per-record versions a cached validation is stamped with.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    /// Runs `f` over the revocation index (a read lock; validations share it).
    pub fn with_revocations<T>(&self, f: impl FnOnce(&RevocationIndex) -> T) -> T {
        self.revocations.read(f)
    }

    /// Every event in memory, oldest first.
    pub fn revocations(&self) -> Vec<RevokeEvent> {
        self.with_revocations(RevocationIndex::all)
    }

    /// Records revocation events in their own transaction (`write` indexes them).
    pub fn revoke(&self, events: Vec<RevokeEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.write(|w| revocation::append(w, &events))
    }

    /// Reads the events stored after the newest one in memory and indexes them. `write`
    /// already indexes what it appends, so this only catches up; inserting is idempotent, so
    /// it can never put back an older state.
    pub fn reload_revocations(&self) -> StoreResult<()> {
        catch_up_revocations(&self.handle()?, &self.revocations)
    }

    /// From now on, keeps events only `lifetime` seconds (the longest token lifetime plus the
    /// allow-expired window); removes every older one (at start, `now` the clock's) on
    /// another thread once the index is loaded, so start-up does not wait for it.
    pub fn keep_revocations_for(
        &self,
        lifetime: i64,
        now: i64,
    ) -> std::thread::JoinHandle<StoreResult<usize>> {
        self.revocation_lifetime.store(lifetime, Ordering::Relaxed);
        let cutoff = now.saturating_sub(lifetime);
        let (handle, revocations) = (self.handle(), self.revocations.clone());
        std::thread::spawn(move || {
            let pruned = handle.and_then(|h| prune_old(&h, &revocations, cutoff));
            match &pruned {
                Ok(0) => {}
                Ok(n) => log::info!("pruned {n} expired revocation events"),
                Err(e) => log::error!("pruning revocation events: {e}"),
            }
            pruned
        })
    }
}

impl Drop for Store {
    /// The indexing thread holds the database until the index is loaded; waiting for it
    /// means the file is closed when the Store is gone (a test may open it again at once).
    fn drop(&mut self) {
        self.revocations.wait_loaded();
    }
}

/// Every stored event, parsed straight from the table (no copy of 100,000 rows first).
fn load_revocations(handle: &Handle) -> StoreResult<RevocationIndex> {
    let Handle::Redb(db) = handle else {
        let events = handle.read(|r| revocation::load_from(r, 0))?;
        let mut index = RevocationIndex::with_capacity(events.len());
        for (seq, event) in events {
            index.insert(seq, event);
        }
        return Ok(index);
    };
    let tx = db.begin_read()?;
    let table = tx.open_table(tables::REVOCATIONS)?;
    let mut index = RevocationIndex::with_capacity(table.len()? as usize);
    for item in table.iter()? {
        let (key, value) = item?;
        let event: RevokeEvent = serde_json::from_slice(value.value())?;
        index.insert(key.value().parse().unwrap_or(0), event);
    }
    Ok(index)
}

/// Reads the events stored after the newest one in memory and indexes them. Inserting is
/// idempotent, so this can never put back an older state.
fn catch_up_revocations(handle: &Handle, revocations: &Revocations) -> StoreResult<()> {
    let first = revocations.read(|index| index.next);
    let events = handle.read(|r| revocation::load_from(r, first))?;
    if events.is_empty() {
        return Ok(());
    }
    let mut index = revocations.write_loaded();
    for (seq, event) in events {
        index.insert(seq, event);
    }
    Ok(())
}

/// Removes the events issued before `cutoff` from the store, then from the index.
fn prune_old(handle: &Handle, revocations: &Revocations, cutoff: i64) -> StoreResult<usize> {
    let old = revocations.read(|index| index.issued_before(cutoff));
    if old.is_empty() {
        return Ok(0);
    }
    handle.write(|w| {
        for (seq, _) in &old {
            w.remove(tables::REVOCATIONS, &revocation::seq_key(*seq))?;
        }
        Ok(())
    })?;
    let mut index = revocations.write();
    for (seq, event) in &old {
        index.remove(*seq, event);
    }
    Ok(old.len())
}
