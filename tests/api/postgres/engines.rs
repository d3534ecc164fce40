//! Moving between the engines (README "Moving between engines"): a redb server's `export`
//! seeds the first PostgreSQL node (its data dir holding the old key repositories), and
//! `backup --database-url` writes a redb data dir from the database and its shared keys.
//! Each way: the same records (ids, grants, credentials), old tokens still valid, passwords
//! still log in, credential blobs still decrypt.

use serde_json::Value;

use super::*;

/// What must survive a move: ids of users and projects, every grant, every credential with
/// its decrypted blob (the node's own URLs in links left out).
fn inventory(s: &TestServer, token: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (collection, fields) in [
        ("users", &["id", "name", "domain_id"][..]),
        ("projects", &["id", "name", "domain_id"][..]),
        (
            "credentials",
            &["id", "type", "user_id", "project_id", "blob"][..],
        ),
    ] {
        let r = s.get(&format!("/v3/{collection}"), Some(token));
        assert_eq!(r.status, 200, "{collection}: {}", r.text());
        for item in r.json()[collection].as_array().expect("list") {
            let picked: Vec<String> = fields.iter().map(|f| item[*f].to_string()).collect();
            out.push(format!("{collection} {}", picked.join(" ")));
        }
    }
    let r = s.get("/v3/role_assignments", Some(token));
    assert_eq!(r.status, 200, "{}", r.text());
    for a in r.json()["role_assignments"].as_array().expect("list") {
        out.push(format!(
            "grant {} {} {}",
            a["user"], a["scope"], a["role"]["id"]
        ));
    }
    out.sort();
    out
}

/// A user with a grant on a new project, an EC2 credential and a project-scoped token:
/// (user id, project id, credential id, token).
fn populate(s: &TestServer, admin: &str, tag: &str) -> (String, String, String, String) {
    let user = new_user(s, admin, tag);
    let body = json!({"project": {"name": format!("{tag}-p"), "domain_id": "default"}});
    let r = s.post("/v3/projects", Some(admin), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let project = r.json()["project"]["id"].as_str().expect("id").to_string();
    let member = s.id_by_name(admin, "roles", "member");
    let grant = format!("/v3/projects/{project}/users/{user}/roles/{member}");
    assert_eq!(s.put(&grant, Some(admin)).status, 204);
    let blob = json!({"access": format!("ak-{tag}"), "secret": format!("sk-{tag}")});
    let body = json!({"credential": {"type": "ec2", "user_id": user, "project_id": project,
        "blob": blob.to_string()}});
    let r = s.post("/v3/credentials", Some(admin), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let cred = r.json()["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = s.token(
        user_by_id(&user),
        &format!("pw-of-{tag}"),
        Some(project_scope_by_id(&project)),
    );
    (user, project, cred, token)
}

/// The moved server answers as the old one for what `populate` made under `tag`.
fn check_moved(s: &TestServer, admin: &str, tag: &str, made: &(String, String, String, String)) {
    let (user, project, cred, token) = made;
    assert_eq!(
        s.validate(admin, token, "").status,
        200,
        "{tag}'s old token"
    );
    let fresh = s.token(
        user_by_id(user),
        &format!("pw-of-{tag}"),
        Some(project_scope_by_id(project)),
    );
    assert_eq!(s.validate(admin, &fresh, "").status, 200);
    let r = s.get(&format!("/v3/credentials/{cred}"), Some(admin));
    assert_eq!(r.status, 200, "{}", r.text());
    let blob: Value = serde_json::from_str(r.json()["credential"]["blob"].as_str().expect("blob"))
        .expect("blob is JSON");
    assert_eq!(blob["secret"], format!("sk-{tag}"), "{tag}'s blob decrypts");
}

/// `keystone-lite <args>`: its stdout; it must succeed and never print the database password.
fn keystone_lite(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run keystone-lite");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(!stderr.contains(SECRET), "{args:?} printed the password");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The first PostgreSQL node: the export as its seed, the old key repositories copied into
/// its data dir before its first start (it imports them into the empty database).
fn first_node(url: &str, old_data_dir: &Path, seed: &str, work: &Path) -> TestServer {
    let node_dir = work.join("pg-node");
    for repo in ["fernet-keys", "credential-keys"] {
        copy_dir(&old_data_dir.join(repo), &node_dir.join(repo));
    }
    let args = ["--database-url", url, "--data-dir", path(&node_dir)];
    TestServer::start_with(seed, &args, None)
}

/// Rotates the fernet keys in the database (so a backup's keys can only be the database's,
/// not any local directory's); an admin token of the new primary key once `node` reloaded.
fn rotate_in_database(pg: &Postgres, node: &TestServer, work: &Path) -> String {
    admin_command(pg, &work.join("elsewhere"), "fernet-rotate");
    let reloaded = "fernet keys reloaded from database fernet keys ([2, 1, 0])";
    let took = within(Duration::from_secs(2), || {
        node.stderr_text().contains(reloaded)
    });
    assert!(took.is_some(), "the node did not reload the rotated keys");
    node.admin_token()
}

/// `backup --database-url`, with a local data dir that holds no keys; the backup dir.
fn backup_database(url: &str, work: &Path) -> PathBuf {
    let backup = work.join("backup");
    let empty_local = work.join("no-keys-here");
    keystone_lite(&[
        "backup",
        "--database-url",
        url,
        "--data-dir",
        path(&empty_local),
        "--output",
        path(&backup),
    ]);
    backup
}

/// The password hash lines of an export, as written.
fn password_hashes(export: &str) -> Vec<String> {
    export
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("password_hash: $"))
        .map(str::to_string)
        .collect()
}

#[test]
fn postgres_moves_from_redb_and_back() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    // redb -> PostgreSQL: export from the running redb server (through its admin socket).
    let redb = TestServer::start_demo();
    let redb_admin = redb.admin_token();
    let from_redb = populate(&redb, &redb_admin, "mover");
    let before = inventory(&redb, &redb_admin);
    let work = temp_dir("engines");
    std::fs::create_dir_all(&work).expect("work dir");
    let export = work.join("export.yaml");
    keystone_lite(&[
        "export",
        "--data-dir",
        path(&redb.data_dir),
        "-o",
        path(&export),
    ]);
    let seed = std::fs::read_to_string(&export).expect("export written");
    let on_pg = first_node(&url, &redb.data_dir, &seed, &work);
    assert_eq!(
        on_pg.validate(&redb_admin, &from_redb.3, "").status,
        200,
        "a token the redb server issued, on the PostgreSQL node"
    );
    let pg_admin = on_pg.admin_token();
    assert_eq!(
        inventory(&on_pg, &pg_admin),
        before,
        "records kept on PostgreSQL"
    );
    check_moved(&on_pg, &pg_admin, "mover", &from_redb);

    // A write on PostgreSQL, and a key rotation in the database (so the backup's keys can
    // only be the database's, not any local directory's), then a token of the new key.
    let from_pg = populate(&on_pg, &pg_admin, "pgmade");
    let after_rotation = rotate_in_database(&pg, &on_pg, &work);
    let on_pg_list = inventory(&on_pg, &pg_admin);
    assert_ne!(on_pg_list, before, "the write on PostgreSQL shows");

    // `export --config` with [database] connection reads the database too.
    let conf = work.join("keystone.conf");
    std::fs::write(&conf, format!("[database]\nconnection = {url}\n")).expect("conf");
    let exported = keystone_lite(&["export", "--config", path(&conf)]);
    assert!(
        exported.contains(&from_pg.0),
        "export from PostgreSQL has the new user"
    );
    let old_hashes = password_hashes(&seed);
    assert!(old_hashes.len() >= 3, "the redb export holds the hashes");
    let pg_hashes = password_hashes(&exported);
    for hash in &old_hashes {
        assert!(pg_hashes.contains(hash), "hash kept on PostgreSQL: {hash}");
    }

    // PostgreSQL -> redb: a backup of the database is a redb data dir.
    let backup = backup_database(&url, &work);
    assert!(backup.join("keystone.redb").is_file());
    let back = TestServer::start_with(&seed, &["--data-dir", path(&backup)], None);
    assert_eq!(
        back.validate(&after_rotation, &from_redb.3, "").status,
        200,
        "a token of the redb server's key, back on redb"
    );
    let back_admin = back.admin_token();
    assert_eq!(
        back.validate(&back_admin, &after_rotation, "").status,
        200,
        "a token of the database's rotated key"
    );
    assert_eq!(
        inventory(&back, &back_admin),
        on_pg_list,
        "records kept on redb"
    );
    check_moved(&back, &back_admin, "mover", &from_redb);
    check_moved(&back, &back_admin, "pgmade", &from_pg);
    assert!(!on_pg.stderr_text().contains(SECRET));
    let _ = std::fs::remove_dir_all(&work);
}
