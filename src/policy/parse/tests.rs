//! Unit tests: atoms, oslo's precedence, parse failures, kinds, templates.

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
