//! The application: configuration, store, token codec, policy and caches, shared by every
//! worker as `Arc<App>`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::auth::AuthContext;
use crate::clock::Clock;
use crate::config::Config;
use crate::http::routes::Routes;
use crate::password::Hasher;
use crate::policy::Enforcer;
use crate::store::Store;
use crate::token::TokenCodec;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub tokens: TokenCodec,
    pub policy: Enforcer,
    pub hasher: Hasher,
    /// Base URL clients reach us at, without a trailing slash (no /v3).
    pub public_url: String,
    pub validated: ValidatedTokens,
    /// The route table, compiled once.
    pub routes: Routes,
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
