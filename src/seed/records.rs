//! The seed's `records:` section: store records verbatim, table by table, as `keystone-lite
//! export` writes them. The named sections (domains, users, ...) hold what an operator writes
//! by hand; records hold everything the API can create, ids, password hashes, encrypted
//! credential blobs and all, so a fresh server started from an export answers as the old one.
//!
//! Records load only into a fresh store (no domain yet): merging raw records into a store
//! that already has data could leave its name indexes pointing at two records.

use redb::TableHandle;
use serde::{Deserialize, Serialize};

use crate::store::tables::{self, Table};
use crate::store::{Reader, StoreResult, Writer};

/// One table's records.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRecords {
    /// The store table's name, e.g. `users-1`.
    pub table: String,
    #[serde(default)]
    pub entries: Vec<SeedEntry>,
}

/// One record. The value is `v` (a JSON record, as the store keeps them), `raw` (text that
/// is not JSON) or neither (an index entry whose value is empty).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEntry {
    pub k: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

/// META keys that describe the seed a store applied, not data: never exported.
const SEED_META: &[&str] = &["seed-digest"];

/// The table named `name`.
pub fn table_named(name: &str) -> Option<Table> {
    tables::ALL.iter().copied().find(|t| t.name() == name)
}

/// Every record of every table, read in the one transaction `r` (a consistent snapshot).
pub fn dump(r: &impl Reader) -> StoreResult<Vec<SeedRecords>> {
    let mut out = Vec::new();
    for table in tables::ALL {
        let mut entries = Vec::new();
        for (k, bytes) in r.scan(*table, None)? {
            if table.name() == tables::META.name() && SEED_META.contains(&k.as_str()) {
                continue;
            }
            entries.push(entry(k, &bytes));
        }
        if !entries.is_empty() {
            out.push(SeedRecords {
                table: table.name().to_string(),
                entries,
            });
        }
    }
    Ok(out)
}

fn entry(k: String, bytes: &[u8]) -> SeedEntry {
    let (mut v, mut raw) = (None, None);
    if !bytes.is_empty() {
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            // A JSON null would read back as "no value": kept as text instead.
            Ok(serde_json::Value::Null) => raw = Some("null".to_string()),
            Ok(json) => v = Some(json),
            // Every value the store writes is JSON; anything else is kept as text.
            Err(_) => raw = Some(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
    SeedEntry { k, v, raw }
}

/// The first table name that is not one of the store's, if any.
pub fn unknown_table(records: &[SeedRecords]) -> Option<&str> {
    records
        .iter()
        .find(|t| table_named(&t.table).is_none())
        .map(|t| t.table.as_str())
}

/// Whether the store holds no data yet (no domain: not even the default one).
pub fn store_is_fresh(r: &impl Reader) -> StoreResult<bool> {
    Ok(r.scan_first(tables::DOMAINS, 1)?.is_empty())
}

/// Writes every record as it is. The caller checked the table names and that the store is
/// fresh.
pub fn load(w: &impl Writer, records: &[SeedRecords]) -> StoreResult<usize> {
    let mut count = 0;
    for t in records {
        let Some(table) = table_named(&t.table) else {
            continue;
        };
        for e in &t.entries {
            let bytes = match (&e.v, &e.raw) {
                (Some(v), _) => serde_json::to_vec(v)?,
                (None, Some(raw)) => raw.as_bytes().to_vec(),
                (None, None) => Vec::new(),
            };
            w.put_bytes(table, &e.k, &bytes)?;
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of value survives YAML: JSON records, a JSON null, non-JSON text, an
    /// empty index value, and keys holding the separator.
    #[test]
    fn entries_round_trip_through_yaml() {
        let key = format!("a{}b", tables::SEP);
        let values: [&[u8]; 4] = [br#"{"id":"x","n":1.5,"l":[true]}"#, b"null", b"plain", b""];
        let records = vec![SeedRecords {
            table: "users-1".into(),
            entries: values.iter().map(|v| entry(key.clone(), v)).collect(),
        }];
        let yaml = serde_yaml::to_string(&records).expect("yaml");
        let back: Vec<SeedRecords> = serde_yaml::from_str(&yaml).expect("parse");
        for (e, original) in back[0].entries.iter().zip(values) {
            assert_eq!(e.k, key);
            let bytes = match (&e.v, &e.raw) {
                (Some(v), _) => serde_json::to_vec(v).expect("json"),
                (None, Some(raw)) => raw.as_bytes().to_vec(),
                (None, None) => Vec::new(),
            };
            assert_eq!(bytes, original, "{yaml}");
        }
        assert_eq!(unknown_table(&back), None);
    }

    #[test]
    fn an_unknown_table_is_named() {
        let records = vec![SeedRecords {
            table: "nope-1".into(),
            entries: Vec::new(),
        }];
        assert_eq!(unknown_table(&records), Some("nope-1"));
    }
}
