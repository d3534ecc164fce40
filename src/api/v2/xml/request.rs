//! A parsed request document as the JSON the v2 handlers take.

use serde_json::{Map, Value};

use super::read::{malformed, parse, Element};
use crate::error::{Error, Result};

/// Attribute values as JSON: `enabled` is a boolean, everything else a string.
fn attr_value(name: &str, value: &str) -> Result<Value> {
    if name == "enabled" {
        return match value {
            "true" | "True" | "1" => Ok(Value::Bool(true)),
            "false" | "False" | "0" => Ok(Value::Bool(false)),
            _ => Err(Error::bad_request(&format!(
                "Invalid input for field/attribute enabled. Value: {value}."
            ))),
        };
    }
    Ok(Value::String(value.to_string()))
}

/// An element as a JSON object: attributes as fields, text-only children as string fields,
/// other children as objects.
fn to_object(el: &Element) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    for (k, v) in &el.attrs {
        map.insert(k.clone(), attr_value(k, v)?);
    }
    for child in &el.children {
        let value = if child.attrs.is_empty() && child.children.is_empty() {
            if child.name == "enabled" {
                attr_value("enabled", child.text.trim())?
            } else {
                Value::String(child.text.trim().to_string())
            }
        } else {
            Value::Object(to_object(child)?)
        };
        if map.contains_key(&child.name) {
            return Err(malformed());
        }
        map.insert(child.name.clone(), value);
    }
    Ok(map)
}

/// A v2 request document as the JSON the handlers take: `<auth tenantName="x">
/// <passwordCredentials username="u" password="p"/></auth>` becomes `{"auth": {"tenantName":
/// "x", "passwordCredentials": {"username": "u", "password": "p"}}}`. The root `<service>`
/// of OS-KSADM is `OS-KSADM:service` in JSON.
pub fn request_to_json(body: &[u8]) -> Result<Value> {
    let root = parse(body)?;
    let key = match root.name.as_str() {
        "service" => "OS-KSADM:service".to_string(),
        other => other.to_string(),
    };
    let mut doc = Map::new();
    doc.insert(key, Value::Object(to_object(&root)?));
    Ok(Value::Object(doc))
}
