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
//!
//! One job a file: this one holds the tree and the entry points; `tokenize` (oslo
//! `_parse_tokenize`), `reduce` (oslo `ParseState`'s reductions), `literal` (a generic
//! check's left side), `template` (its right side, `%`-formatted against the target).

mod literal;
mod reduce;
mod template;
#[cfg(test)]
mod tests;
mod tokenize;

use std::fmt;

use literal::parse_kind;
use reduce::reduce;
use tokenize::{tokenize, Tok};

pub use crate::pyrepr::{py_float_repr, py_repr, py_repr_into, py_str, py_str_eq, py_str_into};
pub use template::{RenderError, Template};

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
