"""keystonemiddleware.auth_token in front of a tiny in-process WSGI app.

The filter is built from a conf dict (what paste-deploy would pass), authenticates
as admin with the password plugin and validates user tokens against the server
under test (GET /v3/auth/tokens on the identity endpoint from the catalog). Token
caching is disabled so that revocation shows on the very next request.
"""
import json
import logging

import pytest
import webob
from keystonemiddleware import auth_token

from ksl_common import ADMIN, AUTH_URL, BASE_URL, DEMO, new_session, password_auth

HEADERS = ("X-Identity-Status", "X-Roles", "X-Project-Id", "X-Project-Name",
           "X-User-Id", "X-User-Name", "X-User-Domain-Id", "X-Project-Domain-Id",
           "X-Service-Catalog")


def echo_app(environ, start_response):
    """Answers 200 with the identity headers auth_token put into the request."""
    seen = {}
    for name in HEADERS:
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            seen[name] = environ[key]
    seen["_has_auth_plugin"] = "keystone.token_auth" in environ
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def app():
    conf = {
        "www_authenticate_uri": BASE_URL,
        "auth_url": AUTH_URL,
        "auth_type": "password",
        "username": ADMIN["username"],
        "password": ADMIN["password"],
        "project_name": ADMIN["project_name"],
        "user_domain_id": "default",
        "project_domain_id": "default",
        "interface": "internal",
        "region_name": "RegionOne",
        "delay_auth_decision": "false",
        "include_service_catalog": "true",
        # no memcached: in-process cache, and caching disabled altogether so a
        # revoked token is re-validated at once
        "token_cache_time": "-1",
        "http_connect_timeout": "30",
        "http_request_max_retries": "1",
    }
    logging.getLogger("keystonemiddleware").setLevel(logging.DEBUG)
    return auth_token.AuthProtocol(echo_app, conf)


def call(app, token=None):
    req = webob.Request.blank("/v2.1/servers")
    if token is not None:
        req.headers["X-Auth-Token"] = token
    return req.get_response(app)


def demo_token():
    auth = password_auth(DEMO)
    return new_session(auth).get_token()


def test_valid_token_admitted_then_revoked(app, seed, admin_session):
    token = demo_token()
    resp = call(app, token)
    assert resp.status_int == 200, (resp.status, resp.text)
    seen = resp.json
    assert seen["X-Identity-Status"] == "Confirmed"
    roles = set(seen["X-Roles"].split(","))
    assert {"member", "reader"} <= roles, roles
    assert "admin" not in roles
    assert seen["X-Project-Id"] == seed["demo_project_id"]
    assert seen["X-Project-Name"] == "demo"
    assert seen["X-User-Id"] == seed["demo_user_id"]
    assert seen["X-User-Name"] == "demo"
    assert seen["X-User-Domain-Id"] == "default"
    assert seen["X-Project-Domain-Id"] == "default"
    assert seen["_has_auth_plugin"] is True
    catalog = json.loads(seen["X-Service-Catalog"])
    assert "identity" in {entry["type"] for entry in catalog}

    # a second request with the same token is still admitted
    assert call(app, token).status_int == 200

    # revoke it: DELETE /v3/auth/tokens with X-Subject-Token
    resp = admin_session.delete(AUTH_URL + "/auth/tokens",
                                headers={"X-Subject-Token": token})
    assert resp.status_code == 204

    resp = call(app, token)
    assert resp.status_int == 401, (resp.status, resp.text)
    assert resp.headers["WWW-Authenticate"] == 'Keystone uri="%s"' % BASE_URL


def test_no_token_refused(app, seed):
    resp = call(app)
    assert resp.status_int == 401, (resp.status, resp.text)
    assert resp.headers["WWW-Authenticate"] == 'Keystone uri="%s"' % BASE_URL


def test_garbage_token_refused(app, seed):
    resp = call(app, "gAAAAABnot-a-real-fernet-token")
    assert resp.status_int == 401, (resp.status, resp.text)
