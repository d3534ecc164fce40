//! TLS on the API listener (a self-signed certificate made here with the openssl CLI, real
//! clients: curl and keystoneauth), and trusted proxy headers on and off.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;

/// A self-signed certificate for localhost/127.0.0.1: (cert.pem, key.pem).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl CLI")
        .status
        .success();
    assert!(ok, "openssl req failed");
    (cert, key)
}

/// curl with our CA: (status, body).
fn curl(ca: &Path, url: &str, extra: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(ca)
        .args(extra)
        .arg(url)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.parse().unwrap_or(0), body.to_string())
}

fn tls_server() -> (TestServer, PathBuf) {
    let dir = temp_dir("tls");
    let (cert, key) = self_signed(&dir);
    let (c, k) = (cert.display().to_string(), key.display().to_string());
    let s = TestServer::start_with(DEMO_SEED, &["--tls-cert", &c, "--tls-key", &k], None);
    (s, cert)
}

#[test]
fn https_serves_the_api_with_https_links_and_tokens() {
    let (s, ca) = tls_server();
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let (code, body) = curl(&ca, &format!("{}/v3", s.url), &[]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(&format!("\"href\": \"{}/v3/\"", s.url)),
        "{body}"
    );
    let auth = password_auth(
        user_by_name("admin", "default"),
        "adminpwd",
        Some(project_scope_by_name("admin", "default")),
    );
    let (code, body) = curl(
        &ca,
        &format!("{}/v3/auth/tokens", s.url),
        &[
            "-H",
            "Content-Type: application/json",
            "-d",
            &auth.to_string(),
        ],
    );
    assert_eq!(code, 201, "{body}");
    let (code, _) = curl(&ca, &format!("{}/healthcheck", s.url), &[]);
    assert_eq!(code, 200);
    // Plain HTTP on the TLS port gets no answer, and the server goes on.
    let plain = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "5",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("http://{}/v3", s.addr))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "000");
    assert_eq!(curl(&ca, &format!("{}/v3", s.url), &[]).0, 200);
}

#[test]
fn silent_and_stuck_tls_clients_do_not_block_others() {
    use std::io::Write;
    let (s, ca) = tls_server();
    // Connections that never say hello, and one stuck halfway through a ClientHello.
    let mut idle: Vec<std::net::TcpStream> = (0..8)
        .map(|_| std::net::TcpStream::connect(&s.addr).unwrap())
        .collect();
    idle[0]
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        assert_eq!(curl(&ca, &format!("{}/v3", s.url), &[]).0, 200);
    }
    // Generous: the point is "not behind the 10 s handshake deadline of the stuck ones".
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn keystoneauth_authenticates_over_https() {
    let python = dirs_home().join(".cache/keystone-lite/client-venv/bin/python");
    if !python.exists() {
        eprintln!("skipped: no client venv at {}", python.display());
        return;
    }
    let (s, ca) = tls_server();
    let script = r#"
import sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
auth = v3.Password(auth_url=sys.argv[1] + "/v3", username="admin", password="adminpwd",
                   project_name="admin", user_domain_id="default", project_domain_id="default")
sess = session.Session(auth=auth, verify=sys.argv[2])
print(sess.get_token() is not None, sess.get(sys.argv[1] + "/v3/projects", authenticated=True).status_code)
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&s.url)
        .arg(&ca)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        "True 200",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
}

#[test]
fn a_bad_key_file_stops_start_up_naming_the_file_only() {
    let dir = temp_dir("tlsbad");
    let (cert, _) = self_signed(&dir);
    let key = dir.join("bad.pem");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nnot-base64-SECRETBYTES\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.pem"), "{err}");
    assert!(!err.contains("SECRETBYTES"), "{err}");
}

// ---- proxy headers ----

const PROXY_ON: &str = "[oslo_middleware]\nenable_proxy_headers_parsing = true\n";

fn version_href(r: &Resp) -> String {
    r.json()["version"]["links"][0]["href"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn forwarded_headers_are_ignored_by_default() {
    let s = TestServer::start_demo();
    let r = s.request(
        "GET",
        "/v3",
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "id.example.com"),
        ],
        None,
    );
    assert_eq!(version_href(&r), format!("{}/v3/", s.url));
}

#[test]
fn forwarded_headers_set_links_when_parsing_is_on() {
    let s = TestServer::start_with(DEMO_SEED, &[], Some(PROXY_ON));
    let r = s.request(
        "GET",
        "/v3",
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "id.example.com"),
        ],
        None,
    );
    assert_eq!(version_href(&r), "https://id.example.com/v3/");
    // RFC 7239 wins over X-Forwarded-*; the first proxy's entry counts; :443 is dropped.
    let r = s.request(
        "GET",
        "/v3",
        &[
            (
                "Forwarded",
                "for=192.0.2.60;proto=https;host=fwd.example.org:443, for=10.0.0.1;proto=http",
            ),
            ("X-Forwarded-Host", "ignored.example"),
        ],
        None,
    );
    assert_eq!(version_href(&r), "https://fwd.example.org/v3/");
    let r = s.request(
        "GET",
        "/v3",
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "id.example.com"),
            ("X-Forwarded-Prefix", "/identity"),
        ],
        None,
    );
    assert_eq!(version_href(&r), "https://id.example.com/identity/v3/");
    // Only the proto: the Host header the client sent stays.
    let r = s.request("GET", "/v3", &[("X-Forwarded-Proto", "https")], None);
    assert_eq!(version_href(&r), format!("https://{}/v3/", s.addr));
    // The version list and authenticated links too.
    let r = s.request(
        "GET",
        "/",
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "id.example.com"),
        ],
        None,
    );
    assert!(
        r.text().contains("https://id.example.com/v3/"),
        "{}",
        r.text()
    );
    assert!(!r.text().contains(&s.url), "{}", r.text());
    let admin = s.admin_token();
    let r = s.request(
        "GET",
        "/v3/projects",
        &[
            ("X-Auth-Token", &admin),
            ("X-Forwarded-Host", "id.example.com"),
        ],
        None,
    );
    assert_eq!(
        r.json()["links"]["self"],
        "http://id.example.com/v3/projects"
    );
    // Without forwarded headers: our own URL.
    assert_eq!(version_href(&s.get("/v3", None)), format!("{}/v3/", s.url));
}

#[test]
fn a_configured_public_endpoint_wins_over_forwarded_headers() {
    // The server prints its public URL, so the port is chosen here.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let conf = format!("{PROXY_ON}[DEFAULT]\npublic_endpoint = https://keystone.example.net/\n");
    let _s = TestServer::start_with(DEMO_SEED, &["--listen", &listen], Some(&conf));
    let raw = format!(
        "GET /v3 HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil.example\r\n\r\n"
    );
    let r = send_raw(&listen, raw.as_bytes(), false).unwrap();
    assert_eq!(version_href(&r), "https://keystone.example.net/v3/");
}
