//! The other listening nodes, as this node's watcher hears them, so a write can wait until
//! they applied it before it is acknowledged: a client that revokes a token through one
//! node and checks it through another at once (tempest does, behind a balancer) then finds
//! it revoked, although every node validates from its own cache.
//!
//! Each watcher sends `<node> <generation>` on the acks channel after it applied another
//! node's write, and once per poll as a heartbeat (the generation up to which it has applied
//! everything). A node heard within `LIVE` is waited for, at most `WAIT_LIMIT`; a node that
//! died stops being waited for once its heartbeat is older than `LIVE`. Nodes on a replica
//! never ack (they learn of writes by polling the replica: the poll's bound), but they hear
//! the others' acks, so their own writes wait as every node's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// A node not heard for this long is not waited for (four heartbeats missed).
const LIVE: Duration = Duration::from_millis(1000);
/// The longest a write waits for the other nodes; past it, the poll's bound holds.
const WAIT_LIMIT: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct Peers {
    /// node id -> (highest generation it applied, when it was last heard).
    heard: Mutex<HashMap<String, (i64, Instant)>>,
    changed: Condvar,
    /// Writes answered before every live node had applied them (/metrics).
    timeouts: AtomicU64,
}

impl Peers {
    /// `node` applied every write up to `generation` (or the one numbered so).
    pub fn heard(&self, node: &str, generation: i64, now: Instant) {
        let Ok(mut heard) = self.heard.lock() else {
            return;
        };
        let entry = heard.entry(node.to_string()).or_insert((generation, now));
        *entry = (entry.0.max(generation), now);
        heard.retain(|_, (_, at)| now.duration_since(*at) < LIVE * 10);
        self.changed.notify_all();
    }

    /// Waits until every live node applied `generation`, or `WAIT_LIMIT`. Returns how many
    /// live nodes had not by then (0 when all did).
    pub fn wait_for(&self, generation: i64) -> usize {
        let deadline = Instant::now() + WAIT_LIMIT;
        let Ok(mut heard) = self.heard.lock() else {
            return 0;
        };
        loop {
            let now = Instant::now();
            let behind = heard
                .values()
                .filter(|(applied, at)| now.duration_since(*at) < LIVE && *applied < generation)
                .count();
            let left = deadline.saturating_duration_since(now);
            if behind == 0 || left.is_zero() {
                if behind > 0 {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                }
                return behind;
            }
            heard = match self.changed.wait_timeout(heard, left) {
                Ok((guard, _)) => guard,
                Err(_) => return behind,
            };
        }
    }
}

impl Peers {
    /// (nodes heard within `LIVE`, writes answered before every live node applied them).
    pub fn stats(&self) -> (usize, u64) {
        let now = Instant::now();
        let live = self.heard.lock().map_or(0, |heard| {
            heard
                .values()
                .filter(|(_, at)| now.duration_since(*at) < LIVE)
                .count()
        });
        (live, self.timeouts.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_write_waits_for_live_nodes_only() {
        let peers = Arc::new(Peers::default());
        let now = Instant::now();
        assert_eq!(peers.wait_for(5), 0, "no other node: nothing to wait for");
        peers.heard("b", 4, now);
        let waiter = {
            let peers = peers.clone();
            std::thread::spawn(move || peers.wait_for(5))
        };
        std::thread::sleep(Duration::from_millis(20));
        peers.heard("b", 5, Instant::now());
        assert_eq!(waiter.join().expect("waiter"), 0);
        // A node gone quiet is not waited for.
        let long_ago = Instant::now() - LIVE * 2;
        peers.heard("c", 1, long_ago);
        assert_eq!(peers.wait_for(5), 0);
        // A live node that never applies it: the wait ends at the limit.
        peers.heard("d", 1, Instant::now());
        assert_eq!(peers.wait_for(5), 1);
        assert_eq!(peers.stats(), (2, 1), "b and d live; one write timed out");
    }
}
