//! Starts the test OpenID provider (start.sh beside this file) for a Rust test and talks to it
//! as a client would: token requests, revocation, and a browser's login redirects.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

pub const CLIENT: (&str, &str) = ("keystone", "keystone-secret");

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub struct Idp {
    pub issuer: String,
    pub port: u16,
    child: Child,
    agent: ureq::Agent,
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Idp {
    /// None (after saying why) when node or npm is missing; panics on any other failure.
    pub fn start(port: Option<u16>) -> Option<Idp> {
        if !have("node") || !have("npm") {
            eprintln!("SKIPPED: node and npm are needed for the test OpenID provider");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/federation/idp/start.sh");
        let mut child = Command::new("bash")
            .arg(script)
            .env("PORT", port.unwrap_or(0).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start.sh");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining: a closed pipe would kill the IdP on its next write (EPIPE).
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        // The first run installs oidc-provider from the registry.
        let line = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(line) if line.starts_with("ISSUER ") => line,
            other => {
                let _ = child.kill();
                panic!("test IdP did not start: {other:?}");
            }
        };
        let issuer = line.trim_start_matches("ISSUER ").trim().to_string();
        let port = issuer.rsplit(':').next().unwrap().parse().unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Some(Idp {
            issuer,
            port,
            child,
            agent,
        })
    }

    fn basic() -> String {
        use base64::Engine;
        let pair = format!("{}:{}", CLIENT.0, CLIENT.1);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.issuer))
            .header("Authorization", Self::basic())
            .send_form(form.iter().copied())
            .unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }

    fn token(&self, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.post("/token", form);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// keystoneauth1's OidcPassword request (plus a resource indicator when given).
    pub fn password_grant(&self, user: &str, password: &str, resource: Option<&str>) -> Value {
        let mut form = vec![
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            ("scope", "openid email profile groups"),
        ];
        if let Some(r) = resource {
            form.push(("resource", r));
        }
        self.token(&form)
    }

    pub fn client_credentials(&self) -> Value {
        self.token(&[("grant_type", "client_credentials"), ("scope", "keystone")])
    }

    pub fn revoke(&self, token: &str) {
        let (status, body) = self.post("/token/revocation", &[("token", token)]);
        assert_eq!(status, 200, "{body}");
    }

    pub fn get_json(&self, path: &str) -> Value {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.issuer))
            .call()
            .unwrap();
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// Follows the authorization redirects as a browser would (keeping cookies), logging in
    /// `user` through the IdP's test interaction, up to the callback's JSON echo of the query.
    pub fn browser_login(&self, url: &str, user: &str) -> Value {
        let mut url = format!("{url}&login_hint={user}");
        let mut cookies: Vec<String> = Vec::new();
        for _ in 0..12 {
            let mut response = self
                .agent
                .get(&url)
                .header("Cookie", cookies.join("; "))
                .call()
                .unwrap();
            for c in response.headers().get_all("set-cookie") {
                let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
                let name = pair.split('=').next().unwrap().to_string();
                cookies.retain(|old| !old.starts_with(&format!("{name}=")));
                cookies.push(pair);
            }
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response.headers()["location"].to_str().unwrap();
                url = if location.starts_with('/') {
                    format!("{}{location}", self.issuer)
                } else {
                    location.to_string()
                };
                continue;
            }
            let body = response.body_mut().read_to_string().unwrap();
            assert_eq!(status, 200, "{url}: {body}");
            return serde_json::from_str(&body).unwrap();
        }
        panic!("too many redirects");
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
