//! Upstream's personas: admin, member and reader tokens scoped to the system, a domain (`dA`)
//! and a project (`pA` in `dA`), each sending list/get/create/update/delete for every resource.
//! The `upstream` column of every row is what upstream Keystone 30 (bootstrapped as
//! `keystone-manage bootstrap` does, default policy) answered to the same request with the
//! same fixture; order of the columns: system admin/member/reader, domain admin/member/reader,
//! project admin/member/reader. (Keystone's project-scoped `admin` is admin everywhere: its
//! default rules still accept `role:admin` from any scope.)

use serde_json::{json, Value};

use crate::common::*;

const PERSONAS: [&str; 9] = [
    "system_admin",
    "system_member",
    "system_reader",
    "domain_admin",
    "domain_member",
    "domain_reader",
    "project_admin",
    "project_member",
    "project_reader",
];

struct Case {
    label: &'static str,
    method: &'static str,
    /// `{dA}`, `{pA}`, ... name fixture ids; `{new}` the object `fresh` created.
    path: &'static str,
    /// JSON; `{p}` is the persona's name.
    body: Option<&'static str>,
    /// (collection, body): created by the system admin right before the request.
    fresh: Option<(&'static str, &'static str)>,
    upstream: [u16; 9],
}

const CASES: &[Case] = &[
    Case {
        label: "domain list",
        method: "GET",
        path: "/v3/domains",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "domain get",
        method: "GET",
        path: "/v3/domains/{dA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    },
    Case {
        label: "domain create",
        method: "POST",
        path: "/v3/domains",
        body: Some(r#"{"domain": {"name": "nd-{p}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 403, 403, 403, 201, 403, 403],
    },
    Case {
        label: "domain update",
        method: "PATCH",
        path: "/v3/domains/{dA}",
        body: Some(r#"{"domain": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "domain delete",
        method: "DELETE",
        path: "/v3/domains/{new}",
        body: None,
        fresh: Some((
            "domains",
            r#"{"domain": {"name": "dd-{p}", "enabled": false}}"#,
        )),
        upstream: [204, 403, 403, 403, 403, 403, 204, 403, 403],
    },
    Case {
        label: "project list",
        method: "GET",
        path: "/v3/projects",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "project get",
        method: "GET",
        path: "/v3/projects/{pA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    },
    Case {
        label: "project get other",
        method: "GET",
        path: "/v3/projects/{pB}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "project create",
        method: "POST",
        path: "/v3/projects",
        body: Some(r#"{"project": {"name": "np-{p}", "domain_id": "{dA}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 201, 403, 403, 201, 403, 403],
    },
    Case {
        label: "project update",
        method: "PATCH",
        path: "/v3/projects/{pA}",
        body: Some(r#"{"project": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 200, 403, 403, 200, 403, 403],
    },
    Case {
        label: "project delete",
        method: "DELETE",
        path: "/v3/projects/{new}",
        body: None,
        fresh: Some((
            "projects",
            r#"{"project": {"name": "dp-{p}", "domain_id": "{dA}"}}"#,
        )),
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "user list",
        method: "GET",
        path: "/v3/users",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "user get",
        method: "GET",
        path: "/v3/users/{uA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "user create",
        method: "POST",
        path: "/v3/users",
        body: Some(r#"{"user": {"name": "nu-{p}", "domain_id": "{dA}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 201, 403, 403, 201, 403, 403],
    },
    Case {
        label: "user update",
        method: "PATCH",
        path: "/v3/users/{uA}",
        body: Some(r#"{"user": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 200, 403, 403, 200, 403, 403],
    },
    Case {
        label: "user delete",
        method: "DELETE",
        path: "/v3/users/{new}",
        body: None,
        fresh: Some((
            "users",
            r#"{"user": {"name": "du-{p}", "domain_id": "{dA}"}}"#,
        )),
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "group list",
        method: "GET",
        path: "/v3/groups",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "group get",
        method: "GET",
        path: "/v3/groups/{gA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "group create",
        method: "POST",
        path: "/v3/groups",
        body: Some(r#"{"group": {"name": "ng-{p}", "domain_id": "{dA}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 201, 403, 403, 201, 403, 403],
    },
    Case {
        label: "group update",
        method: "PATCH",
        path: "/v3/groups/{gA}",
        body: Some(r#"{"group": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 200, 403, 403, 200, 403, 403],
    },
    Case {
        label: "group delete",
        method: "DELETE",
        path: "/v3/groups/{new}",
        body: None,
        fresh: Some((
            "groups",
            r#"{"group": {"name": "dg-{p}", "domain_id": "{dA}"}}"#,
        )),
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "group add user",
        method: "PUT",
        path: "/v3/groups/{gA}/users/{uA}",
        body: None,
        fresh: None,
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "group list users",
        method: "GET",
        path: "/v3/groups/{gA}/users",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "role list",
        method: "GET",
        path: "/v3/roles",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 403, 403, 200, 403, 403],
    },
    Case {
        label: "role get",
        method: "GET",
        path: "/v3/roles/{rA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 403, 403, 200, 403, 403],
    },
    Case {
        label: "role create",
        method: "POST",
        path: "/v3/roles",
        body: Some(r#"{"role": {"name": "nr-{p}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 403, 403, 403, 201, 403, 403],
    },
    Case {
        label: "role update",
        method: "PATCH",
        path: "/v3/roles/{rA}",
        body: Some(r#"{"role": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "role delete",
        method: "DELETE",
        path: "/v3/roles/{new}",
        body: None,
        fresh: Some(("roles", r#"{"role": {"name": "dr-{p}"}}"#)),
        upstream: [204, 403, 403, 403, 403, 403, 204, 403, 403],
    },
    Case {
        label: "region list",
        method: "GET",
        path: "/v3/regions",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    },
    Case {
        label: "region get",
        method: "GET",
        path: "/v3/regions/regA",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    },
    Case {
        label: "region create",
        method: "POST",
        path: "/v3/regions",
        body: Some(r#"{"region": {"id": "nreg-{p}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 403, 403, 403, 201, 403, 403],
    },
    Case {
        label: "region update",
        method: "PATCH",
        path: "/v3/regions/regA",
        body: Some(r#"{"region": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "region delete",
        method: "DELETE",
        path: "/v3/regions/{new}",
        body: None,
        fresh: Some(("regions", r#"{"region": {"id": "dreg-{p}"}}"#)),
        upstream: [204, 403, 403, 403, 403, 403, 204, 403, 403],
    },
    Case {
        label: "service list",
        method: "GET",
        path: "/v3/services",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "service get",
        method: "GET",
        path: "/v3/services/{svc}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "service create",
        method: "POST",
        path: "/v3/services",
        body: Some(r#"{"service": {"type": "nsvc-{p}"}}"#),
        fresh: None,
        upstream: [201, 403, 403, 403, 403, 403, 201, 403, 403],
    },
    Case {
        label: "service update",
        method: "PATCH",
        path: "/v3/services/{svc}",
        body: Some(r#"{"service": {"description": "{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "service delete",
        method: "DELETE",
        path: "/v3/services/{new}",
        body: None,
        fresh: Some(("services", r#"{"service": {"type": "dsvc-{p}"}}"#)),
        upstream: [204, 403, 403, 403, 403, 403, 204, 403, 403],
    },
    Case {
        label: "endpoint list",
        method: "GET",
        path: "/v3/endpoints",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "endpoint get",
        method: "GET",
        path: "/v3/endpoints/{ep}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "endpoint create",
        method: "POST",
        path: "/v3/endpoints",
        body: Some(
            r#"{"endpoint": {"service_id": "{svc}", "interface": "admin", "url": "http://n.example/{p}"}}"#,
        ),
        fresh: None,
        upstream: [201, 403, 403, 403, 403, 403, 201, 403, 403],
    },
    Case {
        label: "endpoint update",
        method: "PATCH",
        path: "/v3/endpoints/{ep}",
        body: Some(r#"{"endpoint": {"url": "http://u.example/{p}"}}"#),
        fresh: None,
        upstream: [200, 403, 403, 403, 403, 403, 200, 403, 403],
    },
    Case {
        label: "endpoint delete",
        method: "DELETE",
        path: "/v3/endpoints/{new}",
        body: None,
        fresh: Some((
            "endpoints",
            r#"{"endpoint": {"service_id": "{svc}", "interface": "internal", "url": "http://d.example"}}"#,
        )),
        upstream: [204, 403, 403, 403, 403, 403, 204, 403, 403],
    },
    Case {
        label: "role assignment list",
        method: "GET",
        path: "/v3/role_assignments",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "role assignment list project",
        method: "GET",
        path: "/v3/role_assignments?scope.project.id={pA}",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
    Case {
        label: "grant project user",
        method: "PUT",
        path: "/v3/projects/{pA}/users/{uA}/roles/{member}",
        body: None,
        fresh: None,
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "grant domain user",
        method: "PUT",
        path: "/v3/domains/{dA}/users/{uA}/roles/{reader}",
        body: None,
        fresh: None,
        upstream: [204, 403, 403, 204, 403, 403, 204, 403, 403],
    },
    Case {
        label: "list user projects",
        method: "GET",
        path: "/v3/users/{uA}/projects",
        body: None,
        fresh: None,
        upstream: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    },
];

struct Fixture {
    ids: Vec<(&'static str, String)>,
    tokens: Vec<String>,
}

impl Fixture {
    fn fill(&self, text: &str, persona: &str) -> String {
        let mut out = text.replace("{p}", persona);
        for (k, v) in &self.ids {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

fn create(s: &TestServer, token: &str, collection: &str, body: Value) -> String {
    let r = s.post(&format!("/v3/{collection}"), Some(token), &body);
    assert!(
        r.status == 201,
        "create {collection} {body}: {} {}",
        r.status,
        r.text()
    );
    let key = collection.trim_end_matches('s');
    r.json()[key]["id"].as_str().expect("id").to_string()
}

/// Upstream's bootstrap: the demo seed without its demo user and project, so that list
/// contents compare with upstream's exactly.
fn bootstrap_seed() -> String {
    let mut seed = demo_seed();
    let obj = seed.as_object_mut().expect("mapping");
    for (section, drop) in [("projects", "demo"), ("users", "demo")] {
        if let Some(list) = obj.get_mut(section).and_then(Value::as_array_mut) {
            list.retain(|item| item["name"] != drop);
        }
    }
    if let Some(list) = obj.get_mut("assignments").and_then(Value::as_array_mut) {
        list.retain(|item| item["user"] != "demo");
    }
    seed_text(&seed)
}

fn setup(s: &TestServer) -> Fixture {
    let sys = s.system_admin_token();
    let mut ids: Vec<(&'static str, String)> = Vec::new();
    for role in ["admin", "member", "reader"] {
        ids.push((role, s.id_by_name(&sys, "roles", role)));
    }
    let d_a = create(s, &sys, "domains", json!({"domain": {"name": "dA"}}));
    let p_a = create(
        s,
        &sys,
        "projects",
        json!({"project": {"name": "pA", "domain_id": d_a}}),
    );
    let p_b = create(
        s,
        &sys,
        "projects",
        json!({"project": {"name": "pB", "domain_id": d_a}}),
    );
    let u_a = create(
        s,
        &sys,
        "users",
        json!({"user": {"name": "uA", "domain_id": d_a}}),
    );
    let g_a = create(
        s,
        &sys,
        "groups",
        json!({"group": {"name": "gA", "domain_id": d_a}}),
    );
    let r_a = create(s, &sys, "roles", json!({"role": {"name": "rA"}}));
    let svc = create(
        s,
        &sys,
        "services",
        json!({"service": {"type": "svcA", "name": "svcA"}}),
    );
    s.post(
        "/v3/regions",
        Some(&sys),
        &json!({"region": {"id": "regA"}}),
    )
    .expect(201);
    let ep = create(
        s,
        &sys,
        "endpoints",
        json!({"endpoint": {"service_id": svc, "interface": "public",
                            "url": "http://a.example", "region_id": "regA"}}),
    );
    let role_id = |name: &str| ids.iter().find(|(k, _)| *k == name).unwrap().1.clone();
    let mut tokens = Vec::new();
    for persona in PERSONAS {
        let (scope, level) = persona.split_once('_').unwrap();
        let name = format!("{}{level}", &scope[..3].replace("pro", "prj"));
        let password = format!("pw-{name}");
        let domain = if scope == "system" { "default" } else { &d_a };
        let user = create(
            s,
            &sys,
            "users",
            json!({"user": {"name": name, "password": password, "domain_id": domain}}),
        );
        let (grant, scope_body) = match scope {
            "system" => (format!("/v3/system/users/{user}"), system_scope()),
            "domain" => (
                format!("/v3/domains/{d_a}/users/{user}"),
                json!({"domain": {"id": d_a}}),
            ),
            _ => (
                format!("/v3/projects/{p_a}/users/{user}"),
                project_scope_by_id(&p_a),
            ),
        };
        s.put(&format!("{grant}/roles/{}", role_id(level)), Some(&sys))
            .expect(204);
        tokens.push(s.token(user_by_id(&user), &password, Some(scope_body)));
    }
    ids.extend([
        ("dA", d_a),
        ("pA", p_a),
        ("pB", p_b),
        ("uA", u_a),
        ("gA", g_a),
        ("rA", r_a),
        ("svc", svc),
        ("ep", ep),
        ("sys", sys),
    ]);
    Fixture { ids, tokens }
}

#[test]
fn every_persona_gets_upstreams_status_for_every_resource_operation() {
    let s = TestServer::start(&bootstrap_seed());
    let f = setup(&s);
    let sys = f.ids.iter().find(|(k, _)| *k == "sys").unwrap().1.clone();
    let mut mismatches = Vec::new();
    for case in CASES {
        for (i, persona) in PERSONAS.iter().enumerate() {
            let mut path = f.fill(case.path, persona);
            if let Some((collection, body)) = case.fresh {
                let body: Value = serde_json::from_str(&f.fill(body, persona)).unwrap();
                let id = create(&s, &sys, collection, body);
                path = path.replace("{new}", &id);
            }
            let token = Some(f.tokens[i].as_str());
            let r = match case.body {
                Some(body) => {
                    let body: Value = serde_json::from_str(&f.fill(body, persona)).unwrap();
                    s.send_json(case.method, &path, token, &body)
                }
                None => s.request(
                    case.method,
                    &path,
                    &[("X-Auth-Token", f.tokens[i].as_str())],
                    None,
                ),
            };
            if r.status != case.upstream[i] {
                mismatches.push(format!(
                    "{} as {persona}: upstream {}, got {} {}",
                    case.label,
                    case.upstream[i],
                    r.status,
                    r.text()
                ));
            } else if r.status == 403 {
                // Upstream names the rule it refused on.
                let message = assert_error(&r, 403);
                assert!(
                    message.starts_with(
                        "You are not authorized to perform the requested action: identity:"
                    ),
                    "{}: {message}",
                    case.label
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// What each persona's lists contain: a domain-scoped token sees its domain's objects only, the
/// system and the project admin see all (names as upstream listed them for this fixture).
#[test]
fn lists_contain_what_upstream_shows_each_persona() {
    let s = TestServer::start(&bootstrap_seed());
    let f = setup(&s);
    let domain_users = [
        "domadmin",
        "dommember",
        "domreader",
        "prjadmin",
        "prjmember",
        "prjreader",
        "uA",
    ];
    let all_users = [
        &["admin", "sysadmin", "sysmember", "sysreader"][..],
        &domain_users[..],
    ]
    .concat();
    let expect: &[(&str, &str, &[&str], &[&str])] = &[
        ("/v3/domains", "domains", &["dA"], &["Default", "dA"]),
        (
            "/v3/projects",
            "projects",
            &["pA", "pB"],
            &["admin", "pA", "pB"],
        ),
        ("/v3/users", "users", &domain_users, &all_users),
        ("/v3/groups", "groups", &["gA"], &["gA"]),
    ];
    for (path, key, in_domain, everything) in expect {
        for (i, persona) in PERSONAS.iter().enumerate() {
            if persona.starts_with("project_") && *persona != "project_admin" {
                continue; // 403, covered above
            }
            let r = s.get(path, Some(&f.tokens[i]));
            r.expect(200);
            let mut names: Vec<String> = r.json()[*key]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            let want = if persona.starts_with("domain_") {
                sorted(in_domain)
            } else {
                sorted(everything)
            };
            assert_eq!(names, want, "{path} as {persona}");
        }
    }
    // Role assignments: upstream shows a domain-scoped reader the 6 assignments on dA and its
    // projects, and everyone with a system or admin view all 11.
    for (i, persona) in PERSONAS.iter().enumerate() {
        let r = s.get("/v3/role_assignments", Some(&f.tokens[i]));
        let want = match *persona {
            "project_member" | "project_reader" => {
                assert_eq!(r.status, 403, "{persona}");
                continue;
            }
            p if p.starts_with("domain_") => 6,
            _ => 11,
        };
        r.expect(200);
        let n = r.json()["role_assignments"].as_array().unwrap().len();
        assert_eq!(n, want, "role assignments as {persona}");
    }
}
