//! Generates `Action`, one variant per rule in src/policy/defaults.yaml (upstream's registered
//! rules, `admin_required` included, which v2.0's admin API enforces as upstream's v2 did), so
//! a route naming an action upstream does not register does not compile. Each rule is one line
//! `"name": {check: ...}` in that file.

use std::fmt::Write as _;
use std::path::Path;

const RULE_FILES: [&str; 1] = ["src/policy/defaults.yaml"];

fn main() {
    let mut names: Vec<String> = Vec::new();
    for file in RULE_FILES {
        println!("cargo:rerun-if-changed={file}");
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix('"') {
                if let Some((name, _)) = rest.split_once('"') {
                    if !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    let mut out = String::new();
    out.push_str("/// A policy rule name, generated from the defaults files by build.rs.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Action {\n");
    for name in &names {
        let _ = writeln!(out, "    /// `{name}`\n    {},", variant(name));
    }
    out.push_str("}\n\nimpl Action {\n    pub const ALL: &'static [Action] = &[\n");
    for name in &names {
        let _ = writeln!(out, "        Action::{},", variant(name));
    }
    out.push_str("    ];\n\n    /// The rule's name as policy files spell it.\n");
    out.push_str("    pub fn name(self) -> &'static str {\n        match self {\n");
    for name in &names {
        let _ = writeln!(out, "            Action::{} => {name:?},", variant(name));
    }
    out.push_str("        }\n    }\n}\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("actions.rs");
    std::fs::write(dest, out).expect("write actions.rs");
}

/// `identity:get_project` -> `GetProject`; `admin_required` -> `AdminRequired`.
fn variant(name: &str) -> String {
    let base = name.strip_prefix("identity:").unwrap_or(name);
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}
