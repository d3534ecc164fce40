//! Revocation events (OS-REVOKE), persisted so a revoked token stays revoked after a restart,
//! and held in memory indexed by what they name, so a validation looks only at the events
//! that could match its token. Events older than any token that could still validate are
//! pruned, as upstream's revoke driver prunes expired events.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, RwLock, RwLockWriteGuard};

use super::tables::{META, REVOCATIONS};
use super::StoreResult;
use super::{Reader, Writer};
use crate::model::RevokeEvent;

/// How many events were ever appended (the next event's sequence number).
pub fn count(r: &impl Reader) -> StoreResult<u64> {
    Ok(r.get(META, "revocation-next")?.unwrap_or(0))
}

pub fn append(w: &impl Writer, events: &[RevokeEvent]) -> StoreResult<()> {
    // Zero-padded keys sort in insertion order.
    let mut next: u64 = w.get(META, "revocation-next")?.unwrap_or(0);
    for event in events {
        w.put(REVOCATIONS, &seq_key(next), event)?;
        next += 1;
    }
    w.put(META, "revocation-next", &next)
}

pub fn seq_key(seq: u64) -> String {
    format!("{seq:020}")
}

/// Removes up to `limit` of the oldest-recorded events that no token can match any more
/// (issued before `cutoff`); returns them with their sequence numbers. Events are appended in
/// time order, so the old ones sit at the start of the table.
pub fn prune(w: &impl Writer, cutoff: i64, limit: usize) -> StoreResult<Vec<(u64, RevokeEvent)>> {
    let mut removed = Vec::new();
    for (key, value) in w.scan_first(REVOCATIONS, limit)? {
        let event: RevokeEvent = serde_json::from_slice(&value)?;
        if event.issued_before < cutoff {
            w.remove(REVOCATIONS, &key)?;
            removed.push((key.parse().unwrap_or(0), event));
        }
    }
    Ok(removed)
}

/// Every stored event with its sequence number, from `first` on.
pub fn load_from(r: &impl Reader, first: u64) -> StoreResult<Vec<(u64, RevokeEvent)>> {
    let end = seq_key(u64::MAX);
    r.scan(REVOCATIONS, Some((&seq_key(first), &end)))?
        .into_iter()
        .map(|(k, v)| Ok((k.parse().unwrap_or(0), serde_json::from_slice(&v)?)))
        .collect()
}

/// Which index an event lives in: the most selective field it names. An event matches a
/// token only if every field it names matches, so a token need only look in the buckets
/// of its own audit ids, user, project and domain.
#[derive(Hash, PartialEq, Eq, Clone)]
enum Key {
    Trust(String),
    Audit(String),
    User(String),
    Project(String),
    Domain(String),
    /// Names nothing: matches every token issued before it.
    Any,
}

fn key_of(e: &RevokeEvent) -> Key {
    if let Some(t) = &e.trust_id {
        Key::Trust(t.clone())
    } else if let Some(a) = &e.audit_id {
        Key::Audit(a.clone())
    } else if let Some(u) = &e.user_id {
        Key::User(u.clone())
    } else if let Some(p) = &e.project_id {
        Key::Project(p.clone())
    } else if let Some(d) = &e.domain_id {
        Key::Domain(d.clone())
    } else {
        Key::Any
    }
}

/// The events in memory, by key. Inserting an event twice or in any order gives the same
/// index, so concurrent writers applying their own events after their commits can never
/// leave an older state in place.
#[derive(Default)]
pub struct RevocationIndex {
    by_key: HashMap<Key, Vec<(u64, RevokeEvent)>>,
    len: usize,
    /// The stored events could not be read: every token counts as revoked (fail closed).
    unreadable: bool,
    /// One past the highest sequence number seen.
    pub next: u64,
}

impl RevocationIndex {
    pub fn with_capacity(events: usize) -> RevocationIndex {
        RevocationIndex {
            by_key: HashMap::with_capacity(events),
            ..Default::default()
        }
    }

    /// Every (sequence number, event), in no order.
    fn entries(&self) -> impl Iterator<Item = &(u64, RevokeEvent)> {
        self.by_key.values().flatten()
    }

    pub fn insert(&mut self, seq: u64, event: RevokeEvent) {
        self.next = self.next.max(seq + 1);
        let bucket = self.by_key.entry(key_of(&event)).or_default();
        if bucket.iter().any(|(s, _)| *s == seq) {
            return;
        }
        bucket.push((seq, event));
        self.len += 1;
    }

    /// Removes event number `seq` (`event` says which bucket it is in).
    pub fn remove(&mut self, seq: u64, event: &RevokeEvent) {
        let key = key_of(event);
        let Some(bucket) = self.by_key.get_mut(&key) else {
            return;
        };
        let before = bucket.len();
        bucket.retain(|(s, _)| *s != seq);
        self.len -= before - bucket.len();
        if bucket.is_empty() {
            self.by_key.remove(&key);
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The events issued before `cutoff`, with their sequence numbers.
    pub fn issued_before(&self, cutoff: i64) -> Vec<(u64, RevokeEvent)> {
        let events = self.by_key.values().flatten();
        events
            .filter(|(_, e)| e.issued_before < cutoff)
            .cloned()
            .collect()
    }

    /// Every event, oldest recorded first (for GET /v3/OS-REVOKE/events).
    pub fn all(&self) -> Vec<RevokeEvent> {
        let mut all: Vec<&(u64, RevokeEvent)> = self.by_key.values().flatten().collect();
        all.sort_unstable_by_key(|(s, _)| *s);
        all.into_iter().map(|(_, e)| e.clone()).collect()
    }

    /// Whether a token with these values matches an event (upstream's revoke_model.matches).
    pub fn is_revoked(&self, token: &TokenFacts) -> bool {
        if self.unreadable {
            return true;
        }
        let bucket = |k: Key| self.by_key.get(&k).into_iter().flatten();
        let user = bucket(Key::User(token.user_id.to_string()));
        let project = token
            .project_id
            .map(|p| bucket(Key::Project(p.to_string())))
            .into_iter()
            .flatten();
        let domain = token
            .domain_id
            .map(|d| bucket(Key::Domain(d.to_string())))
            .into_iter()
            .flatten();
        let audits = token
            .audit_ids
            .iter()
            .flat_map(|a| bucket(Key::Audit(a.clone())));
        let mut candidates = user
            .chain(project)
            .chain(domain)
            .chain(audits)
            .chain(bucket(Key::Any));
        candidates.any(|(_, e)| matches(e, token))
    }
}

/// The index, and whether it has been read from the store yet. Start-up reads the rows, then
/// parses and indexes them on another thread while the server starts; anything that looks at
/// the index waits for that, so no token validates against a partial index.
#[derive(Default)]
pub struct Revocations {
    index: RwLock<RevocationIndex>,
    loaded: Mutex<bool>,
    loaded_signal: Condvar,
}

impl Revocations {
    pub fn wait_loaded(&self) {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        while !*loaded {
            loaded = self
                .loaded_signal
                .wait(loaded)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Installs the index read at start; events writes indexed meanwhile are kept.
    pub fn install(&self, loaded: StoreResult<RevocationIndex>) {
        let mut fresh = loaded.unwrap_or_else(|e| {
            log::error!("revocation events unreadable, every token counts as revoked: {e}");
            RevocationIndex {
                unreadable: true,
                ..Default::default()
            }
        });
        {
            let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
            for (seq, event) in index.entries() {
                fresh.insert(*seq, event.clone());
            }
            *index = fresh;
        }
        *self.loaded.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.loaded_signal.notify_all();
    }

    pub fn read<T>(&self, f: impl FnOnce(&RevocationIndex) -> T) -> T {
        self.wait_loaded();
        f(&self.index.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// For writes indexing their own events: no need to wait for the load (`install` keeps
    /// them).
    pub fn write(&self) -> RwLockWriteGuard<'_, RevocationIndex> {
        self.index.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write_loaded(&self) -> RwLockWriteGuard<'_, RevocationIndex> {
        self.wait_loaded();
        self.write()
    }
}

/// What revocation looks at in a token.
pub struct TokenFacts<'a> {
    pub user_id: &'a str,
    pub project_id: Option<&'a str>,
    pub domain_id: Option<&'a str>,
    pub audit_ids: &'a [String],
    pub issued_at: i64,
}

fn matches(e: &RevokeEvent, t: &TokenFacts) -> bool {
    // A trust's event is listed for services; its tokens die with the trust itself.
    e.trust_id.is_none()
        && t.issued_at <= e.issued_before
        && e.user_id.as_deref().is_none_or(|u| u == t.user_id)
        && e.project_id
            .as_deref()
            .is_none_or(|p| Some(p) == t.project_id)
        && e.domain_id
            .as_deref()
            .is_none_or(|d| Some(d) == t.domain_id)
        && e.audit_id
            .as_deref()
            .is_none_or(|a| t.audit_ids.iter().any(|x| x == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(user: Option<&str>, audit: Option<&str>, before: i64) -> RevokeEvent {
        RevokeEvent {
            user_id: user.map(str::to_string),
            audit_id: audit.map(str::to_string),
            issued_before: before,
            revoked_at: before,
            ..Default::default()
        }
    }

    #[test]
    fn only_matching_events_revoke_and_insert_is_idempotent() {
        let mut index = RevocationIndex::default();
        index.insert(1, event(Some("u1"), None, 100));
        index.insert(0, event(None, Some("a1"), 100));
        index.insert(1, event(Some("u1"), None, 100));
        assert_eq!(index.len(), 2);
        assert_eq!(index.next, 2);
        let audit = ["a2".to_string()];
        let mut token = TokenFacts {
            user_id: "u2",
            project_id: None,
            domain_id: None,
            audit_ids: &audit,
            issued_at: 50,
        };
        assert!(!index.is_revoked(&token));
        token.user_id = "u1";
        assert!(index.is_revoked(&token));
        token.issued_at = 101;
        assert!(!index.is_revoked(&token), "issued after the event");
        token.issued_at = 50;
        index.remove(1, &event(Some("u1"), None, 100));
        assert!(!index.is_revoked(&token));
        let audit = ["a1".to_string()];
        token.audit_ids = &audit;
        assert!(index.is_revoked(&token));
        index.insert(2, event(None, None, 100));
        token.audit_ids = &[];
        assert!(
            index.is_revoked(&token),
            "an event naming nothing matches all"
        );
        assert_eq!(index.all().len(), 2);
    }

    #[test]
    fn old_events_are_pruned_at_start_and_by_later_revoking_writes() {
        let dir = std::env::temp_dir().join(format!("ksl-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.redb");
        let store = crate::store::Store::open(&path).unwrap();
        let at = |user: &str, t: i64| event(Some(user), None, t);
        store
            .revoke(vec![at("old", 100), at("young", 1000)])
            .unwrap();
        drop(store);
        let store = crate::store::Store::open(&path).unwrap();
        assert_eq!(store.with_revocations(RevocationIndex::len), 2);
        // At start, `now` 1500 and a lifetime of 600: the event of 100 can match nothing.
        let pruning = store.keep_revocations_for(600, 1500);
        assert_eq!(pruning.join().unwrap().unwrap(), 1);
        assert_eq!(store.with_revocations(RevocationIndex::len), 1);
        // A later revoking write at 2000 prunes the event of 1000 too.
        store.revoke(vec![at("new", 2000)]).unwrap();
        let left = store.revocations();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].user_id.as_deref(), Some("new"));
        drop(store);
        let store = crate::store::Store::open(&path).unwrap();
        assert_eq!(
            store.revocations().len(),
            1,
            "pruned in the store, not only in memory"
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
