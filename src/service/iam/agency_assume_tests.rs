use serde_json::json;

use super::*;
use crate::auth::Memo;
use crate::service::iam::agencies::{create, resolve_token};
use crate::store::iam::agencies::{grant, GrantOn};
use crate::store::shadow::AsOf;
use crate::store::{assignment, identity, Store};
use crate::token::{Scope, TokenData};

const NOW: f64 = 1_800_000_000.0;

fn temp_store() -> Store {
    let dir = std::env::temp_dir().join(format!(
        "ksl-agency-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    Store::open(&dir.join("t.redb")).unwrap()
}

fn domain(id: &str) -> Domain {
    Domain {
        id: id.into(),
        name: format!("{id}-name"),
        description: String::new(),
        enabled: true,
        tags: vec![],
        options: Default::default(),
        extra: Default::default(),
    }
}

/// Accounts "a" (delegating, role "r1" granted to agency "ops" on it, duration one day)
/// and "b" (trusted, user "u").
fn setup() -> (Store, Agency) {
    let store = temp_store();
    let agency = store
        .write(|w| -> Result<Agency> {
            resource::create_domain(w, &domain("a"))?;
            resource::create_domain(w, &domain("b"))?;
            let user = User {
                id: "u".into(),
                name: "bob".into(),
                domain_id: "b".into(),
                enabled: true,
                password_hash: Some("secret-hash".into()),
                ..User::default()
            };
            identity::create_user(w, &user)?;
            let role = Role {
                id: "r1".into(),
                name: "te_admin".into(),
                domain_id: None,
                description: None,
                options: Default::default(),
                extra: Default::default(),
            };
            assignment::create_role(w, &role)?;
            let body = json!({"name": "ops", "domain_id": "a", "trust_domain_id": "b", "duration": "ONEDAY"});
            let agency = create(w, &body, NOW)?;
            grant(w, &agency.id, GrantOn::Domain, "a", "r1")?;
            Ok(agency)
        })
        .unwrap();
    (store, agency)
}

fn caller(store: &Store, user_id: &str) -> AuthContext {
    let (user, user_domain) = store
        .read(|r| -> Result<_> {
            let u = identity::get_user(r, user_id)?.unwrap();
            let d = resource::get_domain(r, &u.domain_id)?.unwrap();
            Ok((u, d))
        })
        .unwrap();
    AuthContext {
        token: TokenData {
            user_id: user_id.into(),
            methods: vec!["password".into()],
            scope: Scope::Unscoped,
            audit_ids: vec!["x".into()],
            expires_at: NOW + 3600.0,
            issued_at: NOW as i64,
            app_cred_id: None,
            federated: None,
        },
        user,
        user_domain,
        scope: ResolvedScope::Unscoped,
        roles: vec![],
        memo: Memo::default(),
        roles_valid_until: None,
        trust: None,
        app_cred: None,
        assumed_by: None,
    }
}

#[test]
fn a_trusted_user_assumes_the_agency_with_its_domain_grants() {
    let (store, agency) = setup();
    let who = caller(&store, "u");
    let got = store
        .read(|r| assume(r, &who, "ops", None, Some("a-name"), Some(1800), NOW))
        .unwrap();
    assert_eq!(got.user.id, agency.id);
    assert_eq!(got.user.name, "a-name/ops");
    assert_eq!(got.user_domain.id, "a");
    assert_eq!(got.assumed_by.user.id, "u");
    assert_eq!(got.assumed_by.user.password_hash, None);
    assert!(matches!(&got.scope, ResolvedScope::Domain(d) if d.id == "a"));
    assert_eq!(
        got.roles
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["te_admin"]
    );
    assert_eq!(got.expires_at, NOW + 1800.0);
}

#[test]
fn assuming_is_refused_outside_the_rules() {
    let (store, _) = setup();
    let who = caller(&store, "u");
    let status = |got: Result<Assumed>| got.err().map(|e| e.code());
    store
        .read(|r| -> Result<()> {
            // Unknown agency or account: 401; bad duration: 400.
            assert_eq!(
                status(assume(r, &who, "nope", Some("a"), None, None, NOW)),
                Some(401)
            );
            assert_eq!(
                status(assume(r, &who, "ops", Some("zz"), None, None, NOW)),
                Some(401)
            );
            assert_eq!(
                status(assume(r, &who, "ops", Some("a"), None, Some(10), NOW)),
                Some(400)
            );
            // Expired after its day.
            let later = NOW + 2.0 * 86_400.0;
            assert_eq!(
                status(assume(r, &who, "ops", Some("a"), None, None, later)),
                Some(401)
            );
            // An agency token cannot chain.
            let mut chained = who.clone();
            chained.assumed_by = Some(AssumedBy {
                user: who.user.clone(),
                domain: who.user_domain.clone(),
            });
            assert_eq!(
                status(assume(r, &chained, "ops", Some("a"), None, None, NOW)),
                Some(403)
            );
            Ok(())
        })
        .unwrap();
    // A user of another account (the delegating one itself) is not trusted.
    store
        .write(|w| {
            identity::create_user(
                w,
                &User {
                    id: "v".into(),
                    name: "v".into(),
                    domain_id: "a".into(),
                    enabled: true,
                    ..User::default()
                },
            )
        })
        .unwrap();
    let outsider = caller(&store, "v");
    let got = store.read(|r| assume(r, &outsider, "ops", Some("a"), None, None, NOW));
    assert_eq!(status(got), Some(403));
}

#[test]
fn an_agency_token_resolves_as_the_agency_until_its_grant_goes() {
    let (store, agency) = setup();
    let token = TokenData {
        user_id: "u".into(),
        methods: vec!["assume_role".into()],
        scope: Scope::Agency {
            agency_id: agency.id.clone(),
            scope: Box::new(Scope::Domain("a".into())),
        },
        audit_ids: vec!["x".into()],
        expires_at: NOW + 3600.0,
        issued_at: NOW as i64,
        app_cred_id: None,
        federated: None,
    };
    let at = AsOf {
        now: NOW,
        default_ttl_minutes: 0,
    };
    let ctx = store
        .read(|r| crate::auth::resolve(r, token.clone(), at))
        .unwrap();
    assert_eq!(ctx.user.id, agency.id);
    assert_eq!(ctx.role_names(), ["te_admin"]);
    assert_eq!(
        ctx.assumed_by.as_ref().map(|a| a.user.id.as_str()),
        Some("u")
    );
    store
        .write(|w| crate::store::iam::agencies::revoke(w, &agency.id, GrantOn::Domain, "a", "r1"))
        .unwrap();
    assert!(store.read(|r| resolve_token(r, token, at)).is_err());
}
