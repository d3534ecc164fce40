//! Revocation events (OS-REVOKE), persisted so a revoked token stays revoked after a restart.

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
        w.put(REVOCATIONS, &format!("{next:020}"), event)?;
        next += 1;
    }
    w.put(META, "revocation-next", &next)
}

/// Whether a token with these values matches an event (upstream's revoke_model.matches).
pub fn is_revoked(
    events: &[RevokeEvent],
    user_id: &str,
    project_id: Option<&str>,
    domain_id: Option<&str>,
    audit_ids: &[String],
    issued_at: i64,
) -> bool {
    events.iter().any(|e| {
        // A trust's event is listed for services; its tokens die with the trust itself.
        e.trust_id.is_none()
            && issued_at <= e.issued_before
            && e.user_id.as_deref().is_none_or(|u| u == user_id)
            && e.project_id
                .as_deref()
                .is_none_or(|p| Some(p) == project_id)
            && e.domain_id.as_deref().is_none_or(|d| Some(d) == domain_id)
            && e.audit_id
                .as_deref()
                .is_none_or(|a| audit_ids.iter().any(|t| t == a))
    })
}
