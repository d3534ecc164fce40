//! Faults at start-up and at run time: a damaged store, missing key repositories, a full disk.
//! Start-up refuses with one clear line and exit code 1 (never a panic, never a silently new
//! store or key set); a full disk answers 503 while reads go on, and writes recover by
//! themselves once space returns.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::common::*;

/// A server on the demo seed, stopped, leaving its data dir behind for a test to damage.
fn stopped_data_dir() -> TestServer {
    let mut s = TestServer::start_demo();
    s.admin_token();
    let status = s.stop();
    assert!(status.is_some_and(|st| st.success()), "{}", s.stderr_text());
    s
}

/// Exit code 1, one ERROR line naming the problem, no panic output.
fn assert_refused(failed: &FailedStart, expected: &str) {
    assert_eq!(failed.status.code(), Some(1), "stderr:\n{}", failed.stderr);
    assert!(!failed.stderr.contains("panicked"), "{}", failed.stderr);
    let errors: Vec<&str> = failed
        .stderr
        .lines()
        .filter(|l| l.contains("ERROR"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line:\n{}", failed.stderr);
    assert!(errors[0].contains(expected), "{}", failed.stderr);
}

fn store_of(s: &TestServer) -> PathBuf {
    s.data_dir.join("keystone.redb")
}

#[test]
fn a_truncated_store_is_refused_with_one_line() {
    let s = stopped_data_dir();
    let store = store_of(&s);
    let len = std::fs::metadata(&store).expect("store").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&store)
        .expect("open");
    file.set_len(len / 3).expect("truncate");
    assert_refused(&start_expecting_exit_on(&s.data_dir, DEMO_SEED), "damaged");
}

#[test]
fn flipped_bytes_in_the_store_are_refused_with_one_line() {
    let s = stopped_data_dir();
    let store = store_of(&s);
    let mut bytes = std::fs::read(&store).expect("read store");
    let len = bytes.len();
    let step = len / 40;
    for off in (4096..len).step_by(step) {
        for b in &mut bytes[off..(off + 4).min(len)] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(&store, bytes).expect("write store");
    assert_refused(&start_expecting_exit_on(&s.data_dir, DEMO_SEED), "damaged");
}

#[test]
fn an_emptied_or_deleted_store_beside_keys_is_not_recreated() {
    let s = stopped_data_dir();
    let store = store_of(&s);
    std::fs::write(&store, b"").expect("empty the store");
    assert_refused(
        &start_expecting_exit_on(&s.data_dir, DEMO_SEED),
        "store is empty",
    );
    assert_eq!(std::fs::metadata(&store).expect("store").len(), 0);
    std::fs::remove_file(&store).expect("remove store");
    assert_refused(
        &start_expecting_exit_on(&s.data_dir, DEMO_SEED),
        "store is missing",
    );
    assert!(!store.exists(), "no new store was created");
}

#[test]
fn a_missing_key_repository_beside_a_store_stops_start_up() {
    for repo in ["fernet-keys", "credential-keys"] {
        let s = stopped_data_dir();
        std::fs::remove_dir_all(s.data_dir.join(repo)).expect("remove keys");
        let failed = start_expecting_exit_on(&s.data_dir, DEMO_SEED);
        assert_refused(&failed, "key repository is missing");
        assert!(failed.stderr.contains(repo), "{}", failed.stderr);
        assert!(!s.data_dir.join(repo).exists(), "no new {repo} were made");
    }
}

#[test]
fn an_intact_data_dir_still_restarts() {
    let mut s = stopped_data_dir();
    s.restart();
    s.admin_token();
}

/// A tmpfs mounted for one test, unmounted (after its server stopped) on drop.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// None (with the reason printed) where mounting is not allowed.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = temp_dir("tmpfs");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            other => {
                println!("skipped: cannot mount a tmpfs (needs root): {other:?}");
                let _ = std::fs::remove_dir_all(&dir);
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes zeros into `path` until the file system says it is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).expect("create filler");
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

fn create_project(s: &TestServer, token: &str, name: &str) -> Resp {
    // A description large enough that the commit needs fresh pages.
    let body = json!({"project": {"name": name, "description": "x".repeat(20_000)}});
    s.post("/v3/projects", Some(token), &body)
}

#[test]
fn a_full_disk_answers_503_for_writes_keeps_reads_and_recovers() {
    let Some(fs) = Tmpfs::mount("16m") else {
        return;
    };
    let data_dir = fs.dir.join("data");
    let data_arg = data_dir.to_string_lossy().to_string();
    let s = TestServer::start_with(DEMO_SEED, &["--data-dir", &data_arg], None);
    let token = s.admin_token();
    create_project(&s, &token, "before").expect(201);

    let filler = fs.dir.join("filler");
    fill(&filler);
    for n in 0..3 {
        let resp = create_project(&s, &token, &format!("full{n}"));
        let message = assert_error(&resp, 503);
        assert!(message.contains("try again later"), "{message}");
        assert!(!resp.text().contains("os error"), "{}", resp.text());
    }
    s.validate(&token, &token, "").expect(200);
    s.get("/v3/projects", Some(&token)).expect(200);
    // A load balancer sees it: /healthcheck is 503 while writes fail (src/ops/healthcheck.rs).
    let health = s.get("/healthcheck", None);
    health.expect(503);
    assert_eq!(health.text(), "STORE UNAVAILABLE");

    std::fs::remove_file(&filler).expect("free space");
    create_project(&s, &token, "after").expect(201);
    s.get("/healthcheck", None).expect(200);
    let listed = s.get("/v3/projects", Some(&token)).json();
    let names: Vec<&str> = listed["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"before") && names.contains(&"after"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("full")), "{names:?}");
    drop(s);
}

#[test]
fn a_record_that_does_not_decode_is_a_logged_500_and_the_server_goes_on() {
    use keystone_lite::store::{tables, Store, Writer};
    let mut s = TestServer::start_demo();
    let admin = s.admin_token();
    let demo_id = s.id_by_name(&admin, "users", "demo");
    s.stop();
    {
        let store = Store::open(&keystone_lite::store_path(&s.data_dir)).expect("open store");
        store
            .write(|w| w.put_bytes(tables::USERS, &demo_id, b"{\"id\": 1, not json"))
            .expect("damage one record");
    }
    s.restart();
    let admin = s.admin_token();
    let resp = s.get(&format!("/v3/users/{demo_id}"), Some(&admin));
    assert_error(&resp, 500);
    assert!(!resp.text().contains("not json"), "{}", resp.text());
    // Everything else still answers.
    s.get("/v3/projects", Some(&admin)).expect(200);
    s.validate(&admin, &admin, "").expect(200);
    s.stop();
    let log = s.stderr_text();
    assert!(
        log.lines()
            .any(|l| l.contains("ERROR") && l.contains(&format!("/v3/users/{demo_id} 500"))),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}
