//! Changes picked up while serving, without a restart and without dropping a connection:
//! - a key rotation (`keystone-lite fernet-rotate`, `credential-rotate`, or any tool that
//!   renames files in a key repository, as upstream's cron jobs do): a background thread looks
//!   at the repositories once a second (never the request path: a directory read per request
//!   would cost more than a validation) and swaps in the new key sets;
//! - SIGHUP: the audit file reopened (logrotate), the policy file, the seed (re-applied if its
//!   text changed, as at start-up) and the key repositories, at the thread's next tick.
//!
//! A rotation keeps every key `max_active_keys` allows, and the whole set is swapped at once,
//! so a token any kept key encrypted validates before, during and after the swap.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime};

use crate::app::App;
use crate::token::keys::KeyRepository;

/// How often the key repositories are looked at.
pub const KEY_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A value replaced whole while readers keep using the one they took (the policy).
pub struct Swap<T>(RwLock<Arc<T>>);

impl<T> Swap<T> {
    pub fn new(value: T) -> Swap<T> {
        Swap(RwLock::new(Arc::new(value)))
    }

    /// The value now. A poisoned lock still holds a whole value (it is only ever assigned).
    pub fn load(&self) -> Arc<T> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn store(&self, value: T) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(value);
    }
}

/// What a key repository looked like: its files' names, sizes and modification times.
/// Rotation renames files (new names, a new mtime on the renamed staged key), so any
/// rotation, by us or by upstream's keystone-manage, changes it.
#[derive(PartialEq, Default)]
struct Fingerprint(Vec<(String, u64, Option<SystemTime>)>);

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                meta.len(),
                meta.modified().ok(),
            ))
        })
        .collect();
    files.sort();
    Fingerprint(files)
}

/// Starts the thread; it ends when the App is dropped. SIGHUP sets `hangup`.
pub fn spawn(app: &Arc<App>) -> Result<(), String> {
    let hangup = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, hangup.clone())
        .map_err(|e| format!("cannot install SIGHUP handler: {e}"))?;
    let weak = Arc::downgrade(app);
    let (tokens_dir, credentials_dir) = key_dirs(app);
    let mut seen = (fingerprint(&tokens_dir), fingerprint(&credentials_dir));
    // Keys shared through the database: the change poller reloads them after a rotation; the
    // local directories only seeded an empty database and are not watched.
    let shared = app.store.shares_keys();
    let applied = Arc::new(Mutex::new(SharedKeysApplied::default()));
    if shared {
        let listener = Arc::downgrade(app);
        let applied = applied.clone();
        app.store.on_shared_keys_changed(Box::new(move || {
            if let Some(app) = Weak::upgrade(&listener) {
                reload_shared_keys(&app, &applied, false);
            }
        }));
    }
    std::thread::Builder::new()
        .name("reload".to_string())
        .spawn(move || loop {
            std::thread::sleep(KEY_CHECK_INTERVAL);
            let Some(app) = Weak::upgrade(&weak) else {
                return;
            };
            let forced = hangup.swap(false, Ordering::Relaxed);
            if forced {
                log::info!("SIGHUP: reloading the policy, the seed and the key repositories");
                reload_policy(&app);
                reload_seed(&app);
                if let Err(e) = app.audit.reopen() {
                    log::error!("SIGHUP: the audit file stays as it was: {e}");
                }
            }
            if shared {
                if forced {
                    reload_shared_keys(&app, &applied, true);
                }
                continue;
            }
            let now = (fingerprint(&tokens_dir), fingerprint(&credentials_dir));
            if forced || now.0 != seen.0 {
                reload_token_keys(&app, &tokens_dir);
            }
            if forced || now.1 != seen.1 {
                reload_credential_keys(&app, &credentials_dir);
            }
            seen = now;
        })
        .map_err(|e| format!("cannot start the reload thread: {e}"))?;
    Ok(())
}

fn key_dirs(app: &App) -> (std::path::PathBuf, std::path::PathBuf) {
    (
        app.config.data_dir.join("fernet-keys"),
        app.config.data_dir.join("credential-keys"),
    )
}

/// Token and receipt keys (one repository, as upstream's default `[fernet_receipts]`). A
/// repository caught mid-rotation or unreadable keeps the keys in use; the next change retries.
fn reload_token_keys(app: &App, dir: &Path) {
    let loaded = crate::token::keys::KeyRepository::load(dir).map_err(|e| e.to_string());
    apply_token_keys(app, loaded);
}

fn apply_token_keys(app: &App, loaded: Result<KeyRepository, String>) {
    let result = loaded.and_then(|repo| {
        app.tokens.reload(&repo).map_err(|e| e.to_string())?;
        app.receipt_keys.reload(&repo).map_err(|e| e.to_string())?;
        // A cached validation skips decryption; a token whose key is gone must not pass.
        app.validated.clear();
        Ok((repo.dir().display().to_string(), repo.indexes()))
    });
    match result {
        Ok((from, indexes)) => log::info!("fernet keys reloaded from {from} ({indexes:?})"),
        Err(e) => log::warn!("fernet keys not reloaded, keeping the current ones: {e}"),
    }
}

/// The shared keys this node applied last: a rotation of one repository must not reload the
/// other (reloading the token keys empties the validation cache).
#[derive(Default)]
struct SharedKeysApplied {
    tokens: Option<Vec<(i64, String)>>,
    credentials: Option<Vec<(i64, String)>>,
}

/// The shared repositories that changed (both when `force`d), from the database; one that
/// cannot be read keeps its keys.
fn reload_shared_keys(app: &App, applied: &Mutex<SharedKeysApplied>, force: bool) {
    use crate::store::shared_keys::{CREDENTIAL_KEYS, FERNET_KEYS};
    let load = |name: &str| match app.store.load_shared_keys(name) {
        Ok(Some(repo)) => Ok(repo),
        Ok(None) => Err(format!("the database has no {name} keys")),
        Err(e) => Err(e.to_string()),
    };
    let Ok(mut applied) = applied.lock() else {
        return;
    };
    let changed = |last: &Option<Vec<(i64, String)>>, loaded: &Result<KeyRepository, String>| {
        force
            || loaded
                .as_ref()
                .map_or(true, |repo| last.as_deref() != Some(repo.entries()))
    };
    let tokens = load(FERNET_KEYS);
    if changed(&applied.tokens, &tokens) {
        applied.tokens = tokens.as_ref().ok().map(|repo| repo.entries().to_vec());
        apply_token_keys(app, tokens);
    }
    let credentials = load(CREDENTIAL_KEYS);
    if changed(&applied.credentials, &credentials) {
        applied.credentials = credentials
            .as_ref()
            .ok()
            .map(|repo| repo.entries().to_vec());
        apply_credential_keys(app, credentials);
    }
}

fn reload_credential_keys(app: &App, dir: &Path) {
    let loaded = crate::token::keys::KeyRepository::load(dir).map_err(|e| e.to_string());
    apply_credential_keys(app, loaded);
}

fn apply_credential_keys(app: &App, loaded: Result<KeyRepository, String>) {
    let result = loaded.and_then(|repo| {
        app.credential_keys
            .reload(&repo)
            .map_err(|e| e.to_string())?;
        Ok(repo.indexes())
    });
    match result {
        Ok(indexes) => log::info!("credential keys reloaded ({indexes:?})"),
        Err(e) => log::warn!("credential keys not reloaded, keeping the current ones: {e}"),
    }
}

/// A policy file that fails to load leaves the current policy in force.
fn reload_policy(app: &App) {
    match crate::policy::Enforcer::load(app.config.policy_file.as_deref()) {
        Ok(enforcer) => {
            app.policy.store(enforcer);
            log::info!("policy reloaded");
        }
        Err(e) => log::error!("policy not reloaded, keeping the current one: {e}"),
    }
}

/// As at start-up: applied only if the text differs from the last applied one; a seed that
/// fails leaves the store as it was (apply is one write transaction).
fn reload_seed(app: &App) {
    let Some(path) = &app.config.seed else {
        return;
    };
    let result = crate::seed::SeedText::read(path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            if crate::seed::already_applied(&app.store, &text)? {
                return Ok(false);
            }
            let parsed = text.parse().map_err(|e| e.to_string())?;
            crate::seed::apply(&parsed, &app.store, &app.hasher, &app.public_url)
                .map_err(|e| e.to_string())?;
            Ok(true)
        });
    match result {
        Ok(true) => log::info!("seed re-applied"),
        Ok(false) => log::info!("seed unchanged; not applied again"),
        Err(e) => log::error!("seed not re-applied: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_changes_the_fingerprint_and_a_swap_keeps_old_readers_whole() {
        let dir = std::env::temp_dir().join(format!(
            "ksl-reload-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let mut repo = crate::token::keys::KeyRepository::setup(&dir, 3).unwrap();
        let before = fingerprint(&dir);
        assert!(
            before == fingerprint(&dir),
            "unchanged repository, same fingerprint"
        );
        repo.rotate().unwrap();
        assert!(before != fingerprint(&dir));
        assert!(fingerprint(&dir.join("missing")) == Fingerprint::default());
        std::fs::remove_dir_all(&dir).unwrap();

        let swap = Swap::new(1);
        let held = swap.load();
        swap.store(2);
        assert_eq!((*held, *swap.load()), (1, 2));
    }
}
