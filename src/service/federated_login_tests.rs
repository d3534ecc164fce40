//! Federated logins against a real store: shadow users, mapped groups, expiring
//! memberships, project provisioning and upstream's refusals.

use serde_json::{json, Value};

use super::*;
use crate::app::testing::{self, TestApp};
use crate::config::Config;
use crate::model::{Group, Mapping};
use crate::store::assignment::{find_role_by_name, list_for_actor};

const T: f64 = 1_800_000_000.0;
const SEED: &str = "
roles:
  - name: member
  - name: reader
users:
  - name: alice
    password: secret-one
";

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An app with IdP `idp` (remote id `https://issuer`, domain `default`), protocol
/// `openid` reading `OIDC-iss`, mapping `m` with `rules`, and group `devs` in `default`.
fn setup(rules: Value, schema_version: &str, config: Config) -> TestApp {
    let app = testing::app(config, SEED, T);
    app.store
        .write(|w| -> Result<()> {
            federation::put_idp(
                w,
                &IdentityProvider {
                    id: "idp".into(),
                    enabled: true,
                    description: None,
                    domain_id: "default".into(),
                    authorization_ttl: Some(60),
                    remote_ids: vec!["https://issuer".into()],
                },
            )?;
            federation::put_mapping(
                w,
                &Mapping {
                    id: "m".into(),
                    rules: rules.clone(),
                    schema_version: schema_version.into(),
                },
            )?;
            federation::put_protocol(
                w,
                &FederationProtocol {
                    id: "openid".into(),
                    idp_id: "idp".into(),
                    mapping_id: "m".into(),
                    remote_id_attribute: Some("OIDC-iss".into()),
                },
            )?;
            identity::create_group(
                w,
                &Group {
                    id: "g-devs".into(),
                    name: "devs".into(),
                    domain_id: "default".into(),
                    description: String::new(),
                    extra: Default::default(),
                },
            )?;
            Ok(())
        })
        .unwrap();
    app
}

fn user_and_groups_rules() -> Value {
    json!([{
        "local": [
            {"user": {"name": "{0}", "id": "{1}"}},
            {"groups": "{2}", "domain": {"id": "default"}}
        ],
        "remote": [
            {"type": "OIDC-preferred_username"},
            {"type": "OIDC-sub"},
            {"type": "OIDC-groups"}
        ]
    }])
}

fn assertion(name: &str, groups: &str) -> Vec<(String, String)> {
    env(&[
        ("OIDC-iss", "https://issuer"),
        ("OIDC-sub", "sub-1"),
        ("OIDC-preferred_username", name),
        ("OIDC-groups", groups),
        ("REMOTE_USER", "sub-1"),
    ])
}

#[test]
fn first_login_shadows_the_user_and_the_second_reuses_it() {
    let app = setup(user_and_groups_rules(), "1.0", Config::default());
    let first = login(
        &app,
        "idp",
        "openid",
        "openid",
        &assertion("bob", "devs;nope"),
        T,
    )
    .unwrap();
    let fed = first.token.federated.clone().unwrap();
    assert_eq!(fed.group_ids, ["g-devs"], "unknown groups are skipped");
    assert_eq!(
        (fed.idp_id.as_str(), fed.protocol_id.as_str()),
        ("idp", "openid")
    );
    assert_eq!(first.token.methods, ["openid"]);
    assert_eq!(first.token.scope, Scope::Unscoped);
    // Upstream's sha256 public id over (domain_id, "user", unique_id).
    assert_eq!(first.token.user_id, public_user_id("default", "sub-1"));
    let user = app
        .store
        .read(|r| identity::require_user(r, &first.token.user_id))
        .unwrap();
    assert_eq!(
        (user.name.as_str(), user.domain_id.as_str()),
        ("bob", "default")
    );

    let second = login(
        &app,
        "idp",
        "openid",
        "openid",
        &assertion("bobby", "devs"),
        T + 60.0,
    )
    .unwrap();
    assert_eq!(second.token.user_id, first.token.user_id);
    let (user, ident, memberships) = app
        .store
        .read(|r| -> Result<_> {
            Ok((
                identity::require_user(r, &first.token.user_id)?,
                shadow::find_identity(r, "idp", "openid", "sub-1")?,
                shadow::expiring_of_user(r, &first.token.user_id)?,
            ))
        })
        .unwrap();
    assert_eq!(user.name, "bobby");
    assert_eq!(ident.unwrap().display_name.as_deref(), Some("bobby"));
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].last_verified, (T + 60.0) as i64);

    // The IdP stops sending the group: the mapped membership goes.
    let third = login(
        &app,
        "idp",
        "openid",
        "openid",
        &assertion("bobby", "other"),
        T + 120.0,
    )
    .unwrap();
    assert!(third.token.federated.unwrap().group_ids.is_empty());
    let left = app
        .store
        .read(|r| shadow::expiring_of_user(r, &first.token.user_id))
        .unwrap();
    assert!(left.is_empty());
}

#[test]
fn refusals_are_upstreams() {
    let app = setup(user_and_groups_rules(), "1.0", Config::default());
    let status = |idp: &str, pairs: Vec<(String, String)>| {
        login(&app, idp, "openid", "openid", &pairs, T)
            .err()
            .map(|e| e.code())
    };
    assert_eq!(status("nope", assertion("bob", "devs")), Some(404));
    // Remote id not among the IdP's: 403; missing: a validation error, so 401.
    let mut foreign = assertion("bob", "devs");
    foreign[0].1 = "https://elsewhere".into();
    assert_eq!(status("idp", foreign), Some(403));
    assert_eq!(
        status("idp", assertion("bob", "devs")[1..].to_vec()),
        Some(401)
    );
    // Nothing mapped: 401.
    assert_eq!(
        status("idp", env(&[("OIDC-iss", "https://issuer")])),
        Some(401)
    );
    app.store
        .write(|w| -> Result<()> {
            let mut idp = federation::require_idp(w, "idp")?;
            idp.enabled = false;
            federation::put_idp(w, &idp)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(status("idp", assertion("bob", "devs")), Some(403));
}

#[test]
fn the_assertion_prefix_filters_what_the_mapping_sees() {
    let mut config = Config::default();
    config.federation.assertion_prefix = "OIDC-".into();
    let app = setup(user_and_groups_rules(), "1.0", config);
    assert!(login(
        &app,
        "idp",
        "openid",
        "openid",
        &assertion("bob", "devs"),
        T
    )
    .is_ok());
    // REMOTE_USER lies outside the prefix yet still names a user without a mapped name.
    let rules = json!([{"local": [{"user": {"domain": {"id": "default"}}}],
                        "remote": [{"type": "OIDC-sub"}]}]);
    app.store
        .write(|w| -> Result<()> {
            let mut m = federation::require_mapping(w, "m")?;
            m.rules = rules.clone();
            federation::put_mapping(w, &m)?;
            Ok(())
        })
        .unwrap();
    let l = login(
        &app,
        "idp",
        "openid",
        "openid",
        &assertion("bob", "devs"),
        T,
    )
    .unwrap();
    assert_eq!(l.token.user_id, public_user_id("default", "sub-1"));
}

#[test]
fn local_users_are_looked_up_not_shadowed() {
    let rules = json!([{"local": [{"user": {"name": "{0}", "domain": {"id": "default"},
                                           "type": "local"}}],
                        "remote": [{"type": "OIDC-preferred_username"}]}]);
    let app = setup(rules, "1.0", Config::default());
    let l = login(&app, "idp", "openid", "openid", &assertion("alice", ""), T).unwrap();
    let alice = app
        .store
        .read(|r| identity::find_user_by_name(r, "default", "alice"))
        .unwrap()
        .unwrap();
    assert_eq!(l.token.user_id, alice.id);
    assert!(l.token.federated.is_none());
    assert_eq!(
        login(&app, "idp", "openid", "openid", &assertion("carol", ""), T)
            .err()
            .map(|e| e.code()),
        Some(401)
    );
}

fn projects_rules() -> Value {
    json!([{
        "local": [
            {"user": {"name": "{0}"}},
            {"projects": [{"name": "proj-{1}", "roles": [{"name": "member"}]}]}
        ],
        "remote": [{"type": "OIDC-preferred_username"}, {"type": "OIDC-team"}]
    }])
}

fn project_grants(app: &TestApp, user_id: &str) -> Vec<(String, String)> {
    app.store
        .read(|r| -> Result<_> {
            let mut out = Vec::new();
            for a in list_for_actor(r, ActorKind::User, user_id)? {
                if let Target::Project(p) = a.target {
                    let project = resource::get_project(r, &p)?.unwrap();
                    let role = assignment::get_role(r, &a.role_id)?.unwrap();
                    out.push((project.name, role.name));
                }
            }
            out.sort();
            Ok(out)
        })
        .unwrap()
}

#[test]
fn projects_are_provisioned_and_v3_removes_what_the_idp_no_longer_sends() {
    for (version, kept_after_change) in [("2.0", true), ("3.0", false)] {
        let app = setup(projects_rules(), version, Config::default());
        let pairs = |team: &str| {
            env(&[
                ("OIDC-iss", "https://issuer"),
                ("OIDC-preferred_username", "bob"),
                ("OIDC-team", team),
            ])
        };
        let l = login(&app, "idp", "openid", "openid", &pairs("a"), T).unwrap();
        let user = l.token.user_id;
        assert_eq!(
            project_grants(&app, &user),
            [("proj-a".into(), "member".into())]
        );
        login(&app, "idp", "openid", "openid", &pairs("b"), T).unwrap();
        let grants = project_grants(&app, &user);
        assert!(
            grants.contains(&("proj-b".into(), "member".into())),
            "{version}"
        );
        assert_eq!(
            grants.contains(&("proj-a".into(), "member".into())),
            kept_after_change,
            "{version}"
        );
    }
    // A role the mapping names must exist: 404, before anything is created.
    let rules = json!([{"local": [{"user": {"name": "{0}"}},
                                   {"projects": [{"name": "x", "roles": [{"name": "ghost"}]}]}],
                        "remote": [{"type": "OIDC-preferred_username"}]}]);
    let app = setup(rules, "2.0", Config::default());
    let pairs = env(&[
        ("OIDC-iss", "https://issuer"),
        ("OIDC-preferred_username", "bob"),
    ]);
    let err = login(&app, "idp", "openid", "openid", &pairs, T)
        .err()
        .unwrap();
    assert_eq!(err.code(), 404);
    let role = app
        .store
        .read(|r| find_role_by_name(r, None, "member"))
        .unwrap();
    assert!(role.is_some());
}
