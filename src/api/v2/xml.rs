//! The v2.0 XML media type (namespace `http://docs.openstack.org/identity/api/v2.0`), as the
//! developer guide and the v2.0 reference show it: a small serializer from the JSON documents
//! the v2 handlers build, and a small parser for the request documents they accept. Neither
//! panics: malformed input is a 400 in the v2 fault format. No DTDs, no entities beyond the
//! five predefined ones and character references, bounded depth.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

pub const NS: &str = "http://docs.openstack.org/identity/api/v2.0";
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

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
            // Attributes: scalars (null omitted), except text fields.
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
            let mut body = String::new();
            for (k, v) in map {
                match v {
                    Value::String(s) if TEXT_FIELDS.contains(&k.as_str()) => {
                        body.push('<');
                        body.push_str(k);
                        body.push('>');
                        escape(s, &mut body);
                        body.push_str("</");
                        body.push_str(k);
                        body.push('>');
                    }
                    Value::Object(_) => write_element(k, v, "", &mut body),
                    Value::Array(items) if k == "links" || k.ends_with("_links") => {
                        if flattened(k, name) || k == "links" {
                            write_links(items, &mut body);
                        } else {
                            body.push('<');
                            body.push_str(k);
                            if items.is_empty() {
                                body.push_str("/>");
                            } else {
                                body.push('>');
                                write_links(items, &mut body);
                                body.push_str("</");
                                body.push_str(k);
                                body.push('>');
                            }
                        }
                    }
                    Value::Array(items) => {
                        let item_name = singular(k, name);
                        let flat = flattened(k, name);
                        if !flat {
                            body.push('<');
                            body.push_str(k);
                            body.push('>');
                        }
                        for item in items {
                            match item {
                                Value::Object(_) => write_element(&item_name, item, "", &mut body),
                                other => {
                                    body.push('<');
                                    body.push_str(&item_name);
                                    body.push('>');
                                    if let Some(t) = scalar_text(other) {
                                        escape(&t, &mut body);
                                    }
                                    body.push_str("</");
                                    body.push_str(&item_name);
                                    body.push('>');
                                }
                            }
                        }
                        if !flat {
                            body.push_str("</");
                            body.push_str(k);
                            body.push('>');
                        }
                    }
                    _ => {}
                }
            }
            if body.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                out.push_str(&body);
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
        }
        other => {
            out.push('>');
            if let Some(t) = scalar_text(other) {
                escape(&t, out);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
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

// ---- parsing -------------------------------------------------------------------------------

#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

const MAX_DEPTH: usize = 32;

fn malformed() -> Error {
    Error::bad_request("Malformed XML request body.")
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

/// Drops a namespace prefix (`atom:link` -> `link`, `OS-KSADM:password` stays whole since
/// that prefix is part of upstream's attribute names).
fn local(name: &str) -> String {
    if name.starts_with("OS-KSADM:") {
        return name.to_string();
    }
    match name.split_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.to_string(),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn starts(&self, p: &str) -> bool {
        self.s[self.i.min(self.s.len())..].starts_with(p.as_bytes())
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn skip_until(&mut self, end: &str) -> Result<()> {
        while self.i < self.s.len() {
            if self.starts(end) {
                self.i += end.len();
                return Ok(());
            }
            self.i += 1;
        }
        Err(malformed())
    }

    /// Skips the prolog, comments and processing instructions; DTDs are refused.
    fn skip_misc(&mut self) -> Result<()> {
        loop {
            self.skip_ws();
            if self.starts("<?") {
                self.skip_until("?>")?;
            } else if self.starts("<!--") {
                self.skip_until("-->")?;
            } else if self.starts("<!") {
                return Err(malformed());
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String> {
        let start = self.i;
        while self.peek().is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':') || c >= 0x80
        }) {
            self.i += 1;
        }
        if start == self.i {
            return Err(malformed());
        }
        std::str::from_utf8(&self.s[start..self.i])
            .map(str::to_string)
            .map_err(|_| malformed())
    }

    fn element(&mut self, depth: usize) -> Result<Element> {
        if depth > MAX_DEPTH || self.peek() != Some(b'<') {
            return Err(malformed());
        }
        self.i += 1;
        let raw_name = self.name()?;
        let mut el = Element {
            name: local(&raw_name),
            attrs: Vec::new(),
            children: Vec::new(),
            text: String::new(),
        };
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'/') => {
                    if self.s.get(self.i + 1) != Some(&b'>') {
                        return Err(malformed());
                    }
                    self.i += 2;
                    return Ok(el);
                }
                Some(b'>') => {
                    self.i += 1;
                    break;
                }
                Some(_) => {
                    let attr = self.name()?;
                    self.skip_ws();
                    if self.peek() != Some(b'=') {
                        return Err(malformed());
                    }
                    self.i += 1;
                    self.skip_ws();
                    let quote = self.peek().ok_or_else(malformed)?;
                    if quote != b'"' && quote != b'\'' {
                        return Err(malformed());
                    }
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != quote && c != b'<') {
                        self.i += 1;
                    }
                    if self.peek() != Some(quote) {
                        return Err(malformed());
                    }
                    let value = decode(&self.s[start..self.i])?;
                    self.i += 1;
                    if attr == "xmlns" || attr.starts_with("xmlns:") {
                        continue;
                    }
                    let attr = local(&attr);
                    if el.attrs.iter().any(|(k, _)| *k == attr) {
                        return Err(malformed());
                    }
                    el.attrs.push((attr, value));
                }
                None => return Err(malformed()),
            }
        }
        // Content until the matching end tag.
        loop {
            if self.starts("</") {
                self.i += 2;
                let end = self.name()?;
                self.skip_ws();
                if end != raw_name || self.peek() != Some(b'>') {
                    return Err(malformed());
                }
                self.i += 1;
                return Ok(el);
            } else if self.starts("<!--") {
                self.skip_until("-->")?;
            } else if self.starts("<![CDATA[") {
                self.i += 9;
                let start = self.i;
                self.skip_until("]]>")?;
                let text =
                    std::str::from_utf8(&self.s[start..self.i - 3]).map_err(|_| malformed())?;
                el.text.push_str(text);
            } else if self.starts("<?") {
                self.skip_until("?>")?;
            } else if self.starts("<!") {
                return Err(malformed());
            } else if self.peek() == Some(b'<') {
                let child = self.element(depth + 1)?;
                el.children.push(child);
            } else if self.peek().is_some() {
                let start = self.i;
                while self.peek().is_some_and(|c| c != b'<') {
                    self.i += 1;
                }
                el.text.push_str(&decode(&self.s[start..self.i])?);
            } else {
                return Err(malformed());
            }
        }
    }
}

fn decode(raw: &[u8]) -> Result<String> {
    let s = std::str::from_utf8(raw).map_err(|_| malformed())?;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        let end = rest.find(';').ok_or_else(malformed)?;
        let entity = &rest[..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(malformed)?,
            e if e.starts_with('#') => e[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(malformed)?,
            _ => return Err(malformed()),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses one XML document into its root element.
pub fn parse(body: &[u8]) -> Result<Element> {
    let mut p = Parser { s: body, i: 0 };
    // A UTF-8 byte order mark is allowed.
    if p.starts("\u{feff}") {
        p.i += 3;
    }
    p.skip_misc()?;
    let root = p.element(0)?;
    p.skip_misc()?;
    if p.i != body.len() {
        return Err(malformed());
    }
    Ok(root)
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test's unwrap is its assertion
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_guides_auth_request() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<auth xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://docs.openstack.org/identity/api/v2.0"
  tenantName="demo">
  <passwordCredentials username="demo" password="secret&amp;secret"/>
</auth>"#;
        let v = request_to_json(body).unwrap();
        assert_eq!(
            v,
            json!({"auth": {"tenantName": "demo", "passwordCredentials":
                {"username": "demo", "password": "secret&secret"}}})
        );
    }

    #[test]
    fn malformed_is_400_never_a_panic() {
        for bad in [
            &b""[..],
            b"<",
            b"<auth",
            b"<auth a=\"1\">",
            b"<auth></other>",
            b"<auth a=1/>",
            b"<auth>&bogus;</auth>",
            b"<!DOCTYPE x [<!ENTITY a \"b\">]><auth/>",
            b"<auth/><auth/>",
            b"<auth a=\"1\" a=\"2\"/>",
            b"\xff\xfe<auth/>",
            b"<a>&#xFFFFFFFF;</a>",
        ] {
            assert_eq!(parse(bad).map(|_| ()).unwrap_err().code(), 400);
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn serializes_access_like_the_reference() {
        let doc = json!({"access": {"token": {"id": "t", "tenant": {"id": "p", "name": "demo", "description": "d", "enabled": true}},
            "serviceCatalog": [{"name": "nova", "type": "compute", "endpoints_links": [],
                "endpoints": [{"id": "e", "publicURL": "http://x/?a&b", "region": "RegionOne"}]}],
            "user": {"id": "u", "name": "demo", "username": "demo", "roles": [{"name": "member"}], "roles_links": []},
            "metadata": {"is_admin": 0, "roles": ["r1"]}}});
        let xml = String::from_utf8(to_xml(&doc)).unwrap();
        assert!(xml.contains("<access xmlns=\"http://docs.openstack.org/identity/api/v2.0\">"));
        assert!(xml.contains(
            "<tenant id=\"p\" name=\"demo\" enabled=\"true\"><description>d</description></tenant>"
        ));
        assert!(xml.contains("<serviceCatalog><service name=\"nova\" type=\"compute\"><endpoints_links/><endpoint id=\"e\" publicURL=\"http://x/?a&amp;b\" region=\"RegionOne\"/></service></serviceCatalog>"));
        assert!(xml.contains("<user id=\"u\" name=\"demo\" username=\"demo\"><role name=\"member\"/><roles_links/></user>"));
        assert!(xml.contains("<metadata is_admin=\"0\"><roles><role>r1</role></roles></metadata>"));
        assert!(parse(xml.as_bytes()).is_ok());
    }
}
