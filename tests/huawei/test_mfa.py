"""Virtual MFA devices, login protection and the password + virtual MFA token, through the real
SDK (admin_iam: every credential kind). A fresh user per test keeps the seed users' logins untouched for the other
groups' tests in the same server. TOTP codes (RFC 6238, SHA-1, 30 s, 6 digits) are computed
here from the seed the server shows once."""
import base64
import hashlib
import hmac
import struct
import time
import uuid

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    BindMfaDevice, CreateBindingDeviceRequest, CreateMfaDevice, CreateMfaDeviceReq,
    CreateMfaDeviceRequest, DeleteBindingDeviceRequest, DeleteMfaDeviceRequest,
    KeystoneCreateUserTokenByPasswordAndMfaRequest,
    KeystoneCreateUserTokenByPasswordAndMfaRequestBody, ListUserLoginProtectsRequest,
    ListUserMfaDevicesRequest, MfaAuth, MfaIdentity, MfaTotp, MfaTotpUser, PwdPassword,
    PwdPasswordUser, PwdPasswordUserDomain, ShowUserLoginProtectRequest,
    ShowUserMfaDeviceRequest, UnbindMfaDevice, UpdateLoginProjectReq, UpdateLoginProject,
    UpdateLoginProtectRequest,
)

from conftest import DOMAIN_ID, DOMAIN_NAME, remember

PASSWORD = "Mfa@12345x"


def totp(seed, steps_back=0):
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    counter = int(time.time()) // 30 - steps_back
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000
    return f"{code:06d}"


def wrong(seed):
    valid = {totp(seed, k) for k in range(4)}
    return next(c for c in (str(d) * 6 for d in range(10)) if c not in valid)


@pytest.fixture
def user(server):
    """A fresh user of the account with a password: (id, name)."""
    name = "mfa" + uuid.uuid4().hex[:8]
    status, _, body = server.request(
        "POST", "/v3/users",
        {"user": {"name": name, "domain_id": DOMAIN_ID, "password": PASSWORD}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    return body["user"]["id"], name


def mfa_token_request(user_id, name, passcode):
    identity = MfaIdentity(
        methods=["password", "totp"],
        password=PwdPassword(user=PwdPasswordUser(
            name=name, password=PASSWORD, domain=PwdPasswordUserDomain(name=DOMAIN_NAME))),
        totp=MfaTotp(user=MfaTotpUser(id=user_id, passcode=passcode)))
    return KeystoneCreateUserTokenByPasswordAndMfaRequest(
        nocatalog="true",
        body=KeystoneCreateUserTokenByPasswordAndMfaRequestBody(auth=MfaAuth(identity=identity)))


def create_and_bind(client, user_id):
    created = client.create_mfa_device(CreateMfaDeviceRequest(body=CreateMfaDeviceReq(
        virtual_mfa_device=CreateMfaDevice(name="phone-" + user_id[:6], user_id=user_id))))
    serial, seed = created.virtual_mfa_device.serial_number, created.virtual_mfa_device.base32_string_seed
    remember(seed)
    assert serial == f"iam:{DOMAIN_ID}:mfa/phone-{user_id[:6]}"
    client.create_binding_device(CreateBindingDeviceRequest(body=BindMfaDevice(
        user_id=user_id, serial_number=serial,
        authentication_code_first=totp(seed, 1), authentication_code_second=totp(seed, 0))))
    return serial, seed


def test_mfa_device_create_bind_show_list_unbind_delete(server, user, admin_iam):
    user_id, _ = user
    client = admin_iam
    created = client.create_mfa_device(CreateMfaDeviceRequest(body=CreateMfaDeviceReq(
        virtual_mfa_device=CreateMfaDevice(name="dev-" + user_id[:6], user_id=user_id))))
    serial = created.virtual_mfa_device.serial_number
    seed = created.virtual_mfa_device.base32_string_seed
    remember(seed)
    assert len(seed) == 32

    with pytest.raises(ClientRequestException) as e:
        client.create_binding_device(CreateBindingDeviceRequest(body=BindMfaDevice(
            user_id=user_id, serial_number=serial,
            authentication_code_first=wrong(seed), authentication_code_second=totp(seed))))
    assert e.value.status_code == 400
    client.create_binding_device(CreateBindingDeviceRequest(body=BindMfaDevice(
        user_id=user_id, serial_number=serial,
        authentication_code_first=totp(seed, 1), authentication_code_second=totp(seed, 0))))

    shown = client.show_user_mfa_device(ShowUserMfaDeviceRequest(user_id=user_id))
    assert (shown.virtual_mfa_device.serial_number, shown.virtual_mfa_device.user_id) == (serial, user_id)
    listed = client.list_user_mfa_devices(ListUserMfaDevicesRequest())
    assert (serial, user_id) in [(d.serial_number, d.user_id) for d in listed.virtual_mfa_devices]
    assert seed not in str(shown) + str(listed)

    # An administrator unbinds with any six digits.
    client.delete_binding_device(DeleteBindingDeviceRequest(body=UnbindMfaDevice(
        user_id=user_id, serial_number=serial, authentication_code="000000")))
    client.delete_mfa_device(DeleteMfaDeviceRequest(user_id=user_id, serial_number=serial))
    with pytest.raises(ClientRequestException) as e:
        client.show_user_mfa_device(ShowUserMfaDeviceRequest(user_id=user_id))
    assert e.value.status_code == 404 and e.value.error_code == "IAM.0004"


def test_login_protect_vmfa_and_the_password_and_mfa_token(server, user, admin_iam):
    user_id, name = user
    client = admin_iam
    shown = client.show_user_login_protect(ShowUserLoginProtectRequest(user_id=user_id))
    assert (shown.login_protect.enabled, shown.login_protect.verification_method) == (False, "none")

    serial, seed = create_and_bind(client, user_id)
    updated = client.update_login_protect(UpdateLoginProtectRequest(
        user_id=user_id, body=UpdateLoginProjectReq(
            login_protect=UpdateLoginProject(enabled=True, verification_method="vmfa"))))
    assert (updated.login_protect.user_id, updated.login_protect.enabled,
            updated.login_protect.verification_method) == (user_id, True, "vmfa")
    listed = client.list_user_login_protects(ListUserLoginProtectsRequest())
    assert (user_id, True, "vmfa") in [
        (p.user_id, p.enabled, p.verification_method) for p in listed.login_protects]

    # Password alone: 401, saying MFA is required.
    status, _, body = server.request("POST", "/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": name, "password": PASSWORD, "domain": {"name": DOMAIN_NAME}}}}}})
    assert status == 401 and "MFA is required" in body["error"]["message"], body

    resp = client.keystone_create_user_token_by_password_and_mfa(
        mfa_token_request(user_id, name, totp(seed)))
    assert resp.x_subject_token
    assert resp.token.methods == ["password", "totp"] and resp.token.user.id == user_id
    assert not resp.token.catalog

    with pytest.raises(ClientRequestException) as e:
        client.keystone_create_user_token_by_password_and_mfa(
            mfa_token_request(user_id, name, wrong(seed)))
    assert e.value.status_code == 401

    # Back to no protection so the device can go.
    client.update_login_protect(UpdateLoginProtectRequest(
        user_id=user_id, body=UpdateLoginProjectReq(
            login_protect=UpdateLoginProject(enabled=False, verification_method="vmfa"))))
    client.delete_binding_device(DeleteBindingDeviceRequest(body=UnbindMfaDevice(
        user_id=user_id, serial_number=serial, authentication_code=totp(seed))))
    client.delete_mfa_device(DeleteMfaDeviceRequest(user_id=user_id, serial_number=serial))
    log = open(f"{server.data_dir}/server.log", encoding="utf-8", errors="replace").read()
    assert seed not in log
