//! A check's right side: Python `%`-formatting against the (flattened) target.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::pyrepr::{py_repr_into, py_str_into};

/// The right side of a check, pre-split for `match % target`.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The text as written, for display.
    raw: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Key(String, Conv),
    /// A directive this port does not implement (flags, width, positional
    /// `%s`, other conversions) or that Python rejects.  oslo would raise out
    /// of enforce(); evaluating it here yields "deny".
    Bad,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Conv {
    Str,
    Repr,
    Int,
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RenderError {
    /// A `%(key)s` names a key the target lacks (oslo: KeyError -> false).
    MissingKey,
    /// Python would raise TypeError/ValueError.
    Format,
}

impl Template {
    /// Split `s` into literal text and `%(key)<conv>` directives.
    pub fn parse(s: &str) -> Template {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = s.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '%' {
                text.push(c);
                continue;
            }
            match chars.peek().map(|(_, c)| *c) {
                Some('%') => {
                    chars.next();
                    text.push('%');
                    continue;
                }
                Some('(') => {}
                _ => {
                    // Positional `%s` against a mapping, or a dangling `%`.
                    flush(&mut text, &mut pieces);
                    pieces.push(Piece::Bad);
                    break;
                }
            }
            chars.next();
            // Python matches nested parentheses inside the key.
            let mut depth = 1;
            let mut key = String::new();
            for (_, k) in chars.by_ref() {
                match k {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                key.push(k);
            }
            let conv = match chars.next().map(|(_, c)| c) {
                _ if depth != 0 => None,
                Some('s') => Some(Conv::Str),
                Some('r') | Some('a') => Some(Conv::Repr),
                Some('d') | Some('i') | Some('u') => Some(Conv::Int),
                _ => None,
            };
            flush(&mut text, &mut pieces);
            match conv {
                Some(conv) => pieces.push(Piece::Key(key, conv)),
                None => {
                    pieces.push(Piece::Bad);
                    break;
                }
            }
        }
        flush(&mut text, &mut pieces);
        Template {
            raw: s.to_string(),
            pieces,
        }
    }

    /// True when rendering can fail for a reason other than a missing key.
    pub fn is_unsupported(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Bad))
    }

    /// `template % target`, `lookup` resolving a (flattened) target key.
    /// Borrows when the template is plain text, so most checks allocate
    /// nothing here.
    pub fn render<'a, 'v>(
        &'a self,
        lookup: impl Fn(&str) -> Option<&'v Value>,
    ) -> Result<Cow<'a, str>, RenderError> {
        match self.pieces.as_slice() {
            [] => return Ok(Cow::Borrowed("")),
            [Piece::Text(t)] => return Ok(Cow::Borrowed(t)),
            _ => {}
        }
        let mut out = String::new();
        // Python resolves directives left to right; a Bad piece raises
        // before later keys are looked up.
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Bad => return Err(RenderError::Format),
                Piece::Key(k, conv) => {
                    let v = lookup(k).ok_or(RenderError::MissingKey)?;
                    match conv {
                        Conv::Str => py_str_into(v, &mut out),
                        Conv::Repr => py_repr_into(v, &mut out),
                        Conv::Int => out.push_str(&py_int_of(v).ok_or(RenderError::Format)?),
                    }
                }
            }
        }
        Ok(Cow::Owned(out))
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn flush(text: &mut String, pieces: &mut Vec<Piece>) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

/// `'%d' % v`.
fn py_int_of(v: &Value) -> Option<String> {
    match v {
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else if let Some(u) = n.as_u64() {
                Some(u.to_string())
            } else {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| format!("{:.0}", f.trunc()))
            }
        }
        _ => None,
    }
}
