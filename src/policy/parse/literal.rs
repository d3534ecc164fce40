//! A generic check's left side: `ast.literal_eval(kind)` when it is a Python literal, else a
//! dotted path into the credentials.

use super::Kind;
use crate::pyrepr::py_float_repr;

pub(super) fn parse_kind(kind: &str) -> Kind {
    match literal_str(kind) {
        Some(value) => Kind::Literal {
            raw: kind.to_string(),
            value,
        },
        None => Kind::Path(kind.split('.').map(str::to_string).collect()),
    }
}

/// `str(ast.literal_eval(s))` for the literals a policy plausibly uses
/// (None/True/False, ints, floats, simple quoted strings); `None` when `s` is
/// not such a literal.  oslo falls back to a creds path on `ValueError`; for
/// text that is not even valid Python (a `SyntaxError`) oslo raises out of
/// enforce() and the request fails, which a path lookup also yields, because
/// no credential carries such a key.
fn literal_str(s: &str) -> Option<String> {
    match s {
        "None" | "True" | "False" => return Some(s.to_string()),
        _ => {}
    }
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0] {
        return unquote(&s[1..s.len() - 1], b[0] as char);
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if let Some(v) = py_int(body) {
        let v = if neg { -v } else { v };
        return Some(v.to_string());
    }
    if let Some(f) = py_float(body) {
        return Some(py_float_repr(if neg { -f } else { f }));
    }
    None
}

/// Python integer literal (decimal, 0x, 0o, 0b, with `_` separators).
fn py_int(s: &str) -> Option<i128> {
    let (radix, digits) = match s.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (16, &s[2..]),
        Some("0o") => (8, &s[2..]),
        Some("0b") => (2, &s[2..]),
        _ => (10, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Python forbids leading zeros on non-zero decimal literals ("007").
    if radix == 10
        && clean.len() > 1
        && clean.starts_with('0')
        && !clean.trim_start_matches('0').is_empty()
    {
        return None;
    }
    i128::from_str_radix(&clean, radix).ok()
}

/// Python float literal (digits with a `.` and/or an exponent).
fn py_float(s: &str) -> Option<f64> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        return None;
    }
    if !s.contains(['.', 'e', 'E']) || !s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

/// The body of a Python quoted string literal, escapes resolved.
fn unquote(body: &str, quote: char) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c == quote {
            // Adjacent literals ('a''b') or stray quotes: not handled here.
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            // Python keeps unknown escapes verbatim.
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}
