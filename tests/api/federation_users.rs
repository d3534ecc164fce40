//! The users' `federated` attribute (3.14) against upstream's bodies and messages, and what
//! deleting a user, an identity provider or its domain takes along.

use serde_json::json;

use crate::common::*;
use crate::federation_crud::{error, put, rules, IDPS, MAPPINGS};

#[test]
fn users_federated_attribute_as_upstream() {
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
    for p in ["saml2", "oidc"] {
        let r = put(
            &s,
            &t,
            &format!("{IDPS}/idp1/protocols/{p}"),
            json!({"protocol": {"mapping_id": "m1"}}),
        );
        assert_eq!(r.status, 201);
    }
    let fed =
        json!([{"idp_id": "idp1", "protocols": [{"protocol_id": "saml2", "unique_id": "u1"}]}]);
    let r = s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "fu1", "federated": fed}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let user = r.json()["user"].clone();
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["federated"], fed);
    let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "domain_id",
            "enabled",
            "password_expires_at",
            "options",
            "federated",
            "links"
        ]
    );
    assert_eq!(
        s.get(&format!("/v3/users/{id}"), Some(&t)).json()["user"]["federated"],
        fed
    );
    // Lists filter on the identities but do not render them.
    for q in ["idp_id=idp1", "unique_id=u1&protocol_id=saml2"] {
        let r = s.get(&format!("/v3/users?{q}"), Some(&t)).json();
        assert_eq!(r["users"].as_array().unwrap().len(), 1, "{q}");
        assert_eq!(r["users"][0]["id"], json!(id));
        assert!(r["users"][0].get("federated").is_none());
    }
    assert_eq!(
        s.get("/v3/users?unique_id=other", Some(&t)).json()["users"],
        json!([])
    );
    // Without identities, no `federated` key.
    let admin_id = s.id_by_name(&t, "users", "admin");
    assert!(
        s.get(&format!("/v3/users/{admin_id}"), Some(&t)).json()["user"]
            .get("federated")
            .is_none()
    );

    error(&s.post("/v3/users", Some(&t), &json!({"user": {"name": "fu2", "federated": [{"idp_id": "nope", "protocols": [{"protocol_id": "saml2", "unique_id": "u1"}]}]}})),
        400, "Could not find Identity Provider: nope");
    error(&s.post("/v3/users", Some(&t), &json!({"user": {"name": "fu2", "federated": [{"idp_id": "idp1", "protocols": [{"protocol_id": "nope", "unique_id": "u1"}]}]}})),
        400, "Could not find federated protocol nope for Identity Provider: idp1.");
    assert_eq!(
        s.post(
            "/v3/users",
            Some(&t),
            &json!({"user": {"name": "fu2", "federated": [{"idp_id": "idp1"}]}})
        )
        .status,
        400
    );
    assert_eq!(
        s.get("/v3/users?name=fu2", Some(&t)).json()["users"],
        json!([])
    );

    // PATCH replaces them.
    let fed2 =
        json!([{"idp_id": "idp1", "protocols": [{"protocol_id": "oidc", "unique_id": "u2"}]}]);
    let r = s.patch(
        &format!("/v3/users/{id}"),
        Some(&t),
        &json!({"user": {"federated": fed2}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["user"]["federated"], fed2);
    assert_eq!(
        s.get("/v3/users?unique_id=u1", Some(&t)).json()["users"],
        json!([])
    );

    // Deleting the provider removes the identities; a user made through the API keeps its
    // local name and stays (upstream deletes only users left with no name source).
    assert_eq!(s.delete(&format!("{IDPS}/idp1"), Some(&t)).status, 204);
    let r = s.get(&format!("/v3/users/{id}"), Some(&t));
    assert_eq!(r.status, 200);
    assert!(r.json()["user"].get("federated").is_none(), "{}", r.text());
    assert_eq!(
        s.get("/v3/users?idp_id=idp1", Some(&t)).json()["users"],
        json!([])
    );
}

#[test]
fn deleting_a_user_or_a_domain_takes_federation_along() {
    let s = TestServer::start_demo();
    let t = s.admin_token();
    let r = s.post(
        "/v3/domains",
        Some(&t),
        &json!({"domain": {"name": "fd", "enabled": false}}),
    );
    let domain_id = r.json()["domain"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        put(
            &s,
            &t,
            &format!("{IDPS}/idp1"),
            json!({"identity_provider": {"domain_id": domain_id}})
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
            &format!("{IDPS}/idp1/protocols/saml2"),
            json!({"protocol": {"mapping_id": "m1"}})
        )
        .status,
        201
    );
    let fed =
        json!([{"idp_id": "idp1", "protocols": [{"protocol_id": "saml2", "unique_id": "u1"}]}]);
    let r = s.post(
        "/v3/users",
        Some(&t),
        &json!({"user": {"name": "fu1", "federated": fed}}),
    );
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    // A deleted user's identities go with it: the unique id is free again.
    assert_eq!(s.delete(&format!("/v3/users/{id}"), Some(&t)).status, 204);
    assert_eq!(
        s.get("/v3/users?unique_id=u1", Some(&t)).json()["users"],
        json!([])
    );
    assert_eq!(
        s.post(
            "/v3/users",
            Some(&t),
            &json!({"user": {"name": "fu2", "federated": fed}})
        )
        .status,
        201
    );
    // Deleting the provider's domain deletes the provider (upstream's DOMAIN_DELETED callback).
    assert_eq!(
        s.delete(&format!("/v3/domains/{domain_id}"), Some(&t))
            .status,
        204
    );
    assert_eq!(s.get(&format!("{IDPS}/idp1"), Some(&t)).status, 404);
    assert_eq!(
        s.get("/v3/users?unique_id=u1", Some(&t)).json()["users"],
        json!([])
    );
}
