//! Prometheus metrics, counted with relaxed atomics (no lock on the request path) and written
//! in the text exposition format 0.0.4 when scraped (src/ops/metrics_server.rs). Requests are
//! labelled by the route table's pattern, never the raw path, so label sets stay bounded.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::http::request::Method;
use crate::http::routes::Routes;

/// Statuses counted one by one; any other lands in "other".
const STATUSES: [u16; 24] = [
    200, 201, 202, 204, 300, 301, 302, 304, 400, 401, 403, 404, 405, 406, 408, 409, 410, 413, 414,
    415, 429, 431, 500, 503,
];
/// Latency bucket bounds in seconds (+Inf is implied).
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// Auth methods counted by name; others are "other".
const AUTH_METHODS: [&str; 11] = [
    "password",
    "token",
    "application_credential",
    "totp",
    "oauth1",
    "oauth2_credential",
    "mapped",
    "openid",
    "saml2",
    "external",
    "other",
];
/// The label of requests no route matched (404, 405, protocol errors).
pub const UNMATCHED: &str = "(unmatched)";
pub const HEALTHCHECK: &str = "/healthcheck";

struct RouteStats {
    method: &'static str,
    pattern: &'static str,
    by_status: [AtomicU64; STATUSES.len() + 1],
    /// Per bucket, not cumulative: the last slot is +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl RouteStats {
    fn new(method: &'static str, pattern: &'static str) -> RouteStats {
        RouteStats {
            method,
            pattern,
            by_status: std::array::from_fn(|_| AtomicU64::new(0)),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
        }
    }
}

pub struct Metrics {
    routes: Vec<RouteStats>,
    index: HashMap<(Method, &'static str), usize>,
    /// Any method on /healthcheck, then the unmatched requests.
    healthcheck: usize,
    unmatched: usize,
    /// [method][0 = success, 1 = failure].
    auth: [[AtomicU64; 2]; AUTH_METHODS.len()],
    pub tokens_issued: AtomicU64,
    pub tokens_validated: AtomicU64,
    pub open_connections: AtomicI64,
}

impl Metrics {
    pub fn new(routes: &Routes) -> Metrics {
        let mut stats = Vec::new();
        let mut index = HashMap::new();
        for route in routes.all() {
            // HEAD runs the GET route: counted apart, as it is a different operation (check).
            let methods: &[Method] = if route.method == Method::Get {
                &[Method::Get, Method::Head]
            } else {
                std::slice::from_ref(&route.method)
            };
            for m in methods {
                index.insert((*m, route.pattern), stats.len());
                stats.push(RouteStats::new(m.as_str(), route.pattern));
            }
        }
        let healthcheck = stats.len();
        stats.push(RouteStats::new("ANY", HEALTHCHECK));
        let unmatched = stats.len();
        stats.push(RouteStats::new("ANY", UNMATCHED));
        Metrics {
            routes: stats,
            index,
            healthcheck,
            unmatched,
            auth: std::array::from_fn(|_| [AtomicU64::new(0), AtomicU64::new(0)]),
            tokens_issued: AtomicU64::new(0),
            tokens_validated: AtomicU64::new(0),
            open_connections: AtomicI64::new(0),
        }
    }

    /// Counts one answered request under its route pattern (`None`: no route matched).
    pub fn observe(
        &self,
        method: Method,
        pattern: Option<&'static str>,
        status: u16,
        took: Duration,
    ) {
        let slot = match pattern {
            Some(HEALTHCHECK) => self.healthcheck,
            Some(p) => self
                .index
                .get(&(method, p))
                .copied()
                .unwrap_or(self.unmatched),
            None => self.unmatched,
        };
        let Some(stats) = self.routes.get(slot) else {
            return;
        };
        let s = STATUSES
            .iter()
            .position(|&c| c == status)
            .unwrap_or(STATUSES.len());
        stats.by_status[s].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        let b = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        stats.buckets[b].fetch_add(1, Relaxed);
        stats.sum_micros.fetch_add(took.as_micros() as u64, Relaxed);
        self.count_tokens(method, pattern, status);
    }

    fn count_tokens(&self, method: Method, pattern: Option<&'static str>, status: u16) {
        match (method, pattern, status) {
            (Method::Post, Some("/v3/auth/tokens"), 201)
            | (Method::Post, Some("/v2.0/tokens"), 200) => {
                self.tokens_issued.fetch_add(1, Relaxed);
            }
            (
                Method::Get | Method::Head,
                Some("/v3/auth/tokens" | "/v2.0/tokens/{token_id}"),
                200,
            ) => {
                self.tokens_validated.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }

    /// Counts an authentication (POST /v3/auth/tokens or /v2.0/tokens) by each method its
    /// body names; success is the issuing status.
    pub fn observe_auth(&self, pattern: Option<&'static str>, body: &[u8], status: u16) {
        let (methods, success) = match pattern {
            Some("/v3/auth/tokens") => (v3_methods(body), status == 201),
            Some("/v2.0/tokens") => (v2_methods(body), status == 200),
            _ => return,
        };
        let outcome = usize::from(!success);
        for m in methods {
            let i = AUTH_METHODS
                .iter()
                .position(|&n| n == m)
                .unwrap_or(AUTH_METHODS.len() - 1);
            self.auth[i][outcome].fetch_add(1, Relaxed);
        }
    }

    /// The text exposition (0.0.4) of the counters, followed by `gauges`.
    pub fn render(&self, cache: (u64, u64), gauges: &Gauges) -> String {
        let mut out = String::with_capacity(64 * 1024);
        self.render_requests(&mut out);
        self.render_latency(&mut out);
        out.push_str("# HELP keystone_auth_total Authentication requests by method and outcome.\n");
        out.push_str("# TYPE keystone_auth_total counter\n");
        for (i, name) in AUTH_METHODS.iter().enumerate() {
            for (o, outcome) in ["success", "failure"].iter().enumerate() {
                let n = self.auth[i][o].load(Relaxed);
                let _ = writeln!(
                    out,
                    "keystone_auth_total{{method=\"{name}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        counter(
            &mut out,
            "keystone_tokens_issued_total",
            "Tokens issued (v3 and v2.0).",
            self.tokens_issued.load(Relaxed),
        );
        counter(
            &mut out,
            "keystone_tokens_validated_total",
            "Token validations answered 200 (GET/HEAD /v3/auth/tokens, /v2.0/tokens/{id}).",
            self.tokens_validated.load(Relaxed),
        );
        counter(
            &mut out,
            "keystone_token_cache_hits_total",
            "Validated-token cache hits.",
            cache.0,
        );
        counter(
            &mut out,
            "keystone_token_cache_misses_total",
            "Validated-token cache misses.",
            cache.1,
        );
        let ratio = if cache.0 + cache.1 == 0 {
            0.0
        } else {
            cache.0 as f64 / (cache.0 + cache.1) as f64
        };
        gauge(
            &mut out,
            "keystone_token_cache_hit_ratio",
            "Hits over lookups since start.",
            ratio,
        );
        gauge(
            &mut out,
            "keystone_open_connections",
            "Client connections open now.",
            self.open_connections.load(Relaxed) as f64,
        );
        gauges.render(&mut out);
        out
    }

    fn render_requests(&self, out: &mut String) {
        out.push_str(
            "# HELP keystone_http_requests_total Requests answered, by route pattern and status.\n",
        );
        out.push_str("# TYPE keystone_http_requests_total counter\n");
        for r in &self.routes {
            for (i, c) in r.by_status.iter().enumerate() {
                let n = c.load(Relaxed);
                if n == 0 {
                    continue;
                }
                let status = STATUSES.get(i).map_or("other".to_string(), u16::to_string);
                let _ = writeln!(
                    out,
                    "keystone_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    r.method, r.pattern
                );
            }
        }
    }

    fn render_latency(&self, out: &mut String) {
        out.push_str("# HELP keystone_http_request_duration_seconds Time from the request head to the answer, by route pattern.\n");
        out.push_str("# TYPE keystone_http_request_duration_seconds histogram\n");
        for r in &self.routes {
            let counts: Vec<u64> = r.buckets.iter().map(|b| b.load(Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let labels = format!("method=\"{}\",route=\"{}\"", r.method, r.pattern);
            let mut cumulative = 0;
            for (i, n) in counts.iter().enumerate() {
                cumulative += n;
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(out, "keystone_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}");
            }
            let sum = r.sum_micros.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "keystone_http_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "keystone_http_request_duration_seconds_count{{{labels}}} {total}"
            );
        }
    }
}

/// What is read from disk at scrape time.
pub struct Gauges {
    /// (repository label, seconds since the primary key file was written).
    pub key_ages: Vec<(&'static str, f64)>,
    pub store_bytes: u64,
    pub version: &'static str,
}

impl Gauges {
    fn render(&self, out: &mut String) {
        out.push_str("# HELP keystone_key_age_seconds Seconds since the primary key (highest-numbered file) of a key repository was written.\n");
        out.push_str("# TYPE keystone_key_age_seconds gauge\n");
        for (repo, age) in &self.key_ages {
            let _ = writeln!(
                out,
                "keystone_key_age_seconds{{repository=\"{repo}\"}} {age}"
            );
        }
        gauge(
            out,
            "keystone_store_size_bytes",
            "Size of the store file.",
            self.store_bytes as f64,
        );
        out.push_str(
            "# HELP keystone_build_info The running build.\n# TYPE keystone_build_info gauge\n",
        );
        let _ = writeln!(out, "keystone_build_info{{version=\"{}\"}} 1", self.version);
    }
}

fn counter(out: &mut String, name: &str, help: &str, n: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}"
    );
}

/// The PostgreSQL engine's round trips (`Store::db_round_trips`): the request path's, and
/// the change poller's apart (per node and interval, not per request).
pub fn render_db_round_trips(out: &mut String, (requests, poll): (u64, u64)) {
    counter(
        out,
        "keystone_db_round_trips_total",
        "Statements sent to PostgreSQL for requests (BEGIN, queries, COMMIT/ROLLBACK, connection setup), primary and replica.",
        requests,
    );
    counter(
        out,
        "keystone_db_poll_round_trips_total",
        "Statements the change poller sent to PostgreSQL.",
        poll,
    );
}

/// The other nodes this one hears, and the writes not held until all of them applied them
/// (`Store::db_peers`): a growing count names a slow node.
pub fn render_db_peers(out: &mut String, (live, timeouts): (usize, u64)) {
    gauge(
        out,
        "keystone_db_peer_nodes",
        "Other nodes on the database heard within the last second (a write waits for them).",
        live as f64,
    );
    counter(
        out,
        "keystone_db_write_ack_timeouts_total",
        "Writes answered after 500 ms without every live node's acknowledgement.",
        timeouts,
    );
}

fn gauge(out: &mut String, name: &str, help: &str, v: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
}

/// `auth.identity.methods` of a v3 body (names only, capped: the label set stays bounded).
fn v3_methods(body: &[u8]) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let methods = value
        .pointer("/auth/identity/methods")
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .take(4)
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if methods.is_empty() {
        vec!["other".to_string()]
    } else {
        methods
    }
}

/// v2.0 authenticates with `passwordCredentials` or a `token`.
fn v2_methods(body: &[u8]) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let auth = value.get("auth");
    let name = if auth.and_then(|a| a.get("passwordCredentials")).is_some() {
        "password"
    } else if auth.and_then(|a| a.get("token")).is_some() {
        "token"
    } else {
        "other"
    };
    vec![name.to_string()]
}

/// Seconds since the primary key of the repository at `dir` was written: upstream's rotation
/// makes the highest-numbered file the primary, so its mtime is when it was last rotated in.
pub fn key_age(dir: &std::path::Path, now: std::time::SystemTime) -> Option<f64> {
    let primary = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n: u64 = e.file_name().to_str()?.parse().ok()?;
            Some((n, e.path()))
        })
        .max_by_key(|(n, _)| *n)?;
    let written = std::fs::metadata(&primary.1).ok()?.modified().ok()?;
    Some(
        now.duration_since(written)
            .unwrap_or_default()
            .as_secs_f64(),
    )
}
