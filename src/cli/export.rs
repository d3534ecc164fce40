//! `keystone-lite export [--data-dir D] [--output FILE]`: a seed holding every store record
//! (see src/seed/records.rs); a fresh server started with `--seed FILE` answers as this one.
//! Works on a stopped data dir, or through a running server's admin socket (then --output is
//! needed: the server writes the file).

use std::path::PathBuf;

use super::snapshot;

const USAGE: &str = "usage: keystone-lite export [--data-dir DIR] [--output FILE]";

pub fn run(args: Vec<String>) -> i32 {
    let (data_dir, output) = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return 2;
        }
    };
    let request = match &output {
        Some(file) => format!("export {}", absolute(file).display()),
        None => String::new(),
    };
    let result = snapshot::with_store(&data_dir, &request, |store| {
        let yaml = snapshot::export_yaml(store)?;
        match &output {
            Some(file) => snapshot::write_private(file, &yaml)
                .map(|()| format!("exported to {}", file.display())),
            None => {
                print!("{yaml}");
                Ok(String::new())
            }
        }
    });
    report(result)
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

/// `--data-dir D` and `--output FILE` (also backup's flags).
pub(super) fn parse(args: Vec<String>) -> Result<(PathBuf, Option<PathBuf>), String> {
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
    Ok((data_dir, output))
}
