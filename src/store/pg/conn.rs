//! A pooled connection with its prepared statements, one transaction on it, and what a
//! failed statement means (retry, 503, 500).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};
use redb::TableHandle;

use crate::store::tables::Table;
use crate::store::{StoreError, StoreResult};

/// Why a statement failed, worst last: the transaction decides what to do with the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Failure {
    /// A SQL error (the transaction is aborted): 500.
    Sql,
    /// The server is out of a resource (class 53: disk full, out of memory, too many
    /// connections): 503, as redb's full disk; the connection itself is fine.
    Full,
    /// Serialization failure or deadlock: re-run the transaction.
    Retry,
    /// The connection or the server is gone: drop the connection, 503.
    Down,
}

pub(super) fn classify(e: &postgres::Error) -> Failure {
    let code = e.code();
    if code == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
        || code == Some(&SqlState::T_R_DEADLOCK_DETECTED)
    {
        return Failure::Retry;
    }
    match code {
        Some(c) if c.code().starts_with("53") => Failure::Full,
        // 08: connection exception; 57: operator intervention (shutdown, cannot connect now).
        Some(c) if c.code().starts_with("08") || c.code().starts_with("57") => Failure::Down,
        Some(_) if !e.is_closed() => Failure::Sql,
        _ => Failure::Down,
    }
}

pub(super) fn error_of(failure: Failure, e: &postgres::Error) -> StoreError {
    match failure {
        Failure::Down => StoreError::Unavailable("the database is unreachable".into()),
        Failure::Retry => StoreError::Io("serialization failure".into()),
        Failure::Full => {
            log::warn!("database out of a resource: {}", reason(e));
            StoreError::Unavailable("the database is out of space or another resource".into())
        }
        // The server's message names tables or values, never the connection string.
        Failure::Sql => StoreError::Io(format!("database: {e}")),
    }
}

/// A connection and its prepared statements (one round trip per store operation).
pub struct Conn {
    pub(super) client: Client,
    /// The engine's round-trip counter (`PgEngine::round_trips`): every statement this
    /// connection sends on behalf of a request adds one.
    trips: Arc<AtomicU64>,
    get: Statement,
    scan_all: Statement,
    scan_range: Statement,
    scan_first: Statement,
    put: Statement,
    remove: Statement,
    pub(super) bump: Statement,
}

impl Conn {
    /// Connecting (startup and trust auth: one exchange) and the six prepares are counted:
    /// a request that finds the pool empty pays them.
    pub(super) fn open(
        config: &postgres::Config,
        trips: Arc<AtomicU64>,
    ) -> Result<Conn, postgres::Error> {
        trips.fetch_add(7, Ordering::Relaxed);
        let mut client = config.connect(NoTls)?;
        let c = &mut client;
        let get = c.prepare("SELECT v FROM kv WHERE tbl = $1 AND k = $2")?;
        let scan_all = c.prepare("SELECT k, v FROM kv WHERE tbl = $1 ORDER BY k")?;
        let scan_range = c.prepare(
            "SELECT k, v FROM kv WHERE tbl = $1 AND k >= $2 COLLATE \"C\" \
             AND k < $3 COLLATE \"C\" ORDER BY k",
        )?;
        let scan_first = c.prepare("SELECT k, v FROM kv WHERE tbl = $1 ORDER BY k LIMIT $2")?;
        let put = c.prepare(
            "INSERT INTO kv (tbl, k, v) VALUES ($1, $2, $3) \
             ON CONFLICT (tbl, k) DO UPDATE SET v = EXCLUDED.v",
        )?;
        let remove = c.prepare("DELETE FROM kv WHERE tbl = $1 AND k = $2")?;
        let bump = c.prepare(
            "UPDATE changes SET generation = generation + 1 WHERE id = 1 RETURNING generation",
        )?;
        Ok(Conn {
            client,
            trips,
            get,
            scan_all,
            scan_range,
            scan_first,
            put,
            remove,
            bump,
        })
    }

    /// One statement is about to be sent.
    pub(super) fn trip(&self) {
        self.trips.fetch_add(1, Ordering::Relaxed);
    }
}

/// One open transaction on a pooled connection; remembers the worst failure it met, since
/// the closure may turn a store error into its own error type (or drop it).
pub struct PgTx {
    conn: RefCell<Conn>,
    failure: RefCell<Option<(Failure, StoreError)>>,
}

impl PgTx {
    pub(super) fn new(conn: Conn) -> PgTx {
        PgTx {
            conn: RefCell::new(conn),
            failure: RefCell::new(None),
        }
    }

    fn note<T>(&self, result: Result<T, postgres::Error>) -> StoreResult<T> {
        result.map_err(|e| {
            let kind = classify(&e);
            let err = error_of(kind, &e);
            let mut failure = self.failure.borrow_mut();
            if failure.as_ref().is_none_or(|(worst, _)| kind > *worst) {
                *failure = Some((kind, err.clone()));
            }
            err
        })
    }

    pub fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let conn = &mut *self.conn.borrow_mut();
        conn.trip();
        let row = self.note(conn.client.query_opt(&conn.get, &[&table.name(), &key]))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// `range` as redb's `start..end`, `limit` the first n; both in byte order of the keys.
    pub fn scan(
        &self,
        table: Table,
        range: Option<(&str, &str)>,
        limit: Option<usize>,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let conn = &mut *self.conn.borrow_mut();
        conn.trip();
        let name = table.name();
        let rows = match (range, limit) {
            (Some((start, end)), _) => conn.client.query(&conn.scan_range, &[&name, &start, &end]),
            (None, Some(n)) => {
                let n = i64::try_from(n).unwrap_or(i64::MAX);
                conn.client.query(&conn.scan_first, &[&name, &n])
            }
            (None, None) => conn.client.query(&conn.scan_all, &[&name]),
        };
        let rows = self.note(rows)?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub fn put_bytes(&self, table: Table, key: &str, value: &[u8]) -> StoreResult<()> {
        let conn = &mut *self.conn.borrow_mut();
        conn.trip();
        let done = conn
            .client
            .execute(&conn.put, &[&table.name(), &key, &value]);
        self.note(done).map(drop)
    }

    pub fn remove(&self, table: Table, key: &str) -> StoreResult<bool> {
        let conn = &mut *self.conn.borrow_mut();
        conn.trip();
        let done = conn.client.execute(&conn.remove, &[&table.name(), &key]);
        Ok(self.note(done)? > 0)
    }

    pub(super) fn into_parts(self) -> (Conn, Option<(Failure, StoreError)>) {
        (self.conn.into_inner(), self.failure.into_inner())
    }
}

/// A failed connection's cause without the connection string (postgres' messages never
/// include the password, but say so plainly rather than rely on it for I/O errors too).
pub(super) fn reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None if e.is_closed() => "connection closed".to_string(),
        None => e.to_string(),
    }
}
