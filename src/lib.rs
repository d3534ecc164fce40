//! keystone-lite: an OpenStack Identity (Keystone) service in one binary, with an embedded
//! redb store. `run` wires configuration, store, keys, policy, seed and the HTTP server.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests may unwrap: a panic is how a test fails.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod credential_keys;
pub mod error;
pub mod federation;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod fuzz_wire;
pub mod http;
pub mod model;
pub mod ops;
pub mod password;
pub mod policy;
pub mod pyrepr;
pub mod ratelimit;
pub mod receipt;
pub mod seed;
pub mod service;
pub mod store;
pub mod token;
pub mod validate;

use std::path::Path;
use std::sync::Arc;

use app::{App, ValidatedTokens};
use config::Config;

/// Starts the service; returns when a stop signal arrives (exit code 0) or start-up fails.
pub fn run(config: Config) -> Result<(), String> {
    // Read the seed before touching the disk; it is parsed only if the store has not
    // applied this very text (a bad seed then fails start-up and writes nothing).
    let seed = match &config.seed {
        Some(path) => Some(seed::SeedText::read(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let policy = policy::Enforcer::load(config.policy_file.as_deref())
        .map_err(|e| format!("policy: {e}"))?;
    let dir_existed = config.data_dir.exists();
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("{}: cannot create data dir: {e}", config.data_dir.display()))?;
    let data_dir = config.data_dir.clone();
    let result = start(config, seed, policy);
    if result.is_err() && !dir_existed {
        // A failed first start leaves no data dir behind.
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    result
}

fn start(
    config: Config,
    seed: Option<seed::SeedText>,
    policy: policy::Enforcer,
) -> Result<(), String> {
    let data_dir = config.data_dir.clone();
    let store_path = data_dir.join("keystone.redb");
    let keys_path = data_dir.join("fernet-keys");
    let credential_keys_path = data_dir.join("credential-keys");
    // On PostgreSQL the store is not in the data dir (only the key repositories are, copied
    // to every node), so a data dir with keys and no store file is the normal case there.
    let fresh = match config.database {
        None => check_data_dir(&store_path, &keys_path, &credential_keys_path)?,
        Some(_) => false,
    };
    let cleanup = |msg: String| -> String {
        if fresh {
            let _ = std::fs::remove_file(&store_path);
            let _ = std::fs::remove_dir_all(&keys_path);
            let _ = std::fs::remove_dir_all(&credential_keys_path);
        }
        msg
    };
    let (listener, addr) = http::bind(&config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let tls = match (&config.ops.tls_cert, &config.ops.tls_key) {
        (Some(cert), Some(key)) => Some(http::tls::server_config(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let store = open_store(&config, &store_path, &cleanup)?;
    let hasher = password::Hasher {
        algorithm: config.identity.password_hash_algorithm.clone(),
        rounds: config.identity.password_hash_rounds,
    };
    // The keys first: a seed's access keys are stored encrypted with the credential keys.
    let keys = Keys::load(&config, &data_dir, &store, &cleanup)?;
    let store = apply_seed(store, seed.as_ref(), &hasher, &public_url, &cleanup)?;
    let store = apply_seed_access_keys(store, seed.as_ref(), &keys.credentials, &cleanup)?;
    let workers = config.workers;
    let login_limiter = ratelimit::LoginLimiter::new(&config.rate_limit);
    let clock = clock::Clock::system();
    // Revocation events older than any token that could still validate are dropped (upstream
    // prunes them too), in the background; later revoking writes keep pruning a few each.
    let lifetime = config.token.expiration + config.token.allow_expired_window;
    drop(store.keep_revocations_for(lifetime, clock.now_secs()));
    let cache_bytes = config.token.cache_bytes;
    let oidc = federation::oidc::OidcVerifier::new(&config.federation.oidc);
    let routes = http::routes::Routes::new(http::table::table());
    let metrics = ops::metrics::Metrics::new(&routes);
    let audit = ops::audit::Audit::open(&config.ops.audit)?;
    let app = Arc::new(App {
        config,
        store,
        tokens: keys.tokens,
        receipt_keys: keys.receipts,
        credential_keys: keys.credentials,
        policy: ops::reload::Swap::new(policy),
        hasher,
        public_url: public_url.clone(),
        validated: ValidatedTokens::new(cache_bytes),
        login_limiter,
        routes,
        clock,
        schemas: validate::Schemas::load().map_err(|e| format!("request schemas: {e}"))?,
        oidc,
        metrics,
        audit,
    });
    serve_until_stopped(app, listener, addr, workers, tls, &data_dir)
}

/// The store: the redb file in the data dir, or PostgreSQL when `[database] connection` is
/// set (reads on `slave_connection` when that is set too).
fn open_store(
    config: &Config,
    store_path: &Path,
    cleanup: &dyn Fn(String) -> String,
) -> Result<store::Store, String> {
    match &config.database {
        None => store::Store::open(store_path)
            .map_err(|e| cleanup(format!("{}: {e}", store_path.display()))),
        // A connection per worker, plus the background threads' (index, pruning).
        Some(url) => store::Store::open_postgres_replicated(
            &url.0,
            config.database_replica.as_ref().map(|r| r.0.as_str()),
            config.workers + 2,
        )
        .map_err(|e| format!("[database] connection: {e}")),
    }
}

/// Whether the data dir is fresh (nothing of a store yet: it is created). A store without its
/// key repositories, or key repositories without their store, is refused: creating the
/// missing part would silently kill every issued token, or every stored credential.
fn check_data_dir(store: &Path, fernet: &Path, credential: &Path) -> Result<bool, String> {
    let store_len = std::fs::metadata(store).map(|m| m.len()).ok();
    let has_store = store_len.is_some_and(|len| len > 0);
    let (has_fernet, has_credential) = (fernet.exists(), credential.exists());
    if !has_store && !has_fernet && !has_credential {
        return Ok(true);
    }
    if !has_store {
        let what = if store_len.is_some() {
            "is empty"
        } else {
            "is missing"
        };
        return Err(format!(
            "{}: the store {what} but the data dir holds key repositories; refusing to start \
             with a new empty store (restore the store from a backup, or remove the data dir \
             to start afresh)",
            store.display()
        ));
    }
    for (dir, has) in [(fernet, has_fernet), (credential, has_credential)] {
        if !has {
            return Err(format!(
                "{}: the key repository is missing beside an existing store; refusing to \
                 create new keys (restore it from a backup)",
                dir.display()
            ));
        }
    }
    Ok(false)
}

/// Applies the seed unless the store already holds this very text; without a seed, the
/// default domain. A seed that fails to apply drops the store, then `cleanup` runs.
fn apply_seed(
    store: store::Store,
    seed: Option<&seed::SeedText>,
    hasher: &password::Hasher,
    public_url: &str,
    cleanup: &dyn Fn(String) -> String,
) -> Result<store::Store, String> {
    let Some(text) = seed else {
        // Without a seed the default domain still exists, as after upstream's db_sync.
        let empty = seed::SeedFile::parse("(none)", String::new()).map_err(|e| e.to_string())?;
        seed::apply(&empty, &store, hasher, public_url).map_err(|e| e.to_string())?;
        return Ok(store);
    };
    let started = std::time::Instant::now();
    if seed::already_applied(&store, text)? {
        seed::refresh_public_url(&store, public_url)?;
        log::info!("seed unchanged since it was last applied; not applied again");
        return Ok(store);
    }
    let applied = text
        .parse()
        .and_then(|parsed| seed::apply(&parsed, &store, hasher, public_url));
    if let Err(e) = applied {
        drop(store);
        return Err(cleanup(e.to_string()));
    }
    log::info!(
        "seed applied in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(store)
}

/// The seed's Huawei access keys (`access_keys:`), ensured at every start with a seed.
fn apply_seed_access_keys(
    store: store::Store,
    seed: Option<&seed::SeedText>,
    keys: &credential_keys::CredentialKeys,
    cleanup: &dyn Fn(String) -> String,
) -> Result<store::Store, String> {
    let Some(text) = seed else {
        return Ok(store);
    };
    let now = clock::Clock::system().now_secs() as f64;
    let applied = text
        .parse()
        .and_then(|parsed| seed::access_keys::apply(&parsed, &store, keys, now));
    if let Err(e) = applied {
        drop(store);
        return Err(cleanup(e.to_string()));
    }
    Ok(store)
}

/// Every key the service uses, read from disk once here and owned by `App` from then on.
struct Keys {
    tokens: token::TokenCodec,
    receipts: receipt::ReceiptKeys,
    credentials: credential_keys::CredentialKeys,
}

impl Keys {
    /// `cleanup` runs for a repository that cannot be set up, as for the store.
    fn load(
        config: &Config,
        data_dir: &Path,
        store: &store::Store,
        cleanup: &dyn Fn(String) -> String,
    ) -> Result<Keys, String> {
        let keys_path = data_dir.join("fernet-keys");
        let repo = token::keys::KeyRepository::setup(&keys_path, config.max_active_keys)
            .map_err(|e| cleanup(format!("{}: {e}", keys_path.display())))?;
        // As `keystone-manage credential_setup`: credential blobs are encrypted with these keys.
        let credential_keys_path = data_dir.join("credential-keys");
        let credentials = credential_keys::CredentialKeys::setup(&credential_keys_path)
            .map_err(|e| cleanup(format!("{}: {e}", credential_keys_path.display())))?;
        // On PostgreSQL the keys are the database's (this node's repositories seed an empty
        // database): every node encrypts and decrypts with the same ones.
        let repo = store
            .shared_key_repository(store::shared_keys::FERNET_KEYS, &repo)
            .map_err(|e| format!("shared fernet keys: {e}"))?;
        if store.shares_keys() {
            let local = token::keys::KeyRepository::load(&credential_keys_path)
                .map_err(|e| format!("{}: {e}", credential_keys_path.display()))?;
            let shared = store
                .shared_key_repository(store::shared_keys::CREDENTIAL_KEYS, &local)
                .map_err(|e| format!("shared credential keys: {e}"))?;
            credentials
                .reload(&shared)
                .map_err(|e| format!("shared credential keys: {e}"))?;
        }
        let tokens = token::TokenCodec::new(&repo).map_err(|e| format!("fernet keys: {e}"))?;
        // Upstream's `[fernet_receipts] key_repository` defaults to the token one.
        let receipts =
            receipt::ReceiptKeys::from_repo(&repo).map_err(|e| format!("receipts: {e}"))?;
        Ok(Keys {
            tokens,
            receipts,
            credentials,
        })
    }
}

/// Serves until a stop signal, then finishes in-flight requests.
fn serve_until_stopped(
    app: Arc<App>,
    listener: std::net::TcpListener,
    addr: std::net::SocketAddr,
    workers: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
    data_dir: &Path,
) -> Result<(), String> {
    let public_url = app.public_url.clone();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    // SIGINT and SIGTERM stop; SIGHUP reloads (src/ops/reload.rs), so it is not among them
    // (ctrlc's "termination" set included it and stopped the server on a reload request).
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut stop_signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| format!("cannot install signal handler: {e}"))?;
    std::thread::Builder::new()
        .name("stop-signal".to_string())
        .spawn(move || {
            if stop_signals.forever().next().is_some() {
                let _ = stop_tx.send(());
            }
        })
        .map_err(|e| format!("cannot start the signal thread: {e}"))?;

    if let Some(listen) = app.config.ops.metrics_listen.clone() {
        let metrics_addr = ops::metrics_server::start(app.clone(), &listen)?;
        log::info!("metrics on http://{metrics_addr}/metrics");
    }
    // `keystone-lite backup`/`export` ask the running server for a snapshot here. Without the
    // socket (a data dir path over the 108 bytes a socket path may have, a read-only dir) the
    // server still serves; only those commands must then wait for it to stop.
    let admin_socket = cli::snapshot::serve_admin_socket(app.clone(), data_dir)
        .map_err(|e| {
            log::warn!("admin socket unavailable (backup/export need the server stopped): {e}")
        })
        .ok();
    // Key rotations and SIGHUP (policy, seed, keys) are picked up while serving.
    ops::reload::spawn(&app)?;
    let running = http::Server::serve(app.clone(), listener, addr, workers, tls);
    // The first stdout line is the URL: scripts and tests read it.
    println!("{public_url}");
    log::info!(
        "keystone-lite listening on {public_url} (data dir {})",
        data_dir.display()
    );
    // Start-up lines reach stderr now, not at the next periodic flush.
    log::logger().flush();
    let _ = stop_rx.recv();
    log::info!("stopping: finishing in-flight requests");
    running.shutdown();
    if let Some(socket) = admin_socket {
        let _ = std::fs::remove_file(socket);
    }
    drop(app);
    log::info!("stopped");
    Ok(())
}

/// The data dir's store file, for tools and tests.
pub fn store_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("keystone.redb")
}
