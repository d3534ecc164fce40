//! The change poller: each node reads `changes` every `POLL_INTERVAL` and reacts to other
//! nodes' writes (cache invalidation) and to key rotations (a reload of the shared keys).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use postgres::{Client, NoTls};

use super::{PgEngine, POLL_INTERVAL};
use crate::store::{StoreError, StoreResult};

impl PgEngine {
    /// Polls `changes.generation` every `POLL_INTERVAL` on its own connection and calls
    /// `on_change` when a write this node did not make has committed. Ends when the engine
    /// is dropped. A write on another node is thus seen here within one interval plus one
    /// query; the caller's reaction (cache bumps, revocation reload) adds a read.
    ///
    /// With a `replica`, the generation is read there first: the data it replays comes with
    /// the generation bump of the same transaction, so caches are dropped only once the
    /// reads (which go to the replica) can see the change; the primary when it is down.
    pub fn watch(
        self: &Arc<Self>,
        replica: Option<&PgEngine>,
        on_change: impl Fn() + Send + 'static,
    ) -> StoreResult<()> {
        let engine: Weak<PgEngine> = Arc::downgrade(self);
        let mut sources: Vec<postgres::Config> =
            replica.map(|r| r.config.clone()).into_iter().collect();
        sources.push(self.config.clone());
        std::thread::Builder::new()
            .name("pg-changes".to_string())
            .spawn(move || poll_changes(engine, sources, on_change))
            .map(drop)
            .map_err(|e| StoreError::Io(e.to_string()))
    }
}

fn poll_changes(engine: Weak<PgEngine>, sources: Vec<postgres::Config>, on_change: impl Fn()) {
    let mut client: Option<Client> = None;
    // (generation, own commits) at the last poll.
    let mut seen: Option<(i64, i64)> = None;
    let mut keys_seen: Option<i64> = None;
    loop {
        std::thread::sleep(POLL_INTERVAL);
        let Some(engine) = engine.upgrade() else {
            return;
        };
        if client.as_ref().is_none_or(Client::is_closed) {
            engine.poll_round_trips.fetch_add(1, Ordering::Relaxed);
            client = sources.iter().find_map(|config| config.connect(NoTls).ok());
        }
        let Some(c) = client.as_mut() else {
            continue;
        };
        // Read before the generation: an own commit counted here is already in it, so an
        // own commit can never hide another node's.
        let own = engine.own_commits.load(Ordering::SeqCst);
        engine.poll_round_trips.fetch_add(1, Ordering::Relaxed);
        let polled = c.query_one(
            "SELECT generation, keys_generation FROM changes WHERE id = 1",
            &[],
        );
        let (generation, keys_generation) = match polled {
            Ok(row) => (row.get::<_, i64>(0), row.get::<_, i64>(1)),
            Err(_) => {
                client = None;
                continue;
            }
        };
        // The first poll catches up too: a write committed between start-up's reads (the
        // revocation index) and this poll would otherwise never be seen.
        let moved = seen.is_none_or(|(last_generation, last_own)| {
            generation - last_generation > own - last_own
        });
        if moved {
            log::debug!("another node wrote (generation {generation}): caches dropped");
            on_change();
        }
        seen = Some((generation, own));
        // A rotation (here or on any node) moved the shared keys; the first poll reloads too,
        // for a rotation between start-up's key load and it.
        if keys_seen != Some(keys_generation) {
            engine.keys_changed();
            keys_seen = Some(keys_generation);
        }
    }
}
