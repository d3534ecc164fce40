//! Unit tests: the guide's requests, malformed input, the reference's responses.

use super::*;
use serde_json::json;

#[test]
fn parses_the_guides_auth_request() {
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<auth xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://docs.openstack.org/identity/api/v2.0"
  tenantName="demo">
  <passwordCredentials username="demo" password="secret&amp;secret"/>
</auth>"#;
    let v = request_to_json(body).unwrap();
    assert_eq!(
        v,
        json!({"auth": {"tenantName": "demo", "passwordCredentials":
            {"username": "demo", "password": "secret&secret"}}})
    );
}

#[test]
fn malformed_is_400_never_a_panic() {
    for bad in [
        &b""[..],
        b"<",
        b"<auth",
        b"<auth a=\"1\">",
        b"<auth></other>",
        b"<auth a=1/>",
        b"<auth>&bogus;</auth>",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]><auth/>",
        b"<auth/><auth/>",
        b"<auth a=\"1\" a=\"2\"/>",
        b"\xff\xfe<auth/>",
        b"<a>&#xFFFFFFFF;</a>",
    ] {
        assert_eq!(parse(bad).map(|_| ()).unwrap_err().code(), 400);
    }
    let deep = "<a>".repeat(100) + &"</a>".repeat(100);
    assert!(parse(deep.as_bytes()).is_err());
}

#[test]
fn serializes_access_like_the_reference() {
    let doc = json!({"access": {"token": {"id": "t", "tenant": {"id": "p", "name": "demo", "description": "d", "enabled": true}},
        "serviceCatalog": [{"name": "nova", "type": "compute", "endpoints_links": [],
            "endpoints": [{"id": "e", "publicURL": "http://x/?a&b", "region": "RegionOne"}]}],
        "user": {"id": "u", "name": "demo", "username": "demo", "roles": [{"name": "member"}], "roles_links": []},
        "metadata": {"is_admin": 0, "roles": ["r1"]}}});
    let xml = String::from_utf8(to_xml(&doc)).unwrap();
    assert!(xml.contains("<access xmlns=\"http://docs.openstack.org/identity/api/v2.0\">"));
    assert!(xml.contains(
        "<tenant id=\"p\" name=\"demo\" enabled=\"true\"><description>d</description></tenant>"
    ));
    assert!(xml.contains("<serviceCatalog><service name=\"nova\" type=\"compute\"><endpoints_links/><endpoint id=\"e\" publicURL=\"http://x/?a&amp;b\" region=\"RegionOne\"/></service></serviceCatalog>"));
    assert!(xml.contains("<user id=\"u\" name=\"demo\" username=\"demo\"><role name=\"member\"/><roles_links/></user>"));
    assert!(xml.contains("<metadata is_admin=\"0\"><roles><role>r1</role></roles></metadata>"));
    assert!(parse(xml.as_bytes()).is_ok());
}
