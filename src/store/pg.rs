//! The PostgreSQL engine: every store table is rows of one `kv(tbl, k, v)` table, keys in
//! byte order (`COLLATE "C"`, as redb orders `&str`), values the same JSON bytes as redb's.
//! A read is one REPEATABLE READ READ ONLY transaction (one snapshot, as redb's); a write is
//! one SERIALIZABLE transaction, re-run from scratch on a serialization failure. Every cache
//! visible write also takes the next `changes.generation` (its first statement, so concurrent
//! writers queue on that row instead of doing doomed work) and notifies the other nodes of
//! what it touched with its COMMIT; it is acknowledged once they applied it (pg/poll.rs,
//! pg/peers.rs).
//!
//! Connections come from a small pool; a connection that failed is dropped, and an
//! unreachable database is `StoreError::Unavailable` (503) until it answers again. The
//! connection string holds a password: it is never logged nor put in an error.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::{Client, NoTls};
use rand::Rng;

use super::engine::{ReadTx, WriteTx};
use super::{StoreError, StoreResult};

mod conn;
mod keys;
mod notify;
mod peers;
mod poll;
use conn::{classify, error_of, reason, Failure};
pub use conn::{Conn, PgTx};
pub use keys::KeyListener;
pub use notify::{body as notice_body, Change};

/// The layout this binary writes; a database at a newer one is refused.
const SCHEMA_VERSION: i32 = 1;
/// Attempts of one write before it answers 503 (each waits a jittered, growing pause).
const WRITE_ATTEMPTS: u32 = 30;
/// How often a node looks whether another node wrote when no notification told it: the
/// staleness bound without notifications (on a replica, or a lost notification) is about
/// twice it.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The channel a cache-visible write notifies on commit (payload: the writing node's id), so
/// the other nodes drop their caches at once instead of at their next poll.
const CHANGES_CHANNEL: &str = "keystone_lite_changes";
/// The channel the nodes say on which writes they applied (src/store/pg/peers.rs).
const ACKS_CHANNEL: &str = "keystone_lite_acks";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

pub struct PgEngine {
    config: postgres::Config,
    pool: Mutex<Vec<Conn>>,
    pool_size: usize,
    /// The last operation could not reach the database (/healthcheck's "writes failing").
    down: AtomicBool,
    /// The generations of the cache-visible writes this node committed since the poller's
    /// last look: the poller tells them from other nodes' (drained every poll).
    /// None until a watcher runs (a command has none, so nothing piles up there).
    own_generations: Mutex<Option<Vec<i64>>>,
    /// This process's id in change notifications: its poller ignores its own.
    node_id: String,
    /// The other nodes' acknowledgements, which a write waits for.
    peers: peers::Peers,
    /// Called by the poller when the shared keys changed (src/store/pg/keys.rs).
    key_listener: Mutex<Option<KeyListener>>,
    /// What an unreachable server is called in errors: "the database", or "the primary
    /// database" when a replica serves the reads (the 503 then says writes are what fails).
    role: &'static str,
    /// Statements sent for requests and start-up work (BEGIN, each query, the generation
    /// bump, COMMIT/ROLLBACK, a new connection's setup): /metrics
    /// `keystone_db_round_trips_total`. Shared with every pooled `Conn`.
    round_trips: Arc<AtomicU64>,
    /// The change poller's own queries (src/store/pg/poll.rs), apart: they are per node and
    /// per interval, not per request. Its reactions (a revocation or key reload after
    /// another node wrote) go through `read` and land in `round_trips`.
    poll_round_trips: AtomicU64,
}

const READ_SQL: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// What one attempt of a write came to.
enum Attempt<T, E> {
    Done(Result<T, E>),
    Retry,
}

/// `postgresql+psycopg2://...` (upstream's SQLAlchemy form) is `postgresql://...` here.
fn parse_url(url: &str) -> StoreResult<postgres::Config> {
    let url = match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgresql+") || scheme == "postgres" => {
            format!("postgresql://{rest}")
        }
        _ => url.to_string(),
    };
    let mut config = postgres::Config::from_str(&url).map_err(|_| {
        StoreError::Io("[database] connection is not a valid postgresql:// URL".into())
    })?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("keystone-lite");
    Ok(config)
}

impl PgEngine {
    /// Connects, creates or checks the schema, and keeps up to `pool_size` connections.
    pub fn open(url: &str, pool_size: usize, role: &'static str) -> StoreResult<Arc<PgEngine>> {
        let config = parse_url(url)?;
        let mut first = config.connect(NoTls).map_err(|e| {
            StoreError::Unavailable(format!("cannot connect to {role}: {}", reason(&e)))
        })?;
        ensure_schema(&mut first)?;
        drop(first);
        let engine = PgEngine::new(config, pool_size, role);
        let conn = engine.checkout()?;
        engine.checkin(conn);
        Ok(Arc::new(engine))
    }

    /// A streaming replica (`[database] slave_connection`): read only, so no schema work,
    /// and not connected yet: a replica down at start-up only sends the reads to the primary.
    pub fn open_replica(url: &str, pool_size: usize) -> StoreResult<Arc<PgEngine>> {
        let config = parse_url(url)?;
        Ok(Arc::new(PgEngine::new(
            config,
            pool_size,
            "the replica database",
        )))
    }

    fn new(config: postgres::Config, pool_size: usize, role: &'static str) -> PgEngine {
        PgEngine {
            config,
            pool: Mutex::new(Vec::new()),
            pool_size: pool_size.max(1),
            down: AtomicBool::new(false),
            own_generations: Mutex::new(None),
            node_id: format!("{:016x}", rand::thread_rng().gen::<u64>()),
            peers: peers::Peers::default(),
            key_listener: Mutex::new(None),
            role,
            round_trips: Arc::new(AtomicU64::new(0)),
            poll_round_trips: AtomicU64::new(0),
        }
    }

    fn committed(&self, generation: i64) {
        if let Ok(mut own) = self.own_generations.lock() {
            if let Some(own) = own.as_mut() {
                own.push(generation);
            }
        }
    }

    /// (other nodes heard within the last second, writes answered before all of them had
    /// applied them) since start.
    pub fn peer_stats(&self) -> (usize, u64) {
        self.peers.stats()
    }

    /// (request-path round trips, poller round trips) since start.
    pub fn round_trips(&self) -> (u64, u64) {
        (
            self.round_trips.load(Ordering::Relaxed),
            self.poll_round_trips.load(Ordering::Relaxed),
        )
    }

    fn unreachable(&self) -> StoreError {
        StoreError::Unavailable(format!("{} is unreachable", self.role))
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    fn checkout(&self) -> StoreResult<Conn> {
        loop {
            let pooled = self.pool.lock().ok().and_then(|mut pool| pool.pop());
            match pooled {
                Some(conn) if conn.client.is_closed() => continue,
                Some(conn) => return Ok(conn),
                None => break,
            }
        }
        Conn::open(&self.config, self.round_trips.clone()).map_err(|e| {
            self.down.store(true, Ordering::Release);
            log::warn!("connection to {} failed: {}", self.role, reason(&e));
            self.unreachable()
        })
    }

    fn checkin(&self, conn: Conn) {
        self.down.store(false, Ordering::Release);
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < self.pool_size && !conn.client.is_closed() {
                pool.push(conn);
            }
        }
    }

    /// Ends the transaction (COMMIT or ROLLBACK) and returns the connection to the pool, or
    /// drops it if it failed.
    fn end(&self, conn: Conn, commit: bool) -> Result<(), (Failure, StoreError)> {
        self.end_with(conn, if commit { "COMMIT" } else { "ROLLBACK" })
    }

    /// As `end`, running `sql` (which ends the transaction, possibly after a NOTIFY).
    fn end_with(&self, mut conn: Conn, sql: &str) -> Result<(), (Failure, StoreError)> {
        let commit = sql.ends_with("COMMIT");
        conn.trip();
        match conn.client.batch_execute(sql) {
            Ok(()) => {
                self.checkin(conn);
                Ok(())
            }
            Err(e) => {
                let kind = classify(&e);
                if kind == Failure::Down {
                    self.lost();
                } else if !commit {
                    self.checkin(conn);
                }
                Err((kind, error_of(kind, &e)))
            }
        }
    }

    /// The database went away: every pooled connection is as dead as this one (a restarted
    /// server closed them all), so none is handed to the next request to fail it too.
    fn lost(&self) {
        self.down.store(true, Ordering::Release);
        if let Ok(mut pool) = self.pool.lock() {
            pool.clear();
        }
    }

    /// A transaction that failed: drop a dead connection, roll back a live one.
    fn abandon(&self, conn: Conn, failure: Failure) {
        if failure == Failure::Down {
            self.lost();
            return;
        }
        let _ = self.end(conn, false);
    }

    /// A pooled connection the server closed meanwhile (a restart, an idle timeout) fails
    /// its BEGIN, before anything was done: then once more on a fresh connection.
    fn begin(&self, sql: &str) -> StoreResult<Conn> {
        let mut failed = None;
        for _ in 0..2 {
            let mut conn = self.checkout()?;
            conn.trip();
            match conn.client.batch_execute(sql) {
                Ok(()) => return Ok(conn),
                Err(e) => {
                    let kind = classify(&e);
                    self.abandon(conn, kind);
                    if kind != Failure::Down {
                        return Err(error_of(kind, &e));
                    }
                    failed = Some(self.unreachable());
                }
            }
        }
        Err(failed.unwrap_or_else(|| self.unreachable()))
    }

    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = self.begin(READ_SQL)?;
        self.read_on(conn, f)
    }

    /// A read on `first` (the replica, or the primary just after this node wrote), on
    /// `second` when `first` cannot be reached: the choice is made before `f` runs, at BEGIN.
    pub fn read_either<T, E: From<StoreError>>(
        first: &PgEngine,
        second: &PgEngine,
        f: impl FnOnce(&ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        match first.begin(READ_SQL) {
            Ok(conn) => first.read_on(conn, f),
            Err(StoreError::Unavailable(_)) => {
                let conn = second.begin(READ_SQL)?;
                second.read_on(conn, f)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn read_on<T, E: From<StoreError>>(
        &self,
        conn: Conn,
        f: impl FnOnce(&ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = ReadTx::Pg(PgTx::new(conn));
        let out = f(&tx);
        let ReadTx::Pg(tx) = tx else {
            return Err(StoreError::Io("engine mismatch".into()).into());
        };
        let (conn, failure) = tx.into_parts();
        if let Some((kind, err)) = failure {
            self.abandon(conn, kind);
            return Err(err.into());
        }
        self.end(conn, true).map_err(|(_, err)| err)?;
        out
    }

    /// Runs `f` in a SERIALIZABLE transaction, re-running it on a serialization failure.
    /// With `notify`, the write moves `changes.generation` and tells the other nodes, with
    /// its COMMIT, what it changed (`notify` gives the payload body of `f`'s result, see
    /// src/store/pg/notify.rs), so they drop what their caches built from it.
    pub fn write<T, E: From<StoreError>>(
        &self,
        notify: Option<&dyn Fn(&T) -> String>,
        mut f: impl FnMut(&WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        for attempt in 0..WRITE_ATTEMPTS {
            match self.write_once(notify, &mut f)? {
                Attempt::Done(out) => return out,
                Attempt::Retry => {
                    log::debug!(
                        "write serialization failure, attempt {}: re-run",
                        attempt + 1
                    );
                    pause(attempt)
                }
            }
        }
        log::warn!("a write gave up after {WRITE_ATTEMPTS} serialization failures");
        Err(StoreError::Unavailable("too many concurrent writes; retry".into()).into())
    }

    fn write_once<T, E: From<StoreError>>(
        &self,
        notify: Option<&dyn Fn(&T) -> String>,
        f: &mut impl FnMut(&WriteTx) -> Result<T, E>,
    ) -> StoreResult<Attempt<T, E>> {
        let mut conn = self.begin("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
        // First, so concurrent writers queue on that row instead of doing doomed work.
        let bumped = notify.map(|_| {
            conn.trip();
            conn.client.query_one(&conn.bump, &[])
        });
        let generation = match bumped {
            None => None,
            Some(Ok(row)) => Some(row.get::<_, i64>(0)),
            Some(Err(e)) => {
                let kind = classify(&e);
                self.abandon(conn, kind);
                return match kind {
                    Failure::Retry => Ok(Attempt::Retry),
                    _ => Err(error_of(kind, &e)),
                };
            }
        };
        let tx = WriteTx::Pg(PgTx::new(conn));
        let out = f(&tx);
        let WriteTx::Pg(tx) = tx else {
            return Err(StoreError::Io("engine mismatch".into()));
        };
        let (conn, failure) = tx.into_parts();
        match (failure, out) {
            (Some((Failure::Retry, _)), _) => {
                self.abandon(conn, Failure::Retry);
                Ok(Attempt::Retry)
            }
            (Some((kind, err)), _) => {
                self.abandon(conn, kind);
                Err(err)
            }
            (None, Err(e)) => {
                self.abandon(conn, Failure::Sql);
                Ok(Attempt::Done(Err(e)))
            }
            (None, Ok(value)) => {
                // One round trip; PostgreSQL delivers the notification if (when) it commits.
                let sql = match (notify, generation) {
                    (Some(body), Some(g)) => format!(
                        "NOTIFY {CHANGES_CHANNEL}, '{}'; COMMIT",
                        notify::payload(&self.node_id, g, &body(&value))
                    ),
                    _ => "COMMIT".to_string(),
                };
                match self.end_with(conn, &sql) {
                    Ok(()) => {
                        if let Some(g) = generation {
                            self.committed(g);
                            // Acknowledged only once the other nodes dropped what it made
                            // stale (bounded: a slow or dead node is not waited for long).
                            let behind = self.peers.wait_for(g);
                            if behind > 0 {
                                log::debug!("{behind} node(s) had not applied write {g} in time");
                            }
                        }
                        Ok(Attempt::Done(Ok(value)))
                    }
                    Err((Failure::Retry, _)) => Ok(Attempt::Retry),
                    Err((_, err)) => Err(err),
                }
            }
        }
    }
}

fn pause(attempt: u32) {
    let ceiling_ms = 2u64 << attempt.min(5);
    let ms = rand::thread_rng().gen_range(0..=ceiling_ms);
    std::thread::sleep(Duration::from_millis(ms));
}

/// Creates the tables on an empty database, under an advisory lock so nodes starting
/// together do not race; refuses a database a newer binary laid out.
fn ensure_schema(client: &mut Client) -> StoreResult<()> {
    let fail = |e: postgres::Error| StoreError::Io(format!("database schema: {}", reason(&e)));
    let mut tx = client.transaction().map_err(fail)?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(715015);
         CREATE TABLE IF NOT EXISTS schema_version (
             id int PRIMARY KEY CHECK (id = 1), version int NOT NULL);",
    )
    .map_err(fail)?;
    let found: Option<i32> = tx
        .query_opt("SELECT version FROM schema_version WHERE id = 1", &[])
        .map_err(fail)?
        .map(|row| row.get(0));
    if let Some(version) = found.filter(|v| *v > SCHEMA_VERSION) {
        return Err(StoreError::Io(format!(
            "the database has schema version {version}, newer than this binary's \
             {SCHEMA_VERSION}; upgrade keystone-lite"
        )));
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS kv (
             tbl text NOT NULL, k text COLLATE \"C\" NOT NULL, v bytea NOT NULL,
             PRIMARY KEY (tbl, k));
         CREATE TABLE IF NOT EXISTS changes (
             id int PRIMARY KEY CHECK (id = 1), generation bigint NOT NULL);
         INSERT INTO changes VALUES (1, 0) ON CONFLICT DO NOTHING;
         ALTER TABLE changes ADD COLUMN IF NOT EXISTS keys_generation bigint NOT NULL DEFAULT 0;
         CREATE TABLE IF NOT EXISTS keys (
             repository text NOT NULL, idx bigint NOT NULL, key text NOT NULL,
             PRIMARY KEY (repository, idx));
         INSERT INTO schema_version VALUES (1, 1) ON CONFLICT DO NOTHING;",
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_upstreams_form_are_accepted_and_never_echoed() {
        let config = parse_url("postgresql+psycopg2://ks:s3cret@db.example:6543/keystone")
            .expect("SQLAlchemy form");
        assert_eq!(config.get_dbname(), Some("keystone"));
        assert_eq!(config.get_ports(), &[6543]);
        assert!(parse_url("postgresql://ks:s3cret@127.0.0.1/ks").is_ok());
        let err = parse_url("postgresql://ks:s3cret@[bad/ks?sslmode=nonsense").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let url = crate::config::DatabaseUrl("postgresql://ks:s3cret@h/d".into());
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn config_reads_the_database_connection() {
        let dir = std::env::temp_dir().join(format!("ksl-pg-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let conf = dir.join("keystone.conf");
        std::fs::write(&conf, "[database]\nconnection = postgresql://u:p@h:1/d\n").expect("w");
        let args = |extra: &[&str]| {
            let mut v = vec!["--config".to_string()];
            v.push(conf.display().to_string());
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        let c = crate::config::Config::from_args(args(&[])).expect("config");
        assert_eq!(
            c.database.map(|u| u.0).as_deref(),
            Some("postgresql://u:p@h:1/d")
        );
        let c = crate::config::Config::from_args(args(&["--database-url", "postgres://x@y/z"]))
            .expect("flag");
        assert_eq!(c.database.map(|u| u.0).as_deref(), Some("postgres://x@y/z"));
        assert!(
            crate::config::Config::from_args(args(&["--database-url", "mysql://x@y/z"])).is_err()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
