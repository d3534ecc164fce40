//! The sqlite side of `Source`: upstream's `sqlite:///path` database, opened read-only.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::source::{Cell, Row, Source, Sql};

pub(super) struct Sqlite(Connection);

impl Sqlite {
    pub(super) fn open(path: &Path) -> Sql<Sqlite> {
        // Read-only: the old database is never changed by an import.
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map(Sqlite)
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Source for Sqlite {
    fn select(&mut self, query: &str) -> Sql<Vec<Row>> {
        let mut stmt = self.0.prepare(query).map_err(|e| e.to_string())?;
        let width = stmt.column_count();
        let mut found = stmt.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = found.next().map_err(|e| e.to_string())? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(match row.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Real(f) => Cell::Real(f),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
}
