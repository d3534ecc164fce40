//! `keystone-lite import --from sqlite:///path/keystone.db [--fernet-keys DIR]
//! [--credential-keys DIR] --data-dir D`: an upstream Keystone database (its Keystone 30
//! schema) into a new data dir, ids, password hashes (passlib's formats, verified as they
//! are), assignments, catalog, credential blobs (same Fernet scheme, so the old credential
//! keys decrypt them) and application credentials kept; with the old fernet keys, tokens the
//! old Keystone issued keep validating. MySQL is not read yet (see README).

mod sqlite;

use std::path::{Path, PathBuf};

use crate::store::Store;

const USAGE: &str = "usage: keystone-lite import --from sqlite:///path/keystone.db \
[--fernet-keys DIR] [--credential-keys DIR] [--data-dir DIR]";

struct Args {
    from: String,
    fernet_keys: Option<PathBuf>,
    credential_keys: Option<PathBuf>,
    data_dir: PathBuf,
}

pub fn run(args: Vec<String>) -> i32 {
    let args = match parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return 2;
        }
    };
    match import(&args) {
        Ok(summary) => {
            eprintln!("imported into {}: {summary}", args.data_dir.display());
            0
        }
        Err(e) => {
            eprintln!("keystone-lite import: {e}");
            1
        }
    }
}

fn import(args: &Args) -> Result<String, String> {
    let db_path = match args.from.strip_prefix("sqlite:///") {
        Some(rest) => PathBuf::from(format!("/{rest}")),
        None if args.from.starts_with("mysql") => {
            return Err(
                "mysql:// is not supported yet: dump the database to sqlite, or \
                        export it through the API"
                    .into(),
            )
        }
        None => return Err(format!("--from {:?}: expected sqlite:///path", args.from)),
    };
    let store_path = crate::store_path(&args.data_dir);
    if store_path.exists() {
        return Err(format!(
            "{}: a store exists; import only into a new data dir",
            store_path.display()
        ));
    }
    let upstream = sqlite::read(&db_path)?;
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| format!("{}: {e}", args.data_dir.display()))?;
    // Keys first: the store's presence is what says "this data dir is complete".
    for (from, name) in [
        (&args.fernet_keys, "fernet-keys"),
        (&args.credential_keys, "credential-keys"),
    ] {
        if let Some(from) = from {
            copy_keys(from, &args.data_dir.join(name))?;
        }
    }
    let store = Store::open(&store_path).map_err(|e| format!("{}: {e}", store_path.display()))?;
    let written = store.write(|w| sqlite::write(w, &upstream));
    drop(store);
    written.map_err(|e: crate::error::Error| {
        // Nothing was committed: without the file a corrected import can run again.
        let _ = std::fs::remove_file(&store_path);
        format!("writing the store: {e}")
    })
}

fn copy_keys(from: &Path, to: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        let name = entry.file_name();
        // Key files are named by their index (0 is the staged key).
        if name.to_string_lossy().parse::<u32>().is_ok() {
            let dest = to.join(&name);
            std::fs::copy(entry.path(), &dest).map_err(|e| fail(&entry.path(), e))?;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| fail(&dest, e))?;
        }
    }
    Ok(())
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args {
        from: String::new(),
        fernet_keys: None,
        credential_keys: None,
        data_dir: PathBuf::from(crate::config::DEFAULT_DATA_DIR),
    };
    let value = |p: &mut lexopt::Parser| -> Result<String, String> {
        p.value()
            .map_err(|e| e.to_string())?
            .into_string()
            .map_err(|_| "not UTF-8".to_string())
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("from") => out.from = value(&mut parser)?,
            Long("fernet-keys") => out.fernet_keys = Some(value(&mut parser)?.into()),
            Long("credential-keys") => out.credential_keys = Some(value(&mut parser)?.into()),
            Long("data-dir") => out.data_dir = value(&mut parser)?.into(),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if out.from.is_empty() {
        return Err("--from is required".into());
    }
    Ok(out)
}
