//! Upstream's `parameter_types.boolean`: a JSON boolean or one of its string spellings. The
//! schemas' enum admits exactly these values; once a value has passed it, `parse_bool` gives
//! the bool, as oslo's `bool_from_string` (non-strict: any other string is false).
//! A query string's boolean filter is read the other way round (`query_is_true`): anything
//! but a false spelling is true.

use serde_json::Value;

/// The strings upstream reads as true.
const TRUE_STRINGS: &[&str] = &["True", "TRUE", "true", "1", "y", "Y", "on", "ON", "yes"];

/// A boolean parameter as a bool: None for a value that is neither a bool nor a string.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(TRUE_STRINGS.contains(&s.as_str())),
        _ => None,
    }
}

/// A boolean query filter (`?enabled=...`): false only for the false spellings, any case.
pub fn query_is_true(v: &str) -> bool {
    !matches!(
        v.to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}
