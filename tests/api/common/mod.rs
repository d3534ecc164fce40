//! The harness every API test shares: `TestServer` runs the real keystone-lite binary on a free
//! loopback port with its own temp data dir, and a small blocking HTTP/1.1 client talks to it.
//! Each test starts its own server, so tests run in parallel with no shared state; `Drop` stops
//! the child, reaps it, prints its stderr when the test failed, and removes the temp dir.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_keystone-lite");
/// The shipped demo seed: admin/adminpwd (admin on project admin and on the system) and
/// demo/demopwd (member on project demo), roles admin > manager > member > reader.
pub const DEMO_SEED: &str = include_str!("../../../seed/demo.yaml");
/// Fewer PBKDF2 rounds than the default 25,000 for new hashes: on two shared cores each login
/// would otherwise cost a fifth of a second. Verification reads the rounds from the hash, so
/// this changes cost, not behaviour; tests that want the true defaults use `start_full`.
pub const FAST_HASH_CONF: &str = "[identity]\npassword_hash_rounds = 1000\n";
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, unique temp dir (removed by whoever owns it).
pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "ksl-api-{tag}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The demo seed as a JSON value, to extend per test; `seed_text` turns it back into YAML
/// (JSON is YAML).
pub fn demo_seed() -> Value {
    serde_yaml::from_str(DEMO_SEED).expect("demo seed parses")
}

pub fn seed_text(seed: &Value) -> String {
    serde_json::to_string_pretty(seed).expect("seed serializes")
}

/// Appends `items` to the seed's top-level list `section` (created if missing).
pub fn seed_push(seed: &mut Value, section: &str, items: Value) {
    let list = seed
        .as_object_mut()
        .expect("seed is a mapping")
        .entry(section)
        .or_insert_with(|| json!([]));
    if list.is_null() {
        *list = json!([]);
    }
    let list = list.as_array_mut().expect("seed section is a list");
    match items {
        Value::Array(items) => list.extend(items),
        one => list.push(one),
    }
}

pub struct TestServer {
    dir: PathBuf,
    pub data_dir: PathBuf,
    seed_path: PathBuf,
    config_path: Option<PathBuf>,
    extra_args: Vec<String>,
    env: Vec<(String, String)>,
    stderr_path: PathBuf,
    child: Option<Child>,
    /// Base URL, as the server printed it (e.g. http://127.0.0.1:43211).
    pub url: String,
    /// host:port of `url`.
    pub addr: String,
    starts: usize,
}

impl TestServer {
    pub fn start(seed_yaml: &str) -> TestServer {
        Self::start_with(seed_yaml, &[], None)
    }

    pub fn start_demo() -> TestServer {
        Self::start(DEMO_SEED)
    }

    /// Starts with `FAST_HASH_CONF` plus `config_ini` as keystone.conf.
    pub fn start_with(
        seed_yaml: &str,
        extra_args: &[&str],
        config_ini: Option<&str>,
    ) -> TestServer {
        let config = format!("{FAST_HASH_CONF}{}", config_ini.unwrap_or(""));
        Self::start_full(seed_yaml, extra_args, Some(&config), &[])
    }

    /// `config_ini` is written as is (None: no --config, the server's own defaults);
    /// `env`: extra environment for the child (e.g. RUST_LOG=debug).
    pub fn start_full(
        seed_yaml: &str,
        extra_args: &[&str],
        config_ini: Option<&str>,
        env: &[(&str, &str)],
    ) -> TestServer {
        let dir = temp_dir("srv");
        let seed_path = dir.join("seed.yaml");
        std::fs::write(&seed_path, seed_yaml).expect("write seed");
        let config_path = config_ini.map(|text| {
            let p = dir.join("keystone.conf");
            std::fs::write(&p, text).expect("write keystone.conf");
            p
        });
        let mut server = TestServer {
            data_dir: dir.join("data"),
            stderr_path: dir.join("stderr-0.log"),
            dir,
            seed_path,
            config_path,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
            url: String::new(),
            addr: String::new(),
            starts: 0,
        };
        server.spawn();
        server
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--seed")
            .arg(&self.seed_path)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--workers")
            .arg("2");
        if let Some(conf) = &self.config_path {
            cmd.arg("--config").arg(conf);
        }
        cmd.args(&self.extra_args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn spawn(&mut self) {
        self.stderr_path = self.dir.join(format!("stderr-{}.log", self.starts));
        self.starts += 1;
        let stderr = File::create(&self.stderr_path).expect("create stderr log");
        let mut child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn keystone-lite");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining so a later write to stdout never fails.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(line) if !line.trim().is_empty() => line.trim().to_string(),
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "keystone-lite did not print its URL ({other:?}); stderr:\n{}",
                    std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
                );
            }
        };
        self.addr = line
            .strip_prefix("http://")
            .or_else(|| line.strip_prefix("https://"))
            .unwrap_or(&line)
            .trim_end_matches('/')
            .to_string();
        self.url = line;
        self.child = Some(child);
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and reaps it; the status it exited with.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = child.kill();
                    return child.wait().ok();
                }
            }
        }
    }

    /// Stops (if running) and starts again on the same data dir and seed (a new port:
    /// --listen 127.0.0.1:0). A running server must exit 0 on SIGTERM.
    /// Replaces the seed file the next `restart` starts with.
    pub fn rewrite_seed(&self, seed_yaml: &str) {
        std::fs::write(&self.seed_path, seed_yaml).expect("rewrite seed");
    }

    pub fn restart(&mut self) {
        if self.child.is_some() {
            let status = self.stop();
            assert!(
                status.is_some_and(|s| s.success()),
                "server did not stop cleanly on SIGTERM: {status:?}\n{}",
                self.stderr_text()
            );
        }
        self.spawn();
    }

    /// Kills the server with SIGKILL (no shutdown at all), reaps it, and starts it again on the
    /// same data dir, as after a power cut.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn();
    }

    /// The running server's process id (tests/api/hostile.rs reads its thread count).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything the server wrote to stderr, across restarts.
    pub fn stderr_text(&self) -> String {
        let mut out = String::new();
        for n in 0..self.starts {
            out.push_str(
                &std::fs::read_to_string(self.dir.join(format!("stderr-{n}.log")))
                    .unwrap_or_default(),
            );
        }
        out
    }

    // ---- HTTP ----

    /// Sends one request; `headers` are added after Host/Connection/Content-Length.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        )
        .into_bytes();
        for (k, v) in headers {
            raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if let Some(body) = body {
            raw.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        } else if matches!(method, "POST" | "PUT" | "PATCH") {
            raw.extend_from_slice(b"Content-Length: 0\r\n");
        }
        raw.extend_from_slice(b"\r\n");
        if let Some(body) = body {
            raw.extend_from_slice(body);
        }
        send_raw(&self.addr, &raw, method == "HEAD")
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn with_token<'a>(
        token: Option<&'a str>,
        mut headers: Vec<(&'a str, &'a str)>,
    ) -> Vec<(&'a str, &'a str)> {
        if let Some(t) = token {
            headers.push(("X-Auth-Token", t));
        }
        headers
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("GET", path, &Self::with_token(token, vec![]), None)
    }

    pub fn head(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("HEAD", path, &Self::with_token(token, vec![]), None)
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("DELETE", path, &Self::with_token(token, vec![]), None)
    }

    pub fn put(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("PUT", path, &Self::with_token(token, vec![]), None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send_json("POST", path, token, body)
    }

    pub fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send_json("PATCH", path, token, body)
    }

    pub fn send_json(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).expect("json body");
        let headers = Self::with_token(token, vec![("Content-Type", "application/json")]);
        self.request(method, path, &headers, Some(&bytes))
    }

    // ---- tokens ----

    /// POST /v3/auth/tokens with this body (query e.g. "?nocatalog").
    pub fn issue(&self, body: &Value, query: &str) -> Resp {
        self.post(&format!("/v3/auth/tokens{query}"), None, body)
    }

    /// A token for a password login, asserting 201.
    pub fn token(&self, user: Value, password: &str, scope: Option<Value>) -> String {
        let r = self.issue(&password_auth(user, password, scope), "");
        assert_eq!(r.status, 201, "login failed: {}", r.text());
        r.subject_token()
    }

    /// admin/adminpwd scoped to project admin.
    pub fn admin_token(&self) -> String {
        self.token(
            user_by_name("admin", "default"),
            "adminpwd",
            Some(project_scope_by_name("admin", "default")),
        )
    }

    /// admin/adminpwd scoped to the system.
    pub fn system_admin_token(&self) -> String {
        self.token(
            user_by_name("admin", "default"),
            "adminpwd",
            Some(system_scope()),
        )
    }

    /// demo/demopwd scoped to project demo.
    pub fn demo_token(&self) -> String {
        self.token(
            user_by_name("demo", "default"),
            "demopwd",
            Some(project_scope_by_name("demo", "default")),
        )
    }

    /// GET /v3/auth/tokens for `subject`, as `caller`.
    pub fn validate(&self, caller: &str, subject: &str, query: &str) -> Resp {
        self.request(
            "GET",
            &format!("/v3/auth/tokens{query}"),
            &[("X-Auth-Token", caller), ("X-Subject-Token", subject)],
            None,
        )
    }

    /// The id of an object found by `?name=` on a collection (e.g. "users", "projects").
    pub fn id_by_name(&self, token: &str, collection: &str, name: &str) -> String {
        let r = self.get(&format!("/v3/{collection}?name={name}"), Some(token));
        assert_eq!(r.status, 200, "list {collection}: {}", r.text());
        let body = r.json();
        let items = body[collection].as_array().expect("list");
        assert_eq!(items.len(), 1, "one {collection} named {name}: {body}");
        items[0]["id"].as_str().expect("id").to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop();
        if std::thread::panicking() {
            eprintln!(
                "---- keystone-lite stderr ({}) ----\n{}\n---- end ----",
                self.url,
                self.stderr_text()
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the binary with a seed expected to be rejected; what it left behind.
pub struct FailedStart {
    pub status: ExitStatus,
    pub stderr: String,
    pub seed_path: PathBuf,
    pub data_dir: PathBuf,
    dir: PathBuf,
}

impl Drop for FailedStart {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the binary on a fresh data dir and waits (10 s at most) for it to exit.
pub fn start_expecting_exit(seed_yaml: &str) -> FailedStart {
    let dir = temp_dir("fail");
    let data_dir = dir.join("data");
    run_until_exit(dir, data_dir, seed_yaml)
}

/// Same, on an existing data dir (e.g. one a `TestServer` used, after `stop`).
pub fn start_expecting_exit_on(data_dir: &Path, seed_yaml: &str) -> FailedStart {
    let dir = temp_dir("fail");
    run_until_exit(dir, data_dir.to_path_buf(), seed_yaml)
}

fn run_until_exit(dir: PathBuf, data_dir: PathBuf, seed_yaml: &str) -> FailedStart {
    let seed_path = dir.join("seed.yaml");
    std::fs::write(&seed_path, seed_yaml).expect("write seed");
    let stderr_path = dir.join("stderr.log");
    let mut child = Command::new(BIN)
        .arg("--seed")
        .arg(&seed_path)
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&stderr_path).expect("stderr log"))
        .spawn()
        .expect("spawn keystone-lite");
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "keystone-lite kept running with a bad seed; stderr:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    FailedStart {
        status,
        stderr,
        seed_path,
        data_dir,
        dir,
    }
}

// ---- request bodies ----

pub fn user_by_name(name: &str, domain_id: &str) -> Value {
    json!({"name": name, "domain": {"id": domain_id}})
}

pub fn user_by_id(id: &str) -> Value {
    json!({"id": id})
}

pub fn project_scope_by_name(name: &str, domain_id: &str) -> Value {
    json!({"project": {"name": name, "domain": {"id": domain_id}}})
}

pub fn project_scope_by_id(id: &str) -> Value {
    json!({"project": {"id": id}})
}

pub fn system_scope() -> Value {
    json!({"system": {"all": true}})
}

/// `{"auth": {"identity": {"methods": ["password"], "password": {"user": {..., "password"}}}, "scope"?}}`
pub fn password_auth(mut user: Value, password: &str, scope: Option<Value>) -> Value {
    user["password"] = json!(password);
    let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": user}}});
    if let Some(scope) = scope {
        auth["scope"] = scope;
    }
    json!({"auth": auth})
}

pub fn token_auth(token: &str, scope: Option<Value>) -> Value {
    let mut auth = json!({"identity": {"methods": ["token"], "token": {"id": token}}});
    if let Some(scope) = scope {
        auth["scope"] = scope;
    }
    json!({"auth": auth})
}

// ---- responses ----

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// A header by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn subject_token(&self) -> String {
        let t = self
            .header("X-Subject-Token")
            .unwrap_or_else(|| panic!("no X-Subject-Token: {self:?}"));
        assert!(!t.is_empty());
        t.to_string()
    }

    /// Asserts a status, showing the body when it differs.
    pub fn expect(&self, status: u16) -> &Resp {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

pub fn title_of(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => panic!("no title known for {status}"),
    }
}

/// Asserts upstream's error body `{"error": {"code", "title", "message"}}` with this status;
/// returns the message.
pub fn assert_error(resp: &Resp, status: u16) -> String {
    assert_eq!(
        resp.status,
        status,
        "unexpected status; body: {}",
        resp.text()
    );
    assert_eq!(
        resp.header("Content-Type"),
        Some("application/json"),
        "error content type; headers {:?}",
        resp.headers
    );
    let body = resp.json();
    let error = body
        .get("error")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no error object: {body}"));
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
    assert_eq!(error.get("code"), Some(&json!(status)), "{body}");
    assert_eq!(error.get("title"), Some(&json!(title_of(status))), "{body}");
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no message: {body}"));
    assert!(!message.is_empty(), "{body}");
    assert_eq!(error.len(), 3, "only code, title, message: {body}");
    message.to_string()
}

/// A 401 also says where to authenticate.
pub fn assert_unauthorized(server: &TestServer, resp: &Resp) -> String {
    let message = assert_error(resp, 401);
    assert_eq!(
        resp.header("WWW-Authenticate"),
        Some(format!("Keystone uri=\"{}/v3\"", server.url).as_str()),
        "headers {:?}",
        resp.headers
    );
    message
}

/// A policy refusal naming the rule.
pub fn assert_forbidden(resp: &Resp, action: &str) {
    let message = assert_error(resp, 403);
    assert!(
        message.contains(action),
        "403 message should name {action}: {message}"
    );
}

/// The names of a token's (or list's) roles, sorted.
pub fn role_names(roles: &Value) -> Vec<String> {
    let mut names: Vec<String> = roles
        .as_array()
        .unwrap_or_else(|| panic!("roles is not a list: {roles}"))
        .iter()
        .map(|r| r["name"].as_str().expect("role name").to_string())
        .collect();
    names.sort();
    names
}

pub fn sorted(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Parses upstream's token time format `YYYY-MM-DDTHH:MM:SS.000000Z` to Unix seconds; panics if
/// the string is in any other form.
pub fn parse_token_time(s: &str) -> i64 {
    let b = s.as_bytes();
    let shape_ok = b.len() == 27
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            20..=25 => *c == b'0',
            26 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    assert!(shape_ok, "not YYYY-MM-DDTHH:MM:SS.000000Z: {s:?}");
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000000Z");
    time::PrimitiveDateTime::parse(s, &format)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .assume_utc()
        .unix_timestamp()
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

// ---- the raw client ----

/// Writes `raw` as is and reads one response. `head`: the response has no body.
pub fn send_raw(addr: &str, raw: &[u8], head: bool) -> std::io::Result<Resp> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    // A server may answer (e.g. 413) before reading the whole body; keep reading its answer.
    let write_result = stream.write_all(raw).and_then(|_| stream.flush());
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let n = match read_retrying(&mut stream, &mut chunk) {
            Ok(n) => n,
            Err(e) => {
                write_result?;
                return Err(e);
            }
        };
        if n == 0 {
            write_result?;
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "connection closed before a full response head: {:?}",
                    String::from_utf8_lossy(&buf)
                ),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head_text = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[header_end + 4..].to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    if head || status == 204 || status == 304 || (100..200).contains(&status) {
        body.clear();
    } else if let Some(len) = get("Content-Length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            let n = read_retrying(&mut stream, &mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(len);
    } else {
        let _ = stream.read_to_end(&mut body);
        if get("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            body = dechunk(&body);
        }
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// `read`, retried when a signal interrupts it (EINTR), as `read_exact` would.
fn read_retrying(stream: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = find(data, b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..pos]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        data = &data[pos + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}
