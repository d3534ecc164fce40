//! The parser: one XML document into an element tree, bounded in depth, no DTDs, no entities
//! beyond the five predefined ones and character references; malformed input is a 400.

use crate::error::{Error, Result};

#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

const MAX_DEPTH: usize = 32;

pub(super) fn malformed() -> Error {
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
        if self.start_tag_rest(&mut el)? {
            return Ok(el);
        }
        self.content(&mut el, &raw_name, depth)?;
        Ok(el)
    }

    /// The start tag after its name: attributes (namespace declarations dropped, duplicates
    /// refused) up to `>`, or `/>`, in which case the element is complete (true).
    fn start_tag_rest(&mut self, el: &mut Element) -> Result<bool> {
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'/') => {
                    if self.s.get(self.i + 1) != Some(&b'>') {
                        return Err(malformed());
                    }
                    self.i += 2;
                    return Ok(true);
                }
                Some(b'>') => {
                    self.i += 1;
                    return Ok(false);
                }
                Some(_) => {
                    let (attr, value) = self.attribute()?;
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
    }

    /// One `name="value"` (or single-quoted) attribute, its value decoded.
    fn attribute(&mut self) -> Result<(String, String)> {
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
        Ok((attr, value))
    }

    /// Content until the matching end tag: text, CDATA, child elements; comments and
    /// processing instructions skipped, declarations refused.
    fn content(&mut self, el: &mut Element, raw_name: &str, depth: usize) -> Result<()> {
        loop {
            if self.starts("</") {
                self.i += 2;
                let end = self.name()?;
                self.skip_ws();
                if end != raw_name || self.peek() != Some(b'>') {
                    return Err(malformed());
                }
                self.i += 1;
                return Ok(());
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
