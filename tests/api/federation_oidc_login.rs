//! End-to-end federated logins: a real OpenID provider (npm oidc-provider, from
//! tests/federation/idp/start.sh) issues access tokens by the password grant, as
//! keystoneauth1's OidcPassword gets them; keystone-lite verifies them, maps the claims and
//! issues federated tokens. Needs node and npm (KSL_SKIP_OIDC_IDP=1 skips when absent).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::*;

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";

/// The provider process, stopped (by its id) when dropped.
pub(crate) struct Idp {
    child: Child,
    pub(crate) issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_idp() -> Option<Idp> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/federation/idp/start.sh");
    let mut child = Command::new("bash")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn start.sh");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut line).expect("read ISSUER line");
    // The provider keeps writing to stdout: drained so it never blocks or breaks its pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    match line.trim().strip_prefix("ISSUER ") {
        Some(issuer) => Some(Idp {
            issuer: issuer.to_string(),
            child,
        }),
        None if std::env::var_os("KSL_SKIP_OIDC_IDP").is_some() => None,
        None => panic!("the test OpenID provider did not start (node/npm missing?): {line:?}"),
    }
}

/// The token endpoint's answer to the password grant for `user` (client
/// keystone/keystone-secret, scope openid: an access token and an ID token).
pub(crate) fn password_grant(idp: &Idp, user: &str, password: &str) -> Value {
    let basic = base64::engine::general_purpose::STANDARD.encode("keystone:keystone-secret");
    let mut resp = ureq::post(format!("{}/token", idp.issuer))
        .header("Authorization", format!("Basic {basic}"))
        .send_form([
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            ("scope", "openid"),
        ])
        .expect("token request");
    serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("token json")
}

/// An access token for `user` by the password grant.
fn access_token(idp: &Idp, user: &str, password: &str) -> String {
    password_grant(idp, user, password)["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn created(r: &Resp) -> Value {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    r.json()
}

const CONF: &str = "[oidc]\nallow_http_issuers = true\naudience = keystone\n[openid]\nremote_id_attribute = HTTP_OIDC_ISS\n";

/// IdP `idp` for `issuer` (its own auto domain), protocol `openid`, mapping `m` (`rules`,
/// `version`), group `devs` with `member` on project `fedproj`. (admin token, group, project)
fn setup(s: &TestServer, issuer: &str, rules: Value, version: &str) -> (String, String, String) {
    let t = s.admin_token();
    created(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"remote_ids": [issuer], "enabled": true}}),
    ));
    created(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": rules, "schema_version": version}}),
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
    assert_eq!(
        s.put(
            &format!("/v3/projects/{p}/groups/{g}/roles/{member}"),
            Some(&t)
        )
        .status,
        204
    );
    (t, g, p)
}

fn rules() -> Value {
    // Upstream's CI mapping (devstack lib/oidc.sh) plus the groups claim.
    json!([{"local": [{"user": {"name": "{0}", "email": "{1}"}},
                      {"groups": "{2}", "domain": {"id": "default"}}],
            "remote": [{"type": "OIDC-preferred_username"}, {"type": "OIDC-email"},
                       {"type": "OIDC-groups"}]}])
}

fn login(s: &TestServer, bearer: &str) -> Resp {
    s.request(
        "POST",
        &format!("{IDPS}/idp/protocols/openid/auth"),
        &[("Authorization", &format!("Bearer {bearer}"))],
        None,
    )
}

#[test]
fn oidc_login_shadows_the_user_maps_groups_and_rescopes() {
    let Some(idp) = start_idp() else { return };
    let s = TestServer::start_with(DEMO_SEED, &[], Some(CONF));
    let (t, g, p) = setup(&s, &idp.issuer, rules(), "1.0");
    let at = access_token(&idp, "bob", "bob-pass");

    let r = login(&s, &at);
    assert_eq!(r.status, 201, "{}", r.text());
    let fed = r.subject_token();
    let user = r.json()["token"]["user"].clone();
    assert_eq!(user["name"], json!("bob"));
    assert_eq!(
        user["OS-FEDERATION"],
        json!({"groups": [{"id": g}],
        "identity_provider": {"id": "idp"}, "protocol": {"id": "openid"}})
    );
    assert!(user.get("password_expires_at").is_none());
    assert_eq!(r.json()["token"]["methods"], json!(["openid"]));
    // The shadow user lives in the IdP's domain.
    let idp_domain =
        s.get(&format!("{IDPS}/idp"), Some(&t)).json()["identity_provider"]["domain_id"].clone();
    assert_eq!(user["domain"]["id"], idp_domain);

    // The second login (GET works too) finds the same user.
    let r = s.request(
        "GET",
        &format!("{IDPS}/idp/protocols/openid/auth"),
        &[("Authorization", &format!("Bearer {at}"))],
        None,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["token"]["user"]["id"], user["id"]);
    // And so does the openid method of POST /v3/auth/tokens.
    let body = json!({"auth": {"identity": {"methods": ["openid"],
        "openid": {"identity_provider": "idp", "protocol": "openid"}}}});
    let r = s.request(
        "POST",
        "/v3/auth/tokens",
        &[
            ("Authorization", &format!("Bearer {at}")),
            ("Content-Type", "application/json"),
        ],
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["token"]["user"]["id"], user["id"]);

    // The group's project, listed and scoped to.
    let r = s.get("/v3/OS-FEDERATION/projects", Some(&fed));
    assert_eq!(r.json()["projects"][0]["id"], json!(p), "{}", r.text());
    let r = s.issue(&token_auth(&fed, Some(project_scope_by_id(&p))), "");
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["token"]["roles"][0]["name"], json!("member"));
    assert_eq!(
        r.json()["token"]["user"]["OS-FEDERATION"],
        user["OS-FEDERATION"]
    );

    // A bad bearer, or none: 401.
    assert_eq!(login(&s, "not-a-token").status, 401);
    assert_eq!(
        s.post(
            &format!("{IDPS}/idp/protocols/openid/auth"),
            None,
            &json!({})
        )
        .status,
        401
    );

    // The mapped membership is listed with its expiry (the IdP's TTL, in minutes).
    let user_id = user["id"].as_str().unwrap();
    s.patch(
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"authorization_ttl": 30}}),
    );
    assert_eq!(login(&s, &at).status, 201);
    let groups = s
        .get(&format!("/v3/users/{user_id}/groups"), Some(&t))
        .json()["groups"]
        .clone();
    assert_eq!(groups[0]["id"], json!(g), "{groups}");
    assert!(groups[0]["membership_expires_at"].is_string(), "{groups}");

    // A remote id attribute naming a value outside the IdP's remote ids: 403.
    s.patch(
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m", "remote_id_attribute": "OIDC-email"}}),
    );
    assert_eq!(login(&s, &at).status, 403);
    s.patch(
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m", "remote_id_attribute": "OIDC-iss"}}),
    );
    assert_eq!(login(&s, &at).status, 201);

    // Nothing mapped: 401.
    s.patch(
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": [
        {"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "OIDC-no-such-claim"}]}]}}),
    );
    assert_eq!(login(&s, &at).status, 401);

    // A disabled IdP: 403.
    s.patch(
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"enabled": false}}),
    );
    assert_eq!(login(&s, &at).status, 403);
}

#[test]
fn oidc_login_provisions_projects() {
    let Some(idp) = start_idp() else { return };
    let s = TestServer::start_with(DEMO_SEED, &[], Some(CONF));
    let rules = json!([{"local": [{"user": {"name": "{0}"}},
                                  {"projects": [{"name": "{0}-home", "roles": [{"name": "member"}]}]}],
                        "remote": [{"type": "OIDC-preferred_username"}]}]);
    let (t, _, _) = setup(&s, &idp.issuer, rules, "2.0");
    let r = login(&s, &access_token(&idp, "alice", "alice-pass"));
    assert_eq!(r.status, 201, "{}", r.text());
    let fed = r.subject_token();
    let r = s.get("/v3/OS-FEDERATION/projects", Some(&fed));
    let projects = r.json()["projects"].clone();
    assert_eq!(projects.as_array().map(Vec::len), Some(1), "{projects}");
    assert_eq!(projects[0]["name"], json!("alice-home"));
    // Made in the IdP's domain.
    let idp_domain =
        s.get(&format!("{IDPS}/idp"), Some(&t)).json()["identity_provider"]["domain_id"].clone();
    assert_eq!(projects[0]["domain_id"], idp_domain);
    let pid = projects[0]["id"].as_str().unwrap();
    let r = s.issue(&token_auth(&fed, Some(project_scope_by_id(pid))), "");
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["token"]["roles"][0]["name"], json!("member"));
}
