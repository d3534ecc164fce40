//! The admin commands (`keystone-lite bootstrap`, `fernet-rotate`, `credential-*`,
//! `trust-flush`, `doctor`, `check-seed`) run as the real binary against a real server's data
//! dir, and the running server picking up a key rotation and SIGHUP.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;

/// Runs `keystone-lite <args>`; its output.
fn admin(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("OS_BOOTSTRAP_PASSWORD");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run keystone-lite")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "command failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "expected exit 1: {out:?}");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn data_dir(s: &TestServer) -> &str {
    s.data_dir.to_str().expect("utf-8 path")
}

/// Waits (at most 10 s) for `check` to hold.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether `token` was encrypted with key file `index` of the token key repository.
fn encrypted_with(data_dir: &Path, index: u32, token: &str) -> bool {
    let key = std::fs::read_to_string(data_dir.join("fernet-keys").join(index.to_string()))
        .expect("key file");
    let padded = format!("{token}{}", "=".repeat((4 - token.len() % 4) % 4));
    fernet::Fernet::new(key.trim())
        .expect("a Fernet key")
        .decrypt(&padded)
        .is_ok()
}

#[test]
fn help_lists_the_commands() {
    let out = admin(&["--help"], &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for command in [
        "bootstrap",
        "fernet-rotate",
        "credential-migrate",
        "trust-flush",
        "doctor",
        "check-seed",
    ] {
        assert!(text.contains(command), "--help lacks {command}: {text}");
    }
}

#[test]
fn fernet_rotation_is_picked_up_without_restart_within_the_key_window() {
    let s = TestServer::start_demo();
    let dir = data_dir(&s).to_string();
    let before = s.admin_token();
    assert!(encrypted_with(&s.data_dir, 1, &before));
    // A second setup changes nothing.
    let out = ok(&admin(&["fernet-setup", "--data-dir", &dir], &[]));
    assert!(out.contains("already initialized"), "{out}");

    ok(&admin(&["fernet-rotate", "--data-dir", &dir], &[]));
    // The server picks the new primary key (2) up without a restart.
    let mut after = String::new();
    eventually("a token encrypted with the new primary key", || {
        after = s.admin_token();
        encrypted_with(&s.data_dir, 2, &after)
    });
    s.validate(&after, &before, "").expect(200);
    s.validate(&before, &after, "").expect(200);

    // max_active_keys = 3: the next rotation purges key 1, and the first token with it.
    ok(&admin(&["fernet-rotate", "--data-dir", &dir], &[]));
    assert!(!s.data_dir.join("fernet-keys/1").exists());
    eventually("the purged key's token refused", || {
        s.validate(&after, &before, "").status == 404
    });
    s.validate(&after, &after, "").expect(200);
    let r = s.get("/v3/auth/tokens", Some(&before));
    assert_eq!(r.status, 401, "{}", r.text());
}

#[test]
fn credential_rotation_needs_migration_first() {
    let mut s = TestServer::start_demo();
    let dir = data_dir(&s).to_string();
    let admin_token = s.admin_token();
    let user_id = s.id_by_name(&admin_token, "users", "admin");
    let blob = "{\"access\": \"a1\", \"secret\": \"s1\"}";
    let r = s.post(
        "/v3/credentials",
        Some(&admin_token),
        &json!({"credential": {"type": "ec2", "user_id": user_id, "blob": blob,
                "project_id": s.id_by_name(&admin_token, "projects", "admin")}}),
    );
    r.expect(201);
    let id = r.json()["credential"]["id"].as_str().unwrap().to_string();

    // The store belongs to the running server: said plainly.
    let text = failed(&admin(&["credential-rotate", "--data-dir", &dir], &[]));
    assert!(text.contains("running keystone-lite"), "{text}");

    s.stop();
    // All on the primary key: the first rotation is allowed; the second is not.
    ok(&admin(&["credential-rotate", "--data-dir", &dir], &[]));
    let text = failed(&admin(&["credential-rotate", "--data-dir", &dir], &[]));
    assert!(text.contains("credential_migrate"), "{text}");
    let out = ok(&admin(&["credential-migrate", "--data-dir", &dir], &[]));
    assert!(out.contains("Re-encrypted 1 credential"), "{out}");
    let out = ok(&admin(&["credential-migrate", "--data-dir", &dir], &[]));
    assert!(out.contains("Re-encrypted 0 credential"), "{out}");
    ok(&admin(&["credential-rotate", "--data-dir", &dir], &[]));
    // Keys 1 (the original) is gone; the credential still decrypts.
    assert!(!s.data_dir.join("credential-keys/1").exists());
    s.restart();
    let token = s.admin_token();
    let r = s.get(&format!("/v3/credentials/{id}"), Some(&token));
    r.expect(200);
    assert_eq!(r.json()["credential"]["blob"], blob);
}

#[test]
fn bootstrap_creates_then_changes_nothing_but_a_wrong_password() {
    let mut s = TestServer::start("");
    let dir = data_dir(&s).to_string();
    let text = failed(&admin(
        &[
            "bootstrap",
            "--data-dir",
            &dir,
            "--bootstrap-password",
            "pw1",
        ],
        &[],
    ));
    assert!(text.contains("running keystone-lite"), "{text}");
    s.stop();
    let text = failed(&admin(&["bootstrap", "--data-dir", &dir], &[]));
    assert!(text.contains("OS_BOOTSTRAP_PASSWORD"), "{text}");
    let args = [
        "bootstrap",
        "--data-dir",
        &dir,
        "--bootstrap-password",
        "pw1",
        "--bootstrap-region-id",
        "RegionOne",
        "--bootstrap-public-url",
        "http://keystone.example:5000/v3",
        "--bootstrap-internal-url",
        "http://keystone.internal:5000/v3",
    ];
    ok(&admin(&args, &[]));
    // The records, with the server's own URL (a new port at each start) taken out.
    let snapshot = |s: &TestServer, token: &str| -> Vec<Value> {
        [
            "roles",
            "projects",
            "users",
            "endpoints",
            "services",
            "regions",
            "role_inferences",
        ]
        .iter()
        .map(|c| {
            let text = s.get(&format!("/v3/{c}"), Some(token)).expect(200).text();
            serde_json::from_str(&text.replace(&s.url, "URL")).unwrap()
        })
        .collect()
    };
    s.restart();
    let sys = s.token(
        user_by_name("admin", "default"),
        "pw1",
        Some(system_scope()),
    );
    s.token(
        user_by_name("admin", "default"),
        "pw1",
        Some(project_scope_by_name("admin", "default")),
    );
    let first = snapshot(&s, &sys);
    let roles: Vec<&str> = first[0]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for role in ["reader", "member", "manager", "admin", "service"] {
        assert!(roles.contains(&role), "{roles:?}");
    }
    assert_eq!(first[0]["roles"][0]["options"]["immutable"], true);
    assert_eq!(first[3]["endpoints"].as_array().unwrap().len(), 2);
    s.stop();

    // Again, same options: nothing changes.
    let out = ok(&admin(&args, &[]));
    assert!(!out.contains("Reset") && !out.contains("updated"), "{out}");
    s.restart();
    let sys = s.token(
        user_by_name("admin", "default"),
        "pw1",
        Some(system_scope()),
    );
    for (a, b) in snapshot(&s, &sys).iter().zip(&first) {
        assert_eq!(a, b);
    }
    s.stop();

    // Another password (from the environment, as upstream): reset.
    let out = ok(&admin(&args[..3], &[("OS_BOOTSTRAP_PASSWORD", "pw2")]));
    assert!(out.contains("Reset password for user admin."), "{out}");
    s.restart();
    let r = s.issue(
        &password_auth(
            user_by_name("admin", "default"),
            "pw1",
            Some(system_scope()),
        ),
        "",
    );
    assert_eq!(r.status, 401);
    s.token(
        user_by_name("admin", "default"),
        "pw2",
        Some(system_scope()),
    );
}

/// A trust as the admin gives it to demo on project admin.
fn create_trust(s: &TestServer, token: &str, extra: Value) -> String {
    let mut trust = json!({
        "trustor_user_id": s.id_by_name(token, "users", "admin"),
        "trustee_user_id": s.id_by_name(token, "users", "demo"),
        "project_id": s.id_by_name(token, "projects", "admin"),
        "impersonation": false,
        "roles": [{"name": "member"}],
    });
    for (k, v) in extra.as_object().unwrap() {
        trust[k] = v.clone();
    }
    let r = s.post(
        "/v3/OS-TRUST/trusts",
        Some(token),
        &json!({ "trust": trust }),
    );
    r.expect(201);
    r.json()["trust"]["id"].as_str().unwrap().to_string()
}

fn trust_ids(s: &TestServer) -> Vec<String> {
    let token = s.system_admin_token();
    s.get("/v3/OS-TRUST/trusts", Some(&token))
        .expect(200)
        .json()["trusts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn trust_flush_removes_expired_and_used_up_trusts() {
    let mut s = TestServer::start_demo();
    let dir = data_dir(&s).to_string();
    let token = s.admin_token();
    let soon = create_trust(
        &s,
        &token,
        json!({"expires_at": "2099-01-01T00:00:00.000000Z"}),
    );
    let later = create_trust(
        &s,
        &token,
        json!({"expires_at": "2199-01-01T00:00:00.000000Z"}),
    );
    let forever = create_trust(&s, &token, json!({}));
    let once = create_trust(&s, &token, json!({"remaining_uses": 1}));
    // Use up `once`.
    let demo = s.demo_token();
    let r = s.issue(
        &token_auth(&demo, Some(json!({"OS-TRUST:trust": {"id": once}}))),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(trust_ids(&s).len(), 4);
    s.stop();

    // Upstream's filters narrow it: nothing of another trustee.
    let out = ok(&admin(
        &[
            "trust-flush",
            "--data-dir",
            &dir,
            "--trustee-user-id",
            "nobody",
            "--date",
            "01-01-2100",
        ],
        &[],
    ));
    assert!(out.contains("Deleted 0"), "{out}");
    let text = failed(&admin(
        &["trust-flush", "--data-dir", &dir, "--date", "2100-01-01"],
        &[],
    ));
    assert!(text.contains("DD-MM-YYYY"), "{text}");
    ok(&admin(
        &["trust-flush", "--data-dir", &dir, "--date", "01-01-2100"],
        &[],
    ));
    s.restart();
    let mut left = trust_ids(&s);
    left.sort();
    let mut want = vec![later, forever];
    want.sort();
    assert_eq!(left, want);
    assert!(!left.contains(&soon) && !left.contains(&once));
}

#[test]
fn doctor_flags_a_world_readable_key_repository_and_compliance() {
    let mut s = TestServer::start_demo();
    s.stop();
    let dir = data_dir(&s).to_string();
    let out = ok(&admin(&["doctor", "--data-dir", &dir], &[]));
    assert!(!out.contains("WARNING"), "{out}");

    let keys = s.data_dir.join("fernet-keys");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = failed(&admin(&["doctor", "--data-dir", &dir], &[]));
    assert!(
        text.contains("WARNING: Fernet key repository is not setup correctly."),
        "{text}"
    );
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700)).unwrap();

    let conf = s.data_dir.with_file_name("doctor.conf");
    std::fs::write(
        &conf,
        "[DEFAULT]\ndebug = true\n[security_compliance]\npassword_regex = ^.{8,}$\n\
         lockout_duration = 60\n",
    )
    .unwrap();
    let text = failed(&admin(
        &[
            "doctor",
            "--data-dir",
            &dir,
            "--config",
            conf.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(
        text.contains("Debug mode should be set to False."),
        "{text}"
    );
    assert!(
        text.contains("Password regular expression description is not set."),
        "{text}"
    );
    assert!(text.contains("lockout_failure_attempts"), "{text}");
}

#[test]
fn check_seed_names_file_and_problem() {
    let dir = temp_dir("check-seed");
    let good = dir.join("good.yaml");
    std::fs::write(&good, DEMO_SEED).unwrap();
    let out = ok(&admin(&["check-seed", good.to_str().unwrap()], &[]));
    assert!(out.contains("good.yaml: OK"), "{out}");

    let unknown = dir.join("unknown.yaml");
    std::fs::write(&unknown, "users:\n  - name: a\n    colour: blue\n").unwrap();
    let text = failed(&admin(&["check-seed", unknown.to_str().unwrap()], &[]));
    assert!(
        text.contains("unknown.yaml") && text.contains("colour"),
        "{text}"
    );

    let dangling = dir.join("dangling.yaml");
    std::fs::write(&dangling, "users:\n  - name: a\n    domain: Nowhere\n").unwrap();
    let text = failed(&admin(&["check-seed", dangling.to_str().unwrap()], &[]));
    assert!(
        text.contains("dangling.yaml") && text.contains("Nowhere"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sighup_reloads_the_policy_file() {
    let dir = temp_dir("sighup");
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, "{}\n").unwrap();
    let s = TestServer::start_with(
        DEMO_SEED,
        &["--policy-file", policy.to_str().unwrap()],
        None,
    );
    let demo = s.demo_token();
    s.get("/v3/regions", Some(&demo)).expect(200);
    std::fs::write(&policy, "\"identity:list_regions\": \"!\"\n").unwrap();
    let pid = s.pid().unwrap().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    eventually("the new policy in force", || {
        s.get("/v3/regions", Some(&demo)).status == 403
    });
    // Same process, same connections: the server kept serving.
    s.get("/v3/projects", Some(&s.admin_token())).expect(200);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn hangup(s: &TestServer) {
    let pid = s.pid().unwrap().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
}

#[test]
fn sighup_reapplies_a_changed_seed_and_keeps_serving_on_a_broken_one() {
    let s = TestServer::start_demo();
    let admin = s.admin_token();
    let named = |name: &str| {
        s.get(&format!("/v3/projects?name={name}"), Some(&admin))
            .json()["projects"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(named("hup-proj"), 0);
    let mut seed = demo_seed();
    seed_push(
        &mut seed,
        "projects",
        json!([{"name": "hup-proj", "description": "added while serving"}]),
    );
    s.rewrite_seed(&seed_text(&seed));
    hangup(&s);
    eventually("the changed seed applied", || named("hup-proj") == 1);

    // A seed that does not parse is logged and left alone: nothing changes, the server
    // serves on with what it had.
    s.rewrite_seed("projects: [\n");
    hangup(&s);
    eventually("the refusal logged", || {
        s.stderr_text().contains("seed not re-applied")
    });
    assert_eq!(named("hup-proj"), 1);
    s.get("/v3/projects", Some(&admin)).expect(200);
}
