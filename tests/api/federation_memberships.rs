//! Mapped (expiring) group memberships through the real binary, as upstream Keystone 30
//! counts them (identity/backends/sql.py `check_user_in_group` and `list_groups_for_user`,
//! `ExpiringUserGroupMembership.expired`): in effective roles whatever the login method,
//! `/v3/auth/projects`, `/v3/users/{id}/projects`, `role_assignments?effective&user.id`,
//! and membership checks; not in a group's member list (upstream's `list_users_in_group`
//! reads plain memberships only). They lapse at `last_verified + ttl`, cached validations
//! included, and go with their user, group or identity provider. Also: deleting a shadow
//! user keeps a local namesake findable, a user write with `federated` is one transaction,
//! and a federated token cannot be scoped to the system.
//!
//! Memberships are written into the stopped server's store with a chosen `last_verified`,
//! as a federated login would have (the login itself is tested in federation_oidc_login.rs
//! and src/service/federated_login_tests.rs).

use serde_json::{json, Value};

use keystone_lite::model::ExpiringMembership;
use keystone_lite::store::{shadow, tables, Reader, Store, StoreError};
use keystone_lite::token::fernet::TokenCodec;
use keystone_lite::token::keys::KeyRepository;
use keystone_lite::token::{new_audit_id, FederatedToken, Scope, TokenData};

use crate::common::*;

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn ok(r: Resp) -> Value {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    r.json()
}

/// What the tests below share: an IdP `idp` (with `ttl` as its `authorization_ttl`),
/// groups `devs` (member on project `fedproj`) and `ops` (member on project `opsproj`),
/// and user `bob` (password `bobpwd`).
struct World {
    admin: String,
    bob: String,
    devs: String,
    ops: String,
    fedproj: String,
    opsproj: String,
}

fn setup(s: &TestServer, ttl: Option<i64>) -> World {
    let t = s.admin_token();
    let mut idp =
        json!({"remote_ids": ["https://issuer"], "enabled": true, "domain_id": "default"});
    if let Some(ttl) = ttl {
        idp["authorization_ttl"] = json!(ttl);
    }
    ok(s.send_json(
        "PUT",
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": idp}),
    ));
    ok(s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": [{
        "local": [{"user": {"name": "{0}"}}], "remote": [{"type": "OIDC-preferred_username"}]}]}}),
    ));
    ok(s.send_json(
        "PUT",
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m"}}),
    ));
    let member = s.id_by_name(&t, "roles", "member");
    let mut ids = Vec::new();
    for (group, project) in [("devs", "fedproj"), ("ops", "opsproj")] {
        let g = ok(s.post(
            "/v3/groups",
            Some(&t),
            &json!({"group": {"name": group, "domain_id": "default"}}),
        ))["group"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let p = ok(s.post(
            "/v3/projects",
            Some(&t),
            &json!({"project": {"name": project, "domain_id": "default"}}),
        ))["project"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = s.put(
            &format!("/v3/projects/{p}/groups/{g}/roles/{member}"),
            Some(&t),
        );
        assert_eq!(r.status, 204, "{}", r.text());
        ids.push((g, p));
    }
    let bob = ok(s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "bob", "domain_id": "default", "password": "bobpwd"}}),
    ))["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let [(devs, fedproj), (ops, opsproj)] = <[(String, String); 2]>::try_from(ids).unwrap();
    World {
        admin: t,
        bob,
        devs,
        ops,
        fedproj,
        opsproj,
    }
}

/// Stops the server, runs `f` on its store, restarts it.
fn with_store(s: &mut TestServer, f: impl FnOnce(&Store)) {
    s.stop();
    {
        let store = Store::open(&keystone_lite::store_path(&s.data_dir)).expect("open store");
        f(&store);
    }
    s.restart();
}

/// Writes mapped memberships (user, group, idp, last_verified).
fn put_memberships(s: &mut TestServer, rows: &[(&str, &str, &str, i64)]) {
    with_store(s, |store| {
        store
            .write(|w| -> Result<(), StoreError> {
                for (user, group, idp, last_verified) in rows {
                    shadow::put_expiring(
                        w,
                        &ExpiringMembership {
                            user_id: user.to_string(),
                            group_id: group.to_string(),
                            idp_id: idp.to_string(),
                            last_verified: *last_verified,
                        },
                    )?;
                }
                Ok(())
            })
            .expect("write memberships");
    });
}

/// Every mapped membership row, from both tables: (user, group) pairs by user and the
/// reverse index's (group, user) pairs.
/// (first id, second id) pairs.
type Pairs = Vec<(String, String)>;

fn membership_rows(s: &mut TestServer) -> (Pairs, Pairs) {
    let mut out = (Vec::new(), Vec::new());
    with_store(s, |store| {
        out = store
            .read(|r| -> Result<_, StoreError> {
                let by_user: Vec<ExpiringMembership> = r.list(tables::EXPIRING_MEMBERSHIPS)?;
                let by_group = r
                    .scan(tables::GROUP_EXPIRING_MEMBERS, None)?
                    .into_iter()
                    .map(|(k, _)| {
                        let (g, u) = k.split_once(tables::SEP).unwrap();
                        (g.to_string(), u.to_string())
                    })
                    .collect();
                Ok((
                    by_user
                        .into_iter()
                        .map(|m| (m.user_id, m.group_id))
                        .collect(),
                    by_group,
                ))
            })
            .expect("read memberships");
    });
    out
}

fn role_names(r: &Resp) -> Vec<String> {
    r.json()["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["name"].as_str().unwrap().to_string())
        .collect()
}

fn project_ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn mapped_memberships_count_where_upstream_counts_them() {
    let mut s = TestServer::start_demo();
    let w = setup(&s, Some(60));
    let now = unix_now();
    // devs verified 10 minutes ago (50 left); ops verified 2 hours ago (lapsed).
    put_memberships(
        &mut s,
        &[
            (&w.bob, &w.devs, "idp", now - 600),
            (&w.bob, &w.ops, "idp", now - 7200),
        ],
    );
    let t = s.admin_token();
    let bob = &w.bob;

    // Membership checks (check_user_in_group).
    for (group, status) in [(&w.devs, 204), (&w.ops, 404)] {
        assert_eq!(
            s.head(&format!("/v3/groups/{group}/users/{bob}"), Some(&t))
                .status,
            status
        );
        assert_eq!(
            s.get(&format!("/v3/groups/{group}/users/{bob}"), Some(&t))
                .status,
            status
        );
    }
    // A group's member list reads plain memberships only (list_users_in_group).
    let members = ok(s.get(&format!("/v3/groups/{}/users", w.devs), Some(&t)));
    assert_eq!(members["users"], json!([]), "{members}");

    // Effective assignments of the user (list_groups_for_user): devs' grant, not ops'.
    let r = ok(s.get(
        &format!("/v3/role_assignments?effective&user.id={bob}"),
        Some(&t),
    ));
    let rows = r["role_assignments"].as_array().unwrap();
    // member, and the role member implies in the demo seed.
    assert!(!rows.is_empty(), "{r}");
    for row in rows {
        assert_eq!(row["scope"]["project"]["id"], json!(w.fedproj), "{r}");
        let via = row["links"]["membership"].as_str().unwrap_or_default();
        assert!(via.contains(&w.devs), "{r}");
    }
    // Without a user filter groups expand through list_users_in_group: no bob.
    let r = ok(s.get(
        &format!(
            "/v3/role_assignments?effective&scope.project.id={}",
            w.fedproj
        ),
        Some(&t),
    ));
    assert!(!r.to_string().contains(bob.as_str()), "{r}");

    // Tokens: password scoped to fedproj holds member; opsproj is refused.
    let bob_user = user_by_id(bob);
    let r = s.issue(
        &password_auth(
            bob_user.clone(),
            "bobpwd",
            Some(project_scope_by_id(&w.fedproj)),
        ),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        role_names(&r).contains(&"member".to_string()),
        "{}",
        r.text()
    );
    let scoped = r.subject_token();
    let r = s.issue(
        &password_auth(
            bob_user.clone(),
            "bobpwd",
            Some(project_scope_by_id(&w.opsproj)),
        ),
        "",
    );
    assert_eq!(r.status, 401, "{}", r.text());

    // The token method from an unscoped token; the projects a user may scope to.
    let unscoped = s.token(bob_user.clone(), "bobpwd", None);
    let r = s.issue(
        &token_auth(&unscoped, Some(project_scope_by_id(&w.fedproj))),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        project_ids(&ok(s.get("/v3/auth/projects", Some(&unscoped)))),
        vec![w.fedproj.clone()]
    );
    assert_eq!(
        project_ids(&ok(s.get(&format!("/v3/users/{bob}/projects"), Some(&t)))),
        vec![w.fedproj.clone()]
    );

    // An application credential: made on the membership's role, and its token holds it.
    let cred = ok(s.post(
        &format!("/v3/users/{bob}/application_credentials"),
        Some(&scoped),
        &json!({"application_credential": {"name": "ac", "secret": "acsecret"}}),
    ));
    let cred_id = cred["application_credential"]["id"].as_str().unwrap();
    let r = s.issue(
        &json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": cred_id, "secret": "acsecret"}}}}),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        role_names(&r).contains(&"member".to_string()),
        "{}",
        r.text()
    );
}

#[test]
fn a_cached_validation_stops_counting_a_membership_when_it_lapses() {
    // No IdP TTL: [federation] default_authorization_ttl (1 minute) applies.
    let mut s = TestServer::start_with(
        DEMO_SEED,
        &[],
        Some("[federation]\ndefault_authorization_ttl = 1\n"),
    );
    let w = setup(&s, None);
    // Lapses 12 s from now: time to restart, log in and validate once.
    let lapse = unix_now() + 12;
    put_memberships(&mut s, &[(&w.bob, &w.devs, "idp", lapse - 60)]);
    let t = s.admin_token();
    let bob = user_by_id(&w.bob);
    let token = s.token(bob, "bobpwd", Some(project_scope_by_id(&w.fedproj)));
    let head = |s: &TestServer| {
        s.head(&format!("/v3/groups/{}/users/{}", w.devs, w.bob), Some(&t))
            .status
    };
    // Validated (and cached) while the membership holds.
    assert!(
        unix_now() < lapse,
        "the setup took too long to see the membership"
    );
    assert_eq!(s.validate(&t, &token, "").status, 200);
    assert_eq!(s.validate(&t, &token, "").status, 200);
    assert_eq!(head(&s), 204);
    // Upstream: expired when expires <= now; a second's margin for the clock's granularity.
    while unix_now() < lapse + 1 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let r = s.validate(&t, &token, "");
    assert_eq!(
        r.status,
        404,
        "the cached validation outlived the membership: {}",
        r.text()
    );
    assert_eq!(head(&s), 404);
    let r = s.issue(
        &token_auth(&token, Some(project_scope_by_id(&w.fedproj))),
        "",
    );
    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn deleting_a_user_group_or_idp_removes_its_mapped_memberships() {
    let mut s = TestServer::start_demo();
    let w = setup(&s, Some(60));
    let t = w.admin.clone();
    let carol = ok(s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "carol", "domain_id": "default"}}),
    ))["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(s.send_json(
        "PUT",
        &format!("{IDPS}/idp2"),
        Some(&t),
        &json!({"identity_provider": {"enabled": true, "domain_id": "default"}}),
    ));
    let now = unix_now();
    put_memberships(
        &mut s,
        &[
            (&w.bob, &w.devs, "idp", now),
            (&w.bob, &w.ops, "idp2", now),
            (&carol, &w.devs, "idp", now),
            (&carol, &w.ops, "idp2", now),
        ],
    );
    let t = s.admin_token();
    assert_eq!(
        s.delete(&format!("/v3/users/{}", w.bob), Some(&t)).status,
        204
    );
    assert_eq!(
        s.delete(&format!("/v3/groups/{}", w.devs), Some(&t)).status,
        204
    );
    let (by_user, by_group) = membership_rows(&mut s);
    assert_eq!(by_user, vec![(carol.clone(), w.ops.clone())]);
    assert_eq!(by_group, vec![(w.ops.clone(), carol.clone())]);

    // The IdP that granted carol's ops membership goes: so does the membership, and a new
    // IdP of the same id does not bring it back.
    let t = s.admin_token();
    assert_eq!(s.delete(&format!("{IDPS}/idp2"), Some(&t)).status, 204);
    ok(s.send_json(
        "PUT",
        &format!("{IDPS}/idp2"),
        Some(&t),
        &json!({"identity_provider": {"enabled": true, "domain_id": "default"}}),
    ));
    assert_eq!(
        s.head(&format!("/v3/groups/{}/users/{carol}", w.ops), Some(&t))
            .status,
        404
    );
    let (by_user, by_group) = membership_rows(&mut s);
    assert!(
        by_user.is_empty() && by_group.is_empty(),
        "{by_user:?} {by_group:?}"
    );
}

#[test]
fn deleting_a_shadow_user_keeps_its_local_namesake_findable() {
    let mut s = TestServer::start_demo();
    let t = s.admin_token();
    ok(s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "alice", "domain_id": "default", "password": "alicepwd"}}),
    ));
    // A shadow user of the same name, as a federated login makes it: not in the name index.
    let shadow_id = "5ad0".to_string() + &"0".repeat(28);
    with_store(&mut s, |store| {
        store
            .write(|w| {
                let user = keystone_lite::model::User {
                    id: shadow_id.clone(),
                    name: "alice".into(),
                    domain_id: "default".into(),
                    enabled: true,
                    ..Default::default()
                };
                keystone_lite::store::identity::put_user(w, &user)
            })
            .expect("write shadow user");
    });
    let t = s.admin_token();
    assert_eq!(
        s.delete(&format!("/v3/users/{shadow_id}"), Some(&t)).status,
        204
    );
    let r = s.issue(
        &password_auth(user_by_name("alice", "default"), "alicepwd", None),
        "",
    );
    assert_eq!(
        r.status,
        201,
        "the local alice was lost with the shadow one: {}",
        r.text()
    );
    let listed = ok(s.get("/v3/users?name=alice", Some(&t)));
    assert_eq!(listed["users"].as_array().unwrap().len(), 1, "{listed}");
}

#[test]
fn a_user_write_with_federated_is_one_transaction() {
    let s = TestServer::start_demo();
    let w = setup(&s, None);
    let t = w.admin.clone();
    let identity = |unique_id: &str| json!([{"idp_id": "idp", "protocols": [{"protocol_id": "openid", "unique_id": unique_id}]}]);
    // Racing creates of two users holding the same identity (a new one each round): one
    // wins, and the 409 leaves no user behind.
    let mut created = 0;
    for round in 0..6 {
        let federated = identity(&format!("u-{round}"));
        let answers: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let (s, t, federated) = (&s, &t, &federated);
                    scope.spawn(move || {
                        s.post(
                            "/v3/users",
                            Some(t),
                            &json!({"user": {"name": format!("racer-{round}-{i}"),
                                "domain_id": "default", "federated": federated}}),
                        )
                        .status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(
            answers.iter().all(|a| *a == 201 || *a == 409),
            "{answers:?}"
        );
        created += answers.iter().filter(|a| **a == 201).count();
        let listed = ok(s.get(
            &format!("/v3/users?idp_id=idp&unique_id=u-{round}"),
            Some(&t),
        ));
        let holders = listed["users"].as_array().unwrap().len();
        assert_eq!(holders, 1, "{listed}");
        let all = ok(s.get("/v3/users", Some(&t)));
        let racers = all["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["name"].as_str().unwrap().starts_with("racer-"))
            .count();
        assert_eq!(racers, created, "a refused create left a user: {all}");
    }
    assert_eq!(created, 6);
    let federated = identity("u-0");

    // An update refused on its identity changes nothing else.
    let r = ok(s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "dave", "domain_id": "default"}}),
    ));
    let dave = r["user"]["id"].as_str().unwrap();
    let r = s.patch(
        &format!("/v3/users/{dave}"),
        Some(&t),
        &json!({"user": {"name": "dave2", "federated": federated}}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(
        ok(s.get(&format!("/v3/users/{dave}"), Some(&t)))["user"]["name"],
        json!("dave")
    );
    // A missing protocol is upstream's 400, before anything is written.
    let r = s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "erin", "domain_id": "default", "federated": [{"idp_id": "idp",
            "protocols": [{"protocol_id": "saml2", "unique_id": "e"}]}]}}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        ok(s.get("/v3/users?name=erin", Some(&t)))["users"],
        json!([])
    );
}

/// A federated token for `user_id` with `groups`, encrypted with the server's keys, as a
/// login through IdP `idp`, protocol `openid` would issue it.
fn federated_token(s: &TestServer, user_id: &str, groups: &[&str]) -> String {
    let repo = KeyRepository::load(&s.data_dir.join("fernet-keys")).expect("keys");
    let codec = TokenCodec::new(&repo).expect("codec");
    let now = unix_now();
    let data = TokenData {
        user_id: user_id.into(),
        methods: vec!["openid".into()],
        scope: Scope::Unscoped,
        audit_ids: vec![new_audit_id()],
        expires_at: now as f64 + 3600.0,
        issued_at: now,
        app_cred_id: None,
        federated: Some(FederatedToken {
            idp_id: "idp".into(),
            protocol_id: "openid".into(),
            group_ids: groups.iter().map(|g| g.to_string()).collect(),
        }),
    };
    codec.encode(&data, now).expect("encode")
}

#[test]
fn a_federated_token_cannot_be_scoped_to_the_system() {
    let s = TestServer::start_demo();
    let w = setup(&s, None);
    let t = &w.admin;
    let fed = federated_token(&s, &w.bob, &[&w.devs]);
    // Upstream has no payload for it (its provider fails with a 500): 401, roles or not.
    let r = s.issue(&token_auth(&fed, Some(system_scope())), "");
    assert_eq!(r.status, 401, "{}", r.text());
    let admin_role = s.id_by_name(t, "roles", "admin");
    let r = s.put(
        &format!("/v3/system/groups/{}/roles/{admin_role}", w.devs),
        Some(t),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = s.put(
        &format!("/v3/system/users/{}/roles/{admin_role}", w.bob),
        Some(t),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = s.issue(&token_auth(&fed, Some(system_scope())), "");
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], json!(401));
    // The same token still rescopes to a project its groups reach.
    let r = s.issue(&token_auth(&fed, Some(project_scope_by_id(&w.fedproj))), "");
    assert_eq!(r.status, 201, "{}", r.text());
}
