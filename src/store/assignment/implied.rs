//! Implied roles: the (prior, implied) rules, and a role list with all it implies.

use crate::store::error::StoreResult;
use crate::store::tables::{key2, IMPLIED_ROLES};
use crate::store::{Reader, Writer};

pub fn add_implied(w: &impl Writer, prior: &str, implied: &str) -> StoreResult<()> {
    w.put_bytes(IMPLIED_ROLES, &key2(prior, implied), b"")
}

pub fn remove_implied(w: &impl Writer, prior: &str, implied: &str) -> StoreResult<bool> {
    w.remove(IMPLIED_ROLES, &key2(prior, implied))
}

pub fn implied_by(r: &impl Reader, prior: &str) -> StoreResult<Vec<String>> {
    r.suffixes(IMPLIED_ROLES, prior)
}

/// Every (prior, implied) rule.
pub fn list_implied(r: &impl Reader) -> StoreResult<Vec<(String, String)>> {
    Ok(r.scan(IMPLIED_ROLES, None)?
        .into_iter()
        .filter_map(|(k, _)| {
            k.split_once(crate::store::tables::SEP)
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect())
}

/// Adds every role implied (transitively) by the given ones.
pub fn expand_implied(r: &impl Reader, mut roles: Vec<String>) -> StoreResult<Vec<String>> {
    let mut i = 0;
    while i < roles.len() {
        for implied in implied_by(r, &roles[i])? {
            if !roles.contains(&implied) {
                roles.push(implied);
            }
        }
        i += 1;
    }
    Ok(roles)
}
