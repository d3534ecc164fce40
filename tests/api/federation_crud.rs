//! OS-FEDERATION administration against bodies, statuses and messages taken from upstream
//! Keystone 30 (the reference server): identity providers, protocols, mappings, service
//! providers, the users' `federated` attribute (3.14), and what deleting a provider removes.

use serde_json::{json, Value};

use crate::common::*;

pub(crate) const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";
pub(crate) const MAPPINGS: &str = "/v3/OS-FEDERATION/mappings";
pub(crate) const SPS: &str = "/v3/OS-FEDERATION/service_providers";

/// `expected` with every "URL" replaced by the server's base URL.
pub(crate) fn at(s: &TestServer, expected: Value) -> Value {
    let text = expected.to_string().replace("URL", &s.url);
    serde_json::from_str(&text).expect("json")
}

pub(crate) fn check(r: &Resp, status: u16, expected: &Value) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(&r.json(), expected, "{}", r.text());
}

pub(crate) fn error(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json()["error"]["message"], json!(message), "{}", r.text());
}

pub(crate) fn put(s: &TestServer, t: &str, path: &str, body: Value) -> Resp {
    s.send_json("PUT", path, Some(t), &body)
}

pub(crate) fn rules() -> Value {
    json!([{"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "UserName"}]}])
}

#[test]
fn identity_providers_crud_as_upstream() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    let r = put(
        &s,
        &t,
        &format!("{IDPS}/idp1"),
        json!({"identity_provider": {"remote_ids": ["r1", "r2"], "description": "d"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let idp = r.json()["identity_provider"].clone();
    let domain_id = idp["domain_id"].as_str().unwrap().to_string();
    assert_eq!(
        idp,
        at(
            &s,
            json!({"id": "idp1", "domain_id": domain_id, "enabled": false, "description": "d",
        "remote_ids": ["r1", "r2"], "authorization_ttl": null, "links": {"self": "URL/v3/OS-FEDERATION/identity_providers/idp1"}})
        )
    );
    // The domain made for it: named by its id, described as upstream.
    let d = s.get(&format!("/v3/domains/{domain_id}"), Some(&t)).json();
    assert_eq!(d["domain"]["name"], json!(domain_id));
    assert_eq!(
        d["domain"]["description"],
        json!("Auto generated federated domain for Identity Provider: idp1")
    );

    error(
        &put(
            &s,
            &t,
            &format!("{IDPS}/idp2"),
            json!({"identity_provider": {"remote_ids": ["r1"]}}),
        ),
        409,
        "Conflict occurred attempting to store identity_provider - Duplicate remote ID: None.",
    );
    error(
        &put(
            &s,
            &t,
            &format!("{IDPS}/idp1"),
            json!({"identity_provider": {}}),
        ),
        409,
        "Conflict occurred attempting to store identity_provider - Duplicate entry: None.",
    );
    error(
        &put(
            &s,
            &t,
            &format!("{IDPS}/idp3"),
            json!({"identity_provider": {"domain_id": "nope"}}),
        ),
        404,
        "Could not find domain: nope.",
    );
    error(&put(&s, &t, &format!("{IDPS}/idp9"), json!({"identity_provider": {"id": "x"}})), 400,
        "Invalid input for field/attribute identity_provider. Value: {'id': 'x'}. Additional properties are not allowed ('id' was unexpected)");
    let r = put(
        &s,
        &t,
        &format!("{IDPS}/idp4"),
        json!({"identity_provider": {"domain_id": "default", "enabled": true, "authorization_ttl": 5}}),
    );
    check(
        &r,
        201,
        &at(
            &s,
            json!({"identity_provider": {"id": "idp4", "domain_id": "default", "enabled": true,
        "description": null, "remote_ids": [], "authorization_ttl": 5, "links": {"self": "URL/v3/OS-FEDERATION/identity_providers/idp4"}}}),
        ),
    );

    // Lists add the protocols link; `enabled` and `id` filter.
    let r = s.get(&format!("{IDPS}?enabled=true"), Some(&t));
    check(
        &r,
        200,
        &at(
            &s,
            json!({"identity_providers": [{"id": "idp4", "domain_id": "default", "enabled": true,
        "description": null, "remote_ids": [], "authorization_ttl": 5, "links": {
            "self": "URL/v3/OS-FEDERATION/identity_providers/idp4",
            "protocols": "URL/v3/OS-FEDERATION/identity_providers/idp4/protocols"}}],
        "links": {"next": null, "self": "URL/v3/OS-FEDERATION/identity_providers?enabled=true", "previous": null}}),
        ),
    );
    let r = s.get(&format!("{IDPS}?id=idp1"), Some(&t)).json();
    assert_eq!(r["identity_providers"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.get(IDPS, Some(&t)).json()["identity_providers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // PATCH: only the mutable fields, at least one.
    error(&s.patch(&format!("{IDPS}/idp1"), Some(&t), &json!({"identity_provider": {"domain_id": "default"}})), 400,
        "Invalid input for field/attribute identity_provider. Value: {'domain_id': 'default'}. Additional properties are not allowed ('domain_id' was unexpected)");
    error(
        &s.patch(
            &format!("{IDPS}/idp1"),
            Some(&t),
            &json!({"identity_provider": {}}),
        ),
        400,
        "Invalid input for field/attribute identity_provider. Value: {}. {} should be non-empty",
    );
    error(
        &s.patch(
            &format!("{IDPS}/idp4"),
            Some(&t),
            &json!({"identity_provider": {"remote_ids": ["r2"]}}),
        ),
        409,
        "Conflict occurred attempting to store identity_provider - Duplicate remote ID: None.",
    );
    let r = s.patch(
        &format!("{IDPS}/idp4"),
        Some(&t),
        &json!({"identity_provider": {"remote_ids": ["r9"], "enabled": false}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["identity_provider"]["remote_ids"], json!(["r9"]));
    assert_eq!(r.json()["identity_provider"]["enabled"], json!(false));
    // The remote id it gave up is free again.
    assert_eq!(
        s.patch(
            &format!("{IDPS}/idp1"),
            Some(&t),
            &json!({"identity_provider": {"remote_ids": ["r1", "r2", "r3"]}})
        )
        .status,
        200
    );
    error(
        &s.patch(
            &format!("{IDPS}/nope"),
            Some(&t),
            &json!({"identity_provider": {"enabled": true}}),
        ),
        404,
        "Could not find Identity Provider: nope.",
    );
    error(
        &s.get(&format!("{IDPS}/nope"), Some(&t)),
        404,
        "Could not find Identity Provider: nope.",
    );
    assert_eq!(s.delete(&format!("{IDPS}/idp4"), Some(&t)).status, 204);
    error(
        &s.delete(&format!("{IDPS}/idp4"), Some(&t)),
        404,
        "Could not find Identity Provider: idp4.",
    );
    // A member of a project cannot manage providers.
    let demo = s.demo_token();
    assert_eq!(s.get(IDPS, Some(&demo)).status, 403);
    assert_eq!(
        put(
            &s,
            &demo,
            &format!("{IDPS}/x"),
            json!({"identity_provider": {}})
        )
        .status,
        403
    );
}

#[test]
fn protocols_crud_as_upstream() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{IDPS}/idp1"),
            json!({"identity_provider": {}})
        )
        .status,
        201
    );
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{MAPPINGS}/m1"),
            json!({"mapping": {"rules": rules()}})
        )
        .status,
        201
    );
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{MAPPINGS}/m2"),
            json!({"mapping": {"rules": rules()}})
        )
        .status,
        201
    );
    let p = format!("{IDPS}/idp1/protocols");
    let r = put(
        &s,
        &t,
        &format!("{p}/saml2"),
        json!({"protocol": {"mapping_id": "m1"}}),
    );
    check(
        &r,
        201,
        &at(
            &s,
            json!({"protocol": {"id": "saml2", "mapping_id": "m1", "links": {
        "self": "URL/v3/protocols/saml2", "identity_provider": "URL/v3/idp1"}}}),
        ),
    );
    error(&put(&s, &t, &format!("{p}/saml2"), json!({"protocol": {"mapping_id": "m1"}})), 409,
        "Conflict occurred attempting to store federation_protocol - Duplicate entry found with ID saml2.");
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{p}/oidc"),
            json!({"protocol": {"mapping_id": "m1", "remote_id_attribute": "iss"}})
        )
        .status,
        201
    );
    error(
        &put(
            &s,
            &t,
            &format!("{p}/x"),
            json!({"protocol": {"mapping_id": "nope"}}),
        ),
        400,
        "Invalid mapping id: nope",
    );
    error(
        &put(
            &s,
            &t,
            &format!("{IDPS}/nope/protocols/x"),
            json!({"protocol": {"mapping_id": "m1"}}),
        ),
        404,
        "Could not find Identity Provider: nope.",
    );
    error(&put(&s, &t, &format!("{p}/x"), json!({"protocol": {}})), 400,
        "Invalid input for field/attribute protocol. Value: {}. 'mapping_id' is a required property");
    let r = s.get(&p, Some(&t));
    check(
        &r,
        200,
        &at(
            &s,
            json!({"protocols": [
        {"id": "oidc", "idp_id": "idp1", "mapping_id": "m1", "remote_id_attribute": "iss",
         "links": {"self": "URL/v3/protocols/oidc", "identity_provider": "URL/v3/idp1"}},
        {"id": "saml2", "idp_id": "idp1", "mapping_id": "m1", "remote_id_attribute": null,
         "links": {"self": "URL/v3/protocols/saml2", "identity_provider": "URL/v3/idp1"}}],
        "links": {"next": null, "self": "URL/v3/OS-FEDERATION/identity_providers/idp1/protocols", "previous": null}}),
        ),
    );
    check(
        &s.get(&format!("{IDPS}/nope/protocols"), Some(&t)),
        200,
        &at(
            &s,
            json!({"protocols": [],
        "links": {"next": null, "self": "URL/v3/OS-FEDERATION/identity_providers/nope/protocols", "previous": null}}),
        ),
    );
    error(
        &s.get(&format!("{p}/nope"), Some(&t)),
        404,
        "Could not find federated protocol nope for Identity Provider: idp1.",
    );
    let r = s.patch(
        &format!("{p}/oidc"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m2"}}),
    );
    check(
        &r,
        200,
        &at(
            &s,
            json!({"protocol": {"id": "oidc", "mapping_id": "m2", "links": {
        "self": "URL/v3/protocols/oidc", "identity_provider": "URL/v3/idp1"}}}),
        ),
    );
    error(&s.patch(&format!("{p}/oidc"), Some(&t), &json!({"protocol": {"remote_id_attribute": "a"}})), 400,
        "Invalid input for field/attribute protocol. Value: {'remote_id_attribute': 'a'}. 'mapping_id' is a required property");
    error(
        &s.patch(
            &format!("{p}/nope"),
            Some(&t),
            &json!({"protocol": {"mapping_id": "m2"}}),
        ),
        404,
        "Could not find federated protocol nope for Identity Provider: idp1.",
    );
    error(
        &s.patch(
            &format!("{p}/oidc"),
            Some(&t),
            &json!({"protocol": {"mapping_id": "nope"}}),
        ),
        400,
        "Invalid mapping id: nope",
    );
    error(
        &s.delete(&format!("{p}/nope"), Some(&t)),
        404,
        "Could not find federated protocol nope for Identity Provider: idp1.",
    );
    assert_eq!(s.delete(&format!("{p}/saml2"), Some(&t)).status, 204);
    // Deleting the provider takes its protocols.
    assert_eq!(s.delete(&format!("{IDPS}/idp1"), Some(&t)).status, 204);
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{IDPS}/idp1"),
            json!({"identity_provider": {}})
        )
        .status,
        201
    );
    assert_eq!(s.get(&p, Some(&t)).json()["protocols"], json!([]));
}

#[test]
fn mappings_crud_as_upstream() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    let r = put(
        &s,
        &t,
        &format!("{MAPPINGS}/m1"),
        json!({"mapping": {"rules": rules()}}),
    );
    check(
        &r,
        201,
        &at(
            &s,
            json!({"mapping": {"id": "m1", "rules": rules(), "schema_version": "1.0",
        "links": {"self": "URL/v3/OS-FEDERATION/mappings/m1"}}}),
        ),
    );
    error(
        &put(
            &s,
            &t,
            &format!("{MAPPINGS}/m1"),
            json!({"mapping": {"rules": rules()}}),
        ),
        409,
        "Conflict occurred attempting to store mapping - Duplicate entry.",
    );
    let r = put(
        &s,
        &t,
        &format!("{MAPPINGS}/m2"),
        json!({"mapping": {"rules": rules(), "schema_version": "2.0"}}),
    );
    assert_eq!(r.json()["mapping"]["schema_version"], json!("2.0"));
    error(
        &put(
            &s,
            &t,
            &format!("{MAPPINGS}/m3"),
            json!({"mapping": {"rules": []}}),
        ),
        400,
        "[] should be non-empty\n",
    );
    error(
        &put(&s, &t, &format!("{MAPPINGS}/m3"), json!({})),
        400,
        "'rules' is a required property\n",
    );
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{MAPPINGS}/m3"),
            json!({"mapping": {"rules": rules(), "schema_version": "9.0"}})
        )
        .status,
        400
    );
    // Other members of the mapping are ignored, as upstream's schema lets them through.
    let r = put(
        &s,
        &t,
        &format!("{MAPPINGS}/m3"),
        json!({"mapping": {"rules": rules(), "extra": 1}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["mapping"].get("extra").is_none());
    let r = s.get(MAPPINGS, Some(&t)).json();
    assert_eq!(r["mappings"].as_array().unwrap().len(), 3);
    assert_eq!(r["links"]["self"], json!(format!("{}{MAPPINGS}", s.url)));
    error(
        &s.get(&format!("{MAPPINGS}/nope"), Some(&t)),
        404,
        "Could not find mapping: nope.",
    );
    // PATCH replaces the rules and, without a schema version, sets the default again.
    let new_rules = json!([{"local": [{"user": {"name": "x"}}], "remote": [{"type": "U"}]}]);
    let r = s.patch(
        &format!("{MAPPINGS}/m2"),
        Some(&t),
        &json!({"mapping": {"rules": new_rules}}),
    );
    check(
        &r,
        200,
        &at(
            &s,
            json!({"mapping": {"id": "m2", "rules": new_rules, "schema_version": "1.0",
        "links": {"self": "URL/v3/OS-FEDERATION/mappings/m2"}}}),
        ),
    );
    check(&s.get(&format!("{MAPPINGS}/m2"), Some(&t)), 200, &r.json());
    error(
        &s.patch(
            &format!("{MAPPINGS}/nope"),
            Some(&t),
            &json!({"mapping": {"rules": rules()}}),
        ),
        404,
        "Could not find mapping: nope.",
    );
    error(
        &s.patch(&format!("{MAPPINGS}/m2"), Some(&t), &json!({"mapping": {}})),
        400,
        "'rules' is a required property\n",
    );
    assert_eq!(s.delete(&format!("{MAPPINGS}/m2"), Some(&t)).status, 204);
    error(
        &s.delete(&format!("{MAPPINGS}/m2"), Some(&t)),
        404,
        "Could not find mapping: m2.",
    );
}

#[test]
fn mapping_default_schema_version_is_configured() {
    let s = TestServer::start_with(
        DEMO_SEED,
        &[],
        Some("[federation]\nattribute_mapping_default_schema_version = 2.0\n"),
    );
    let t = s.admin_token();
    let r = put(
        &s,
        &t,
        &format!("{MAPPINGS}/m1"),
        json!({"mapping": {"rules": rules()}}),
    );
    assert_eq!(
        r.json()["mapping"]["schema_version"],
        json!("2.0"),
        "{}",
        r.text()
    );
}

#[test]
fn service_providers_crud_as_upstream() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    let r = put(
        &s,
        &t,
        &format!("{SPS}/sp1"),
        json!({"service_provider": {"auth_url": "https://a/auth", "sp_url": "https://a/ECP"}}),
    );
    check(
        &r,
        201,
        &at(
            &s,
            json!({"service_provider": {"auth_url": "https://a/auth", "id": "sp1", "enabled": false,
        "description": null, "relay_state_prefix": "ss:mem:", "sp_url": "https://a/ECP",
        "links": {"self": "URL/v3/OS-FEDERATION/service_providers/sp1"}}}),
        ),
    );
    error(&put(&s, &t, &format!("{SPS}/sp1"), json!({"service_provider": {"auth_url": "https://a", "sp_url": "https://b"}})), 409,
        "Conflict occurred attempting to store service_provider - Duplicate entry found with ID sp1.");
    let r = put(
        &s,
        &t,
        &format!("{SPS}/sp2"),
        json!({"service_provider": {"auth_url": "https://a", "sp_url": "https://b",
        "enabled": true, "relay_state_prefix": "x:", "description": "dd"}}),
    );
    assert_eq!(r.status, 201);
    error(&put(&s, &t, &format!("{SPS}/sp3"), json!({"service_provider": {"auth_url": "nourl", "sp_url": "https://b"}})), 400,
        "Invalid input for field/attribute auth_url. Value: nourl. 'nourl' does not match '^[a-zA-Z0-9+.-]+:.+'");
    error(&put(&s, &t, &format!("{SPS}/sp3"), json!({"service_provider": {"sp_url": "https://b"}})), 400,
        "Invalid input for field/attribute service_provider. Value: {'sp_url': 'https://b'}. 'auth_url' is a required property");
    let r = s.get(&format!("{SPS}?enabled=false"), Some(&t)).json();
    assert_eq!(r["service_providers"].as_array().unwrap().len(), 1);
    assert_eq!(r["service_providers"][0]["id"], json!("sp1"));
    assert_eq!(
        s.get(SPS, Some(&t)).json()["service_providers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    error(
        &s.get(&format!("{SPS}/nope"), Some(&t)),
        404,
        "Could not find Service Provider: nope.",
    );
    let r = s.patch(
        &format!("{SPS}/sp1"),
        Some(&t),
        &json!({"service_provider": {"enabled": true, "auth_url": "http://z"}}),
    );
    check(
        &r,
        200,
        &at(
            &s,
            json!({"service_provider": {"auth_url": "http://z", "id": "sp1", "enabled": true,
        "description": null, "relay_state_prefix": "ss:mem:", "sp_url": "https://a/ECP",
        "links": {"self": "URL/v3/OS-FEDERATION/service_providers/sp1"}}}),
        ),
    );
    error(
        &s.patch(
            &format!("{SPS}/sp1"),
            Some(&t),
            &json!({"service_provider": {}}),
        ),
        400,
        "Invalid input for field/attribute service_provider. Value: {}. {} should be non-empty",
    );
    error(
        &s.patch(
            &format!("{SPS}/nope"),
            Some(&t),
            &json!({"service_provider": {"enabled": true}}),
        ),
        404,
        "Could not find Service Provider: nope.",
    );
    error(
        &s.delete(&format!("{SPS}/nope"), Some(&t)),
        404,
        "Could not find Service Provider: nope.",
    );
    assert_eq!(s.delete(&format!("{SPS}/sp2"), Some(&t)).status, 204);
    assert_eq!(s.get(&format!("{SPS}/sp2"), Some(&t)).status, 404);
}
