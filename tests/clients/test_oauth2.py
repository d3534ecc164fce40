"""OS-OAUTH2: the client credentials grant (POST /v3/OS-OAUTH2/token) with an application
credential as the OAuth2 client, as upstream Keystone 30 answers it: the access token (a
Fernet application-credential token usable as X-Auth-Token), and upstream's OAuth2 error
bodies and statuses for a wrong secret, an unknown client, a missing/unsupported grant_type,
a non-form content type, missing client credentials, an expired credential and non-POST
methods. Bodies are compared byte for byte with what upstream writes (compact JSON, keys
sorted, a trailing newline).
"""
import datetime
import json
import os
import time
import uuid

import pytest
import requests

from ksl_common import ADMIN, AUTH_URL, HTTP_TIMEOUT

TOKEN_URL = AUTH_URL + "/OS-OAUTH2/token"
GRANT = {"grant_type": "client_credentials"}
GENERIC_401 = "The request you have made requires authentication."
AUTH_FAILED = "Client authentication failed."
UNKNOWN = "An unknown error occurred and failed to get an OAuth2.0 access token."

# Every secret this module handles: none may show up in a response or the server log.
SECRETS = []
# (user_id, app cred id) made here; deleted one by one before their user (upstream's bulk
# delete of a user's credentials leaves their role rows behind in sqlite).
CREATED = []


def _h(token):
    return {"X-Auth-Token": token}


def _password_token(user_id, password, project_id):
    r = requests.post(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT, json={"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"id": user_id, "password": password}}},
        "scope": {"project": {"id": project_id}}}})
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


def _error_bytes(error, description):
    return ('{"error":"%s","error_description":%s}\n'
            % (error, json.dumps(description))).encode()


def _assert_error(r, status, error, description):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    assert r.content == _error_bytes(error, description)
    if status == 401:
        assert r.headers["WWW-Authenticate"] == 'Keystone uri="%s"' % AUTH_URL
    else:
        assert "WWW-Authenticate" not in r.headers
    for secret in SECRETS:
        assert secret not in r.text


@pytest.fixture(scope="module")
def client():
    """A fresh user with role member on a fresh project, and an application credential."""
    r = requests.post(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": ADMIN["password"]}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert r.status_code == 201, r.text
    h = _h(r.headers["X-Subject-Token"])
    roles = requests.get(AUTH_URL + "/roles?name=member", headers=h,
                         timeout=HTTP_TIMEOUT).json()["roles"]
    project = requests.post(AUTH_URL + "/projects", headers=h, timeout=HTTP_TIMEOUT, json={
        "project": {"name": "oauth2-" + uuid.uuid4().hex[:8], "domain_id": "default"}}
    ).json()["project"]
    password = "pw-" + uuid.uuid4().hex
    SECRETS.append(password)
    user = requests.post(AUTH_URL + "/users", headers=h, timeout=HTTP_TIMEOUT, json={"user": {
        "name": "oauth2-" + uuid.uuid4().hex[:8], "domain_id": "default",
        "password": password}}).json()["user"]
    r = requests.put(AUTH_URL + "/projects/%s/users/%s/roles/%s" % (
        project["id"], user["id"], roles[0]["id"]), headers=h, timeout=HTTP_TIMEOUT)
    assert r.status_code == 204, r.text
    token = _password_token(user["id"], password, project["id"])
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % user["id"],
                      headers=_h(token), timeout=HTTP_TIMEOUT,
                      json={"application_credential": {"name": "oauth2-client-" + uuid.uuid4().hex[:8]}})
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    SECRETS.append(ac["secret"])
    CREATED.append(ac["id"])
    yield {"user_id": user["id"], "project_id": project["id"], "token": token,
           "id": ac["id"], "name": ac["name"], "secret": ac["secret"]}
    for ac_id in CREATED:
        requests.delete(AUTH_URL + "/users/%s/application_credentials/%s" % (user["id"], ac_id),
                        headers=_h(token), timeout=HTTP_TIMEOUT)
    requests.delete(AUTH_URL + "/users/" + user["id"], headers=h, timeout=HTTP_TIMEOUT)
    requests.delete(AUTH_URL + "/projects/" + project["id"], headers=h, timeout=HTTP_TIMEOUT)


def test_client_credentials_grant_issues_an_app_cred_token(client):
    r = requests.post(TOKEN_URL, data=GRANT, auth=(client["id"], client["secret"]),
                      timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert "WWW-Authenticate" not in r.headers
    body = r.json()
    assert list(body) == ["access_token", "expires_in", "token_type"]
    access_token = body["access_token"]
    assert access_token.startswith("gAAAAA")
    assert r.content == ('{"access_token":"%s","expires_in":%d,"token_type":"Bearer"}\n'
                         % (access_token, body["expires_in"])).encode()
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert client["secret"] not in r.text

    # It validates, and it is the credential's project-scoped token.
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={"X-Auth-Token": client["token"], "X-Subject-Token": access_token})
    assert v.status_code == 200, v.text
    tok = v.json()["token"]
    assert tok["methods"] == ["application_credential"]
    assert tok["user"]["id"] == client["user_id"]
    assert tok["project"]["id"] == client["project_id"]
    assert tok["application_credential"] == {"id": client["id"], "name": client["name"],
                                             "restricted": True}
    # member and the role it implies (the order of token roles is not asserted)
    assert {x["name"] for x in tok["roles"]} == {"member", "reader"}

    # It is usable as X-Auth-Token (self-validation, and an API call its roles allow).
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={"X-Auth-Token": access_token, "X-Subject-Token": access_token})
    assert v.status_code == 200, v.text
    p = requests.get(AUTH_URL + "/projects/" + client["project_id"],
                     headers=_h(access_token), timeout=HTTP_TIMEOUT)
    assert p.status_code == 200, p.text


def test_client_credentials_in_the_form_body(client):
    # Upstream also reads client_id/client_secret from the form when there is no Basic auth.
    r = requests.post(TOKEN_URL, timeout=HTTP_TIMEOUT, data={
        "grant_type": "client_credentials", "client_id": client["id"],
        "client_secret": client["secret"]})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer"
    # multipart/form-data is a form too.
    r = requests.post(TOKEN_URL, files={"grant_type": (None, "client_credentials")},
                      auth=(client["id"], client["secret"]), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    # Basic credentials win over form fields.
    r = requests.post(TOKEN_URL, timeout=HTTP_TIMEOUT, auth=(client["id"], "wrong"), data={
        "grant_type": "client_credentials", "client_id": client["id"],
        "client_secret": client["secret"]})
    _assert_error(r, 401, "invalid_client", GENERIC_401)


def test_wrong_secret(client):
    r = requests.post(TOKEN_URL, data=GRANT, auth=(client["id"], "x" + client["secret"][1:]),
                      timeout=HTTP_TIMEOUT)
    _assert_error(r, 401, "invalid_client", GENERIC_401)


def test_unknown_client():
    # Upstream's ApplicationCredentialNotFound (404) passes through as other_error.
    r = requests.post(TOKEN_URL, data=GRANT, auth=(uuid.uuid4().hex, "secret"),
                      timeout=HTTP_TIMEOUT)
    _assert_error(r, 404, "other_error", UNKNOWN)


def test_missing_client_credentials(client):
    # No Authorization at all, a Bearer one, undecodable Basic, an empty secret.
    cases = [{}, {"headers": {"Authorization": "Bearer abc"}},
             {"headers": {"Authorization": "Basic !!!"}},
             {"auth": (client["id"], "")}]
    for kw in cases:
        r = requests.post(TOKEN_URL, data=GRANT, timeout=HTTP_TIMEOUT, **kw)
        _assert_error(r, 401, "invalid_client", AUTH_FAILED)


def test_missing_grant_type(client):
    r = requests.post(TOKEN_URL, data={"foo": "bar"}, auth=(client["id"], client["secret"]),
                      timeout=HTTP_TIMEOUT)
    _assert_error(r, 400, "invalid_request", "The parameter grant_type is required.")


def test_unsupported_grant_type(client):
    for value in ("password", "authorization_code", ""):
        r = requests.post(TOKEN_URL, data={"grant_type": value},
                          auth=(client["id"], client["secret"]), timeout=HTTP_TIMEOUT)
        _assert_error(r, 400, "unsupported_grant_type",
                      "The parameter grant_type %s is not supported." % value)


def test_wrong_content_type(client):
    # Only a form body is read: JSON or text/plain carries no grant_type.
    r = requests.post(TOKEN_URL, json=GRANT, auth=(client["id"], client["secret"]),
                      timeout=HTTP_TIMEOUT)
    _assert_error(r, 400, "invalid_request", "The parameter grant_type is required.")
    r = requests.post(TOKEN_URL, data="grant_type=client_credentials",
                      headers={"Content-Type": "text/plain"},
                      auth=(client["id"], client["secret"]), timeout=HTTP_TIMEOUT)
    _assert_error(r, 400, "invalid_request", "The parameter grant_type is required.")


def test_expired_app_cred(client):
    soon = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S")
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % client["user_id"],
                      headers=_h(client["token"]), timeout=HTTP_TIMEOUT,
                      json={"application_credential": {"name": "oauth2-short-" + uuid.uuid4().hex[:8],
                                                       "expires_at": soon}})
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    SECRETS.append(ac["secret"])
    CREATED.append(ac["id"])
    time.sleep(4.5)
    r = requests.post(TOKEN_URL, data=GRANT, auth=(ac["id"], ac["secret"]),
                      timeout=HTTP_TIMEOUT)
    _assert_error(r, 401, "invalid_client", GENERIC_401)


def test_other_methods_are_oauth2_errors():
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        r = requests.request(method, TOKEN_URL, timeout=HTTP_TIMEOUT)
        _assert_error(r, 405, "other_error",
                      "The method is not allowed for the requested URL.")


def test_no_secret_in_server_log(client):
    log_path = os.environ.get("KSL_LOG")
    if not log_path:
        pytest.skip("KSL_LOG not set")
    with open(log_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for secret in SECRETS:
        assert secret not in text
