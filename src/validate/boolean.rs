//! Upstream's `parameter_types.boolean`: a JSON boolean or one of its string spellings. The
//! schemas' enum admits exactly these values; once a value has passed it, `parse_bool` gives
//! the bool, as oslo's `bool_from_string` (non-strict: any other string is false).

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
