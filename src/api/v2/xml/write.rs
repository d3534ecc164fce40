//! The serializer: a v2 JSON document as the XML the developer guide shows (scalars as
//! attributes, objects as child elements, lists as wrapped or flattened members).

use serde_json::{Map, Value};

use super::{ATOM_NS, NS};

/// Fields rendered as child text elements rather than attributes.
const TEXT_FIELDS: &[&str] = &["description", "message", "details"];

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The element name of one member of a list called `list`.
fn singular(list: &str, parent: &str) -> String {
    match list {
        "values" => singular(parent, ""),
        "serviceCatalog" | "OS-KSADM:services" | "services" => "service".into(),
        "media-types" => "media-type".into(),
        "versions" => "version".into(),
        "extensions" => "extension".into(),
        "roles" => "role".into(),
        "tenants" => "tenant".into(),
        "users" => "user".into(),
        "endpoints" => "endpoint".into(),
        "audit_ids" => "audit_id".into(),
        other => other.strip_suffix('s').unwrap_or(other).to_string(),
    }
}

/// Lists whose members sit directly in the parent element (no wrapper), as the guide shows
/// `<service><endpoint/>...</service>` and `<user><role/>...</user>`.
fn flattened(list: &str, parent: &str) -> bool {
    matches!(
        (parent, list),
        ("service", "endpoints")
            | ("user", "roles")
            | (_, "values")
            | ("endpoint", "links")
            | ("version", "links")
            | ("extension", "links")
    )
}

fn write_links(links: &[Value], out: &mut String) {
    for link in links {
        out.push_str("<atom:link");
        if let Value::Object(m) = link {
            for (k, v) in m {
                if let Some(t) = scalar_text(v) {
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    escape(&t, out);
                    out.push('"');
                }
            }
        }
        out.push_str("/>");
    }
}

fn write_element(name: &str, value: &Value, root_attrs: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push_str(root_attrs);
    match value {
        Value::Object(map) => {
            write_attributes(map, out);
            let mut body = String::new();
            for (k, v) in map {
                write_member(name, k, v, &mut body);
            }
            if body.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                out.push_str(&body);
                close(name, out);
            }
        }
        other => {
            out.push('>');
            if let Some(t) = scalar_text(other) {
                escape(&t, out);
            }
            close(name, out);
        }
    }
}

/// `</name>`.
fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An object's attributes: its scalars (null omitted), except the text fields.
fn write_attributes(map: &Map<String, Value>, out: &mut String) {
    for (k, v) in map {
        if TEXT_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if let Some(t) = scalar_text(v) {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape(&t, out);
            out.push('"');
        }
    }
}

/// One member of object `parent` as child content: a text field, a nested object, a links
/// list or a list of members (scalars were written as attributes).
fn write_member(parent: &str, k: &str, v: &Value, body: &mut String) {
    match v {
        Value::String(s) if TEXT_FIELDS.contains(&k) => {
            body.push('<');
            body.push_str(k);
            body.push('>');
            escape(s, body);
            close(k, body);
        }
        Value::Object(_) => write_element(k, v, "", body),
        Value::Array(items) if k == "links" || k.ends_with("_links") => {
            if flattened(k, parent) || k == "links" {
                write_links(items, body);
            } else {
                body.push('<');
                body.push_str(k);
                if items.is_empty() {
                    body.push_str("/>");
                } else {
                    body.push('>');
                    write_links(items, body);
                    close(k, body);
                }
            }
        }
        Value::Array(items) => write_list(parent, k, items, body),
        _ => {}
    }
}

/// A list member: one element per item, named by the singular, inside `<k>` unless the
/// list is flattened into its parent.
fn write_list(parent: &str, k: &str, items: &[Value], body: &mut String) {
    let item_name = singular(k, parent);
    let flat = flattened(k, parent);
    if !flat {
        body.push('<');
        body.push_str(k);
        body.push('>');
    }
    for item in items {
        match item {
            Value::Object(_) => write_element(&item_name, item, "", body),
            other => {
                body.push('<');
                body.push_str(&item_name);
                body.push('>');
                if let Some(t) = scalar_text(other) {
                    escape(&t, body);
                }
                close(&item_name, body);
            }
        }
    }
    if !flat {
        close(k, body);
    }
}

/// Serializes a v2 JSON document. The root element is the document's key (`access`,
/// `tenant`, ...); a list document (`{"tenants": [...], "tenants_links": []}`) becomes
/// `<tenants>` holding one `<tenant>` per member.
pub fn to_xml(doc: &Value) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let atom = format!(" xmlns=\"{NS}\" xmlns:atom=\"{ATOM_NS}\"");
    let plain = format!(" xmlns=\"{NS}\"");
    let Value::Object(map) = doc else {
        return out.into_bytes();
    };
    // The list member (not the *_links sibling) names the root.
    let main = map
        .iter()
        .find(|(k, _)| !k.ends_with("_links"))
        .or_else(|| map.iter().next());
    let Some((root, value)) = main else {
        return out.into_bytes();
    };
    let ns = if matches!(
        root.as_str(),
        "version" | "versions" | "extension" | "extensions"
    ) {
        &atom
    } else {
        &plain
    };
    // A list root: members directly under it.
    let root_name = root.strip_prefix("OS-KSADM:").unwrap_or(root);
    match value {
        Value::Array(items) => {
            let item_name = singular(root, "");
            out.push('<');
            out.push_str(root_name);
            out.push_str(ns);
            if items.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                for item in items {
                    write_element(&item_name, item, "", &mut out);
                }
                out.push_str("</");
                out.push_str(root_name);
                out.push('>');
            }
        }
        other => write_element(root_name, other, ns, &mut out),
    }
    out.into_bytes()
}
