"""Fernet tokens cross over with upstream Keystone's own formatter, both ways, through the
server's API: a token keystone-lite issues is read correctly by upstream's TokenFormatter
given the server's key repository, and a token upstream mints with those keys validates on
keystone-lite. Needs KSL_KEYS (the server's fernet-keys directory), set by run.sh."""
import json
import os
import subprocess
import sys

import pytest
import requests

from ksl_common import AUTH_URL

KEYS = os.environ.get("KSL_KEYS")
ORACLE = os.path.join(os.path.dirname(__file__), "fernet_interop.py")

pytestmark = pytest.mark.skipif(not KEYS, reason="KSL_KEYS not set: no access to the key repository")


def oracle(*args):
    out = subprocess.run([sys.executable, ORACLE, *args], check=True, capture_output=True, text=True, timeout=120)
    return out.stdout.strip()


def issue(scope):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": "adminpwd"}}}, "scope": scope}}
    r = requests.post(AUTH_URL + "/auth/tokens", json=body, timeout=60)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"], r.json()["token"]


def validate(token, subject):
    return requests.get(AUTH_URL + "/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": subject}, timeout=60)


def test_upstream_reads_our_project_token():
    token, body = issue({"project": {"name": "admin", "domain": {"id": "default"}}})
    decoded = json.loads(oracle("decode", KEYS, token))
    assert decoded["user_id"] == body["user"]["id"]
    assert decoded["project_id"] == body["project"]["id"]
    assert decoded["methods"] == ["password"]
    assert decoded["audit_ids"] == body["audit_ids"]
    assert decoded["expires_at"] == body["expires_at"]
    assert decoded["issued_at"] == body["issued_at"]
    assert decoded["domain_id"] is None and decoded["system"] is None


def test_upstream_reads_our_system_and_domain_tokens():
    token, body = issue({"system": {"all": True}})
    decoded = json.loads(oracle("decode", KEYS, token))
    assert decoded["system"] == "all"
    assert decoded["user_id"] == body["user"]["id"]
    assert decoded["project_id"] is None


def test_we_validate_upstream_minted_tokens():
    admin_token, body = issue({"project": {"name": "admin", "domain": {"id": "default"}}})
    user_id, project_id = body["user"]["id"], body["project"]["id"]
    minted = oracle("encode", KEYS, user_id, "--project-id", project_id, "--methods", "password")
    r = validate(admin_token, minted)
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert token["user"]["id"] == user_id
    assert token["project"]["id"] == project_id
    assert token["methods"] == ["password"]
    assert {role["name"] for role in token["roles"]} >= {"admin", "member", "reader"}

    minted_system = oracle("encode", KEYS, user_id, "--system", "all", "--methods", "password,token")
    r = validate(admin_token, minted_system)
    assert r.status_code == 200, r.text
    assert r.json()["token"]["system"] == {"all": True}
    assert sorted(r.json()["token"]["methods"]) == ["password", "token"]

    minted_unscoped = oracle("encode", KEYS, user_id, "unscoped")
    r = validate(admin_token, minted_unscoped)
    assert r.status_code == 200, r.text
    assert "project" not in r.json()["token"] and "roles" not in r.json()["token"]


def test_upstream_token_from_foreign_keys_is_refused(tmp_path):
    admin_token, body = issue({"project": {"name": "admin", "domain": {"id": "default"}}})
    foreign = str(tmp_path / "keys")
    oracle("setup", foreign)
    minted = oracle("encode", foreign, body["user"]["id"], "--project-id", body["project"]["id"])
    assert validate(admin_token, minted).status_code == 404


def admin_call(method, path, token, body=None):
    r = requests.request(method, AUTH_URL + path, json=body, headers={"X-Auth-Token": token}, timeout=60)
    assert r.status_code in (200, 201, 204), r.text
    return r.json() if r.content else None


def federation_fixture(admin_token, project_id):
    """IdP `interop-idp` with protocol `openid`, and a group holding `member` on the project
    and on the default domain."""
    admin_call("PUT", "/OS-FEDERATION/mappings/interop-m", admin_token, {"mapping": {"rules": [
        {"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "OIDC-sub"}]}]}})
    admin_call("PUT", "/OS-FEDERATION/identity_providers/interop-idp", admin_token,
               {"identity_provider": {"enabled": True, "domain_id": "default"}})
    admin_call("PUT", "/OS-FEDERATION/identity_providers/interop-idp/protocols/openid", admin_token,
               {"protocol": {"mapping_id": "interop-m"}})
    group = admin_call("POST", "/groups", admin_token, {"group": {"name": "interop-fed", "domain_id": "default"}})
    group_id = group["group"]["id"]
    roles = admin_call("GET", "/roles?name=member", admin_token)["roles"]
    admin_call("PUT", f"/projects/{project_id}/groups/{group_id}/roles/{roles[0]['id']}", admin_token)
    # A scoped token without a role is invalid (upstream's mint checks): a role on the domain too.
    admin_call("PUT", f"/domains/default/groups/{group_id}/roles/{roles[0]['id']}", admin_token)
    return group_id


def test_federated_tokens_cross_both_ways():
    admin_token, body = issue({"project": {"name": "admin", "domain": {"id": "default"}}})
    user_id, project_id = body["user"]["id"], body["project"]["id"]
    group_id = federation_fixture(admin_token, project_id)

    # Upstream's FederatedUnscopedPayload (4), validated here.
    minted = oracle("encode", KEYS, user_id, "unscoped", "--methods", "openid", "--idp-id", "interop-idp",
                    "--protocol-id", "openid", "--group-ids", group_id)
    r = validate(admin_token, minted)
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert token["user"]["OS-FEDERATION"] == {"groups": [{"id": group_id}],
                                              "identity_provider": {"id": "interop-idp"},
                                              "protocol": {"id": "openid"}}
    assert "password_expires_at" not in token["user"]
    assert token["methods"] == ["openid"]

    # Rescoped here to the project (payload 5), read back by upstream's formatter.
    r = requests.post(AUTH_URL + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": minted}},
        "scope": {"project": {"id": project_id}}}}, timeout=60)
    assert r.status_code == 201, r.text
    decoded = json.loads(oracle("decode", KEYS, r.headers["X-Subject-Token"]))
    assert decoded["project_id"] == project_id
    assert decoded["group_ids"] == [group_id]
    assert decoded["idp_id"] == "interop-idp" and decoded["protocol_id"] == "openid"
    assert decoded["methods"] == ["token"]

    # Upstream's FederatedDomainScopedPayload (6) and FederatedProjectScopedPayload (5).
    for scope in (["--project-id", project_id], ["--domain-id", "default"]):
        minted = oracle("encode", KEYS, user_id, *scope, "--methods", "openid", "--idp-id", "interop-idp",
                        "--protocol-id", "openid", "--group-ids", group_id)
        r = validate(admin_token, minted)
        assert r.status_code == 200, r.text
        assert r.json()["token"]["user"]["OS-FEDERATION"]["identity_provider"] == {"id": "interop-idp"}
