//! Huawei permissions (huawei-iam-api.md §1.8, §1.9, §1.11) on the real binary with
//! seed/huawei.yaml: Huawei fields on Huawei roles only, KeystoneListPermissions' filters,
//! OS-ROLE custom policies, OS-PERMISSION role-assignments and enterprise-project grants.

use serde_json::{json, Value};

use crate::common::{password_auth, user_by_name, TestServer};

const SEED: &str = include_str!("../../seed/huawei.yaml");
const DOMAIN: &str = "0970dd7a1300f5672ff2c003c60ae115";
const REGION_PROJECT: &str = "06f6a1ff1a00d3fc2f1dc003d7f4b3d1";

fn start() -> (TestServer, String) {
    let server = TestServer::start_with(SEED, &[], None);
    let token = login(&server, "hwaccount", "Admin@12345");
    (server, token)
}

fn login(server: &TestServer, name: &str, password: &str) -> String {
    let body = password_auth(
        user_by_name(name, DOMAIN),
        password,
        Some(json!({"domain": {"id": DOMAIN}})),
    );
    let r = server.issue(&body, "");
    assert_eq!(r.status, 201, "{}", r.text());
    r.subject_token()
}

fn login_project(server: &TestServer, name: &str, password: &str) -> String {
    let scope = json!({"project": {"id": REGION_PROJECT}});
    let r = server.issue(
        &password_auth(user_by_name(name, DOMAIN), password, Some(scope)),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.subject_token()
}

fn role_named(server: &TestServer, token: &str, name: &str) -> Value {
    let r = server.get(&format!("/v3/roles?name={name}"), Some(token));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["roles"][0].clone()
}

fn cloud_policy(display_name: &str) -> Value {
    json!({"role": {"display_name": display_name, "type": "XA", "description": "obs readers",
        "description_cn": "只读",
        "policy": {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["obs:*:get*", "obs:bucket:list*"],
            "Condition": {"StringStartWith": {"g:ProjectName": ["cn-north-4"]}},
            "Resource": ["obs:*:*:bucket:mybucket"]}]}}})
}

#[test]
fn huawei_fields_only_on_huawei_roles() {
    let (server, token) = start();
    let te_admin = role_named(&server, &token, "te_admin");
    assert_eq!(te_admin["display_name"], "Tenant Administrator");
    assert_eq!(te_admin["type"], "AA");
    assert_eq!(te_admin["policy"]["Version"], "1.0");
    let full = role_named(&server, &token, "system_all_1001");
    assert_eq!(full["display_name"], "FullAccess");
    assert_eq!(full["flag"], "fine_grained");
    let one = server.get(
        &format!("/v3/roles/{}", full["id"].as_str().unwrap()),
        Some(&token),
    );
    assert_eq!(
        one.json()["role"]["policy"]["Version"],
        "1.1",
        "{}",
        one.text()
    );

    // A plain Keystone role renders exactly as upstream's, before and after Huawei data exists.
    let reader = role_named(&server, &token, "reader");
    let keys: Vec<&String> = reader.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["id", "name", "domain_id", "description", "options", "links"]
    );
    let path = format!("/v3/roles/{}", reader["id"].as_str().unwrap());
    let before = server.get(&path, Some(&token)).body;
    server
        .post("/v3.0/OS-ROLE/roles", Some(&token), &cloud_policy("p1"))
        .expect(201);
    assert_eq!(server.get(&path, Some(&token)).body, before);
    // Upstream's own list (no Huawei parameter) has no total_number for global roles.
    let list = server.get("/v3/roles", Some(&token)).json();
    assert!(list.get("total_number").is_none());
    let plain = list["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "member")
        .unwrap()
        .clone();
    assert!(plain.get("type").is_none() && plain.get("display_name").is_none());
}

#[test]
fn keystone_list_permissions_filters() {
    let (server, token) = start();
    let names = |query: &str| -> (Vec<String>, Value) {
        let r = server.get(&format!("/v3/roles?{query}"), Some(&token));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        let body = r.json();
        let names = body["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        (names, body["total_number"].clone())
    };
    let (policies, total) = names("permission_type=policy");
    assert_eq!(total, json!(policies.len()));
    assert!(
        policies.contains(&"system_all_1001".to_string())
            && !policies.contains(&"te_admin".to_string())
    );
    let (roles, _) = names("permission_type=role");
    assert!(
        roles.contains(&"te_admin".to_string()) && !roles.contains(&"system_all_1001".to_string())
    );
    assert_eq!(names("display_name=FullAccess").0, ["system_all_1001"]);
    let (ecs, _) = names("catalog=ECS");
    assert_eq!(ecs, ["server_adm"]);
    let (domain_level, _) = names("type=domain");
    assert!(
        domain_level.contains(&"secu_admin".to_string())
            && !domain_level.contains(&"server_adm".to_string())
    );
    let (project_level, _) = names("type=project");
    assert!(
        project_level.contains(&"server_adm".to_string())
            && !project_level.contains(&"secu_admin".to_string())
    );
    let (page1, total) = names("page=1&per_page=2");
    let (page2, _) = names("page=2&per_page=2");
    assert_eq!(page1.len(), 2);
    assert!(total.as_u64().unwrap() > 2 && page1 != page2);
    server
        .get("/v3/roles?per_page=301", Some(&token))
        .expect(400);
    server
        .get("/v3/roles?permission_type=nope", Some(&token))
        .expect(400);

    // With domain_id: the account's custom policies, counted.
    server
        .post("/v3.0/OS-ROLE/roles", Some(&token), &cloud_policy("mine"))
        .expect(201);
    let (custom, total) = names(&format!("domain_id={DOMAIN}&page=1&per_page=10"));
    assert_eq!(custom.len(), 1);
    assert_eq!(total, json!(1));
    assert!(custom[0].starts_with(&format!("custom_{DOMAIN}_")));
}

#[test]
fn custom_policy_crud_and_verbatim_document() {
    let (server, token) = start();
    let body = cloud_policy("obs reader");
    let created = server.post("/v3.0/OS-ROLE/roles", Some(&token), &body);
    assert_eq!(created.status, 201, "{}", created.text());
    let role = created.json()["role"].clone();
    let id = role["id"].as_str().unwrap().to_string();
    assert_eq!(role["name"], format!("custom_{DOMAIN}_1"));
    assert_eq!(role["domain_id"], DOMAIN);
    assert_eq!(role["catalog"], "CUSTOMED");
    // The document comes back as sent, key order included.
    let sent = serde_json::to_string(&body["role"]["policy"]).unwrap();
    let got = server
        .get(&format!("/v3.0/OS-ROLE/roles/{id}"), Some(&token))
        .json();
    assert_eq!(serde_json::to_string(&got["role"]["policy"]).unwrap(), sent);
    assert_eq!(serde_json::to_string(&role["policy"]).unwrap(), sent);

    let agency = json!({"role": {"display_name": "assume", "type": "AX", "description": "agency",
        "policy": {"Version": "1.1", "Statement": [{"Action": ["iam:agencies:assume"], "Effect": "Allow",
            "Resource": {"uri": ["/iam/agencies/07b9a3d6f0800f451f8fc0035b3d0e19"]}}]}}});
    let a = server.post("/v3.0/OS-ROLE/roles", Some(&token), &agency);
    assert_eq!(a.status, 201, "{}", a.text());
    assert_eq!(a.json()["role"]["name"], format!("custom_{DOMAIN}_2"));

    // KeystoneShowPermission on a custom policy (a domain role) for the account's admin.
    let shown = server.get(&format!("/v3/roles/{id}"), Some(&token));
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert_eq!(shown.json()["role"]["display_name"], "obs reader");

    let list = server
        .get("/v3.0/OS-ROLE/roles?page=1&per_page=1", Some(&token))
        .json();
    assert_eq!(list["total_number"], 2);
    assert_eq!(list["roles"].as_array().unwrap().len(), 1);

    let mut update = cloud_policy("renamed");
    update["role"]["policy"]["Statement"][0]["Effect"] = json!("Deny");
    let patched = server.patch(&format!("/v3.0/OS-ROLE/roles/{id}"), Some(&token), &update);
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["role"]["display_name"], "renamed");
    assert_eq!(patched.json()["role"]["name"], format!("custom_{DOMAIN}_1"));

    // A custom policy is a domain role of the account: the Keystone grant routes grant it.
    let group = server.id_by_name(&token, "groups", "admin");
    server
        .put(
            &format!("/v3/projects/{REGION_PROJECT}/groups/{group}/roles/{id}"),
            Some(&token),
        )
        .expect(204);
    let granted = server
        .get(
            &format!("/v3/projects/{REGION_PROJECT}/groups/{group}/roles"),
            Some(&token),
        )
        .json();
    assert_eq!(granted["roles"][0]["display_name"], "renamed");

    let deleted = server.delete(&format!("/v3.0/OS-ROLE/roles/{id}"), Some(&token));
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json(), json!({"message": "Delete success"}));
    server
        .get(&format!("/v3.0/OS-ROLE/roles/{id}"), Some(&token))
        .expect(404);
    let after = server
        .get(
            &format!("/v3/projects/{REGION_PROJECT}/groups/{group}/roles"),
            Some(&token),
        )
        .json();
    assert_eq!(after["roles"], json!([]));
    // A system role is no custom policy.
    let te_admin = role_named(&server, &token, "te_admin");
    server
        .get(
            &format!("/v3.0/OS-ROLE/roles/{}", te_admin["id"].as_str().unwrap()),
            Some(&token),
        )
        .expect(404);
}

#[test]
fn custom_policy_validation_and_access() {
    let (server, token) = start();
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut body = cloud_policy("x");
        edit(&mut body);
        let r = server.post("/v3.0/OS-ROLE/roles", Some(&token), &body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.json()["error_code"], "IAM.0007");
    };
    bad(&|b| b["role"]["type"] = json!("AA"));
    bad(&|b| b["role"]["policy"]["Version"] = json!("1.0"));
    bad(&|b| b["role"]["policy"]["Statement"][0]["Effect"] = json!("Maybe"));
    bad(&|b| b["role"]["policy"]["Statement"][0]["Action"] = json!(["obs:get"]));
    bad(&|b| b["role"]["policy"]["Statement"] = json!([]));
    bad(&|b| {
        b["role"]
            .as_object_mut()
            .unwrap()
            .remove("display_name")
            .map(|_| ())
            .unwrap_or(())
    });
    bad(&|b| b["role"]["policy"]["Statement"][0]["Resource"] = json!({"uri": ["/iam/agencies/x"]}));
    // A reader lists but does not create.
    let reader = login_project(&server, "hwuser", "User@12345");
    server.get("/v3.0/OS-ROLE/roles", Some(&reader)).expect(200);
    assert_eq!(
        server
            .post("/v3.0/OS-ROLE/roles", Some(&reader), &cloud_policy("x"))
            .status,
        403
    );
    assert_eq!(server.get("/v3.0/OS-ROLE/roles", None).status, 401);
}

#[test]
fn role_assignments_query_and_enterprise_projects() {
    let (server, token) = start();
    let user = server.id_by_name(&token, "users", "hwuser");
    let group = server.id_by_name(&token, "groups", "admin");
    let admin = server.id_by_name(&token, "users", "hwaccount");
    let query = |q: &str| -> Value {
        let r = server.get(
            &format!("/v3.0/OS-PERMISSION/role-assignments?domain_id={DOMAIN}{q}"),
            Some(&token),
        );
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.json()
    };
    let all = query("");
    assert_eq!(all["total_num"], 4, "{all}");
    let users = query("&subject=user");
    assert_eq!(users["total_num"], 1);
    assert_eq!(users["role_assignments"][0]["user"]["id"], user);
    assert_eq!(
        users["role_assignments"][0]["scope"]["project"]["id"],
        REGION_PROJECT
    );
    assert_eq!(query("&is_inherited=true")["total_num"], 1);
    assert_eq!(query(&format!("&scope.domain_id={DOMAIN}"))["total_num"], 3);
    assert_eq!(
        query(&format!(
            "&subject.group_id={group}&scope=domain&is_inherited=false"
        ))["total_num"],
        2
    );
    assert_eq!(query(&format!("&subject.user_id={admin}"))["total_num"], 0);
    assert_eq!(
        query(&format!("&subject.user_id={admin}&include_group=true"))["total_num"],
        3
    );
    assert_eq!(query("&subject=agency")["total_num"], 0);
    assert_eq!(
        query("&page=2&per_page=3")["role_assignments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    server
        .get("/v3.0/OS-PERMISSION/role-assignments", Some(&token))
        .expect(400);
    server
        .get(
            &format!("/v3.0/OS-PERMISSION/role-assignments?domain_id={DOMAIN}&subject=robot"),
            Some(&token),
        )
        .expect(400);

    // Enterprise-project grants: their own table, visible in the query.
    let readonly = role_named(&server, &token, "readonly")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ep = "0aa2b3c4d5e6f708192a3b4c5d6e7f80";
    let path =
        format!("/v3.0/OS-PERMISSION/enterprise-projects/{ep}/groups/{group}/roles/{readonly}");
    server.put(&path, Some(&token)).expect(204);
    let roles = server
        .get(
            &format!("/v3.0/OS-PERMISSION/enterprise-projects/{ep}/groups/{group}/roles"),
            Some(&token),
        )
        .json();
    assert_eq!(roles["roles"][0]["display_name"], "Tenant Guest");
    let groups = server
        .get(
            &format!("/v3.0/OS-PERMISSION/enterprise-projects/{ep}/groups"),
            Some(&token),
        )
        .json();
    assert_eq!(groups["groups"][0]["id"], group);
    let eps = server
        .get(
            &format!("/v3.0/OS-PERMISSION/users/{admin}/enterprise-projects"),
            Some(&token),
        )
        .json();
    assert_eq!(eps["enterprise-projects"], json!([{"projectId": ep}]));
    let scoped = query(&format!(
        "&scope=enterprise_project&scope.enterprise_projects_id={ep}"
    ));
    assert_eq!(scoped["total_num"], 1);
    assert_eq!(
        scoped["role_assignments"][0]["scope"]["enterprise_project"]["id"],
        ep
    );
    server.delete(&path, Some(&token)).expect(204);
    server.delete(&path, Some(&token)).expect(404);
    assert_eq!(query("&scope=enterprise_project")["total_num"], 0);
}

/// KeystoneShowPermission (GET /v3/roles/{id}) of a custom policy answers the account's
/// administrator project-scoped too (BasicCredentials sign with a region project), and not
/// a caller without a role in the account.
#[test]
fn custom_policy_shown_to_the_accounts_project_scoped_administrator() {
    let (server, token) = start();
    let created = server
        .post("/v3.0/OS-ROLE/roles", Some(&token), &cloud_policy("scoped"))
        .expect(201)
        .json();
    let path = format!("/v3/roles/{}", created["role"]["id"].as_str().unwrap());
    let project_admin = login_project(&server, "hwaccount", "Admin@12345");
    let shown = server.get(&path, Some(&project_admin)).expect(200).json();
    assert_eq!(shown["role"]["domain_id"], DOMAIN);
    // A user of the account holding no role (an unscoped token) is refused.
    let outsider = server.post(
        "/v3/users",
        Some(&token),
        &json!({"user": {"name": "outsider", "domain_id": DOMAIN, "password": "Out@12345x"}}),
    );
    assert_eq!(outsider.status, 201, "{}", outsider.text());
    let r = server.issue(
        &password_auth(user_by_name("outsider", DOMAIN), "Out@12345x", None),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(server.get(&path, Some(&r.subject_token())).status, 403);
}
