//! The shift-reduce parser's reductions (oslo `ParseState.reduce`), ported literally so odd
//! inputs reduce to exactly the tree oslo builds.

use super::tokenize::Tok;
use super::Check;

/// Apply oslo's reductions to the top of the stack until none matches.
pub(super) fn reduce(stack: &mut Vec<Tok>) {
    while reduce_three(stack) || reduce_not(stack) {}
}

/// The reductions of the top three tokens (parentheses, `and`, `or`); whether one applied.
fn reduce_three(stack: &mut Vec<Tok>) -> bool {
    let n = stack.len();
    if n < 3 {
        return false;
    }
    match (&stack[n - 3], &stack[n - 2], &stack[n - 1]) {
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
    }
}

/// `not <check>` on the top two tokens; whether it applied.
fn reduce_not(stack: &mut Vec<Tok>) -> bool {
    let n = stack.len();
    if n < 2 {
        return false;
    }
    if let (Tok::Not, Tok::Check(_)) = (&stack[n - 2], &stack[n - 1]) {
        let c = pop_check(stack);
        stack.pop();
        stack.push(Tok::Check(Check::Not(Box::new(c))));
        return true;
    }
    false
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
