//! Revocation events (OS-REVOKE), persisted so a revoked token stays revoked after a restart,
//! and held in memory indexed by what they name, so a validation looks only at the events
//! that could match its token. Events older than any token that could still validate are
//! pruned, as upstream's revoke driver prunes expired events.

use std::collections::HashMap;

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
pub fn prune(
    w: &impl Writer,
    cutoff: i64,
    limit: usize,
) -> StoreResult<Vec<(u64, RevokeEvent)>> {
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

/// The events in memory, by sequence number and by key. Inserting an event twice or in any
/// order gives the same index, so concurrent writers applying their own events after their
/// commits can never leave an older state in place.
#[derive(Default)]
pub struct RevocationIndex {
    by_key: HashMap<Key, Vec<(u64, RevokeEvent)>>,
    seqs: HashMap<u64, Key>,
    /// One past the highest sequence number seen.
    pub next: u64,
}

impl RevocationIndex {
    pub fn insert(&mut self, seq: u64, event: RevokeEvent) {
        self.next = self.next.max(seq + 1);
        if self.seqs.contains_key(&seq) {
            return;
        }
        let key = key_of(&event);
        self.seqs.insert(seq, key.clone());
        self.by_key.entry(key).or_default().push((seq, event));
    }

    pub fn remove(&mut self, seq: u64) {
        let Some(key) = self.seqs.remove(&seq) else {
            return;
        };
        if let Some(bucket) = self.by_key.get_mut(&key) {
            bucket.retain(|(s, _)| *s != seq);
            if bucket.is_empty() {
                self.by_key.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// The sequence numbers of the events issued before `cutoff`.
    pub fn issued_before(&self, cutoff: i64) -> Vec<u64> {
        let events = self.by_key.values().flatten();
        events
            .filter(|(_, e)| e.issued_before < cutoff)
            .map(|(s, _)| *s)
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
        index.remove(1);
        assert!(!index.is_revoked(&token));
        let audit = ["a1".to_string()];
        token.audit_ids = &audit;
        assert!(index.is_revoked(&token));
        index.insert(2, event(None, None, 100));
        token.audit_ids = &[];
        assert!(index.is_revoked(&token), "an event naming nothing matches all");
        assert_eq!(index.all().len(), 2);
    }
}
