//! Log lines as text (env_logger's format, the default) or as one JSON object a line
//! (`--log-format json`, oslo.log's `use_json`). The choice is made after the configuration is
//! read, while the logger must exist before (reading it logs warnings): `SwitchLogger` holds
//! both and a switch. Access-log lines carry their fields (request id, method, route pattern,
//! status, duration) as log key-values, which the JSON lines include; text lines keep their
//! message as before.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use log::kv::{Error as KvError, Key, Value as KvValue, VisitSource};
use serde_json::{Map, Value};

/// One buffered stderr shared by both formats (a background thread flushes it).
#[derive(Clone)]
pub struct SharedPipe(pub Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedPipe {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

pub struct SwitchLogger {
    text: env_logger::Logger,
    json: env_logger::Logger,
    use_json: Arc<AtomicBool>,
}

impl SwitchLogger {
    /// Both loggers filtered by RUST_LOG (default `info`), writing to `pipe`; JSON while
    /// `use_json` is set.
    pub fn new(pipe: SharedPipe, use_json: Arc<AtomicBool>) -> SwitchLogger {
        let env = || env_logger::Env::default().default_filter_or("info");
        let text = env_logger::Builder::from_env(env())
            .target(env_logger::Target::Pipe(Box::new(pipe.clone())))
            .build();
        let json = env_logger::Builder::from_env(env())
            .target(env_logger::Target::Pipe(Box::new(pipe)))
            .format(|buf, record| writeln!(buf, "{}", json_line(record)))
            .build();
        SwitchLogger {
            text,
            json,
            use_json,
        }
    }

    pub fn max_level(&self) -> log::LevelFilter {
        self.text.filter()
    }

    fn active(&self) -> &env_logger::Logger {
        if self.use_json.load(Ordering::Relaxed) {
            &self.json
        } else {
            &self.text
        }
    }
}

impl log::Log for SwitchLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        self.active().enabled(metadata)
    }
    fn log(&self, record: &log::Record) {
        self.active().log(record)
    }
    fn flush(&self) {
        self.text.flush();
    }
}

/// `{"asctime", "levelname", "name", "message", ...key-values}`, names as oslo.log's
/// JSONFormatter has them.
pub fn json_line(record: &log::Record) -> String {
    let mut line = Map::new();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    line.insert("asctime".into(), Value::String(now));
    line.insert(
        "levelname".into(),
        Value::String(record.level().to_string()),
    );
    line.insert("name".into(), Value::String(record.target().to_string()));
    line.insert("message".into(), Value::String(record.args().to_string()));
    let _ = record.key_values().visit(&mut Collect(&mut line));
    Value::Object(line).to_string()
}

struct Collect<'a>(&'a mut Map<String, Value>);

impl<'kvs> VisitSource<'kvs> for Collect<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: KvValue<'kvs>) -> Result<(), KvError> {
        let value = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(f) = value.to_f64() {
            Value::from(f)
        } else {
            Value::String(value.to_string())
        };
        self.0.insert(key.as_str().to_string(), value);
        Ok(())
    }
}
