//! `[database] slave_connection` on a real streaming replica (pg_basebackup -R of the
//! private primary): reads from the replica, writes on the primary, the node's own writes
//! read back at once, and with the primary stopped: validations and GETs still answer,
//! writes 503, then recover by themselves when the primary is back.

use super::*;

impl Postgres {
    /// A streaming replica of `self` on its own port.
    fn replica(&self) -> Postgres {
        let dir = temp_dir("pg-replica");
        std::fs::create_dir_all(&dir).expect("replica dir");
        if let Some(user) = self.run_as {
            let chown = Command::new("chown").arg(user).arg(&dir).status();
            assert!(chown.is_ok_and(|s| s.success()), "chown {user} {dir:?}");
        }
        // pg_basebackup sits beside the real initdb (/usr/local/bin may hold only links).
        let bin = std::fs::canonicalize(self.bin.join("initdb"))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| self.bin.clone());
        let replica = Postgres {
            bin,
            dir,
            port: free_port(),
            run_as: self.run_as,
        };
        let data = replica.dir.join("data");
        let port = self.port.to_string();
        let copied = replica.run(
            "pg_basebackup",
            &[
                "-R",
                "-X",
                "stream",
                "-D",
                data.to_str().expect("utf-8"),
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "keystone",
            ],
        );
        assert!(
            copied,
            "pg_basebackup failed: {}",
            std::fs::read_to_string(replica.dir.join("pg_basebackup.out")).unwrap_or_default()
        );
        replica.ctl_start();
        replica
    }
}

#[test]
fn postgres_replica_serves_reads_while_the_primary_is_down() {
    let Some(primary) = Postgres::start() else {
        return;
    };
    let replica = primary.replica();
    let conf = format!(
        "[database]\nconnection = {}\nslave_connection = {}\n",
        primary.url(),
        replica.url()
    );
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let admin = s.admin_token();
    let demo = s.demo_token();
    assert_eq!(s.validate(&admin, &demo, "").status, 200);
    // A write read back at once (this node's reads stay on the primary for a second).
    let id = new_user(&s, &admin, "edge-carol");
    assert_eq!(s.get(&format!("/v3/users/{id}"), Some(&admin)).status, 200);
    let carol = s.token(user_by_id(&id), "pw-of-edge-carol", None);
    // Past the read-own-writes window the reads are the replica's: the user is there.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(s.get(&format!("/v3/users/{id}"), Some(&admin)).status, 200);

    primary.ctl_stop();
    // Cached and uncached validations, and reads, from the replica.
    assert_eq!(
        s.validate(&admin, &demo, "").status,
        200,
        "cached validation"
    );
    let r = s.validate(&admin, &carol, "");
    assert_eq!(r.status, 200, "uncached validation: {}", r.text());
    let r = s.get("/v3/users", Some(&admin));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("edge-carol"));
    let r = s.get(&format!("/v3/users/{id}"), Some(&admin));
    assert_eq!(r.status, 200, "{}", r.text());
    // Writes: a clear 503.
    let body = json!({"user": {"name": "edge-dave", "domain_id": "default"}});
    let r = s.post("/v3/users", Some(&admin), &body);
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        r.text().contains("the primary database is unreachable"),
        "{}",
        r.text()
    );

    primary.ctl_start();
    let started = Instant::now();
    let recovered = within(Duration::from_secs(10), || {
        s.post("/v3/users", Some(&admin), &body).status == 201
    });
    eprintln!("writes recovered {recovered:?} after the primary restarted");
    assert!(
        recovered.is_some(),
        "writes did not recover ({:?})",
        started.elapsed()
    );
    let r = s.get("/v3/users?name=edge-dave", Some(&admin));
    assert!(r.text().contains("edge-dave"), "{}", r.text());
    assert!(!s.stderr_text().contains(SECRET));
}

#[test]
fn postgres_an_edge_nodes_write_waits_for_the_central_nodes() {
    let Some(primary) = Postgres::start() else {
        return;
    };
    let replica = primary.replica();
    let central = node(&primary);
    let conf = format!(
        "[database]\nconnection = {}\nslave_connection = {}\n",
        primary.url(),
        replica.url()
    );
    let edge = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let (admin_c, admin_e) = (central.admin_token(), edge.admin_token());
    // The edge has heard the central node's heartbeat (one poll).
    std::thread::sleep(Duration::from_millis(600));
    for round in 0..10 {
        let demo = central.demo_token();
        assert_eq!(central.validate(&admin_c, &demo, "").status, 200);
        assert_eq!(central.validate(&admin_c, &demo, "").status, 200);
        revoke(&edge, &admin_e, &demo);
        // No wait: the central node applied the revocation before the edge answered.
        let status = central.validate(&admin_c, &demo, "").status;
        assert_eq!(
            status, 404,
            "round {round}: revoked on the edge, valid centrally"
        );
    }
}
