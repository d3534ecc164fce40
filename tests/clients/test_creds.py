"""Credentials, EC2 credentials, ec2tokens/s3tokens and OAuth1 consumers, with real clients
(keystoneauth sessions, keystoneclient's Ec2Signer, the `openstack` CLI).

KSL_KEYS (optional): the server's <data dir>/fernet-keys; the credential key repository
(<data dir>/credential-keys) and the store file next to it are then checked too.
"""
import base64
import hashlib
import hmac
import json
import os
import uuid

import pytest
from keystoneauth1 import exceptions as ksa_exc
from keystoneclient.contrib.ec2.utils import Ec2Signer

from ksl_common import ADMIN, AUTH_URL, DEMO, new_session, password_auth, run_openstack

# Upstream hides every 401's reason (it logs it): the client sees this sentence.
GENERIC_401 = "The request you have made requires authentication."
KEYS = os.environ.get("KSL_KEYS")
DATA_DIR = os.path.dirname(KEYS.rstrip("/")) if KEYS else None


def osc_json(args, creds=ADMIN):
    proc = run_openstack([*args, "-f", "json"], creds=creds)
    assert proc.returncode == 0, "openstack %s failed (%d):\n%s\n%s" % (
        " ".join(args), proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


# Every secret this module sends or receives; KSL_LOG (the server's log, optional) must show
# none of them.
SECRETS = set()


def call(sess, method, path, status, **kw):
    resp = sess.request(AUTH_URL + path, method, raise_exc=False, **kw)
    if resp.ok and resp.content:
        body = resp.json()
        for key in ("credential", "consumer"):
            item = body.get(key) or {}
            for field in ("secret", "blob"):
                if isinstance(item.get(field), str):
                    SECRETS.add(item[field])
    assert resp.status_code == status, (method, path, resp.status_code, resp.text)
    return resp


def error_message(resp):
    return resp.json()["error"]["message"]


@pytest.fixture(scope="module")
def demo_session():
    return new_session(password_auth(DEMO))


def system_session():
    from keystoneauth1.identity import v3
    return new_session(v3.Password(auth_url=AUTH_URL, username="admin", password="adminpwd",
                                   user_domain_id="default", system_scope="all"))


def stored_bytes():
    path = os.path.join(DATA_DIR, "keystone.redb")
    with open(path, "rb") as f:
        return f.read()


# --- /v3/credentials ---------------------------------------------------------------------

def test_credential_crud_ec2_id_is_sha256_of_access(admin_session, seed):
    access, secret = uuid.uuid4().hex, "SECRET-" + uuid.uuid4().hex
    blob = json.dumps({"access": access, "secret": secret})
    cred = call(admin_session, "POST", "/credentials", 201, json={"credential": {
        "user_id": seed["admin_user_id"], "project_id": seed["admin_project_id"],
        "type": "ec2", "blob": blob}}).json()["credential"]
    assert cred["id"] == hashlib.sha256(access.encode()).hexdigest()
    assert list(cred) == ["id", "user_id", "project_id", "type", "blob", "links"]
    assert cred["blob"] == blob
    got = call(admin_session, "GET", "/credentials/" + cred["id"], 200).json()["credential"]
    assert got == cred
    listed = call(admin_session, "GET", "/credentials?type=ec2&user_id=" + seed["admin_user_id"],
                  200).json()["credentials"]
    assert cred["id"] in [c["id"] for c in listed]
    assert cred["id"] not in [c["id"] for c in call(
        admin_session, "GET", "/credentials?type=cert", 200).json()["credentials"]]
    new_blob = json.dumps({"access": access, "secret": "NEW-" + secret})
    upd = call(admin_session, "PATCH", "/credentials/" + cred["id"], 200,
               json={"credential": {"blob": new_blob}}).json()["credential"]
    assert upd["blob"] == new_blob and upd["project_id"] == seed["admin_project_id"]
    if DATA_DIR:
        raw = stored_bytes()
        assert secret.encode() not in raw and access.encode() not in raw
    call(admin_session, "DELETE", "/credentials/" + cred["id"], 204)
    call(admin_session, "GET", "/credentials/" + cred["id"], 404)


def test_credential_negative_cases(admin_session, seed):
    uid, pid = seed["admin_user_id"], seed["admin_project_id"]
    # ec2 needs a project; blob must be a JSON object with an access key
    r = call(admin_session, "POST", "/credentials", 400, json={"credential": {
        "user_id": uid, "type": "ec2", "blob": '{"access": "a"}'}})
    assert "'project_id' is a required property" in error_message(r)
    r = call(admin_session, "POST", "/credentials", 400, json={"credential": {
        "user_id": uid, "project_id": pid, "type": "ec2", "blob": "notjson"}})
    assert error_message(r) == "Invalid blob in credential"
    r = call(admin_session, "POST", "/credentials", 400, json={"credential": {
        "user_id": uid, "project_id": pid, "type": "ec2", "blob": '{"secret": "x"}'}})
    assert error_message(r).startswith("Expecting to find access in credential.")
    r = call(admin_session, "POST", "/credentials", 400, json={"credential": {
        "user_id": uid, "type": "cert", "blob": 5}})
    assert "5 is not of type 'string'" in error_message(r)
    # duplicate access key: 409
    access = uuid.uuid4().hex
    body = {"credential": {"user_id": uid, "project_id": pid, "type": "ec2",
                           "blob": json.dumps({"access": access, "secret": "s"})}}
    cid = call(admin_session, "POST", "/credentials", 201, json=body).json()["credential"]["id"]
    r = call(admin_session, "POST", "/credentials", 409, json=body)
    assert "Duplicate entry found with ID %s" % cid in error_message(r)
    # only the blob may change, and not an ec2 blob's scope
    r = call(admin_session, "PATCH", "/credentials/" + cid, 400,
             json={"credential": {"type": "cert"}})
    assert "Additional properties are not allowed ('type' was unexpected)" in error_message(r)
    r = call(admin_session, "PATCH", "/credentials/" + cid, 400, json={"credential": {
        "blob": json.dumps({"access": access, "secret": "s", "trust_id": "t"})}})
    assert error_message(r) == "trust_id can not be updated for credential"
    call(admin_session, "PATCH", "/credentials/nope", 404, json={"credential": {"blob": "x"}})
    call(admin_session, "DELETE", "/credentials/" + cid, 204)
    call(admin_session, "DELETE", "/credentials/" + cid, 404)


def test_users_see_only_their_own_credentials(admin_session, demo_session, seed):
    mine = call(admin_session, "POST", "/credentials", 201, json={"credential": {
        "user_id": seed["admin_user_id"], "type": "cert", "blob": "ADMIN-ONLY"}}
    ).json()["credential"]
    theirs = call(demo_session, "POST", "/credentials", 201, json={"credential": {
        "user_id": seed["demo_user_id"], "type": "cert", "blob": "DEMO-BLOB"}}
    ).json()["credential"]
    try:
        listed = call(demo_session, "GET", "/credentials", 200).json()["credentials"]
        ids = {c["id"] for c in listed}
        assert theirs["id"] in ids and mine["id"] not in ids
        assert all(c["user_id"] == seed["demo_user_id"] for c in listed)
        call(demo_session, "GET", "/credentials/" + mine["id"], 403)
        call(demo_session, "DELETE", "/credentials/" + mine["id"], 403)
        # creating one for another user is refused
        call(demo_session, "POST", "/credentials", 403, json={"credential": {
            "user_id": seed["admin_user_id"], "type": "cert", "blob": "x"}})
    finally:
        call(admin_session, "DELETE", "/credentials/" + mine["id"], 204)
        call(demo_session, "DELETE", "/credentials/" + theirs["id"], 204)


def test_credential_key_repository_layout():
    if not DATA_DIR:
        pytest.skip("KSL_KEYS not set")
    repo = os.path.join(DATA_DIR, "credential-keys")
    names = sorted(os.listdir(repo))
    assert "0" in names and len(names) >= 2, names
    assert oct(os.stat(repo).st_mode & 0o777) == "0o700"
    for n in names:
        with open(os.path.join(repo, n)) as f:
            key = f.read().strip()
        assert len(base64.urlsafe_b64decode(key)) == 32


# --- OS-EC2 and ec2tokens / s3tokens ---------------------------------------------------------

def make_ec2(sess, seed):
    path = "/users/%s/credentials/OS-EC2" % seed["demo_user_id"]
    cred = call(sess, "POST", path, 201, json={"tenant_id": seed["demo_project_id"]}
                ).json()["credential"]
    return path, cred


def test_os_ec2_create_list_show_delete(demo_session, admin_session, seed):
    path, cred = make_ec2(demo_session, seed)
    assert list(cred) == ["user_id", "tenant_id", "access", "secret", "trust_id", "links"]
    assert cred["tenant_id"] == seed["demo_project_id"] and cred["trust_id"] is None
    assert cred["links"]["self"].endswith(path + "/" + cred["access"])
    listed = call(demo_session, "GET", path, 200).json()["credentials"]
    assert cred in listed
    assert call(demo_session, "GET", path + "/" + cred["access"], 200).json()["credential"] == cred
    # the same credential through /v3/credentials, as upstream stores it
    v3 = call(admin_session, "GET", "/credentials/" +
              hashlib.sha256(cred["access"].encode()).hexdigest(), 200).json()["credential"]
    assert v3["type"] == "ec2" and json.loads(v3["blob"])["secret"] == cred["secret"]
    # another user's path: refused; unknown access key: 404
    call(demo_session, "GET", "/users/%s/credentials/OS-EC2" % seed["admin_user_id"], 403)
    r = call(demo_session, "GET", path + "/nope", 404)
    assert error_message(r) == "Could not find credential: %s." % hashlib.sha256(
        b"nope").hexdigest()
    r = call(demo_session, "POST", path, 404, json={"tenant_id": "nope"})
    assert error_message(r) == "Could not find project: nope."
    call(demo_session, "DELETE", path + "/" + cred["access"], 204)
    call(demo_session, "GET", path + "/" + cred["access"], 404)


def ec2_request(cred, version, host="localhost:8773"):
    params = {"Action": "DescribeRegions", "AWSAccessKeyId": cred["access"]}
    creds = {"access": cred["access"], "host": host, "verb": "GET", "path": "/services/Cloud"}
    if version == 2:
        params.update(SignatureVersion="2", SignatureMethod="HmacSHA256")
        creds["params"] = params
    else:
        import datetime
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        creds["params"] = params
        creds["headers"] = {
            "Host": host, "X-Amz-Date": now,
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s/RegionOne/ec2/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=x" % (cred["access"],
                                                                            now[:8])}
        creds["body_hash"] = hashlib.sha256(b"").hexdigest()
    return creds


@pytest.mark.parametrize("version", [2, 4])
def test_ec2tokens_signature(version, demo_session, admin_session, seed):
    path, cred = make_ec2(demo_session, seed)
    try:
        creds = ec2_request(cred, version)
        creds["signature"] = Ec2Signer(cred["secret"]).generate(dict(creds))
        r = call(admin_session, "POST", "/ec2tokens", 200, json={"credentials": creds})
        token = r.json()["token"]
        assert token["methods"] == ["ec2credential"]
        assert token["user"]["id"] == seed["demo_user_id"]
        assert token["project"]["id"] == seed["demo_project_id"]
        assert r.headers["X-Subject-Token"].startswith("gAAAAA")
        # the token validates
        check = call(admin_session, "GET", "/auth/tokens", 200,
                     headers={"X-Subject-Token": r.headers["X-Subject-Token"]})
        assert check.json()["token"]["methods"] == ["ec2credential"]
        # wrong secret: 401, and the secret is in no answer but the OS-EC2 one
        bad = dict(creds, signature=Ec2Signer("wrong").generate(ec2_request(cred, version)))
        r = call(admin_session, "POST", "/ec2tokens", 401, json={"credentials": bad})
        assert error_message(r) == GENERIC_401  # upstream logs: Invalid EC2 signature.
        assert cred["secret"] not in r.text
        # an ec2 token cannot manage credentials (a delegated method)
        ec2_sess_headers = {"X-Auth-Token": check.headers["X-Subject-Token"]}
        from keystoneauth1 import session as ksa_session
        plain = ksa_session.Session()
        resp = plain.get(AUTH_URL + path, headers=ec2_sess_headers, raise_exc=False)
        assert resp.status_code == 403, resp.text
    finally:
        call(demo_session, "DELETE", path + "/" + cred["access"], 204)


def test_ec2tokens_negative(demo_session, admin_session, seed):
    r = call(admin_session, "POST", "/ec2tokens", 400, json={})
    assert error_message(r) == "request must include a request body"
    r = call(admin_session, "POST", "/ec2tokens", 404, json={"credentials": {"access": "nope"}})
    assert error_message(r) == "EC2 access key not found."
    r = call(admin_session, "POST", "/ec2tokens", 401, json={"credentials": {"x": 1}})
    assert error_message(r) == GENERIC_401  # upstream logs: EC2 Signature not supplied
    path, cred = make_ec2(demo_session, seed)
    try:
        creds = ec2_request(cred, 2)
        creds["signature"] = Ec2Signer(cred["secret"]).generate(dict(creds))
        # only a service or admin may turn signatures into tokens
        call(demo_session, "POST", "/ec2tokens", 403, json={"credentials": creds})
        # an expired timestamp
        old = dict(creds, params=dict(creds["params"], Timestamp="2001-01-01T00:00:00Z"))
        old["signature"] = Ec2Signer(cred["secret"]).generate(dict(old))
        r = call(admin_session, "POST", "/ec2tokens", 401, json={"credentials": old})
        assert error_message(r) == GENERIC_401  # upstream logs: Credential is expired
    finally:
        call(demo_session, "DELETE", path + "/" + cred["access"], 204)


def test_s3tokens_v1_and_v4(demo_session, admin_session, seed):
    path, cred = make_ec2(demo_session, seed)
    try:
        to_sign = b"GET\n\n\nTue, 01 Jan 2030 00:00:00 GMT\n/bucket/key"
        sig = base64.b64encode(hmac.new(cred["secret"].encode(), to_sign,
                                        hashlib.sha1).digest()).decode()
        body = {"credentials": {"access": cred["access"], "signature": sig,
                                "token": base64.urlsafe_b64encode(to_sign).decode()}}
        r = call(admin_session, "POST", "/s3tokens", 200, json=body)
        assert r.json()["token"]["methods"] == ["ec2credential"]
        assert "X-Subject-Token" not in r.headers
        v4 = b"AWS4-HMAC-SHA256\n20300101T000000Z\n20300101/RegionOne/s3/aws4_request\nabc"

        def sign(key, msg):
            return hmac.new(key, msg, hashlib.sha256).digest()
        k = sign(("AWS4" + cred["secret"]).encode(), b"20300101")
        for part in (b"RegionOne", b"s3", b"aws4_request"):
            k = sign(k, part)
        sig4 = hmac.new(k, v4, hashlib.sha256).hexdigest()
        body = {"credentials": {"access": cred["access"], "signature": sig4,
                                "token": base64.urlsafe_b64encode(v4).decode()}}
        call(admin_session, "POST", "/s3tokens", 200, json=body)
        body["credentials"]["signature"] = "0" * 64
        r = call(admin_session, "POST", "/s3tokens", 401, json=body)
        assert error_message(r) == GENERIC_401  # upstream logs: Credential signature mismatch
    finally:
        call(demo_session, "DELETE", path + "/" + cred["access"], 204)


# --- OS-OAUTH1 consumers ---------------------------------------------------------------------

def test_oauth1_consumer_crud_secret_shown_once():
    sess = system_session()
    c = call(sess, "POST", "/OS-OAUTH1/consumers", 201,
             json={"consumer": {"description": "d", "secret": "ignored"}}).json()["consumer"]
    assert c["secret"] != "ignored" and len(c["secret"]) == 32
    path = "/OS-OAUTH1/consumers/" + c["id"]
    got = call(sess, "GET", path, 200).json()["consumer"]
    assert "secret" not in got and got["description"] == "d"
    listed = call(sess, "GET", "/OS-OAUTH1/consumers", 200).json()["consumers"]
    assert all("secret" not in x for x in listed) and c["id"] in [x["id"] for x in listed]
    upd = call(sess, "PATCH", path, 200, json={"consumer": {"description": "e"}}).json()
    assert upd["consumer"]["description"] == "e" and "secret" not in upd["consumer"]
    r = call(sess, "PATCH", path, 400, json={"consumer": {"secret": "s"}})
    assert "should not be valid under {'required': ['secret']}" in error_message(r)
    call(sess, "PATCH", path, 400, json={"consumer": {}})
    call(sess, "DELETE", path, 204)
    r = call(sess, "GET", path, 404)
    assert error_message(r) == "Consumer not found"


def test_oauth1_consumers_need_admin(demo_session):
    call(demo_session, "POST", "/OS-OAUTH1/consumers", 403, json={"consumer": {}})
    call(demo_session, "GET", "/OS-OAUTH1/consumers", 403)


# --- the openstack CLI -------------------------------------------------------------------------

def test_cli_ec2_credentials_create_list(seed):
    made = osc_json(["ec2", "credentials", "create"], creds=DEMO)
    access = made["access"]
    try:
        assert made["project_id"] == seed["demo_project_id"], made
        listed = osc_json(["ec2", "credentials", "list"], creds=DEMO)
        assert access in [c["Access"] for c in listed], listed
        shown = osc_json(["ec2", "credentials", "show", access], creds=DEMO)
        assert shown["secret"] == made["secret"]
    finally:
        proc = run_openstack(["ec2", "credentials", "delete", access], creds=DEMO)
        assert proc.returncode == 0, proc.stderr


def test_cli_credential_create_list(seed):
    made = osc_json(["credential", "create", "--type", "cert", "admin", "CLI-BLOB"])
    try:
        assert made["type"] == "cert" and made["blob"] == "CLI-BLOB"
        assert made["user_id"] == seed["admin_user_id"]
        listed = osc_json(["credential", "list", "--type", "cert"])
        assert made["id"] in [c["ID"] for c in listed], listed
    finally:
        proc = run_openstack(["credential", "delete", made["id"]])
        assert proc.returncode == 0, proc.stderr


def test_no_secret_in_the_server_log():
    log_path = os.environ.get("KSL_LOG")
    if not log_path:
        pytest.skip("KSL_LOG not set")
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert SECRETS, "the tests above saw no secret"
    leaked = [s for s in SECRETS if s in log]
    assert not leaked, leaked
