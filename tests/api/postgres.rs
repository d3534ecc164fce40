//! The PostgreSQL engine (`--database-url`), on a private PostgreSQL started here with initdb
//! in a temp dir on a free loopback port: one node serving the demo seed, two nodes on one
//! database (cross-node logins, validations and revocations within the poll bound), concurrent
//! writes from both nodes to one record, and the database stopping and starting under a
//! running node. Skipped, saying so, only when no PostgreSQL server binary is installed
//! (tests/postgres/install.sh installs Debian's in CI).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

mod engines;
mod notify;
mod replica;
mod round_trips;

/// A private PostgreSQL: initdb'd in a temp dir, trust auth on loopback, stopped and removed
/// on drop.
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// PostgreSQL refuses to run as root: then it runs as this user (runuser).
    run_as: Option<&'static str>,
}

/// Where the server binaries are: $PATH, /usr/local/bin, or Debian's versioned directory.
fn postgres_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    candidates.push(PathBuf::from("/usr/local/bin"));
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut found: Vec<PathBuf> = versions.flatten().map(|v| v.path().join("bin")).collect();
        found.sort();
        candidates.extend(found.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Postgres {
    /// None (after saying why) when no PostgreSQL is installed.
    fn start() -> Option<Postgres> {
        let Some(bin) = postgres_bin() else {
            eprintln!("SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) found");
            return None;
        };
        let dir = temp_dir("pg");
        std::fs::create_dir_all(&dir).expect("pg dir");
        let run_as = is_root().then_some("postgres");
        if let Some(user) = run_as {
            let chown = Command::new("chown").arg(user).arg(&dir).status();
            assert!(chown.is_ok_and(|s| s.success()), "chown {user} {dir:?}");
        }
        let pg = Postgres {
            bin,
            dir,
            port: free_port(),
            run_as,
        };
        let data = pg.dir.join("data");
        let initdb = pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("utf-8"),
                "-U",
                "keystone",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth=trust",
            ],
        );
        assert!(initdb, "initdb failed (see {:?})", pg.dir);
        pg.ctl_start();
        Some(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let exe = self.bin.join(tool);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let log = std::fs::File::create(self.dir.join(format!("{tool}.out"))).expect("log");
        cmd.args(args)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .status()
            .is_ok_and(|s| s.success())
    }

    fn ctl_start(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        let ok = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("utf-8"),
                "-o",
                &options,
                "-l",
                log.to_str().expect("utf-8"),
                "-w",
                "start",
            ],
        );
        assert!(
            ok,
            "pg_ctl start failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn ctl_stop(&self) {
        let data = self.dir.join("data");
        let data = data.to_str().expect("utf-8");
        assert!(self.run("pg_ctl", &["-D", data, "-m", "fast", "-w", "stop"]));
    }

    /// The URL a node gets. The password is ignored (trust auth) but present, so a test can
    /// check it never reaches a log line.
    fn url(&self) -> String {
        format!(
            "postgresql://keystone:{SECRET}@127.0.0.1:{}/postgres",
            self.port
        )
    }
}

const SECRET: &str = "never-logged-pw";

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or(""),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn node(pg: &Postgres) -> TestServer {
    TestServer::start_with(DEMO_SEED, &["--database-url", &pg.url()], None)
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy key");
    }
}

/// A second node on the same database, with the first node's key repositories copied (as
/// upstream's rsync would); the keys come from the database anyway (`shared_keys` below
/// starts nodes with different repositories).
fn second_node(pg: &Postgres, a: &TestServer) -> TestServer {
    let mut b = node(pg);
    b.stop();
    for repo in ["fernet-keys", "credential-keys"] {
        copy_dir(&a.data_dir.join(repo), &b.data_dir.join(repo));
    }
    b.restart();
    b
}

/// Polls `check` until it holds; the time it took, or None after `limit`.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// DELETE /v3/auth/tokens of `subject` on `s`.
fn revoke(s: &TestServer, admin: &str, subject: &str) {
    let r = s.request(
        "DELETE",
        "/v3/auth/tokens",
        &[("X-Auth-Token", admin), ("X-Subject-Token", subject)],
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text());
}

fn new_user(s: &TestServer, token: &str, name: &str) -> String {
    let password = format!("pw-of-{name}");
    let body = json!({"user": {"name": name, "password": password, "domain_id": "default"}});
    let r = s.post("/v3/users", Some(token), &body);
    assert_eq!(r.status, 201, "create user: {}", r.text());
    r.json()["user"]["id"].as_str().expect("id").to_string()
}

#[test]
fn postgres_node_serves_the_demo_seed() {
    let Some(pg) = Postgres::start() else { return };
    let s = node(&pg);
    let admin = s.admin_token();
    let demo = s.demo_token();
    assert_eq!(s.validate(&admin, &demo, "").status, 200);
    // User CRUD.
    let id = new_user(&s, &admin, "pg-alice");
    let r = s.patch(
        &format!("/v3/users/{id}"),
        Some(&admin),
        &json!({"user": {"email": "a@x"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        s.get(&format!("/v3/users/{id}"), Some(&admin)).json()["user"]["email"],
        "a@x"
    );
    let alice = s.token(user_by_id(&id), "pw-of-pg-alice", None);
    assert_eq!(s.validate(&admin, &alice, "").status, 200);
    assert_eq!(
        s.delete(&format!("/v3/users/{id}"), Some(&admin)).status,
        204
    );
    assert_eq!(s.get(&format!("/v3/users/{id}"), Some(&admin)).status, 404);
    assert_eq!(
        s.validate(&admin, &alice, "").status,
        404,
        "deleted user's token"
    );
    // A project delete cascades to its grants and its tokens.
    let r = s.post(
        "/v3/projects",
        Some(&admin),
        &json!({"project": {"name": "pg-p", "domain_id": "default"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let project = r.json()["project"]["id"].as_str().expect("id").to_string();
    let demo_id = s.id_by_name(&admin, "users", "demo");
    let member = s.id_by_name(&admin, "roles", "member");
    let grant = format!("/v3/projects/{project}/users/{demo_id}/roles/{member}");
    assert_eq!(s.put(&grant, Some(&admin)).status, 204);
    let scoped = s.token(
        user_by_name("demo", "default"),
        "demopwd",
        Some(project_scope_by_id(&project)),
    );
    assert_eq!(s.validate(&admin, &scoped, "").status, 200);
    assert_eq!(
        s.delete(&format!("/v3/projects/{project}"), Some(&admin))
            .status,
        204
    );
    assert_eq!(s.validate(&admin, &scoped, "").status, 404);
    let grants = s.get(
        &format!("/v3/role_assignments?user.id={demo_id}&scope.project.id={project}"),
        Some(&admin),
    );
    assert_eq!(grants.json()["role_assignments"], json!([]));
    // The store is not a file in the data dir, and the password never reaches a log line.
    assert!(!s.data_dir.join("keystone.redb").exists());
    assert!(!s.stderr_text().contains(SECRET));
}

#[test]
fn postgres_two_nodes_share_identities_and_revocations() {
    let Some(pg) = Postgres::start() else { return };
    let a = node(&pg);
    let b = second_node(&pg, &a);
    let admin_a = a.admin_token();
    let admin_b = b.admin_token();
    // A user created on A logs in on B; a token issued on A validates on B.
    let id = new_user(&a, &admin_a, "pg-bob");
    let bob = b.token(user_by_id(&id), "pw-of-pg-bob", None);
    assert_eq!(a.validate(&admin_a, &bob, "").status, 200);
    let demo = a.demo_token();
    assert_eq!(
        b.validate(&admin_b, &demo, "").status,
        200,
        "A's token on B"
    );
    // Revoked on A (B has it cached): B refuses it within 1 s.
    assert_eq!(b.validate(&admin_b, &demo, "").status, 200);
    revoke(&a, &admin_a, &demo);
    let took = within(Duration::from_secs(1), || {
        b.validate(&admin_b, &demo, "").status == 404
    });
    eprintln!("cross-node revocation seen after {took:?}");
    assert!(took.is_some(), "B still validates a token A revoked");
    // A role removed on A: B's cached validation of a token carrying it stops within 1 s.
    let project = a.id_by_name(&admin_a, "projects", "demo");
    let member = a.id_by_name(&admin_a, "roles", "member");
    let grant = format!("/v3/projects/{project}/users/{id}/roles/{member}");
    assert_eq!(a.put(&grant, Some(&admin_a)).status, 204);
    let scoped = b.token(
        user_by_id(&id),
        "pw-of-pg-bob",
        Some(project_scope_by_id(&project)),
    );
    assert_eq!(b.validate(&admin_b, &scoped, "").status, 200);
    assert_eq!(b.validate(&admin_b, &scoped, "").status, 200);
    assert_eq!(a.delete(&grant, Some(&admin_a)).status, 204);
    let took = within(Duration::from_secs(1), || {
        b.validate(&admin_b, &scoped, "").status == 404
    });
    eprintln!("cross-node role removal seen after {took:?}");
    assert!(took.is_some(), "B still validates a role A removed");
    // A user disabled on A: B's cached validation of the user's token stops within 1 s.
    assert_eq!(b.validate(&admin_b, &bob, "").status, 200);
    let r = a.patch(
        &format!("/v3/users/{id}"),
        Some(&admin_a),
        &json!({"user": {"enabled": false}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let took = within(Duration::from_secs(1), || {
        b.validate(&admin_b, &bob, "").status == 404
    });
    eprintln!("cross-node user disable seen after {took:?}");
    assert!(
        took.is_some(),
        "B still validates a token of a user A disabled"
    );
    assert!(!a.stderr_text().contains(SECRET) && !b.stderr_text().contains(SECRET));
}

#[test]
fn postgres_concurrent_writes_from_two_nodes_lose_nothing() {
    let Some(pg) = Postgres::start() else { return };
    let a = Arc::new(node(&pg));
    let b = Arc::new(second_node(&pg, &a));
    let token = Arc::new(a.admin_token());
    let r = a.post(
        "/v3/projects",
        Some(&token),
        &json!({"project": {"name": "pg-race", "domain_id": "default"}}),
    );
    let project = r.json()["project"]["id"].as_str().expect("id").to_string();
    let r = a.post(
        "/v3/groups",
        Some(&token),
        &json!({"group": {"name": "pg-race", "domain_id": "default"}}),
    );
    let group = r.json()["group"]["id"].as_str().expect("id").to_string();
    let users: Vec<String> = (0..20)
        .map(|i| new_user(&a, &token, &format!("pg-r{i}")))
        .collect();
    // 20 parallel writers, alternating nodes: each adds a tag to the one project (a
    // read-modify-write of one record) and a member to the one group.
    let handles: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (token, project, group, user) =
                (token.clone(), project.clone(), group.clone(), user.clone());
            std::thread::spawn(move || {
                let tag = s.put(
                    &format!("/v3/projects/{project}/tags/t{i:02}"),
                    Some(&token),
                );
                let member = s.put(&format!("/v3/groups/{group}/users/{user}"), Some(&token));
                (tag.status, member.status, tag.text(), member.text())
            })
        })
        .collect();
    for h in handles {
        let (tag, member, tag_body, member_body) = h.join().expect("writer");
        assert_eq!(tag, 201, "tag: {tag_body}");
        assert_eq!(member, 204, "member: {member_body}");
    }
    let tags = b
        .get(&format!("/v3/projects/{project}/tags"), Some(&token))
        .json();
    assert_eq!(tags["tags"].as_array().map(Vec::len), Some(20), "{tags}");
    let members = b
        .get(&format!("/v3/groups/{group}/users"), Some(&token))
        .json();
    assert_eq!(
        members["users"].as_array().map(Vec::len),
        Some(20),
        "{members}"
    );
}

#[test]
fn postgres_down_answers_503_then_recovers() {
    let Some(pg) = Postgres::start() else { return };
    let s = node(&pg);
    let admin = s.admin_token();
    let body = |name: &str| json!({"project": {"name": name, "domain_id": "default"}});
    assert_eq!(
        s.post("/v3/projects", Some(&admin), &body("pg-before"))
            .status,
        201
    );
    let demo = s.demo_token();
    assert_eq!(s.validate(&admin, &demo, "").status, 200);
    pg.ctl_stop();
    // A cached validation does no database round trip: it still answers.
    assert_eq!(
        s.validate(&admin, &demo, "").status,
        200,
        "cache hit with the database down"
    );
    let r = s.post("/v3/projects", Some(&admin), &body("pg-during"));
    assert_eq!(
        r.status,
        503,
        "a write with the database down: {}",
        r.text()
    );
    assert_eq!(s.get("/healthcheck", None).status, 503);
    pg.ctl_start();
    let recovered = within(Duration::from_secs(10), || {
        s.post("/v3/projects", Some(&admin), &body("pg-after"))
            .status
            == 201
    });
    eprintln!("writes recovered {recovered:?} after the database restarted");
    assert!(
        recovered.is_some(),
        "writes did not recover: {}",
        s.stderr_text()
    );
    assert_eq!(s.get("/healthcheck", None).status, 200);
    assert!(!s.stderr_text().contains(SECRET));
}

/// `keystone-lite <command>` against the database, with `data_dir` as its local data dir.
fn admin_command(pg: &Postgres, data_dir: &Path, command: &str) -> String {
    let out = Command::new(BIN)
        .args([command, "--data-dir"])
        .arg(data_dir)
        .args(["--database-url", &pg.url()])
        .output()
        .expect("run keystone-lite");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{command}: {text}");
    assert!(!text.contains(SECRET), "{command} printed the password");
    text
}

#[test]
fn postgres_nodes_share_keys_and_rotations_through_the_database() {
    let Some(pg) = Postgres::start() else { return };
    // Each node creates its own (different) key repositories at start; the first imports its
    // into the empty database, the second loads the database's.
    let a = node(&pg);
    let b = node(&pg);
    let key = |s: &TestServer| std::fs::read_to_string(s.data_dir.join("fernet-keys/1")).ok();
    assert_ne!(key(&a), key(&b), "the local repositories differ");
    let admin_a = a.admin_token();
    let admin_b = b.admin_token();
    let before = a.demo_token();
    assert_eq!(
        b.validate(&admin_b, &before, "").status,
        200,
        "A's token on B"
    );
    let from_b = b.demo_token();
    assert_eq!(
        a.validate(&admin_a, &from_b, "").status,
        200,
        "B's token on A"
    );
    // A credential encrypted on A decrypts on B (shared credential keys).
    let demo_id = a.id_by_name(&admin_a, "users", "demo");
    let body = json!({"credential": {"type": "cert", "user_id": demo_id,
        "blob": "sk-shared"}});
    let r = a.post("/v3/credentials", Some(&admin_a), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let cred = r.json()["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = b.get(&format!("/v3/credentials/{cred}"), Some(&admin_b));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("sk-shared"), "{}", r.text());

    // Rotated in the database by the admin command (with a third, empty data dir): both
    // nodes reload within the poll bound (their log says which keys they now hold).
    let elsewhere = temp_dir("pg-rotate");
    let reloaded = |indexes: &str| {
        let line = format!("fernet keys reloaded from database fernet keys ({indexes})");
        move |s: &TestServer| s.stderr_text().contains(&line)
    };
    let out = admin_command(&pg, &elsewhere, "fernet-rotate");
    assert!(
        out.contains("Rotated the fernet keys in the database"),
        "{out}"
    );
    let seen = reloaded("[2, 1, 0]");
    let took = within(Duration::from_secs(1), || seen(&a) && seen(&b));
    eprintln!("first rotation reloaded on both nodes {took:?} after the command returned");
    assert!(
        took.is_some(),
        "a node did not pick up the rotation within 1 s"
    );
    let between = a.demo_token();
    assert_eq!(
        b.validate(&admin_b, &before, "").status,
        200,
        "pre-rotation token"
    );
    // A second rotation makes the key the first one staged primary: no node had it before
    // the first rotation, so A's new token validating on B means B reloaded.
    admin_command(&pg, &elsewhere, "fernet-rotate");
    let seen = reloaded("[3, 2, 0]");
    let took = within(Duration::from_secs(1), || seen(&a) && seen(&b));
    eprintln!("second rotation reloaded on both nodes {took:?} after the command returned");
    assert!(
        took.is_some(),
        "a node did not pick up the second rotation within 1 s"
    );
    // The admin tokens were encrypted with key 1, purged now: fresh ones.
    let (admin_a, admin_b) = (a.admin_token(), b.admin_token());
    let after = a.demo_token();
    assert_eq!(
        b.validate(&admin_b, &after, "").status,
        200,
        "new primary's token on B"
    );
    assert_eq!(
        b.validate(&admin_b, &between, "").status,
        200,
        "token of key 2 on B"
    );
    // max_active_keys = 3: key 1 was purged by the second rotation, on every node.
    assert_eq!(
        b.validate(&admin_b, &before, "").status,
        404,
        "purged key's token on B"
    );
    assert_eq!(
        a.validate(&admin_a, &before, "").status,
        404,
        "purged key's token on A"
    );
    // The credential keys rotate the same way; the credential still reads on both.
    admin_command(&pg, &elsewhere, "credential-migrate");
    let out = admin_command(&pg, &elsewhere, "credential-rotate");
    assert!(
        out.contains("Rotated the credential keys in the database"),
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(700));
    for (s, t) in [(&a, &admin_a), (&b, &admin_b)] {
        let r = s.get(&format!("/v3/credentials/{cred}"), Some(t));
        assert!(
            r.status == 200 && r.text().contains("sk-shared"),
            "{}",
            r.text()
        );
    }
    assert!(!a.stderr_text().contains(SECRET) && !b.stderr_text().contains(SECRET));
    let _ = std::fs::remove_dir_all(&elsewhere);
}
