//! The application: configuration, store, keys, policy, clock and caches, shared by every
//! worker as `Arc<App>`. Nothing is global: whatever a request needs is reached from here.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

use crate::auth::AuthContext;
use crate::clock::Clock;
use crate::config::Config;
use crate::credential_keys::CredentialKeys;
use crate::http::routes::Routes;
use crate::password::Hasher;
use crate::policy::Enforcer;
use crate::receipt::ReceiptKeys;
use crate::store::{Stamp, Store, Versions};
use crate::token::TokenCodec;

pub struct App {
    pub config: Config,
    pub store: Store,
    /// The token keys, read at start and again after a rotation (src/ops/reload.rs).
    pub tokens: TokenCodec,
    /// The auth receipt keys (the token key repository's), reloaded with the token keys.
    pub receipt_keys: ReceiptKeys,
    /// The credential blob keys (DATA_DIR/credential-keys), reloaded after a rotation.
    pub credential_keys: CredentialKeys,
    /// Replaced on SIGHUP (src/ops/reload.rs).
    pub policy: crate::ops::reload::Swap<Enforcer>,
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
    /// OpenID Connect bearer verification (`[oidc]`): the IdPs' discovery and JWKS caches.
    pub oidc: crate::federation::oidc::OidcVerifier,
    /// Prometheus counters (src/ops/metrics.rs).
    pub metrics: crate::ops::metrics::Metrics,
    /// Audit events (`[audit] file`; src/ops/audit.rs).
    pub audit: crate::ops::audit::Audit,
}

impl App {
    /// Where to authenticate, as the 401 header and the identity endpoint say.
    pub fn identity_url(&self) -> String {
        format!("{}/v3", self.public_url)
    }
}

/// Validated tokens by token string, each stamped with the versions of the records it was
/// built from (`store::Versions`): a write to its user, project, their domains, role
/// assignments, a delegation it uses or the catalog makes it stale; other writes do not.
/// Bounded by bytes (approximate sizes): entries go into a young segment; when it holds half
/// the budget, the old segment is dropped and the young one becomes old. A hit in the old
/// segment moves the entry back to the young one, so tokens in use survive (segmented LRU).
pub struct ValidatedTokens {
    segments: RwLock<Segments>,
    budget: usize,
    /// Lookups that found a current entry, and those that did not (for /metrics).
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Segments {
    young: HashMap<String, Entry>,
    old: HashMap<String, Entry>,
    young_bytes: usize,
    /// The last tokens put: their bodies are rendered into the memo after the put, so they
    /// are measured again at the next puts (`remeasure`).
    recent: VecDeque<String>,
}

/// How many recent puts are measured again.
const RECENT: usize = 8;

struct Entry {
    stamp: Stamp,
    context: Arc<AuthContext>,
    /// Charged against the budget, `memo` included.
    bytes: usize,
    /// The rendered bodies charged so far.
    memo: usize,
}

impl Entry {
    /// Charges the bodies rendered into the memo since the last measure; the growth.
    fn remeasure(&mut self) -> usize {
        let grown = memo_bytes(&self.context).saturating_sub(self.memo);
        self.memo += grown;
        self.bytes += grown;
        grown
    }
}

impl ValidatedTokens {
    pub fn new(budget: usize) -> ValidatedTokens {
        ValidatedTokens {
            segments: RwLock::new(Segments::default()),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Forgets every validation: after a key rotation a cached token whose key was purged
    /// must be decrypted (and refused) again.
    pub fn clear(&self) {
        if let Ok(mut segments) = self.segments.write() {
            *segments = Segments::default();
        }
    }

    /// (hits, misses) since start.
    pub fn lookups(&self) -> (u64, u64) {
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    pub fn get(&self, token: &str, versions: &Versions) -> Option<Arc<AuthContext>> {
        let found = self.lookup(token, versions);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Relaxed);
        found
    }

    fn lookup(&self, token: &str, versions: &Versions) -> Option<Arc<AuthContext>> {
        {
            let segments = self.segments.read().ok()?;
            if let Some(e) = segments.young.get(token) {
                return versions.is_current(&e.stamp).then(|| e.context.clone());
            }
            let e = segments.old.get(token)?;
            if !versions.is_current(&e.stamp) {
                return None;
            }
        }
        let mut segments = self.segments.write().ok()?;
        let mut entry = segments.old.remove(token)?;
        entry.remeasure();
        let context = entry.context.clone();
        segments.insert(token, entry, self.budget);
        Some(context)
    }

    pub fn put(&self, token: &str, stamp: Stamp, context: Arc<AuthContext>) {
        let memo = memo_bytes(&context);
        let bytes = entry_bytes(token, &stamp, &context) + memo;
        if let Ok(mut segments) = self.segments.write() {
            segments.remeasure();
            let entry = Entry {
                stamp,
                context,
                bytes,
                memo,
            };
            segments.insert(token, entry, self.budget);
            segments.recent.push_back(token.to_string());
            if segments.recent.len() > RECENT {
                segments.recent.pop_front();
            }
        }
    }
}

impl Segments {
    fn insert(&mut self, token: &str, entry: Entry, budget: usize) {
        self.young_bytes += entry.bytes;
        if let Some(replaced) = self.young.insert(token.to_string(), entry) {
            self.young_bytes -= replaced.bytes;
        }
        if self.young_bytes > budget / 2 {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
    }

    /// Charges the recent entries for the bodies rendered into their memo since their put.
    fn remeasure(&mut self) {
        for token in &self.recent {
            if let Some(e) = self.young.get_mut(token) {
                self.young_bytes += e.remeasure();
            }
        }
    }
}

/// The rendered bodies a context's memo holds now.
fn memo_bytes(c: &AuthContext) -> usize {
    c.memo
        .bodies
        .iter()
        .filter_map(|b| b.get())
        .map(Vec::len)
        .sum()
}

/// Roughly what an entry costs: the token twice (key and payload), the records in memory
/// (about three times their JSON), the policy credentials and target values the memo will
/// hold, and the map's own overhead. Rendered bodies are charged when measured (`remeasure`).
fn entry_bytes(token: &str, stamp: &Stamp, c: &AuthContext) -> usize {
    let records = json_len(&c.user)
        + json_len(&c.user_domain)
        + c.roles.iter().map(json_len).sum::<usize>()
        + c.trust.as_ref().map_or(0, json_len)
        + c.app_cred.as_ref().map_or(0, json_len)
        + match &c.scope {
            crate::auth::ResolvedScope::Project { project, domain } => {
                json_len(project) + json_len(domain)
            }
            crate::auth::ResolvedScope::Domain(d) => json_len(d),
            _ => 0,
        };
    const MEMO_VALUES: usize = 3072;
    const OVERHEAD: usize = 256;
    2 * token.len() + stamp.byte_size() + 3 * records + MEMO_VALUES + OVERHEAD
}

/// The length of a record serialized as JSON.
fn json_len<T: serde::Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map_or(0, |v| v.len())
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
        let config_oidc = config.federation.oidc.clone();
        let app = App {
            config,
            store,
            tokens: TokenCodec::new(&repo).unwrap(),
            receipt_keys: ReceiptKeys::from_repo(&repo).unwrap(),
            credential_keys: CredentialKeys::setup(&dir.join("credential-keys")).unwrap(),
            policy: crate::ops::reload::Swap::new(Enforcer::load(None).unwrap()),
            hasher,
            public_url: "http://localhost".into(),
            validated: ValidatedTokens::new(1 << 20),
            login_limiter: crate::ratelimit::LoginLimiter::new(&Default::default()),
            routes: Routes::new(crate::http::table::table()),
            clock: Clock::fixed(now),
            schemas: crate::validate::Schemas::load().unwrap(),
            oidc: crate::federation::oidc::OidcVerifier::new(&config_oidc),
            metrics: crate::ops::metrics::Metrics::new(&Routes::new(crate::http::table::table())),
            audit: crate::ops::audit::Audit::disabled(),
        };
        TestApp { app, dir }
    }
}
