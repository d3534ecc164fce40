//! Payload layouts against upstream's bytes, and round trips.

use super::*;

const U: &str = "0123456789abcdef0123456789abcdef";
const P: &str = "fedcba9876543210fedcba9876543210";

fn data(scope: Scope, app_cred_id: Option<&str>) -> TokenData {
    TokenData {
        user_id: U.into(),
        methods: vec!["password".into()],
        scope,
        audit_ids: vec!["3dD2mHzORZ-_GptyT3knEA".into()],
        expires_at: 1795467641.0,
        issued_at: 0,
        app_cred_id: app_cred_id.map(Into::into),
        federated: None,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn methods_bitmask_follows_upstream_order() {
    let m = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(methods_to_int(&m(&["password"])), 2);
    assert_eq!(methods_to_int(&m(&["password", "token"])), 6);
    assert_eq!(methods_to_int(&m(&["application_credential"])), 32);
    // totp follows upstream's default list, as a deployment enabling it appends it.
    assert_eq!(methods_to_int(&m(&["totp"])), 128);
    assert_eq!(methods_to_int(&m(&["smartcard"])), 0);
    assert_eq!(int_to_methods(6), m(&["token", "password"]));
    assert_eq!(int_to_methods(0), Vec::<String>::new());
    assert_eq!(int_to_methods(127).len(), 7);
    // Unknown high bits make upstream's division test fail everywhere.
    assert_eq!(int_to_methods(1024 + 2), Vec::<String>::new());
    assert_eq!(methods_to_int(&m(&["openid"])), 256);
    assert_eq!(int_to_methods(128 + 2), m(&["totp", "password"]));
}

#[test]
fn uuid_detection_matches_python_uuid() {
    let b = uuid_hex_to_bytes(U).unwrap();
    assert_eq!(hex(&b), U);
    for same in [
        "01234567-89ab-cdef-0123-456789abcdef",
        "{0123456789ABCDEF0123456789ABCDEF}",
        "urn:uuid:01234567-89ab-cdef-0123-456789abcdef",
    ] {
        assert_eq!(uuid_hex_to_bytes(same), Some(b), "{same}");
    }
    assert!(uuid_hex_to_bytes("0x23456789abcdef0123456789abcdef").is_some());
    for not in [
        "default",
        "admin",
        "",
        "0123456789abcdef0123456789abcdeg",
        "-123456789abcdef0123456789abcdef",
    ] {
        assert_eq!(uuid_hex_to_bytes(not), None, "{not}");
    }
}

#[test]
fn project_payload_bytes_are_upstreams() {
    // msgpack.packb((2, (True, uuid(U).bytes), 2, (False, 'admin'),
    //   1795467641.0, [urlsafe_b64decode('3dD2mHzORZ-_GptyT3knEA==')]))
    let mut d = data(Scope::Project("admin".into()), None);
    d.user_id = U.into();
    let b = pack(&d).unwrap();
    assert_eq!(
        hex(&b),
        "9602\
         92c3c4100123456789abcdef0123456789abcdef\
         02\
         92c2a561646d696e\
         cb41dac12a5e400000\
         91c410ddd0f6987cce459fbf1a9b724f792710"
    );
}

fn fed(scope: Scope, groups: &[&str], idp: &str, protocol: &str) -> TokenData {
    let mut d = data(scope, None);
    d.methods = vec!["mapped".into()];
    d.federated = Some(FederatedToken {
        idp_id: idp.into(),
        protocol_id: protocol.into(),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
    });
    d
}

#[test]
fn federated_payload_bytes_are_upstreams() {
    // msgpack.packb((4, (True, U), 16, [(True, P), (False, 'admins')],
    //   (False, 'myidp'), 'openid', 1795467641.0, [audit]))
    let d = fed(Scope::Unscoped, &[P, "admins"], "myidp", "openid");
    assert_eq!(
        hex(&pack(&d).unwrap()),
        "980492c3c4100123456789abcdef0123456789abcdef109292c3c410fedcba9876543210fedcba987654321092c2a661646d696e7392c2a56d79696470a66f70656e6964cb41dac12a5e40000091c410ddd0f6987cce459fbf1a9b724f792710"
    );
    // The domain of payload 6 is an id pair, unlike payload 1's bare value.
    let d = fed(Scope::Domain("default".into()), &[], P, "mapped");
    assert_eq!(
        hex(&pack(&d).unwrap()),
        "990692c3c4100123456789abcdef0123456789abcdef1092c2a764656661756c749092c3c410fedcba9876543210fedcba9876543210a66d6170706564cb41dac12a5e40000091c410ddd0f6987cce459fbf1a9b724f792710"
    );
}

#[test]
fn federated_kinds_round_trip() {
    for d in [
        fed(Scope::Unscoped, &[P, "admins"], "myidp", "openid"),
        fed(Scope::Project(P.into()), &[], U, "mapped"),
        fed(Scope::Project("admin".into()), &["g"], "idp", "saml2"),
        fed(Scope::Domain(P.into()), &[U], "idp", "openid"),
        fed(Scope::Domain("default".into()), &[], "idp", "openid"),
    ] {
        assert_eq!(unpack(&pack(&d).unwrap()).unwrap(), d);
    }
    // No federated payload carries a system scope.
    assert!(pack(&fed(Scope::System("all".into()), &[], "i", "p")).is_err());
    // Trust scope keeps upstream's precedence: a trust payload, federation dropped.
    let t = Scope::Trust {
        project_id: P.into(),
        trust_id: U.into(),
    };
    let back = unpack(&pack(&fed(t, &[], "i", "p")).unwrap()).unwrap();
    assert_eq!(back.federated, None);
}

#[test]
fn every_kind_round_trips() {
    let kinds = [
        data(Scope::Unscoped, None),
        data(Scope::Project(P.into()), None),
        data(Scope::Project("admin".into()), None),
        data(Scope::Domain(P.into()), None),
        data(Scope::Domain("default".into()), None),
        data(Scope::System("all".into()), None),
        data(
            Scope::Trust {
                project_id: P.into(),
                trust_id: U.into(),
            },
            None,
        ),
        data(Scope::Project(P.into()), Some(U)),
        data(Scope::Project("admin".into()), Some("not-a-uuid")),
        data(Scope::Unscoped, Some(U)),
    ];
    for d in kinds {
        let back = unpack(&pack(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
    let mut d = data(Scope::Unscoped, None);
    d.user_id = "admin".into();
    d.audit_ids.push("AAAAAAAAAAAAAAAAAAAAAA".into());
    assert_eq!(unpack(&pack(&d).unwrap()).unwrap(), d);
}

#[test]
fn unrepresentable_data_is_refused() {
    let trust = Scope::Trust {
        project_id: P.into(),
        trust_id: "not-a-uuid".into(),
    };
    assert!(pack(&data(trust, None)).is_err());
    assert!(pack(&data(Scope::System("all".into()), Some(U))).is_err());
    let mut d = data(Scope::Unscoped, None);
    d.audit_ids = vec!["!!".into()];
    assert!(pack(&d).is_err());
}

#[test]
fn malformed_payloads_are_invalid() {
    let good = pack(&data(Scope::Project(P.into()), None)).unwrap();
    let mut trailing = good.clone();
    trailing.push(0);
    for bad in [&[][..], &[0xc0][..], &good[..good.len() - 1], &trailing[..]] {
        assert!(unpack(bad).is_err());
    }
    // A project payload relabelled as another kind lacks that kind's fields.
    let mut v = rmpv::decode::read_value(&mut &good[..]).unwrap();
    for version in [4u64, 5, 6, 7, 10, 11] {
        if let Value::Array(a) = &mut v {
            a[0] = version.into();
        }
        let mut b = Vec::new();
        rmpv::encode::write_value(&mut b, &v).unwrap();
        assert!(unpack(&b).is_err(), "version {version}");
    }
    // Expiry beyond Python's datetime.
    let mut d = data(Scope::Unscoped, None);
    d.expires_at = 1e13;
    assert!(unpack(&pack(&d).unwrap()).is_err());
}

#[test]
fn agency_payload_round_trips_as_keystone_lites_own_version() {
    for scope in [
        Scope::Domain("0970dd7a1300f5672ff2c003c60ae115".into()),
        Scope::Project("06f6a1ff1a00d3fc2f1dc003d7f4b3d1".into()),
    ] {
        let agency = Scope::Agency {
            agency_id: "5f1c2a9e6d7b4c3a8e9f0a1b2c3d4e5f".into(),
            scope: Box::new(scope),
        };
        let mut d = data(agency, None);
        d.methods = vec!["assume_role".into()];
        let bytes = pack(&d).unwrap();
        // [100, user, methods, ...]: a version upstream never uses.
        assert_eq!(bytes[1], 100);
        assert_eq!(unpack(&bytes).unwrap(), d);
    }
    // Only a domain or project of the delegating account can be an agency's scope.
    let system = Scope::Agency {
        agency_id: "5f1c2a9e6d7b4c3a8e9f0a1b2c3d4e5f".into(),
        scope: Box::new(Scope::System("all".into())),
    };
    assert!(pack(&data(system, None)).is_err());
}
