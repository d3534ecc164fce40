"""Security compliance, TOTP and multi-factor auth receipts through real clients.

The server must run with tempest's `[security_compliance]` settings (lockout_failure_attempts
= 2, lockout_duration = 5, unique_last_password_count = 2, minimum_password_age = 0); a test
whose setting is off on the server under test skips itself after detecting it. The TOTP tests
create their seed through POST /v3/credentials and skip where that API is not served. Every
assertion holds against upstream Keystone 30 too (KSL_URL=<reference>).
"""
import base64
import hashlib
import hmac
import json
import struct
import time
import uuid

import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.identity import v3

from ksl_common import ADMIN, AUTH_URL, HTTP_TIMEOUT, new_session, run_openstack

GENERIC_401 = "The request you have made requires authentication."
RECEIPT_HEADER = "Openstack-Auth-Receipt"


# ---------------------------------------------------------------------------------------
# helpers


def totp_code(seed, at=None):
    """RFC 6238 (SHA1, 6 digits, 30 s) as upstream's totp plugin computes it."""
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


def password_body(user_id, password):
    return {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"id": user_id, "password": password}}}}}


def totp_body(user_id, passcode):
    return {"auth": {"identity": {"methods": ["totp"], "totp": {
        "user": {"id": user_id, "passcode": passcode}}}}}


def post_token(body, receipt=None):
    headers = {"Content-Type": "application/json"}
    if receipt:
        headers[RECEIPT_HEADER] = receipt
    return requests.post(AUTH_URL + "/auth/tokens", json=body, headers=headers,
                         timeout=HTTP_TIMEOUT)


def change_password(user_id, original, new):
    return requests.post(AUTH_URL + "/users/%s/password" % user_id, json={"user": {
        "original_password": original, "password": new}}, timeout=HTTP_TIMEOUT)


def error_message(resp):
    return resp.json()["error"]["message"]


@pytest.fixture
def new_user(admin_session):
    """Creates users (deleted afterwards): new_user(password, **attributes) -> user."""
    made = []

    def make(password, **attrs):
        body = {"name": "ksl-sc-" + uuid.uuid4().hex[:10], "domain_id": "default",
                "password": password}
        body.update(attrs)
        resp = admin_session.post(AUTH_URL + "/users", json={"user": body})
        assert resp.status_code == 201, resp.text
        user = resp.json()["user"]
        made.append(user["id"])
        return user

    yield make
    for user_id in made:
        admin_session.delete(AUTH_URL + "/users/%s" % user_id, raise_exc=False)


def set_options(admin_session, user_id, **options):
    resp = admin_session.patch(AUTH_URL + "/users/%s" % user_id,
                               json={"user": {"options": options}})
    assert resp.status_code == 200, resp.text
    return resp.json()["user"]


def keystoneauth_login(user_id, password):
    auth = v3.Password(auth_url=AUTH_URL, user_id=user_id, password=password)
    return auth.get_access(new_session(auth))


# ---------------------------------------------------------------------------------------
# lockout


def _lock(user_id, attempts=2):
    for _ in range(attempts):
        resp = post_token(password_body(user_id, "wrong-" + uuid.uuid4().hex))
        assert resp.status_code == 401
        assert error_message(resp) == GENERIC_401


def test_lockout_after_failed_logins_then_unlock_after_duration(new_user):
    user = new_user("Secret-pass-1")
    # A success first, as tempest does; then two failures lock the account.
    assert keystoneauth_login(user["id"], "Secret-pass-1").user_id == user["id"]
    _lock(user["id"])
    locked = post_token(password_body(user["id"], "Secret-pass-1"))
    if locked.status_code == 201:
        pytest.skip("[security_compliance] lockout_failure_attempts is not set on this server")
    # Locked out: even the right password is refused, with the plain 401 (upstream names the
    # account only in its log).
    assert locked.status_code == 401
    assert error_message(locked) == GENERIC_401
    with pytest.raises(ksa_exc.Unauthorized):
        keystoneauth_login(user["id"], "Secret-pass-1")
    # A locked user cannot change their password either.
    resp = change_password(user["id"], "Secret-pass-1", "Other-pass-2")
    assert resp.status_code == 401
    # After lockout_duration (5 s) the right password works again.
    time.sleep(6)
    assert keystoneauth_login(user["id"], "Secret-pass-1").user_id == user["id"]


def test_success_resets_the_failure_count(new_user):
    user = new_user("Secret-pass-1")
    _lock(user["id"], attempts=1)
    assert post_token(password_body(user["id"], "Secret-pass-1")).status_code == 201
    # One more failure after the success: not locked (the count started again).
    _lock(user["id"], attempts=1)
    assert post_token(password_body(user["id"], "Secret-pass-1")).status_code == 201


def test_ignore_lockout_failure_attempts_option(admin_session, new_user):
    user = new_user("Secret-pass-1")
    set_options(admin_session, user["id"], ignore_lockout_failure_attempts=True)
    _lock(user["id"], attempts=3)
    assert post_token(password_body(user["id"], "Secret-pass-1")).status_code == 201


def test_admin_enable_clears_a_lockout(admin_session, new_user):
    user = new_user("Secret-pass-1")
    _lock(user["id"])
    if post_token(password_body(user["id"], "Secret-pass-1")).status_code == 201:
        pytest.skip("[security_compliance] lockout_failure_attempts is not set on this server")
    # Upstream's `enabled` setter resets the failure count on any update of an enabled user.
    resp = admin_session.patch(AUTH_URL + "/users/%s" % user["id"],
                               json={"user": {"enabled": True}})
    assert resp.status_code == 200
    assert post_token(password_body(user["id"], "Secret-pass-1")).status_code == 201


# ---------------------------------------------------------------------------------------
# password changes: history, lock_password, wrong original, disabled user


def test_password_history_on_self_service_change(new_user):
    user = new_user("First-pass-1")
    resp = change_password(user["id"], "First-pass-1", "First-pass-1")
    if resp.status_code == 204:
        pytest.skip("[security_compliance] unique_last_password_count is not set on this server")
    assert resp.status_code == 400
    assert error_message(resp) == (
        "The new password cannot be identical to a previous password. The total number "
        "which includes the new password must be unique is 2.")
    assert change_password(user["id"], "First-pass-1", "Second-pass-2").status_code == 204
    # The previous password is still in the history of 2 ...
    resp = change_password(user["id"], "Second-pass-2", "First-pass-1")
    assert resp.status_code == 400
    # ... and falls out of it after one more change.
    assert change_password(user["id"], "Second-pass-2", "Third-pass-3").status_code == 204
    assert change_password(user["id"], "Third-pass-3", "First-pass-1").status_code == 204
    time.sleep(1)  # tokens are revoked at second resolution on a password change
    assert keystoneauth_login(user["id"], "First-pass-1").user_id == user["id"]


def test_admin_reset_is_not_checked_against_history(admin_session, new_user):
    user = new_user("First-pass-1")
    for _ in range(2):
        resp = admin_session.patch(AUTH_URL + "/users/%s" % user["id"],
                                   json={"user": {"password": "First-pass-1"}})
        assert resp.status_code == 200


def test_change_password_negative_cases(admin_session, new_user):
    user = new_user("First-pass-1")
    # Wrong original password: the plain 401 (and it counts as a failed attempt).
    resp = change_password(user["id"], "not-it", "Second-pass-2")
    assert resp.status_code == 401
    assert error_message(resp) == GENERIC_401
    # Unknown user: 401 too, nothing revealed.
    resp = change_password(uuid.uuid4().hex, "First-pass-1", "Second-pass-2")
    assert resp.status_code == 401
    # Schema: both fields required, nothing else allowed.
    resp = requests.post(AUTH_URL + "/users/%s/password" % user["id"],
                         json={"user": {"password": "x"}}, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 400
    # (upstream goes on with jsonschema's dump of the schema and of the request, password
    # included; keystone-lite stops at the first line rather than echo it)
    assert error_message(resp).startswith("'original_password' is a required property")
    # lock_password: self-service changes refused.
    set_options(admin_session, user["id"], lock_password=True)
    resp = change_password(user["id"], "First-pass-1", "Second-pass-2")
    assert resp.status_code == 400
    assert error_message(resp) == (
        "You cannot change your password at this time due to password policy disallowing "
        "password changes. Please contact your administrator to reset your password.")
    # A disabled user is named (upstream's UserDisabled on this route).
    set_options(admin_session, user["id"], lock_password=False)
    admin_session.patch(AUTH_URL + "/users/%s" % user["id"], json={"user": {"enabled": False}})
    resp = change_password(user["id"], "First-pass-1", "Second-pass-2")
    assert resp.status_code == 401
    assert error_message(resp) == "The account is disabled for user: %s." % user["id"]


def test_cli_user_password_set(new_user):
    user = new_user("First-pass-1")
    creds = {"username": user["name"], "password": "First-pass-1", "project_name": ""}
    proc = run_openstack(["--os-project-name", "", "user", "password", "set",
                          "--original-password", "First-pass-1",
                          "--password", "Second-pass-2"], creds=creds)
    assert proc.returncode == 0, proc.stderr
    time.sleep(1)
    assert keystoneauth_login(user["id"], "Second-pass-2").user_id == user["id"]
    with pytest.raises(ksa_exc.Unauthorized):
        keystoneauth_login(user["id"], "First-pass-1")
    # Reusing the password just replaced is refused through the CLI as well.
    creds["password"] = "Second-pass-2"
    proc = run_openstack(["--os-project-name", "", "user", "password", "set",
                          "--original-password", "Second-pass-2",
                          "--password", "First-pass-1"], creds=creds)
    if proc.returncode == 0:
        pytest.skip("[security_compliance] unique_last_password_count is not set on this server")
    assert "cannot be identical to a previous password" in proc.stderr


# ---------------------------------------------------------------------------------------
# user options


def test_options_validation_messages(admin_session, new_user):
    user = new_user("First-pass-1")
    cases = [
        ({"multi_factor_auth_rules": [["password"], ["password"]]},
         "Invalid input for field/attribute multi_factor_auth_rules. Value: [['password'], "
         "['password']]. [['password'], ['password']] has non-unique elements"),
        ({"multi_factor_auth_rules": [["password", "password"]]},
         "Invalid input for field/attribute 0. Value: ['password', 'password']. "
         "['password', 'password'] has non-unique elements"),
        ({"multi_factor_auth_rules": [[]]},
         "Invalid input for field/attribute 0. Value: []. [] should be non-empty"),
    ]
    for options, message in cases:
        resp = admin_session.patch(AUTH_URL + "/users/%s" % user["id"],
                                   json={"user": {"options": options}}, raise_exc=False)
        assert resp.status_code == 400, options
        assert error_message(resp) == message
    shown = set_options(admin_session, user["id"], ignore_password_expiry=True,
                        ignore_user_inactivity=True,
                        ignore_change_password_upon_first_use=True,
                        multi_factor_auth_enabled=False,
                        multi_factor_auth_rules=[["password", "totp"]])
    assert shown["options"]["multi_factor_auth_rules"] == [["password", "totp"]]
    got = admin_session.get(AUTH_URL + "/users/%s" % user["id"]).json()["user"]
    assert got["options"]["ignore_user_inactivity"] is True


# ---------------------------------------------------------------------------------------
# multi-factor rules, receipts and TOTP


def test_mfa_rules_answer_a_receipt(admin_session, new_user):
    user = new_user("First-pass-1")
    set_options(admin_session, user["id"], multi_factor_auth_rules=[["password", "totp"]])
    resp = post_token(password_body(user["id"], "First-pass-1"))
    assert resp.status_code == 401
    receipt = resp.headers.get(RECEIPT_HEADER)
    assert receipt and receipt.startswith("gAAAAA"), resp.headers
    body = resp.json()
    assert list(body) == ["receipt", "required_auth_methods"]
    assert list(body["receipt"]) == ["methods", "user", "expires_at", "issued_at"]
    assert body["receipt"]["methods"] == ["password"]
    assert body["receipt"]["user"] == {"id": user["id"], "name": user["name"],
                                       "domain": {"id": "default", "name": "Default"}}
    assert body["required_auth_methods"] == [["password", "totp"]]
    assert body["receipt"]["expires_at"].endswith(".000000Z")
    # keystoneauth turns it into MissingAuthMethods with the receipt.
    with pytest.raises(ksa_exc.MissingAuthMethods) as err:
        keystoneauth_login(user["id"], "First-pass-1")
    assert err.value.receipt and err.value.required_auth_methods == [["password", "totp"]]
    # A garbled receipt, or another user's, is upstream's ReceiptNotFound.
    resp = post_token(password_body(user["id"], "First-pass-1"), receipt="garbage")
    assert resp.status_code == 401
    assert error_message(resp) == "Could not find auth receipt: garbage."
    resp = post_token({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": ADMIN["username"], "domain": {"id": "default"},
        "password": ADMIN["password"]}}}}}, receipt=receipt)
    assert resp.status_code == 401
    assert error_message(resp) == "Could not find auth receipt: %s." % receipt
    # Rules switched off: the password alone is enough again.
    set_options(admin_session, user["id"], multi_factor_auth_enabled=False)
    assert post_token(password_body(user["id"], "First-pass-1")).status_code == 201


@pytest.fixture
def totp_user(admin_session, new_user):
    """A user with a TOTP credential and rules password+totp; skips without /v3/credentials."""
    user = new_user("First-pass-1")
    seed = base64.b32encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:4]).decode().rstrip("=")
    resp = admin_session.post(AUTH_URL + "/credentials", json={"credential": {
        "type": "totp", "user_id": user["id"], "blob": seed}}, raise_exc=False)
    if resp.status_code == 404:
        pytest.skip("this server does not serve /v3/credentials yet")
    assert resp.status_code == 201, resp.text
    set_options(admin_session, user["id"], multi_factor_auth_rules=[["password", "totp"]])
    return user, seed


def test_receipt_then_totp_completes_the_auth(totp_user):
    user, seed = totp_user
    first = post_token(password_body(user["id"], "First-pass-1"))
    assert first.status_code == 401
    receipt = first.headers[RECEIPT_HEADER]
    # keystoneauth: the receipt and the second factor in one plugin.
    auth = v3.Auth(AUTH_URL, [v3.TOTPMethod(user_id=user["id"], passcode=totp_code(seed)),
                              v3.ReceiptMethod(receipt=receipt)])
    access = auth.get_access(new_session(auth))
    assert access.user_id == user["id"]
    assert sorted(access._data["token"]["methods"]) == ["password", "totp"]
    # Both factors in one request need no receipt.
    body = password_body(user["id"], "First-pass-1")
    body["auth"]["identity"]["methods"].append("totp")
    body["auth"]["identity"]["totp"] = {"user": {"id": user["id"], "passcode": totp_code(seed)}}
    resp = post_token(body)
    assert resp.status_code == 201
    assert seed not in resp.text


def test_totp_negative_cases(totp_user):
    user, seed = totp_user
    receipt = post_token(password_body(user["id"], "First-pass-1")).headers[RECEIPT_HEADER]
    # A wrong passcode, a passcode two periods old, no passcode: the plain 401.
    wrong = "%06d" % ((int(totp_code(seed)) + 1) % 1000000)
    for passcode in (wrong, totp_code(seed, time.time() - 65)):
        resp = post_token(totp_body(user["id"], passcode), receipt=receipt)
        assert resp.status_code == 401
        assert error_message(resp) == GENERIC_401
    resp = post_token({"auth": {"identity": {"methods": ["totp"], "totp": {
        "user": {"id": user["id"]}}}}}, receipt=receipt)
    assert resp.status_code == 401
    # The totp factor alone is a receipt for the missing password, not a token.
    resp = post_token(totp_body(user["id"], totp_code(seed)))
    assert resp.status_code == 401
    assert resp.json()["receipt"]["methods"] == ["totp"]
    assert seed not in resp.text


def test_replayed_totp_within_its_window_is_accepted_as_upstream(totp_user):
    """Upstream keeps no record of used passcodes: a replay inside the window still
    authenticates (refused only once the window has passed, as the negative case above)."""
    user, seed = totp_user
    receipt = post_token(password_body(user["id"], "First-pass-1")).headers[RECEIPT_HEADER]
    code = totp_code(seed)
    first = post_token(totp_body(user["id"], code), receipt=receipt)
    again = post_token(totp_body(user["id"], code), receipt=receipt)
    assert first.status_code == 201
    assert again.status_code == 201


def test_secrets_never_echoed(admin_session, new_user):
    """Neither a password nor a rejected password shows in any answer."""
    user = new_user("First-pass-1")
    resp = post_token(password_body(user["id"], "Wrong-Secret-99"))
    assert "Wrong-Secret-99" not in resp.text
    resp = change_password(user["id"], "First-pass-1", "First-pass-1")
    assert "First-pass-1" not in resp.text
    got = admin_session.get(AUTH_URL + "/users/%s" % user["id"]).json()["user"]
    assert "password" not in json.dumps(got).replace("password_expires_at", "")
