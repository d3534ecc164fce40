//! The PostgreSQL engine counts its round trips (/metrics `keystone_db_round_trips_total`,
//! the change poller's apart in `keystone_db_poll_round_trips_total`): a login sends
//! statements, a validation answered from the validated-token cache sends none, and the
//! poller's queries never land in the request count. On redb neither series is exposed.
//! (The poller's reactions to another node's write, and its first poll's catch-up, are reads
//! like any other and do count: the test starts counting after that first poll.)

use std::io::{Read, Write};

use super::*;

const REQUESTS: &str = "keystone_db_round_trips_total";
const POLL: &str = "keystone_db_poll_round_trips_total";

/// The metrics address the server logged at start.
fn metrics_addr(s: &TestServer) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = s.stderr_text();
        if let Some(rest) = text.split("metrics on http://").nth(1) {
            return rest.split('/').next().expect("address").to_string();
        }
        assert!(Instant::now() < deadline, "no metrics address in:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scrape(addr: &str) -> String {
    let mut conn = std::net::TcpStream::connect(addr).expect("connect metrics");
    write!(conn, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut text = String::new();
    conn.read_to_string(&mut text).expect("read");
    text.split_once("\r\n\r\n").expect("body").1.to_string()
}

fn sample(body: &str, name: &str) -> Option<u64> {
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

fn trips(addr: &str) -> (u64, u64) {
    let body = scrape(addr);
    let get = |name| sample(&body, name).unwrap_or_else(|| panic!("no {name} in:\n{body}"));
    (get(REQUESTS), get(POLL))
}

#[test]
fn round_trips_are_counted_per_request_and_the_poller_apart() {
    let Some(pg) = Postgres::start() else { return };
    let flags = [
        "--database-url",
        &pg.url(),
        "--metrics-listen",
        "127.0.0.1:0",
    ];
    let s = TestServer::start_with(DEMO_SEED, &flags, None);
    let addr = metrics_addr(&s);
    // The poller's first poll catches up (reloads revocations and keys, through the engine
    // like any read): a second poll (connect and 2 queries counted) means it is behind us.
    let settled = within(Duration::from_secs(5), || trips(&addr).1 >= 3);
    assert!(settled.is_some(), "the poller never polled twice");
    let admin = s.admin_token();

    // A login reads the user, its grants, the catalog...: at least BEGIN, a query, COMMIT.
    let (before, _) = trips(&addr);
    let demo = s.demo_token();
    let (after_login, _) = trips(&addr);
    assert!(
        after_login >= before + 3,
        "a login sent {} round trips",
        after_login - before
    );

    // The first validation fills the cache; the next ones are answered from it.
    assert_eq!(s.validate(&admin, &demo, "").status, 200);
    let (warm, poll_before) = trips(&addr);
    for _ in 0..5 {
        assert_eq!(s.validate(&admin, &demo, "").status, 200);
    }
    // Over three poll intervals (250 ms): the poller queries meanwhile, in its own series only.
    std::thread::sleep(Duration::from_millis(800));
    let (cached, poll_after) = trips(&addr);
    assert_eq!(cached, warm, "cached validations sent round trips");
    assert!(poll_after > poll_before, "the poller's queries are counted");

    // A write: BEGIN, the generation bump, its reads and writes, COMMIT.
    let r = s.post(
        "/v3/regions",
        Some(&admin),
        &json!({"region": {"id": "rt-region"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let (after_write, _) = trips(&addr);
    assert!(
        after_write >= cached + 4,
        "a write sent {} round trips",
        after_write - cached
    );
}

#[test]
fn redb_exposes_no_round_trips() {
    let s = TestServer::start_with(DEMO_SEED, &["--metrics-listen", "127.0.0.1:0"], None);
    let body = scrape(&metrics_addr(&s));
    assert!(body.contains("keystone_http_requests_total"), "{body}");
    assert!(!body.contains(REQUESTS) && !body.contains(POLL), "{body}");
}
