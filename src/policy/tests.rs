//! Unit tests: upstream's personas against the defaults, override files, the generic check's
//! semantics, scope derivation, cycles.

use super::load::DEFAULTS_YAML;
use super::scope::Scope;
use super::*;
use serde_json::json;

/// Credentials as keystone's `RequestContext.to_policy_values()` builds
/// them (oslo.context keys plus keystone's `token` and `domain_id`).
fn creds(
    user: &str,
    roles: &[&str],
    system: Option<&str>,
    domain: Option<&str>,
    project: Option<(&str, &str)>,
) -> Value {
    let mut token = json!({"user": {"id": user, "domain": {"id": "default"}}});
    if let Some(d) = domain {
        token["domain"] = json!({"id": d});
    }
    if let Some((p, pd)) = project {
        token["project"] = json!({"id": p, "domain": {"id": pd}});
    }
    if system.is_some() {
        token["system"] = json!({"all": true});
    }
    json!({
        "user_id": user, "user_domain_id": "default",
        "system_scope": system, "domain_id": domain,
        "project_id": project.map(|p| p.0), "project_domain_id": project.map(|p| p.1),
        "roles": roles, "is_admin_project": project.is_some(),
        "service_user_id": null, "service_user_domain_id": null,
        "service_project_id": null, "service_project_domain_id": null,
        "service_roles": [], "token": token,
    })
}

const ADMIN: &[&str] = &["admin", "manager", "member", "reader"];

/// Upstream's personas; roles include the implied ones, as keystone
/// expands them into the token.
fn persona(name: &str) -> Value {
    let pa = Some(("p-1", "dom-a"));
    match name {
        "system_admin" => creds("u-sa", ADMIN, Some("all"), None, None),
        "system_member" => creds("u-sm", &["member", "reader"], Some("all"), None, None),
        "system_reader" => creds("u-sr", &["reader"], Some("all"), None, None),
        "domain_admin_a" => creds("u-da", ADMIN, None, Some("dom-a"), None),
        "domain_manager_a" => creds(
            "u-dm",
            &["manager", "member", "reader"],
            None,
            Some("dom-a"),
            None,
        ),
        "domain_reader_a" => creds("u-dr", &["reader"], None, Some("dom-a"), None),
        "domain_admin_b" => creds("u-db", ADMIN, None, Some("dom-b"), None),
        "domain_reader_b" => creds("u-dbr", &["reader"], None, Some("dom-b"), None),
        "project_admin" => creds("u-pa", ADMIN, None, None, pa),
        "project_member" => creds("u-pm", &["member", "reader"], None, None, pa),
        // Capitalised on purpose: role checks are case-insensitive.
        "project_reader" => creds("u-pr", &["Reader"], None, None, pa),
        "unscoped" => creds("u-x", &[], None, None, None),
        other => panic!("no persona {other}"),
    }
}

/// Targets shaped as keystone's enforce_call builds them (nested; the
/// enforcer flattens).
fn target(c: &Value, name: &str) -> Value {
    match name {
        "user_a" => {
            json!({"target": {"user": {"id": "u-1", "domain_id": "dom-a", "name": "one", "enabled": true}}})
        }
        "user_b" => json!({"target": {"user": {"id": "u-2", "domain_id": "dom-b"}}}),
        "self" => json!({"target": {"user": {"id": c["user_id"], "domain_id": "default"}}}),
        "p1_in_a" => json!({"target": {"project": {"id": "p-1", "domain_id": "dom-a"}}}),
        "p9_in_b" => json!({"target": {"project": {"id": "p-9", "domain_id": "dom-b"}}}),
        "in_a" => json!({"target": {"project": {"name": "n", "domain_id": "dom-a"}}}),
        "no_domain" => json!({"target": {"project": {"name": "n"}}}),
        // projects.py/_list_projects: {'domain_id': ctx.domain_id} if domain-scoped.
        "list" if c["domain_id"].is_string() => {
            json!({"target": {"domain_id": c["domain_id"]}})
        }
        "list" | "none" => json!({}),
        "own_token" => {
            json!({"target": {"token": {"user_id": c["user_id"], "user": {"domain": {"id": "default"}}}}})
        }
        "other_token" => {
            json!({"target": {"token": {"user_id": "u-other", "user": {"domain": {"id": "default"}}}}})
        }
        "member_in_a" => json!({"target": {"user": {"id": "u-1", "domain_id": "dom-a"},
            "project": {"id": "p-1", "domain_id": "dom-a"},
            "role": {"id": "r-m", "name": "member", "domain_id": null}}}),
        "admin_in_a" => json!({"target": {"user": {"id": "u-1", "domain_id": "dom-a"},
            "project": {"id": "p-1", "domain_id": "dom-a"},
            "role": {"id": "r-a", "name": "admin", "domain_id": null}}}),
        other => panic!("no target {other}"),
    }
}

/// The columns of the tables below, in order; a space in a table row
/// separates actions.
const CASES: &[(&str, &str)] = &[
    ("identity:get_user", "user_a"),
    ("identity:get_user", "user_b"),
    ("identity:get_user", "self"),
    ("identity:list_projects", "list"),
    ("identity:list_users", "list"),
    ("identity:validate_token", "own_token"),
    ("identity:validate_token", "other_token"),
    ("identity:create_project", "in_a"),
    ("identity:create_project", "no_domain"),
    ("identity:get_project", "p1_in_a"),
    ("identity:get_project", "p9_in_b"),
    ("identity:create_grant", "member_in_a"),
    ("identity:create_grant", "admin_in_a"),
    ("identity:create_domain", "none"),
];

/// Run a table: A = allowed, D = denied by the check string, S = refused
/// on scope (oslo InvalidScope).  Every expected letter below was produced
/// by the real oslo.policy 6.0.1 Enforcer with keystone 30.0.0's
/// registered rules on the same creds and (flattened) targets.
fn run_table(e: &Enforcer, table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (who, row) in table {
        let c = persona(who);
        let want: Vec<char> = row.chars().filter(|ch| !ch.is_whitespace()).collect();
        assert_eq!(want.len(), CASES.len(), "row {who}");
        for ((action, tname), want) in CASES.iter().zip(want) {
            let got = match e.decide(action, &c, &target(&c, tname)).unwrap() {
                Decision::Allow => 'A',
                Decision::Deny => 'D',
                Decision::WrongScope => 'S',
            };
            // The public API folds both refusals into Denied.
            let public = e.enforce(action, &c, &target(&c, tname));
            assert_eq!(public.is_ok(), got == 'A');
            if got != want {
                failures.push(format!("{who} {action} {tname}: want {want} got {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn upstream_defaults_personas() {
    let e = Enforcer::load(None).unwrap();
    run_table(
        &e,
        &[
            ("system_admin", "AAA A A AA AA AA AA A"),
            ("system_member", "AAA A A AA DD AA DD D"),
            ("system_reader", "AAA A A AA DD AA DD D"),
            ("domain_admin_a", "AAA A A AA AA AA AA S"),
            ("domain_manager_a", "ADA A A AD AD AD AD S"),
            ("domain_reader_a", "ADA A A AD DD AD DD S"),
            ("domain_admin_b", "AAA A A AA AA AA AA S"),
            ("domain_reader_b", "DAA A A AD DD DA DD S"),
            ("project_admin", "AAA A A AA AA AA AA A"),
            ("project_member", "DDA D D AD DD AD DD D"),
            ("project_reader", "DDA D D AD DD AD DD D"),
            ("unscoped", "DDA D D AD DD DD DD D"),
        ],
    );
}

fn write_tmp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ksl-policy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const OVERRIDE_YAML: &str = r#"
# A file rule replaces the check string; scope types stay the registered ones.
"identity:get_user": "role:superuser or user_id:%(target.user.id)s"
"identity:list_users": "rule:custom_auditor"
"custom_auditor": "role:auditor or role:ADMIN"
"identity:create_domain": "@"
"identity:get_project": ""
"identity:list_projects":
"identity:create_grant": "rule:does_not_exist"
"identity:validate_token": [["role:reader", "system_scope:all"], "rule:token_subject"]
"identity:create_project": "not role:reader and True:%(target.project.enabled)s"
# Unquoted, as operators usually write them.
identity:list_roles: role:nobody
"#;

#[test]
fn override_file_yaml() {
    let path = write_tmp("policy.yaml", OVERRIDE_YAML);
    let e = Enforcer::load(Some(&path)).unwrap();
    run_table(
        &e,
        &[
            ("system_admin", "DDA A A AA DD AA DD A"),
            ("system_member", "DDA A D AA DD AA DD A"),
            ("system_reader", "DDA A D AA DD AA DD A"),
            ("domain_admin_a", "DDA A A AD DD AA DD S"),
            ("domain_manager_a", "DDA A D AD DD AA DD S"),
            ("domain_reader_a", "DDA A D AD DD AA DD S"),
            ("domain_admin_b", "DDA A A AD DD AA DD S"),
            ("domain_reader_b", "DDA A D AD DD AA DD S"),
            ("project_admin", "DDA A A AD DD AA DD A"),
            ("project_member", "DDA A D AD DD AA DD A"),
            ("project_reader", "DDA A D AD DD AA DD A"),
            ("unscoped", "DDA A D AD DD AA DD A"),
        ],
    );
    assert!(e
        .enforce("identity:list_roles", &persona("system_admin"), &json!({}))
        .is_err());
    // A rule that only the file defines is not an action.
    assert!(matches!(
        e.enforce("custom_auditor", &persona("system_admin"), &json!({})),
        Err(PolicyError::UnknownRule(_))
    ));
    // True:%(..)s compares against str(True).
    let c = persona("system_member");
    let t = json!({"target": {"project": {"enabled": true}}});
    assert!(e.enforce("identity:create_project", &c, &t).is_err()); // has reader
    let c = persona("unscoped");
    assert!(e.enforce("identity:create_project", &c, &t).is_ok());
}

#[test]
fn override_file_json_with_default_rule() {
    // oslo's policy_default_rule ("default") answers for missing rule: refs.
    let path = write_tmp(
        "policy.json",
        r#"{"default": "role:member", "identity:create_grant": "rule:does_not_exist",
           "identity:get_user": "rule:also_missing or role:nobody"}"#,
    );
    let e = Enforcer::load(Some(&path)).unwrap();
    run_table(
        &e,
        &[
            ("system_admin", "AAA A A AA AA AA AA A"),
            ("system_member", "AAA A A AA DD AA AA D"),
            ("system_reader", "DDD A A AA DD AA DD D"),
            ("domain_admin_a", "AAA A A AA AA AA AA S"),
            ("domain_manager_a", "AAA A A AD AD AD AA S"),
            ("domain_reader_a", "DDD A A AD DD AD DD S"),
            ("domain_admin_b", "AAA A A AA AA AA AA S"),
            ("domain_reader_b", "DDD A A AD DD DA DD S"),
            ("project_admin", "AAA A A AA AA AA AA A"),
            ("project_member", "AAA D D AD DD AD AA D"),
            ("project_reader", "DDD D D AD DD AD DD D"),
            ("unscoped", "DDD D D AD DD DD DD D"),
        ],
    );
}

#[test]
fn malformed_override_is_a_load_error_naming_the_rule() {
    for (text, rule) in [
        (
            "\"identity:get_user\": \"role:admin or\"\n",
            "identity:get_user",
        ),
        (
            "\"identity:list_users\": \"admin\"\n",
            "identity:list_users",
        ),
        ("\"x\": 5\n", "x"),
    ] {
        let path = write_tmp("bad.yaml", text);
        match Enforcer::load(Some(&path)) {
            Err(PolicyError::Load(msg)) => assert!(msg.contains(rule), "{msg}"),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("{text:?} loaded"),
        }
    }
    let path = write_tmp("list.yaml", "- a\n- b\n");
    assert!(matches!(
        Enforcer::load(Some(&path)),
        Err(PolicyError::Load(_))
    ));
    let missing = std::env::temp_dir().join("ksl-policy-no-such-file.yaml");
    assert!(matches!(
        Enforcer::load(Some(&missing)),
        Err(PolicyError::Load(_))
    ));
    // An empty file is no overrides at all.
    let path = write_tmp("empty.yaml", "# nothing\n");
    assert!(Enforcer::load(Some(&path)).is_ok());
}

#[test]
fn defaults_are_complete() {
    let e = Enforcer::from_defaults(DEFAULTS_YAML).unwrap();
    let count = DEFAULTS_YAML.lines().filter(|l| l.starts_with('"')).count();
    assert_eq!(e.rules.len(), count);
    assert_eq!(e.rules.len(), 204);
    // Huawei IAM's rules come after upstream's, all registered too.
    let all = Enforcer::load(None).unwrap();
    assert!(all.rules.len() > 204);
    assert!(all.rules.iter().all(|r| r.registered));
    assert!(all.has_rule("iam_account_admin"));
    assert!(e.rules.iter().all(|r| r.registered));
    let get = |n: &str| &e.rules[e.index[n]];
    assert_eq!(
        get("identity:get_user").scope_types,
        ["system", "domain", "project"]
    );
    assert_eq!(
        get("identity:create_domain").scope_types,
        ["system", "project"]
    );
    assert!(get("admin_required").scope_types.is_empty());
    assert_eq!(get("identity:get_region").check, Check::True);
}

#[test]
fn unknown_action() {
    let e = Enforcer::load(None).unwrap();
    match e.enforce("identity:nope", &json!({}), &json!({})) {
        Err(PolicyError::UnknownRule(n)) => assert_eq!(n, "identity:nope"),
        other => panic!("{other:?}"),
    }
}

/// Evaluate an ad-hoc rule string through a one-rule enforcer.
fn eval(rule: &str, creds: Value, target: Value) -> bool {
    let mut e = Enforcer::from_defaults("").unwrap();
    e.insert(
        "t".into(),
        parse::parse_rule(rule).unwrap(),
        Vec::new(),
        true,
    );
    e.insert("yes".into(), Check::True, Vec::new(), false);
    e.enforce("t", &creds, &target).is_ok()
}

/// The credentials and target the generic-check tests evaluate against.
fn generic_fixture() -> (Value, Value) {
    let c = json!({"user_id": "u1", "roles": ["Admin", "reader"], "is_admin_project": true,
        "n": 5, "token": {"domain": {"id": "d1"}}, "groups": [{"id": "g1"}, {"id": "g2"}],
        "system_scope": "all", "s": "str"});
    let t = json!({"target": {"user": {"id": "u1", "domain_id": "d1", "ids": ["a"], "none": null,
        "empty": {}}}, "flat.key": "v"});
    (c, t)
}

#[test]
fn generic_checks_read_the_flattened_target() {
    let (c, t) = generic_fixture();
    assert!(eval("user_id:%(target.user.id)s", c.clone(), t.clone()));
    assert!(!eval(
        "user_id:%(target.user.missing)s",
        c.clone(),
        t.clone()
    ));
    // Only leaves exist after flatten_dict: a sub-dict is not a key.
    assert!(!eval("user_id:%(target.user)s", c.clone(), t.clone()));
    assert!(!eval("user_id:%(target.user.empty)s", c.clone(), t.clone()));
    assert!(eval(
        "token.domain.id:%(target.user.domain_id)s",
        c.clone(),
        t.clone()
    ));
    assert!(!eval(
        "token.project.domain.id:%(target.user.domain_id)s",
        c.clone(),
        t.clone()
    ));
}

#[test]
fn lists_match_any_element_and_roles_ignore_case() {
    let (c, t) = generic_fixture();
    // Lists in creds match any element; nested paths through lists too.
    assert!(eval("roles:reader", c.clone(), t.clone()));
    assert!(eval("groups.id:g2", c.clone(), t.clone()));
    assert!(!eval("groups.id:g3", c.clone(), t.clone()));
    // role: is case-insensitive both ways; generic checks are not.
    assert!(eval("role:ADMIN", c.clone(), t.clone()));
    assert!(eval(
        "role:%(target.user.id)s or role:READER",
        c.clone(),
        t.clone()
    ));
    assert!(!eval("roles:admin", c.clone(), t.clone()));
}

#[test]
fn literals_compare_with_the_rendered_right_side() {
    let (c, t) = generic_fixture();
    // Literals on the left compare with the rendered right side.
    assert!(eval("None:%(target.user.none)s", c.clone(), t.clone()));
    assert!(!eval("None:%(target.user.missing)s", c.clone(), t.clone()));
    assert!(eval(
        "not None:%(target.user.missing)s",
        c.clone(),
        t.clone()
    ));
    assert!(eval("'u1':%(target.user.id)s", c.clone(), t.clone()));
    // `"['a']":...` is not a quoted token (it ends in `s`); its kind is
    // the string literal "['a']", equal to str(['a']).
    assert!(eval("\"['a']\":%(target.user.ids)s", c.clone(), t.clone()));
    assert!(eval(
        "x:%(target.user.ids)s",
        json!({"x": "['a']"}),
        t.clone()
    ));
    assert!(!eval("True:%(target.user.id)s", c.clone(), t.clone()));
    // The right side is text, never a literal: "1.50" != "1.5".
    assert!(!eval("x:1.50", json!({"x": "1.5"}), t.clone()));
    assert!(eval("1e20:1e+20", c.clone(), t.clone()));
}

#[test]
fn precedence_and_scalar_creds() {
    let (c, t) = generic_fixture();
    // Precedence as evaluated: a or (b and c); (not a) and b.
    assert!(!eval(
        "a:1 or b:2 and c:3",
        json!({"a": "0", "b": "2", "c": "0"}),
        t.clone()
    ));
    assert!(eval(
        "not a:1 and b:2",
        json!({"a": "0", "b": "2"}),
        t.clone()
    ));
    assert!(eval("is_admin_project:True", c.clone(), t.clone()));
    assert!(eval("n:5", c.clone(), t.clone()));
    assert!(eval("5:5", c.clone(), t.clone()));
    // system is filled from a truthy system_scope.
    assert!(eval("system:all", c.clone(), t.clone()));
}

#[test]
fn dotted_keys_and_bad_walks_deny() {
    let (c, t) = generic_fixture();
    // A key that is itself dotted in the target.
    assert!(!eval("s:str and v:%(flat.key)s", c.clone(), t.clone()));
    assert!(eval("s:%(flat.key)s", json!({"s": "v"}), t.clone()));
    // Walking into a string or a missing key denies, never panics.
    assert!(!eval("s.x:1", c.clone(), t.clone()));
    assert!(!eval("user_id.x:1", json!({"user_id": null}), t.clone()));
    assert!(!eval("is_admin:1", c.clone(), t.clone()));
    // Non-object creds/targets deny.
    assert!(!eval("user_id:%(x)s", json!([]), json!("x")));
    assert!(!eval("role:admin", json!({"roles": "admin"}), json!({})));
}

#[test]
fn rule_remote_and_constant_checks() {
    let (c, t) = generic_fixture();
    // rule: to a missing rule is false; to an existing one is followed.
    assert!(!eval("rule:missing", c.clone(), t.clone()));
    assert!(eval("rule:yes", c.clone(), t.clone()));
    assert!(eval("not rule:missing", c.clone(), t.clone()));
    // Remote checks never pass here.
    assert!(!eval("http://example.invalid/check", c.clone(), t.clone()));
    assert!(eval("@", json!(null), json!(null)));
    assert!(eval("", json!(null), json!(null)));
    assert!(!eval("!", c.clone(), t.clone()));
}

#[test]
fn scope_derivation() {
    let e = Enforcer::load(None).unwrap();
    let scope = |c: Value| Ctx::new(&c, &Value::Null).token_scope();
    assert_eq!(
        scope(json!({"system_scope": "all", "domain_id": "d"})),
        Scope::System
    );
    assert_eq!(scope(json!({"system": "all"})), Scope::System);
    assert_eq!(
        scope(json!({"system_scope": "", "domain_id": "d"})),
        Scope::Domain
    );
    assert_eq!(
        scope(json!({"domain_id": "", "project_id": "p"})),
        Scope::Project
    );
    assert_eq!(scope(json!({})), Scope::Project);
    // create_domain is [system, project]: a domain token is refused on
    // scope even when the override allows everyone.
    let c = persona("domain_admin_a");
    assert_eq!(
        e.decide("identity:create_domain", &c, &json!({})).unwrap(),
        Decision::WrongScope
    );
}

#[test]
fn cyclic_rules_deny_instead_of_overflowing() {
    let path = write_tmp(
        "cycle.yaml",
        "\"a\": \"rule:b\"\n\"b\": \"rule:a\"\n\"identity:get_user\": \"rule:a or role:x\"\n",
    );
    let e = Enforcer::load(Some(&path)).unwrap();
    let c = json!({"roles": ["x"]});
    assert!(e.enforce("identity:get_user", &c, &json!({})).is_ok());
    assert!(e
        .enforce("identity:get_user", &json!({"roles": []}), &json!({}))
        .is_err());
}

#[test]
fn enforcer_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Enforcer>();
}

#[test]
fn huawei_account_rules_never_match_a_target_without_an_account() {
    let e = Enforcer::load(None).unwrap();
    let domain_admin = json!({"roles": ["te_admin"], "user_id": "u", "domain_id": "d1",
        "project_domain_id": null, "system_scope": null});
    let project_admin = json!({"roles": ["te_admin"], "user_id": "u", "domain_id": null,
        "project_id": "p", "project_domain_id": "d1", "system_scope": null});
    for creds in [&domain_admin, &project_admin] {
        assert!(e
            .enforce(
                "iam_account_admin",
                creds,
                &json!({"target": {"domain_id": "d1"}})
            )
            .is_ok());
        for target in [
            json!({"target": {"domain_id": null}}),
            json!({"target": {}}),
            json!({"target": {"domain_id": "d2"}}),
        ] {
            assert!(
                e.enforce("iam_account_admin", creds, &target).is_err(),
                "{creds} {target}"
            );
        }
    }
}

#[test]
fn huawei_account_admins_may_not_grant_keystones_admin_role() {
    let e = Enforcer::load(None).unwrap();
    let te_admin = json!({"roles": ["te_admin"], "user_id": "u", "domain_id": "d1",
        "project_domain_id": null, "system_scope": null});
    let target = |role: &str| {
        json!({"target": {"user": {"domain_id": "d1"},
        "project": {"domain_id": "d1"}, "role": {"name": role}}})
    };
    assert!(e
        .enforce("identity:create_grant", &te_admin, &target("readonly"))
        .is_ok());
    assert!(e
        .enforce("identity:create_grant", &te_admin, &target("admin"))
        .is_err());
    assert!(e
        .enforce("identity:create_grant", &te_admin, &target("service"))
        .is_err());
}
