//! The two storage engines behind the `Reader`/`Writer` traits: redb (one file, the default)
//! and PostgreSQL (several nodes on one database, src/store/pg.rs). Store code sees only the
//! traits; the transaction kinds are enums so no caller of `Store` names an engine.

use std::sync::Arc;

use redb::{Database, ReadableTable};

use super::pg::{PgEngine, PgTx};
use super::tables::Table;
use super::{Reader, StoreResult, Writer};

/// One read transaction: a redb MVCC snapshot, or a PostgreSQL REPEATABLE READ READ ONLY one.
/// One lives on the stack per operation: boxing a variant would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum ReadTx {
    Redb(redb::ReadTransaction),
    Pg(PgTx),
}

/// One write transaction: redb's single writer, or a PostgreSQL SERIALIZABLE one.
#[allow(clippy::large_enum_variant)]
pub enum WriteTx {
    Redb(redb::WriteTransaction),
    Pg(PgTx),
}

/// What the background threads (revocation index, pruning) open transactions on.
#[derive(Clone)]
pub(super) enum Handle {
    Redb(Arc<Database>),
    Pg(Arc<PgEngine>),
}

impl Handle {
    pub(super) fn read<T>(&self, f: impl FnOnce(&ReadTx) -> StoreResult<T>) -> StoreResult<T> {
        match self {
            Handle::Redb(db) => f(&ReadTx::Redb(db.begin_read()?)),
            Handle::Pg(pg) => pg.read(f),
        }
    }

    /// A write without cache bookkeeping (the caller updates what it must).
    pub(super) fn write<T>(&self, f: impl FnMut(&WriteTx) -> StoreResult<T>) -> StoreResult<T> {
        match self {
            Handle::Redb(db) => {
                let mut f = f;
                let tx = WriteTx::Redb(db.begin_write()?);
                let out = f(&tx)?;
                if let WriteTx::Redb(tx) = tx {
                    tx.commit()?;
                }
                Ok(out)
            }
            Handle::Pg(pg) => pg.write(None, f),
        }
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

/// The three reads, on any redb transaction (both kinds open tables the same way).
macro_rules! redb_reads {
    ($tx:expr, $table:expr, $op:ident $(, $arg:expr)*) => {{
        let t = $tx.open_table($table)?;
        $op(&t $(, $arg)*)
    }};
}

fn get_of<T: ReadableTable<&'static str, &'static [u8]>>(
    table: &T,
    key: &str,
) -> StoreResult<Option<Vec<u8>>> {
    let value = table.get(key)?.map(|v| v.value().to_vec());
    Ok(value)
}

/// The reads of either transaction kind: the same three calls on either engine.
macro_rules! engine_reads {
    ($tx:ident) => {
        impl Reader for $tx {
            fn get_bytes(&self, table: Table, key: &str) -> StoreResult<Option<Vec<u8>>> {
                match self {
                    $tx::Redb(tx) => redb_reads!(tx, table, get_of, key),
                    $tx::Pg(tx) => tx.get_bytes(table, key),
                }
            }
            fn scan(
                &self,
                table: Table,
                range: Option<(&str, &str)>,
            ) -> StoreResult<Vec<(String, Vec<u8>)>> {
                match self {
                    $tx::Redb(tx) => redb_reads!(tx, table, scan_table, range),
                    $tx::Pg(tx) => tx.scan(table, range, None),
                }
            }
            fn scan_first(&self, table: Table, n: usize) -> StoreResult<Vec<(String, Vec<u8>)>> {
                match self {
                    $tx::Redb(tx) => redb_reads!(tx, table, scan_first_of, n),
                    $tx::Pg(tx) => tx.scan(table, None, Some(n)),
                }
            }
        }
    };
}

engine_reads!(ReadTx);
engine_reads!(WriteTx);

impl Writer for WriteTx {
    fn put_bytes(&self, table: Table, key: &str, value: &[u8]) -> StoreResult<()> {
        match self {
            WriteTx::Redb(tx) => {
                let mut t = tx.open_table(table)?;
                t.insert(key, value)?;
                Ok(())
            }
            WriteTx::Pg(tx) => tx.put_bytes(table, key, value),
        }
    }
    fn remove(&self, table: Table, key: &str) -> StoreResult<bool> {
        match self {
            WriteTx::Redb(tx) => {
                let mut t = tx.open_table(table)?;
                let removed = t.remove(key)?.is_some();
                Ok(removed)
            }
            WriteTx::Pg(tx) => tx.remove(table, key),
        }
    }
}
