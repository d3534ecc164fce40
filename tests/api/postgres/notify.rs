//! How a node learns of another node's writes (src/store/pg/poll.rs): a write's
//! notification drops only what was built from the records it touched, and a notification
//! lost with the watcher's connection is still caught within the bound.

use super::*;
use crate::ops_metrics::{metrics_addr, sample, scrape};

/// (hits, misses) of B's validation cache.
fn cache_counts(addr: &str) -> (f64, f64) {
    let (_, body) = scrape(addr, "/metrics");
    let read = |name: &str| sample(&body, name).unwrap_or_else(|| panic!("{name} in {body}"));
    (
        read("keystone_token_cache_hits_total"),
        read("keystone_token_cache_misses_total"),
    )
}

/// B's cache counts moved by one validation of `subject`: (hits, misses).
fn one_validation(b: &TestServer, addr: &str, admin: &str, subject: &str) -> (f64, f64) {
    let before = cache_counts(addr);
    assert_eq!(b.validate(admin, subject, "").status, 200);
    let after = cache_counts(addr);
    (after.0 - before.0, after.1 - before.1)
}

#[test]
fn postgres_another_nodes_write_drops_only_what_it_touched() {
    let Some(pg) = Postgres::start() else { return };
    let a = node(&pg);
    // Its own key repositories: the database's are used (A's).
    let b = TestServer::start_with(
        DEMO_SEED,
        &[
            "--database-url",
            &pg.url(),
            "--metrics-listen",
            "127.0.0.1:0",
        ],
        None,
    );
    let addr = metrics_addr(&b);
    // The watcher's first poll reloads the shared keys (which drops the cache once).
    std::thread::sleep(Duration::from_millis(600));
    let (_, body) = scrape(&addr, "/metrics");
    assert_eq!(
        sample(&body, "keystone_db_peer_nodes"),
        Some(1.0),
        "B hears A"
    );
    let (admin_a, admin_b) = (a.admin_token(), b.admin_token());
    let carol = new_user(&a, &admin_a, "pg-carol");
    let dave = new_user(&a, &admin_a, "pg-dave");
    let token = b.token(user_by_id(&carol), "pw-of-pg-carol", None);
    // Cached on B: a validation is hits only.
    one_validation(&b, &addr, &admin_b, &token);
    let (_, misses) = one_validation(&b, &addr, &admin_b, &token);
    assert_eq!(misses, 0.0, "a repeated validation on B missed its cache");
    // Writes on A that no validation of carol's token depends on: B's entry survives.
    let r = a.post("/v3/regions", Some(&admin_a), &json!({"region": {}}));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = a.patch(
        &format!("/v3/users/{dave}"),
        Some(&admin_a),
        &json!({"user": {"email": "d@x"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    std::thread::sleep(Duration::from_millis(700)); // notified, and judged by a poll
    let (_, misses) = one_validation(&b, &addr, &admin_b, &token);
    assert_eq!(
        misses, 0.0,
        "an unrelated write on A dropped B's cached validation"
    );
    // A write to carol herself: B re-validates (and still answers 200).
    let r = a.patch(
        &format!("/v3/users/{carol}"),
        Some(&admin_a),
        &json!({"user": {"email": "c@x"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let took = within(Duration::from_secs(1), || {
        one_validation(&b, &addr, &admin_b, &token).1 > 0.0
    });
    eprintln!("B dropped carol's entry after {took:?}");
    assert!(
        took.is_some(),
        "B kept a validation built from a record A changed"
    );
}

#[test]
fn postgres_a_lost_notification_is_caught_within_the_bound() {
    let Some(pg) = Postgres::start() else { return };
    let a = node(&pg);
    let b = second_node(&pg, &a);
    let (admin_a, admin_b) = (a.admin_token(), b.admin_token());
    let demo = a.demo_token();
    assert_eq!(b.validate(&admin_b, &demo, "").status, 200);
    assert_eq!(b.validate(&admin_b, &demo, "").status, 200);
    // Every node's every connection cut (a network blip), the watchers' too, then a
    // revocation at once: it may be notified while B's watcher is reconnecting, and be lost.
    let mut sql = postgres::Client::connect(&pg.url(), postgres::NoTls).expect("psql");
    let cut = sql
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'keystone-lite' AND pid <> pg_backend_pid()",
            &[],
        )
        .expect("terminate");
    let all: Vec<String> = sql
        .query("SELECT query FROM pg_stat_activity", &[])
        .expect("activity")
        .iter()
        .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
        .collect();
    assert!(
        cut.len() >= 2,
        "found {} watcher sessions in {all:?}",
        cut.len()
    );
    revoke(&a, &admin_a, &demo);
    let took = within(Duration::from_secs(1), || {
        b.validate(&admin_b, &demo, "").status == 404
    });
    eprintln!("revocation seen on B after its watcher lost its connection: {took:?}");
    assert!(took.is_some(), "B still validates a token A revoked");
}

#[test]
fn postgres_a_write_is_acknowledged_once_the_other_nodes_applied_it() {
    let Some(pg) = Postgres::start() else { return };
    let a = node(&pg);
    let b = second_node(&pg, &a);
    let (admin_a, admin_b) = (a.admin_token(), b.admin_token());
    // Each node has heard the other's heartbeat (one poll) before the writes.
    std::thread::sleep(Duration::from_millis(600));
    for round in 0..20 {
        let demo = a.demo_token();
        assert_eq!(b.validate(&admin_b, &demo, "").status, 200);
        assert_eq!(b.validate(&admin_b, &demo, "").status, 200, "cached on B");
        revoke(&a, &admin_a, &demo);
        // No wait: B had applied the revocation before A answered.
        let status = b.validate(&admin_b, &demo, "").status;
        assert_eq!(
            status, 404,
            "round {round}: B validated a token A had revoked"
        );
    }
}
