//! `keystone-lite backup --data-dir D --output DIR`: a consistent copy of the store (one read
//! transaction written out as a new redb file) and of the key repositories, taken by the
//! running server through its admin socket, or directly when no server runs. Restore: stop
//! the server, copy DIR's contents into an empty data dir, start.

use std::path::PathBuf;

use super::export::{absolute, report};
use super::snapshot;

const USAGE: &str = "usage: keystone-lite backup [--data-dir DIR] --output DIR";

pub fn run(args: Vec<String>) -> i32 {
    let (data_dir, output) = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return 2;
        }
    };
    let output = absolute(&output);
    let request = format!("backup {}", output.display());
    let result = snapshot::with_store(&data_dir, &request, |store| {
        snapshot::backup(store, &data_dir, &output)
            .map(|n| format!("{n} records backed up to {}", output.display()))
    });
    report(result)
}

/// export's flags (`--data-dir`, `--output`), the output being required here.
fn parse(args: Vec<String>) -> Result<(PathBuf, PathBuf), String> {
    let (data_dir, output) = super::export::parse(args)?;
    Ok((data_dir, output.ok_or("--output DIR is required")?))
}
