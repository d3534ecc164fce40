//! The one request validator: upstream's JSON schemas kept as data (`schemas/*.json`, parsed
//! once at start into `Schemas`, held by `App`), checked by one implementation of the keywords
//! they use (`keywords.rs`), and reported in whichever of upstream's two wordings the area
//! uses (`message.rs`): `Schema::validate` for the flask API's decorators, `lazy_validate`
//! for the older `validation.lazy_validate` calls.

mod boolean;
mod error;
pub mod fields;
mod input;
mod keywords;
pub mod message;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use fancy_regex::Regex;
use serde_json::{Map, Value};

pub use error::ValidationError;

/// What the validator's checks return.
type Result<T> = std::result::Result<T, ValidationError>;

pub use boolean::{parse_bool, query_is_true};
pub use input::{nullable, typed, Nullable};
pub use keywords::{is_uuid_like, Failure, Step};
pub use message::{api_wording, lazy_wording, pformat};

/// The compiled `pattern`s of one schema, by pattern text.
type Patterns = HashMap<String, Regex>;

/// One request schema, its patterns compiled.
pub struct Schema {
    root: Value,
    patterns: Patterns,
}

impl Schema {
    /// Checks the schema's own keywords (an unknown one would silently pass) and compiles its
    /// patterns.
    pub fn new(root: Value) -> std::result::Result<Schema, String> {
        let mut patterns = Patterns::new();
        prepare(&root, &mut patterns)?;
        Ok(Schema { root, patterns })
    }

    /// The first failure of `instance`, or None.
    pub fn first_error<'s, 'i>(&'s self, instance: &'i Value) -> Option<Failure<'s, 'i>> {
        keywords::first_error(&self.patterns, &self.root, instance)
    }

    /// keystone/api/validation: 400 worded "Invalid input for field/attribute ...".
    pub fn validate(&self, instance: &Value) -> Result<()> {
        match self.first_error(instance) {
            None => Ok(()),
            Some(f) => Err(ValidationError::new(api_wording(&f))),
        }
    }

    /// keystone/common/validation `lazy_validate`: 400 with jsonschema's whole `str(error)`.
    pub fn lazy_validate(&self, instance: &Value) -> Result<()> {
        match self.first_error(instance) {
            None => Ok(()),
            Some(f) => Err(ValidationError::new(lazy_wording(&f))),
        }
    }

    /// Validates a body (api wording), then hands back its `{"<key>": {...}}` member (empty
    /// when the schema lets it be absent).
    pub fn member(&self, body: &Value, key: &str) -> Result<Map<String, Value>> {
        self.validate(body)?;
        Ok(body
            .get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default())
    }

    /// Validates a body (api wording), then hands back its `{"<key>": {...}}` member; a body
    /// the schema let through without one (not an object) answers as a missing member.
    pub fn required_member(&self, body: &Value, key: &str) -> Result<Map<String, Value>> {
        self.validate(body)?;
        match body.get(key) {
            Some(Value::Object(map)) => Ok(map.clone()),
            _ => Err(ValidationError::new(format!(
                "'{key}' is a required property"
            ))),
        }
    }
}

/// Walks a schema: every keyword known, every type named, every pattern compiled.
fn prepare(schema: &Value, patterns: &mut Patterns) -> std::result::Result<(), String> {
    let Value::Object(keywords) = schema else {
        return Err(format!("not a schema: {schema}"));
    };
    for (keyword, arg) in keywords {
        let known = keywords::KEYWORDS.contains(&keyword.as_str())
            || keywords::ANNOTATIONS.contains(&keyword.as_str());
        if !known {
            return Err(format!("unsupported keyword {keyword:?}"));
        }
        match (keyword.as_str(), arg) {
            ("properties", Value::Object(props)) => {
                for sub in props.values() {
                    prepare(sub, patterns)?;
                }
            }
            ("items" | "not", sub) => prepare(sub, patterns)?,
            ("oneOf", Value::Array(subs)) => {
                for sub in subs {
                    prepare(sub, patterns)?;
                }
            }
            ("type", t) => check_type_names(t)?,
            ("pattern", Value::String(p)) => {
                let re = Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}"))?;
                patterns.insert(p.clone(), re);
            }
            ("pattern" | "properties" | "oneOf", other) => {
                return Err(format!("{keyword} must not be {other}"))
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_type_names(t: &Value) -> std::result::Result<(), String> {
    let names: Vec<&Value> = match t {
        Value::Array(ts) => ts.iter().collect(),
        other => vec![other],
    };
    for name in names {
        if !name.as_str().is_some_and(|n| keywords::TYPES.contains(&n)) {
            return Err(format!("unknown type {name}"));
        }
    }
    Ok(())
}

/// The schema files, one per upstream area; each maps a schema's name to the schema.
const FILES: &[(&str, &str)] = &[
    ("catalog.json", include_str!("schemas/catalog.json")),
    ("policies.json", include_str!("schemas/policies.json")),
    ("resource.json", include_str!("schemas/resource.json")),
    ("limits.json", include_str!("schemas/limits.json")),
    ("credentials.json", include_str!("schemas/credentials.json")),
    ("oauth1.json", include_str!("schemas/oauth1.json")),
    ("identity.json", include_str!("schemas/identity.json")),
    ("federation.json", include_str!("schemas/federation.json")),
];

/// The schema files parsed, by schema name; `take` hands each out once.
struct Library(HashMap<String, Value>);

impl Library {
    fn parse() -> std::result::Result<Library, String> {
        let mut all = HashMap::new();
        for (file, text) in FILES {
            let parsed: Map<String, Value> =
                serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))?;
            for (name, schema) in parsed {
                if all.insert(name.clone(), schema).is_some() {
                    return Err(format!("{file}: schema {name} defined twice"));
                }
            }
        }
        Ok(Library(all))
    }

    fn take(&mut self, name: &str) -> std::result::Result<Schema, String> {
        let value = self
            .0
            .remove(name)
            .ok_or_else(|| format!("no schema named {name}"))?;
        Schema::new(value).map_err(|e| format!("schema {name}: {e}"))
    }
}

/// Declares `Schemas` with one field per schema name and its loader, which refuses a file
/// holding a schema no field takes (a misspelt name would otherwise go unnoticed).
macro_rules! schemas {
    ($($name:ident),* $(,)?) => {
        /// Every request schema, parsed once at start.
        pub struct Schemas {
            $(pub $name: Schema,)*
        }

        impl Schemas {
            pub fn load() -> std::result::Result<Schemas, String> {
                let mut library = Library::parse()?;
                let schemas = Schemas { $($name: library.take(stringify!($name))?,)* };
                match library.0.keys().next() {
                    Some(unused) => Err(format!("schema {unused} is not used")),
                    None => Ok(schemas),
                }
            }
        }
    };
}

schemas!(
    // catalog.json: keystone/catalog/schema.py
    region_create,
    region_update,
    regions_query,
    service_create,
    service_update,
    endpoint_create,
    endpoint_update,
    endpoints_query,
    endpoint_group_create,
    endpoint_group_update,
    endpoint_groups_query,
    // policies.json: keystone/policy/schema.py
    policy_create,
    policy_update,
    // resource.json: keystone/resource/schema.py
    domain_create,
    domain_update,
    project_create,
    project_update,
    project_tag,
    project_tags,
    project_tags_put,
    // limits.json: keystone/limit/schema.py
    registered_limits_create,
    registered_limit_update,
    limits_create,
    limit_update,
    // credentials.json: keystone/credential/schema.py
    credential_create,
    credential_create_ec2,
    credential_update,
    // oauth1.json: keystone/oauth1/schema.py
    consumer_create,
    consumer_update,
    // identity.json: the bodies of roles, groups and users, in the order of the checks these
    // areas have always made (members first, then each field); user options and the
    // password's configured length are checked after them in users/body.rs.
    role_create,
    role_update,
    group_create,
    group_update,
    user_create,
    user_update,
    // federation.json: keystone/federation/schema.py (the whole request body)
    identity_provider_create,
    identity_provider_update,
    protocol_create,
    protocol_update,
    service_provider_create,
    service_provider_update,
    identity_providers_query,
    service_providers_query,
);

/// The query string as upstream's query schemas see it: each name with its first value.
pub fn query_object(query: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in query {
        if !map.contains_key(k) {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Value::Object(map)
}

/// Upstream's `_normalize_dict`: `:` and `-` in attribute names become `_`.
pub fn normalize_keys(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| (k.replace([':', '-'], "_"), v.clone()))
        .collect()
}
