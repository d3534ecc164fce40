//! The tokenizer (oslo `_parse_tokenize`): split on Python's whitespace, peel parentheses,
//! recognise `and`/`or`/`not`, and parse every other token as a check.

use super::{parse_check, Check, ParseError};

/// A token on the shift-reduce stack (oslo's token names in comments).
pub(super) enum Tok {
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

pub(super) fn tokenize(rule: &str, out: &mut Vec<Tok>) -> Result<(), ParseError> {
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
