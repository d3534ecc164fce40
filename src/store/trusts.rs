//! OS-TRUST trusts. A trust past its expiry or out of uses is gone for every reader, as in
//! upstream's backend; deleting one deletes the trusts redelegated from it.

use super::error::{Kind, StoreError, StoreResult};
use super::tables::TRUSTS;
use super::{Reader, Writer};
use crate::model::Trust;

/// The trust if it exists and is usable at `now_us` (Unix microseconds).
pub fn get_live(r: &impl Reader, id: &str, now_us: i64) -> StoreResult<Option<Trust>> {
    Ok(r.get::<Trust>(TRUSTS, id)?.filter(|t| is_live(t, now_us)))
}

/// Upstream's `get_trust`: 404 "Could not find trust" for a missing, expired or used-up trust.
pub fn require_live(r: &impl Reader, id: &str, now_us: i64) -> StoreResult<Trust> {
    get_live(r, id, now_us)?.ok_or_else(|| StoreError::not_found(Kind::Trust, id))
}

pub fn is_live(t: &Trust, now_us: i64) -> bool {
    t.expires_at.is_none_or(|e| now_us <= e) && t.remaining_uses.is_none_or(|u| u > 0)
}

/// Every stored trust (expired ones included, as upstream lists them).
pub fn list(r: &impl Reader) -> StoreResult<Vec<Trust>> {
    r.list(TRUSTS)
}

pub fn put(w: &impl Writer, trust: &Trust) -> StoreResult<()> {
    w.put(TRUSTS, &trust.id, trust)
}

/// The chain from `trust` back to the original trust (`trust` first).
pub fn pedigree(r: &impl Reader, trust: &Trust) -> StoreResult<Vec<Trust>> {
    let mut chain = vec![trust.clone()];
    let mut next = trust.redelegated_trust_id.clone();
    while let Some(id) = next {
        // A loop cannot be built through the API; stop on one anyway.
        if chain.iter().any(|t| t.id == id) {
            break;
        }
        match r.get::<Trust>(TRUSTS, &id)? {
            Some(t) => {
                next = t.redelegated_trust_id.clone();
                chain.push(t);
            }
            None => break,
        }
    }
    Ok(chain)
}

/// Deletes a trust and, recursively, the trusts redelegated from it; returns the deleted ids.
pub fn delete(w: &impl Writer, id: &str) -> StoreResult<Vec<String>> {
    let mut deleted = Vec::new();
    let mut pending = vec![id.to_string()];
    while let Some(id) = pending.pop() {
        if w.remove(TRUSTS, &id)? {
            deleted.push(id.clone());
        }
        for t in list(w)? {
            if t.redelegated_trust_id.as_deref() == Some(id.as_str()) {
                pending.push(t.id);
            }
        }
    }
    Ok(deleted)
}

/// Takes one use of a limited trust; 404 as upstream when none is left.
pub fn consume_use(w: &impl Writer, id: &str, now_us: i64) -> StoreResult<()> {
    let mut trust = require_live(w, id, now_us)?;
    if let Some(uses) = trust.remaining_uses {
        trust.remaining_uses = Some(uses - 1);
        put(w, &trust)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(expires_at: Option<i64>, remaining_uses: Option<i64>) -> Trust {
        Trust {
            id: "t".into(),
            trustor_user_id: "a".into(),
            trustee_user_id: "b".into(),
            project_id: Some("p".into()),
            impersonation: false,
            expires_at,
            remaining_uses,
            redelegated_trust_id: None,
            redelegation_count: 0,
            role_ids: vec!["r".into()],
            extra: Default::default(),
        }
    }

    #[test]
    fn liveness_follows_expiry_and_uses() {
        assert!(is_live(&trust(None, None), 10));
        assert!(is_live(&trust(Some(10), None), 10));
        assert!(!is_live(&trust(Some(9), None), 10));
        assert!(is_live(&trust(None, Some(1)), 10));
        assert!(!is_live(&trust(None, Some(0)), 10));
    }
}
