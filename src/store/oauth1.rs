//! OS-OAUTH1 consumers, as upstream's oauth1 SQL backend keeps them: id, description, secret
//! (made by the server, shown once, at creation) and extra attributes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

use super::tables::{OAUTH1_ACCESS_TOKENS, OAUTH1_CONSUMERS, OAUTH1_REQUEST_TOKENS};
use super::{Reader, Writer};

#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Consumer {
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    pub secret: String,
    #[serde(default)]
    pub extra: Map<String, Value>,
}

// The secret never reaches a log line through Debug.
impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("id", &self.id)
            .field("description", &self.description)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Upstream's 404 for a consumer: "Consumer not found".
fn consumer_not_found() -> Error {
    Error::NotFound("Consumer not found".to_string())
}

pub fn get_consumer(r: &impl Reader, id: &str) -> Result<Consumer> {
    r.get(OAUTH1_CONSUMERS, id)?.ok_or_else(consumer_not_found)
}

pub fn list_consumers(r: &impl Reader) -> Result<Vec<Consumer>> {
    r.list(OAUTH1_CONSUMERS)
}

pub fn create_consumer(w: &impl Writer, c: &Consumer) -> Result<()> {
    if w.exists(OAUTH1_CONSUMERS, &c.id)? {
        return Err(Error::duplicate(
            "consumer",
            &format!("Duplicate entry found with ID {}", c.id),
        ));
    }
    w.put(OAUTH1_CONSUMERS, &c.id, c)
}

/// Merges `changes` (description and extras) into the consumer.
pub fn update_consumer(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> Result<Consumer> {
    let mut c = get_consumer(w, id)?;
    for (k, v) in changes {
        match k.as_str() {
            "id" | "secret" | "links" => {}
            "description" => c.description = v.as_str().map(str::to_string),
            _ => {
                c.extra.insert(k.clone(), v.clone());
            }
        }
    }
    w.put(OAUTH1_CONSUMERS, id, &c)?;
    Ok(c)
}

/// Deletes the consumer with its request and access tokens (keyed consumer_id SEP token_id).
pub fn delete_consumer(w: &impl Writer, id: &str) -> Result<()> {
    get_consumer(w, id)?;
    w.remove_prefix(OAUTH1_REQUEST_TOKENS, id)?;
    w.remove_prefix(OAUTH1_ACCESS_TOKENS, id)?;
    w.remove(OAUTH1_CONSUMERS, id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn consumer_crud() {
        let dir = std::env::temp_dir().join(format!(
            "ksl-oauth1-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("s.redb")).unwrap();
        let c = Consumer {
            id: "c1".into(),
            description: None,
            secret: "SECRET".into(),
            extra: Map::new(),
        };
        store.write(|w| create_consumer(w, &c)).unwrap();
        assert_eq!(
            store.write(|w| create_consumer(w, &c)).unwrap_err().code(),
            409
        );
        assert!(!format!("{c:?}").contains("SECRET"));
        let changes = json!({"description": "d", "x": 1, "secret": "no"});
        let u = store
            .write(|w| update_consumer(w, "c1", changes.as_object().unwrap()))
            .unwrap();
        assert_eq!(u.description.as_deref(), Some("d"));
        assert_eq!(u.secret, "SECRET");
        assert_eq!(u.extra.get("x"), Some(&json!(1)));
        assert_eq!(store.read(|r| list_consumers(r)).unwrap().len(), 1);
        store.write(|w| delete_consumer(w, "c1")).unwrap();
        let err = store.read(|r| get_consumer(r, "c1")).unwrap_err();
        assert_eq!(err.message(), "Consumer not found");
        assert_eq!(
            store
                .write(|w| delete_consumer(w, "c1"))
                .unwrap_err()
                .code(),
            404
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
