//! Upstream's mapping engine (keystone/federation/utils.py RuleProcessor) and mapping validation.
//!
//! Pure: no store, no HTTP. `validate` is upstream's `validate_mapping_structure`, `process` its
//! `RuleProcessor(...).process` for the schema version's processor (1.0 `RuleProcessor`, 2.0
//! `RuleProcessorToHonorDomainOption`, 3.0 `RuleProcessorForProjectJsonAttribute`), and
//! `filter_assertion` its `get_assertion_params_from_env`.
//!
//! Known differences from upstream: sets (`group_ids`, whitelist and blacklist matches) keep
//! first-seen order where Python's order follows string hashes (random per process);
//! `re.search` runs on fancy-regex (same meaning for the common syntax, `\Z` translated; a
//! POSIX class `[[:alpha:]]` is a class there but a character set in Python; an invalid pattern is a 500 in both, with the regex crate's wording); `ast.literal_eval` is
//! parsed for strings, numbers, True/False/None, lists and dicts only (a tuple inside a list
//! is not); `str.format` handles `{N}`, `{}`, `{N[i]}`, `!s`/`!r` and `{{ }}` (a format spec such
//! as `{0:>5}` is a 500 here, formatted upstream); Python's `repr` escapes of non-printable
//! non-ASCII characters (e.g. U+00A0 as `\xa0`) are not reproduced (crate::pyrepr).

mod engine;
mod python;
pub mod schema;
mod types;

use serde_json::Value;

pub use engine::truthy;
pub use python::dumps_indent2;
pub use types::{DomainRef, GroupName, MappedProject, MappedProperties, MappedUser, UserType};

/// The schema version upstream uses when a mapping names none
/// (`[federation] attribute_mapping_default_schema_version`).
pub const DEFAULT_SCHEMA_VERSION: &str = "1.0";

/// Upstream's "nothing mapped" message (ValidationError, 400).
pub const NO_MATCH_MESSAGE: &str = "Could not map any federated user properties to identity \
     values. Check debug logs or the mapping used for additional details.";

/// Why validating or applying a mapping failed, by the exception upstream raises.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingError {
    /// keystone.exception.ValidationError (400) with this message: the mapping's structure
    /// (every schema message, sorted, each ending "\n"), a `groups` without `domain`, an
    /// unsupported user type, an invalid `projects_json`.
    Invalid(String),
    /// ValidationError (400): no rule applied ([`NO_MATCH_MESSAGE`]).
    NoMatch,
    /// keystone.exception.DirectMappingError (500): a `{N}` beyond the rule's remote matches.
    DirectMapping,
    /// keystone.exception.SchemaValidationError (400): a 3.0 `projects_json` not `{N}`.
    SchemaValidation(String),
    /// A schema version upstream does not know, as given (its lookup raises KeyError: a 500).
    UnknownSchemaVersion(Value),
    /// Any other Python exception upstream would let escape (a 500): its class and message.
    Python {
        class: &'static str,
        message: String,
    },
}

impl MappingError {
    /// The HTTP status upstream answers with.
    pub fn status(&self) -> u16 {
        match self {
            MappingError::Invalid(_)
            | MappingError::NoMatch
            | MappingError::SchemaValidation(_) => 400,
            _ => 500,
        }
    }

    /// The message upstream's exception carries (`str(exc)`).
    pub fn message(&self) -> String {
        match self {
            MappingError::Invalid(m) | MappingError::SchemaValidation(m) => m.clone(),
            MappingError::NoMatch => NO_MATCH_MESSAGE.into(),
            MappingError::DirectMapping => {
                "An unexpected error prevented the server from fulfilling your request.".into()
            }
            MappingError::UnknownSchemaVersion(v) => crate::pyrepr::py_repr(v),
            MappingError::Python { message, .. } => message.clone(),
        }
    }

    /// The exception's qualified class name, as a traceback names it.
    pub fn class(&self) -> &'static str {
        match self {
            MappingError::Invalid(_) | MappingError::NoMatch => {
                "keystone.exception.ValidationError"
            }
            MappingError::DirectMapping => "keystone.exception.DirectMappingError",
            MappingError::SchemaValidation(_) => "keystone.exception.SchemaValidationError",
            MappingError::UnknownSchemaVersion(_) => "KeyError",
            MappingError::Python { class, .. } => class,
        }
    }
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.class(), self.message())
    }
}

impl std::error::Error for MappingError {}

/// The processors upstream has, by schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    fn parse(version: &str) -> Result<Version, MappingError> {
        match version {
            "1.0" => Ok(Version::V1),
            "2.0" => Ok(Version::V2),
            "3.0" => Ok(Version::V3),
            other => Err(MappingError::UnknownSchemaVersion(Value::String(
                other.into(),
            ))),
        }
    }
}

/// Upstream's `validate_mapping_structure`: `mapping` is `{"rules": [...], ...}` checked against
/// the schema of `schema_version` (the caller picks the mapping's own `schema_version`, or the
/// configured default, as upstream's `ref.get('schema_version', default)`).
pub fn validate(mapping: &Value, schema_version: &str) -> Result<(), MappingError> {
    let schema = schema::mapping_schema(schema_version)
        .ok_or_else(|| MappingError::UnknownSchemaVersion(Value::String(schema_version.into())))?;
    let errors = schema::error_text(&schema, mapping);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(MappingError::Invalid(errors))
    }
}

/// The schema version a mapping is validated and processed with, as the OS-FEDERATION API and
/// keystone-manage pick it: the mapping's own `schema_version`, or `default` when that is
/// absent or falsy (upstream's `if not mapping.get('schema_version')`); a value that names no
/// schema (a number, "4.0") is the KeyError upstream's lookup raises.
pub fn effective_schema_version(mapping: &Value, default: &str) -> Result<String, MappingError> {
    let version = match mapping.get("schema_version") {
        Some(v) if engine::truthy(Some(v)) => v,
        _ => return Ok(default.into()),
    };
    if version.is_array() || version.is_object() {
        let kind = if version.is_array() { "list" } else { "dict" };
        return Err(MappingError::Python {
            class: "TypeError",
            message: format!("unhashable type: '{kind}'"),
        });
    }
    match version.as_str() {
        Some(v) if schema::mapping_schema(v).is_some() => Ok(v.into()),
        _ => Err(MappingError::UnknownSchemaVersion(version.clone())),
    }
}

/// Applies `rules` (the mapping's `rules` list) to the assertion, the (name, value) pairs of
/// the environment (already filtered by [`filter_assertion`]); a later pair with the same name
/// replaces an earlier one, as in the dict upstream builds.
pub fn process(
    rules: &Value,
    schema_version: &str,
    assertion: &[(String, String)],
) -> Result<MappedProperties, MappingError> {
    process_logged(rules, schema_version, assertion).map(|(mapped, _)| mapped)
}

/// [`process`], also handing back the users upstream logs as "Ignoring user [...]".
pub fn process_logged(
    rules: &Value,
    schema_version: &str,
    assertion: &[(String, String)],
) -> Result<(MappedProperties, Vec<Value>), MappingError> {
    let version = Version::parse(schema_version)?;
    let mut split: engine::Assertion = Vec::new();
    for (name, value) in assertion {
        let values = value.split(';').map(str::to_string).collect();
        match split.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = values,
            None => split.push((name.clone(), values)),
        }
    }
    let (raw, ignored) = engine::Processor { version }.process(rules, &split)?;
    Ok((MappedProperties::from_raw(raw), ignored))
}

/// Upstream's `get_assertion_params_from_env`: the pairs whose name starts with `prefix` (all
/// when it is empty), a value that is UTF-8 mis-decoded as Latin-1 (as mod_wsgi hands
/// non-ASCII header values over) decoded back to what the IdP sent.
pub fn filter_assertion(env: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    env.iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, value)| (name.clone(), latin1_to_utf8(value)))
        .collect()
}

/// `v.encode('ISO-8859-1').decode('utf-8')`, or `v` when either step fails.
fn latin1_to_utf8(value: &str) -> String {
    let bytes: Option<Vec<u8>> = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    bytes
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests;
