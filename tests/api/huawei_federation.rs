//! Huawei IAM's federation extras against a real OpenID provider (tests/federation/idp): an
//! identity provider's OpenID Connect configuration carries the provider's keys, and its ID
//! tokens log in through POST /v3.0/OS-AUTH/id-token/tokens (and Keystone's protocol auth
//! route with the token as the whole Authorization header, as Huawei's SDK sends it),
//! mapped by the provider's `oidc` protocol; SAML metadata kept per protocol.

use serde_json::{json, Value};

use crate::common::*;
use crate::federation_oidc_login::{password_grant, start_idp};

const IDP: &str = "/v3/OS-FEDERATION/identity_providers/hwidp";
const CONFIG: &str = "/v3.0/OS-FEDERATION/identity-providers/hwidp/openid-connect-config";

fn ok(r: &Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    if r.text().is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// IdP `hwidp` in the default domain with protocol `oidc` mapping users (by `sub`: an ID
/// token of scope `openid` has no more) to group `feds`,
/// which has `member` on project demo. Returns the system admin token.
fn setup(s: &TestServer, issuer: &str) -> String {
    let t = s.system_admin_token();
    ok(
        &s.send_json(
            "PUT",
            IDP,
            Some(&t),
            &json!({"identity_provider": {
        "remote_ids": [issuer], "enabled": true, "domain_id": "default"}}),
        ),
        201,
    );
    let g = ok(
        &s.post(
            "/v3/groups",
            Some(&t),
            &json!({"group": {"name": "feds", "domain_id": "default"}}),
        ),
        201,
    );
    let g = g["group"]["id"].as_str().unwrap().to_string();
    let rules = json!([{"local": [{"user": {"name": "{0}"}}, {"group": {"id": g}}],
                        "remote": [{"type": "OIDC-sub"}]}]);
    ok(
        &s.send_json(
            "PUT",
            "/v3/OS-FEDERATION/mappings/hwmap",
            Some(&t),
            &json!({"mapping": {"rules": rules}}),
        ),
        201,
    );
    ok(
        &s.send_json(
            "PUT",
            &format!("{IDP}/protocols/oidc"),
            Some(&t),
            &json!({"protocol": {"mapping_id": "hwmap"}}),
        ),
        201,
    );
    let demo = s.id_by_name(&t, "projects", "demo");
    let member = s.id_by_name(&t, "roles", "member");
    ok(
        &s.put(
            &format!("/v3/projects/{demo}/groups/{g}/roles/{member}"),
            Some(&t),
        ),
        204,
    );
    t
}

fn jwks_of(issuer: &str) -> String {
    let get = |url: &str| -> Value {
        let mut r = ureq::get(url).call().expect("get");
        serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json")
    };
    let discovery = get(&format!("{issuer}/.well-known/openid-configuration"));
    get(discovery["jwks_uri"].as_str().expect("jwks_uri")).to_string()
}

fn id_token_login(s: &TestServer, idp: Option<&str>, body: &Value) -> Resp {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(idp) = idp {
        headers.push(("X-Idp-Id", idp));
    }
    s.request(
        "POST",
        "/v3.0/OS-AUTH/id-token/tokens",
        &headers,
        Some(body.to_string().as_bytes()),
    )
}

#[test]
fn id_tokens_log_in_with_the_configured_keys() {
    let Some(idp) = start_idp() else { return };
    let s = TestServer::start_demo();
    let t = setup(&s, &idp.issuer);
    let config = json!({"openid_connect_config": {"access_mode": "program",
        "idp_url": idp.issuer, "client_id": "keystone", "signing_key": jwks_of(&idp.issuer)}});

    // No configuration yet: 404 in Huawei's form; then created once, shown, updated.
    let r = s.get(CONFIG, Some(&t));
    assert_eq!(ok(&r, 404)["error_code"], "IAM.0004");
    let created = ok(&s.post(CONFIG, Some(&t), &config), 201);
    assert_eq!(created, config);
    assert_eq!(
        ok(&s.post(CONFIG, Some(&t), &config), 409)["error_code"],
        "IAM.0005"
    );
    assert_eq!(ok(&s.get(CONFIG, Some(&t)), 200), config);
    let r = s.send_json(
        "PUT",
        CONFIG,
        Some(&t),
        &json!({"openid_connect_config": {"access_mode": "nope"}}),
    );
    assert_eq!(ok(&r, 400)["error_code"], "IAM.0007");
    // The demo user (no role on the account of the provider... the default domain's
    // reader is not an account admin) may not change it.
    let r = s.send_json(
        "PUT",
        CONFIG,
        Some(&s.demo_token()),
        &json!({"openid_connect_config": {}}),
    );
    assert_eq!(ok(&r, 403)["error_code"], "IAM.0003");

    let grant = password_grant(&idp, "bob", "bob-pass");
    let id_token = grant["id_token"].as_str().expect("id_token").to_string();

    // Unscoped, then scoped to a project named in the provider's account.
    let r = id_token_login(
        &s,
        Some("hwidp"),
        &json!({"auth": {"id_token": {"id": id_token}}}),
    );
    let body = ok(&r, 201);
    assert!(r.header("X-Subject-Token").is_some());
    assert_eq!(body["token"]["user"]["name"], "bob");
    assert_eq!(
        body["token"]["user"]["OS-FEDERATION"]["protocol"]["id"],
        "oidc"
    );
    let r = id_token_login(
        &s,
        Some("hwidp"),
        &json!({"auth": {"id_token": {"id": id_token},
        "scope": {"project": {"name": "demo"}}}}),
    );
    let body = ok(&r, 201);
    assert_eq!(body["token"]["project"]["name"], "demo");
    assert_eq!(
        role_names(&body["token"]["roles"]),
        vec!["member", "reader"]
    );
    let scoped = r.subject_token();
    assert_eq!(s.validate(&t, &scoped, "").status, 200);

    // Keystone's protocol auth route, the ID token as the whole header (Huawei's SDK).
    let r = s.request(
        "POST",
        &format!("{IDP}/protocols/oidc/auth"),
        &[("Authorization", id_token.as_str())],
        None,
    );
    assert_eq!(ok(&r, 201)["token"]["user"]["name"], "bob");

    // Refused: a tampered token, another audience, no provider header, an unknown provider.
    let mut parts: Vec<String> = id_token.split('.').map(str::to_string).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = parts.join(".");
    let r = id_token_login(
        &s,
        Some("hwidp"),
        &json!({"auth": {"id_token": {"id": tampered}}}),
    );
    assert_eq!(ok(&r, 401)["error_code"], "IAM.0001");
    ok(
        &s.send_json(
            "PUT",
            CONFIG,
            Some(&t),
            &json!({"openid_connect_config": {"client_id": "other"}}),
        ),
        200,
    );
    let r = id_token_login(
        &s,
        Some("hwidp"),
        &json!({"auth": {"id_token": {"id": id_token}}}),
    );
    ok(&r, 401);
    let r = id_token_login(&s, None, &json!({"auth": {"id_token": {"id": id_token}}}));
    assert_eq!(ok(&r, 400)["error_code"], "IAM.0072");
    let r = id_token_login(
        &s,
        Some("nope"),
        &json!({"auth": {"id_token": {"id": id_token}}}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    // No ID token ever appears in the log.
    assert!(!s.stderr_text().contains(&id_token));

    // The provider's deletion takes its configuration along.
    ok(&s.delete(IDP, Some(&t)), 204);
    ok(
        &s.send_json(
            "PUT",
            IDP,
            Some(&t),
            &json!({"identity_provider": {"domain_id": "default"}}),
        ),
        201,
    );
    ok(&s.get(CONFIG, Some(&t)), 404);
}

#[test]
fn saml_metadata_is_kept_per_protocol() {
    let s = TestServer::start_demo();
    let t = s.system_admin_token();
    ok(
        &s.send_json(
            "PUT",
            IDP,
            Some(&t),
            &json!({"identity_provider": {"domain_id": "default"}}),
        ),
        201,
    );
    ok(
        &s.send_json(
            "PUT",
            "/v3/OS-FEDERATION/mappings/m",
            Some(&t),
            &json!({"mapping": {"rules": [
        {"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "REMOTE_USER"}]}]}}),
        ),
        201,
    );
    ok(
        &s.send_json(
            "PUT",
            &format!("{IDP}/protocols/saml"),
            Some(&t),
            &json!({"protocol": {"mapping_id": "m"}}),
        ),
        201,
    );
    let path = "/v3-ext/OS-FEDERATION/identity_providers/hwidp/protocols/saml/metadata";
    let xml = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.org/saml"/>"#;
    ok(&s.get(path, Some(&t)), 404);
    let r = s.post(
        path,
        Some(&t),
        &json!({"domain_id": "default", "xaccount_type": "", "metadata": xml}),
    );
    assert_eq!(
        ok(&r, 201),
        json!({"message": "Import metadata successful"})
    );
    let got = ok(&s.get(path, Some(&t)), 200);
    assert_eq!(got["entity_id"], "https://idp.example.org/saml");
    assert_eq!(got["data"], xml);
    assert_eq!(got["domain_id"], "default");
    let r = s.post(path, Some(&t), &json!({"metadata": "<nothing/>"}));
    assert_eq!(ok(&r, 400)["error_code"], "IAM.0007");
    let other = "/v3-ext/OS-FEDERATION/identity_providers/hwidp/protocols/nope/metadata";
    ok(&s.post(other, Some(&t), &json!({"metadata": xml})), 404);
}

/// An identity provider of a Huawei account: its administrator (domain- or project-scoped)
/// manages the provider's OpenID Connect configuration; another account's user may not. The
/// Huawei seed's cloud operator (admin/Cloud@12345, system scope) creates the provider.
#[test]
fn the_providers_account_administrator_manages_its_configuration() {
    const ACCOUNT: &str = "0970dd7a1300f5672ff2c003c60ae115";
    const REGION_PROJECT: &str = "06f6a1ff1a00d3fc2f1dc003d7f4b3d1";
    let s = TestServer::start(include_str!("../../seed/huawei.yaml"));
    let cloud = s.token(
        user_by_name("admin", "default"),
        "Cloud@12345",
        Some(system_scope()),
    );
    let idp = json!({"identity_provider": {"domain_id": ACCOUNT}});
    ok(&s.send_json("PUT", IDP, Some(&cloud), &idp), 201);
    let admin = |scope: Value| {
        s.token(
            user_by_name("hwaccount", ACCOUNT),
            "Admin@12345",
            Some(scope),
        )
    };
    for token in [
        admin(json!({"domain": {"id": ACCOUNT}})),
        admin(json!({"project": {"id": REGION_PROJECT}})),
    ] {
        // Past policy: the provider has no configuration yet.
        assert_eq!(
            ok(&s.get(CONFIG, Some(&token)), 404)["error_code"],
            "IAM.0004"
        );
    }
    let reader = s.token(
        user_by_name("hwuser", ACCOUNT),
        "User@12345",
        Some(json!({"project": {"id": REGION_PROJECT}})),
    );
    let config = json!({"openid_connect_config": {"access_mode": "program",
        "idp_url": "https://idp.example.org", "client_id": "keystone", "signing_key": "{}"}});
    assert_eq!(
        ok(&s.post(CONFIG, Some(&reader), &config), 403)["error_code"],
        "IAM.0003"
    );
}
