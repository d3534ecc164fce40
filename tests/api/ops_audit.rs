//! Audit events (`[audit] file`): upstream's notifications as CADF events in oslo.messaging's
//! envelope, one JSON line each. Event types, payload keys and their order were recorded from
//! Keystone 30 with `[oslo_messaging_notifications] driver = log` (the JSON after its log
//! prefix): project and user create/update/delete, a grant and a revoke, a good and a bad
//! password login, an unknown user's login.

use serde_json::Value;

use crate::common::*;

const SECRET: &str = "Audit-Secret-pw-9138";

fn events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON event"))
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The envelope and the CADF keys every event has, as upstream writes them.
fn check_shape(e: &Value, observer: &str) {
    assert_eq!(
        keys(e),
        [
            "message_id",
            "publisher_id",
            "event_type",
            "priority",
            "payload",
            "timestamp"
        ]
    );
    assert_eq!(e["priority"], "INFO");
    assert!(e["publisher_id"].as_str().unwrap().starts_with("identity."));
    let p = &e["payload"];
    assert_eq!(
        keys(p)[..9],
        [
            "typeURI",
            "eventType",
            "id",
            "eventTime",
            "action",
            "outcome",
            "observer",
            "initiator",
            "target"
        ]
    );
    assert_eq!(
        p["typeURI"],
        "http://schemas.dmtf.org/cloud/audit/1.0/event"
    );
    assert_eq!(p["eventType"], "activity");
    assert_eq!(p["observer"]["id"], observer);
    assert_eq!(p["observer"]["typeURI"], "service/security");
    let time = p["eventTime"].as_str().unwrap();
    assert!(time.ends_with("+0000") && time.len() == 31, "{time}");
    assert_eq!(e["timestamp"].as_str().unwrap().len(), 26);
}

#[test]
fn writes_logins_and_grants_make_upstreams_events_and_no_secret() {
    let dir = temp_dir("audit");
    let file = dir.join("audit.jsonl");
    // Everything opted in, so the successful login is written too.
    let conf = format!(
        "[audit]\nfile = {}\n[DEFAULT]\nnotification_opt_out = identity.authenticate.pending\n",
        file.display()
    );
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let admin = s.admin_token();
    let admin_id = s.id_by_name(&admin, "users", "admin");
    let admin_project = s.id_by_name(&admin, "projects", "admin");
    let identity = s.get("/v3/services?type=identity", Some(&admin)).json()["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let r = s.post(
        "/v3/projects",
        Some(&admin),
        &serde_json::json!({"project": {"name": "aud1", "domain_id": "default"}}),
    );
    let project = r.expect(201).json()["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.patch(
        &format!("/v3/projects/{project}"),
        Some(&admin),
        &serde_json::json!({"project": {"description": "x"}}),
    )
    .expect(200);
    s.patch(
        &format!("/v3/projects/{project}"),
        Some(&admin),
        &serde_json::json!({"project": {"enabled": false}}),
    )
    .expect(200);
    let r = s.post(
        "/v3/users",
        Some(&admin),
        &serde_json::json!({"user": {"name": "auduser", "password": SECRET, "domain_id": "default"}}),
    );
    let user = r.expect(201).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role = s.id_by_name(&admin, "roles", "member");
    let grant = format!("/v3/projects/{project}/users/{user}/roles/{role}");
    s.put(&grant, Some(&admin)).expect(204);
    s.delete(&grant, Some(&admin)).expect(204);
    // A good login of the new user, a bad one, an unknown user.
    let login = s.issue(
        &password_auth(user_by_name("auduser", "default"), SECRET, None),
        "",
    );
    let user_token = login.expect(201).subject_token();
    s.issue(
        &password_auth(user_by_name("auduser", "default"), "wrong-pw", None),
        "",
    )
    .expect(401);
    s.issue(
        &password_auth(user_by_name("nosuch", "default"), "wrong-pw", None),
        "",
    )
    .expect(401);
    // A token login sends nothing upstream.
    s.issue(&token_auth(&user_token, None), "").expect(201);
    s.patch(
        &format!("/v3/users/{user}"),
        Some(&admin),
        &serde_json::json!({"user": {"enabled": false}}),
    )
    .expect(200);
    s.delete(&format!("/v3/users/{user}"), Some(&admin))
        .expect(204);
    s.delete(&format!("/v3/projects/{project}"), Some(&admin))
        .expect(204);
    // A failed write sends nothing.
    s.delete(&format!("/v3/projects/{project}"), Some(&admin))
        .expect(404);

    let all = events(&file);
    let types: Vec<&str> = all
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            // admin_token's login (success, opted in here)
            "identity.authenticate",
            "identity.project.created",
            "identity.project.updated",
            // disabling is an update; upstream's `disabled` notifications are internal
            "identity.project.updated",
            "identity.user.created",
            "identity.role_assignment.created",
            "identity.role_assignment.deleted",
            "identity.authenticate",
            "identity.authenticate",
            "identity.authenticate",
            "identity.user.updated",
            "identity.user.deleted",
            "identity.project.deleted",
        ]
    );
    for e in &all {
        check_shape(e, &identity);
    }

    // CRUD: the caller as initiator, the resource as target and resource_info.
    let created = &all[1]["payload"];
    assert_eq!(created["action"], "created.project");
    assert_eq!(created["outcome"], "success");
    assert_eq!(
        created["target"],
        serde_json::json!({"id": project, "typeURI": "data/security/project"})
    );
    assert_eq!(created["resource_info"], project.as_str());
    let initiator = &created["initiator"];
    assert_eq!(
        keys(initiator),
        [
            "id",
            "typeURI",
            "host",
            "user_id",
            "project_id",
            "request_id",
            "name",
            "username"
        ]
    );
    assert_eq!(initiator["id"], admin_id.as_str());
    assert_eq!(initiator["user_id"], admin_id.as_str());
    assert_eq!(initiator["project_id"], admin_project.as_str());
    assert_eq!(initiator["name"], "admin");
    assert_eq!(initiator["host"]["address"], "127.0.0.1");
    assert!(initiator["request_id"]
        .as_str()
        .unwrap()
        .starts_with("req-"));
    assert_eq!(
        all[4]["payload"]["target"]["typeURI"],
        "data/security/account/user"
    );

    // Grants: upstream's keyword attributes after the target.
    let granted = &all[5]["payload"];
    assert_eq!(granted["action"], "created.role_assignment");
    assert_eq!(
        keys(granted)[9..],
        ["project", "user", "inherited_to_projects", "role"]
    );
    assert_eq!(granted["project"], project.as_str());
    assert_eq!(granted["user"], user.as_str());
    assert_eq!(granted["role"], role.as_str());
    assert_eq!(granted["inherited_to_projects"], false);
    assert_eq!(
        granted["target"]["typeURI"],
        "service/security/account/user"
    );
    assert_eq!(all[6]["payload"]["action"], "deleted.role_assignment");

    // Logins: success and failure for a known user, a reason for an unknown one.
    let good = &all[7]["payload"];
    assert_eq!(
        (good["action"].as_str(), good["outcome"].as_str()),
        (Some("authenticate"), Some("success"))
    );
    assert_eq!(
        keys(&good["initiator"]),
        [
            "id",
            "typeURI",
            "host",
            "request_id",
            "user_id",
            "name",
            "username"
        ]
    );
    assert_eq!(good["initiator"]["user_id"], user.as_str());
    assert_eq!(good["initiator"]["name"], "auduser");
    let bad = &all[8]["payload"];
    assert_eq!(bad["outcome"], "failure");
    assert_eq!(bad["initiator"]["user_id"], user.as_str());
    assert!(bad.get("reason").is_none());
    let unknown = &all[9]["payload"];
    assert_eq!(unknown["outcome"], "failure");
    assert_eq!(
        keys(&unknown["initiator"]),
        [
            "id",
            "typeURI",
            "host",
            "request_id",
            "user_name",
            "domain_id",
            "domain_name"
        ]
    );
    assert_eq!(unknown["initiator"]["user_name"], "nosuch");
    assert_eq!(unknown["initiator"]["domain_name"], "Default");
    assert_eq!(
        unknown["reason"],
        serde_json::json!({"reasonType": "Could not find user: nosuch.", "reasonCode": "404"})
    );
    assert_eq!(all[12]["payload"]["action"], "deleted.project");

    // Never a secret: neither the password nor any token issued.
    let text = std::fs::read_to_string(&file).unwrap();
    for secret in [SECRET, "adminpwd", admin.as_str(), user_token.as_str()] {
        assert!(!text.contains(secret), "the audit file holds a secret");
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_opt_out_drops_successful_logins_and_basic_format_is_resource_info() {
    let dir = temp_dir("audit");
    let file = dir.join("audit.jsonl");
    let conf = format!(
        "[audit]\nfile = {}\n[DEFAULT]\nnotification_format = basic\n",
        file.display()
    );
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let admin = s.admin_token();
    let r = s.post(
        "/v3/groups",
        Some(&admin),
        &serde_json::json!({"group": {"name": "audg", "domain_id": "default"}}),
    );
    let group = r.expect(201).json()["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let demo = s.id_by_name(&admin, "users", "demo");
    s.put(&format!("/v3/groups/{group}/users/{demo}"), Some(&admin))
        .expect(204);
    s.issue(
        &password_auth(user_by_name("demo", "default"), "wrong-pw", None),
        "",
    )
    .expect(401);
    let all = events(&file);
    let types: Vec<&str> = all
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    // No event for the successful login (identity.authenticate.success is opted out by
    // default); the failed one is CADF whatever the format, as upstream's wrapper sends it.
    assert_eq!(
        types,
        [
            "identity.group.created",
            "identity.group.updated",
            "identity.authenticate"
        ]
    );
    assert_eq!(keys(&all[0]["payload"]), ["resource_info", "request_id"]);
    assert_eq!(all[0]["payload"]["resource_info"], group.as_str());
    assert_eq!(
        all[1]["payload"],
        serde_json::json!({
            "resource_info": group,
            "actor_id": demo,
            "actor_type": "user",
            "actor_operation": "added",
            "request_id": all[1]["payload"]["request_id"],
        })
    );
    assert_eq!(all[2]["payload"]["outcome"], "failure");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_audit_write_never_fails_the_call_and_is_counted() {
    use std::io::{Read, Write};
    // Every write to /dev/full fails (ENOSPC).
    let conf = "[audit]\nfile = /dev/full\n";
    let s = TestServer::start_with(DEMO_SEED, &["--metrics-listen", "127.0.0.1:0"], Some(conf));
    let admin = s.admin_token();
    s.post(
        "/v3/projects",
        Some(&admin),
        &serde_json::json!({"project": {"name": "audfull", "domain_id": "default"}}),
    )
    .expect(201);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let addr = loop {
        let text = s.stderr_text();
        if let Some(rest) = text.split("metrics on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no metrics address");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(conn, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    assert!(
        text.lines()
            .any(|l| l == "keystone_audit_write_failures_total 1"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "keystone_audit_events_total 0"));
}

#[test]
fn a_refused_federated_login_is_a_failure_with_upstreams_federated_credential() {
    let dir = temp_dir("audit");
    let file = dir.join("audit.jsonl");
    let conf = format!("[audit]\nfile = {}\n", file.display());
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let t = s.admin_token();
    let idps = "/v3/OS-FEDERATION/identity_providers";
    let body = serde_json::json!({"identity_provider": {"enabled": true, "domain_id": "default"}});
    s.send_json("PUT", &format!("{idps}/idp"), Some(&t), &body)
        .expect(201);
    let rules = serde_json::json!({"mapping": {"rules": [{
        "local": [{"user": {"name": "{0}"}}], "remote": [{"type": "OIDC-preferred_username"}]}]}});
    s.send_json("PUT", "/v3/OS-FEDERATION/mappings/m", Some(&t), &rules)
        .expect(201);
    let protocol = serde_json::json!({"protocol": {"mapping_id": "m"}});
    s.send_json(
        "PUT",
        &format!("{idps}/idp/protocols/openid"),
        Some(&t),
        &protocol,
    )
    .expect(201);
    // No assertion: 401 (an event); an unknown identity provider: 404 (none, as upstream).
    s.request(
        "POST",
        &format!("{idps}/idp/protocols/openid/auth"),
        &[],
        None,
    )
    .expect(401);
    s.request(
        "POST",
        &format!("{idps}/nope/protocols/openid/auth"),
        &[],
        None,
    )
    .expect(404);
    let all = events(&file);
    // Identity providers, mappings and protocols send no notification upstream.
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["event_type"], "identity.authenticate");
    let p = &all[0]["payload"];
    assert_eq!(p["outcome"], "failure");
    assert_eq!(
        keys(&p["initiator"]),
        ["id", "typeURI", "host", "request_id", "credential"]
    );
    assert_eq!(
        p["initiator"]["credential"],
        serde_json::json!({"token": "u xxxxxxxx n",
            "type": "http://docs.oasis-open.org/security/saml/v2.0",
            "identity_provider": "idp", "user": "unknown", "groups": []})
    );
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// logrotate moves the file away and sends SIGHUP: later events go to a new file at the path.
#[test]
fn sighup_reopens_the_audit_file_after_a_rotation() {
    let dir = temp_dir("audit-rotate");
    let file = dir.join("audit.jsonl");
    let conf = format!("[audit]\nfile = {}\n", file.display());
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let admin = s.admin_token();
    let created = |name: &str| {
        let body = serde_json::json!({"project": {"name": name, "domain_id": "default"}});
        s.post("/v3/projects", Some(&admin), &body).expect(201);
    };
    created("before-rotation");
    let rotated = dir.join("audit.jsonl.1");
    std::fs::rename(&file, &rotated).unwrap();
    let pid = s.pid().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    // The reload thread reopens within about a second; keep creating until the new file has
    // an event (each attempt is its own project, so none is lost to the old file unseen).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut n = 0;
    while events(&file).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no event in the reopened file"
        );
        n += 1;
        created(&format!("after-rotation-{n}"));
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let old = events(&rotated);
    let new = events(&file);
    assert_eq!(
        old.len() + new.len(),
        1 + n,
        "every event is in one of the two files"
    );
    assert!(new
        .iter()
        .all(|e| e["event_type"] == "identity.project.created"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn huawei_routes_send_the_same_events_and_no_secret() {
    let dir = temp_dir("audit-huawei");
    let file = dir.join("audit.jsonl");
    let conf = format!("[audit]\nfile = {}\n", file.display());
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/huawei.yaml"))
        .expect("seed/huawei.yaml");
    let s = TestServer::start_with(&seed, &[], Some(&conf));
    let domain = "0970dd7a1300f5672ff2c003c60ae115";
    let admin = s.token(
        user_by_name("hwaccount", domain),
        "Admin@12345",
        Some(serde_json::json!({"domain": {"id": domain}})),
    );
    let body =
        serde_json::json!({"user": {"name": "audited", "domain_id": domain, "password": SECRET}});
    let r = s.post("/v3.0/OS-USER/users", Some(&admin), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let user = r.json()["user"]["id"].as_str().unwrap().to_string();
    let body = serde_json::json!({"credential": {"user_id": user}});
    let r = s.post("/v3.0/OS-CREDENTIAL/credentials", Some(&admin), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let access = r.json()["credential"]["access"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = r.json()["credential"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let wanted = |all: &[Value]| {
        let has = |t: &str, id: &str| {
            all.iter()
                .any(|e| e["event_type"] == t && e["payload"]["resource_info"] == id)
        };
        has("identity.user.created", &user) && has("identity.credential.created", &access)
    };
    while !wanted(&events(&file)) {
        assert!(std::time::Instant::now() < deadline, "{:?}", events(&file));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(&secret));
}

#[test]
fn a_domain_delete_sends_a_deleted_event_for_each_project_user_and_group_in_it() {
    let dir = temp_dir("audit-cascade");
    let file = dir.join("audit.jsonl");
    let conf = format!("[audit]\nfile = {}\n", file.display());
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let sys = s.system_admin_token();
    let id = |r: Resp, key: &str| {
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()[key]["id"].as_str().unwrap().to_string()
    };
    let post = |path: &str, body: Value| s.post(path, Some(&sys), &body);
    let d = id(
        post(
            "/v3/domains",
            serde_json::json!({"domain": {"name": "doomed"}}),
        ),
        "domain",
    );
    let p = id(
        post(
            "/v3/projects",
            serde_json::json!({"project": {"name": "p", "domain_id": d}}),
        ),
        "project",
    );
    let u = id(
        post(
            "/v3/users",
            serde_json::json!({"user": {"name": "u", "domain_id": d}}),
        ),
        "user",
    );
    let g = id(
        post(
            "/v3/groups",
            serde_json::json!({"group": {"name": "g", "domain_id": d}}),
        ),
        "group",
    );
    s.patch(
        &format!("/v3/domains/{d}"),
        Some(&sys),
        &serde_json::json!({"domain": {"enabled": false}}),
    )
    .expect(200);
    s.delete(&format!("/v3/domains/{d}"), Some(&sys))
        .expect(204);
    let deleted = |all: &[Value]| -> Vec<(String, String)> {
        all.iter()
            .filter(|e| {
                e["event_type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with(".deleted"))
            })
            .map(|e| {
                (
                    e["event_type"].as_str().unwrap().to_string(),
                    e["payload"]["resource_info"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let want = |t: &str, id: &str| (t.to_string(), id.to_string());
    let expected = vec![
        want("identity.project.deleted", &p),
        want("identity.user.deleted", &u),
        want("identity.group.deleted", &g),
        want("identity.project.deleted", &d),
        want("identity.domain.deleted", &d),
    ];
    while deleted(&events(&file)) != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            deleted(&events(&file))
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
