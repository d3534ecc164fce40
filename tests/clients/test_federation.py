"""Federated logins through a real OpenID provider (tests/federation/idp, started by run.sh,
which exports its issuer as KSL_IDP_ISSUER): keystoneauth1's OIDC plugins, the openstack CLI
and openstacksdk get federated tokens from keystone-lite, rescope them to a project through
a mapped group's role and list their projects. The mapping is upstream's documented shape
(remote type `OIDC-preferred_username`), and upstream's own engine (keystone-manage
mapping_engine) maps sample assertions of these tokens exactly as our engine does.
"""
import json
import os
import subprocess
import sys
import uuid

import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.identity import v3

from ksl_common import AUTH_URL, HTTP_TIMEOUT, new_session, openstack_bin

ISSUER = os.environ.get("KSL_IDP_ISSUER", "").rstrip("/")
DISCOVERY = ISSUER + "/.well-known/openid-configuration"
TOKEN_ENDPOINT = ISSUER + "/token"
CLIENT = {"client_id": "keystone", "client_secret": "keystone-secret"}
ALICE = ("alice", "alice-pass")
GROUP = "federated_users"
HERE = os.path.dirname(os.path.abspath(__file__))
MAPPING_DIR = os.path.join(HERE, "..", "federation", "mapping")
KSL_BIN = os.environ.get("KSL_BIN") or os.path.join(HERE, "..", "..", "target", "debug",
                                                   "keystone-lite")

pytestmark = pytest.mark.skipif(
    not ISSUER, reason="KSL_IDP_ISSUER unset: run.sh starts the test IdP (needs node and npm)")

# Users log in by their preferred_username (upstream's documented OIDC mapping). A
# client_credentials token has no user claims: its `sub` is the client id and `client_id`
# names the client, so the second rule maps the client itself (first user wins, so a user's
# token, which also carries client_id, still maps to the user).
RULES = [
    {"local": [{"user": {"name": "{0}"}},
               {"group": {"name": GROUP, "domain": {"name": "Default"}}}],
     "remote": [{"type": "OIDC-preferred_username"}]},
    {"local": [{"user": {"name": "{0}"}},
               {"group": {"name": GROUP, "domain": {"name": "Default"}}}],
     "remote": [{"type": "OIDC-sub"},
                {"type": "OIDC-client_id", "any_one_of": [CLIENT["client_id"]]}]},
]


def _ok(resp):
    assert resp.status_code in (200, 201, 204), "%s %s: %s" % (
        resp.request.method, resp.url, resp.text)
    return resp.json() if resp.content else None


@pytest.fixture(scope="module")
def fed(admin_session):
    """IdP (remote_ids [issuer]), mapping, protocol `openid`; group federated_users with
    member on a fresh project. Removed afterwards (the group and project stay: harmless)."""
    s = admin_session
    suffix = uuid.uuid4().hex[:8]
    idp, mapping = "e2e-idp-" + suffix, "e2e-map-" + suffix
    groups = s.get(AUTH_URL + "/groups?name=%s&domain_id=default" % GROUP).json()["groups"]
    group = groups[0] if groups else _ok(s.post(AUTH_URL + "/groups", json={
        "group": {"name": GROUP, "domain_id": "default"}}))["group"]
    project = _ok(s.post(AUTH_URL + "/projects", json={
        "project": {"name": "fedproj-" + suffix, "domain_id": "default"}}))["project"]
    member = s.get(AUTH_URL + "/roles?name=member").json()["roles"][0]
    _ok(s.put(AUTH_URL + "/projects/%s/groups/%s/roles/%s" % (
        project["id"], group["id"], member["id"])))
    base = AUTH_URL + "/OS-FEDERATION"
    _ok(s.put(base + "/identity_providers/" + idp, json={
        "identity_provider": {"remote_ids": [ISSUER], "enabled": True}}))
    _ok(s.put(base + "/mappings/" + mapping, json={"mapping": {"rules": RULES}}))
    _ok(s.put(base + "/identity_providers/%s/protocols/openid" % idp, json={
        "protocol": {"mapping_id": mapping}}))
    yield {"idp": idp, "project": project, "group": group, "role": member, "admin": s}
    s.delete(base + "/identity_providers/" + idp)
    s.delete(base + "/mappings/" + mapping)
    s.delete(AUTH_URL + "/projects/" + project["id"])


def _oidc_common(fed):
    return dict(auth_url=AUTH_URL, identity_provider=fed["idp"], protocol="openid")


def _check_federated_session(fed, auth, user_name):
    """Unscoped federated token -> its projects -> a project-scoped token with the role."""
    sess = new_session(auth)
    token = sess.get_token()
    assert token
    body = sess.get(AUTH_URL + "/auth/tokens",
                    headers={"X-Subject-Token": token}).json()["token"]
    assert body["methods"] == ["openid"]
    user = body["user"]
    assert user["name"] == user_name
    assert user["OS-FEDERATION"]["identity_provider"]["id"] == fed["idp"]
    assert user["OS-FEDERATION"]["protocol"]["id"] == "openid"
    assert {g["id"] for g in user["OS-FEDERATION"]["groups"]} == {fed["group"]["id"]}
    assert "project" not in body
    for path in ("/auth/projects", "/OS-FEDERATION/projects"):
        projects = sess.get(AUTH_URL + path).json()["projects"]
        assert fed["project"]["id"] in {p["id"] for p in projects}, (path, projects)

    scoped = new_session(v3.Token(auth_url=AUTH_URL, token=token,
                                  project_id=fed["project"]["id"]))
    scoped_token = scoped.get_token()
    body = scoped.get(AUTH_URL + "/auth/tokens",
                      headers={"X-Subject-Token": scoped_token}).json()["token"]
    assert body["project"]["id"] == fed["project"]["id"]
    # the group's role, and the roles it implies (member -> reader)
    assert fed["role"]["name"] in {r["name"] for r in body["roles"]}
    assert body["user"]["OS-FEDERATION"]["identity_provider"]["id"] == fed["idp"]
    return body


def test_oidc_password(fed):
    auth = v3.OidcPassword(username=ALICE[0], password=ALICE[1], discovery_endpoint=DISCOVERY,
                           **CLIENT, **_oidc_common(fed))
    _check_federated_session(fed, auth, "alice")


def test_oidc_client_credentials(fed):
    auth = v3.OidcClientCredentials(access_token_endpoint=TOKEN_ENDPOINT, scope="keystone",
                                    **CLIENT, **_oidc_common(fed))
    _check_federated_session(fed, auth, CLIENT["client_id"])


def _idp_access_token(user, password):
    r = requests.post(TOKEN_ENDPOINT, auth=(CLIENT["client_id"], CLIENT["client_secret"]),
                      data={"grant_type": "password", "username": user, "password": password,
                            "scope": "openid"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_oidc_access_token(fed):
    auth = v3.OidcAccessToken(access_token=_idp_access_token("bob", "bob-pass"),
                              **_oidc_common(fed))
    _check_federated_session(fed, auth, "bob")


def test_wrong_password_at_idp_is_client_error(fed):
    auth = v3.OidcPassword(username=ALICE[0], password="not-her-password",
                           discovery_endpoint=DISCOVERY, **CLIENT, **_oidc_common(fed))
    with pytest.raises(ksa_exc.ClientException) as err:
        new_session(auth).get_token()
    # the IdP refused (invalid_grant), keystone was never asked
    assert getattr(err.value, "http_status", 400) in (400, 401), err.value


def test_disabled_idp_is_403(fed):
    s, url = fed["admin"], AUTH_URL + "/OS-FEDERATION/identity_providers/" + fed["idp"]
    _ok(s.patch(url, json={"identity_provider": {"enabled": False}}))
    try:
        r = requests.post(url + "/protocols/openid/auth", timeout=HTTP_TIMEOUT, headers={
            "Authorization": "Bearer " + _idp_access_token(*ALICE)})
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == 403
        auth = v3.OidcPassword(username=ALICE[0], password=ALICE[1],
                               discovery_endpoint=DISCOVERY, **CLIENT, **_oidc_common(fed))
        with pytest.raises(ksa_exc.Forbidden):
            new_session(auth).get_token()
    finally:
        _ok(s.patch(url, json={"identity_provider": {"enabled": True}}))


def _osc_oidc_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({
        "OS_AUTH_URL": AUTH_URL, "OS_IDENTITY_API_VERSION": "3", "PYTHONWARNINGS": "ignore"})
    return env


def _osc(fed, args, scoped=True):
    cmd = [openstack_bin(), "--os-auth-type", "v3oidcpassword",
           "--os-identity-provider", fed["idp"], "--os-protocol", "openid",
           "--os-client-id", CLIENT["client_id"], "--os-client-secret", CLIENT["client_secret"],
           "--os-discovery-endpoint", DISCOVERY,
           "--os-username", ALICE[0], "--os-password", ALICE[1]]
    if scoped:
        cmd += ["--os-project-id", fed["project"]["id"]]
    p = subprocess.run(cmd + args + ["-f", "json"], env=_osc_oidc_env(), capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_openstack_cli_v3oidcpassword(fed):
    token = _osc(fed, ["token", "issue"])
    assert token["project_id"] == fed["project"]["id"]
    validated = fed["admin"].get(AUTH_URL + "/auth/tokens",
                                 headers={"X-Subject-Token": token["id"]}).json()["token"]
    assert validated["user"]["name"] == "alice"
    assert validated["user"]["OS-FEDERATION"]["identity_provider"]["id"] == fed["idp"]
    assert fed["role"]["name"] in {r["name"] for r in validated["roles"]}
    projects = _osc(fed, ["federation", "project", "list"])
    assert fed["project"]["id"] in {p["ID"] for p in projects}, projects


def test_openstacksdk_v3oidcpassword(fed):
    import openstack
    conn = openstack.connect(auth_type="v3oidcpassword", identity_api_version="3",
                             auth=dict(username=ALICE[0], password=ALICE[1],
                                       discovery_endpoint=DISCOVERY,
                                       project_id=fed["project"]["id"], **CLIENT,
                                       **_oidc_common(fed)), load_yaml_config=False,
                             load_envvars=False)
    try:
        assert conn.current_project_id == fed["project"]["id"]
        assert conn.session.get_user_id(auth=conn.session.auth)
    finally:
        conn.close()


# --- the same mapping under upstream's engine ------------------------------------------------

ALICE_ASSERTION = {"OIDC-preferred_username": "alice", "OIDC-sub": "alice",
                   "OIDC-client_id": "keystone", "OIDC-email": "alice@example.com",
                   "OIDC-groups": "admins;devs", "REMOTE_USER": "alice"}
CLIENT_ASSERTION = {"OIDC-sub": "keystone", "OIDC-client_id": "keystone",
                    "REMOTE_USER": "keystone"}


def _mapped_json(lines):
    """The JSON document the engine prints after its log lines."""
    return json.loads("\n".join(lines[lines.index("{"):]))


@pytest.mark.parametrize("assertion, user", [(ALICE_ASSERTION, "alice"),
                                             (CLIENT_ASSERTION, "keystone")])
def test_mapping_maps_the_same_under_upstreams_engine(assertion, user):
    """keystone-manage mapping_engine (keystone 30) and `keystone-lite mapping-engine` print
    the same mapped properties for this test's mapping, and they are what the logins got."""
    sys.path.insert(0, MAPPING_DIR)
    import harness
    case = {"name": "e2e", "rules": {"rules": RULES},
            "input": "".join("%s: %s\n" % kv for kv in assertion.items())}
    upstream = harness.run_upstream_cli(case)
    ours = harness.run_ours(os.path.abspath(KSL_BIN), case)
    assert upstream["exit"] == 0, upstream
    assert ours == upstream
    mapped = _mapped_json(upstream["stdout"])
    assert mapped["user"]["name"] == user
    assert mapped["user"]["type"] == "ephemeral"
    # alice's assertion matches both rules: the group is listed twice (by both engines)
    assert {json.dumps(g, sort_keys=True) for g in mapped["group_names"]} == {
        json.dumps({"name": GROUP, "domain": {"name": "Default"}}, sort_keys=True)}


def test_mapping_file_check(tmp_path):
    """The README's usage: rules file + assertion file through our CLI."""
    rules, assertion = tmp_path / "rules.json", tmp_path / "assertion.txt"
    rules.write_text(json.dumps({"rules": RULES}))
    assertion.write_text("OIDC-preferred_username: carol\n")
    p = subprocess.run([os.path.abspath(KSL_BIN), "mapping-engine", "--rules", str(rules),
                        "--input", str(assertion)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert _mapped_json(p.stdout.splitlines())["user"]["name"] == "carol"

