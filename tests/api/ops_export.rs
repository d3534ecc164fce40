//! `keystone-lite export`: a server populated through the API with one of (nearly) everything,
//! exported while it runs (through its admin socket), and a fresh server started from the
//! export answers every list and get the same, ids included; the exported password hash logs
//! in. Credential blobs need the old credential keys, copied in as the README says.

use std::process::Command;

use serde_json::{json, Value};

use crate::common::*;

/// Creates one of each kind of object; the paths to compare afterwards.
fn populate(s: &TestServer, token: &str) -> Vec<String> {
    let post = |path: &str, body: Value| -> Value {
        let r = s.post(path, Some(token), &body);
        assert!(
            r.status == 201 || r.status == 200,
            "POST {path}: {}",
            r.text()
        );
        r.json()
    };
    let domain = post("/v3/domains", json!({"domain": {"name": "ExportDom"}}));
    let domain_id = domain["domain"]["id"]
        .as_str()
        .expect("domain id")
        .to_string();
    let parent = post(
        "/v3/projects",
        json!({"project": {"name": "parent", "domain_id": domain_id, "tags": ["a", "b"]}}),
    );
    let parent_id = parent["project"]["id"].as_str().expect("id").to_string();
    let child = post(
        "/v3/projects",
        json!({"project": {"name": "child", "domain_id": domain_id, "parent_id": parent_id}}),
    );
    let child_id = child["project"]["id"].as_str().expect("id").to_string();
    let user = post(
        "/v3/users",
        json!({"user": {"name": "exp-user", "domain_id": domain_id, "password": "exp-pass-1",
            "default_project_id": child_id, "email": "e@example.org",
            "options": {"ignore_lockout_failure_attempts": true}}}),
    );
    let user_id = user["user"]["id"].as_str().expect("id").to_string();
    let group = post(
        "/v3/groups",
        json!({"group": {"name": "exp-group", "domain_id": domain_id}}),
    );
    let group_id = group["group"]["id"].as_str().expect("id").to_string();
    s.put(
        &format!("/v3/groups/{group_id}/users/{user_id}"),
        Some(token),
    )
    .expect(204);
    let role = post("/v3/roles", json!({"role": {"name": "exp-role"}}));
    let role_id = role["role"]["id"].as_str().expect("id").to_string();
    post(
        "/v3/roles",
        json!({"role": {"name": "exp-domain-role", "domain_id": domain_id}}),
    );
    let member_id = s.id_by_name(token, "roles", "member");
    s.put(
        &format!("/v3/roles/{role_id}/implies/{member_id}"),
        Some(token),
    )
    .expect(201);
    s.put(
        &format!("/v3/projects/{child_id}/users/{user_id}/roles/{role_id}"),
        Some(token),
    )
    .expect(204);
    s.put(
        &format!("/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"),
        Some(token),
    )
    .expect(204);
    s.put(
        &format!("/v3/system/users/{user_id}/roles/{role_id}"),
        Some(token),
    )
    .expect(204);
    post("/v3/regions", json!({"region": {"id": "ExpRegion"}}));
    let service = post(
        "/v3/services",
        json!({"service": {"type": "exp", "name": "exp-svc"}}),
    );
    let service_id = service["service"]["id"].as_str().expect("id").to_string();
    post(
        "/v3/endpoints",
        json!({"endpoint": {"service_id": service_id, "interface": "public",
            "url": "http://exp.example/", "region_id": "ExpRegion"}}),
    );
    let eg = post(
        "/v3/OS-EP-FILTER/endpoint_groups",
        json!({"endpoint_group": {"name": "eg", "filters": {"interface": "public"}}}),
    );
    let eg_id = eg["endpoint_group"]["id"].as_str().expect("id").to_string();
    s.put(
        &format!("/v3/OS-EP-FILTER/endpoint_groups/{eg_id}/projects/{child_id}"),
        Some(token),
    )
    .expect(204);
    post(
        "/v3/policies",
        json!({"policy": {"type": "application/json", "blob": "{}"}}),
    );
    post(
        "/v3/registered_limits",
        json!({"registered_limits": [{"service_id": service_id, "resource_name": "cores",
            "default_limit": 10}]}),
    );
    post(
        "/v3/limits",
        json!({"limits": [{"service_id": service_id, "project_id": child_id,
            "resource_name": "cores", "resource_limit": 5}]}),
    );
    post(
        "/v3/credentials",
        json!({"credential": {"type": "ec2", "user_id": user_id, "project_id": child_id,
            "blob": "{\"access\": \"ak\", \"secret\": \"sk\"}"}}),
    );
    let put = |path: &str, body: Value| {
        let r = s.send_json("PUT", path, Some(token), &body);
        assert_eq!(r.status, 201, "PUT {path}: {}", r.text());
    };
    put(
        "/v3/OS-FEDERATION/identity_providers/exp-idp",
        json!({"identity_provider": {"remote_ids": ["https://idp.example"], "enabled": true}}),
    );
    put(
        "/v3/OS-FEDERATION/mappings/exp-map",
        json!({"mapping": {"rules": [{"local": [{"user": {"name": "{0}"}}],
            "remote": [{"type": "REMOTE_USER"}]}]}}),
    );
    put(
        "/v3/OS-FEDERATION/identity_providers/exp-idp/protocols/saml2",
        json!({"protocol": {"mapping_id": "exp-map"}}),
    );
    put(
        "/v3/OS-FEDERATION/service_providers/exp-sp",
        json!({"service_provider": {"auth_url": "https://sp.example/v3/auth",
            "sp_url": "https://sp.example/Shibboleth.sso/SAML2/ECP"}}),
    );
    // The user's own token makes its application credential and its trust.
    let own = s.token(
        user_by_id(&user_id),
        "exp-pass-1",
        Some(project_scope_by_id(&child_id)),
    );
    let r = s.post(
        &format!("/v3/users/{user_id}/application_credentials"),
        Some(&own),
        &json!({"application_credential": {"name": "exp-ac", "secret": "ac-secret"}}),
    );
    assert_eq!(r.status, 201, "app cred: {}", r.text());
    let admin_id = s.id_by_name(token, "users", "admin");
    let r = s.post(
        "/v3/OS-TRUST/trusts",
        Some(&own),
        &json!({"trust": {"trustor_user_id": user_id, "trustee_user_id": admin_id,
            "project_id": child_id, "impersonation": false, "roles": [{"id": role_id}]}}),
    );
    assert_eq!(r.status, 201, "trust: {}", r.text());
    vec![
        "/v3/domains".into(),
        "/v3/projects".into(),
        format!("/v3/projects/{parent_id}"),
        format!("/v3/projects/{child_id}?parents_as_ids"),
        "/v3/users".into(),
        format!("/v3/users/{user_id}"),
        "/v3/groups".into(),
        format!("/v3/groups/{group_id}/users"),
        "/v3/roles".into(),
        format!("/v3/roles?domain_id={domain_id}"),
        "/v3/role_inferences".into(),
        "/v3/role_assignments".into(),
        "/v3/regions".into(),
        "/v3/services".into(),
        "/v3/endpoints".into(),
        "/v3/OS-EP-FILTER/endpoint_groups".into(),
        format!("/v3/OS-EP-FILTER/projects/{child_id}/endpoint_groups"),
        "/v3/policies".into(),
        "/v3/registered_limits".into(),
        "/v3/limits".into(),
        "/v3/credentials".into(),
        "/v3/OS-FEDERATION/identity_providers".into(),
        "/v3/OS-FEDERATION/identity_providers/exp-idp/protocols".into(),
        "/v3/OS-FEDERATION/mappings".into(),
        "/v3/OS-FEDERATION/service_providers".into(),
        "/v3/OS-TRUST/trusts".into(),
        format!("/v3/users/{user_id}/application_credentials"),
    ]
}

fn export(data_dir: &std::path::Path, out: &std::path::Path) {
    let status = Command::new(BIN)
        .args(["export", "--data-dir"])
        .arg(data_dir)
        .arg("--output")
        .arg(out)
        .status()
        .expect("run export");
    assert!(status.success(), "export failed: {status:?}");
}

#[test]
fn an_export_started_fresh_answers_the_same_and_its_hashes_log_in() {
    let old = TestServer::start_demo();
    let token = old.system_admin_token();
    let paths = populate(&old, &token);
    let tmp = temp_dir("export");
    let file = tmp.join("export.yaml");
    export(&old.data_dir, &file);
    let yaml = std::fs::read_to_string(&file).expect("export written");
    assert!(yaml.contains("records:"), "{yaml}");
    assert!(
        !yaml.contains("exp-pass-1"),
        "an export holds hashes, never passwords"
    );

    let mut new = TestServer::start(&yaml);
    // Credential blobs are encrypted with the old server's credential keys: they move along.
    new.stop();
    let keys = new.data_dir.join("credential-keys");
    std::fs::remove_dir_all(&keys).expect("remove new keys");
    std::fs::create_dir_all(&keys).expect("keys dir");
    for entry in std::fs::read_dir(old.data_dir.join("credential-keys")).expect("old keys") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), keys.join(entry.file_name())).expect("copy key");
    }
    new.restart();

    let new_token = new.system_admin_token();
    for path in &paths {
        let a = old.get(path, Some(&token));
        let b = new.get(path, Some(&new_token));
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        let a_text = a.text().replace(&old.url, "URL");
        let b_text = b.text().replace(&new.url, "URL");
        assert_eq!(a_text, b_text, "{path} differs after export");
    }
    // The exported PBKDF2 hash verifies the old password on the new server.
    let domain_id = new.id_by_name(&new_token, "domains", "ExportDom");
    new.token(user_by_name("exp-user", &domain_id), "exp-pass-1", None);
    // And the application credential's secret hash.
    let r = new.issue(
        &json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "exp-ac", "secret": "ac-secret",
                "user": {"name": "exp-user", "domain": {"id": domain_id}}}}}}),
        "",
    );
    assert_eq!(r.status, 201, "app cred login: {}", r.text());
    // With no server running, export opens the store itself.
    let mut old = old;
    old.stop();
    let offline = tmp.join("offline.yaml");
    export(&old.data_dir, &offline);
    let text = std::fs::read_to_string(&offline).expect("offline export");
    assert!(text.contains("exp-user") && text.contains("records:"));
    let _ = std::fs::remove_dir_all(&tmp);
}
