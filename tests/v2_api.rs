//! Integration tests of the Identity v2.0 API: the real binary on a free loopback port, a
//! std-only HTTP client. Covers every v2.0 call, the developer guide's, the v2.0 reference's
//! and the curl examples' requests replayed verbatim (JSON and XML), and each fault.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

struct Server {
    child: Child,
    base: String,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    start_with(&[])
}

fn start_with(extra: &[&str]) -> Server {
    let dir = std::env::temp_dir().join(format!("ksl-v2-{}-{}", std::process::id(), uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/demo.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_keystone-lite"))
        .args(["--seed", seed, "--data-dir"])
        .arg(dir.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start keystone-lite");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Server {
        child,
        base: line.trim().to_string(),
        _dir: TempDir(dir),
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Server {
    fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let addr = self.base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" || method == "PUT" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Resp {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn get(&self, path: &str, token: &str) -> Resp {
        self.req("GET", path, &[("X-Auth-Token", token)], b"")
    }

    fn send_json(&self, method: &str, path: &str, token: &str, body: &Value) -> Resp {
        let b = body.to_string();
        let mut h = vec![("Content-Type", "application/json")];
        if !token.is_empty() {
            h.push(("X-Auth-Token", token));
        }
        self.req(method, path, &h, b.as_bytes())
    }

    fn send_xml(&self, method: &str, path: &str, token: &str, body: &str) -> Resp {
        let mut h = vec![
            ("Content-Type", "application/xml"),
            ("Accept", "application/xml"),
        ];
        if !token.is_empty() {
            h.push(("X-Auth-Token", token));
        }
        self.req(method, path, &h, body.as_bytes())
    }

    /// A v2 token for user/password, optionally scoped by tenant name.
    fn token(&self, user: &str, password: &str, tenant: Option<&str>) -> String {
        let mut auth = json!({"passwordCredentials": {"username": user, "password": password}});
        if let Some(t) = tenant {
            auth["tenantName"] = json!(t);
        }
        let r = self.send_json("POST", "/v2.0/tokens", "", &json!({ "auth": auth }));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["access"]["token"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn admin(&self) -> String {
        self.token("admin", "adminpwd", Some("admin"))
    }
}

/// Asserts a v2 JSON fault: `{"<name>": {"message", "details", "code"}}`.
fn assert_fault(r: &Resp, status: u16, name: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let v = r.json();
    let f = &v[name];
    assert_eq!(f["code"], json!(status), "{v}");
    assert!(f["message"].is_string(), "{v}");
    assert!(v.get("error").is_none(), "{v}");
}

fn assert_xml_fault(r: &Resp, status: u16, name: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/xml"));
    let t = r.text();
    assert!(t.starts_with("<?xml"), "{t}");
    assert!(
        t.contains(&format!(
            "<{name} xmlns=\"http://docs.openstack.org/identity/api/v2.0\" code=\"{status}\">"
        )),
        "{t}"
    );
    assert!(t.contains("<message>"), "{t}");
}

fn id_of(v: &Value, key: &str) -> String {
    v[key]["id"].as_str().unwrap().to_string()
}

#[test]
fn discovery_and_extensions() {
    let s = start();
    let r = s.req("GET", "/v2.0/", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["version"]["id"], "v2.0");
    assert_eq!(v["version"]["status"], "deprecated");
    assert_eq!(
        v["version"]["links"][0]["href"],
        json!(format!("{}/v2.0/", s.base))
    );
    assert_eq!(
        v["version"]["media-types"][0]["type"],
        "application/vnd.openstack.identity-v2.0+json"
    );
    // The curl examples' `curl "http://0.0.0.0:35357/v2.0/"` and `curl "http://0.0.0.0:5000"`.
    assert_eq!(s.req("GET", "/v2.0", &[], b"").status, 200);
    let r = s.req("GET", "/", &[], b"");
    assert_eq!(r.status, 300);
    let ids: Vec<Value> = r.json()["versions"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert!(
        ids.contains(&json!("v2.0")) && ids.contains(&json!("v3.14")),
        "{ids:?}"
    );
    // XML version document.
    let r = s.req("GET", "/v2.0/", &[("Accept", "application/xml")], b"");
    assert_eq!(r.status, 200);
    assert!(r
        .text()
        .contains("<version xmlns=\"http://docs.openstack.org/identity/api/v2.0\""));
    assert!(r.text().contains("<media-types><media-type"));
    // `curl "http://localhost:35357/v2.0/extensions/"`
    let r = s.req("GET", "/v2.0/extensions/", &[], b"");
    assert_eq!(r.status, 200);
    let values = r.json()["extensions"]["values"].clone();
    assert_eq!(values[0]["alias"], "OS-KSADM");
    let r = s.req("GET", "/v2.0/extensions/OS-KSADM", &[], b"");
    assert_eq!(r.json()["extension"]["alias"], "OS-KSADM");
    let r = s.req("GET", "/v2.0/extensions.xml", &[], b"");
    assert!(r.text().contains("<extensions xmlns="), "{}", r.text());
    assert!(r
        .text()
        .contains("<extension name=\"OpenStack Keystone Admin\""));
    assert_fault(
        &s.req("GET", "/v2.0/extensions/RS-META", &[], b""),
        404,
        "itemNotFound",
    );
    assert_xml_fault(
        &s.req(
            "GET",
            "/v2.0/extensions/RS-META",
            &[("Accept", "application/xml")],
            b"",
        ),
        404,
        "itemNotFound",
    );
    assert_fault(&s.req("GET", "/v2.0/nope", &[], b""), 404, "itemNotFound");
    assert_fault(
        &s.req("DELETE", "/v2.0/extensions", &[], b""),
        405,
        "badMethod",
    );
}

#[test]
fn authenticate_password_and_token_json() {
    let s = start();
    // Unscoped.
    let r = s.send_json(
        "POST",
        "/v2.0/tokens",
        "",
        &json!({"auth": {"passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let access = &v["access"];
    let keys: Vec<&String> = access.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["token", "user", "serviceCatalog", "metadata"]);
    assert!(access["token"].get("tenant").is_none());
    assert_eq!(access["serviceCatalog"], json!([]));
    assert_eq!(access["user"]["username"], "demo");
    assert_eq!(access["user"]["roles_links"], json!([]));
    assert_eq!(access["metadata"]["is_admin"], 0);
    let unscoped = access["token"]["id"].as_str().unwrap().to_string();

    // Scoped by tenantName (the reference's request, with the seed's credentials).
    let r = s.send_json(
        "POST",
        "/v2.0/tokens",
        "",
        &json!({"auth": {"tenantName": "demo", "passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
    );
    let v = r.json();
    let token = &v["access"]["token"];
    for k in ["issued_at", "expires", "id", "audit_ids"] {
        assert!(token.get(k).is_some(), "{k}: {v}");
    }
    assert_eq!(token["tenant"]["name"], "demo");
    assert_eq!(token["tenant"]["enabled"], true);
    let tenant_id = token["tenant"]["id"].as_str().unwrap().to_string();
    let catalog = v["access"]["serviceCatalog"].as_array().unwrap();
    let compute = catalog.iter().find(|c| c["type"] == "compute").unwrap();
    assert_eq!(compute["name"], "nova");
    assert_eq!(compute["endpoints_links"], json!([]));
    let ep = &compute["endpoints"][0];
    assert_eq!(ep["publicURL"], "http://127.0.0.1:8774/v2.1");
    assert_eq!(ep["internalURL"], "http://127.0.0.1:8774/v2.1");
    assert_eq!(ep["region"], "RegionOne");
    assert!(ep["id"].is_string());
    let roles: Vec<&str> = v["access"]["user"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"member"), "{roles:?}");
    assert_eq!(
        v["access"]["metadata"]["roles"].as_array().unwrap().len(),
        roles.len()
    );

    // Scoped by tenantId, and rescoping an unscoped token (the reference's token request).
    let r = s.send_json(
        "POST",
        "/v2.0/tokens",
        "",
        &json!({"auth": {"tenantId": tenant_id, "passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
    );
    assert_eq!(
        r.json()["access"]["token"]["tenant"]["id"],
        json!(tenant_id)
    );
    let r = s.send_json(
        "POST",
        "/v2.0/tokens",
        "",
        &json!({"auth": {"tenantName": "demo", "token": {"id": unscoped}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["access"]["token"]["tenant"]["name"], "demo");
    // The rescoped token carries the parent's audit id as its chain.
    assert_eq!(
        v["access"]["token"]["audit_ids"].as_array().unwrap().len(),
        2
    );

    // Faults of POST /v2.0/tokens.
    let post = |b: Value| s.send_json("POST", "/v2.0/tokens", "", &b);
    assert_fault(&post(json!({})), 400, "badRequest");
    assert_fault(&post(json!({"auth": {}})), 400, "badRequest");
    assert_fault(
        &post(json!({"auth": {"passwordCredentials": {"username": "demo"}}})),
        400,
        "badRequest",
    );
    assert_fault(
        &post(json!({"auth": {"passwordCredentials": {"password": "x"}}})),
        400,
        "badRequest",
    );
    assert_fault(
        &post(
            json!({"auth": {"tenantId": "a", "tenantName": "b", "passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
        ),
        400,
        "badRequest",
    );
    assert_fault(&post(json!({"auth": {"token": {}}})), 400, "badRequest");
    assert_fault(
        &post(json!({"auth": {"passwordCredentials": {"username": "demo", "password": "wrong"}}})),
        401,
        "unauthorized",
    );
    assert_fault(
        &post(json!({"auth": {"passwordCredentials": {"username": "nobody", "password": "x"}}})),
        401,
        "unauthorized",
    );
    assert_fault(
        &post(
            json!({"auth": {"tenantName": "admin", "passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
        ),
        401,
        "unauthorized",
    );
    assert_fault(
        &post(
            json!({"auth": {"tenantName": "nope", "passwordCredentials": {"username": "demo", "password": "demopwd"}}}),
        ),
        401,
        "unauthorized",
    );
    assert_fault(
        &post(json!({"auth": {"token": {"id": "garbage"}}})),
        401,
        "unauthorized",
    );
    let r = post(json!({"auth": {"token": {"id": "garbage"}}}));
    assert!(r.header("www-authenticate").is_some());
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[("Content-Type", "application/json")],
        b"{not json",
    );
    assert_fault(&r, 400, "badRequest");
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[("Content-Type", "text/plain")],
        b"{}",
    );
    assert_fault(&r, 400, "badRequest");
}

#[test]
fn oversized_body_is_413_over_limit() {
    let s = start();
    let big = vec![b' '; 200_000];
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[("Content-Type", "application/json")],
        &big,
    );
    assert_fault(&r, 413, "overLimit");
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/xml"),
        ],
        &big,
    );
    assert_xml_fault(&r, 413, "overLimit");
}

#[test]
fn disabled_user_is_user_disabled_403() {
    let s = start();
    let admin = s.admin();
    let r = s.send_json(
        "POST",
        "/v2.0/users",
        &admin,
        &json!({"user": {"name": "off", "password": "offpwd", "enabled": false}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.send_json(
        "POST",
        "/v2.0/tokens",
        "",
        &json!({"auth": {"passwordCredentials": {"username": "off", "password": "offpwd"}}}),
    );
    assert_fault(&r, 403, "userDisabled");
}

#[test]
fn validate_head_delete_endpoints_and_v3_interop() {
    let s = start();
    let admin = s.admin();
    let demo = s.token("demo", "demopwd", Some("demo"));
    let demo_unscoped = s.token("demo", "demopwd", None);

    let r = s.get(&format!("/v2.0/tokens/{demo}"), &admin);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["access"]["token"]["id"], json!(demo));
    let tenant_id = v["access"]["token"]["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // belongsTo
    assert_eq!(
        s.get(
            &format!("/v2.0/tokens/{demo}?belongsTo={tenant_id}"),
            &admin
        )
        .status,
        200
    );
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{demo}?belongsTo=other"), &admin),
        401,
        "unauthorized",
    );
    // HEAD: 200, no body.
    let r = s.req(
        "HEAD",
        &format!("/v2.0/tokens/{demo}"),
        &[("X-Auth-Token", &admin)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = s.req(
        "HEAD",
        "/v2.0/tokens/garbage",
        &[("X-Auth-Token", &admin)],
        b"",
    );
    assert_eq!(r.status, 404);
    // A user validates its own token; not another's.
    assert_eq!(s.get(&format!("/v2.0/tokens/{demo}"), &demo).status, 200);
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{admin}"), &demo),
        403,
        "forbidden",
    );
    assert_fault(&s.get("/v2.0/tokens/garbage", &admin), 404, "itemNotFound");
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{demo}"), ""),
        401,
        "unauthorized",
    );
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{demo}"), "bad"),
        401,
        "unauthorized",
    );

    // Endpoints of a token (admin).
    let r = s.get(&format!("/v2.0/tokens/{demo}/endpoints"), &admin);
    assert_eq!(r.status, 200);
    let v = r.json();
    let eps = v["endpoints"].as_array().unwrap();
    assert!(eps
        .iter()
        .any(|e| e["type"] == "compute" && e["name"] == "nova"));
    assert_eq!(v["endpoints_links"], json!([]));
    assert_eq!(
        s.get(&format!("/v2.0/tokens/{demo_unscoped}/endpoints"), &admin)
            .json()["endpoints"],
        json!([])
    );
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{demo}/endpoints"), &demo),
        403,
        "forbidden",
    );

    // A v2 token validates on v3, and a v3 default-domain project token on v2.
    let r = s.req(
        "GET",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &admin), ("X-Subject-Token", &demo)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["token"]["project"]["id"], json!(tenant_id));
    let r = s.send_json(
        "POST",
        "/v3/auth/tokens",
        "",
        &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": "demopwd"}}}, "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}),
    );
    assert_eq!(r.status, 201);
    let v3 = r.header("x-subject-token").unwrap().to_string();
    let r = s.get(&format!("/v2.0/tokens/{v3}"), &admin);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["access"]["token"]["tenant"]["name"], "demo");
    // The v3 token is usable as a v2 X-Auth-Token, and for v2 rescoping.
    assert_eq!(s.get("/v2.0/tenants", &v3).status, 200);

    // DELETE (admin) revokes on both versions.
    assert_fault(
        &s.req(
            "DELETE",
            &format!("/v2.0/tokens/{demo}"),
            &[("X-Auth-Token", &demo)],
            b"",
        ),
        403,
        "forbidden",
    );
    let r = s.req(
        "DELETE",
        &format!("/v2.0/tokens/{demo}"),
        &[("X-Auth-Token", &admin)],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{demo}"), &admin),
        404,
        "itemNotFound",
    );
    let r = s.req(
        "GET",
        "/v3/auth/tokens",
        &[("X-Auth-Token", &admin), ("X-Subject-Token", &demo)],
        b"",
    );
    assert_eq!(r.status, 404);
    assert_fault(
        &s.req(
            "DELETE",
            "/v2.0/tokens/garbage",
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        404,
        "itemNotFound",
    );
}

#[test]
fn tenants_paging_and_crud() {
    let s = start();
    let admin = s.admin();
    let demo = s.token("demo", "demopwd", None);
    // The user's tenants (the reference's request, verbatim headers).
    let r = s.req(
        "GET",
        "/v2.0/tenants",
        &[
            ("Content-Type", "application/json"),
            ("X-Auth-Token", &demo),
            ("Accept", "application/json"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["tenants_links"], json!([]));
    let tenants = v["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(
        tenants[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "name", "description", "enabled"]
    );
    assert_fault(&s.get("/v2.0/tenants", ""), 401, "unauthorized");

    // Admin: create (409 on a second), get, ?name=, update (PUT and POST), page, delete.
    let mut ids = Vec::new();
    for n in ["t-a", "t-b", "t-c"] {
        let r = s.send_json(
            "POST",
            "/v2.0/tenants",
            &admin,
            &json!({"tenant": {"name": n, "description": "x"}}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        ids.push(id_of(&r.json(), "tenant"));
    }
    let r = s.send_json(
        "POST",
        "/v2.0/tenants",
        &admin,
        &json!({"tenant": {"name": "t-a"}}),
    );
    assert_fault(&r, 409, "tenantConflict");
    assert_fault(
        &s.send_json("POST", "/v2.0/tenants", &admin, &json!({"tenant": {}})),
        400,
        "badRequest",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/tenants",
            &admin,
            &json!({"tenant": {"name": "x", "enabled": "yes"}}),
        ),
        400,
        "badRequest",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/tenants",
            &demo,
            &json!({"tenant": {"name": "t-z"}}),
        ),
        403,
        "forbidden",
    );
    let r = s.get(&format!("/v2.0/tenants/{}", ids[0]), &admin);
    assert_eq!(r.json()["tenant"]["name"], "t-a");
    assert_fault(
        &s.get(&format!("/v2.0/tenants/{}", ids[0]), &demo),
        403,
        "forbidden",
    );
    assert_fault(&s.get("/v2.0/tenants/nope", &admin), 404, "itemNotFound");
    let r = s.get("/v2.0/tenants?name=t-b", &admin);
    assert_eq!(r.json()["tenant"]["id"], json!(ids[1]));
    assert_fault(
        &s.get("/v2.0/tenants?name=none", &admin),
        404,
        "itemNotFound",
    );
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/tenants/{}", ids[0]),
        &admin,
        &json!({"tenant": {"description": "new", "enabled": false}}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["tenant"]["enabled"], false);
    let r = s.send_json(
        "POST",
        &format!("/v2.0/tenants/{}", ids[0]),
        &admin,
        &json!({"tenant": {"name": "t-a2"}}),
    );
    assert_eq!(r.json()["tenant"]["name"], "t-a2");
    assert_eq!(r.json()["tenant"]["description"], "new");
    assert_fault(
        &s.send_json(
            "PUT",
            &format!("/v2.0/tenants/{}", ids[0]),
            &admin,
            &json!({"tenant": {"name": "t-b"}}),
        ),
        409,
        "tenantConflict",
    );

    // Paging: limit, next link, marker; bad marker 404; bad limit 400.
    let all = s.get("/v2.0/tenants", &admin).json()["tenants"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 5);
    let r = s.get("/v2.0/tenants?limit=2", &admin).json();
    assert_eq!(r["tenants"].as_array().unwrap().len(), 2);
    assert_eq!(r["tenants_links"][0]["rel"], "next");
    let next = r["tenants_links"][0]["href"]
        .as_str()
        .unwrap()
        .replace(&s.base, "");
    let r2 = s.get(&next, &admin).json();
    assert_eq!(r2["tenants"][0]["id"], all[2]["id"]);
    assert_eq!(r2["tenants_links"][1]["rel"], "previous");
    let marker = all[3]["id"].as_str().unwrap();
    let r3 = s
        .get(&format!("/v2.0/tenants?marker={marker}"), &admin)
        .json();
    assert_eq!(r3["tenants"].as_array().unwrap().len(), 1);
    assert_fault(
        &s.get("/v2.0/tenants?marker=nope", &admin),
        404,
        "itemNotFound",
    );
    assert_fault(&s.get("/v2.0/tenants?limit=-1", &admin), 400, "badRequest");

    let r = s.req(
        "DELETE",
        &format!("/v2.0/tenants/{}", ids[2]),
        &[("X-Auth-Token", &admin)],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_fault(
        &s.req(
            "DELETE",
            &format!("/v2.0/tenants/{}", ids[2]),
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        404,
        "itemNotFound",
    );
    // The v2 tenant is a v3 default-domain project.
    let r = s.get(&format!("/v3/projects/{}", ids[1]), &admin);
    assert_eq!(r.json()["project"]["domain_id"], "default");
}

#[test]
fn users_roles_services_endpoints() {
    let s = start();
    let admin = s.admin();
    let demo = s.token("demo", "demopwd", Some("demo"));
    let tenant = id_of(
        &s.send_json(
            "POST",
            "/v2.0/tenants",
            &admin,
            &json!({"tenant": {"name": "acme"}}),
        )
        .json(),
        "tenant",
    );

    // Users: create (with tenantId: gets the member role there), list, ?name=, get, update,
    // enabled, password, tenant, delete.
    let r = s.send_json("POST", "/v2.0/users", &admin, &json!({"user": {"name": "jqsmith", "email": "john.smith@example.org", "password": "pw1", "tenantId": tenant, "enabled": true}}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let uid = id_of(&v, "user");
    assert_eq!(v["user"]["username"], "jqsmith");
    assert_eq!(v["user"]["tenantId"], json!(tenant));
    assert_eq!(v["user"]["email"], "john.smith@example.org");
    assert!(v["user"].get("password").is_none());
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/users",
            &admin,
            &json!({"user": {"name": "jqsmith"}}),
        ),
        409,
        "identityFault",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/users",
            &admin,
            &json!({"user": {"email": "x"}}),
        ),
        400,
        "badRequest",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/users",
            &admin,
            &json!({"user": {"name": "q", "tenantId": "nope"}}),
        ),
        404,
        "itemNotFound",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/users",
            &demo,
            &json!({"user": {"name": "q"}}),
        ),
        403,
        "forbidden",
    );
    let t = s.token("jqsmith", "pw1", Some("acme"));
    let users = s.get("/v2.0/users", &admin).json();
    assert!(users["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == json!(uid)));
    assert_eq!(
        s.get("/v2.0/users?name=jqsmith", &admin).json()["user"]["id"],
        json!(uid)
    );
    assert_fault(
        &s.get("/v2.0/users?name=nobody", &admin),
        404,
        "itemNotFound",
    );
    assert_eq!(
        s.get(&format!("/v2.0/users/{uid}"), &admin).json()["user"]["name"],
        "jqsmith"
    );
    assert_fault(&s.get("/v2.0/users/nope", &admin), 404, "itemNotFound");
    assert_fault(
        &s.get(&format!("/v2.0/users/{uid}"), &demo),
        403,
        "forbidden",
    );
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/users/{uid}"),
        &admin,
        &json!({"user": {"email": "j@example.org", "username": "jq"}}),
    );
    assert_eq!(r.json()["user"]["name"], "jq");
    assert_eq!(r.json()["user"]["email"], "j@example.org");
    // Tenant users and roles.
    let r = s
        .get(&format!("/v2.0/tenants/{tenant}/users"), &admin)
        .json();
    assert!(r["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == json!(uid)));
    let r = s
        .get(&format!("/v2.0/tenants/{tenant}/users/{uid}/roles"), &admin)
        .json();
    assert_eq!(r["roles_links"], json!([]));
    assert!(r["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == "member"));

    // Roles (OS-KSADM): create, 409, list, get, grant on tenant, 409, revoke, 404, delete.
    let r = s.send_json(
        "POST",
        "/v2.0/OS-KSADM/roles",
        &admin,
        &json!({"role": {"name": "anotherrole"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let rid = id_of(&r.json(), "role");
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/OS-KSADM/roles",
            &admin,
            &json!({"role": {"name": "anotherrole"}}),
        ),
        409,
        "identityFault",
    );
    assert!(s.get("/v2.0/OS-KSADM/roles", &admin).json()["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == json!(rid)));
    assert_eq!(
        s.get(&format!("/v2.0/OS-KSADM/roles/{rid}"), &admin).json()["role"]["name"],
        "anotherrole"
    );
    let path = format!("/v2.0/tenants/{tenant}/users/{uid}/roles/OS-KSADM/{rid}");
    let r = s.req("PUT", &path, &[("X-Auth-Token", &admin)], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["role"]["id"], json!(rid));
    assert_fault(
        &s.req("PUT", &path, &[("X-Auth-Token", &admin)], b""),
        409,
        "identityFault",
    );
    let names: Vec<Value> = s
        .get(&format!("/v2.0/tenants/{tenant}/users/{uid}/roles"), &admin)
        .json()["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(names.contains(&json!("anotherrole")));
    assert_eq!(
        s.req("DELETE", &path, &[("X-Auth-Token", &admin)], b"")
            .status,
        204
    );
    assert_fault(
        &s.req("DELETE", &path, &[("X-Auth-Token", &admin)], b""),
        404,
        "itemNotFound",
    );
    assert_fault(
        &s.req(
            "PUT",
            &format!("/v2.0/tenants/{tenant}/users/{uid}/roles/OS-KSADM/nope"),
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        404,
        "itemNotFound",
    );
    assert_eq!(
        s.req(
            "DELETE",
            &format!("/v2.0/OS-KSADM/roles/{rid}"),
            &[("X-Auth-Token", &admin)],
            b""
        )
        .status,
        204
    );
    assert_fault(
        &s.get(&format!("/v2.0/OS-KSADM/roles/{rid}"), &admin),
        404,
        "itemNotFound",
    );
    // Global roles of a user: its system roles.
    let admin_id = s.get("/v2.0/users?name=admin", &admin).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .get(&format!("/v2.0/users/{admin_id}/roles"), &admin)
        .json();
    assert!(r["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "admin"));

    // enabled, password (revokes the old token), OS-KSADM forms.
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/users/{uid}/OS-KSADM/enabled"),
        &admin,
        &json!({"user": {"enabled": false}}),
    );
    assert_eq!(r.json()["user"]["enabled"], false);
    assert_fault(
        &s.send_json(
            "PUT",
            &format!("/v2.0/users/{uid}/enabled"),
            &admin,
            &json!({"user": {}}),
        ),
        400,
        "badRequest",
    );
    s.send_json(
        "PUT",
        &format!("/v2.0/users/{uid}/enabled"),
        &admin,
        &json!({"user": {"enabled": true}}),
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/users/{uid}/OS-KSADM/password"),
        &admin,
        &json!({"user": {"OS-KSADM:password": "pw2"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_fault(
        &s.get(&format!("/v2.0/tokens/{t}"), &admin),
        404,
        "itemNotFound",
    );
    s.token("jq", "pw2", Some("acme"));
    assert_fault(
        &s.send_json(
            "PUT",
            &format!("/v2.0/users/{uid}/password"),
            &admin,
            &json!({"user": {}}),
        ),
        400,
        "badRequest",
    );
    let r = s.send_json(
        "PUT",
        &format!("/v2.0/users/{uid}/tenant"),
        &admin,
        &json!({"user": {"tenantId": null}}),
    );
    assert!(r.json()["user"].get("tenantId").is_none());
    // A user made in v2 authenticates in v3; one made in v3 authenticates in v2.
    let r = s.send_json("POST", "/v3/auth/tokens", "", &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": uid, "password": "pw2"}}}}}));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = s.send_json(
        "POST",
        "/v3/users",
        &admin,
        &json!({"user": {"name": "v3user", "password": "v3pwd", "domain_id": "default"}}),
    );
    assert_eq!(r.status, 201);
    s.token("v3user", "v3pwd", None);
    assert_eq!(
        s.req(
            "DELETE",
            &format!("/v2.0/users/{uid}"),
            &[("X-Auth-Token", &admin)],
            b""
        )
        .status,
        204
    );
    assert_fault(
        &s.req(
            "DELETE",
            &format!("/v2.0/users/{uid}"),
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        404,
        "itemNotFound",
    );

    // Services (OS-KSADM) and endpoints.
    let r = s.send_json("POST", "/v2.0/OS-KSADM/services", &admin, &json!({"OS-KSADM:service": {"name": "swift", "type": "object-store", "description": "Swift"}}));
    assert_eq!(r.status, 200, "{}", r.text());
    let sid = id_of(&r.json(), "OS-KSADM:service");
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/OS-KSADM/services",
            &admin,
            &json!({"OS-KSADM:service": {"name": "x"}}),
        ),
        400,
        "badRequest",
    );
    assert!(
        s.get("/v2.0/OS-KSADM/services", &admin).json()["OS-KSADM:services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == json!(sid))
    );
    assert_eq!(
        s.get(&format!("/v2.0/OS-KSADM/services/{sid}"), &admin)
            .json()["OS-KSADM:service"]["name"],
        "swift"
    );
    let r = s.send_json("POST", "/v2.0/endpoints", &admin, &json!({"endpoint": {"region": "RegionTwo", "service_id": sid, "publicurl": "http://swift/v1/AUTH_$(tenant_id)s", "internalurl": "http://swift-int/v1", "adminurl": "http://swift-adm/"}}));
    assert_eq!(r.status, 200, "{}", r.text());
    let eid = id_of(&r.json(), "endpoint");
    assert_eq!(r.json()["endpoint"]["adminurl"], "http://swift-adm/");
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/endpoints",
            &admin,
            &json!({"endpoint": {"service_id": sid}}),
        ),
        400,
        "badRequest",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/endpoints",
            &admin,
            &json!({"endpoint": {"service_id": "nope", "publicurl": "http://x"}}),
        ),
        404,
        "itemNotFound",
    );
    let eps = s.get("/v2.0/endpoints", &admin).json();
    assert!(eps["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == json!(eid) && e["internalurl"] == "http://swift-int/v1"));
    // The new endpoint shows in a v2 catalog, URL substituted, all three interfaces.
    let r = s.send_json("POST", "/v2.0/tokens", "", &json!({"auth": {"tenantName": "admin", "passwordCredentials": {"username": "admin", "password": "adminpwd"}}}));
    let v = r.json();
    let swift = v["access"]["serviceCatalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "object-store")
        .unwrap()
        .clone();
    let tid = v["access"]["token"]["tenant"]["id"].as_str().unwrap();
    assert_eq!(
        swift["endpoints"][0]["publicURL"],
        json!(format!("http://swift/v1/AUTH_{tid}"))
    );
    assert_eq!(swift["endpoints"][0]["adminURL"], "http://swift-adm/");
    assert_eq!(
        s.req(
            "DELETE",
            &format!("/v2.0/endpoints/{eid}"),
            &[("X-Auth-Token", &admin)],
            b""
        )
        .status,
        204
    );
    assert_fault(
        &s.req(
            "DELETE",
            &format!("/v2.0/endpoints/{eid}"),
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        404,
        "itemNotFound",
    );
    assert_eq!(
        s.req(
            "DELETE",
            &format!("/v2.0/OS-KSADM/services/{sid}"),
            &[("X-Auth-Token", &admin)],
            b""
        )
        .status,
        204
    );
    assert_fault(
        &s.get(&format!("/v2.0/OS-KSADM/services/{sid}"), &admin),
        404,
        "itemNotFound",
    );
    assert_fault(&s.get("/v2.0/endpoints", &demo), 403, "forbidden");
}

/// The documents' requests, verbatim, after making the users and tenants they name.
#[test]
fn documents_requests_verbatim_json_and_xml() {
    let s = start();
    let admin = s.admin();
    let mk_tenant = |id: Option<&str>, name: &str| -> String {
        let mut t = json!({"name": name});
        if let Some(id) = id {
            t["id"] = json!(id);
        }
        let r = s.send_json("POST", "/v2.0/tenants", &admin, &json!({ "tenant": t }));
        assert_eq!(r.status, 200, "{}", r.text());
        id_of(&r.json(), "tenant")
    };
    let mk_user = |name: &str, pw: &str, tenant: &str| {
        let r = s.send_json(
            "POST",
            "/v2.0/users",
            &admin,
            &json!({"user": {"name": name, "password": pw, "tenantId": tenant}}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    };
    // The v2.0 reference: demo / secretsecret in tenant demo.
    let demo_id = s.get("/v2.0/users?name=demo", &admin).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.send_json(
        "PUT",
        &format!("/v2.0/users/{demo_id}/password"),
        &admin,
        &json!({"user": {"password": "secretsecret"}}),
    );
    // Tokens issued in the second of a password change are revoked (upstream's resolution).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // The curl examples: joeuser / secret in customer-x.
    let cx = mk_tenant(None, "customer-x");
    mk_user("joeuser", "secret", &cx);
    // The developer guide: testuser / P@ssword1 and test_user / mypass in tenant 1234.
    mk_tenant(Some("1234"), "ACME corp");
    mk_user("testuser", "P@ssword1", "1234");
    mk_user("test_user", "mypass", "1234");

    let json_requests = [
        // identity-api-v2.0-reference.txt
        r#"{
    "auth": {
        "tenantName": "demo",
        "passwordCredentials": {
            "username": "demo",
            "password": "secretsecret"
        }
    }
}"#,
        // keystone-curl-examples-v3-v2.txt
        r#"
{"auth": {
"tenantName": "customer-x",
"passwordCredentials": {
"username": "joeuser",
"password": "secret"
}
}
}"#,
        // keystone-v2.0-developer-guide.txt, Example 4.2
        r#"{
   "auth": {
     "passwordCredentials": {
     "username": "test_user",
     "password": "mypass"
},
"tenantId": "1234"
}
}"#,
    ];
    let mut tokens = Vec::new();
    for body in json_requests {
        let r = s.req(
            "POST",
            "/v2.0/tokens",
            &[("Content-type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200, "{body}: {}", r.text());
        let v = r.json();
        assert!(v["access"]["token"]["tenant"]["id"].is_string());
        tokens.push(v["access"]["token"]["id"].as_str().unwrap().to_string());
    }
    // The reference's token request (its token id replaced by a real one).
    let body = format!(
        r#"{{
    "auth": {{
        "tenantName": "demo",
        "token": {{
            "id": "{}"
        }}
    }}
}}"#,
        tokens[0]
    );
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // XML requests: the reference's and the guide's Example 4.1, with JSON and XML answers.
    let xml_requests = [
        r#"<?xml version="1.0" encoding="UTF-8"?>
<auth xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://docs.openstack.org/identity/api/v2.0"
  tenantName="demo">
  <passwordCredentials username="demo" password="secretsecret"/>
</auth>"#,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<auth
    xmlns="http://docs.openstack.org/identity/api/v2.0"
    tenantId="1234">
    <passwordCredentials
        username="testuser"
        password="P@ssword1"/>
</auth>"#,
    ];
    for body in xml_requests {
        let r = s.send_xml("POST", "/v2.0/tokens", "", body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/xml"));
        let t = r.text();
        assert!(
            t.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{t}"
        );
        assert!(
            t.contains("<access xmlns=\"http://docs.openstack.org/identity/api/v2.0\">"),
            "{t}"
        );
        assert!(t.contains("<token expires=\""), "{t}");
        assert!(t.contains("<tenant id=\""), "{t}");
        assert!(t.contains("<serviceCatalog><service name=\""), "{t}");
        assert!(
            t.contains("<service name=\"nova\" type=\"compute\"><endpoints_links/><endpoint id=\""),
            "{t}"
        );
        assert!(t.contains("<roles_links/>"), "{t}");
        assert!(t.contains("<metadata is_admin=\"0\"><roles><role>"), "{t}");
        // XML in, JSON out (the guide's Example 3.1 in reverse).
        let r = s.req(
            "POST",
            "/v2.0/tokens",
            &[("Content-Type", "application/xml")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200);
        assert!(r.json()["access"]["token"]["id"].is_string());
    }
    // JSON in, XML out: the guide's Example 3.1 headers.
    let r = s.req(
        "POST",
        "/v2.0/tokens",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/xml"),
        ],
        json_requests[2].as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<access xmlns="));

    // The curl examples' admin calls, verbatim paths.
    let r = s.get(&format!("/v2.0/tokens/{}", tokens[1]), &admin);
    assert_eq!(r.json()["access"]["token"]["tenant"]["name"], "customer-x");
    let r = s.req(
        "HEAD",
        &format!("/v2.0/tokens/{}", tokens[1]),
        &[("X-Auth-Token", &admin)],
        b"",
    );
    assert_eq!(r.status, 200);
    let r = s.get(&format!("/v2.0/tokens/{}/endpoints", tokens[1]), &admin);
    assert!(r.json()["endpoints"].is_array());
    let joe = s.get("/v2.0/users?name=joeuser", &admin).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.get(&format!("/v2.0/tenants/{cx}/users/{joe}/roles"), &admin);
    assert_eq!(r.json()["roles"][0]["name"], "member");
    let r = s.get(&format!("/v2.0/users/{joe}"), &admin).json();
    assert_eq!(r["user"]["tenantId"], json!(cx));
    assert_eq!(
        s.get(&format!("/v2.0/tenants/{cx}"), &admin).json()["tenant"]["name"],
        "customer-x"
    );
    // The guide's tenant list request with XML answer.
    let r = s.req(
        "GET",
        "/v2.0/tenants",
        &[("X-Auth-Token", &tokens[2]), ("Accept", "application/xml")],
        b"",
    );
    let t = r.text();
    assert!(t.contains("<tenants xmlns=\"http://docs.openstack.org/identity/api/v2.0\"><tenant id=\"1234\" name=\"ACME corp\" enabled=\"true\"><description></description></tenant>"), "{t}");
    let r = s.get("/v2.0/tenants/1234.xml", &admin);
    assert!(
        r.text()
            .contains("<tenant xmlns=\"http://docs.openstack.org/identity/api/v2.0\" id=\"1234\""),
        "{}",
        r.text()
    );

    // XML admin writes: tenant, user, role, service.
    let r = s.send_xml("POST", "/v2.0/tenants", &admin, r#"<?xml version="1.0"?><tenant xmlns="http://docs.openstack.org/identity/api/v2.0" name="xml-t" enabled="true"><description>From &lt;XML&gt;</description></tenant>"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text()
            .contains("<description>From &lt;XML&gt;</description>"),
        "{}",
        r.text()
    );
    let r = s.send_xml("POST", "/v2.0/users", &admin, r#"<user xmlns="http://docs.openstack.org/identity/api/v2.0" enabled="true" email="john.smith@example.org" username="jqsmith" password="pw"/>"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("username=\"jqsmith\""));
    let r = s.send_xml("POST", "/v2.0/OS-KSADM/roles", &admin, r#"<role xmlns="http://docs.openstack.org/identity/api/v2.0" name="Guest" description="Guest Access"/>"#);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.send_xml("POST", "/v2.0/OS-KSADM/services", &admin, r#"<service xmlns="http://docs.openstack.org/identity/api/v2.0" name="cdn" type="object-store"/>"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<service xmlns="), "{}", r.text());
    // XML faults: malformed, DTD, bad enabled, wrong password, forbidden.
    for bad in [
        "<auth",
        "<auth><passwordCredentials></auth>",
        "<!DOCTYPE auth [<!ENTITY x \"y\">]><auth tenantName=\"&x;\"/>",
        "\u{0}\u{1}",
        "<auth tenantName=\"a\" tenantName=\"b\"/>",
    ] {
        assert_xml_fault(
            &s.send_xml("POST", "/v2.0/tokens", "", bad),
            400,
            "badRequest",
        );
    }
    assert_xml_fault(
        &s.send_xml(
            "POST",
            "/v2.0/tenants",
            &admin,
            "<tenant name=\"q\" enabled=\"maybe\"/>",
        ),
        400,
        "badRequest",
    );
    assert_xml_fault(
        &s.send_xml(
            "POST",
            "/v2.0/tokens",
            "",
            "<auth><passwordCredentials username=\"demo\" password=\"no\"/></auth>",
        ),
        401,
        "unauthorized",
    );
    let demo_tok = s.token("demo", "secretsecret", None);
    assert_xml_fault(
        &s.send_xml("POST", "/v2.0/tenants", &demo_tok, "<tenant name=\"q\"/>"),
        403,
        "forbidden",
    );
    assert_xml_fault(
        &s.send_xml("POST", "/v2.0/tenants", &admin, "<tenant name=\"xml-t\"/>"),
        409,
        "tenantConflict",
    );
}

/// A policy file with `text`, in a directory the returned guard removes.
fn policy_file(text: &str) -> (TempDir, String) {
    let dir = std::env::temp_dir().join(format!("ksl-v2-policy-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.yaml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_string();
    (TempDir(dir), path)
}

#[test]
fn admin_required_comes_from_the_policy_file() {
    // Refused to everyone: the admin role no longer opens the v2 admin API.
    let (_dir, path) = policy_file("\"admin_required\": \"!\"\n");
    let s = start_with(&["--policy-file", &path]);
    let admin = s.admin();
    assert_fault(&s.get("/v2.0/tenants?name=demo", &admin), 403, "forbidden");
    assert_fault(&s.get("/v2.0/users", &admin), 403, "forbidden");
    assert_xml_fault(
        &s.req(
            "GET",
            "/v2.0/OS-KSADM/roles.xml",
            &[("X-Auth-Token", &admin)],
            b"",
        ),
        403,
        "forbidden",
    );
    assert_fault(
        &s.send_json(
            "POST",
            "/v2.0/tenants",
            &admin,
            &json!({"tenant": {"name": "t-x"}}),
        ),
        403,
        "forbidden",
    );
    // GET /v2.0/tenants without admin_required is the public API's: the caller's own tenants.
    let r = s.get("/v2.0/tenants", &admin);
    assert_eq!(r.status, 200, "{}", r.text());
    let names: Vec<Value> = r.json()["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("admin")]);
    // Still 401 before policy, and 404/405 stay v2 faults.
    assert_fault(&s.get("/v2.0/users", ""), 401, "unauthorized");
    assert_fault(&s.get("/v2.0/nope", &admin), 404, "itemNotFound");
    assert_fault(
        &s.req("PATCH", "/v2.0/users", &[("X-Auth-Token", &admin)], b""),
        405,
        "badMethod",
    );
    drop(s);

    // Granted to members: demo (member on demo) gets the admin API.
    let (_dir2, path) = policy_file("\"admin_required\": \"role:member\"\n");
    let s = start_with(&["--policy-file", &path]);
    let demo = s.token("demo", "demopwd", Some("demo"));
    let r = s.get("/v2.0/tenants", &demo);
    assert_eq!(r.status, 200, "{}", r.text());
    let mut names: Vec<String> = r.json()["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["admin", "demo"]);
    let r = s.get("/v2.0/tenants?name=admin", &demo);
    assert_eq!(r.json()["tenant"]["name"], "admin", "{}", r.text());
    assert_eq!(s.get("/v2.0/users", &demo).status, 200);
}
