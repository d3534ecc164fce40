//! Policy overrides: a policy file (flag or keystone.conf) replaces upstream's default rule
//! for an action, as oslo.policy's policy_file does; rules it does not name keep their defaults.

use crate::common::*;

fn policy_file(tag: &str, text: &str) -> std::path::PathBuf {
    let path = temp_dir(tag).join("policy.yaml");
    std::fs::write(&path, text).expect("write policy file");
    path
}

#[test]
fn a_policy_file_overrides_rules_and_keeps_the_rest() {
    // Only a system admin may list projects now; nobody may read a region.
    let path = policy_file(
        "policy",
        "\"identity:list_projects\": \"role:admin and system_scope:all\"\n\"identity:get_region\": \"!\"\n",
    );
    let s = TestServer::start_with(
        &seed_text(&demo_seed()),
        &["--policy-file", path.to_str().expect("utf-8 path")],
        None,
    );
    let project_admin = s.admin_token();
    let system_admin = s.system_admin_token();
    // By default a project-scoped admin may list projects (upstream's admin_required).
    let r = s.get("/v3/projects", Some(&project_admin));
    assert_error(&r, 403);
    assert!(r.text().contains("identity:list_projects"), "{}", r.text());
    s.get("/v3/projects", Some(&system_admin)).expect(200);
    assert_error(&s.get("/v3/regions/RegionOne", Some(&system_admin)), 403);
    // Untouched rules keep upstream's defaults.
    s.get("/v3/regions", Some(&system_admin)).expect(200);
    s.get("/v3/users", Some(&project_admin)).expect(200);
}

#[test]
fn keystone_conf_names_the_policy_file_too() {
    let path = policy_file("policy-conf", "\"identity:list_users\": \"!\"\n");
    let conf = format!("[oslo_policy]\npolicy_file = {}\n", path.display());
    let s = TestServer::start_with(&seed_text(&demo_seed()), &[], Some(&conf));
    assert_error(&s.get("/v3/users", Some(&s.system_admin_token())), 403);
}

#[test]
fn a_malformed_policy_file_stops_start_up() {
    let path = policy_file(
        "policy-bad",
        "\"identity:list_users\": \"role:admin and (\"\n",
    );
    let dir = temp_dir("policy-bad-run");
    let seed = dir.join("seed.yaml");
    std::fs::write(&seed, seed_text(&demo_seed())).expect("write seed");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keystone-lite"))
        .args([
            "--seed",
            seed.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--data-dir", dir.join("data").to_str().expect("utf-8")])
        .args(["--policy-file", path.to_str().expect("utf-8 path")])
        .output()
        .expect("run keystone-lite");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("identity:list_users"), "{stderr}");
    assert!(out.stdout.is_empty(), "it must not have started listening");
    assert!(!dir.join("data").join("keystone.redb").exists());
}

#[test]
fn head_on_tokens_is_check_token_and_the_auth_reads_have_their_own_actions() {
    let path = policy_file(
        "policy-auth",
        "\"identity:check_token\": \"!\"\n\"identity:get_auth_catalog\": \"!\"\n\"identity:get_auth_projects\": \"!\"\n\"identity:get_auth_domains\": \"!\"\n\"identity:get_auth_system\": \"!\"\n",
    );
    let s = TestServer::start_with(
        &seed_text(&demo_seed()),
        &["--policy-file", path.to_str().expect("utf-8 path")],
        None,
    );
    let admin = s.system_admin_token();
    let demo = s.demo_token();
    // GET validates (identity:validate_token); HEAD checks (identity:check_token).
    s.validate(&admin, &demo, "").expect(200);
    let head = s.request(
        "HEAD",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &admin), ("X-Subject-Token", &demo)],
        None,
    );
    assert_eq!(head.status, 403);
    for (path, action) in [
        ("/v3/auth/catalog", "identity:get_auth_catalog"),
        ("/v3/auth/projects", "identity:get_auth_projects"),
        ("/v3/auth/domains", "identity:get_auth_domains"),
        ("/v3/auth/system", "identity:get_auth_system"),
    ] {
        assert_forbidden(&s.get(path, Some(&demo)), action);
    }
}
