use super::*;

fn headers(date: &str) -> Vec<(String, String)> {
    vec![
        ("host".into(), "service.endpoint.myhuaweicloud.com".into()),
        ("x-sdk-date".into(), date.into()),
    ]
}

fn auth_of(method: &str, body: &[u8]) -> String {
    let h = headers("20200608T023900Z");
    let q = vec![("size".to_string(), "1".to_string())];
    let req = Signed {
        method,
        path: "/resources",
        query: &q,
        headers: &h,
        body,
    };
    sign("AccessKey", "SecretKey", &req).unwrap()
}

/// huaweicloud-sdk-core tests/test_signer.py, both answers.
#[test]
fn reproduces_the_sdk_known_answers() {
    assert_eq!(
        auth_of("GET", b""),
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, \
         Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"
    );
    assert_eq!(
        auth_of("POST", br#"{"name":"test","id":1}"#),
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, \
         Signature=436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"
    );
}

#[test]
fn verifies_the_known_answer_and_refuses_changes() {
    let h = headers("20200608T023900Z");
    let q = vec![("size".to_string(), "1".to_string())];
    let req = Signed {
        method: "GET",
        path: "/resources",
        query: &q,
        headers: &h,
        body: b"",
    };
    let now = parse_sdk_date("20200608T023900Z").unwrap() as f64;
    let auth = parse_authorization(&auth_of("GET", b"")).unwrap();
    assert_eq!(verify(&auth, &req, "SecretKey", now + 60.0), Ok(()));
    assert_eq!(
        verify(&auth, &req, "OtherKey", now),
        Err(SignError::Mismatch)
    );
    assert_eq!(
        verify(&auth, &req, "SecretKey", now + 901.0),
        Err(SignError::Stale)
    );
    assert_eq!(
        verify(&auth, &req, "SecretKey", now - 901.0),
        Err(SignError::Stale)
    );
    let altered = Signed { body: b"x", ..req };
    assert_eq!(
        verify(&auth, &altered, "SecretKey", now),
        Err(SignError::Mismatch)
    );
}

#[test]
fn canonical_uri_decodes_reencodes_and_ends_in_slash() {
    assert_eq!(canonical_uri("/v3/auth/domains"), "/v3/auth/domains/");
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri("/a%20b/c+d/e~f"), "/a%20b/c%2Bd/e~f/");
    // Encoded either way, the same path signs the same.
    assert_eq!(canonical_uri("/x%3Ay/"), canonical_uri("/x:y/"));
    assert_eq!(canonical_uri("/x:y"), "/x%3Ay/");
}

#[test]
fn canonical_query_sorts_repeated_keys_and_handles_empty() {
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(canonical_query(&[]), "");
    assert_eq!(
        canonical_query(&pairs(&[("b", "2"), ("a", "z"), ("a", "y"), ("c", "")])),
        "a=y&a=z&b=2&c="
    );
    assert_eq!(
        canonical_query(&pairs(&[("name", "a b/c")])),
        "name=a%20b%2Fc"
    );
}

#[test]
fn canonical_headers_trim_repeat_and_require_presence() {
    let h: Vec<(String, String)> = vec![
        ("x-b".into(), "  two ".into()),
        ("x-a".into(), "1".into()),
        ("x-b".into(), "one".into()),
    ];
    let names = vec!["x-a".to_string(), "x-b".to_string()];
    assert_eq!(
        canonical_headers(&h, &names).unwrap(),
        "x-a:1\nx-b:one\nx-b:two\n"
    );
    let missing = vec!["x-c".to_string()];
    assert_eq!(canonical_headers(&h, &missing), Err(SignError::Malformed));
}

#[test]
fn declared_payload_hash_replaces_the_body_hash() {
    let h: Vec<(String, String)> = vec![
        ("x-sdk-date".into(), "20200608T023900Z".into()),
        ("x-sdk-content-sha256".into(), "UNSIGNED-PAYLOAD".into()),
    ];
    let req = Signed {
        method: "PUT",
        path: "/",
        query: &[],
        headers: &h,
        body: b"anything",
    };
    let names = vec!["x-sdk-date".to_string()];
    assert!(canonical_request(&req, &names)
        .unwrap()
        .ends_with("\nUNSIGNED-PAYLOAD"));
}

#[test]
fn parses_only_the_one_algorithm_and_well_formed_headers() {
    let sig = "a".repeat(64);
    let good = format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}");
    let parsed = parse_authorization(&good).unwrap();
    assert_eq!(parsed.access, "AK");
    assert_eq!(parsed.signed_headers, vec!["host", "x-sdk-date"]);
    for other in [
        "SDK-HMAC-SM3",
        "SDK-ECDSA-P256-SHA256",
        "SDK-SM2-SM3",
        "V11-HMAC-SHA256",
    ] {
        let v = format!("{other} Access=AK, SignedHeaders=host, Signature={sig}");
        assert_eq!(parse_authorization(&v), Err(SignError::Algorithm));
        assert!(is_huawei(&v));
    }
    for bad in [
        "SDK-HMAC-SHA256",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=zz",
        "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=",
        "SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=host, Signature=",
    ] {
        assert_eq!(parse_authorization(bad), Err(SignError::Malformed), "{bad}");
    }
    assert!(!is_huawei("Bearer abc"));
}

#[test]
fn sdk_dates_round_trip() {
    let t = parse_sdk_date("20200608T023900Z").unwrap();
    assert_eq!(format_sdk_date(t as f64), "20200608T023900Z");
    assert_eq!(parse_sdk_date("2020-06-08T02:39:00Z"), None);
}
