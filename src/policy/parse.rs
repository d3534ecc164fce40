//! The oslo.policy rule language: tokenizer, shift-reduce parser and the
//! Python value formatting the checks compare against.
//!
//! This is a line-by-line port of oslo.policy 6.0.1 `_parser.py` (tokenizer,
//! `ParseState.reduce`, `_parse_check`, `_parse_list_rule`) and of the parts
//! of `_checks.py` that are decided when a rule is parsed.  The parser is
//! ported literally rather than rewritten as a precedence-climbing parser so
//! that odd inputs (`a or b and c`, `not` binding, stray parentheses, quoted
//! tokens) reduce to exactly the tree oslo builds.
//!
//! Where oslo would silently turn a broken rule into "always deny" (it logs and
//! returns `FalseCheck`), [`parse_rule`] returns a [`ParseError`] instead so the
//! caller can refuse a malformed override file at start-up.

use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A parsed rule: the tree oslo.policy's `_checks` classes form.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `@` or the empty rule.
    True,
    /// `!`.
    False,
    /// `rule:NAME`: evaluate another rule (missing rule: false, see mod.rs).
    Rule(String),
    /// `role:NAME`: case-insensitive membership in `creds["roles"]`.
    Role(Template),
    /// Any other `kind:match`.  oslo's GenericCheck.
    Generic {
        kind: Kind,
        template: Template,
    },
    /// `http:` / `https:`: oslo POSTs to a remote server.  keystone-lite makes
    /// no outbound calls from policy, so this check is never granted.
    Remote(String),
    Not(Box<Check>),
    And(Vec<Check>),
    Or(Vec<Check>),
}

/// The left side of a GenericCheck.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `ast.literal_eval(kind)` succeeded: `value` is `str()` of that literal,
    /// which is what oslo compares the interpolated right side with; `raw`
    /// is the text as written.
    Literal { raw: String, value: String },
    /// Otherwise `kind.split('.')`: a path into the credentials.
    Path(Vec<String>),
}

/// Why a rule string was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------
// Tokenizer (oslo `_parse_tokenize`)
// ---------------------------------------------------------------------------

enum Tok {
    Check(Check),
    /// An `AndExprToken`: an and-chain still open to more `and` operands.
    AndExpr(Vec<Check>),
    /// An `OrExprToken`: an or-chain still open to more operands.
    OrExpr(Vec<Check>),
    And,
    Or,
    Not,
    LParen,
    RParen,
    /// A quoted token.  oslo has no reduction for it, so any rule containing
    /// one fails to parse; kept only to reproduce that.
    Str,
}

/// Python's `\s` for `str` patterns: Unicode whitespace plus the ASCII
/// separators U+001C..U+001F that Rust does not count as whitespace.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn tokenize(rule: &str, out: &mut Vec<Tok>) -> Result<(), ParseError> {
    for tok in rule.split(is_py_space) {
        if tok.is_empty() {
            continue;
        }
        let clean = tok.trim_start_matches('(');
        for _ in 0..(tok.len() - clean.len()) {
            out.push(Tok::LParen);
        }
        if clean.is_empty() {
            continue;
        }
        // oslo keeps the un-right-stripped token for the quoted-string test.
        let tok = clean;
        let clean = tok.trim_end_matches(')');
        let trail = tok.len() - clean.len();
        let lowered = clean.to_lowercase();
        match lowered.as_str() {
            "and" => out.push(Tok::And),
            "or" => out.push(Tok::Or),
            "not" => out.push(Tok::Not),
            _ if !clean.is_empty() => {
                let b = tok.as_bytes();
                let quoted = tok.chars().count() >= 2
                    && ((b[0] == b'"' && b[b.len() - 1] == b'"')
                        || (b[0] == b'\'' && b[b.len() - 1] == b'\''));
                if quoted {
                    out.push(Tok::Str);
                } else {
                    out.push(Tok::Check(parse_check(clean)?));
                }
            }
            _ => {}
        }
        for _ in 0..trail {
            out.push(Tok::RParen);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Shift-reduce parser (oslo `ParseState`)
// ---------------------------------------------------------------------------

/// Apply oslo's reductions to the top of the stack until none matches.
fn reduce(stack: &mut Vec<Tok>) {
    loop {
        let n = stack.len();
        if n >= 3 {
            let reduced = match (&stack[n - 3], &stack[n - 2], &stack[n - 1]) {
                (Tok::LParen, Tok::Check(_) | Tok::AndExpr(_) | Tok::OrExpr(_), Tok::RParen) => {
                    stack.pop();
                    let inner = match stack.pop() {
                        Some(Tok::Check(c)) => c,
                        Some(Tok::AndExpr(v)) => Check::And(v),
                        Some(Tok::OrExpr(v)) => Check::Or(v),
                        _ => Check::False, // unreachable: matched above
                    };
                    stack.pop();
                    stack.push(Tok::Check(inner));
                    true
                }
                (Tok::Check(_), Tok::And, Tok::Check(_)) => {
                    let (a, c) = pop_pair(stack);
                    stack.push(Tok::AndExpr(vec![a, c]));
                    true
                }
                (Tok::AndExpr(_), Tok::And, Tok::Check(_)) => {
                    let c = pop_check(stack);
                    stack.pop();
                    if let Some(Tok::AndExpr(v)) = stack.last_mut() {
                        v.push(c);
                    }
                    true
                }
                (Tok::OrExpr(_), Tok::And, Tok::Check(_)) => {
                    // `a or b and c`: `and` binds tighter, so the last operand
                    // of the or-chain becomes an and-chain.
                    let c = pop_check(stack);
                    stack.pop();
                    if let Some(Tok::OrExpr(v)) = stack.last_mut() {
                        match v.pop() {
                            Some(Check::And(mut inner)) => {
                                inner.push(c);
                                v.push(Check::And(inner));
                            }
                            Some(last) => v.push(Check::And(vec![last, c])),
                            None => v.push(c),
                        }
                    }
                    true
                }
                (Tok::Check(_) | Tok::AndExpr(_), Tok::Or, Tok::Check(_)) => {
                    let c = pop_check(stack);
                    stack.pop();
                    let a = match stack.pop() {
                        Some(Tok::Check(a)) => a,
                        Some(Tok::AndExpr(v)) => Check::And(v),
                        _ => Check::False, // unreachable: matched above
                    };
                    stack.push(Tok::OrExpr(vec![a, c]));
                    true
                }
                (Tok::OrExpr(_), Tok::Or, Tok::Check(_)) => {
                    let c = pop_check(stack);
                    stack.pop();
                    if let Some(Tok::OrExpr(v)) = stack.last_mut() {
                        v.push(c);
                    }
                    true
                }
                _ => false,
            };
            if reduced {
                continue;
            }
        }
        if n >= 2 {
            if let (Tok::Not, Tok::Check(_)) = (&stack[n - 2], &stack[n - 1]) {
                let c = pop_check(stack);
                stack.pop();
                stack.push(Tok::Check(Check::Not(Box::new(c))));
                continue;
            }
        }
        return;
    }
}

/// Pops a `Tok::Check` the caller has already matched.
fn pop_check(stack: &mut Vec<Tok>) -> Check {
    match stack.pop() {
        Some(Tok::Check(c)) => c,
        _ => Check::False,
    }
}

/// Pops `Check, <op>, Check` (already matched) and returns both checks.
fn pop_pair(stack: &mut Vec<Tok>) -> (Check, Check) {
    let c = pop_check(stack);
    stack.pop();
    let a = pop_check(stack);
    (a, c)
}

/// Parse a rule in the text policy language.  The empty string allows.
pub fn parse_rule(rule: &str) -> Result<Check, ParseError> {
    if rule.is_empty() {
        return Ok(Check::True);
    }
    let mut tokens = Vec::new();
    tokenize(rule, &mut tokens)?;
    let mut stack: Vec<Tok> = Vec::with_capacity(tokens.len());
    for t in tokens {
        stack.push(t);
        reduce(&mut stack);
    }
    // oslo `ParseState.result`: exactly one token, and it must be a check.
    if stack.len() == 1 {
        match stack.pop() {
            Some(Tok::Check(c)) => return Ok(c),
            Some(Tok::AndExpr(v)) => return Ok(Check::And(v)),
            Some(Tok::OrExpr(v)) => return Ok(Check::Or(v)),
            _ => {}
        }
    }
    Err(ParseError(format!("could not parse rule {rule:?}")))
}

/// One element of oslo's legacy list-of-lists syntax: `[["a", "b"], "c"]`
/// means `(a and b) or c`.
#[derive(Debug, Clone)]
pub enum ListItem {
    One(String),
    All(Vec<String>),
}

/// oslo `_parse_list_rule`: the legacy JSON list syntax.  An empty list
/// allows; a list whose members are all empty denies.
pub fn parse_list_rule(items: &[ListItem]) -> Result<Check, ParseError> {
    if items.is_empty() {
        return Ok(Check::True);
    }
    let mut or_list = Vec::new();
    for item in items {
        let atoms: Vec<&str> = match item {
            ListItem::One(s) if s.is_empty() => continue,
            ListItem::One(s) => vec![s.as_str()],
            ListItem::All(v) if v.is_empty() => continue,
            ListItem::All(v) => v.iter().map(String::as_str).collect(),
        };
        let mut and_list = Vec::with_capacity(atoms.len());
        for a in atoms {
            and_list.push(parse_check(a)?);
        }
        if and_list.len() == 1 {
            or_list.extend(and_list);
        } else {
            or_list.push(Check::And(and_list));
        }
    }
    Ok(match or_list.len() {
        0 => Check::False,
        1 => or_list.pop().unwrap_or(Check::False),
        _ => Check::Or(or_list),
    })
}

/// oslo `_parse_check`: one `kind:match` atom.
fn parse_check(atom: &str) -> Result<Check, ParseError> {
    match atom {
        "!" => return Ok(Check::False),
        "@" => return Ok(Check::True),
        _ => {}
    }
    let Some((kind, m)) = atom.split_once(':') else {
        // oslo logs "Failed to understand rule" and denies.
        return Err(ParseError(format!("check {atom:?} has no ':'")));
    };
    Ok(match kind {
        "http" | "https" => Check::Remote(atom.to_string()),
        "rule" => Check::Rule(m.to_string()),
        "role" => Check::Role(Template::parse(m)),
        _ => Check::Generic {
            kind: parse_kind(kind),
            template: Template::parse(m),
        },
    })
}

// ---------------------------------------------------------------------------
// GenericCheck's left side: `ast.literal_eval(kind)` or a dotted creds path
// ---------------------------------------------------------------------------

fn parse_kind(kind: &str) -> Kind {
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

// ---------------------------------------------------------------------------
// The right side: Python `%`-formatting against the (flattened) target
// ---------------------------------------------------------------------------

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

pub use crate::pyrepr::{py_float_repr, py_repr, py_repr_into, py_str, py_str_eq, py_str_into};

impl fmt::Display for Check {
    /// oslo's `__str__` form, for logs and tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::True => f.write_str("@"),
            Check::False => f.write_str("!"),
            Check::Rule(n) => write!(f, "rule:{n}"),
            Check::Role(t) => write!(f, "role:{t}"),
            Check::Generic { kind, template } => match kind {
                Kind::Literal { raw, .. } => write!(f, "{raw}:{template}"),
                Kind::Path(p) => write!(f, "{}:{template}", p.join(".")),
            },
            Check::Remote(s) => f.write_str(s),
            Check::Not(c) => write!(f, "not {c}"),
            Check::And(v) | Check::Or(v) => {
                let op = if matches!(self, Check::And(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_str("(")?;
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> String {
        parse_rule(s).unwrap().to_string()
    }

    #[test]
    fn atoms() {
        assert_eq!(parse_rule("").unwrap(), Check::True);
        assert_eq!(parse_rule("@").unwrap(), Check::True);
        assert_eq!(parse_rule("!").unwrap(), Check::False);
        assert_eq!(p("rule:admin_required"), "rule:admin_required");
        assert_eq!(p("role:admin"), "role:admin");
        // Only the first ':' splits kind from match.
        assert_eq!(p("role:compute:admin"), "role:compute:admin");
        assert!(matches!(
            parse_rule("http://x/%(a)s").unwrap(),
            Check::Remote(_)
        ));
        assert!(matches!(parse_rule("https:x").unwrap(), Check::Remote(_)));
    }

    #[test]
    fn precedence_matches_oslo() {
        // and binds tighter than or; not tighter than both.
        assert_eq!(p("a:1 or b:2 and c:3"), "(a:1 or (b:2 and c:3))");
        assert_eq!(p("a:1 and b:2 or c:3"), "((a:1 and b:2) or c:3)");
        assert_eq!(
            p("a:1 or b:2 and c:3 and d:4"),
            "(a:1 or (b:2 and c:3 and d:4))"
        );
        assert_eq!(
            p("a:1 and b:2 or c:3 and d:4"),
            "((a:1 and b:2) or (c:3 and d:4))"
        );
        assert_eq!(p("not a:1 and b:2"), "(not a:1 and b:2)");
        assert_eq!(p("a:1 or not b:2"), "(a:1 or not b:2)");
        assert_eq!(p("not (a:1 or b:2)"), "not (a:1 or b:2)");
        assert_eq!(p("not not a:1"), "not not a:1");
        assert_eq!(p("(a:1 or b:2) and c:3"), "((a:1 or b:2) and c:3)");
        assert_eq!(p("((a:1))"), "a:1");
        assert_eq!(p("a:1 or b:2 or c:3"), "(a:1 or b:2 or c:3)");
        // Keywords are case-insensitive and may carry parentheses.
        assert_eq!(p("a:1 AND b:2 Or c:3"), "((a:1 and b:2) or c:3)");
        assert_eq!(p("(not a:1)"), "not a:1");
        // Expected strings below are oslo's own str(parse_rule(..)).
        assert_eq!(
            p("a:1 or (b:2 and c:3) and d:4"),
            "(a:1 or (b:2 and c:3 and d:4))"
        );
        assert_eq!(
            p("(a:1 and b:2) or (c:3 or d:4) and e:5"),
            "((a:1 and b:2) or ((c:3 or d:4) and e:5))"
        );
        assert_eq!(
            p("not a:1 or not b:2 and not (c:3)"),
            "(not a:1 or (not b:2 and not c:3))"
        );
        // Whitespace of any kind separates tokens.
        assert_eq!(p("  a:1\tor\n b:2 "), "(a:1 or b:2)");
    }

    #[test]
    fn parse_failures() {
        for bad in [
            "a:1 and",
            "or a:1",
            "(a:1",
            "a:1)",
            "a:1 b:2",
            "admin",    // no ':' in an atom
            "'quoted'", // quoted tokens never reduce
            "a:1 or 'x'",
            "   ", // non-empty but no tokens
            "not",
            "()",
        ] {
            assert!(parse_rule(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn kinds() {
        // "lit <str() of the literal>" or "path <segments joined by />".
        let k = |s: &str| match parse_rule(&format!("{s}:x")).unwrap() {
            Check::Generic {
                kind: Kind::Literal { value, .. },
                ..
            } => format!("lit {value}"),
            Check::Generic {
                kind: Kind::Path(p),
                ..
            } => format!("path {}", p.join("/")),
            other => panic!("{other:?}"),
        };
        assert_eq!(k("True"), "lit True");
        assert_eq!(k("None"), "lit None");
        assert_eq!(k("'member'"), "lit member");
        assert_eq!(k("\"a\\tb\""), "lit a\tb");
        assert_eq!(k("1"), "lit 1");
        assert_eq!(k("-1_000"), "lit -1000");
        assert_eq!(k("0x10"), "lit 16");
        assert_eq!(k("1.50"), "lit 1.5");
        assert_eq!(k("1e20"), "lit 1e+20");
        assert_eq!(k("007"), "path 007");
        assert_eq!(k("true"), "path true");
        assert_eq!(k("is_admin"), "path is_admin");
        assert_eq!(k("token.domain.id"), "path token/domain/id");
    }

    #[test]
    fn templates() {
        let t = json!({"a": "x", "n": null, "b": true, "i": 3, "f": 2.0, "l": ["p", 1]});
        let look = |k: &str| t.get(k);
        let r = |s: &str| Template::parse(s).render(look).map(|c| c.into_owned());
        assert_eq!(r("%(a)s"), Ok("x".into()));
        assert_eq!(r("pre-%(a)s-%(i)s"), Ok("pre-x-3".into()));
        assert_eq!(r("%(n)s"), Ok("None".into()));
        assert_eq!(r("%(b)s"), Ok("True".into()));
        assert_eq!(r("%(f)s"), Ok("2.0".into()));
        assert_eq!(r("%(l)s"), Ok("['p', 1]".into()));
        assert_eq!(r("%(a)r"), Ok("'x'".into()));
        assert_eq!(r("%(i)d"), Ok("3".into()));
        assert_eq!(r("%(b)d"), Ok("1".into()));
        assert_eq!(r("100%%"), Ok("100%".into()));
        assert_eq!(r("plain"), Ok("plain".into()));
        assert_eq!(r("%(missing)s"), Err(RenderError::MissingKey));
        assert_eq!(r("%(a)d"), Err(RenderError::Format));
        assert_eq!(r("%s"), Err(RenderError::Format));
        assert_eq!(r("%(a"), Err(RenderError::Format));
        assert_eq!(r("x%"), Err(RenderError::Format));
        assert!(Template::parse("%(a)5s").is_unsupported());
    }

    #[test]
    fn float_repr() {
        for (f, s) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (123456789012345.0, "123456789012345.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
        ] {
            assert_eq!(py_float_repr(f), s);
        }
    }

    #[test]
    fn list_syntax() {
        let l = |v: Vec<ListItem>| parse_list_rule(&v).unwrap().to_string();
        assert_eq!(l(vec![]), "@");
        assert_eq!(l(vec![ListItem::One(String::new())]), "!");
        assert_eq!(l(vec![ListItem::One("role:a".into())]), "role:a");
        assert_eq!(
            l(vec![
                ListItem::All(vec!["role:a".into(), "b:c".into()]),
                ListItem::One("rule:x".into())
            ]),
            "((role:a and b:c) or rule:x)"
        );
    }
}
