//! Nothing acknowledged is lost: clients write concurrently while the server is killed with
//! SIGKILL mid-load, several times; after each restart every write that was answered 201 is
//! there, and the store opens without complaint.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

/// Writers per round, and how long they write before the kill.
const WRITERS: usize = 8;
const ROUNDS: usize = 3;
const WRITE_FOR: Duration = Duration::from_millis(700);

/// POST /v3/regions; the status, or None when the connection failed (the server is gone).
fn create_region(addr: &str, token: &str, id: &str) -> Option<u16> {
    let body = json!({"region": {"id": id}}).to_string();
    let raw = format!(
        "POST /v3/regions HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         X-Auth-Token: {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    send_raw(addr, raw.as_bytes(), false).ok().map(|r| r.status)
}

#[test]
fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let mut s = TestServer::start_demo();
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let token = s.system_admin_token();
        let acked = Arc::new(Mutex::new(Vec::new()));
        std::thread::scope(|scope| {
            for w in 0..WRITERS {
                // The writers talk to the address, not the TestServer, which the kill needs.
                let (addr, token, acked) = (s.addr.clone(), token.clone(), acked.clone());
                scope.spawn(move || {
                    let until = Instant::now() + WRITE_FOR;
                    let mut n = 0;
                    while Instant::now() < until {
                        let id = format!("crash-{round}-{w}-{n}");
                        n += 1;
                        if create_region(&addr, &token, &id) == Some(201) {
                            acked.lock().expect("lock").push(id);
                        }
                    }
                });
            }
            // Killed while the writers are still writing.
            std::thread::sleep(WRITE_FOR / 2);
            s.crash_and_restart();
        });
        acknowledged.extend(acked.lock().expect("lock").drain(..));
        eprintln!(
            "round {round}: {} writes acknowledged so far",
            acknowledged.len()
        );
        let token = s.system_admin_token();
        let listed = s.get("/v3/regions", Some(&token)).expect(200).json();
        let present: Vec<&str> = listed["regions"]
            .as_array()
            .expect("regions")
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        let lost: Vec<&String> = acknowledged
            .iter()
            .filter(|id| !present.contains(&id.as_str()))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged but lost: {lost:?}"
        );
    }
    assert!(
        acknowledged.len() >= ROUNDS,
        "the writers got too few writes through to test anything: {}",
        acknowledged.len()
    );
}
