//! /healthcheck as upstream Keystone answers it through oslo.middleware's Healthcheck app
//! (bodies and statuses recorded from oslo.middleware 8.2 under webob): no auth, any method,
//! plain/HEAD/JSON/HTML forms, and `disable_by_file`.

use crate::common::*;

const HTML_EMPTY: &str = "<HTML>\n<HEAD><TITLE>Healthcheck Status</TITLE></HEAD>\n<BODY>\n\n<H2>Result of 0 checks:</H2>\n<TABLE bgcolor=\"#ffffff\" border=\"1\">\n<TBODY>\n<TR>\n\n<TH>\nReason\n</TH>\n</TR>\n\n</TBODY>\n</TABLE>\n<HR></HR>\n\n</BODY>\n</HTML>";

#[test]
fn default_healthcheck_is_empty_200_and_head_204() {
    let s = TestServer::start_demo();
    let r = s.get("/healthcheck", None);
    r.expect(200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert!(r.body.is_empty(), "{}", r.text());
    assert!(r.header("x-openstack-request-id").is_some());
    let r = s.head("/healthcheck", None);
    r.expect(204);
    assert_eq!(r.header("content-type"), None);
    let r = s.request(
        "GET",
        "/healthcheck",
        &[("Accept", "application/json")],
        None,
    );
    r.expect(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.text(),
        "{\n    \"detailed\": false,\n    \"reasons\": []\n}"
    );
    let r = s.request("GET", "/healthcheck", &[("Accept", "text/html")], None);
    assert_eq!(r.header("content-type"), Some("text/html; charset=UTF-8"));
    assert_eq!(r.text(), HTML_EMPTY);
    // Mounted on the prefix, for any method, as upstream's dispatcher does; no token needed.
    s.request("POST", "/healthcheck/deep", &[], None)
        .expect(200);
    let r = s.request(
        "GET",
        "/healthcheck",
        &[("Accept", "application/xml")],
        None,
    );
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
}

#[test]
fn disable_by_file_makes_it_503_while_the_file_exists() {
    let dir = temp_dir("hc");
    let flag = dir.join("healthcheck_disable");
    let conf = format!(
        "[healthcheck]\nbackends = disable_by_file\ndisable_by_file_path = {}\n",
        flag.display()
    );
    let s = TestServer::start_with(DEMO_SEED, &[], Some(&conf));
    let r = s.get("/healthcheck", None);
    r.expect(200);
    assert_eq!(r.text(), "OK");
    let r = s.request(
        "GET",
        "/healthcheck",
        &[("Accept", "application/json")],
        None,
    );
    assert_eq!(
        r.text(),
        "{\n    \"detailed\": false,\n    \"reasons\": [\n        \"OK\"\n    ]\n}"
    );
    std::fs::write(&flag, b"").unwrap();
    let r = s.get("/healthcheck", None);
    r.expect(503);
    assert_eq!(r.text(), "DISABLED BY FILE");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    let r = s.head("/healthcheck", None);
    r.expect(503);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    let r = s.request("GET", "/healthcheck", &[("Accept", "text/html")], None);
    r.expect(503);
    assert!(r
        .text()
        .contains("<TR>\n\n    <TD>DISABLED BY FILE</TD>\n\n</TR>\n</TBODY>"));
    assert_eq!(r.body.len(), 253);
    // The API itself keeps serving: only the health answer says "take me out".
    s.get("/v3", None).expect(200);
    std::fs::remove_file(&flag).unwrap();
    s.get("/healthcheck", None).expect(200);
}

#[test]
fn an_unsupported_backend_stops_start_up() {
    let failed = start_expecting_exit_with_conf("[healthcheck]\nbackends = enable_by_files\n");
    assert!(failed.contains("enable_by_files"), "{failed}");
}

/// Starts with `conf` and returns its stderr, expecting it to exit.
fn start_expecting_exit_with_conf(conf: &str) -> String {
    let dir = temp_dir("hcbad");
    let conf_path = dir.join("keystone.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keystone-lite"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--config")
        .arg(&conf_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).to_string()
}
