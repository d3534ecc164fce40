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

fn parse(args: Vec<String>) -> Result<(PathBuf, PathBuf), String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut data_dir = PathBuf::from(crate::config::DEFAULT_DATA_DIR);
    let mut output = None;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("data-dir") => data_dir = parser.value().map_err(|e| e.to_string())?.into(),
            Long("output") | Short('o') => {
                output = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?))
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok((data_dir, output.ok_or("--output DIR is required")?))
}
