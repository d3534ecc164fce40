"""OS-OAUTH1 delegation end to end with real clients: keystoneclient's v3.contrib.oauth1
managers (oauthlib signing) for request token / authorize / access token, and keystoneauth's
extras.oauth1 plugin for the `oauth1` auth method. The same assertions hold against upstream.
"""
import time
import urllib.parse

import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.extras.oauth1 import v3 as oauth1_v3
from keystoneclient.v3 import client as ks_client
from oauthlib import oauth1

from ksl_common import AUTH_URL, DEMO, new_session, password_auth

GENERIC_401 = "The request you have made requires authentication."


@pytest.fixture
def demo_session():
    return new_session(password_auth(DEMO))


@pytest.fixture
def consumer(admin_session):
    c = admin_session.post(AUTH_URL + "/OS-OAUTH1/consumers",
                           json={"consumer": {"description": "oauth1 test"}}).json()["consumer"]
    yield c
    admin_session.delete(AUTH_URL + "/OS-OAUTH1/consumers/" + c["id"], raise_exc=False)


def _member_role(admin_session):
    roles = admin_session.get(AUTH_URL + "/roles?name=admin").json()["roles"]
    return roles[0]


def _flow(admin_session, demo_session, consumer, seed, roles=None):
    """request token -> authorize (as demo) -> access token; returns the pieces."""
    kc = ks_client.Client(session=admin_session)
    project = seed["admin_project_id"]
    rt = kc.oauth1.request_tokens.create(consumer["id"], consumer["secret"], project)
    rt_key, rt_secret = rt.key, rt.secret
    role = _member_role(admin_session)
    roles = roles if roles is not None else [role["id"]]
    verifier = kc.oauth1.request_tokens.authorize(rt_key, roles).oauth_verifier
    at = kc.oauth1.access_tokens.create(
        consumer["id"], consumer["secret"], rt_key, rt_secret, verifier)
    at_key, at_secret = at.key, at.secret
    return {"rt_key": rt_key, "rt_secret": rt_secret, "verifier": verifier,
            "at_key": at_key, "at_secret": at_secret, "role": role}


def _oauth_session(consumer, f):
    return new_session(oauth1_v3.OAuth1(
        auth_url=AUTH_URL, consumer_key=consumer["id"], consumer_secret=consumer["secret"],
        access_key=f["at_key"], access_secret=f["at_secret"]))


def test_request_token_response_is_form_encoded(consumer, seed):
    client = oauth1.Client(consumer["id"], client_secret=consumer["secret"],
                           signature_method=oauth1.SIGNATURE_HMAC, callback_uri="oob")
    url = AUTH_URL + "/OS-OAUTH1/request_token"
    uri, headers, _ = client.sign(url, http_method="POST")
    headers["Requested-Project-Id"] = seed["admin_project_id"]
    r = requests.post(uri, headers=headers)
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = dict(urllib.parse.parse_qsl(r.text))
    assert sorted(body) == ["oauth_expires_at", "oauth_token", "oauth_token_secret"]
    assert len(body["oauth_token"]) == 32 and len(body["oauth_token_secret"]) == 32
    assert body["oauth_expires_at"].endswith("Z")


def test_request_token_bad_signature_and_missing_headers(consumer, seed):
    client = oauth1.Client(consumer["id"], client_secret="wrong" * 4,
                           signature_method=oauth1.SIGNATURE_HMAC, callback_uri="oob")
    url = AUTH_URL + "/OS-OAUTH1/request_token"
    uri, headers, _ = client.sign(url, http_method="POST")
    headers["Requested-Project-Id"] = seed["admin_project_id"]
    r = requests.post(uri, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == GENERIC_401
    good = oauth1.Client(consumer["id"], client_secret=consumer["secret"],
                         signature_method=oauth1.SIGNATURE_HMAC, callback_uri="oob")
    uri, headers, _ = good.sign(url, http_method="POST")
    r = requests.post(uri, headers=headers)  # no Requested-Project-Id
    assert r.status_code == 400
    assert "Requested-Project-Id" in r.json()["error"]["message"]
    # No callback: oauthlib's invalid_request, as keystone words it.
    nocb = oauth1.Client(consumer["id"], client_secret=consumer["secret"],
                         signature_method=oauth1.SIGNATURE_HMAC)
    uri, headers, _ = nocb.sign(url, http_method="POST")
    headers["Requested-Project-Id"] = seed["admin_project_id"]
    r = requests.post(uri, headers=headers)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "Validation failed with errors: invalid_request, detail message is: "
        "Missing callback URI..")


def test_full_flow_and_oauth_scoped_token(admin_session, demo_session, consumer, seed):
    f = _flow(admin_session, demo_session, consumer, seed)
    assert len(f["verifier"]) == 8
    sess = _oauth_session(consumer, f)
    token_id = sess.get_token()
    body = admin_session.get(AUTH_URL + "/auth/tokens",
                            headers={"X-Subject-Token": token_id}).json()["token"]
    assert body["methods"] == ["oauth1"]
    assert body["project"]["id"] == seed["admin_project_id"]
    assert body["user"]["id"] == seed["admin_user_id"]
    assert body["OS-OAUTH1"] == {"access_token_id": f["at_key"], "consumer_id": consumer["id"]}
    assert [r["id"] for r in body["roles"]] and f["role"]["id"] in [r["id"] for r in body["roles"]]
    # The request token was consumed.
    kc = ks_client.Client(session=admin_session)
    with pytest.raises(ksa_exc.HttpError):
        kc.oauth1.access_tokens.create(consumer["id"], consumer["secret"], f["rt_key"],
                                       f["rt_secret"], f["verifier"])

    # Access token API, as the demo user.
    uid = seed["admin_user_id"]
    listed = admin_session.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens" % uid).json()
    ids = [t["id"] for t in listed["access_tokens"]]
    assert f["at_key"] in ids
    one = admin_session.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens/%s" % (uid, f["at_key"])
                           ).json()["access_token"]
    assert sorted(one) == ["authorizing_user_id", "consumer_id", "expires_at", "id", "links",
                           "project_id"]
    assert "access_secret" not in one and "role_ids" not in one
    roles = admin_session.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens/%s/roles"
                             % (uid, f["at_key"])).json()["roles"]
    assert [r["id"] for r in roles] == [f["role"]["id"]]
    assert "description" not in roles[0]
    role = admin_session.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens/%s/roles/%s"
                            % (uid, f["at_key"], f["role"]["id"])).json()["role"]
    assert role["id"] == f["role"]["id"]

    # Delegation limits: an OAuth-scoped token makes no other token, manages no access tokens.
    oauth_headers = {"X-Auth-Token": token_id}
    r = requests.post(AUTH_URL + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["token"], "token": {"id": token_id}}}})
    assert r.status_code == 403
    r = requests.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens" % uid, headers=oauth_headers)
    assert r.status_code == 403

    # Deleting the access token revokes the token made with it.
    r = admin_session.delete(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens/%s" % (uid, f["at_key"]))
    assert r.status_code == 204
    r = requests.get(AUTH_URL + "/auth/tokens", headers={
        "X-Auth-Token": admin_session.get_token(), "X-Subject-Token": token_id})
    assert r.status_code == 404


def test_authorize_needs_roles_the_user_has(admin_session, demo_session, consumer, seed):
    kc = ks_client.Client(session=admin_session)
    rt_key = kc.oauth1.request_tokens.create(consumer["id"], consumer["secret"],
                                             seed["admin_project_id"]).key
    other = admin_session.post(AUTH_URL + "/roles", json={"role": {
        "name": "oauth-unheld-" + str(int(time.time() * 1000))}}).json()["role"]
    r = admin_session.put(AUTH_URL + "/OS-OAUTH1/authorize/" + rt_key,
                          json={"roles": [{"id": other["id"]}]}, raise_exc=False)
    admin_session.delete(AUTH_URL + "/roles/" + other["id"])
    assert r.status_code == 401
    r = demo_session.put(AUTH_URL + "/OS-OAUTH1/authorize/" + rt_key,
                         json={"roles": [{"name": "admin"}]}, raise_exc=False)
    assert r.status_code == 403
    r = admin_session.put(AUTH_URL + "/OS-OAUTH1/authorize/" + rt_key,
                          json={"roles": [{"name": "admin"}]})
    assert r.status_code == 200
    assert list(r.json()["token"]) == ["oauth_verifier"]
    r = admin_session.put(AUTH_URL + "/OS-OAUTH1/authorize/" + "f" * 32,
                          json={"roles": [{"name": "admin"}]}, raise_exc=False)
    assert r.status_code == 404


def test_access_token_wrong_verifier(admin_session, demo_session, consumer, seed):
    kc = ks_client.Client(session=admin_session)
    rt = kc.oauth1.request_tokens.create(consumer["id"], consumer["secret"],
                                         seed["admin_project_id"])
    rt_key, rt_secret = rt.key, rt.secret
    kc.oauth1.request_tokens.authorize(rt_key, [_member_role(admin_session)["id"]])
    with pytest.raises(ksa_exc.Unauthorized):
        kc.oauth1.access_tokens.create(consumer["id"], consumer["secret"], rt_key, rt_secret,
                                       "abcdefgh")


def test_oauth1_auth_bad_secret(admin_session, demo_session, consumer, seed):
    f = _flow(admin_session, demo_session, consumer, seed)
    bad = dict(f, at_secret="0" * 32)
    with pytest.raises(ksa_exc.Unauthorized):
        _oauth_session(consumer, bad).get_token()


def test_deleting_consumer_revokes_tokens(admin_session, demo_session, consumer, seed):
    f = _flow(admin_session, demo_session, consumer, seed)
    token_id = _oauth_session(consumer, f).get_token()
    admin_session.delete(AUTH_URL + "/OS-OAUTH1/consumers/" + consumer["id"])
    r = requests.get(AUTH_URL + "/auth/tokens", headers={
        "X-Auth-Token": admin_session.get_token(), "X-Subject-Token": token_id})
    assert r.status_code == 404
    r = admin_session.get(AUTH_URL + "/users/%s/OS-OAUTH1/access_tokens/%s"
                         % (seed["admin_user_id"], f["at_key"]), raise_exc=False)
    assert r.status_code == 404
