//! OidcVerifier against a real OpenID provider (tests/federation/idp: npm oidc-provider on
//! loopback): real tokens from the password, client credentials and authorization code
//! grants, JWT and opaque, and what must be refused. Skipped (with a message) only when node
//! or npm is missing.

#[path = "federation/idp/harness.rs"]
mod oidc_idp;

use std::time::{Duration, Instant};

use base64::Engine;
use keystone_lite::federation::oidc::config::OidcConfig;
use keystone_lite::federation::oidc::{assertion_from_claims, OidcError, OidcVerifier};
use oidc_idp::{unix_now, Idp};
use serde_json::{json, Value};

fn config(options: &[(&str, &str)]) -> OidcConfig {
    let mut c = OidcConfig::default();
    for (k, v) in options {
        assert_eq!(c.apply(k, v), Ok(true), "{k}");
    }
    c
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn payload(token: &str) -> Value {
    serde_json::from_slice(&unb64(token.split('.').nth(1).unwrap())).unwrap()
}

/// The token with its header replaced (signature kept).
fn with_header(token: &str, header: Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        parts[1],
        parts[2]
    )
}

#[test]
fn real_jwts_verify_with_their_claims() {
    let Some(idp) = Idp::start(None) else { return };
    let ids = vec![idp.issuer.clone()];
    let verifier = OidcVerifier::new(&config(&[("audience", "keystone")]));
    let tokens = idp.password_grant("alice", "alice-pass", None);

    let access = tokens["access_token"].as_str().unwrap();
    let claims = verifier.verify_bearer(access, &ids, unix_now()).unwrap();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["iss"], idp.issuer.as_str());
    assert_eq!(claims["groups"], json!(["admins", "devs"]));
    let env = assertion_from_claims(&claims);
    let get = |n: &str| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(get("OIDC-preferred_username").as_deref(), Some("alice"));
    assert_eq!(get("OIDC-groups").as_deref(), Some("admins;devs"));
    assert_eq!(get("HTTP_OIDC_ISS"), Some(idp.issuer.clone()));
    assert_eq!(
        get("OIDC-address").as_deref(),
        Some(r#"{"country":"GB","locality":"Oxford"}"#)
    );
    assert_eq!(get("REMOTE_USER").as_deref(), Some("alice"));

    let id_token = tokens["id_token"].as_str().unwrap();
    let claims = verifier.verify_bearer(id_token, &ids, unix_now()).unwrap();
    assert_eq!(claims["email"], "alice@example.com");

    let es = idp.password_grant("bob", "bob-pass", Some("urn:keystone:es256"));
    let es_token = es["access_token"].as_str().unwrap();
    let header: Value =
        serde_json::from_slice(&unb64(es_token.split('.').next().unwrap())).unwrap();
    assert_eq!(header["alg"], "ES256");
    let claims = verifier.verify_bearer(es_token, &ids, unix_now()).unwrap();
    assert_eq!(claims["sub"], "bob");

    let cc = idp.client_credentials();
    let claims = verifier.verify_bearer(cc["access_token"].as_str().unwrap(), &ids, unix_now());
    assert_eq!(claims.unwrap()["sub"], "keystone");

    let strict = OidcVerifier::new(&config(&[("audience", "another-service")]));
    assert_eq!(
        strict.verify_bearer(access, &ids, unix_now()),
        Err(OidcError::WrongAudience)
    );

    // Cached JWKS: how long one verification takes (reported, not asserted).
    let rounds = 500;
    let started = Instant::now();
    for _ in 0..rounds {
        verifier.verify_bearer(access, &ids, unix_now()).unwrap();
    }
    let rs = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        verifier.verify_bearer(es_token, &ids, unix_now()).unwrap();
    }
    eprintln!(
        "verify_bearer, cached JWKS: RS256 {rs:?}/token, ES256 {:?}/token",
        started.elapsed() / rounds
    );
}

#[test]
fn forged_tampered_and_expired_tokens_are_refused() {
    let Some(idp) = Idp::start(None) else { return };
    let ids = vec![idp.issuer.clone()];
    let verifier = OidcVerifier::new(&config(&[("leeway", "60")]));
    let tokens = idp.password_grant("alice", "alice-pass", None);
    let access = tokens["access_token"].as_str().unwrap();
    let now = unix_now();
    verifier.verify_bearer(access, &ids, now).unwrap();
    let parts: Vec<&str> = access.split('.').collect();

    // A flipped signature byte, and a payload changed under the real signature.
    let mut sig = unb64(parts[2]);
    sig[10] ^= 1;
    let tampered = format!("{}.{}.{}", parts[0], parts[1], b64(&sig));
    assert_eq!(
        verifier.verify_bearer(&tampered, &ids, now),
        Err(OidcError::WrongSignature)
    );
    let mut p = payload(access);
    p["sub"] = json!("bob");
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        b64(p.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(
        verifier.verify_bearer(&swapped, &ids, now),
        Err(OidcError::WrongSignature)
    );

    // An issuer that is not this IdP's remote id.
    let other = vec!["https://idp.example.com".to_string()];
    assert_eq!(
        verifier.verify_bearer(access, &other, now),
        Err(OidcError::WrongIssuer)
    );

    // Expired: past exp + leeway; not yet: before nbf - leeway is not testable on oidc-provider
    // tokens (no nbf), so exp it is.
    let exp = payload(access)["exp"].as_i64().unwrap();
    assert!(verifier.verify_bearer(access, &ids, exp + 60).is_ok());
    assert_eq!(
        verifier.verify_bearer(access, &ids, exp + 61),
        Err(OidcError::Expired)
    );

    // alg none with the real payload and no signature.
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), parts[1]);
    assert_eq!(
        verifier.verify_bearer(&none, &ids, now),
        Err(OidcError::UnsupportedAlgorithm("none".to_string()))
    );
    // HS256 "signed" with the IdP's public key (the classic key confusion).
    let jwks = idp.get_json("/jwks");
    let public = jwks["keys"][0].to_string();
    let mut forged_claims = payload(access);
    forged_claims["sub"] = json!("admin");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = jwks["keys"][0]["kid"].as_str().map(str::to_string);
    let hs = jsonwebtoken::encode(
        &header,
        &forged_claims,
        &jsonwebtoken::EncodingKey::from_secret(public.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        verifier.verify_bearer(&hs, &ids, now),
        Err(OidcError::UnsupportedAlgorithm("HS256".to_string()))
    );

    // A kid the IdP never had: one refetch, then refused; a second one within the refetch
    // interval is refused without asking the IdP (it is dead by then and we still get
    // UnknownKey, not Unreachable).
    let header = json!({"alg": "RS256", "kid": "no-such-kid"});
    let unknown = with_header(access, header);
    assert_eq!(
        verifier.verify_bearer(&unknown, &ids, now),
        Err(OidcError::UnknownKey)
    );
    drop(idp);
    let again = with_header(access, json!({"alg": "RS256", "kid": "random-kid-2"}));
    let started = Instant::now();
    assert_eq!(
        verifier.verify_bearer(&again, &ids, now),
        Err(OidcError::UnknownKey)
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    // Keys already cached keep verifying while the IdP is down.
    assert!(verifier.verify_bearer(access, &ids, now).is_ok());
}

#[test]
fn rotated_keys_are_refetched_once_per_interval() {
    let Some(first) = Idp::start(None) else {
        return;
    };
    let ids = vec![first.issuer.clone()];
    let eager = OidcVerifier::new(&config(&[("jwks_refetch_interval", "0")]));
    let limited = OidcVerifier::new(&config(&[("jwks_refetch_interval", "600")]));
    let old = first.password_grant("alice", "alice-pass", None)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    eager.verify_bearer(&old, &ids, unix_now()).unwrap();
    limited.verify_bearer(&old, &ids, unix_now()).unwrap();
    let port = first.port;
    drop(first);

    // Same issuer, new keys (every start makes its own).
    let second = Idp::start(Some(port)).expect("restart on the same port");
    let new = second.password_grant("alice", "alice-pass", None)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let claims = eager.verify_bearer(&new, &ids, unix_now()).unwrap();
    assert_eq!(claims["sub"], "alice");
    // The rotated-out key is gone from the refetched set.
    assert_eq!(
        eager.verify_bearer(&old, &ids, unix_now()),
        Err(OidcError::UnknownKey)
    );
    // Within the refetch interval the new kid is not fetched: refused until the interval
    // (or the cache TTL) passes.
    assert_eq!(
        limited.verify_bearer(&new, &ids, unix_now()),
        Err(OidcError::UnknownKey)
    );
}

#[test]
fn opaque_tokens_are_introspected_and_inactive_ones_refused() {
    let Some(idp) = Idp::start(None) else { return };
    // A remote id that is no issuer URL (skipped), then the IdP.
    let ids = vec!["urn:example:saml-entity".to_string(), idp.issuer.clone()];
    let verifier = OidcVerifier::new(&config(&[
        ("introspection_client_id", "keystone"),
        ("introspection_client_secret", "keystone-secret"),
    ]));
    let tokens = idp.password_grant("alice", "alice-pass", Some("urn:keystone:opaque"));
    let opaque = tokens["access_token"].as_str().unwrap();
    assert_eq!(opaque.split('.').count(), 1, "an opaque token");
    let claims = verifier.verify_bearer(opaque, &ids, unix_now()).unwrap();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["iss"], idp.issuer.as_str());
    assert_eq!(claims["groups"], json!(["admins", "devs"]));
    assert!(!claims.contains_key("active"));

    assert_eq!(
        verifier.verify_bearer("not-a-token-anyone-issued", &ids, unix_now()),
        Err(OidcError::Inactive)
    );
    idp.revoke(opaque);
    assert_eq!(
        verifier.verify_bearer(opaque, &ids, unix_now()),
        Err(OidcError::Inactive)
    );

    let wrong_secret = OidcVerifier::new(&config(&[
        ("introspection_client_id", "keystone"),
        ("introspection_client_secret", "wrong"),
    ]));
    let other = idp.password_grant("bob", "bob-pass", Some("urn:keystone:opaque"));
    let result = wrong_secret.verify_bearer(other["access_token"].as_str().unwrap(), &ids, 0);
    assert!(matches!(result, Err(OidcError::IdpError(_))), "{result:?}");
}

#[test]
fn an_unreachable_idp_fails_within_the_timeout() {
    let Some(idp) = Idp::start(None) else { return };
    let ids = vec![idp.issuer.clone()];
    let jwt = idp.password_grant("alice", "alice-pass", None)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let opaque = idp.password_grant("alice", "alice-pass", Some("urn:keystone:opaque"))
        ["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let options = [
        ("http_timeout", "1"),
        ("introspection_client_id", "keystone"),
        ("introspection_client_secret", "keystone-secret"),
    ];
    drop(idp);
    let verifier = OidcVerifier::new(&config(&options));
    for token in [&jwt, &opaque] {
        let started = Instant::now();
        let result = verifier.verify_bearer(token, &ids, unix_now());
        assert!(
            matches!(result, Err(OidcError::Unreachable(_))),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    // A server that accepts connections and never answers: the read timeout ends it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", silent.local_addr().unwrap());
    let mut claims = payload(&jwt);
    claims["iss"] = json!(issuer);
    let token = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(claims.to_string().as_bytes())
    );
    let started = Instant::now();
    let result = verifier.verify_bearer(&token, std::slice::from_ref(&issuer), unix_now());
    assert!(
        matches!(result, Err(OidcError::Unreachable(_))),
        "{result:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // Failed just now: the next request does not wait on the IdP again.
    let started = Instant::now();
    let result = verifier.verify_bearer(&token, &[issuer], unix_now());
    assert!(
        matches!(result, Err(OidcError::Unreachable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    let error: keystone_lite::error::Error = result.unwrap_err().into();
    assert_eq!(error.code(), 401);
}

#[test]
fn websso_code_flow_verifies_the_id_token_and_nonce() {
    let Some(idp) = Idp::start(None) else { return };
    let verifier = OidcVerifier::new(&config(&[
        ("client_id", "keystone"),
        ("client_secret", "keystone-secret"),
    ]));
    let redirect = format!("{}/test/callback", idp.issuer);
    let scope = "openid email profile groups";
    let url = verifier
        .authorization_url(&idp.issuer, "keystone", &redirect, "st-1", "nonce-1", scope)
        .unwrap();
    assert!(url.starts_with(&format!("{}/auth?", idp.issuer)), "{url}");
    let callback = idp.browser_login(&url, "alice");
    assert_eq!(callback["state"], "st-1");
    let code = callback["code"].as_str().unwrap();
    let claims = verifier
        .exchange_code(&idp.issuer, code, &redirect, "nonce-1", unix_now())
        .unwrap();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["email"], "alice@example.com");
    // A code works once.
    let reused = verifier.exchange_code(&idp.issuer, code, &redirect, "nonce-1", unix_now());
    assert!(matches!(reused, Err(OidcError::Invalid(_))), "{reused:?}");

    let url = verifier
        .authorization_url(&idp.issuer, "keystone", &redirect, "st-2", "nonce-2", scope)
        .unwrap();
    let callback = idp.browser_login(&url, "bob");
    let code = callback["code"].as_str().unwrap();
    let wrong = verifier.exchange_code(&idp.issuer, code, &redirect, "nonce-1", unix_now());
    assert_eq!(wrong, Err(OidcError::NonceMismatch));
}
