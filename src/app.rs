//! The application: configuration, store, keys, policy, clock and caches, shared by every
//! worker as `Arc<App>`. Nothing is global: whatever a request needs is reached from here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::auth::AuthContext;
use crate::clock::Clock;
use crate::config::Config;
use crate::credential_keys::CredentialKeys;
use crate::http::routes::Routes;
use crate::password::Hasher;
use crate::policy::Enforcer;
use crate::receipt::ReceiptKeys;
use crate::store::Store;
use crate::token::TokenCodec;

pub struct App {
    pub config: Config,
    pub store: Store,
    /// The token keys, read from disk once at start.
    pub tokens: TokenCodec,
    /// The auth receipt keys (the token key repository's), read once at start.
    pub receipt_keys: ReceiptKeys,
    /// The credential blob keys (DATA_DIR/credential-keys), read once at start.
    pub credential_keys: CredentialKeys,
    pub policy: Enforcer,
    pub hasher: Hasher,
    /// Base URL clients reach us at, without a trailing slash (no /v3).
    pub public_url: String,
    pub validated: ValidatedTokens,
    /// Failed-login limits per source address (src/ratelimit.rs).
    pub login_limiter: crate::ratelimit::LoginLimiter,
    /// The route table, compiled once.
    pub routes: Routes,
    /// Read once per request (`Request::now`); nothing below a handler reads a clock.
    pub clock: Clock,
    /// Upstream's request schemas, parsed once.
    pub schemas: crate::validate::Schemas,
}

impl App {
    /// Where to authenticate, as the 401 header and the identity endpoint say.
    pub fn identity_url(&self) -> String {
        format!("{}/v3", self.public_url)
    }
}

/// Validated tokens by token string, tagged with the store generation they were built from:
/// any committed write makes every entry stale, so a change shows in the next validation.
/// Bounded: cleared when full (tokens are cheap to re-validate).
pub struct ValidatedTokens {
    entries: RwLock<HashMap<String, (u64, Arc<AuthContext>)>>,
    capacity: usize,
}

impl ValidatedTokens {
    pub fn new(capacity: usize) -> ValidatedTokens {
        ValidatedTokens {
            entries: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get(&self, token: &str, generation: u64) -> Option<Arc<AuthContext>> {
        let entries = self.entries.read().ok()?;
        match entries.get(token) {
            Some((g, context)) if *g == generation => Some(context.clone()),
            _ => None,
        }
    }

    pub fn put(&self, token: &str, generation: u64, context: Arc<AuthContext>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(token.to_string(), (generation, context));
        }
    }
}

/// An `App` over a fresh data dir for unit tests: seeded, keys set up, its clock fixed, so
/// expiry rules are tested by choosing `now` rather than by sleeping.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::PathBuf;

    use super::*;

    pub struct TestApp {
        pub app: App,
        dir: PathBuf,
    }

    impl std::ops::Deref for TestApp {
        type Target = App;
        fn deref(&self) -> &App {
            &self.app
        }
    }

    impl Drop for TestApp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// `config` with its data dir replaced, the store seeded with `seed_yaml`, the clock at `now`.
    pub fn app(mut config: Config, seed_yaml: &str, now: f64) -> TestApp {
        let dir = std::env::temp_dir().join(format!(
            "ksl-app-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        config.data_dir = dir.clone();
        let store = Store::open(&dir.join("keystone.redb")).unwrap();
        // Few rounds: the tests are about time, not hashing strength.
        let hasher = Hasher {
            algorithm: "pbkdf2_sha512".into(),
            rounds: Some(1000),
        };
        let seed = crate::seed::SeedFile::parse("test.yaml", seed_yaml.into()).unwrap();
        crate::seed::apply(&seed, &store, &hasher, "http://localhost").unwrap();
        let repo = crate::token::keys::KeyRepository::setup(&dir.join("fernet-keys"), 3).unwrap();
        let app = App {
            config,
            store,
            tokens: TokenCodec::new(&repo).unwrap(),
            receipt_keys: ReceiptKeys::from_repo(&repo).unwrap(),
            credential_keys: CredentialKeys::setup(&dir.join("credential-keys")).unwrap(),
            policy: Enforcer::load(None).unwrap(),
            hasher,
            public_url: "http://localhost".into(),
            validated: ValidatedTokens::new(100),
            login_limiter: crate::ratelimit::LoginLimiter::new(&Default::default()),
            routes: Routes::new(crate::http::table::table()),
            clock: Clock::fixed(now),
            schemas: crate::validate::Schemas::load().unwrap(),
        };
        TestApp { app, dir }
    }
}
