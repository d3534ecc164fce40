//! keystone-lite: an OpenStack Identity (Keystone) service in one binary, with an embedded
//! redb store. `run` wires configuration, store, keys, policy, seed and the HTTP server.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod credential_keys;
pub mod error;
pub mod http;
pub mod model;
pub mod password;
pub mod policy;
pub mod pyrepr;
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
    let fresh = !store_path.exists();
    let cleanup = |msg: String| -> String {
        if fresh {
            let _ = std::fs::remove_file(&store_path);
            let _ = std::fs::remove_dir_all(&keys_path);
        }
        msg
    };
    let (server, addr) = http::bind(&config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let store = store::Store::open(&store_path)
        .map_err(|e| cleanup(format!("{}: {e}", store_path.display())))?;
    let hasher = password::Hasher {
        algorithm: config.identity.password_hash_algorithm.clone(),
        rounds: config.identity.password_hash_rounds,
    };
    if let Some(text) = &seed {
        let started = std::time::Instant::now();
        if seed::already_applied(&store, text)? {
            seed::refresh_public_url(&store, &public_url)?;
            log::info!("seed unchanged since it was last applied; not applied again");
        } else {
            let applied = text
                .parse()
                .and_then(|parsed| seed::apply(&parsed, &store, &hasher, &public_url));
            if let Err(e) = applied {
                drop(store);
                return Err(cleanup(e.to_string()));
            }
            log::info!(
                "seed applied in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    } else {
        // Without a seed the default domain still exists, as after upstream's db_sync.
        let empty = seed::SeedFile::parse("(none)", String::new()).map_err(|e| e.to_string())?;
        seed::apply(&empty, &store, &hasher, &public_url).map_err(|e| e.to_string())?;
    }
    let keys = token::keys::KeyRepository::setup(&keys_path, config.max_active_keys)
        .map_err(|e| cleanup(format!("{}: {e}", keys_path.display())))?;
    // As `keystone-manage credential_setup`: credential blobs are encrypted with these keys.
    let credential_keys_path = data_dir.join("credential-keys");
    let credential_keys = credential_keys::CredentialKeys::setup(&credential_keys_path)
        .map_err(|e| cleanup(format!("{}: {e}", credential_keys_path.display())))?;
    credential_keys::install(credential_keys);
    let tokens = token::TokenCodec::new(&keys).map_err(|e| format!("fernet keys: {e}"))?;
    let workers = config.workers;
    let app = Arc::new(App {
        config,
        store,
        tokens,
        policy,
        hasher,
        public_url: public_url.clone(),
        validated: ValidatedTokens::new(100_000),
        routes: http::routes::Routes::new(http::table::table()),
        clock: clock::Clock::system(),
        schemas: validate::Schemas::load().map_err(|e| format!("request schemas: {e}"))?,
    });

    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot install signal handler: {e}"))?;

    let running = http::Server::serve(app.clone(), server, addr, workers);
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
    drop(app);
    log::info!("stopped");
    Ok(())
}

/// The data dir's store file, for tools and tests.
pub fn store_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("keystone.redb")
}
