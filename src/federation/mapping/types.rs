//! The engine's result, typed for the code that provisions users, groups and projects, and
//! serialized exactly as upstream's dict (key order included: it is kept as produced).

use serde::{Serialize, Serializer};
use serde_json::Value;

/// A domain reference from a mapping: `{"id": ...}` and/or `{"name": ...}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl DomainRef {
    fn from_value(v: &Value) -> Option<DomainRef> {
        let object = v.as_object()?;
        let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_string);
        Some(DomainRef {
            id: text("id"),
            name: text("name"),
        })
    }
}

/// `user.type`: an ephemeral (shadow) user, or an existing local one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Ephemeral,
    Local,
}

/// The mapped user; every field as the mapping produced it (absent when the mapping had none).
#[derive(Debug, Clone, PartialEq)]
pub struct MappedUser {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// 2.0 and 3.0 fill it from the mapping's `domain` (which may be absent: None).
    pub domain: Option<DomainRef>,
    pub user_type: UserType,
}

/// A group by name: `groups` entries and `group {name, domain}`. A `JSON:` entry may carry
/// other keys; `name`/`domain` are None when it lacks them or they are not of the usual shape.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupName {
    pub name: Option<String>,
    pub domain: Option<DomainRef>,
}

/// A project to provision (2.0+) with the roles to grant on it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedProject {
    pub name: String,
    pub roles: Vec<String>,
    pub domain: Option<DomainRef>,
}

/// What a mapping made of an assertion: upstream's `{user, group_ids, group_names, projects}`.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedProperties {
    pub user: MappedUser,
    /// Group ids as upstream keeps them: strings, or other literals a `group_ids` list held.
    pub group_ids: Vec<Value>,
    pub group_names: Vec<GroupName>,
    pub projects: Vec<MappedProject>,
    /// Upstream's dict as the engine built it, for serialization in upstream's key order.
    raw: Value,
}

impl MappedProperties {
    pub(super) fn from_raw(raw: Value) -> MappedProperties {
        let user = &raw["user"];
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let user = MappedUser {
            id: text(user, "id"),
            name: text(user, "name"),
            email: text(user, "email"),
            domain: user.get("domain").and_then(DomainRef::from_value),
            user_type: if user.get("type").and_then(Value::as_str) == Some("local") {
                UserType::Local
            } else {
                UserType::Ephemeral
            },
        };
        let list = |k: &str| {
            raw.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let group_names = list("group_names")
            .iter()
            .map(|g| GroupName {
                name: text(g, "name"),
                domain: g.get("domain").and_then(DomainRef::from_value),
            })
            .collect();
        let projects = list("projects")
            .iter()
            .map(|p| MappedProject {
                name: text(p, "name").unwrap_or_default(),
                roles: p
                    .get("roles")
                    .and_then(Value::as_array)
                    .map(|roles| roles.iter().filter_map(|r| text(r, "name")).collect())
                    .unwrap_or_default(),
                domain: p.get("domain").and_then(DomainRef::from_value),
            })
            .collect();
        MappedProperties {
            user,
            group_ids: list("group_ids"),
            group_names,
            projects,
            raw,
        }
    }

    /// Upstream's dict, as JSON.
    pub fn as_json(&self) -> &Value {
        &self.raw
    }
}

impl Serialize for MappedProperties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}
