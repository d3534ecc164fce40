//! OS-OAUTH1 consumers, as upstream's oauth1 SQL backend keeps them: id, description, secret
//! (made by the server, shown once, at creation) and extra attributes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{Constraint, Kind, StoreError, StoreResult};

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
fn consumer_not_found(id: &str) -> StoreError {
    StoreError::not_found(Kind::Consumer, id)
}

pub fn get_consumer(r: &impl Reader, id: &str) -> StoreResult<Consumer> {
    r.get(OAUTH1_CONSUMERS, id)?
        .ok_or_else(|| consumer_not_found(id))
}

pub fn list_consumers(r: &impl Reader) -> StoreResult<Vec<Consumer>> {
    r.list(OAUTH1_CONSUMERS)
}

pub fn create_consumer(w: &impl Writer, c: &Consumer) -> StoreResult<()> {
    if w.exists(OAUTH1_CONSUMERS, &c.id)? {
        return Err(StoreError::duplicate_id(Kind::Consumer, &c.id));
    }
    w.put(OAUTH1_CONSUMERS, &c.id, c)
}

/// Merges `changes` (description and extras) into the consumer.
pub fn update_consumer(
    w: &impl Writer,
    id: &str,
    changes: &Map<String, Value>,
) -> StoreResult<Consumer> {
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

/// Deletes the consumer with its request and access tokens (upstream's cascade), so every
/// token issued through them stops validating.
pub fn delete_consumer(w: &impl Writer, id: &str) -> StoreResult<()> {
    get_consumer(w, id)?;
    let requests: Vec<RequestToken> = w.list(OAUTH1_REQUEST_TOKENS)?;
    for t in requests.iter().filter(|t| t.consumer_id == id) {
        w.remove(OAUTH1_REQUEST_TOKENS, &t.id)?;
    }
    let accesses: Vec<AccessToken> = w.list(OAUTH1_ACCESS_TOKENS)?;
    for t in accesses.iter().filter(|t| t.consumer_id == id) {
        w.remove(OAUTH1_ACCESS_TOKENS, &t.id)?;
    }
    w.remove(OAUTH1_CONSUMERS, id)?;
    Ok(())
}

/// A request token (upstream's `request_token` row). `expires_at` is the isotime string
/// upstream stores (None when `request_token_duration` is 0).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestToken {
    pub id: String,
    pub request_secret: String,
    pub verifier: Option<String>,
    pub authorizing_user_id: Option<String>,
    pub requested_project_id: String,
    /// The authorized role ids, in the order upstream's `list(set)` stored them.
    pub role_ids: Option<Vec<String>>,
    pub consumer_id: String,
    pub expires_at: Option<String>,
}

/// An access token (upstream's `access_token` row).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessToken {
    pub id: String,
    pub access_secret: String,
    pub authorizing_user_id: String,
    pub project_id: String,
    pub role_ids: Vec<String>,
    pub consumer_id: String,
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for RequestToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestToken")
            .field("id", &self.id)
            .field("consumer_id", &self.consumer_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("id", &self.id)
            .field("consumer_id", &self.consumer_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

pub fn put_request_token(w: &impl Writer, t: &RequestToken) -> StoreResult<()> {
    w.put(OAUTH1_REQUEST_TOKENS, &t.id, t)
}

/// Upstream's 404 "Request token not found".
pub fn get_request_token(r: &impl Reader, id: &str) -> StoreResult<RequestToken> {
    r.get(OAUTH1_REQUEST_TOKENS, id)?
        .ok_or_else(|| StoreError::not_found(Kind::RequestToken, id))
}

/// Upstream's 404 "Access token not found".
pub fn get_access_token(r: &impl Reader, id: &str) -> StoreResult<AccessToken> {
    find_access_token(r, id)?.ok_or_else(|| StoreError::not_found(Kind::AccessToken, id))
}

pub fn find_access_token(r: &impl Reader, id: &str) -> StoreResult<Option<AccessToken>> {
    r.get(OAUTH1_ACCESS_TOKENS, id)
}

/// `create_access_token`: the request token is consumed (deleted) as the access token is made.
pub fn exchange_request_token(
    w: &impl Writer,
    request_id: &str,
    at: &AccessToken,
) -> StoreResult<()> {
    get_request_token(w, request_id)?;
    w.remove(OAUTH1_REQUEST_TOKENS, request_id)?;
    w.put(OAUTH1_ACCESS_TOKENS, &at.id, at)
}

pub fn list_access_tokens(r: &impl Reader, user_id: &str) -> StoreResult<Vec<AccessToken>> {
    let all: Vec<AccessToken> = r.list(OAUTH1_ACCESS_TOKENS)?;
    Ok(all
        .into_iter()
        .filter(|t| t.authorizing_user_id == user_id)
        .collect())
}

/// `delete_access_token`: 404 if missing, 401 "User IDs do not match" for another user's.
pub fn delete_access_token(w: &impl Writer, user_id: &str, id: &str) -> StoreResult<AccessToken> {
    let t = get_access_token(w, id)?;
    if t.authorizing_user_id != user_id {
        log::warn!("Authorization failed. User IDs do not match");
        return Err(StoreError::Constraint(Constraint::AccessTokenOfAnotherUser));
    }
    w.remove(OAUTH1_ACCESS_TOKENS, id)?;
    Ok(t)
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
        let err = store.write(|w| create_consumer(w, &c)).unwrap_err();
        assert_eq!(crate::error::Error::from(err).code(), 409);
        assert!(!format!("{c:?}").contains("SECRET"));
        let changes = json!({"description": "d", "x": 1, "secret": "no"});
        let u = store
            .write(|w| update_consumer(w, "c1", changes.as_object().unwrap()))
            .unwrap();
        assert_eq!(u.description.as_deref(), Some("d"));
        assert_eq!(u.secret, "SECRET");
        assert_eq!(u.extra.get("x"), Some(&json!(1)));
        assert_eq!(store.read(list_consumers).unwrap().len(), 1);
        store.write(|w| delete_consumer(w, "c1")).unwrap();
        let err = store.read(|r| get_consumer(r, "c1")).unwrap_err();
        assert_eq!(
            crate::error::Error::from(err).message(),
            "Consumer not found"
        );
        let err = store.write(|w| delete_consumer(w, "c1")).unwrap_err();
        assert_eq!(crate::error::Error::from(err).code(), 404);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
