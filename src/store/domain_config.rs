//! Domain-specific configuration (upstream's domain_config subsystem): one record per domain,
//! `{group: {option: value}}` in the order options were first set, sensitive options included
//! (the API layer decides what to show). Deleted with its domain.

use serde_json::{Map, Value};

use super::tables::DOMAIN_CONFIGS;
use super::StoreResult;
use super::{Reader, Writer};

pub type Config = Map<String, Value>;

/// The stored config of a domain; empty if none.
pub fn get(r: &impl Reader, domain_id: &str) -> StoreResult<Config> {
    Ok(r.get::<Config>(DOMAIN_CONFIGS, domain_id)?
        .unwrap_or_default())
}

/// Stores `config` (an empty one removes the record).
pub fn put(w: &impl Writer, domain_id: &str, config: &Config) -> StoreResult<()> {
    if config.is_empty() {
        w.remove(DOMAIN_CONFIGS, domain_id)?;
        Ok(())
    } else {
        w.put(DOMAIN_CONFIGS, domain_id, config)
    }
}

pub fn delete(w: &impl Writer, domain_id: &str) -> StoreResult<()> {
    w.remove(DOMAIN_CONFIGS, domain_id)?;
    Ok(())
}
