//! The store's module graph has no circles: a subsystem file calls only tables.rs, error.rs,
//! mod.rs and subsystems below it; cascades across subsystems live in src/service/. This test
//! reads each file's non-test source, lists the sibling modules it names, and orders them.

use std::collections::BTreeMap;

/// Every store file but mod.rs, with its source.
const FILES: &[(&str, &str)] = &[
    (
        "application_credentials",
        include_str!("application_credentials.rs"),
    ),
    // A folder module: its files in one, mod.rs last because `code_of` stops at the first
    // `#[cfg(test)]` (mod.rs declares its tests module at its end).
    (
        "assignment",
        concat!(
            include_str!("assignment/roles.rs"),
            include_str!("assignment/implied.rs"),
            include_str!("assignment/grants.rs"),
            include_str!("assignment/effective.rs"),
            include_str!("assignment/query.rs"),
            include_str!("assignment/mod.rs"),
        ),
    ),
    ("catalog", include_str!("catalog.rs")),
    ("changes", include_str!("changes.rs")),
    ("credentials", include_str!("credentials.rs")),
    ("domain_config", include_str!("domain_config.rs")),
    ("endpoint_filter", include_str!("endpoint_filter.rs")),
    ("error", include_str!("error.rs")),
    ("identity", include_str!("identity.rs")),
    ("limits", include_str!("limits.rs")),
    ("oauth1", include_str!("oauth1.rs")),
    ("policies", include_str!("policies.rs")),
    ("resource", include_str!("resource.rs")),
    ("revocation", include_str!("revocation.rs")),
    ("tables", include_str!("tables.rs")),
    ("totp", include_str!("totp.rs")),
    ("trusts", include_str!("trusts.rs")),
];

/// Crate modules above the store: naming one would make the store depend on its callers.
const ABOVE: &[&str] = &[
    "crate::error",
    "crate::http",
    "crate::api",
    "crate::service",
    "crate::auth",
    "crate::compliance",
    "crate::app",
];

/// The code a file compiles outside its tests, without comments.
fn code_of(source: &str) -> String {
    let body = source.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names module `m` (`m::x`, `super::m`, or `m` inside `use super::{..}`).
fn names(code: &str, m: &str) -> bool {
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(at) = code[from..].find(m) {
        let start = from + at;
        let end = start + m.len();
        let before_ok =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let after = &code[end..];
        let after_ok = after.starts_with("::")
            || (code[..start].ends_with("super::")
                && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
            || (in_super_group(code, start) && after.starts_with([',', '}', ' ']));
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// Whether `at` is inside a `use super::{ ... }` group.
fn in_super_group(code: &str, at: usize) -> bool {
    match code[..at].rfind("use super::{") {
        Some(open) => !code[open..at].contains('}'),
        None => false,
    }
}

/// Each file's sibling modules, helpers (tables, error) left out as everyone's floor.
fn graph() -> BTreeMap<&'static str, Vec<&'static str>> {
    let helpers = ["tables", "error"];
    FILES
        .iter()
        .map(|(name, source)| {
            let code = code_of(source);
            let deps = FILES
                .iter()
                .map(|(m, _)| *m)
                .filter(|m| m != name && !helpers.contains(m) && names(&code, m))
                .collect();
            (*name, deps)
        })
        .collect()
}

/// Lowest first; `Err` names the files left in a cycle.
fn order(
    graph: &BTreeMap<&'static str, Vec<&'static str>>,
) -> Result<Vec<&'static str>, Vec<&'static str>> {
    let mut done: Vec<&str> = Vec::new();
    while done.len() < graph.len() {
        let ready: Vec<&str> = graph
            .iter()
            .filter(|(m, deps)| !done.contains(m) && deps.iter().all(|d| done.contains(d)))
            .map(|(m, _)| *m)
            .collect();
        if ready.is_empty() {
            return Err(graph
                .keys()
                .copied()
                .filter(|m| !done.contains(m))
                .collect());
        }
        done.extend(ready);
    }
    Ok(done)
}

#[test]
fn the_store_calls_no_module_in_a_circle() {
    let graph = graph();
    for (m, deps) in &graph {
        println!("store/{m}.rs -> {deps:?}");
    }
    let order = order(&graph).unwrap_or_else(|cycle| panic!("store modules in a cycle: {cycle:?}"));
    println!("order, lowest first: {}", order.join(" < "));
}

#[test]
fn the_store_names_nothing_above_it() {
    for (m, source) in FILES {
        let code = code_of(source);
        for above in ABOVE {
            assert!(!code.contains(above), "store/{m}.rs names {above}");
        }
    }
    let code = code_of(include_str!("mod.rs"));
    for above in ABOVE {
        assert!(!code.contains(above), "store/mod.rs names {above}");
    }
}

#[test]
fn the_check_sees_a_circle() {
    let mut graph = BTreeMap::new();
    graph.insert("a", vec!["b"]);
    graph.insert("b", vec!["a"]);
    graph.insert("c", vec![]);
    assert_eq!(order(&graph), Err(vec!["a", "b"]));
    assert!(names("use super::{assignment, Reader};", "assignment"));
    assert!(names("x = resource::get(r)", "resource"));
    assert!(!names("x = application_credentials::get(r)", "credentials"));
}
