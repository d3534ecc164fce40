//! `keystone-lite mapping-engine` against upstream's recorded answers: every case of
//! tests/federation/mapping/cases.json (recorded from keystone-manage mapping_engine by
//! record.py) runs through our real binary; normalized stdout, exit status and SystemExit
//! message must equal upstream's. tests/federation/mapping/oracle.py re-checks the recordings
//! against upstream live. engine_cases.json does the same for the library's 2.0/3.0
//! processors, which the CLI never uses.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::common::{temp_dir, BIN};

fn load(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/federation/mapping")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("case table");
    serde_json::from_str::<Value>(&text)
        .expect("case table is JSON")
        .as_array()
        .expect("a list")
        .clone()
}

/// harness.py's `materialize`: the case's files in `dir`, and the flags.
fn materialize(case: &Value, dir: &Path) -> Vec<String> {
    if case.get("rules_missing").is_none() {
        let text = match case.get("rules_text") {
            Some(Value::String(t)) => t.clone(),
            _ => serde_json::to_string(&case["rules"]).unwrap(),
        };
        std::fs::write(dir.join("rules.json"), text).unwrap();
    }
    if case.get("input_missing").is_none() {
        std::fs::write(dir.join("input.txt"), case["input"].as_str().unwrap()).unwrap();
    }
    let mut args: Vec<String> = ["--rules", "rules.json", "--input", "input.txt"]
        .map(String::from)
        .into();
    for (key, flag) in [
        ("prefix", "--prefix"),
        ("version", "--mapping-schema-version"),
    ] {
        if let Some(Value::String(v)) = case.get(key).filter(|v| v.as_str() != Some("")) {
            args.extend([flag.to_string(), v.clone()]);
        }
    }
    if case.get("debug") == Some(&Value::Bool(true)) {
        args.push("--engine-debug".into());
    }
    args
}

/// Whether a line starts with oslo.log's "YYYY-MM-DD HH:MM:SS.mmm PID " prefix; the rest.
fn strip_log_prefix(line: &str) -> &str {
    let mut parts = line.splitn(4, ' ');
    let (Some(date), Some(time), Some(pid), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return line;
    };
    let date_ok = date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-';
    let time_ok = time.len() == 12 && time.as_bytes()[2] == b':' && time.as_bytes()[8] == b'.';
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if date_ok && time_ok && pid_ok {
        rest
    } else {
        line
    }
}

/// harness.py's `normalize`.
fn normalize(stdout: &str, stderr: &str, code: i32) -> Value {
    let lines: Vec<String> = stdout
        .lines()
        .map(strip_log_prefix)
        .filter(|l| {
            !l.starts_with("ERROR keystone") && !l.starts_with("DEBUG ") && !l.trim().is_empty()
        })
        .map(String::from)
        .collect();
    let mut result = json!({"stdout": lines, "exit": code});
    if code != 0 && !lines.iter().any(|l| l.contains("Unhandled error")) {
        let tail = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        result["stderr"] = json!(tail);
    }
    result
}

/// harness.py's `canonical`: lists sorted by their JSON (Python's set order is per process).
fn canonical(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(sorted_json);
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

/// JSON text with keys sorted, as Python's `json.dumps(sort_keys=True)` orders them.
fn sorted_json(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let body: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", json!(k), sorted_json(&map[*k])))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(sorted_json).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// harness.py's `comparable`.
fn comparable(observed: &Value, case: &Value) -> Value {
    let mut out = observed.clone();
    let mut lines: Vec<String> = observed["stdout"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    if case.get("unordered") == Some(&Value::Bool(true)) {
        if let Some(start) = lines.iter().position(|l| l == "{") {
            let parsed: Value = serde_json::from_str(&lines[start..].join("\n")).unwrap();
            lines.truncate(start);
            lines.push(sorted_json(&canonical(&parsed)));
        }
    }
    let loose: Vec<&str> = case
        .get("loose")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if loose.contains(&"critical_message") {
        for line in lines.iter_mut().filter(|l| l.contains("Unhandled error")) {
            let parts: Vec<&str> = line.split(": ").collect();
            *line = format!("{}: {}", parts[0], parts.get(1).unwrap_or(&""));
        }
    }
    if loose.contains(&"stderr") {
        if let Some(Value::String(s)) = out.get("stderr") {
            out["stderr"] = json!(s.split(": ").next().unwrap_or_default());
        }
    }
    out["stdout"] = json!(lines);
    out
}

#[test]
fn mapping_engine_cli_equals_upstream_on_every_recorded_case() {
    let cases = load("cases.json");
    assert!(cases.len() >= 70, "the table holds {} cases", cases.len());
    let mut mismatches = Vec::new();
    for case in &cases {
        let dir = temp_dir("mapping-engine");
        let args = materialize(case, &dir);
        let output = Command::new(BIN)
            .arg("mapping-engine")
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let ours = normalize(
            &String::from_utf8_lossy(&output.stdout),
            &String::from_utf8_lossy(&output.stderr),
            output.status.code().unwrap_or(-1),
        );
        let (ours, upstream) = (comparable(&ours, case), comparable(&case["expect"], case));
        if ours != upstream {
            mismatches.push(format!(
                "{}:\n  ours:     {ours}\n  upstream: {upstream}",
                case["name"]
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

#[test]
fn mapping_engine_cli_flags_errors_as_argparse() {
    let output = Command::new(BIN)
        .args(["mapping-engine", "--rules", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the following arguments are required: --input"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

/// The library on engine_cases.json (recorded by record_engine.py from upstream's processors
/// of each schema version): result dicts equal, or the same exception class and message
/// (`loose` cases: a JSON decoder's message, the class only).
#[test]
fn mapping_engine_library_equals_upstream_processors() {
    use keystone_lite::federation::mapping;
    let cases = load("engine_cases.json");
    let mut mismatches = Vec::new();
    for case in &cases {
        let version = case["version"].as_str().unwrap();
        let mut with_version = case["mapping"].clone();
        with_version["schema_version"] = json!(version);
        let pairs: Vec<(String, String)> = case["assertion"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let outcome = mapping::validate(&with_version, version)
            .and_then(|()| mapping::process(&case["mapping"]["rules"], version, &pairs));
        let mut ours = match outcome {
            Ok(mapped) => json!({"result": serde_json::to_value(&mapped).unwrap()}),
            Err(e) => json!({"error": {"class": e.class(), "message": e.message()}}),
        };
        let mut upstream = case["expect"].clone();
        if case.get("loose") == Some(&Value::Bool(true)) {
            for v in [&mut ours, &mut upstream] {
                if let Some(error) = v.get_mut("error") {
                    error["message"] = json!("(not compared)");
                }
            }
        }
        if ours != upstream {
            mismatches.push(format!(
                "{}:\n  ours:     {ours}\n  upstream: {upstream}",
                case["name"]
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} engine cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
