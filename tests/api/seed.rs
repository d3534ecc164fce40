//! The seed file: every way it can be wrong stops start-up with file, line and what, writing
//! nothing; and password hashes imported from an existing Keystone log in.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::Sha512;

use crate::common::*;

fn assert_rejected(failed: &FailedStart, line: usize, needles: &[&str]) {
    assert!(
        !failed.status.success(),
        "exit status {:?}; stderr:\n{}",
        failed.status,
        failed.stderr
    );
    let location = format!("{}:{line}", failed.seed_path.display());
    assert!(
        failed.stderr.contains(&location),
        "stderr should name {location}:\n{}",
        failed.stderr
    );
    for needle in needles {
        assert!(
            failed.stderr.contains(needle),
            "stderr should mention {needle:?}:\n{}",
            failed.stderr
        );
    }
    assert!(
        !failed.data_dir.join("keystone.redb").exists(),
        "a rejected seed must leave no store behind"
    );
}

#[test]
fn bad_yaml_exits_naming_file_and_line() {
    // A list item indented one space off, on line 6.
    let failed = start_expecting_exit(
        "domains:\n  - name: Default\nusers:\n  - name: a\n    password: x\n   - name: b\n",
    );
    assert_rejected(&failed, 6, &[]);
    // A tab in the indentation, on line 5.
    let failed =
        start_expecting_exit("domains:\n  - name: Default\nusers:\n  - name: a\n\tpassword: x\n");
    assert_rejected(&failed, 5, &["tab"]);
}

#[test]
fn unknown_field_is_named_with_its_line() {
    let failed = start_expecting_exit("# comment\nusers:\n  - name: alice\n    pasword: secret\n");
    assert_rejected(&failed, 4, &["pasword"]);
    assert!(
        !failed.stderr.contains("secret"),
        "the value of a misspelt password field must not be echoed:\n{}",
        failed.stderr
    );
}

#[test]
fn duplicate_user_name_in_a_domain_is_refused() {
    let failed = start_expecting_exit(
        "users:\n  - name: alice\n    password: a1\n  - name: bob\n  - name: alice\n    password: a2\n",
    );
    assert_rejected(&failed, 5, &["duplicate", "alice"]);
}

#[test]
fn dangling_reference_is_refused_and_nothing_is_written() {
    let seed = "\
projects:
  - name: real
roles:
  - name: reader
users:
  - name: alice
    password: alicepwd
assignments:
  - user: alice
    role: reader
    project: real
  - user: alice
    role: reader
    project: ghost
";
    // Fresh data dir: the error names the project and no store is left.
    let failed = start_expecting_exit(seed);
    assert_rejected(&failed, 12, &["ghost"]);

    // An existing data dir: a seed with a new user and a dangling reference changes nothing.
    let mut s = TestServer::start_demo();
    s.stop();
    let mut bad = demo_seed();
    seed_push(
        &mut bad,
        "users",
        json!({"name": "newbie", "password": "newbiepwd"}),
    );
    seed_push(
        &mut bad,
        "assignments",
        json!({"user": "newbie", "role": "member", "project": "ghost"}),
    );
    let failed = start_expecting_exit_on(&s.data_dir, &seed_text(&bad));
    assert!(!failed.status.success(), "{}", failed.stderr);
    assert!(failed.stderr.contains("ghost"), "{}", failed.stderr);
    assert!(
        s.data_dir.join("keystone.redb").exists(),
        "the existing store stays"
    );
    s.restart();
    let system = s.system_admin_token();
    let r = s.get("/v3/users?name=newbie", Some(&system));
    r.expect(200);
    assert_eq!(
        r.json()["users"],
        json!([]),
        "nothing of the bad seed was written"
    );
    assert_unauthorized(
        &s,
        &s.issue(
            &password_auth(user_by_name("newbie", "default"), "newbiepwd", None),
            "",
        ),
    );
}

#[test]
fn imported_pbkdf2_and_bcrypt_hashes_log_in() {
    // passlib's pbkdf2_sha512 format, as upstream Keystone stores it: a known salt, 1000 rounds.
    let salt = b"keystone-lite-salt";
    let mut digest = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(b"imported-pbkdf2-pw", salt, 1000, &mut digest);
    let pbkdf2_hash = format!(
        "$pbkdf2-sha512$1000${}${}",
        STANDARD_NO_PAD.encode(salt).replace('+', "."),
        STANDARD_NO_PAD.encode(digest).replace('+', ".")
    );
    let bcrypt_hash = bcrypt::hash("imported-bcrypt-pw", 4).expect("bcrypt");
    let mut seed = demo_seed();
    seed_push(
        &mut seed,
        "users",
        json!([
            {"name": "olduser", "password_hash": pbkdf2_hash, "default_project": "demo"},
            {"name": "olderuser", "password_hash": bcrypt_hash}
        ]),
    );
    seed_push(
        &mut seed,
        "assignments",
        json!({"user": "olduser", "role": "member", "project": "demo"}),
    );
    let s = TestServer::start(&seed_text(&seed));
    let r = s.issue(
        &password_auth(
            user_by_name("olduser", "default"),
            "imported-pbkdf2-pw",
            None,
        ),
        "",
    );
    r.expect(201);
    assert_eq!(r.json()["token"]["project"]["name"], "demo");
    let r = s.issue(
        &password_auth(
            user_by_name("olderuser", "default"),
            "imported-bcrypt-pw",
            None,
        ),
        "",
    );
    r.expect(201);
    assert_eq!(r.json()["token"]["user"]["name"], "olderuser");
    for (user, wrong) in [
        ("olduser", "imported-bcrypt-pw"),
        ("olderuser", "imported-pbkdf2-pw"),
    ] {
        let r = s.issue(
            &password_auth(user_by_name(user, "default"), wrong, None),
            "",
        );
        assert_unauthorized(&s, &r);
    }
}

#[test]
fn an_unsupported_password_hash_is_refused() {
    let failed = start_expecting_exit(
        "users:\n  - name: alice\n  - name: bob\n    password_hash: \"{SSHA}abcdef\"\n",
    );
    assert_rejected(&failed, 3, &["password_hash"]);
}
