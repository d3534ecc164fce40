//! Federated authentication through the real binary: federated tokens (Fernet payloads 4-6)
//! validated and rendered as upstream (OS-FEDERATION on the user, roles from the token's
//! groups), rescoped with the `token` and mapped methods, OS-FEDERATION/projects, the
//! protocol auth URL's refusals, service providers in token bodies, and mapped group
//! memberships with their expiry in a user's group list.
//!
//! A federated token is minted here with the server's own key repository, as a login would
//! issue it (the login itself, mapping an assertion to a shadow user, is tested on a real
//! store in src/service/federated_login_tests.rs; the OpenID Connect source of assertions
//! is another module's).

use serde_json::{json, Value};

use keystone_lite::token::fernet::TokenCodec;
use keystone_lite::token::keys::KeyRepository;
use keystone_lite::token::{new_audit_id, FederatedToken, Scope, TokenData};

use crate::common::*;

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";

fn created(r: &Resp) -> Value {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    r.json()
}

/// Identity provider `idp` (enabled, remote id `https://issuer`, domain default), protocol
/// `openid` with a mapping, group `devs` holding `member` on project `fedproj`, and user
/// `bob` standing for a shadow user. Returns (admin token, bob's id, group id, project id).
fn setup(s: &TestServer) -> (String, String, String, String) {
    let t = s.admin_token();
    created(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {
        "remote_ids": ["https://issuer"], "enabled": true, "domain_id": "default"}}),
    ));
    created(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": [{
        "local": [{"user": {"name": "{0}"}}], "remote": [{"type": "OIDC-preferred_username"}]}]}}),
    ));
    created(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m"}}),
    ));
    let g = created(&s.post(
        "/v3/groups",
        Some(&t),
        &json!({"group": {"name": "devs", "domain_id": "default"}}),
    ));
    let g = g["group"]["id"].as_str().unwrap().to_string();
    let p = created(&s.post(
        "/v3/projects",
        Some(&t),
        &json!({"project": {"name": "fedproj", "domain_id": "default"}}),
    ));
    let p = p["project"]["id"].as_str().unwrap().to_string();
    let member = s.id_by_name(&t, "roles", "member");
    let r = s.put(
        &format!("/v3/projects/{p}/groups/{g}/roles/{member}"),
        Some(&t),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let u = created(&s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "bob", "domain_id": "default"}}),
    ));
    let u = u["user"]["id"].as_str().unwrap().to_string();
    (t, u, g, p)
}

/// A federated token for `user_id` with `groups`, encrypted with the server's keys.
fn federated_token(s: &TestServer, user_id: &str, groups: &[&str], scope: Scope) -> String {
    let repo = KeyRepository::load(&s.data_dir.join("fernet-keys")).expect("keys");
    let codec = TokenCodec::new(&repo).expect("codec");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        .floor();
    let data = TokenData {
        user_id: user_id.into(),
        methods: vec!["openid".into()],
        scope,
        audit_ids: vec![new_audit_id()],
        expires_at: now + 3600.0,
        issued_at: now as i64,
        app_cred_id: None,
        federated: Some(FederatedToken {
            idp_id: "idp".into(),
            protocol_id: "openid".into(),
            group_ids: groups.iter().map(|g| g.to_string()).collect(),
        }),
    };
    codec.encode(&data, now as i64).expect("encode")
}

fn os_federation(group: &str) -> Value {
    json!({"groups": [{"id": group}], "identity_provider": {"id": "idp"}, "protocol": {"id": "openid"}})
}

#[test]
fn federated_tokens_validate_rescope_and_reach_their_groups_projects() {
    let s = TestServer::start_demo();
    let (t, bob, g, p) = setup(&s);
    let fed = federated_token(&s, &bob, &[&g], Scope::Unscoped);

    let r = s.validate(&t, &fed, "");
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json()["token"].clone();
    assert_eq!(body["user"]["OS-FEDERATION"], os_federation(&g));
    assert!(body["user"].get("password_expires_at").is_none(), "{body}");
    assert_eq!(body["methods"], json!(["openid"]));
    assert!(body.get("roles").is_none());

    // What the token's groups reach, at both of upstream's URLs.
    for path in ["/v3/OS-FEDERATION/projects", "/v3/auth/projects"] {
        let r = s.get(path, Some(&fed));
        assert_eq!(r.status, 200, "{}", r.text());
        let ids: Vec<Value> = r.json()["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        assert_eq!(ids, [json!(p)], "{path}");
    }
    // The same user without the group reaches nothing.
    let bare = federated_token(&s, &bob, &[], Scope::Unscoped);
    assert_eq!(
        s.get("/v3/OS-FEDERATION/projects", Some(&bare)).json()["projects"],
        json!([])
    );

    // Rescoping with the token method keeps the federation; roles come from the group.
    let r = s.issue(&token_auth(&fed, Some(project_scope_by_id(&p))), "");
    assert_eq!(r.status, 201, "{}", r.text());
    let scoped = r.subject_token();
    let body = r.json()["token"].clone();
    assert_eq!(body["user"]["OS-FEDERATION"], os_federation(&g));
    assert_eq!(body["methods"], json!(["token"]));
    let roles: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"member"), "{roles:?}");
    // Upstream's federated roles are whole role dicts.
    assert!(
        body["roles"][0].get("domain_id").is_some() && body["roles"][0].get("options").is_some(),
        "{body}"
    );
    let parent = s.validate(&t, &fed, "").json();
    assert_eq!(
        body["expires_at"], parent["token"]["expires_at"],
        "no longer than its parent"
    );
    let v = s.validate(&t, &scoped, "");
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!(
        v.json()["token"]["user"]["OS-FEDERATION"],
        os_federation(&g)
    );
    // The scoped token works as a credential on what its group's role allows.
    assert_eq!(
        s.get(&format!("/v3/projects/{p}"), Some(&scoped)).status,
        200
    );

    // Without the group, a project scope has no role: 401.
    assert_eq!(
        s.issue(&token_auth(&bare, Some(project_scope_by_id(&p))), "")
            .status,
        401
    );

    // The mapped method rescopes a federated token too (`{"id": token}`).
    let body = json!({"auth": {"identity": {"methods": ["openid"], "openid": {"id": fed}},
                               "scope": project_scope_by_id(&p)}});
    let r = s.issue(&body, "");
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["token"]["methods"], json!(["openid"]));

    // A disabled IdP's tokens still validate, but cannot be rescoped (upstream's 403).
    let r = s.patch(
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"enabled": false}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.validate(&t, &fed, "").status, 200);
    let r = s.issue(&token_auth(&fed, Some(project_scope_by_id(&p))), "");
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.json()["error"]["message"],
        json!("You are not authorized to perform the requested action.")
    );
}

#[test]
fn federated_domain_scoped_tokens_take_group_roles_on_the_domain() {
    let s = TestServer::start_demo();
    let (t, bob, g, _) = setup(&s);
    let reader = s.id_by_name(&t, "roles", "reader");
    assert_eq!(
        s.put(
            &format!("/v3/domains/default/groups/{g}/roles/{reader}"),
            Some(&t)
        )
        .status,
        204
    );
    let fed = federated_token(&s, &bob, &[&g], Scope::Unscoped);
    let r = s.get("/v3/OS-FEDERATION/domains", Some(&fed));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["domains"][0]["id"], json!("default"));
    let r = s.issue(
        &token_auth(&fed, Some(json!({"domain": {"id": "default"}}))),
        "",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json()["token"].clone();
    assert_eq!(body["domain"]["id"], json!("default"));
    assert_eq!(body["roles"][0]["name"], json!("reader"));
    assert_eq!(body["user"]["OS-FEDERATION"], os_federation(&g));
    // A token minted directly domain scoped (payload 6) validates the same way.
    let minted = federated_token(&s, &bob, &[&g], Scope::Domain("default".into()));
    let v = s.validate(&t, &minted, "");
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!(v.json()["token"]["roles"][0]["name"], json!("reader"));
}

#[test]
fn protocol_auth_refusals_are_upstreams() {
    let s = TestServer::start_demo();
    let (t, _, _, _) = setup(&s);
    let url = |idp: &str| format!("{IDPS}/{idp}/protocols/openid/auth");
    // Public: no X-Auth-Token needed; nothing presented proves anyone: 401.
    for method in ["GET", "POST"] {
        let r = s.request(method, &url("idp"), &[], None);
        assert_eq!(r.status, 401, "{method} {}", r.text());
    }
    let r = s.get(&url("nope"), None);
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        r.json()["error"]["message"],
        json!("Could not find Identity Provider: nope.")
    );
    s.patch(
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"enabled": false}}),
    );
    let r = s.get(&url("idp"), None);
    assert_eq!(r.status, 403, "{}", r.text());

    // The mapped methods in POST /v3/auth/tokens: upstream's body checks.
    let r = s.issue(&json!({"auth": {"identity": {"methods": ["mapped"]}}}), "");
    assert_eq!(r.status, 400, "{}", r.text());
    let r = s.issue(
        &json!({"auth": {"identity": {"methods": ["openid"], "openid": {"protocol": "openid"}}}}),
        "",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Expecting to find identity_provider in mapped."));
}

#[test]
fn service_providers_appear_in_token_bodies_when_enabled() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    assert!(s.validate(&t, &t, "").json()["token"]
        .get("service_providers")
        .is_none());
    let sp = |enabled: bool| {
        json!({"service_provider": {"auth_url": "https://sp/v3/auth",
        "sp_url": "https://sp/Shibboleth.sso/SAML2/ECP", "enabled": enabled}})
    };
    created(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/service_providers/sp1",
        Some(&t),
        &sp(true),
    ));
    created(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/service_providers/sp2",
        Some(&t),
        &sp(false),
    ));
    let t2 = s.admin_token();
    let body = s.validate(&t2, &t2, "").json();
    assert_eq!(
        body["token"]["service_providers"],
        json!([{"auth_url": "https://sp/v3/auth",
        "id": "sp1", "sp_url": "https://sp/Shibboleth.sso/SAML2/ECP"}])
    );
}

#[test]
fn mapped_memberships_show_their_expiry_until_they_lapse() {
    let mut s = TestServer::start_demo();
    let (t, bob, g, _) = setup(&s);
    assert_eq!(
        s.patch(
            &format!("{IDPS}/idp"),
            Some(&t),
            &json!({"identity_provider": {"authorization_ttl": 60}})
        )
        .status,
        200
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    s.stop();
    {
        use keystone_lite::model::ExpiringMembership;
        use keystone_lite::store::{shadow, Store};
        let store = Store::open(&keystone_lite::store_path(&s.data_dir)).expect("open store");
        store
            .write(|w| -> Result<(), keystone_lite::store::StoreError> {
                // Verified 10 minutes ago: 50 left. Another one verified 2 hours ago: lapsed.
                shadow::put_expiring(
                    w,
                    &ExpiringMembership {
                        user_id: bob.clone(),
                        group_id: g.clone(),
                        idp_id: "idp".into(),
                        last_verified: now - 600,
                    },
                )?;
                shadow::put_expiring(
                    w,
                    &ExpiringMembership {
                        user_id: bob.clone(),
                        group_id: "gone".into(),
                        idp_id: "idp".into(),
                        last_verified: now - 7200,
                    },
                )?;
                Ok(())
            })
            .expect("write");
    }
    s.restart();
    let t = s.admin_token();
    let r = s.get(&format!("/v3/users/{bob}/groups"), Some(&t));
    assert_eq!(r.status, 200, "{}", r.text());
    let groups = r.json()["groups"].clone();
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(groups[0]["id"], json!(g));
    let expected = time::OffsetDateTime::from_unix_timestamp(now - 600 + 3600).unwrap();
    let shown = groups[0]["membership_expires_at"].as_str().unwrap();
    assert_eq!(
        &shown[..19],
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            expected.year(),
            u8::from(expected.month()),
            expected.day(),
            expected.hour(),
            expected.minute(),
            expected.second()
        )
    );
    assert!(shown.ends_with(".000000"), "{shown}");
}
