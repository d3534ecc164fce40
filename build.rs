//! Generates `Action`, one variant per rule in src/policy/defaults.yaml (upstream's registered
//! rules, `admin_required` included, which v2.0's admin API enforces as upstream's v2 did), so
//! a route naming an action upstream does not register does not compile; and one per rule of
//! src/policy/huawei/*.yaml (Huawei IAM's routes). Each rule is one line `"name": {check: ...}`.

use std::fmt::Write as _;
use std::path::Path;

const UPSTREAM_RULES: &str = "src/policy/defaults.yaml";
/// Huawei IAM's rules, one file per API group; concatenated into `OUT_DIR/huawei_rules.yaml`,
/// which the policy loader embeds after upstream's.
const HUAWEI_RULES_DIR: &str = "src/policy/huawei";

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    println!("cargo:rerun-if-changed={HUAWEI_RULES_DIR}");
    let mut huawei_files: Vec<String> = std::fs::read_dir(HUAWEI_RULES_DIR)
        .unwrap_or_else(|e| panic!("{HUAWEI_RULES_DIR}: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    huawei_files.sort();
    let mut huawei_rules = String::new();
    let mut names: Vec<String> = Vec::new();
    let rule_files =
        std::iter::once(UPSTREAM_RULES.to_string()).chain(huawei_files.iter().cloned());
    for file in rule_files {
        println!("cargo:rerun-if-changed={file}");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        if file != UPSTREAM_RULES {
            huawei_rules.push_str(&text);
            huawei_rules.push('\n');
        }
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
    let dest = Path::new(&out_dir).join("actions.rs");
    std::fs::write(dest, out).expect("write actions.rs");
    std::fs::write(Path::new(&out_dir).join("huawei_rules.yaml"), huawei_rules)
        .expect("write huawei_rules.yaml");
}

/// `identity:get_project` -> `GetProject`; `admin_required` -> `AdminRequired`;
/// `iam:credentials:createCredential` -> `IamCredentialsCreateCredential`.
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
