"""The real v2.0 clients against the server under test: keystoneauth1's identity.v2
Password and Token plugins, and keystonemiddleware.auth_token admitting a token issued
through /v2.0."""
import json

import pytest
import webob
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v2
from keystonemiddleware import auth_token

from ksl_common import ADMIN, AUTH_URL, BASE_URL, DEMO, HTTP_TIMEOUT, REGION, SEEDED_SERVICES

V2_URL = BASE_URL + "/v2.0"


def v2_password(creds, tenant=True):
    kwargs = {"tenant_name": creds["project_name"]} if tenant else {}
    return v2.Password(auth_url=V2_URL, username=creds["username"],
                       password=creds["password"], **kwargs)


def session(auth):
    return ksa_session.Session(auth=auth, timeout=HTTP_TIMEOUT)


def test_v2_password_token_and_compute_endpoint(seed):
    auth = v2_password(DEMO)
    sess = session(auth)
    token = sess.get_token()
    assert isinstance(token, str) and len(token) > 20
    assert sess.get_project_id() == seed["demo_project_id"]
    assert sess.get_user_id() == seed["demo_user_id"]
    name, url = SEEDED_SERVICES["compute"]
    assert sess.get_endpoint(service_type="compute", interface="public",
                             region_name=REGION) == url
    assert sess.get_endpoint(service_type="compute", interface="internal") == url
    ref = auth.get_access(sess)
    assert ref.version == "v2.0"
    assert ref.project_name == "demo" and ref.username == "demo"
    assert {"member", "reader"} <= set(ref.role_names)
    assert ref.expires > ref.issued
    with pytest.raises(ksa_exc.EndpointNotFound):
        sess.get_endpoint(service_type="no-such-service", interface="public")


def test_v2_password_bad_password_is_401():
    sess = session(v2.Password(auth_url=V2_URL, username="demo", password="wrong",
                               tenant_name="demo"))
    with pytest.raises(ksa_exc.Unauthorized):
        sess.get_token()


def test_v2_token_plugin_rescopes_unscoped_token(seed):
    unscoped_auth = v2_password(DEMO, tenant=False)
    unscoped_sess = session(unscoped_auth)
    unscoped = unscoped_sess.get_token()
    ref = unscoped_auth.get_access(unscoped_sess)
    assert not ref.project_scoped
    auth = v2.Token(auth_url=V2_URL, token=unscoped, tenant_name="demo")
    sess = session(auth)
    assert sess.get_token() != unscoped
    assert sess.get_project_id() == seed["demo_project_id"]
    assert sess.get_endpoint(service_type="compute", interface="public") == \
        SEEDED_SERVICES["compute"][1]
    # by tenant id as well
    auth = v2.Token(auth_url=V2_URL, token=unscoped, tenant_id=seed["demo_project_id"])
    assert session(auth).get_project_id() == seed["demo_project_id"]


def echo_app(environ, start_response):
    seen = {k: environ[k] for k in ("HTTP_X_IDENTITY_STATUS", "HTTP_X_PROJECT_NAME",
                                    "HTTP_X_USER_NAME", "HTTP_X_ROLES") if k in environ}
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def middleware(service_auth):
    conf = {
        "www_authenticate_uri": BASE_URL,
        "interface": "internal",
        "region_name": REGION,
        "delay_auth_decision": "false",
        "token_cache_time": "-1",
        "http_connect_timeout": "30",
        "http_request_max_retries": "1",
    }
    conf.update(service_auth)
    return auth_token.AuthProtocol(echo_app, conf)


V3_SERVICE_USER = {
    "auth_type": "password", "auth_url": AUTH_URL, "username": ADMIN["username"],
    "password": ADMIN["password"], "project_name": ADMIN["project_name"],
    "user_domain_id": "default", "project_domain_id": "default",
}
def test_auth_token_admits_v2_issued_token(seed):
    # (A v2password service user cannot share one process with the v3 password plugin:
    # oslo.config refuses the second, different "username" option.)
    app = middleware(V3_SERVICE_USER)
    token = session(v2_password(DEMO)).get_token()
    req = webob.Request.blank("/v2.1/servers")
    req.headers["X-Auth-Token"] = token
    resp = req.get_response(app)
    assert resp.status_int == 200, resp.body
    seen = json.loads(resp.body)
    assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
    assert seen["HTTP_X_PROJECT_NAME"] == "demo"
    assert seen["HTTP_X_USER_NAME"] == "demo"
    assert "member" in seen["HTTP_X_ROLES"].split(",")
    # A garbage token is refused.
    req = webob.Request.blank("/v2.1/servers")
    req.headers["X-Auth-Token"] = "garbage"
    assert req.get_response(app).status_int == 401
