//! The change watcher: how a node learns of other nodes' writes (to drop what its caches
//! built from them) and of key rotations (to reload the shared keys).
//!
//! A node on the primary alone LISTENs: every cache-visible write NOTIFYs with its COMMIT
//! the records it touched (src/store/pg/notify.rs), so the other nodes bump just those
//! records' versions, at once. Every `POLL_INTERVAL` the watcher also reads
//! `changes.generation`: each committed write has its own generation, so one that was
//! neither this node's nor notified (a notification lost while reconnecting) is found and
//! everything is dropped. A notification may trail its commit, so a generation is judged
//! one interval after it was first seen: bound for a lost one, two intervals plus a query.
//!
//! A node reading from a replica cannot LISTEN there (a hot standby refuses it) and must not
//! drop its caches before the replica replayed the write: it reads the generation on the
//! replica (the primary when that is down) and drops everything when another node wrote.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Instant;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use super::notify::{self, Change};
use super::{PgEngine, ACKS_CHANNEL, CHANGES_CHANNEL, POLL_INTERVAL};
use crate::store::{StoreError, StoreResult};

impl PgEngine {
    /// Starts the watcher on its own thread and connection; it calls `on_change` with what
    /// another node's committed write changed, and ends when the engine is dropped.
    /// `on_change` answers whether it could apply the change (a revocation reload reads the
    /// database): if not, the write is not acknowledged and everything is dropped and
    /// reloaded again at the next poll, until that works.
    pub fn watch(
        self: &Arc<Self>,
        replica: Option<&PgEngine>,
        on_change: impl Fn(Change) -> bool + Send + 'static,
    ) -> StoreResult<()> {
        if let Ok(mut own) = self.own_generations.lock() {
            *own = Some(Vec::new());
        }
        let mut sources: Vec<postgres::Config> =
            replica.map(|r| r.config.clone()).into_iter().collect();
        sources.push(self.config.clone());
        let watcher = Watcher {
            engine: Arc::downgrade(self),
            node_id: self.node_id.clone(),
            may_listen: replica.is_none(),
            sources,
            client: None,
            listening: false,
            accounted: BTreeSet::new(),
            judged: None,
            last_seen: None,
            keys_seen: None,
            owed: false,
        };
        if replica.is_some() {
            // Its watcher reads the replica, so it hears no acknowledgements: a second
            // connection to the primary does, so this node's writes wait as every node's.
            let engine = Arc::downgrade(self);
            std::thread::Builder::new()
                .name("pg-acks".to_string())
                .spawn(move || hear_acks(engine))
                .map_err(|e| StoreError::Io(e.to_string()))?;
        }
        std::thread::Builder::new()
            .name("pg-changes".to_string())
            .spawn(move || watcher.run(on_change))
            .map(drop)
            .map_err(|e| StoreError::Io(e.to_string()))
    }
}

impl PgEngine {
    /// Another node's acknowledgement (`<node> <generation>`): the writes waiting for it.
    fn heard(&self, ack: &str) {
        let Some((node, generation)) = ack.split_once(' ') else {
            return;
        };
        if let (true, Ok(generation)) = (node != self.node_id, generation.parse()) {
            self.peers.heard(node, generation, Instant::now());
        }
    }
}

/// Listens to the other nodes' acknowledgements on the primary (for a node whose watcher
/// is on a replica) until the engine is dropped; reconnects every poll interval when down.
fn hear_acks(engine: Weak<PgEngine>) {
    let mut client: Option<Client> = None;
    loop {
        let Some(node) = engine.upgrade() else {
            return;
        };
        if client.as_ref().is_none_or(Client::is_closed) {
            client = node.config.connect(NoTls).ok().filter(|c| !c.is_closed());
            if let Some(c) = client.as_mut() {
                if c.batch_execute(&format!("LISTEN {ACKS_CHANNEL}")).is_err() {
                    client = None;
                }
            }
        }
        let Some(c) = client.as_mut() else {
            drop(node);
            std::thread::sleep(POLL_INTERVAL);
            continue;
        };
        let next = c.notifications().timeout_iter(POLL_INTERVAL).next();
        match next {
            Ok(Some(n)) => node.heard(n.payload()),
            Ok(None) => {}
            Err(_) => client = None,
        }
    }
}

struct Watcher {
    engine: Weak<PgEngine>,
    node_id: String,
    /// No replica: notifications may be acted on (the primary serves every read).
    may_listen: bool,
    /// Replica first, primary last.
    sources: Vec<postgres::Config>,
    client: Option<Client>,
    listening: bool,
    /// Generations above `judged` known to be accounted for: this node's own writes and
    /// notified ones.
    accounted: BTreeSet<i64>,
    /// Every generation up to this one is accounted for (or was answered by dropping all).
    judged: Option<i64>,
    /// The generation read at the previous poll: judged at this one when listening.
    last_seen: Option<i64>,
    keys_seen: Option<i64>,
    /// A change could not be applied: everything is to be dropped and reloaded.
    owed: bool,
}

impl Watcher {
    fn run(mut self, on_change: impl Fn(Change) -> bool) {
        loop {
            if self.listening {
                self.receive_until(Instant::now() + POLL_INTERVAL, &on_change);
            } else {
                std::thread::sleep(POLL_INTERVAL);
            }
            let Some(engine) = self.engine.upgrade() else {
                return;
            };
            if self.client.as_ref().is_none_or(Client::is_closed) {
                engine.poll_round_trips.fetch_add(1, Ordering::Relaxed);
                self.connect();
            }
            if let Ok(mut own) = engine.own_generations.lock() {
                self.accounted
                    .extend(own.iter_mut().flat_map(|v| v.drain(..)));
            }
            let Some(c) = self.client.as_mut() else {
                continue;
            };
            engine.poll_round_trips.fetch_add(1, Ordering::Relaxed);
            let polled = c.query_one(
                "SELECT generation, keys_generation FROM changes WHERE id = 1",
                &[],
            );
            let Ok(row) = polled else {
                self.client = None;
                self.listening = false;
                continue;
            };
            self.judge(row.get(0), &on_change);
            if self.owed {
                self.owed = !on_change(Change::Everything);
            }
            // The heartbeat: this node is alive and has applied everything up to `judged`.
            if let Some(judged) = self.judged {
                self.acknowledge(judged);
            }
            // A rotation (here or on any node) moved the shared keys; the first poll reloads
            // too, for a rotation between start-up's key load and it.
            let keys_generation: i64 = row.get(1);
            if self.keys_seen != Some(keys_generation) {
                engine.keys_changed();
                self.keys_seen = Some(keys_generation);
            }
        }
    }

    /// The first source that answers; on the primary alone, listening.
    fn connect(&mut self) {
        let last = self.sources.len().saturating_sub(1);
        self.client = None;
        self.listening = false;
        for (i, config) in self.sources.iter().enumerate() {
            let Ok(mut client) = config.connect(NoTls) else {
                continue;
            };
            self.listening = self.may_listen
                && i == last
                && client
                    .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}; LISTEN {ACKS_CHANNEL}"))
                    .is_ok();
            self.client = Some(client);
            return;
        }
    }

    /// Acts on other nodes' notifications until `deadline` (or a broken connection).
    fn receive_until(&mut self, deadline: Instant, on_change: &impl Fn(Change) -> bool) {
        while let Some(client) = self.client.as_mut() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            let next = {
                let mut notifications = client.notifications();
                let next = notifications.timeout_iter(left).next();
                next.map(|n| n.map(|n| (n.channel() == ACKS_CHANNEL, n.payload().to_string())))
            };
            let notice = match next {
                Ok(Some((true, ack))) => {
                    self.heard(&ack);
                    continue;
                }
                Ok(Some((false, payload))) => notify::parse(&payload),
                Ok(None) => return,
                Err(_) => {
                    self.client = None;
                    self.listening = false;
                    return;
                }
            };
            // Unreadable: the generation check below will find it unaccounted for.
            let Some(notice) = notice.filter(|n| n.node != self.node_id) else {
                continue;
            };
            if self.judged.is_some_and(|j| notice.generation > j) {
                self.accounted.insert(notice.generation);
            }
            if on_change(notice.change) {
                self.acknowledge(notice.generation);
            } else {
                self.owed = true;
            }
        }
    }

    fn heard(&self, ack: &str) {
        if let Some(engine) = self.engine.upgrade() {
            engine.heard(ack);
        }
    }

    /// Tells the other nodes this one applied `generation` (a failure is the next poll's).
    fn acknowledge(&mut self, generation: i64) {
        if !self.listening {
            return;
        }
        if let Some(c) = self.client.as_mut() {
            if let Some(engine) = self.engine.upgrade() {
                engine.poll_round_trips.fetch_add(1, Ordering::Relaxed);
            }
            let sql = format!("NOTIFY {ACKS_CHANNEL}, '{} {generation}'", self.node_id);
            if c.batch_execute(&sql).is_err() {
                self.client = None;
                self.listening = false;
            }
        }
    }

    /// Drops everything if a write up to the judged generation is not accounted for.
    fn judge(&mut self, generation: i64, on_change: &impl Fn(Change) -> bool) {
        let Some(judged) = self.judged else {
            // The first poll catches up: a write committed between start-up's reads (the
            // revocation index) and this poll would otherwise never be seen.
            self.owed = !on_change(Change::Everything);
            self.accounted.clear();
            (self.judged, self.last_seen) = (Some(generation), Some(generation));
            return;
        };
        if generation < judged {
            // The database was replaced (restored): nothing known holds.
            log::warn!("changes.generation went back from {judged} to {generation}");
            self.owed = !on_change(Change::Everything);
            self.accounted.clear();
            (self.judged, self.last_seen) = (Some(generation), Some(generation));
            return;
        }
        // Listening, a notification may still be on its way: judge what the previous poll
        // saw. Polling alone, there is nothing to wait for.
        let upto = match (self.listening, self.last_seen) {
            (true, Some(seen)) => seen.clamp(judged, generation),
            _ => generation,
        };
        let known = match upto > judged {
            true => self.accounted.range(judged + 1..=upto).count() as i64,
            false => 0,
        };
        if known < upto - judged {
            log::debug!("another node wrote (generation {upto}): caches dropped");
            self.owed = !on_change(Change::Everything);
        }
        self.accounted = self.accounted.split_off(&(upto + 1));
        (self.judged, self.last_seen) = (Some(upto), Some(generation));
    }
}
