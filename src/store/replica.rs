//! `[database] slave_connection`: reads go to a streaming replica, writes to the primary.
//!
//! Consistency rules:
//! - a node reads its own writes: for `READ_OWN_WRITES` after it committed one, its reads go
//!   to the primary (streaming replication on one network replays in milliseconds; the
//!   window only has to cover that lag);
//! - another node's write is seen once the replica replayed it: the change poller reads the
//!   generation on the replica, so caches are dropped only when a re-read can see the write
//!   (the cross-node bound is then the replica's lag plus the poll interval);
//! - whichever server a read picks and cannot reach, it is done on the other one: with the
//!   primary down the replica serves every read (token validation included); writes answer
//!   503 "the primary database is unreachable" until the primary answers again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::pg::PgEngine;

/// How long after this node's own write its reads stay on the primary.
pub const READ_OWN_WRITES: Duration = Duration::from_secs(1);

pub(super) struct Replica {
    pub(super) engine: Arc<PgEngine>,
    started: Instant,
    /// Milliseconds after `started` of this node's last committed write, plus one (0: none).
    last_write: AtomicU64,
}

impl Replica {
    pub(super) fn new(engine: Arc<PgEngine>) -> Replica {
        Replica {
            engine,
            started: Instant::now(),
            last_write: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    pub(super) fn wrote(&self) {
        self.last_write.store(self.now_ms(), Ordering::Release);
    }

    /// Whether reads should go to the primary (this node wrote within the window).
    pub(super) fn reads_on_primary(&self) -> bool {
        let last = self.last_write.load(Ordering::Acquire);
        let window = u64::try_from(READ_OWN_WRITES.as_millis()).unwrap_or(u64::MAX);
        last != 0 && self.now_ms().saturating_sub(last) < window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_on_the_primary_only_just_after_an_own_write() {
        // Opening a replica does not connect: no server needed.
        let engine = PgEngine::open_replica("postgresql://u@127.0.0.1:1/d", 1).expect("url");
        let replica = Replica::new(engine);
        assert!(!replica.reads_on_primary(), "no write yet");
        replica.wrote();
        assert!(replica.reads_on_primary(), "just wrote");
        replica.last_write.store(1, Ordering::Release);
        std::thread::sleep(READ_OWN_WRITES + Duration::from_millis(20));
        assert!(!replica.reads_on_primary(), "window over");
    }
}
