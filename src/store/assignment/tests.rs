//! Unit tests: effective roles, implied roles, list_role_assignments' rows.

use super::*;
use crate::model::{ActorKind, Assignment, Domain, Group, Project, Role, Target, User};
use crate::store::{identity, resource, Store};

fn project(id: &str, parent: &str) -> Project {
    Project {
        id: id.into(),
        name: id.into(),
        domain_id: "d".into(),
        description: String::new(),
        enabled: true,
        parent_id: Some(parent.into()),
        tags: vec![],
        options: Default::default(),
        extra: Default::default(),
    }
}

fn role(id: &str, domain: Option<&str>) -> Role {
    Role {
        id: id.into(),
        name: id.into(),
        domain_id: domain.map(str::to_string),
        description: None,
        options: Default::default(),
        extra: Default::default(),
    }
}

fn grant_of(
    kind: ActorKind,
    actor: &str,
    target: Target,
    role: &str,
    inherited: bool,
) -> Assignment {
    Assignment {
        actor_kind: kind,
        actor_id: actor.into(),
        target,
        role_id: role.into(),
        inherited,
    }
}

/// Domain d > project p > project c; user u in group g; r1 implies r2; dr (domain role)
/// implies r1. Grants: g inherits r2 from d; u has dr on p.
fn store() -> (Store, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "ksl-assignment-test-{}-{}.redb",
        std::process::id(),
        crate::model::new_id()
    ));
    let store = Store::open(&path).expect("open");
    store
        .write(|w| {
            resource::create_domain(
                w,
                &Domain {
                    id: "d".into(),
                    name: "d".into(),
                    description: String::new(),
                    enabled: true,
                    tags: vec![],
                    options: Default::default(),
                    extra: Default::default(),
                },
            )?;
            resource::create_project(w, &project("p", "d"))?;
            resource::create_project(w, &project("c", "p"))?;
            identity::create_user(
                w,
                &User {
                    id: "u".into(),
                    name: "u".into(),
                    domain_id: "d".into(),
                    enabled: true,
                    password_hash: None,
                    default_project_id: None,
                    password_expires_at: None,
                    options: Default::default(),
                    extra: Default::default(),
                    password_created_at: 0,
                    ..Default::default()
                },
            )?;
            identity::create_group(
                w,
                &Group {
                    id: "g".into(),
                    name: "g".into(),
                    domain_id: "d".into(),
                    description: String::new(),
                    extra: Default::default(),
                },
            )?;
            identity::add_member(w, "g", "u")?;
            for r in [role("r1", None), role("r2", None), role("dr", Some("d"))] {
                create_role(w, &r)?;
            }
            add_implied(w, "r1", "r2")?;
            add_implied(w, "dr", "r1")?;
            grant(
                w,
                &grant_of(
                    ActorKind::Group,
                    "g",
                    Target::Domain("d".into()),
                    "r2",
                    true,
                ),
            )?;
            grant(
                w,
                &grant_of(
                    ActorKind::User,
                    "u",
                    Target::Project("p".into()),
                    "dr",
                    false,
                ),
            )
        })
        .expect("seed");
    (store, path)
}

/// No mapped memberships here: any time will do.
const AT: crate::store::shadow::AsOf = crate::store::shadow::AsOf {
    now: 0.0,
    default_ttl_minutes: 0,
};

#[test]
fn effective_rows_expand_groups_inheritance_and_implied_roles() {
    let (store, path) = store();
    let rows = store
        .read(|r| {
            list_role_assignments(
                r,
                &AssignmentQuery {
                    user_id: Some("u".into()),
                    project_id: Some("c".into()),
                    effective: true,
                    ..Default::default()
                },
                AT,
            )
        })
        .expect("list");
    // Only the inherited r2, through g from d; dr on p does not reach c.
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].role_id, "r2");
    assert_eq!(rows[0].target, Target::Project("c".into()));
    assert_eq!(rows[0].indirect.group_id.as_deref(), Some("g"));
    assert_eq!(rows[0].indirect.domain_id.as_deref(), Some("d"));

    let rows = store
        .read(|r| {
            list_role_assignments(
                r,
                &AssignmentQuery {
                    project_id: Some("p".into()),
                    effective: true,
                    ..Default::default()
                },
                AT,
            )
        })
        .expect("list");
    let mut roles: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|a| (a.role_id.as_str(), a.indirect.role_id.as_deref()))
        .collect();
    roles.sort();
    // dr itself is stripped; r1 (implied by dr), r2 (implied by r1) and the inherited r2.
    assert_eq!(
        roles,
        vec![("r1", Some("dr")), ("r2", None), ("r2", Some("r1"))]
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn token_roles_follow_grants_and_memberships() {
    let (store, path) = store();
    let names = |store: &Store, target: &Target| -> Vec<String> {
        let mut v: Vec<String> = store
            .read(|r| token_roles(r, "u", target, AT))
            .expect("roles")
            .into_iter()
            .map(|r| r.id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&store, &Target::Project("p".into())), ["r1", "r2"]);
    assert_eq!(names(&store, &Target::Project("c".into())), ["r2"]);
    store
        .write(|w| identity::remove_member(w, "g", "u").map(|_| ()))
        .expect("remove");
    assert!(names(&store, &Target::Project("c".into())).is_empty());
    let _ = std::fs::remove_file(path);
}
