//! Every list filter of every resource: exact, `__contains`/`__icontains`/`__startswith`/
//! `__istartswith`/`__endswith`/`__iendswith`, booleans, tags/tags-any/not-tags/not-tags-any,
//! catalog filters, and `/v3/role_assignments` with its scope, inheritance, `effective`,
//! `include_names` and `include_subtree` filters. Each row's expectation is what upstream
//! Keystone 30 listed for the same query on the same fixture (`{dF}`, `{u_Alpha}`, ... stand
//! for its ids; role assignments compare without their `links`). Then `list_limit` truncation.

use serde_json::{json, Value};

use crate::common::*;

enum Expect {
    /// Sorted names (types for services, `interface:url` for endpoints, ids for regions, or
    /// role assignments as JSON).
    Items(&'static [&'static str]),
    /// A 400 with this message.
    Error(&'static str),
}

/// (query, collection key, upstream status, upstream answer)
const ROWS: &[(&str, &str, u16, Expect)] = &[
    (
        "/v3/users?domain_id={dF}",
        "users",
        200,
        Expect::Items(&[
            r#"Alpha"#,
            r#"BETAMAX"#,
            r#"alpine"#,
            r#"beta"#,
            r#"gamma-ray"#,
            r#"offuser"#,
        ]),
    ),
    (
        "/v3/users?domain_id={dF}&name=alpine",
        "users",
        200,
        Expect::Items(&[r#"alpine"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name=ALPINE",
        "users",
        200,
        Expect::Items(&[]),
    ),
    (
        "/v3/users?domain_id={dF}&name__contains=lp",
        "users",
        200,
        Expect::Items(&[r#"Alpha"#, r#"alpine"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__icontains=BET",
        "users",
        200,
        Expect::Items(&[r#"BETAMAX"#, r#"beta"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__contains=BET",
        "users",
        200,
        Expect::Items(&[r#"BETAMAX"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__startswith=al",
        "users",
        200,
        Expect::Items(&[r#"alpine"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__istartswith=al",
        "users",
        200,
        Expect::Items(&[r#"Alpha"#, r#"alpine"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__endswith=a",
        "users",
        200,
        Expect::Items(&[r#"Alpha"#, r#"beta"#]),
    ),
    (
        "/v3/users?domain_id={dF}&name__iendswith=A",
        "users",
        200,
        Expect::Items(&[r#"Alpha"#, r#"beta"#]),
    ),
    (
        "/v3/users?domain_id={dF}&enabled=false",
        "users",
        200,
        Expect::Items(&[r#"offuser"#]),
    ),
    (
        "/v3/users?domain_id={dF}&enabled=0",
        "users",
        200,
        Expect::Items(&[r#"offuser"#]),
    ),
    (
        "/v3/users?domain_id={dF}&enabled=true",
        "users",
        200,
        Expect::Items(&[
            r#"Alpha"#,
            r#"BETAMAX"#,
            r#"alpine"#,
            r#"beta"#,
            r#"gamma-ray"#,
        ]),
    ),
    (
        "/v3/users?domain_id={dF}&name__contains=a&enabled=true",
        "users",
        200,
        Expect::Items(&[r#"Alpha"#, r#"alpine"#, r#"beta"#, r#"gamma-ray"#]),
    ),
    (
        "/v3/users?domain_id={dF}&unknown_filter=x",
        "users",
        200,
        Expect::Items(&[
            r#"Alpha"#,
            r#"BETAMAX"#,
            r#"alpine"#,
            r#"beta"#,
            r#"gamma-ray"#,
            r#"offuser"#,
        ]),
    ),
    (
        "/v3/groups?domain_id={dF}&name__icontains=a",
        "groups",
        200,
        Expect::Items(&[
            r#"Alpha"#,
            r#"BETAMAX"#,
            r#"alpine"#,
            r#"beta"#,
            r#"gamma-ray"#,
        ]),
    ),
    (
        "/v3/groups?domain_id={dF}&name=beta",
        "groups",
        200,
        Expect::Items(&[r#"beta"#]),
    ),
    (
        "/v3/groups?domain_id={dF}&name__endswith=ray",
        "groups",
        200,
        Expect::Items(&[r#"gamma-ray"#]),
    ),
    (
        "/v3/users/{u_beta}/groups",
        "groups",
        200,
        Expect::Items(&[r#"Alpha"#]),
    ),
    (
        "/v3/groups/{g_Alpha}/users",
        "users",
        200,
        Expect::Items(&[r#"beta"#]),
    ),
    (
        "/v3/roles?name__startswith=rA",
        "roles",
        200,
        Expect::Items(&[r#"rAlpha"#]),
    ),
    (
        "/v3/roles?name__istartswith=ra",
        "roles",
        200,
        Expect::Items(&[r#"rAlpha"#, r#"ralpine"#]),
    ),
    (
        "/v3/roles?name=rbeta",
        "roles",
        200,
        Expect::Items(&[r#"rbeta"#]),
    ),
    (
        "/v3/domains?name=dF",
        "domains",
        200,
        Expect::Items(&[r#"dF"#]),
    ),
    (
        "/v3/domains?enabled=false",
        "domains",
        200,
        Expect::Items(&[r#"dOff"#]),
    ),
    (
        "/v3/domains?name__startswith=d",
        "domains",
        200,
        Expect::Items(&[r#"dF"#, r#"dOff"#]),
    ),
    (
        "/v3/projects?domain_id={dF}",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#, r#"pt2"#, r#"pt3"#, r#"pt4"#, r#"ptc"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&enabled=false",
        "projects",
        200,
        Expect::Items(&[r#"ptc"#]),
    ),
    (
        "/v3/projects?parent_id={pt1}",
        "projects",
        200,
        Expect::Items(&[r#"ptc"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&name__endswith=2",
        "projects",
        200,
        Expect::Items(&[r#"pt2"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&is_domain=false",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#, r#"pt2"#, r#"pt3"#, r#"pt4"#, r#"ptc"#]),
    ),
    (
        "/v3/projects?is_domain=true&name=dF",
        "projects",
        200,
        Expect::Items(&[r#"dF"#]),
    ),
    (
        "/v3/projects?tags=red",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#, r#"pt2"#]),
    ),
    (
        "/v3/projects?tags=red,blue",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#]),
    ),
    (
        "/v3/projects?tags-any=blue,green",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#, r#"pt3"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&not-tags=red",
        "projects",
        200,
        Expect::Items(&[r#"pt3"#, r#"pt4"#, r#"ptc"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&not-tags=red,blue",
        "projects",
        200,
        Expect::Items(&[r#"pt2"#, r#"pt3"#, r#"pt4"#, r#"ptc"#]),
    ),
    (
        "/v3/projects?domain_id={dF}&not-tags-any=red,green",
        "projects",
        200,
        Expect::Items(&[r#"pt4"#, r#"ptc"#]),
    ),
    (
        "/v3/projects?tags=red&not-tags=blue",
        "projects",
        200,
        Expect::Items(&[r#"pt2"#]),
    ),
    (
        "/v3/users/{u_Alpha}/projects",
        "projects",
        200,
        Expect::Items(&[r#"pt1"#]),
    ),
    (
        "/v3/regions?parent_region_id=fReg",
        "regions",
        200,
        Expect::Items(&[]),
    ),
    (
        "/v3/services?type=fsvc",
        "services",
        200,
        Expect::Items(&[r#"fsvc"#]),
    ),
    (
        "/v3/services?name=fs",
        "services",
        200,
        Expect::Items(&[r#"fsvc"#]),
    ),
    (
        "/v3/endpoints?service_id={svc}",
        "endpoints",
        200,
        Expect::Items(&[
            r#"admin:http://f/2"#,
            r#"internal:http://f/1"#,
            r#"public:http://f/0"#,
        ]),
    ),
    (
        "/v3/endpoints?service_id={svc}&interface=public",
        "endpoints",
        200,
        Expect::Items(&[r#"public:http://f/0"#]),
    ),
    (
        "/v3/endpoints?service_id={svc}&region_id=fReg",
        "endpoints",
        200,
        Expect::Items(&[r#"internal:http://f/1"#, r#"public:http://f/0"#]),
    ),
    (
        "/v3/endpoints?interface=admin&service_id={svc}",
        "endpoints",
        200,
        Expect::Items(&[r#"admin:http://f/2"#]),
    ),
    (
        "/v3/role_assignments?scope.project.id={pt1}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_beta}"}, "role": {"id": "{r_rbeta}"}, "scope": {"project": {"id": "{pt1}"}}}"#,
            r#"{"role": {"id": "{r_member}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?scope.domain.id={dF}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_Alpha}"}, "role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "domain": {"id": "{dF}"}}}"#,
            r#"{"role": {"id": "{r_rAlpha}"}, "scope": {"domain": {"id": "{dF}"}}, "user": {"id": "{u_alpine}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?user.id={u_Alpha}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_member}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?group.id={g_Alpha}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_Alpha}"}, "role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "domain": {"id": "{dF}"}}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?role.id={r_rAlpha}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_rAlpha}"}, "scope": {"domain": {"id": "{dF}"}}, "user": {"id": "{u_alpine}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?scope.OS-INHERIT:inherited_to=projects",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_Alpha}"}, "role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "domain": {"id": "{dF}"}}}"#,
            r#"{"role": {"id": "{r_admin}"}, "scope": {"system": {"all": true}}, "user": {"id": "{u_admin}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?scope.domain.id={dF}&scope.OS-INHERIT:inherited_to=projects",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_Alpha}"}, "role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "domain": {"id": "{dF}"}}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&user.id={u_beta}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt1}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt2}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt3}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt4}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{ptc}"}}, "user": {"id": "{u_beta}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&user.id={u_alpine}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_rAlpha}"}, "scope": {"domain": {"id": "{dF}"}}, "user": {"id": "{u_alpine}"}}"#,
            r#"{"role": {"id": "{r_rbeta}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_alpine}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&scope.project.id={pt1}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_member}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
            r#"{"role": {"id": "{r_rbeta}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_alpine}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt1}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&scope.project.id={ptc}",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{ptc}"}}, "user": {"id": "{u_beta}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&scope.project.id={pt1}&include_names",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_member}", "name": "member"}, "scope": {"project": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{pt1}", "name": "pt1"}}, "user": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{u_Alpha}", "name": "Alpha"}}"#,
            r#"{"role": {"id": "{r_rbeta}", "name": "rbeta"}, "scope": {"project": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{pt1}", "name": "pt1"}}, "user": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{u_alpine}", "name": "alpine"}}"#,
            r#"{"role": {"id": "{r_reader}", "name": "reader"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{pt1}", "name": "pt1"}}, "user": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{u_beta}", "name": "beta"}}"#,
            r#"{"role": {"id": "{r_reader}", "name": "reader"}, "scope": {"project": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{pt1}", "name": "pt1"}}, "user": {"domain": {"id": "{dF}", "name": "dF"}, "id": "{u_Alpha}", "name": "Alpha"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?scope.project.id={pt1}&include_subtree=true",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"group": {"id": "{g_beta}"}, "role": {"id": "{r_rbeta}"}, "scope": {"project": {"id": "{pt1}"}}}"#,
            r#"{"role": {"id": "{r_member}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?effective&scope.project.id={pt1}&include_subtree=true",
        "role_assignments",
        200,
        Expect::Items(&[
            r#"{"role": {"id": "{r_member}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
            r#"{"role": {"id": "{r_rbeta}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_alpine}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{pt1}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"OS-INHERIT:inherited_to": "projects", "project": {"id": "{ptc}"}}, "user": {"id": "{u_beta}"}}"#,
            r#"{"role": {"id": "{r_reader}"}, "scope": {"project": {"id": "{pt1}"}}, "user": {"id": "{u_Alpha}"}}"#,
        ]),
    ),
    (
        "/v3/role_assignments?scope.system=all&user.id={u_Alpha}",
        "role_assignments",
        200,
        Expect::Items(&[]),
    ),
    (
        "/v3/role_assignments?effective&group.id={g_Alpha}",
        "role_assignments",
        400,
        Expect::Error(
            r#"Combining effective and group filter will always result in an empty list."#,
        ),
    ),
    (
        "/v3/role_assignments?include_subtree=true",
        "role_assignments",
        400,
        Expect::Error(r#"'scope.project.id' is a dependency of 'include_subtree'"#),
    ),
    (
        "/v3/role_assignments?scope.project.id={pt1}&scope.domain.id={dF}",
        "role_assignments",
        400,
        Expect::Error(r#"Specify a domain or project, not both"#),
    ),
];

fn ok(s: &TestServer, token: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let r = match body {
        Some(b) => s.send_json(method, path, Some(token), &b),
        None => s.request(method, path, &[("X-Auth-Token", token)], None),
    };
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.text());
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

fn id_of(v: &Value, key: &str) -> String {
    v[key]["id"].as_str().expect("id").to_string()
}

/// The same fixture the upstream run used; returns (placeholder, id) pairs.
fn setup(s: &TestServer, sys: &str) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = Vec::new();
    let d_f = id_of(
        &ok(
            s,
            sys,
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "dF", "description": "filters"}})),
        ),
        "domain",
    );
    ok(
        s,
        sys,
        "POST",
        "/v3/domains",
        Some(json!({"domain": {"name": "dOff", "enabled": false}})),
    );
    for n in ["Alpha", "alpine", "beta", "BETAMAX", "gamma-ray"] {
        let u = ok(
            s,
            sys,
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": n, "domain_id": d_f}})),
        );
        ids.push((format!("u_{n}"), id_of(&u, "user")));
        let g = ok(
            s,
            sys,
            "POST",
            "/v3/groups",
            Some(json!({"group": {"name": n, "domain_id": d_f}})),
        );
        ids.push((format!("g_{n}"), id_of(&g, "group")));
        ok(
            s,
            sys,
            "POST",
            "/v3/roles",
            Some(json!({"role": {"name": format!("r{n}")}})),
        );
    }
    ok(
        s,
        sys,
        "POST",
        "/v3/users",
        Some(json!({"user": {"name": "offuser", "domain_id": d_f, "enabled": false}})),
    );
    for (n, tags) in [
        ("pt1", json!(["red", "blue"])),
        ("pt2", json!(["red"])),
        ("pt3", json!(["green"])),
        ("pt4", json!([])),
    ] {
        let p = ok(
            s,
            sys,
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": n, "domain_id": d_f, "tags": tags}})),
        );
        ids.push((n.to_string(), id_of(&p, "project")));
    }
    let get = |ids: &Vec<(String, String)>, k: &str| {
        ids.iter()
            .find(|(name, _)| name == k)
            .unwrap_or_else(|| panic!("no {k}"))
            .1
            .clone()
    };
    let pt1 = get(&ids, "pt1");
    let ptc = ok(
        s,
        sys,
        "POST",
        "/v3/projects",
        Some(
            json!({"project": {"name": "ptc", "domain_id": d_f, "parent_id": pt1,
                                "enabled": false}}),
        ),
    );
    ids.push(("ptc".into(), id_of(&ptc, "project")));
    let svc = id_of(
        &ok(
            s,
            sys,
            "POST",
            "/v3/services",
            Some(json!({"service": {"type": "fsvc", "name": "fs"}})),
        ),
        "service",
    );
    ok(
        s,
        sys,
        "POST",
        "/v3/regions",
        Some(json!({"region": {"id": "fReg"}})),
    );
    for (i, (iface, region)) in [
        ("public", Some("fReg")),
        ("internal", Some("fReg")),
        ("admin", None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body =
            json!({"service_id": svc, "interface": iface, "url": format!("http://f/{i}")});
        if let Some(r) = region {
            body["region_id"] = json!(r);
        }
        ok(
            s,
            sys,
            "POST",
            "/v3/endpoints",
            Some(json!({"endpoint": body})),
        );
    }
    let roles = ok(s, sys, "GET", "/v3/roles", None);
    for r in roles["roles"].as_array().unwrap() {
        ids.push((
            format!("r_{}", r["name"].as_str().unwrap()),
            r["id"].as_str().unwrap().to_string(),
        ));
    }
    ids.push(("u_admin".into(), s.id_by_name(sys, "users", "admin")));
    let (u_alpha, u_beta, u_alpine) = (
        get(&ids, "u_Alpha"),
        get(&ids, "u_beta"),
        get(&ids, "u_alpine"),
    );
    let (g_alpha, g_beta) = (get(&ids, "g_Alpha"), get(&ids, "g_beta"));
    let (member, reader, r_alpha, r_beta) = (
        get(&ids, "r_member"),
        get(&ids, "r_reader"),
        get(&ids, "r_rAlpha"),
        get(&ids, "r_rbeta"),
    );
    for path in [
        format!("/v3/projects/{pt1}/users/{u_alpha}/roles/{member}"),
        format!("/v3/groups/{g_alpha}/users/{u_beta}"),
        format!(
            "/v3/OS-INHERIT/domains/{d_f}/groups/{g_alpha}/roles/{reader}/inherited_to_projects"
        ),
        format!("/v3/domains/{d_f}/users/{u_alpine}/roles/{r_alpha}"),
        format!("/v3/projects/{pt1}/groups/{g_beta}/roles/{r_beta}"),
        format!("/v3/groups/{g_beta}/users/{u_alpine}"),
    ] {
        ok(s, sys, "PUT", &path, None);
    }
    ids.push(("dF".into(), d_f));
    ids.push(("svc".into(), svc));
    ids
}

/// Ids to placeholders, `links` dropped: the shape upstream's answers were recorded in.
fn normalize(v: &Value, ids: &[(String, String)]) -> Value {
    match v {
        Value::Object(m) => {
            // Keys sorted, so that equal objects sort and print alike.
            let mut keys: Vec<&String> = m.keys().filter(|k| k.as_str() != "links").collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), normalize(&m[k], ids)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, ids)).collect()),
        Value::String(s) => match ids.iter().find(|(_, id)| id == s) {
            Some((name, _)) => json!(format!("{{{name}}}")),
            None => v.clone(),
        },
        other => other.clone(),
    }
}

fn summary(key: &str, items: &[Value], ids: &[(String, String)]) -> Vec<Value> {
    let mut out: Vec<Value> = items
        .iter()
        .map(|i| match key {
            "role_assignments" => normalize(i, ids),
            "regions" => i["id"].clone(),
            "services" => i["type"].clone(),
            "endpoints" => json!(format!(
                "{}:{}",
                i["interface"].as_str().unwrap(),
                i["url"].as_str().unwrap()
            )),
            _ => i["name"].clone(),
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

#[test]
fn every_filter_lists_what_upstream_lists() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let ids = setup(&s, &sys);
    let mut mismatches = Vec::new();
    for (query, key, status, expect) in ROWS {
        let mut path = query.to_string();
        for (name, id) in &ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        let r = s.get(&path, Some(&sys));
        if r.status != *status {
            mismatches.push(format!(
                "{query}: upstream {status}, got {} {}",
                r.status,
                r.text()
            ));
            continue;
        }
        match expect {
            Expect::Error(m) => {
                let got = assert_error(&r, *status);
                if got != *m {
                    mismatches.push(format!("{query}: upstream {m:?}, got {got:?}"));
                }
            }
            Expect::Items(want) => {
                let body = r.json();
                let items = body[*key]
                    .as_array()
                    .unwrap_or_else(|| panic!("{query}: {body}"));
                let got = summary(key, items, &ids);
                let mut want: Vec<Value> = want
                    .iter()
                    .map(|w| {
                        if *key == "role_assignments" {
                            normalize(&serde_json::from_str(w).unwrap(), &[])
                        } else {
                            json!(w)
                        }
                    })
                    .collect();
                want.sort_by_key(|v| v.to_string());
                if got != want {
                    mismatches.push(format!(
                        "{query}:\n   upstream {}\n   got      {}",
                        json!(want),
                        json!(got)
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `[resource] list_limit` / `[identity] list_limit` (over `[DEFAULT] list_limit`) cut lists
/// after filtering and say `"truncated": true`, as upstream's wrap_collection does; a list
/// that fits says nothing.
#[test]
fn list_limit_truncates_after_filtering() {
    let s = TestServer::start_with(
        DEMO_SEED,
        &[],
        Some("[DEFAULT]\nlist_limit = 3\n[identity]\nlist_limit = 2\n"),
    );
    let sys = s.system_admin_token();
    // Exactly list_limit users (admin, demo): a full page, not truncated.
    let body = ok(&s, &sys, "GET", "/v3/users", None);
    assert_eq!(body["users"].as_array().unwrap().len(), 2, "{body}");
    assert!(body.get("truncated").is_none(), "{body}");
    for n in ["l1", "l2", "l3", "l4", "m1"] {
        ok(
            &s,
            &sys,
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": n}})),
        );
        ok(
            &s,
            &sys,
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": n}})),
        );
    }
    // projects: [DEFAULT] 3 (admin, demo and 5 more exist)
    let body = ok(&s, &sys, "GET", "/v3/projects", None);
    assert_eq!(body["projects"].as_array().unwrap().len(), 3, "{body}");
    assert_eq!(body["truncated"], true, "{body}");
    let body = ok(&s, &sys, "GET", "/v3/projects?name__startswith=l", None);
    assert_eq!(body["projects"].as_array().unwrap().len(), 3, "{body}");
    assert_eq!(body["truncated"], true);
    let body = ok(&s, &sys, "GET", "/v3/projects?name__startswith=m", None);
    assert_eq!(body["projects"].as_array().unwrap().len(), 1);
    assert!(body.get("truncated").is_none(), "{body}");
    // users: [identity] 2
    let body = ok(&s, &sys, "GET", "/v3/users", None);
    assert_eq!(body["users"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["truncated"], true);
    let body = ok(&s, &sys, "GET", "/v3/users?name=m1", None);
    assert_eq!(body["users"].as_array().unwrap().len(), 1);
    assert!(body.get("truncated").is_none(), "{body}");
    // links stay upstream's: self is the request URL, previous/next null.
    assert_eq!(body["links"]["previous"], Value::Null);
    assert_eq!(body["links"]["next"], Value::Null);
    assert_eq!(
        body["links"]["self"],
        json!(format!("{}/v3/users?name=m1", s.url))
    );
}
