//! Typed inputs: a body member read into a struct once its schema has passed.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::ValidationError;

/// A field that may be absent (None), null (Some(None)) or set (Some(Some(v))).
pub type Nullable<T> = Option<Option<T>>;

/// `#[serde(default, deserialize_with = "nullable")]` for a `Nullable` field: serde alone
/// reads null as absent.
pub fn nullable<'de, D, T>(d: D) -> std::result::Result<Nullable<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A validated member as `T`. The schema has already fixed every field's type, so this only
/// fails if a struct and its schema disagree; that is answered as a 400 naming the field.
pub fn typed<T: DeserializeOwned>(member: &Map<String, Value>) -> Result<T, ValidationError> {
    T::deserialize(Value::Object(member.clone()))
        .map_err(|e| ValidationError::new(format!("Invalid input: {e}")))
}
