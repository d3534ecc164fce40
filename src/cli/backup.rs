//! `keystone-lite backup [--data-dir D | --database-url URL | --config FILE] --output DIR`: a
//! consistent copy of the store (one read transaction written out as a new redb file) and of
//! the key repositories. On redb it is taken by the running server through its admin socket,
//! or directly when no server runs. Restore: stop the server, copy DIR's contents into an
//! empty data dir, start.
//!
//! On PostgreSQL (`--database-url` or `[database] connection`) the store is read from the
//! database and the key repositories are the database's shared keys (what every node uses,
//! not this host's directories): DIR is a redb data dir, and `keystone-lite --data-dir DIR`
//! answers as the PostgreSQL nodes did (the way from PostgreSQL back to redb).

use std::path::PathBuf;

use super::common;
use super::export::{absolute, report, usage_error};
use super::snapshot;

const USAGE: &str = "usage: keystone-lite backup [--data-dir DIR] [--database-url URL] \
[--config FILE] --output DIR
  redb (default): the store and key repositories of the data dir
  PostgreSQL (--database-url or [database] connection in FILE): the database and its shared
  keys, written as a redb data dir (start `keystone-lite --data-dir DIR` on it)";

pub fn run(args: Vec<String>) -> i32 {
    let args = match super::export::parse(args) {
        Ok(parsed) => parsed,
        Err(e) => return usage_error(&e, USAGE),
    };
    let Some(output) = args.value("output").map(PathBuf::from) else {
        return usage_error("--output DIR is required", USAGE);
    };
    let output = absolute(&output);
    let data_dir = args.config.data_dir.clone();
    let done = |n: usize| format!("{n} records backed up to {}", output.display());
    if args.config.database.is_some() {
        let result = common::open_store(&args.config)
            .and_then(|store| snapshot::backup_database(&store, &data_dir, &output))
            .map(done);
        return report(result);
    }
    let request = format!("backup {}", output.display());
    let result = snapshot::with_store(&data_dir, &request, |store| {
        snapshot::backup(store, &data_dir, &output).map(done)
    });
    report(result)
}
