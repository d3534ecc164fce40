//! WebSSO end to end: a browser (a cookie-keeping HTTP client that follows redirects by hand)
//! starts at keystone-lite's websso URL, is sent to a real OpenID provider (npm oidc-provider,
//! tests/federation/idp; `login_hint=alice` logs in without a form), comes back with a code,
//! and gets upstream's callback page holding a federated token. Plus upstream's refusals:
//! origin missing/untrusted, forged/expired/misplaced state, the IdP's `error=`.
//! Needs node and npm (KSL_SKIP_OIDC_IDP=1 skips when absent).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";
const DASH: &str = "https://dash.example/auth/websso/";
const TEMPLATE: &str = include_str!("../../src/api/v3/federation/sso_callback.html");

fn conf(extra: &str) -> String {
    format!(
        "[oidc]\nallow_http_issuers = true\nclient_id = keystone\nclient_secret = keystone-secret\n\
         scope = openid email profile groups\n\
         [openid]\nremote_id_attribute = HTTP_OIDC_ISS\n\
         [federation]\ntrusted_dashboard = https://Dash.Example/auth/websso/\n\
         trusted_dashboard = https://other.example/\n{extra}"
    )
}

/// The provider process, stopped (by its id) when dropped.
struct Idp {
    child: Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test IdP with our servers' websso URLs registered as redirect URIs of `keystone`.
fn start_idp(servers: &[&TestServer]) -> Option<Idp> {
    let uris: Vec<String> = servers
        .iter()
        .flat_map(|s| {
            [
                format!("{}/v3/auth/OS-FEDERATION/websso/openid", s.url),
                format!(
                    "{}/v3/auth/OS-FEDERATION/identity_providers/idp/protocols/openid/websso",
                    s.url
                ),
            ]
        })
        .collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/federation/idp/start.sh");
    let mut child = Command::new("bash")
        .arg(script)
        .env("REDIRECT_URIS", uris.join(" "))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn start.sh");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut line).expect("read ISSUER line");
    // The provider keeps writing to stdout: drained so it never blocks or breaks its pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    match line.trim().strip_prefix("ISSUER ") {
        Some(issuer) => Some(Idp {
            issuer: issuer.to_string(),
            child,
        }),
        None if std::env::var_os("KSL_SKIP_OIDC_IDP").is_some() => None,
        None => panic!("the test OpenID provider did not start (node/npm missing?): {line:?}"),
    }
}

fn ok(r: &Resp) {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
}

/// IdP `idp` for `issuer`, mapping `m` (user from preferred_username, groups into default),
/// protocol `openid`; the admin token.
fn setup(s: &TestServer, issuer: &str) -> String {
    let t = s.admin_token();
    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"remote_ids": [issuer], "enabled": true}}),
    ));
    let rules = json!([{"local": [{"user": {"name": "{0}", "email": "{1}"}},
                                  {"groups": "{2}", "domain": {"id": "default"}}],
                        "remote": [{"type": "OIDC-preferred_username"}, {"type": "OIDC-email"},
                                   {"type": "OIDC-groups"}]}]);
    ok(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": rules}}),
    ));
    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m"}}),
    ));
    ok(&s.post(
        "/v3/groups",
        Some(&t),
        &json!({"group": {"name": "devs", "domain_id": "default"}}),
    ));
    t
}

/// A browser: no automatic redirects, cookies kept per host:port by hand.
struct Browser {
    agent: ureq::Agent,
    cookies: Vec<(String, String)>,
}

/// (status, Location, Content-Type, body) of one browser request.
type Page = (u16, Option<String>, Option<String>, String);

impl Browser {
    fn new() -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .into();
        Browser {
            agent,
            cookies: Vec::new(),
        }
    }

    fn origin_of(url: &str) -> String {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.split('/').next().unwrap_or("").to_string()
    }

    fn get(&mut self, url: &str) -> Page {
        let site = Self::origin_of(url);
        let cookie: Vec<&str> = self
            .cookies
            .iter()
            .filter(|(s, _)| *s == site)
            .map(|(_, c)| c.as_str())
            .collect();
        let mut r = self
            .agent
            .get(url)
            .header("Cookie", cookie.join("; "))
            .call()
            .unwrap();
        for c in r.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = format!("{}=", pair.split('=').next().unwrap());
            self.cookies
                .retain(|(s, old)| !(*s == site && old.starts_with(&name)));
            self.cookies.push((site.clone(), pair));
        }
        let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_string());
        let (location, ctype) = (header("location"), header("content-type"));
        let location = location.map(|l| {
            if l.starts_with('/') {
                format!("http://{site}{l}")
            } else {
                l
            }
        });
        (
            r.status().as_u16(),
            location,
            ctype,
            r.body_mut().read_to_string().unwrap(),
        )
    }

    /// From our websso URL through the IdP (as `user`) back to us: our final answer, and the
    /// callback URL the IdP sent the browser to.
    fn sso(&mut self, start: &str, ours: &str, user: &str) -> (Page, String) {
        let (page, url, _) = self.sso_with_cookie(start, ours, user);
        (page, url)
    }

    /// [`Browser::sso`], plus the Cookie header this browser sent us on the callback.
    fn sso_with_cookie(&mut self, start: &str, ours: &str, user: &str) -> (Page, String, String) {
        let (status, location, _, body) = self.get(start);
        assert_eq!(status, 302, "{body}");
        let site = Self::origin_of(ours);
        let sent: Vec<String> = self
            .cookies
            .iter()
            .filter(|(s, _)| *s == site)
            .map(|(_, c)| c.clone())
            .collect();
        let mut url = format!("{}&login_hint={user}", location.unwrap());
        for _ in 0..12 {
            if url.starts_with(ours) {
                return (self.get(&url), url, sent.join("; "));
            }
            let (status, location, _, body) = self.get(&url);
            assert!((300..400).contains(&status), "{url}: {status} {body}");
            url = location.unwrap();
        }
        panic!("too many redirects");
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The token in our callback page, checked against upstream's template around it.
fn token_of_page(page: &Page) -> String {
    let (status, _, ctype, body) = page;
    assert_eq!(*status, 200, "{body}");
    // What Keystone 30 sends (flask/werkzeug 3.1: the header set after `charset` wins).
    assert_eq!(ctype.as_deref(), Some("text/html"));
    let start = body.find("value=\"").unwrap() + 7;
    let token = &body[start..start + body[start..].find('"').unwrap()];
    let expected = TEMPLATE.replace("$host", DASH).replace("$token", token);
    assert_eq!(*body, expected);
    token.to_string()
}

fn validate(s: &TestServer, admin: &str, token: &str) -> Value {
    let r = s.request(
        "GET",
        "/v3/auth/tokens",
        &[("X-Auth-Token", admin), ("X-Subject-Token", token)],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn websso_logs_in_through_the_idp_on_both_urls() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf("")));
    let custom = s.data_dir.with_file_name("sso.html");
    std::fs::write(&custom, "<p>${host}|$token|$$</p>").unwrap();
    let template = format!("sso_callback_template = {}\n", custom.display());
    let s2 = TestServer::start_with(DEMO_SEED, &[], Some(&conf(&template)));
    let Some(idp) = start_idp(&[&s, &s2]) else {
        return;
    };
    let admin = setup(&s, &idp.issuer);
    idp_url_flow(&s, &idp, &admin);
    protocol_url_flow(&s, &admin);
    custom_template_flow(&s2, &idp);
    let _ = std::fs::remove_file(&custom);
    // Nothing secret in the logs.
    for log in [s.stderr_text(), s2.stderr_text()] {
        assert!(!log.contains("keystone-secret"));
        assert!(!log.contains("ksl_websso_"));
    }
}

/// The IdP's URL form: the redirect (IdP endpoint, our redirect URI, state, nonce, nothing
/// secret; the browser cookie), the login, and the callback's refusals when replayed.
fn idp_url_flow(s: &TestServer, idp: &Idp, admin: &str) {
    let origin = enc(DASH);
    let path = "/v3/auth/OS-FEDERATION/identity_providers/idp/protocols/openid/websso";
    let idp_url = format!("{}{path}", s.url);
    let r = s.get(&format!("{path}?origin={origin}"), None);
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{}/auth?", idp.issuer)),
        "{location}"
    );
    assert_eq!(query_param(location, "redirect_uri").unwrap(), idp_url);
    assert_eq!(query_param(location, "client_id").unwrap(), "keystone");
    assert_eq!(query_param(location, "response_type").unwrap(), "code");
    assert!(query_param(location, "nonce").is_some());
    assert!(!location.contains("keystone-secret"));
    let set_cookie = r.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("ksl_websso_"), "{set_cookie}");
    assert!(
        set_cookie.ends_with("; Path=/v3/auth/OS-FEDERATION/; Max-Age=600; HttpOnly; SameSite=Lax"),
        "{set_cookie}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));

    let (page, callback, cookie) =
        Browser::new().sso_with_cookie(&format!("{idp_url}?origin={origin}"), &idp_url, "alice");
    let token = token_of_page(&page);
    let body = validate(s, admin, &token);
    let user = &body["token"]["user"];
    assert_eq!(user["name"], json!("alice"));
    assert_eq!(
        user["OS-FEDERATION"]["identity_provider"]["id"],
        json!("idp")
    );
    assert_eq!(user["OS-FEDERATION"]["protocol"]["id"], json!("openid"));
    assert_eq!(body["token"]["methods"], json!(["openid"]));
    assert!(!s.stderr_text().contains(&token));
    // The flow is bound to its browser by a cookie: the same callback URL opened in another
    // browser (login CSRF) is refused.
    assert!(cookie.starts_with("ksl_websso_"), "{cookie}");
    let (status, _, _, body) = Browser::new().get(&callback);
    assert_eq!(status, 401, "{body}");
    assert!(s
        .stderr_text()
        .contains("WebSSO: callback without the browser cookie of its flow"));
    // Replayed with the cookie: the IdP refuses the used code.
    let replay = callback.strip_prefix(&s.url).unwrap();
    let r = s.request("GET", replay, &[("Cookie", &cookie)], None);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(s.stderr_text().contains("token endpoint refused the code"));
    // The state belongs to its URL: not accepted on the protocol-only one.
    let other = replay.replacen(
        "/identity_providers/idp/protocols/openid/websso",
        "/websso/openid",
        1,
    );
    assert_eq!(
        s.request("GET", &other, &[("Cookie", &cookie)], None)
            .status,
        401
    );
}

/// The protocol-only form: one IdP with the protocol is used; with two, `idp_id` picks one,
/// else upstream's 401.
fn protocol_url_flow(s: &TestServer, admin: &str) {
    let origin = enc(DASH);
    let proto_url = format!("{}/v3/auth/OS-FEDERATION/websso/openid", s.url);
    let (page, _) = Browser::new().sso(&format!("{proto_url}?origin={origin}"), &proto_url, "bob");
    let token = token_of_page(&page);
    let body = validate(s, admin, &token);
    assert_eq!(body["token"]["user"]["name"], json!("bob"));

    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp2"),
        Some(admin),
        &json!({"identity_provider": {"remote_ids": ["https://idp2.example"], "enabled": true}}),
    ));
    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp2/protocols/openid"),
        Some(admin),
        &json!({"protocol": {"mapping_id": "m"}}),
    ));
    for query in ["", "&idp_id=nope"] {
        let r = s.get(
            &format!("/v3/auth/OS-FEDERATION/websso/openid?origin={origin}{query}"),
            None,
        );
        assert_eq!(r.status, 401, "{}", r.text());
    }
    let (page, _) = Browser::new().sso(
        &format!("{proto_url}?origin={origin}&idp_id=idp"),
        &proto_url,
        "alice",
    );
    token_of_page(&page);
}

/// `[federation] sso_callback_template` is honoured (Python's Template syntax).
fn custom_template_flow(s2: &TestServer, idp: &Idp) {
    setup(s2, &idp.issuer);
    let url2 = format!("{}/v3/auth/OS-FEDERATION/websso/openid", s2.url);
    let ((status, _, _, body), _) =
        Browser::new().sso(&format!("{url2}?origin={}", enc(DASH)), &url2, "alice");
    assert_eq!(status, 200, "{body}");
    let token = body.split('|').nth(1).unwrap();
    assert_eq!(body, format!("<p>{DASH}|{token}|$</p>"));
}

/// A state sealed with the server's own keys (as websso.rs seals it).
fn sealed_state(s: &TestServer, state: &Value) -> String {
    let dir = s.data_dir.join("fernet-keys");
    let key_file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let key = std::fs::read_to_string(key_file).unwrap();
    let fernet = fernet::Fernet::new(key.trim()).unwrap();
    let mut plain = b"ksl-websso-state/1\n".to_vec();
    plain.extend(serde_json::to_vec(state).unwrap());
    fernet.encrypt(&plain).trim_end_matches('=').to_string()
}

#[test]
fn websso_refusals_as_upstream() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf("")));
    let t = s.admin_token();
    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp"),
        Some(&t),
        &json!({"identity_provider": {"remote_ids": ["http://127.0.0.1:9"], "enabled": true}}),
    ));
    ok(&s.send_json(
        "PUT",
        "/v3/OS-FEDERATION/mappings/m",
        Some(&t),
        &json!({"mapping": {"rules": [{"local": [{"user": {"name": "{0}"}}],
                                       "remote": [{"type": "REMOTE_USER"}]}]}}),
    ));
    ok(&s.send_json(
        "PUT",
        &format!("{IDPS}/idp/protocols/openid"),
        Some(&t),
        &json!({"protocol": {"mapping_id": "m"}}),
    ));
    let base = "/v3/auth/OS-FEDERATION/identity_providers/idp/protocols/openid/websso";
    let generic = "The request you have made requires authentication.";

    let r = s.get(base, None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["message"],
        json!("Request must have an origin query parameter")
    );
    let r = s.request("POST", &format!("{base}?origin="), &[], None);
    assert_eq!(r.status, 400);
    for untrusted in [
        "https://evil.example/",
        "https://dash.example/auth/websso/x\"><script>",
    ] {
        let r = s.get(&format!("{base}?origin={}", enc(untrusted)), None);
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.json()["error"]["message"], json!(generic));
        assert!(!r.text().contains("<script>"));
    }
    // Unknown IdP, unknown protocol: upstream's 404s.
    let origin = enc(DASH);
    let r = s.get(
        &format!("/v3/auth/OS-FEDERATION/identity_providers/nope/protocols/openid/websso?origin={origin}"),
        None,
    );
    assert_eq!(r.status, 404, "{}", r.text());
    // No IdP has the protocol: "Missing entity ID from environment".
    let r = s.get(
        &format!("/v3/auth/OS-FEDERATION/websso/saml2?origin={origin}"),
        None,
    );
    assert_eq!(r.status, 401);
    state_refusals(&s, base, &t);
}

/// The callback's refusals: the IdP's error, forged, expired, misplaced or unbound state.
fn state_refusals(s: &TestServer, base: &str, t: &str) {
    let generic = "The request you have made requires authentication.";
    // The IdP's error answer.
    let r = s.get(&format!("{base}?error=access_denied&state=x"), None);
    assert_eq!(r.status, 401);
    // Forged, expired, or misplaced state: refused before any call to the IdP.
    let r = s.get(&format!("{base}?code=c&state=forged"), None);
    assert_eq!(r.status, 401);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let state = |exp: f64, protocol: &str| {
        json!({"idp": "idp", "protocol": protocol, "origin": DASH, "nonce": "n", "exp": exp,
               "idp_url": true, "binding": "b"})
    };
    let expired = sealed_state(s, &state(now - 1.0, "openid"));
    let r = s.get(&format!("{base}?code=c&state={expired}"), None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["message"], json!(generic));
    let elsewhere = sealed_state(s, &state(now + 300.0, "mapped"));
    let r = s.get(&format!("{base}?code=c&state={elsewhere}"), None);
    assert_eq!(r.status, 401);
    // A valid state without its browser's cookie, then with it: it reaches the IdP (here
    // unreachable: still a 401, never a hang).
    let valid = sealed_state(s, &state(now + 300.0, "openid"));
    let r = s.get(&format!("{base}?code=c&state={valid}"), None);
    assert_eq!(r.status, 401);
    assert!(!s.stderr_text().contains("IdP unreachable"));
    let r = s.request(
        "GET",
        &format!("{base}?code=c&state={valid}"),
        &[("Cookie", "other=1; ksl_websso_n=b")],
        None,
    );
    assert_eq!(r.status, 401);
    assert!(
        s.stderr_text().contains("IdP unreachable"),
        "{}",
        s.stderr_text()
    );
    // A token of the same keys is not a state.
    let r = s.get(&format!("{base}?code=c&state={t}"), None);
    assert_eq!(r.status, 401);
    // The reasons are logged (upstream's messages), the token is not.
    let log = s.stderr_text();
    assert!(
        log.contains("https://evil.example/ is not a trusted dashboard host"),
        "{log}"
    );
    assert!(log.contains("Request must have an origin query parameter"));
    assert!(log.contains("Missing entity ID from environment"));
    assert!(log.contains("WebSSO: state expired"));
    assert!(!log.contains(t));
}
