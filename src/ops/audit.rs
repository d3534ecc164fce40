//! Audit events: upstream's notifications (keystone/notifications.py) as CADF events, each in
//! oslo.messaging's envelope (`message_id`, `publisher_id`, `event_type`, `priority`,
//! `payload`, `timestamp`: what its `log` driver writes after the log prefix), one JSON line
//! per event, flushed, to `[audit] file` (a path, or `-` for stdout). Which request makes
//! which event is data (src/ops/audit_events.rs); this module owns the options, the sink and
//! the CADF shapes. Payloads carry ids and names only, as upstream's: never a secret.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

/// `[DEFAULT] notification_opt_out`'s default (keystone/conf/default.py).
const DEFAULT_OPT_OUT: [&str; 2] = [
    "identity.authenticate.success",
    "identity.authenticate.pending",
];
/// keystone.common.utils.RESOURCE_ID_NAMESPACE: non-UUID user ids become uuid5s of it.
const RESOURCE_ID_NAMESPACE: [u8; 16] = [
    0x43, 0x32, 0xec, 0xab, 0x77, 0x0b, 0x42, 0x88, 0xa6, 0x80, 0xb9, 0xac, 0xa3, 0xb1, 0xb1, 0x53,
];
pub const ACCOUNT_USER: &str = "service/security/account/user";

/// `[audit]` and upstream's `[DEFAULT]` notification options.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// `[audit] file`: where events go (`-`: stdout); no events when None.
    pub file: Option<String>,
    /// `[DEFAULT] notification_format = cadf|basic`.
    pub basic: bool,
    /// `[DEFAULT] notification_opt_out` (a multi-valued option: each line adds one).
    pub opt_out: Vec<String>,
    /// Whether the file gave any opt-out (then it replaces the default list).
    opt_out_given: bool,
    /// `[DEFAULT] default_publisher_id`: the host part of `publisher_id`.
    pub publisher_host: Option<String>,
}

impl Default for AuditConfig {
    fn default() -> AuditConfig {
        AuditConfig {
            file: None,
            basic: false,
            opt_out: DEFAULT_OPT_OUT.iter().map(|s| s.to_string()).collect(),
            opt_out_given: false,
            publisher_host: None,
        }
    }
}

impl AuditConfig {
    /// One keystone.conf option; Ok(false) when it is not one of ours.
    pub fn apply(&mut self, section: &str, key: &str, value: &str) -> Result<bool, String> {
        match (section, key) {
            ("audit", "file") => self.file = Some(value.to_string()),
            ("DEFAULT", "notification_format") => {
                self.basic = match value {
                    "cadf" => false,
                    "basic" => true,
                    other => return Err(format!("'{other}' is not cadf or basic")),
                }
            }
            ("DEFAULT", "notification_opt_out") => {
                if !self.opt_out_given {
                    self.opt_out.clear();
                    self.opt_out_given = true;
                }
                let value = value.trim();
                if !value.is_empty() {
                    self.opt_out.push(value.to_string());
                }
            }
            ("DEFAULT", "default_publisher_id") => self.publisher_host = Some(value.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The open sink; `App.audit`.
pub struct Audit {
    out: Option<Mutex<Box<dyn Write + Send>>>,
    config: AuditConfig,
    publisher_id: String,
    /// Events that could not be written (the API call succeeded anyway).
    pub write_failures: AtomicU64,
    pub written: AtomicU64,
}

impl Audit {
    /// The sink of `[audit] file` (none when unset).
    pub fn open(config: &AuditConfig) -> Result<Audit, String> {
        let out = open_sink(config.file.as_deref())?;
        let host = config.publisher_host.clone().unwrap_or_else(hostname);
        Ok(Audit {
            out: out.map(Mutex::new),
            config: config.clone(),
            publisher_id: format!("identity.{host}"),
            write_failures: AtomicU64::new(0),
            written: AtomicU64::new(0),
        })
    }

    /// Opens `[audit] file` again (SIGHUP), so a file moved away by logrotate is followed by
    /// a new one; on failure the old sink stays and the error is returned.
    pub fn reopen(&self) -> Result<(), String> {
        let (Some(out), Some(path)) = (&self.out, self.config.file.as_deref()) else {
            return Ok(());
        };
        if path == "-" {
            return Ok(());
        }
        if let Some(fresh) = open_sink(Some(path))? {
            *out.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
        }
        Ok(())
    }

    /// No events (tests that build an App by hand).
    pub fn disabled() -> Audit {
        Audit {
            out: None,
            config: AuditConfig::default(),
            publisher_id: String::new(),
            write_failures: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.out.is_some()
    }

    /// The Prometheus counters of the sink (appended to the /metrics scrape).
    pub fn render_metrics(&self) -> String {
        format!(
            "# HELP keystone_audit_events_total Audit events written.\n\
             # TYPE keystone_audit_events_total counter\n\
             keystone_audit_events_total {}\n\
             # HELP keystone_audit_write_failures_total Audit events that could not be written (the API call succeeded).\n\
             # TYPE keystone_audit_write_failures_total counter\n\
             keystone_audit_write_failures_total {}\n",
            self.written.load(Relaxed),
            self.write_failures.load(Relaxed)
        )
    }

    pub fn basic_format(&self) -> bool {
        self.config.basic
    }

    /// Upstream's `_check_notification_opt_out`: authenticate events are matched with their
    /// outcome appended.
    pub fn opted_out(&self, event_type: &str, outcome: Option<&str>) -> bool {
        let name = match outcome {
            Some(o) if event_type.contains("authenticate") => format!("{event_type}.{o}"),
            _ => event_type.to_string(),
        };
        self.config.opt_out.contains(&name)
    }

    /// Writes one event in oslo.messaging's envelope; a failure is counted, never raised.
    pub fn emit(&self, event_type: &str, payload: Value, now: f64) {
        let Some(out) = &self.out else {
            return;
        };
        let envelope = json!({
            "message_id": random_uuid(),
            "publisher_id": self.publisher_id,
            "event_type": event_type,
            "priority": "INFO",
            "payload": payload,
            "timestamp": crate::clock::format_utc_micros(now, " ", ""),
        });
        // The separators of Python's json.dumps, as the log driver writes the envelope.
        let mut line = crate::http::response::to_python_json(&envelope);
        line.push(b'\n');
        let written = match out.lock() {
            Ok(mut w) => w.write_all(&line).and_then(|()| w.flush()),
            Err(_) => Err(std::io::Error::other("audit sink poisoned")),
        };
        let counter = if written.is_err() {
            &self.write_failures
        } else {
            &self.written
        };
        counter.fetch_add(1, Relaxed);
    }
}

/// Stdout for `-`, else the file for appending (created if missing, mode 0600: it names users).
fn open_sink(file: Option<&str>) -> Result<Option<Box<dyn Write + Send>>, String> {
    Ok(match file {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            let file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("[audit] file {path}: {e}"))?;
            Some(Box::new(file))
        }
    })
}

/// The caller as a CADF initiator (upstream's `build_audit_initiator` plus
/// `_add_username_to_initiator`), fields in upstream's order.
pub struct Initiator {
    pub user_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub request_id: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub agent: Option<String>,
}

impl Initiator {
    /// The authenticated caller of a CRUD call: user, then scope, then request id.
    pub fn to_value(&self) -> Value {
        let mut m = self.head();
        if let Some(u) = &self.user_id {
            m.insert("user_id".into(), json!(u));
        }
        if let Some(p) = &self.project_id {
            m.insert("project_id".into(), json!(p));
        }
        if let Some(d) = &self.domain_id {
            m.insert("domain_id".into(), json!(d));
        }
        m.insert("request_id".into(), json!(self.request_id));
        self.add_name(&mut m);
        Value::Object(m)
    }

    /// An authentication's initiator: the request id comes before the user (upstream builds
    /// it from the unauthenticated request, then sets the user it authenticated).
    pub fn authenticating(&self) -> Map<String, Value> {
        let mut m = self.head();
        m.insert("request_id".into(), json!(self.request_id));
        if let Some(u) = &self.user_id {
            m.insert("user_id".into(), json!(u));
        }
        self.add_name(&mut m);
        m
    }

    fn head(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let id = self
            .user_id
            .as_deref()
            .map_or_else(random_uuid, resource_uuid);
        m.insert("id".into(), json!(id));
        m.insert("typeURI".into(), json!(ACCOUNT_USER));
        m.insert(
            "host".into(),
            json!({"address": self.address, "agent": self.agent}),
        );
        m
    }

    fn add_name(&self, m: &mut Map<String, Value>) {
        if let Some(n) = &self.name {
            m.insert("name".into(), json!(n));
            m.insert("username".into(), json!(n));
        }
    }
}

/// A CADF activity event (pycadf's `EventFactory.new_event(...).as_dict()`), keys in its
/// order; `extra` are the keyword attributes upstream sets on the event afterwards.
pub fn cadf_event(
    action: &str,
    outcome: &str,
    observer_id: Option<&str>,
    initiator: Value,
    target: Value,
    extra: Vec<(&str, Value)>,
    now: f64,
) -> Value {
    let mut observer = Map::new();
    if let Some(id) = observer_id {
        observer.insert("id".into(), json!(id));
    }
    observer.insert("typeURI".into(), json!("service/security"));
    let mut m = Map::new();
    m.insert(
        "typeURI".into(),
        json!("http://schemas.dmtf.org/cloud/audit/1.0/event"),
    );
    m.insert("eventType".into(), json!("activity"));
    m.insert("id".into(), json!(random_uuid()));
    m.insert(
        "eventTime".into(),
        json!(crate::clock::format_utc_micros(now, "T", "+0000")),
    );
    m.insert("action".into(), json!(action));
    m.insert("outcome".into(), json!(outcome));
    m.insert("observer".into(), Value::Object(observer));
    m.insert("initiator".into(), initiator);
    m.insert("target".into(), target);
    for (k, v) in extra {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// A CADF target: an id (a fresh one when upstream gives none) and a type.
pub fn target(type_uri: &str, id: Option<&str>) -> Value {
    json!({"id": id.map_or_else(random_uuid, str::to_string), "typeURI": type_uri})
}

/// `keystone.common.utils.resource_uuid`: a UUID stays as given, anything else becomes the
/// uuid5 of it in keystone's namespace (hex, no dashes).
pub fn resource_uuid(value: &str) -> String {
    let bare = value
        .trim_start_matches("urn:")
        .trim_start_matches("uuid:")
        .trim_start_matches('{')
        .trim_end_matches('}');
    if uuid::Uuid::try_parse(bare).is_ok() {
        return value.to_string();
    }
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(RESOURCE_ID_NAMESPACE);
    h.update(value.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .simple()
        .to_string()
}

/// pycadf's identifiers and oslo.messaging's message ids: random, hyphenated.
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// `socket.gethostname()`, as upstream's publisher id uses it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_uuid_matches_python() {
        // python3 -c "import uuid;print(uuid.uuid5(uuid.UUID('4332ecab-770b-4288-a680-b9aca3b1b153'),'admin').hex)"
        assert_eq!(resource_uuid("admin"), PY_ADMIN);
        let hex = "9f0fa7cf3ee5424d8144b713e79b8a12";
        assert_eq!(resource_uuid(hex), hex);
    }
    const PY_ADMIN: &str = "db03747ae9c554d097b5e8c328115940";

    #[test]
    fn opt_out_default_and_file() {
        let mut c = AuditConfig::default();
        let a = Audit::open(&c).unwrap();
        assert!(a.opted_out("identity.authenticate", Some("success")));
        assert!(!a.opted_out("identity.authenticate", Some("failure")));
        c.apply("DEFAULT", "notification_opt_out", "identity.user.created")
            .unwrap();
        let a = Audit::open(&c).unwrap();
        assert!(!a.opted_out("identity.authenticate", Some("success")));
        assert!(a.opted_out("identity.user.created", None));
    }

    #[test]
    fn times_in_upstream_formats() {
        assert_eq!(
            crate::clock::format_utc_micros(0.5, "T", "+0000"),
            "1970-01-01T00:00:00.500000+0000"
        );
        assert_eq!(
            crate::clock::format_utc_micros(0.5, " ", ""),
            "1970-01-01 00:00:00.500000"
        );
    }
}
