//! Opening the redb file without ever panicking, and reopening it after an I/O failure.
//!
//! redb asserts on some damage it meets (a truncated file, flipped header bytes) instead of
//! returning an error; start-up turns such a panic into an error naming the file. After a
//! failed write (a full disk), redb refuses every later operation on the same handle
//! (`PreviousIo`) until it is opened again: the next operation reopens it, so writes recover
//! by themselves once space returns.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redb::Database;

use super::{tables, Store, StoreError, StoreResult};

/// Linux's "No space left on device" and "Disk quota exceeded".
const ENOSPC: i32 = 28;
const EDQUOT: i32 = 122;

/// How long a reopen waits for in-flight transactions to let go of the failed handle (redb
/// holds the file lock until the last of them ends).
const REOPEN_WAIT: Duration = Duration::from_secs(1);

/// redb's page cache. Its default (1 GiB) lets a large store's pages, all read once by the
/// integrity check at start, stay resident; reads of a hot working set need far less.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The file opened (created if absent) with our cache size.
fn create(path: &Path) -> Result<Database, redb::DatabaseError> {
    Database::builder().set_cache_size(CACHE_BYTES).create(path)
}

/// Opens (creating if absent) the store, checks its integrity, and opens every table.
pub(super) fn open_checked(path: &Path) -> StoreResult<Database> {
    // redb's error is large, but this runs once at start.
    #[allow(clippy::result_large_err)]
    let opened = without_panic_output(|| -> Result<Database, redb::Error> {
        let mut db = create(path)?;
        if !db.check_integrity()? {
            log::warn!(
                "{}: the store was damaged and has been repaired",
                path.display()
            );
        }
        let tx = db.begin_write()?;
        for table in tables::ALL {
            tx.open_table(*table)?;
        }
        tx.commit()?;
        Ok(db)
    });
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(redb::Error::DatabaseAlreadyOpen)) => Err(StoreError::Io(
            "the store is already open (is another keystone-lite using this data dir?)".into(),
        )),
        Ok(Err(e @ (redb::Error::Io(_) | redb::Error::PreviousIo))) => {
            Err(StoreError::Io(e.to_string()))
        }
        Ok(Err(e)) => Err(damaged(&e.to_string())),
        Err(panic) => Err(damaged(&panic_text(&*panic))),
    }
}

fn damaged(detail: &str) -> StoreError {
    // One line: redb's panic messages can span several.
    let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    StoreError::Io(format!(
        "the store file is damaged and cannot be opened ({detail}); restore it from a backup"
    ))
}

/// Runs `f`, catching a panic without the default hook printing it: start-up reports the
/// damage in its own one-line message. Only called while the process starts or reopens its
/// store; another thread panicking in that moment would lose its hook output, not its unwind.
fn without_panic_output<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result
}

fn panic_text(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "redb panicked".to_string()
    }
}

impl Store {
    /// Whether writes are failing: the last write failed on I/O (e.g. a full disk) and none
    /// has committed since. For /healthcheck.
    pub fn writes_failing(&self) -> bool {
        if let Some(pg) = &self.pg {
            return pg.is_down();
        }
        self.writes_failing.load(Ordering::Acquire)
    }

    /// PostgreSQL only: (round trips sent for requests, to the primary and the replica;
    /// the change poller's). None on redb, which has no round trips.
    pub fn db_round_trips(&self) -> Option<(u64, u64)> {
        let (requests, poll) = self.pg.as_ref()?.round_trips();
        let replica = self
            .replica
            .as_ref()
            .map_or(0, |r| r.engine.round_trips().0);
        Some((requests + replica, poll))
    }

    /// PostgreSQL only: (other nodes heard within the last second, writes answered before
    /// all of them had applied them). None on redb.
    pub fn db_peers(&self) -> Option<(usize, u64)> {
        Some(self.pg.as_ref()?.peer_stats())
    }

    /// The current database handle, reopened first if an earlier operation failed on I/O.
    pub(super) fn database(&self) -> StoreResult<Arc<Database>> {
        if self.io_failed.load(Ordering::Acquire) {
            self.reopen();
        }
        let slot = self
            .db
            .read()
            .map_err(|_| StoreError::Io("store handle lock poisoned".into()))?;
        slot.clone().ok_or_else(|| {
            StoreError::Unavailable("the store could not be reopened after an I/O failure".into())
        })
    }

    /// What a failed begin or commit means; an I/O failure marks the handle for reopening,
    /// and a full disk is `Unavailable` (503: the client may retry), not a bug.
    pub(super) fn failed(&self, e: impl Into<redb::Error>) -> StoreError {
        let e: redb::Error = e.into();
        match &e {
            redb::Error::Io(io) => {
                self.io_failed.store(true, Ordering::Release);
                self.writes_failing.store(true, Ordering::Release);
                if matches!(io.raw_os_error(), Some(ENOSPC) | Some(EDQUOT)) {
                    log::error!("store write failed: no space left on the data dir's disk");
                    return StoreError::Unavailable(format!("disk full: {io}"));
                }
                StoreError::Io(e.to_string())
            }
            redb::Error::PreviousIo => {
                self.io_failed.store(true, Ordering::Release);
                self.writes_failing.store(true, Ordering::Release);
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Io(e.to_string()),
        }
    }

    /// Drops the failed handle once no transaction uses it and opens the file again. On
    /// failure the flag stays set and the next operation tries again.
    fn reopen(&self) {
        let Ok(mut slot) = self.db.write() else {
            return;
        };
        if !self.io_failed.load(Ordering::Acquire) {
            return; // another thread reopened it while this one waited
        }
        let deadline = Instant::now() + REOPEN_WAIT;
        while let Some(db) = slot.take() {
            match Arc::try_unwrap(db) {
                Ok(db) => drop(db),
                Err(shared) => {
                    *slot = Some(shared);
                    if Instant::now() > deadline {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        let reopened = without_panic_output(|| create(&self.path));
        match reopened {
            Ok(Ok(db)) => {
                *slot = Some(Arc::new(db));
                self.io_failed.store(false, Ordering::Release);
                log::warn!("store reopened after an I/O failure");
            }
            Ok(Err(e)) => log::error!("store reopen failed: {e}"),
            Err(panic) => log::error!("store reopen failed: {}", panic_text(&*panic)),
        }
    }
}
