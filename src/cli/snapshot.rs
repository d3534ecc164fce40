//! Consistent snapshots of a data dir, for `export` and `backup`: everything is read in one
//! redb read transaction (MVCC: writers go on, the snapshot does not move). redb has no file
//! backup of its own (its savepoints roll the same file back), and copying the live file
//! could catch a half-written commit, so a backup is a new redb file written from that read.
//!
//! A running server holds the store's file lock, so a command cannot open the store itself:
//! it asks the server over the admin socket (`admin.sock` in the data dir, mode 0600: only
//! the data dir's owner can ask), and the server takes the snapshot.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::seed::records::{self, SeedRecords};
use crate::store::{shared_keys, tables, Reader, Store};

/// The admin socket's file name in the data dir.
const SOCKET: &str = "admin.sock";
/// The key repositories a backup carries (tokens and receipts share fernet-keys).
const KEY_REPOSITORIES: &[&str] = &["fernet-keys", "credential-keys"];
/// How long a command waits for the server's snapshot.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(600);

/// The export seed's YAML, from one read transaction.
pub fn export_yaml(store: &Store) -> Result<String, String> {
    let dumped = store
        .read(records::dump)
        .map_err(|e| format!("reading the store: {e}"))?;
    render_export(&dumped)
}

#[derive(serde::Serialize)]
struct ExportSeed<'a> {
    records: &'a [SeedRecords],
}

fn render_export(dumped: &[SeedRecords]) -> Result<String, String> {
    let body = serde_yaml::to_string(&ExportSeed { records: dumped })
        .map_err(|e| format!("writing YAML: {e}"))?;
    Ok(format!(
        "# keystone-lite export: every store record, verbatim (ids, password hashes, encrypted\n\
         # credential blobs). Start a server on a fresh data dir with --seed <this file>.\n\
         # Credential blobs need the old data dir's credential-keys/ copied beside it.\n{body}"
    ))
}

/// Writes a backup of the store and its key repositories into `out` (created; must not exist
/// or be empty). Returns the number of records copied.
pub fn backup(store: &Store, data_dir: &Path, out: &Path) -> Result<usize, String> {
    prepare_output(out)?;
    store
        .read(|r| Ok::<_, crate::store::StoreError>(snapshot_into(r, data_dir, out)))
        .map_err(|e| format!("backup: {e}"))?
}

fn snapshot_into(r: &impl Reader, data_dir: &Path, out: &Path) -> Result<usize, String> {
    let copied = copy_store(r, &crate::store_path(out))?;
    // Keys after the snapshot: a rotation meanwhile only adds keys, so every token and
    // credential blob in the snapshot still finds the key it was made with.
    for repo in KEY_REPOSITORIES {
        copy_dir(&data_dir.join(repo), &out.join(repo))?;
    }
    Ok(copied)
}

/// A backup of a PostgreSQL store as a redb data dir in `out`: the records in one read
/// transaction, then the database's shared keys (those every node uses) as key repositories.
/// A database no node has started on yet holds no keys: then `data_dir`'s repositories, the
/// ones the first node would have imported.
pub fn backup_database(store: &Store, data_dir: &Path, out: &Path) -> Result<usize, String> {
    prepare_output(out)?;
    let copied = store
        .read(|r| Ok::<_, crate::store::StoreError>(copy_store(r, &crate::store_path(out))))
        .map_err(|e| format!("backup: {e}"))??;
    // Keys after the snapshot, as in `snapshot_into`.
    let shared = [
        (shared_keys::FERNET_KEYS, KEY_REPOSITORIES[0]),
        (shared_keys::CREDENTIAL_KEYS, KEY_REPOSITORIES[1]),
    ];
    for (name, dir) in shared {
        let keys = store
            .load_shared_keys(name)
            .map_err(|e| format!("the database's {name} keys: {e}"))?;
        match keys {
            Some(repo) => write_keys(repo.entries(), &out.join(dir))?,
            None => copy_dir(&data_dir.join(dir), &out.join(dir)).map_err(|e| {
                format!("the database holds no {name} keys, nor does the data dir: {e}")
            })?,
        }
    }
    Ok(copied)
}

/// A key repository as upstream lays it out: one file per key, named by its index (0600),
/// in a new directory (0700).
fn write_keys(entries: &[(i64, String)], dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    for (index, key) in entries {
        write_private(&dir.join(index.to_string()), key)?;
    }
    Ok(())
}

fn prepare_output(out: &Path) -> Result<(), String> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| format!("{}: {e}", out.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{}: not empty; refusing to overwrite",
                out.display()
            ));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", out.display()))
}

/// Every table's records from `r` into a new redb file at `path`, in one write transaction.
fn copy_store(r: &impl Reader, path: &Path) -> Result<usize, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let db = redb::Database::create(path).map_err(|e| fail(&e))?;
    let tx = db.begin_write().map_err(|e| fail(&e))?;
    let mut copied = 0;
    for table in tables::ALL {
        let mut dest = tx.open_table(*table).map_err(|e| fail(&e))?;
        for (k, v) in r.scan(*table, None).map_err(|e| fail(&e))? {
            dest.insert(k.as_str(), v.as_slice())
                .map_err(|e| fail(&e))?;
            copied += 1;
        }
    }
    tx.commit().map_err(|e| fail(&e))?;
    Ok(copied)
}

/// Copies the regular files of `from` into a new `to` (0700), keeping their modes.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        if entry.file_type().map_err(|e| fail(from, e))?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .map_err(|e| fail(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// Runs `op` on the data dir's store: opened here when no server holds it, else by the
/// running server through its admin socket (`request` is the line sent to it).
pub fn with_store(
    data_dir: &Path,
    request: &str,
    op: impl FnOnce(&Store) -> Result<String, String>,
) -> Result<String, String> {
    let socket = data_dir.join(SOCKET);
    if let Ok(stream) = UnixStream::connect(&socket) {
        if request.is_empty() {
            return Err(format!(
                "a server is running on {}: give --output FILE (the server writes it)",
                data_dir.display()
            ));
        }
        return ask_server(stream, request);
    }
    let path = crate::store_path(data_dir);
    if !path.exists() {
        return Err(format!("{}: no store here", path.display()));
    }
    let store = Store::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    op(&store)
}

fn ask_server(mut stream: UnixStream, request: &str) -> Result<String, String> {
    let io = |e: std::io::Error| format!("admin socket: {e}");
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT)).map_err(io)?;
    stream
        .write_all(format!("{request}\n").as_bytes())
        .map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    match answer.trim_end().split_once(' ') {
        Some(("ok", detail)) => Ok(detail.to_string()),
        Some(("error", detail)) => Err(detail.to_string()),
        _ => Err(format!("admin socket: unexpected answer {answer:?}")),
    }
}

/// The server side: answers `backup <dir>` and `export <file>` on `data_dir/admin.sock`
/// until the process ends. Paths are the asker's, absolute.
pub fn serve_admin_socket(app: Arc<crate::app::App>, data_dir: &Path) -> Result<PathBuf, String> {
    let path = data_dir.join(SOCKET);
    // We hold the store's lock, so a socket file left here is a dead server's.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let data_dir = data_dir.to_path_buf();
    // Weak: the server's shutdown drops the last App, which closes the store cleanly; a
    // strong reference here would keep redb from ever closing its file.
    let app = Arc::downgrade(&app);
    std::thread::Builder::new()
        .name("admin-socket".to_string())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(app) = app.upgrade() else { break };
                answer(&app, &data_dir, stream);
            }
        })
        .map_err(|e| format!("admin socket: {e}"))?;
    Ok(path)
}

fn answer(app: &crate::app::App, data_dir: &Path, stream: UnixStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut line = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let result = match line.trim_end().split_once(' ') {
        Some(("backup", dir)) => backup(&app.store, data_dir, Path::new(dir))
            .map(|n| format!("{n} records backed up to {dir}")),
        Some(("export", file)) => export_yaml(&app.store).and_then(|yaml| {
            write_private(Path::new(file), &yaml).map(|()| format!("exported to {file}"))
        }),
        _ => Err(format!("unknown request {:?}", line.trim_end())),
    };
    match &result {
        Ok(detail) => log::info!("admin socket: {detail}"),
        Err(e) => log::warn!("admin socket: {e}"),
    }
    let reply = match result {
        Ok(detail) => format!("ok {detail}\n"),
        Err(e) => format!("error {}\n", e.replace('\n', " ")),
    };
    let _ = (&stream).write_all(reply.as_bytes());
}

/// Writes `text` to `path` readable by its owner only: an export holds password hashes.
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
