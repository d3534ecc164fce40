//! `keystone-lite mapping-engine`: keystone-manage's `mapping_engine` (keystone/cmd/cli.py
//! MappingEngineTester). Same flags, inputs and stdout: oslo.log-shaped lines (keystone-manage
//! logs to stdout), the result as `json.dumps(indent=2)`; an error upstream lets escape is its
//! "CRITICAL keystone [-] Unhandled error: <class>: <message>" line (without the Python
//! traceback) and status 1; upstream's SystemExit messages go to stderr with status 1.
//!
//! As upstream, the rules are validated with the schema version given (flag, else the file's
//! `schema_version`, else 1.0) but always processed by the 1.0 processor (`RuleProcessor`).

use serde_json::{Map, Value};

use crate::federation::mapping::{self, dumps_indent2, MappingError};
use crate::pyrepr::{py_repr, py_str};

struct Flags {
    rules: String,
    input: String,
    prefix: Option<String>,
    engine_debug: bool,
    schema_version: Option<String>,
}

/// How the command ends when it does not print a result.
enum Exit {
    /// An exception upstream does not catch: logged CRITICAL, status 1.
    Unhandled(String, String),
    /// `raise SystemExit(message)`: the message on stderr, status 1.
    SystemExit(String),
}

impl From<MappingError> for Exit {
    fn from(e: MappingError) -> Exit {
        Exit::Unhandled(e.class().to_string(), e.message())
    }
}

pub fn run(args: Vec<String>) -> i32 {
    let flags = match parse(args) {
        Ok(flags) => flags,
        Err(message) => {
            eprintln!("usage: keystone-lite mapping-engine [-h] --rules RULES --input INPUT [--prefix PREFIX] [--engine-debug] [--mapping-schema-version MAPPING_SCHEMA_VERSION]");
            eprintln!("keystone-lite mapping-engine: error: {message}");
            return 2;
        }
    };
    match execute(&flags) {
        Ok(()) => 0,
        Err(Exit::Unhandled(class, message)) => {
            log(
                "CRITICAL",
                "keystone",
                &format!(
                    "Unhandled error: {class}: {}",
                    message.trim_end_matches('\n')
                ),
            );
            1
        }
        Err(Exit::SystemExit(message)) => {
            eprintln!("{message}");
            1
        }
    }
}

/// argparse's reading of the flags (`--flag value` and `--flag=value`).
fn parse(args: Vec<String>) -> Result<Flags, String> {
    let (mut rules, mut input, mut prefix, mut engine_debug, mut schema_version) =
        (None, None, None, false, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let slot = match name.as_str() {
            "--engine-debug" if inline.is_none() => {
                engine_debug = true;
                continue;
            }
            "--rules" => &mut rules,
            "--input" => &mut input,
            "--prefix" => &mut prefix,
            "--mapping-schema-version" => &mut schema_version,
            _ => return Err(format!("unrecognized arguments: {arg}")),
        };
        let value = match inline {
            Some(v) => v,
            None => args
                .next()
                .ok_or_else(|| format!("argument {name}: expected one argument"))?,
        };
        *slot = Some(value);
    }
    let missing: Vec<&str> = [("--rules", rules.is_none()), ("--input", input.is_none())]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
    match (rules, input) {
        (Some(rules), Some(input)) => Ok(Flags {
            rules,
            input,
            prefix,
            engine_debug,
            schema_version,
        }),
        _ => Err(format!(
            "the following arguments are required: {}",
            missing.join(", ")
        )),
    }
}

/// What keystone-manage logs and checks before processing: the mapping with its schema
/// version (the flag's, else the file's, else 1.0), validated.
fn validate_rules(rules: &Value, schema_version: Option<&str>) -> Result<(), Exit> {
    let Value::Object(mut attribute_mapping) = rules.clone() else {
        let kind = match rules {
            Value::String(_) => "str",
            Value::Number(n) if n.is_f64() => "float",
            Value::Number(_) => "int",
            Value::Bool(_) => "bool",
            _ => "NoneType",
        };
        return Err(Exit::Unhandled(
            "AttributeError".into(),
            format!("'{kind}' object has no attribute 'copy'"),
        ));
    };
    if let Some(version) = schema_version.filter(|v| !v.is_empty()) {
        attribute_mapping.insert("schema_version".into(), Value::String(version.to_string()));
    }
    if !mapping::truthy(attribute_mapping.get("schema_version")) {
        log(
            "WARNING",
            "keystone.cmd.cli",
            &format!(
            "No schema version defined in rules [{}]. Therefore,we will use the default as [1.0].",
            py_repr(&Value::Object(attribute_mapping.clone()))
        ),
        );
        attribute_mapping.insert("schema_version".into(), Value::String("1.0".into()));
    }
    let attribute_mapping = Value::Object(attribute_mapping);
    log(
        "INFO",
        "keystone.cmd.cli",
        &format!(
            "Validating Attribute mapping rules [{}].",
            py_repr(&attribute_mapping)
        ),
    );
    let version = mapping::effective_schema_version(&attribute_mapping, "1.0")?;
    mapping::validate(&attribute_mapping, &version)?;
    log(
        "INFO",
        "keystone.cmd.cli",
        "Attribute mapping rules are valid.",
    );
    Ok(())
}

fn execute(flags: &Flags) -> Result<(), Exit> {
    let rules = read_rules(&flags.rules)?;
    validate_rules(&rules, flags.schema_version.as_deref())?;
    let assertion = read_assertion(&flags.input, flags.prefix.as_deref().unwrap_or_default())?;
    if flags.engine_debug {
        println!("Using Rules:\n{}", dumps_indent2(&rules));
        let object: Map<String, Value> = assertion
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        println!(
            "Using Assertion:\n{}",
            dumps_indent2(&Value::Object(object))
        );
    }
    let result =
        mapping::process_logged(&rules["rules"], mapping::DEFAULT_SCHEMA_VERSION, &assertion);
    let (mapped, ignored) = match result {
        Ok(done) => done,
        Err(MappingError::NoMatch) => {
            log(
                "WARNING",
                "keystone.federation.utils",
                mapping::NO_MATCH_MESSAGE,
            );
            return Err(MappingError::NoMatch.into());
        }
        Err(e) => return Err(e.into()),
    };
    for user in &ignored {
        log(
            "WARNING",
            "keystone.federation.utils",
            &format!("Ignoring user [{}]", py_str(user)),
        );
    }
    log(
        "INFO",
        "keystone.cmd.cli",
        "Result of the attribute mapping processing.",
    );
    println!("{}", dumps_indent2(&mapped));
    Ok(())
}

/// `jsonutils.load` of the file; a list is upstream's `{"rules": list}`.
fn read_rules(path: &str) -> Result<Value, Exit> {
    let bytes = std::fs::read(path).map_err(|e| os_error(path, &e, true))?;
    let rules: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Exit::SystemExit(format!("Error while parsing rules {path}: {e}")))?;
    Ok(match rules {
        Value::Array(list) => serde_json::json!({"rules": list}),
        other => other,
    })
}

/// The `key: value` lines of the input file (blank lines skipped, later keys win), those whose
/// key starts with the prefix when one is given.
fn read_assertion(path: &str, prefix: &str) -> Result<Vec<(String, String)>, Exit> {
    let bytes = std::fs::read(path).map_err(|e| os_error(path, &e, false))?;
    // Upstream reads text: bytes that are not UTF-8 raise UnicodeDecodeError, not an OSError.
    let text = String::from_utf8(bytes).map_err(|e| {
        Exit::Unhandled(
            "UnicodeDecodeError".into(),
            format!("'utf-8' codec can't decode the input file: {e}"),
        )
    })?;
    let mut assertion: Vec<(String, String)> = Vec::new();
    for (number, line) in py_splitlines(py_strip(&text)).into_iter().enumerate() {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(Exit::SystemExit(format!(
                "assertion file {path} at line {} expected 'key: value' but found '{line}' see help for file format",
                number + 1
            )));
        };
        let (key, value) = (py_strip(key).to_string(), py_strip(value).to_string());
        if !key.starts_with(prefix) {
            continue;
        }
        match assertion.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => assertion.push((key, value)),
        }
    }
    Ok(assertion)
}

/// Python's OSError wording; for the rules file it escapes (FileNotFoundError...), for the
/// input file upstream turns it into a SystemExit.
fn os_error(path: &str, e: &std::io::Error, unhandled: bool) -> Exit {
    use std::io::ErrorKind;
    let (class, errno) = match e.kind() {
        ErrorKind::NotFound => ("FileNotFoundError", "[Errno 2] No such file or directory"),
        ErrorKind::PermissionDenied => ("PermissionError", "[Errno 13] Permission denied"),
        _ if e.raw_os_error() == Some(21) => ("IsADirectoryError", "[Errno 21] Is a directory"),
        _ => ("OSError", "[Errno 5] Input/output error"),
    };
    let err = format!("{errno}: {}", py_repr(&Value::String(path.into())));
    if unhandled {
        Exit::Unhandled(class.into(), err)
    } else {
        Exit::SystemExit(format!("Error while opening file {path}: {err}"))
    }
}

/// Python `str.strip()`: Unicode whitespace, which includes the \x1c-\x1f separators.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Python `str.splitlines()`.
fn py_splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !boundary {
            continue;
        }
        lines.push(&s[start..i]);
        let mut end = i + c.len_utf8();
        if c == '\r' && chars.peek().map(|p| p.1) == Some('\n') {
            chars.next();
            end += 1;
        }
        start = end;
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

/// One line as oslo.log writes it for keystone-manage (to stdout).
fn log(level: &str, logger: &str, message: &str) {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]"
    );
    let now = time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default();
    println!(
        "{now} {} {level} {logger} [-] {message}",
        std::process::id()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_and_strip_follow_python() {
        assert_eq!(py_splitlines("a\r\nb\rc\n"), vec!["a", "b", "c"]);
        assert_eq!(py_splitlines("a\u{2028}b"), vec!["a", "b"]);
        assert_eq!(py_strip("\x1c a \u{3000}"), "a");
    }

    #[test]
    fn flags_as_argparse() {
        let f = parse(vec![
            "--rules=r".into(),
            "--input".into(),
            "i".into(),
            "--engine-debug".into(),
        ])
        .unwrap();
        assert_eq!(
            (f.rules.as_str(), f.input.as_str(), f.engine_debug),
            ("r", "i", true)
        );
        assert!(parse(vec!["--rules".into(), "r".into()]).is_err());
    }
}
