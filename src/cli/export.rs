//! `keystone-lite export [--data-dir D | --database-url URL | --config FILE] [--output FILE]`:
//! a seed holding every store record (see src/seed/records.rs); a fresh server started with
//! `--seed FILE` answers as this one, on either engine (redb -> PostgreSQL: start the first
//! PostgreSQL node with the export as its seed and the old key repositories in its data dir).
//! On redb it works on a stopped data dir, or through a running server's admin socket (then
//! --output is needed: the server writes the file); on PostgreSQL (`--database-url` or
//! `[database] connection`) it reads the database in one transaction while nodes run.

use std::path::PathBuf;

use super::common::{self, Args};
use super::snapshot;

const USAGE: &str = "usage: keystone-lite export [--data-dir DIR] [--database-url URL] \
[--config FILE] [--output FILE]
  redb (default): the store in DIR (a running server there writes FILE itself)
  PostgreSQL (--database-url or [database] connection in FILE): the database
  without --output the seed goes to stdout";

pub fn run(args: Vec<String>) -> i32 {
    let args = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) => return usage_error(&e, USAGE),
    };
    let output = args.value("output").map(PathBuf::from);
    let write = |store: &crate::store::Store| {
        let yaml = snapshot::export_yaml(store)?;
        match &output {
            Some(file) => snapshot::write_private(file, &yaml)
                .map(|()| format!("exported to {}", file.display())),
            None => {
                print!("{yaml}");
                Ok(String::new())
            }
        }
    };
    if args.config.database.is_some() {
        return report(common::open_store(&args.config).and_then(|store| write(&store)));
    }
    let request = match &output {
        Some(file) => format!("export {}", absolute(file).display()),
        None => String::new(),
    };
    report(snapshot::with_store(&args.config.data_dir, &request, write))
}

/// `--help` (usage on stdout, status 0) or a bad argument (usage on stderr, status 2).
pub(super) fn usage_error(error: &str, usage: &str) -> i32 {
    if error.is_empty() {
        println!("{usage}");
        return 0;
    }
    eprintln!("{error}\n{usage}");
    2
}

/// Prints the outcome; the exit status.
pub(super) fn report(result: Result<String, String>) -> i32 {
    match result {
        Ok(detail) => {
            if !detail.is_empty() {
                eprintln!("{detail}");
            }
            0
        }
        Err(e) => {
            eprintln!("keystone-lite: {e}");
            1
        }
    }
}

/// `path` made absolute against the current directory: the server resolves it, not us.
pub(super) fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `--output FILE` (or `-o FILE`) plus the server's `--data-dir`, `--database-url` and
/// `--config` (also backup's flags). `--help` is the empty error.
pub(super) fn parse(args: Vec<String>) -> Result<Args, String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Err(String::new());
    }
    let args = args
        .into_iter()
        .map(|a| if a == "-o" { "--output".to_string() } else { a })
        .collect();
    let parsed = Args::parse(args, &["output"], &[])?;
    if let Some(extra) = parsed.positional.first() {
        return Err(format!("unexpected argument {extra}"));
    }
    Ok(parsed)
}
