//! Huawei IAM agencies on the real binary: account A (the Huawei seed's hwaccount)
//! delegates to account B, whose user (created through the API) assumes the agency.

use serde_json::{json, Value};

use crate::common::*;

const A: &str = "0970dd7a1300f5672ff2c003c60ae115";
const REGION: &str = "06f6a1ff1a00d3fc2f1dc003d7f4b3d1";
const B_ADMIN_PWD: &str = "Badmin@12345";

/// The Huawei seed plus account B with an administrator (te_admin on B).
fn start() -> TestServer {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/huawei.yaml"))
        .expect("huawei seed");
    let mut seed: Value = serde_yaml::from_str(&text).expect("seed parses");
    seed_push(&mut seed, "domains", json!({"name": "baccount"}));
    seed_push(
        &mut seed,
        "users",
        json!({"name": "badmin", "domain": "baccount", "password": B_ADMIN_PWD}),
    );
    seed_push(
        &mut seed,
        "assignments",
        json!({"user": "badmin", "actor_domain": "baccount", "role": "te_admin", "domain": "baccount"}),
    );
    TestServer::start(&seed_text(&seed))
}

fn a_admin(s: &TestServer) -> String {
    s.token(
        json!({"name": "hwaccount", "domain": {"name": "hwaccount"}}),
        "Admin@12345",
        Some(json!({"domain": {"id": A}})),
    )
}

/// Account B's id and a user "bob" created in it through the API, with bob's own token.
fn bob(s: &TestServer) -> (String, String, String) {
    let admin = s.token(
        json!({"name": "badmin", "domain": {"name": "baccount"}}),
        B_ADMIN_PWD,
        Some(json!({"domain": {"name": "baccount"}})),
    );
    let b = s.get("/v3/auth/domains", Some(&admin)).json()["domains"][0]["id"]
        .as_str()
        .expect("B id")
        .to_string();
    let body = json!({"user": {"name": "bob", "domain_id": b, "password": "Bob@123456"}});
    let r = s.post("/v3/users", Some(&admin), &body);
    r.expect(201);
    let bob_id = r.json()["user"]["id"].as_str().expect("id").to_string();
    let token = s.token(json!({"id": bob_id}), "Bob@123456", None);
    (b, bob_id, token)
}

fn create_agency(s: &TestServer, token: &str, body: Value) -> Value {
    let r = s.post(
        "/v3.0/OS-AGENCY/agencies",
        Some(token),
        &json!({"agency": body}),
    );
    r.expect(201);
    r.json()["agency"].clone()
}

fn assume(s: &TestServer, caller: &str, role_field: &str, name: &str, scope: Value) -> Resp {
    let body = json!({"auth": {
        "identity": {"methods": ["assume_role"], "assume_role": {role_field: name, "domain_name": "hwaccount"}},
        "scope": scope,
    }});
    s.send_json("POST", "/v3/auth/tokens", Some(caller), &body)
}

fn role_id(s: &TestServer, token: &str, name: &str) -> String {
    s.id_by_name(token, "roles", name)
}

#[test]
fn agency_crud_and_grants() {
    let s = start();
    let admin = a_admin(&s);
    let (b, _, _) = bob(&s);
    let agency = create_agency(
        &s,
        &admin,
        json!({"name": "ops", "domain_id": A, "trust_domain_name": "baccount", "duration": "ONEDAY", "description": "d"}),
    );
    let id = agency["id"].as_str().expect("id").to_string();
    assert_eq!(agency["trust_domain_id"], json!(b));
    assert_eq!(agency["duration"], json!("ONEDAY"));
    let expire = agency["expire_time"].as_str().expect("expires in a day");
    assert!(expire.ends_with('Z') && expire.len() == 27, "{expire}");
    // Same name in the account: 409.
    let dup = json!({"agency": {"name": "ops", "domain_id": A, "trust_domain_id": b}});
    let r = s.post("/v3.0/OS-AGENCY/agencies", Some(&admin), &dup);
    r.expect(409);
    assert_eq!(r.json()["error_code"], json!("IAM.0005"));
    // Listing needs domain_id; shows the trusted account's name and the URN.
    s.get("/v3.0/OS-AGENCY/agencies", Some(&admin)).expect(400);
    // A page whose offset overflows is a 400, not a panicked worker.
    let huge = format!(
        "/v3.0/OS-AGENCY/agencies?domain_id={A}&page={}&per_page=500",
        usize::MAX
    );
    s.get(&huge, Some(&admin)).expect(400);
    let list = s.get(
        &format!("/v3.0/OS-AGENCY/agencies?domain_id={A}&name=ops"),
        Some(&admin),
    );
    let listed = &list.expect(200).json()["agencies"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["trust_domain_name"], json!("baccount"));
    assert_eq!(
        listed[0]["agency_urn"],
        json!(format!("iam::{A}:agency:ops"))
    );
    let path = format!("/v3.0/OS-AGENCY/agencies/{id}");
    let r = s.send_json(
        "PUT",
        &path,
        Some(&admin),
        &json!({"agency": {"description": "new", "duration": "FOREVER"}}),
    );
    assert_eq!(r.expect(200).json()["agency"]["expire_time"], Value::Null);
    assert_eq!(
        s.get(&path, Some(&admin)).expect(200).json()["agency"]["description"],
        json!("new")
    );
    // Grants on the domain, a project and all projects.
    let te = role_id(&s, &admin, "te_admin");
    let ro = role_id(&s, &admin, "readonly");
    let on_domain = format!("/v3.0/OS-AGENCY/domains/{A}/agencies/{id}/roles");
    let on_project = format!("/v3.0/OS-AGENCY/projects/{REGION}/agencies/{id}/roles");
    let on_all = format!("/v3.0/OS-INHERIT/domains/{A}/agencies/{id}/roles");
    s.head(&format!("{on_domain}/{te}"), Some(&admin))
        .expect(404);
    s.put(&format!("{on_domain}/{te}"), Some(&admin))
        .expect(204);
    s.head(&format!("{on_domain}/{te}"), Some(&admin))
        .expect(204);
    s.put(&format!("{on_project}/{ro}"), Some(&admin))
        .expect(204);
    s.put(
        &format!("{on_all}/{ro}/inherited_to_projects"),
        Some(&admin),
    )
    .expect(204);
    s.head(
        &format!("{on_all}/{ro}/inherited_to_projects"),
        Some(&admin),
    )
    .expect(204);
    let roles = s.get(&on_domain, Some(&admin)).expect(200).json();
    assert_eq!(roles["roles"][0]["name"], json!("te_admin"));
    let roles = s
        .get(&format!("{on_all}/inherited_to_projects"), Some(&admin))
        .expect(200)
        .json();
    assert_eq!(roles["roles"][0]["name"], json!("readonly"));
    // Agency grants are not Keystone role assignments.
    let ra = s
        .get(&format!("/v3/role_assignments?user.id={id}"), Some(&admin))
        .json();
    assert_eq!(ra["role_assignments"], json!([]));
    s.delete(&format!("{on_project}/{ro}"), Some(&admin))
        .expect(204);
    s.delete(&format!("{on_project}/{ro}"), Some(&admin))
        .expect(404);
    // A plain user of A cannot manage agencies.
    let user = s.token(
        json!({"name": "hwuser", "domain": {"name": "hwaccount"}}),
        "User@12345",
        Some(json!({"project": {"id": REGION}})),
    );
    s.delete(&path, Some(&user)).expect(403);
    s.delete(&path, Some(&admin)).expect(204);
    s.get(&path, Some(&admin)).expect(404);
    s.get(&on_domain, Some(&admin)).expect(404);
}

#[test]
fn agency_token_acts_as_the_agency() {
    let s = start();
    let admin = a_admin(&s);
    let (b, bob_id, bob_token) = bob(&s);
    let agency = create_agency(
        &s,
        &admin,
        json!({"name": "ops", "domain_id": A, "trust_domain_id": b}),
    );
    let id = agency["id"].as_str().expect("id").to_string();
    // No grant yet: 401 on the domain.
    assume(
        &s,
        &bob_token,
        "agency_name",
        "ops",
        json!({"domain": {"id": A}}),
    )
    .expect(401);
    let te = role_id(&s, &admin, "te_admin");
    let ro = role_id(&s, &admin, "readonly");
    s.put(
        &format!("/v3.0/OS-AGENCY/domains/{A}/agencies/{id}/roles/{te}"),
        Some(&admin),
    )
    .expect(204);
    s.put(
        &format!("/v3.0/OS-INHERIT/domains/{A}/agencies/{id}/roles/{ro}/inherited_to_projects"),
        Some(&admin),
    )
    .expect(204);

    let r = assume(
        &s,
        &bob_token,
        "agency_name",
        "ops",
        json!({"domain": {"name": "hwaccount"}}),
    );
    r.expect(201);
    let token = r.subject_token();
    let body = r.json();
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["assume_role"]));
    assert_eq!(t["user"]["id"], json!(id));
    assert_eq!(t["user"]["name"], json!("hwaccount/ops"));
    assert_eq!(t["user"]["domain"]["id"], json!(A));
    assert_eq!(t["assumed_by"]["user"]["id"], json!(bob_id));
    assert_eq!(t["assumed_by"]["user"]["name"], json!("bob"));
    assert_eq!(t["assumed_by"]["user"]["domain"]["id"], json!(b));
    assert_eq!(t["domain"]["id"], json!(A));
    let names: Vec<&str> = t["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        names.contains(&"te_admin") && names.contains(&"manager"),
        "{names:?}"
    );
    assert!(t["catalog"].is_array());
    assert!(!body.to_string().contains("password_hash"));
    // It validates, with the same body shape.
    let v = s.validate(&token, &token, "");
    v.expect(200);
    assert_eq!(v.json()["token"]["assumed_by"]["user"]["id"], json!(bob_id));
    // It acts with the agency's roles: te_admin on A may list A's agencies.
    s.get(
        &format!("/v3.0/OS-AGENCY/agencies?domain_id={A}"),
        Some(&token),
    )
    .expect(200);
    s.get(
        &format!("/v3.0/OS-AGENCY/agencies?domain_id={A}"),
        Some(&bob_token),
    )
    .expect(403);
    // xrole_name works too; a project of A takes the all-projects grant.
    let r = assume(
        &s,
        &bob_token,
        "xrole_name",
        "ops",
        json!({"project": {"name": "cn-north-4"}}),
    );
    r.expect(201);
    let p = r.json();
    assert_eq!(p["token"]["project"]["id"], json!(REGION));
    assert_eq!(
        p["token"]["roles"]
            .as_array()
            .map(|r| r.iter().any(|x| x["name"] == "readonly")),
        Some(true)
    );
    // Revoked: no longer validates.
    s.request(
        "DELETE",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &token), ("X-Subject-Token", &token)],
        None,
    )
    .expect(204);
    s.validate(&admin, &token, "").expect(404);
    // A user of A itself is not trusted: 403; an unknown agency: 401; no caller token: 401.
    assume(
        &s,
        &admin,
        "agency_name",
        "ops",
        json!({"domain": {"id": A}}),
    )
    .expect(403);
    assume(
        &s,
        &bob_token,
        "agency_name",
        "nope",
        json!({"domain": {"id": A}}),
    )
    .expect(401);
    let anonymous = json!({"auth": {"identity": {"methods": ["assume_role"], "assume_role": {"agency_name": "ops", "domain_id": A}}, "scope": {"domain": {"id": A}}}});
    s.issue(&anonymous, "").expect(401);
}

#[test]
fn suspended_project_and_deleted_agency_are_refused() {
    let s = start();
    let admin = a_admin(&s);
    let (b, _, bob_token) = bob(&s);
    let agency = create_agency(
        &s,
        &admin,
        json!({"name": "ops", "domain_id": A, "trust_domain_id": b, "duration": "ONEDAY"}),
    );
    let id = agency["id"].as_str().expect("id").to_string();
    let ro = role_id(&s, &admin, "readonly");
    s.put(
        &format!("/v3.0/OS-AGENCY/projects/{REGION}/agencies/{id}/roles/{ro}"),
        Some(&admin),
    )
    .expect(204);
    let scope = json!({"project": {"id": REGION}});
    let r = assume(&s, &bob_token, "agency_name", "ops", scope.clone());
    let token = r.expect(201).subject_token();
    // Validated once (so cached), then the project is suspended: the token stops
    // validating, no new one is issued.
    s.validate(&token, &token, "").expect(200);
    let status = format!("/v3-ext/projects/{REGION}");
    s.send_json(
        "PUT",
        &status,
        Some(&admin),
        &json!({"project": {"status": "bad"}}),
    )
    .expect(400);
    s.send_json(
        "PUT",
        &status,
        Some(&admin),
        &json!({"project": {"status": "suspended"}}),
    )
    .expect(204);
    assert_eq!(
        s.get(&status, Some(&admin)).expect(200).json()["project"]["status"],
        json!("suspended")
    );
    s.validate(&admin, &token, "").expect(404);
    assume(&s, &bob_token, "agency_name", "ops", scope.clone()).expect(401);
    let user = json!({"name": "hwuser", "domain": {"name": "hwaccount"}});
    let r = s.issue(
        &password_auth(user.clone(), "User@12345", Some(scope.clone())),
        "",
    );
    r.expect(401);
    s.send_json(
        "PUT",
        &status,
        Some(&admin),
        &json!({"project": {"status": "normal"}}),
    )
    .expect(204);
    s.validate(&token, &token, "").expect(200);
    s.token(user, "User@12345", Some(scope.clone()));
    // A day cannot pass here (expiry is unit-tested in src/service/iam/agency_assume_tests.rs):
    // a zero-day duration is refused, and a deleted agency's token stops validating.
    s.send_json(
        "PUT",
        &format!("/v3.0/OS-AGENCY/agencies/{id}"),
        Some(&admin),
        &json!({"agency": {"duration": "0"}}),
    )
    .expect(400);
    s.delete(&format!("/v3.0/OS-AGENCY/agencies/{id}"), Some(&admin))
        .expect(204);
    s.validate(&admin, &token, "").expect(404);
    // Project quota: sub-projects of the region counted.
    let sub = json!({"project": {"name": "cn-north-4_dev", "parent_id": REGION, "domain_id": A}});
    s.post("/v3/projects", Some(&admin), &sub).expect(201);
    let q = s
        .get(&format!("/v3.0/OS-QUOTA/projects/{REGION}"), Some(&admin))
        .expect(200)
        .json();
    assert_eq!(q["quotas"]["resources"][0]["type"], json!("project"));
    assert_eq!(q["quotas"]["resources"][0]["used"], json!(1));
}

fn agency_key(s: &TestServer, caller: &str, agency: &str) -> Resp {
    let body = json!({"auth": {"identity": {"methods": ["assume_role"], "assume_role": {
        "agency_name": agency, "domain_name": "hwaccount", "duration_seconds": 900}}}});
    s.post("/v3.0/OS-CREDENTIAL/securitytokens", Some(caller), &body)
}

#[test]
fn temporary_keys_by_agency_act_as_the_agency() {
    use crate::huawei_signing::{call, send};
    let s = start();
    let admin = a_admin(&s);
    let (b, _, bob_token) = bob(&s);
    let agency = create_agency(
        &s,
        &admin,
        json!({"name": "ops", "domain_id": A, "trust_domain_id": b}),
    );
    let id = agency["id"].as_str().expect("id").to_string();
    // No grant on A yet: refused.
    agency_key(&s, &bob_token, "ops").expect(403);
    let te = role_id(&s, &admin, "te_admin");
    s.put(
        &format!("/v3.0/OS-AGENCY/domains/{A}/agencies/{id}/roles/{te}"),
        Some(&admin),
    )
    .expect(204);
    // Only a user of the trusted account may assume it; an unknown agency is refused.
    assert_ne!(agency_key(&s, &admin, "ops").status, 201);
    assert_ne!(agency_key(&s, &bob_token, "nope").status, 201);

    let r = agency_key(&s, &bob_token, "ops");
    r.expect(201);
    let cred = r.json()["credential"].clone();
    let (ak, sk, st) = (
        cred["access"].as_str().expect("access"),
        cred["secret"].as_str().expect("secret"),
        cred["securitytoken"].as_str().expect("securitytoken"),
    );
    let target = format!("/v3.0/OS-AGENCY/agencies?domain_id={A}");
    // Signed with the security token, the key acts as the agency (te_admin on A), which
    // bob's own token may not.
    let mut c = call("GET", &target);
    c.headers.push(("x-security-token", st.to_string()));
    let r = send(&s, ak, sk, &c);
    r.expect(200);
    assert_eq!(r.json()["agencies"][0]["id"], json!(id));
    s.get(&target, Some(&bob_token)).expect(403);
    // Without its security token the key is nothing.
    send(&s, ak, sk, &call("GET", &target)).expect(401);
    // The grant removed: the key no longer has te_admin on A.
    s.delete(
        &format!("/v3.0/OS-AGENCY/domains/{A}/agencies/{id}/roles/{te}"),
        Some(&admin),
    )
    .expect(204);
    let mut c = call("GET", &target);
    c.headers.push(("x-security-token", st.to_string()));
    assert_ne!(send(&s, ak, sk, &c).status, 200);
}

#[test]
fn deleting_a_project_or_an_account_leaves_no_agency_rows_behind() {
    use keystone_lite::store::iam::agencies as agency_store;
    let mut s = start();
    let admin = a_admin(&s);
    let (b, _, _) = bob(&s);
    let agency = create_agency(
        &s,
        &admin,
        json!({"name": "ops", "domain_id": A, "trust_domain_id": b}),
    );
    let id = agency["id"].as_str().expect("id").to_string();
    let r = s.post(
        "/v3/projects",
        Some(&admin),
        &json!({"project": {"name": "cn-north-4_tmp", "domain_id": A, "parent_id": REGION}}),
    );
    r.expect(201);
    let p = r.json()["project"]["id"].as_str().expect("id").to_string();
    let ro = role_id(&s, &admin, "readonly");
    s.put(
        &format!("/v3.0/OS-AGENCY/projects/{p}/agencies/{id}/roles/{ro}"),
        Some(&admin),
    )
    .expect(204);
    s.send_json(
        "PUT",
        &format!("/v3-ext/projects/{p}"),
        Some(&admin),
        &json!({"project": {"status": "suspended"}}),
    )
    .expect(204);
    s.delete(&format!("/v3/projects/{p}"), Some(&admin))
        .expect(204);
    s.stop();
    let store = keystone_lite::store::Store::open(&keystone_lite::store_path(&s.data_dir))
        .expect("open store");
    let (grants, suspended, agency_left) = store
        .read(|r| -> Result<_, keystone_lite::store::StoreError> {
            Ok((
                agency_store::granted_roles(r, &id, agency_store::GrantOn::Project, &p)?,
                agency_store::project_suspended(r, &p)?,
                agency_store::get(r, &id)?.is_some(),
            ))
        })
        .expect("read");
    assert!(
        grants.is_empty(),
        "grants on the deleted project left: {grants:?}"
    );
    assert!(!suspended, "the deleted project's status left");
    assert!(agency_left, "the agency itself stays");
}
