"""Delegation: application credentials (API, auth method, CLI), trusts (API, trust-scoped
tokens, CLI) and OS-REVOKE events, with their negative cases: wrong secret, expired
credential, unassigned role, restricted credential, expired trust, exhausted uses, rescoping
a delegated token, deleted trust."""
import json
import subprocess
import time
import uuid

import pytest
import requests

from ksl_common import ADMIN, AUTH_URL, HTTP_TIMEOUT, os_env, openstack_bin, run_openstack


def _post_token(body, expect=None):
    r = requests.post(AUTH_URL + "/auth/tokens", json=body, timeout=HTTP_TIMEOUT)
    if expect is not None:
        assert r.status_code == expect, (r.status_code, r.text)
    return r


def _password_body(user_id=None, name=None, password="", scope=None):
    user = {"id": user_id} if user_id else {"name": name, "domain": {"id": "default"}}
    user["password"] = password
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


def _token(**kw):
    r = _post_token(_password_body(**kw), expect=201)
    return r.headers["X-Subject-Token"], r.json()["token"]


def _h(token):
    return {"X-Auth-Token": token}


def _app_cred_body(ac_id=None, secret="", name=None, user_id=None):
    payload = {"secret": secret}
    if ac_id:
        payload["id"] = ac_id
    else:
        payload["name"] = name
        payload["user"] = {"id": user_id}
    return {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": payload}}}


@pytest.fixture(scope="module")
def admin():
    token, body = _token(name="admin", password=ADMIN["password"],
                         scope={"project": {"name": "admin", "domain": {"id": "default"}}})
    return {"token": token, "user_id": body["user"]["id"], "project_id": body["project"]["id"]}


@pytest.fixture(scope="module")
def roles(admin):
    r = requests.get(AUTH_URL + "/roles", headers=_h(admin["token"]), timeout=HTTP_TIMEOUT)
    return {x["name"]: x["id"] for x in r.json()["roles"]}


@pytest.fixture
def member_user(admin, roles):
    """A fresh user with role member on a fresh project, and a project-scoped token."""
    h = _h(admin["token"])
    project = requests.post(AUTH_URL + "/projects", headers=h, timeout=HTTP_TIMEOUT, json={
        "project": {"name": "deleg-" + uuid.uuid4().hex[:8], "domain_id": "default"}}).json()["project"]
    password = "pw-" + uuid.uuid4().hex
    user = requests.post(AUTH_URL + "/users", headers=h, timeout=HTTP_TIMEOUT, json={"user": {
        "name": "deleg-" + uuid.uuid4().hex[:8], "domain_id": "default",
        "password": password}}).json()["user"]
    r = requests.put(AUTH_URL + "/projects/%s/users/%s/roles/%s" % (
        project["id"], user["id"], roles["member"]), headers=h, timeout=HTTP_TIMEOUT)
    assert r.status_code == 204, r.text
    token, _ = _token(user_id=user["id"], password=password,
                      scope={"project": {"id": project["id"]}})
    yield {"id": user["id"], "name": user["name"], "password": password,
           "project_id": project["id"], "project_name": project["name"], "token": token}
    requests.delete(AUTH_URL + "/users/" + user["id"], headers=h, timeout=HTTP_TIMEOUT)
    requests.delete(AUTH_URL + "/projects/" + project["id"], headers=h, timeout=HTTP_TIMEOUT)


def _create_app_cred(user, **fields):
    fields.setdefault("name", "ac-" + uuid.uuid4().hex[:8])
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % user["id"],
                      headers=_h(user["token"]), json={"application_credential": fields},
                      timeout=HTTP_TIMEOUT)
    return r


# --- application credentials ---

def test_app_cred_secret_shown_once_and_authenticates(member_user, roles):
    r = _create_app_cred(member_user, description="for a test")
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    secret = ac["secret"]
    assert len(secret) == 86 and ac["project_id"] == member_user["project_id"]
    assert {x["id"] for x in ac["roles"]} == {roles["member"], roles["reader"]}
    assert ac["links"]["self"].endswith("/v3/application_credentials/" + ac["id"])
    url = AUTH_URL + "/users/%s/application_credentials" % member_user["id"]
    got = requests.get(url + "/" + ac["id"], headers=_h(member_user["token"]),
                       timeout=HTTP_TIMEOUT)
    assert got.status_code == 200 and "secret" not in got.json()["application_credential"]
    listed = requests.get(url, headers=_h(member_user["token"]), timeout=HTTP_TIMEOUT).json()
    assert secret not in json.dumps(listed)
    assert [c["id"] for c in listed["application_credentials"]] == [ac["id"]]
    by_name = requests.get(url + "?name=" + ac["name"], headers=_h(member_user["token"]),
                           timeout=HTTP_TIMEOUT).json()["application_credentials"]
    assert len(by_name) == 1

    # By id, and by name + user.
    r = _post_token(_app_cred_body(ac["id"], secret), expect=201)
    tok = r.json()["token"]
    assert tok["methods"] == ["application_credential"]
    assert tok["project"]["id"] == member_user["project_id"]
    assert tok["application_credential"] == {"id": ac["id"], "name": ac["name"],
                                             "restricted": True}
    assert secret not in r.text
    _post_token(_app_cred_body(name=ac["name"], user_id=member_user["id"], secret=secret),
                expect=201)

    # The token works against keystone and validates.
    app_token = r.headers["X-Subject-Token"]
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={"X-Auth-Token": app_token, "X-Subject-Token": app_token})
    assert v.status_code == 200, v.text

    # Wrong secret, unknown name: 401. A scope may not be requested.
    _post_token(_app_cred_body(ac["id"], secret + "x"), expect=401)
    _post_token(_app_cred_body(name="nope", user_id=member_user["id"], secret=secret),
                expect=401)
    scoped = _app_cred_body(ac["id"], secret)
    scoped["auth"]["scope"] = {"project": {"id": member_user["project_id"]}}
    _post_token(scoped, expect=401)

    # Deleted: its tokens and the secret are dead.
    d = requests.delete(url + "/" + ac["id"], headers=_h(member_user["token"]),
                        timeout=HTTP_TIMEOUT)
    assert d.status_code == 204
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={"X-Auth-Token": member_user["token"], "X-Subject-Token": app_token})
    assert v.status_code == 404
    _post_token(_app_cred_body(ac["id"], secret), expect=404)


def test_app_cred_roles_must_be_the_creators(member_user, roles):
    r = _create_app_cred(member_user, roles=[{"name": "admin"}])
    assert r.status_code == 400, r.text
    assert "unassigned role" in r.json()["error"]["message"]
    r = _create_app_cred(member_user, roles=[{"id": roles["reader"]}])
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    assert [x["name"] for x in ac["roles"]] == ["reader"]
    tok = _post_token(_app_cred_body(ac["id"], ac["secret"]), expect=201).json()["token"]
    assert [x["name"] for x in tok["roles"]] == ["reader"]
    # Another user's credential cannot be made, a duplicate name is a conflict.
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % uuid.uuid4().hex,
                      headers=_h(member_user["token"]), timeout=HTTP_TIMEOUT,
                      json={"application_credential": {"name": "x"}})
    assert r.status_code == 403
    assert _create_app_cred(member_user, name=ac["name"]).status_code == 409


def test_app_cred_expires(member_user):
    soon = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3))
    r = _create_app_cred(member_user, expires_at=soon + ".250000")
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    assert ac["expires_at"] == soon + ".250000"
    tok = _post_token(_app_cred_body(ac["id"], ac["secret"]), expect=201).json()["token"]
    # The token does not outlive the credential.
    assert tok["expires_at"] <= soon + ".999999Z"
    time.sleep(4.5)
    _post_token(_app_cred_body(ac["id"], ac["secret"]), expect=401)
    past = _create_app_cred(member_user, expires_at="2001-01-01T00:00:00Z")
    assert past.status_code == 400
    bad = _create_app_cred(member_user, expires_at="bad.123Z")
    assert bad.status_code == 400


def test_restricted_app_cred_limits(member_user):
    ac = _create_app_cred(member_user).json()["application_credential"]
    r = _post_token(_app_cred_body(ac["id"], ac["secret"]), expect=201)
    app_token = r.headers["X-Subject-Token"]
    # A restricted credential cannot make or delete credentials, nor trusts, nor rescope.
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % member_user["id"],
                      headers=_h(app_token), timeout=HTTP_TIMEOUT,
                      json={"application_credential": {"name": "child"}})
    assert r.status_code == 403, r.text
    r = requests.post(AUTH_URL + "/OS-TRUST/trusts", headers=_h(app_token), timeout=HTTP_TIMEOUT,
                      json={"trust": {"trustor_user_id": member_user["id"],
                                      "trustee_user_id": member_user["id"],
                                      "impersonation": False,
                                      "project_id": member_user["project_id"],
                                      "roles": [{"name": "member"}]}})
    assert r.status_code == 403, r.text
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": app_token}}}}
    _post_token(body, expect=403)
    # An unrestricted one may create another.
    un = _create_app_cred(member_user, unrestricted=True).json()["application_credential"]
    assert un["unrestricted"] is True
    un_token = _post_token(_app_cred_body(un["id"], un["secret"]),
                           expect=201).headers["X-Subject-Token"]
    r = requests.post(AUTH_URL + "/users/%s/application_credentials" % member_user["id"],
                      headers=_h(un_token), timeout=HTTP_TIMEOUT,
                      json={"application_credential": {"name": "child"}})
    assert r.status_code == 201, r.text


def test_access_rules(member_user):
    rule = {"path": "/v2.1/servers/*/ips", "method": "GET", "service": "compute"}
    ac = _create_app_cred(member_user, access_rules=[rule]).json()["application_credential"]
    got = dict(ac["access_rules"][0])
    rule_id = got.pop("id")
    assert got == rule
    url = AUTH_URL + "/users/%s/access_rules" % member_user["id"]
    h = _h(member_user["token"])
    listed = requests.get(url, headers=h, timeout=HTTP_TIMEOUT).json()["access_rules"]
    assert [x["id"] for x in listed] == [rule_id]
    assert requests.get(url + "/" + rule_id, headers=h, timeout=HTTP_TIMEOUT).status_code == 200
    # A token carrying access rules is refused by keystone itself (it does not enforce them),
    # and validates only for a middleware announcing support.
    tok = _post_token(_app_cred_body(ac["id"], ac["secret"]), expect=201)
    assert tok.json()["token"]["application_credential"]["access_rules"][0]["id"] == rule_id
    app_token = tok.headers["X-Subject-Token"]
    assert requests.get(url, headers=_h(app_token), timeout=HTTP_TIMEOUT).status_code == 401
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={**h, "X-Subject-Token": app_token})
    assert v.status_code == 404
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={**h, "X-Subject-Token": app_token,
                              "OpenStack-Identity-Access-Rules": "1.0"})
    assert v.status_code == 200, v.text
    # In use: cannot be deleted; then it can.
    assert requests.delete(url + "/" + rule_id, headers=h, timeout=HTTP_TIMEOUT).status_code == 403
    requests.delete(AUTH_URL + "/users/%s/application_credentials/%s" % (
        member_user["id"], ac["id"]), headers=h, timeout=HTTP_TIMEOUT)
    assert requests.delete(url + "/" + rule_id, headers=h, timeout=HTTP_TIMEOUT).status_code == 204
    assert requests.get(url + "/" + rule_id, headers=h, timeout=HTTP_TIMEOUT).status_code == 404


# --- trusts ---

def _create_trust(trustor, trustee_id, **fields):
    trust = {"trustor_user_id": trustor["id"], "trustee_user_id": trustee_id,
             "impersonation": True, "project_id": trustor["project_id"],
             "roles": [{"name": "member"}]}
    trust.update(fields)
    return requests.post(AUTH_URL + "/OS-TRUST/trusts", headers=_h(trustor["token"]),
                         json={"trust": trust}, timeout=HTTP_TIMEOUT)


@pytest.fixture
def trustee(admin):
    password = "pw-" + uuid.uuid4().hex
    user = requests.post(AUTH_URL + "/users", headers=_h(admin["token"]), timeout=HTTP_TIMEOUT,
                         json={"user": {"name": "trustee-" + uuid.uuid4().hex[:8],
                                        "domain_id": "default", "password": password}}).json()["user"]
    yield {"id": user["id"], "name": user["name"], "password": password}
    requests.delete(AUTH_URL + "/users/" + user["id"], headers=_h(admin["token"]),
                    timeout=HTTP_TIMEOUT)


def _trust_token(trustee, trust_id, expect=201):
    return _post_token(_password_body(user_id=trustee["id"], password=trustee["password"],
                                      scope={"OS-TRUST:trust": {"id": trust_id}}), expect=expect)


def test_trust_lifecycle_and_tokens(member_user, trustee, admin, roles):
    r = _create_trust(member_user, trustee["id"])
    assert r.status_code == 201, r.text
    trust = r.json()["trust"]
    assert trust["impersonation"] is True and trust["remaining_uses"] is None
    assert [x["name"] for x in trust["roles"]] == ["member"]
    assert trust["links"]["self"].endswith("/v3/OS-TRUST/trusts/" + trust["id"])
    h = _h(member_user["token"])
    listed = requests.get(AUTH_URL + "/OS-TRUST/trusts?trustor_user_id=" + member_user["id"],
                          headers=h, timeout=HTTP_TIMEOUT).json()["trusts"]
    assert [t["id"] for t in listed] == [trust["id"]] and "roles" not in listed[0]
    roles_url = AUTH_URL + "/OS-TRUST/trusts/%s/roles" % trust["id"]
    assert requests.get(roles_url, headers=h, timeout=HTTP_TIMEOUT).json()["roles"][0]["name"] == "member"
    assert requests.head(roles_url + "/" + roles["member"], headers=h, timeout=HTTP_TIMEOUT).status_code == 200
    assert requests.get(roles_url + "/" + roles["admin"], headers=h, timeout=HTTP_TIMEOUT).status_code == 404

    # Impersonating trust token: the user is the trustor, roles are the delegated ones.
    r = _trust_token(trustee, trust["id"])
    tok = r.json()["token"]
    assert tok["OS-TRUST:trust"] == {"id": trust["id"], "trustor_user": {"id": member_user["id"]},
                                     "trustee_user": {"id": trustee["id"]}, "impersonation": True}
    assert tok["user"]["id"] == member_user["id"]
    assert tok["project"]["id"] == member_user["project_id"]
    assert {x["name"] for x in tok["roles"]} == {"member", "reader"}
    trust_token = r.headers["X-Subject-Token"]
    # The trustor cannot consume it; a trust-scoped token cannot be rescoped.
    _post_token(_password_body(user_id=member_user["id"], password=member_user["password"],
                               scope={"OS-TRUST:trust": {"id": trust["id"]}}), expect=403)
    _post_token({"auth": {"identity": {"methods": ["token"], "token": {"id": trust_token}},
                          "scope": {"project": {"id": member_user["project_id"]}}}}, expect=403)

    # Deleting the trust kills its tokens and logs a revocation event.
    assert requests.delete(AUTH_URL + "/OS-TRUST/trusts/" + trust["id"], headers=h,
                           timeout=HTTP_TIMEOUT).status_code == 204
    assert requests.get(AUTH_URL + "/OS-TRUST/trusts/" + trust["id"], headers=h,
                        timeout=HTTP_TIMEOUT).status_code == 404
    v = requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                     headers={**h, "X-Subject-Token": trust_token})
    assert v.status_code == 404
    # ...and only its tokens: the trustor's own token still works.
    assert requests.get(AUTH_URL + "/auth/tokens", timeout=HTTP_TIMEOUT,
                        headers={**h, "X-Subject-Token": member_user["token"]}).status_code == 200
    events = requests.get(AUTH_URL + "/OS-REVOKE/events", headers=_h(admin["token"]),
                          timeout=HTTP_TIMEOUT)
    assert events.status_code == 200
    assert trust["id"] in [e.get("OS-TRUST:trust_id") for e in events.json()["events"]]
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    later = requests.get(AUTH_URL + "/OS-REVOKE/events?since=" + since,
                         headers=_h(admin["token"]), timeout=HTTP_TIMEOUT).json()["events"]
    assert later == []
    assert requests.get(AUTH_URL + "/OS-REVOKE/events?since=bad", headers=_h(admin["token"]),
                        timeout=HTTP_TIMEOUT).status_code == 400
    assert requests.get(AUTH_URL + "/OS-REVOKE/events", headers=h,
                        timeout=HTTP_TIMEOUT).status_code == 403


def test_trust_negative_cases(member_user, trustee):
    # Without impersonation the token is the trustee's; remaining_uses runs out.
    trust = _create_trust(member_user, trustee["id"], impersonation=False,
                          remaining_uses=1).json()["trust"]
    tok = _trust_token(trustee, trust["id"]).json()["token"]
    assert tok["user"]["id"] == trustee["id"]
    _trust_token(trustee, trust["id"], expect=401)
    # Expired trust.
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    short = _create_trust(member_user, trustee["id"], expires_at=soon).json()["trust"]
    assert short["expires_at"] == soon.replace("Z", ".000000Z")
    tok = _trust_token(trustee, short["id"]).json()["token"]
    assert tok["expires_at"] <= short["expires_at"]
    time.sleep(3)
    _trust_token(trustee, short["id"], expect=401)
    # Roles the trustor lacks, no roles, another trustor, bad input.
    assert _create_trust(member_user, trustee["id"], roles=[{"name": "admin"}]).status_code == 404
    assert _create_trust(member_user, trustee["id"], roles=[]).status_code == 403
    assert _create_trust(member_user, trustee["id"], trustor_user_id=trustee["id"]).status_code == 403
    assert _create_trust(member_user, trustee["id"], expires_at="bad.123Z").status_code == 400
    assert _create_trust(member_user, trustee["id"], remaining_uses=0).status_code == 400
    assert _create_trust(member_user, "no-such-user").status_code == 404


def test_trust_redelegation(member_user, trustee, admin):
    trust = _create_trust(member_user, trustee["id"], allow_redelegation=True).json()["trust"]
    assert trust["redelegation_count"] == 3
    trust_token = _trust_token(trustee, trust["id"]).headers["X-Subject-Token"]
    third = requests.post(AUTH_URL + "/users", headers=_h(admin["token"]), timeout=HTTP_TIMEOUT,
                          json={"user": {"name": "third-" + uuid.uuid4().hex[:8],
                                         "domain_id": "default", "password": "x"}}).json()["user"]
    try:
        r = requests.post(AUTH_URL + "/OS-TRUST/trusts", headers=_h(trust_token),
                          timeout=HTTP_TIMEOUT, json={"trust": {
                              "trustor_user_id": member_user["id"],
                              "trustee_user_id": third["id"], "impersonation": True,
                              "project_id": member_user["project_id"],
                              "roles": [{"name": "member"}], "allow_redelegation": True}})
        assert r.status_code == 201, r.text
        child = r.json()["trust"]
        assert child["redelegated_trust_id"] == trust["id"]
        assert child["redelegation_count"] == 2
        # Deleting the parent deletes the redelegated trust too.
        requests.delete(AUTH_URL + "/OS-TRUST/trusts/" + trust["id"],
                        headers=_h(member_user["token"]), timeout=HTTP_TIMEOUT)
        assert requests.get(AUTH_URL + "/OS-TRUST/trusts/" + child["id"],
                            headers=_h(admin["token"]), timeout=HTTP_TIMEOUT).status_code == 404
    finally:
        requests.delete(AUTH_URL + "/users/" + third["id"], headers=_h(admin["token"]),
                        timeout=HTTP_TIMEOUT)


# --- the openstack CLI ---

def _osc(args, creds):
    proc = run_openstack([*args, "-f", "json"], creds=creds)
    assert proc.returncode == 0, "openstack %s failed:\n%s\n%s" % (
        " ".join(args), proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def test_cli_application_credential_flow(member_user):
    creds = {"username": member_user["name"], "password": member_user["password"],
             "project_name": member_user["project_name"]}
    name = "cli-" + uuid.uuid4().hex[:8]
    created = _osc(["application", "credential", "create", name], creds)
    assert created["Name"] == name and created["Secret"]
    listed = _osc(["application", "credential", "list"], creds)
    assert name in [c["Name"] for c in listed]
    assert created["Secret"] not in json.dumps(listed)
    # Authenticate with it.
    env = {k: v for k, v in os_env(creds).items()
           if k not in ("OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME",
                        "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME")}
    env.update({"OS_AUTH_TYPE": "v3applicationcredential",
                "OS_APPLICATION_CREDENTIAL_ID": created["ID"],
                "OS_APPLICATION_CREDENTIAL_SECRET": created["Secret"]})
    proc = subprocess.run([openstack_bin(), "token", "issue", "-f", "json"], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["project_id"] == member_user["project_id"]
    env["OS_APPLICATION_CREDENTIAL_SECRET"] = "wrong"
    proc = subprocess.run([openstack_bin(), "token", "issue", "-f", "json"], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    proc = run_openstack(["application", "credential", "delete", name], creds=creds)
    assert proc.returncode == 0, proc.stderr
    assert name not in [c["Name"] for c in _osc(["application", "credential", "list"], creds)]


def test_cli_trust_create_list(member_user, trustee, roles):
    creds = {"username": member_user["name"], "password": member_user["password"],
             "project_name": member_user["project_name"]}
    created = _osc(["trust", "create", "--project", member_user["project_id"],
                    # A member may not look roles up by name (as upstream): give the id.
                    "--role", roles["member"], "--impersonate", member_user["id"], trustee["id"]],
                   creds)
    assert created["trustee_user_id"] == trustee["id"]
    assert created["is_impersonation"] is True
    listed = _osc(["trust", "list", "--trustor", member_user["id"]], creds)
    assert created["id"] in [t["ID"] for t in listed]
    proc = run_openstack(["trust", "delete", created["id"]], creds=creds)
    assert proc.returncode == 0, proc.stderr
