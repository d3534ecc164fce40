//! The bits of Python the engine's results depend on: `str.format(*direct_maps)` for `{0}`
//! substitution, `ast.literal_eval` for `groups`/`group_ids`, and `re.search`.

use serde_json::{Map, Value};

use crate::pyrepr::py_str;

/// Why `str.format` failed, as Python reports it.
#[derive(Debug, PartialEq)]
pub enum FormatError {
    /// IndexError: a `{N}` beyond the remote matches (upstream: DirectMappingError).
    Index,
    /// Any other exception: (Python class, message).
    Other(&'static str, String),
}

/// Python `template.format(*args)` for the forms a mapping uses: `{N}`, `{}`, `{{`, `}}`,
/// `{N!s}`/`{N!r}`. Each arg is a Python value already (a string, or a list of strings).
pub fn format(template: &str, args: &[Value]) -> Result<String, FormatError> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    let mut auto = 0usize;
    let mut numbering = None; // Some(true): automatic, Some(false): manual.
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => {
                return Err(FormatError::Other(
                    "ValueError",
                    "Single '}' encountered in format string".into(),
                ))
            }
            '{' => {
                let mut field = String::new();
                let mut closed = false;
                for f in chars.by_ref() {
                    if f == '}' {
                        closed = true;
                        break;
                    }
                    field.push(f);
                }
                if !closed {
                    return Err(FormatError::Other(
                        "ValueError",
                        "expected '}' before end of string".into(),
                    ));
                }
                out.push_str(&replacement(field, args, &mut auto, &mut numbering)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// One replacement field's text: `N`, ``, `N[i]`, with an optional `!s`/`!r` conversion.
fn replacement(
    field: String,
    args: &[Value],
    auto: &mut usize,
    numbering: &mut Option<bool>,
) -> Result<String, FormatError> {
    let (name, conversion) = match field.split_once('!') {
        Some((n, c)) => (n.to_string(), Some(c.to_string())),
        None => (field, None),
    };
    // `{0[1]}`: an item of the argument (a list's element, a string's character).
    let (name, item) = match name.split_once('[') {
        Some((n, rest)) => (n.to_string(), Some(rest.trim_end_matches(']').to_string())),
        None => (name, None),
    };
    if name.contains([':', '.']) || item.as_deref().is_some_and(|i| i.contains('[')) {
        // Format specs and attribute access: not implemented (see the module docs).
        return Err(FormatError::Other(
            "NotImplementedError",
            format!("format field {{{name}}} is not supported by keystone-lite"),
        ));
    }
    let index = field_index(&name, auto, numbering)?;
    let whole = args.get(index).ok_or(FormatError::Index)?;
    let picked;
    let arg = match item {
        None => whole,
        Some(item) => {
            picked = index_item(whole, &item)?;
            &picked
        }
    };
    match conversion.as_deref() {
        None | Some("s") => Ok(py_str(arg).into_owned()),
        Some("r") => Ok(crate::pyrepr::py_repr(arg)),
        Some(_) => Err(FormatError::Other(
            "ValueError",
            "Unknown conversion specifier".into(),
        )),
    }
}

/// Python `arg[item]` in a replacement field: a list element or a string's character by
/// integer index (negative counts from the end is not Python's format syntax: a TypeError).
fn index_item(arg: &Value, item: &str) -> Result<Value, FormatError> {
    // Any IndexError inside format() is upstream's DirectMappingError.
    let out_of_range = |_: &str| FormatError::Index;
    let Ok(i) = item.parse::<usize>() else {
        let kind = if arg.is_string() { "string" } else { "list" };
        return Err(FormatError::Other(
            "TypeError",
            format!("{kind} indices must be integers"),
        ));
    };
    match arg {
        Value::Array(items) => items.get(i).cloned().ok_or_else(|| out_of_range("list")),
        Value::String(s) => s
            .chars()
            .nth(i)
            .map(|c| Value::String(c.to_string()))
            .ok_or_else(|| out_of_range("string")),
        _ => Err(FormatError::Other(
            "TypeError",
            "object is not subscriptable".into(),
        )),
    }
}

/// The positional index of a replacement field's name.
fn field_index(
    name: &str,
    auto: &mut usize,
    numbering: &mut Option<bool>,
) -> Result<usize, FormatError> {
    let switching = || {
        FormatError::Other(
            "ValueError",
            "cannot switch from automatic field numbering to manual field specification".into(),
        )
    };
    if name.is_empty() {
        if *numbering == Some(false) {
            return Err(switching());
        }
        *numbering = Some(true);
        *auto += 1;
        return Ok(*auto - 1);
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        if *numbering == Some(true) {
            return Err(switching());
        }
        *numbering = Some(false);
        return name.parse().map_err(|_| FormatError::Index);
    }
    // A keyword field: format() got no keyword arguments.
    Err(FormatError::Other("KeyError", format!("'{name}'")))
}

/// Upstream's `_ast_literal_eval`: the list a Python list literal denotes, else `[value]`.
/// Parses the literals a list can hold here: strings, numbers, True/False/None, nested lists
/// and dicts; anything else falls back to `[value]` as a syntax error does upstream.
pub fn literal_list(value: &str) -> Vec<Value> {
    let mut parser = Literal {
        s: value.as_bytes(),
        text: value,
        i: 0,
    };
    match parser.whole() {
        Some(Value::Array(items)) => items,
        _ => vec![Value::String(value.to_string())],
    }
}

struct Literal<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Literal<'_> {
    fn whole(&mut self) -> Option<Value> {
        self.skip_ws();
        let v = self.value()?;
        self.skip_ws();
        (self.i == self.s.len()).then_some(v)
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Value> {
        match *self.s.get(self.i)? {
            b'[' => self.sequence(b']').map(Value::Array),
            b'{' => self.dict(),
            b'\'' | b'"' => {
                // Adjacent string literals concatenate, as in Python.
                let mut text = self.string()?;
                loop {
                    self.skip_ws();
                    match self.s.get(self.i) {
                        Some(b'\'' | b'"') => text.push_str(&self.string()?),
                        _ => break,
                    }
                }
                Some(Value::String(text))
            }
            _ => self.scalar(),
        }
    }

    fn sequence(&mut self, close: u8) -> Option<Vec<Value>> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.s.get(self.i) == Some(&close) {
                self.i += 1;
                return Some(items);
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.s.get(self.i)? {
                b',' => self.i += 1,
                c if *c == close => {}
                _ => return None,
            }
        }
    }

    fn dict(&mut self) -> Option<Value> {
        self.i += 1;
        let mut map = Map::new();
        loop {
            self.skip_ws();
            if self.s.get(self.i) == Some(&b'}') {
                self.i += 1;
                return Some(Value::Object(map));
            }
            // Only string keys have a JSON form.
            let Value::String(key) = self.value()? else {
                return None;
            };
            self.skip_ws();
            (self.s.get(self.i)? == &b':').then_some(())?;
            self.i += 1;
            self.skip_ws();
            let v = self.value()?;
            map.insert(key, v);
            self.skip_ws();
            match self.s.get(self.i)? {
                b',' => self.i += 1,
                b'}' => {}
                _ => return None,
            }
        }
    }

    /// A quoted string with Python's common escapes; a prefix (b'', r'') is not parsed.
    fn string(&mut self) -> Option<String> {
        let quote = self.s[self.i];
        let start = self.i + 1;
        let mut out = String::new();
        let rest = self.text.get(start..)?;
        let mut chars = rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                c if c as u32 == quote as u32 => {
                    self.i = start + at + 1;
                    return Some(out);
                }
                '\n' => return None,
                '\\' => {
                    let (_, e) = chars.next()?;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '\\' | '\'' | '"' => out.push(e),
                        'x' => {
                            let hex: String =
                                (0..2).filter_map(|_| chars.next()).map(|p| p.1).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        'u' => {
                            let hex: String =
                                (0..4).filter_map(|_| chars.next()).map(|p| p.1).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        // Python keeps an unknown escape as written.
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                c => out.push(c),
            }
        }
        None
    }

    /// A number or True/False/None.
    fn scalar(&mut self) -> Option<Value> {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric()
                || matches!(self.s[self.i], b'-' | b'+' | b'.' | b'_'))
        {
            self.i += 1;
        }
        let word = self.text.get(start..self.i)?;
        match word {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::Null),
            _ if word.contains(['.', 'e', 'E']) => {
                let f: f64 = word.parse().ok()?;
                serde_json::Number::from_f64(f).map(Value::Number)
            }
            _ => {
                let digits = word.strip_prefix('-').unwrap_or(word);
                // Python rejects leading zeros ("007") in an int literal.
                if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                    return None;
                }
                word.parse::<i64>().ok().map(Value::from)
            }
        }
    }
}

/// Python `re.search(pattern, text)`: whether the pattern matches anywhere. Python's `\Z` is
/// the regex crates' `\z`; otherwise the syntax the two share means the same.
pub fn search(pattern: &str, text: &str) -> Result<bool, String> {
    let translated = pattern.replace("\\Z", "\\z");
    let regex = fancy_regex::Regex::new(&translated).map_err(|e| e.to_string())?;
    regex.is_match(text).map_err(|e| e.to_string())
}

/// `json.dumps(value, indent=2)` as oslo's jsonutils does it: ASCII only (`\uXXXX`, surrogate
/// pairs beyond the BMP), ": " and "," separators.
pub fn dumps_indent2(value: &impl serde::Serialize) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(pretty.len());
    for c in pretty.chars() {
        if (c as u32) < 0x7f {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_substitutes_as_python() {
        let args = [json!("bob"), json!(["a", "b"])];
        assert_eq!(format("{0} {1}", &args).unwrap(), "bob ['a', 'b']");
        assert_eq!(format("{} x {}", &args).unwrap(), "bob x ['a', 'b']");
        assert_eq!(format("{{0}}", &args).unwrap(), "{0}");
        assert_eq!(format("{2}", &args), Err(FormatError::Index));
        assert!(matches!(
            format("{0}{}", &args),
            Err(FormatError::Other("ValueError", _))
        ));
        assert!(matches!(
            format("{x}", &args),
            Err(FormatError::Other("KeyError", _))
        ));
    }

    #[test]
    fn literal_lists_parse_back() {
        assert_eq!(
            literal_list("['a', \"b'c\"]"),
            vec![json!("a"), json!("b'c")]
        );
        assert_eq!(
            literal_list("[1, -2, True, None]"),
            vec![json!(1), json!(-2), json!(true), json!(null)]
        );
        assert_eq!(literal_list("abc"), vec![json!("abc")]);
        assert_eq!(literal_list("'abc'"), vec![json!("'abc'")]);
        assert_eq!(literal_list("[1, 2"), vec![json!("[1, 2")]);
        assert_eq!(literal_list("[]"), Vec::<Value>::new());
    }

    #[test]
    fn search_is_unanchored() {
        assert!(search("b.b", "xbobx").unwrap());
        assert!(!search("^b.b$", "xbobx").unwrap());
        assert!(search("ob\\Z", "bob").unwrap());
        assert!(search("(?P<n>o)", "bob").unwrap());
        assert!(search("(", "x").is_err());
    }

    #[test]
    fn dumps_escapes_non_ascii() {
        assert_eq!(
            dumps_indent2(&json!({"a": "é😀"})),
            "{\n  \"a\": \"\\u00e9\\ud83d\\ude00\"\n}"
        );
    }
}
