"""Refusals as the real SDK raises them (ClientRequestException: status and error_code): a wrong
SK, a body other than the signed one, a stale X-Sdk-Date, a deleted or inactive key, a dead
security token, a missing MFA code, a suspended project, a weak password under the account's
password policy. Altered bodies and stale dates go through the SDK's own signer in an
HttpHandler hook that runs after the SDK signed the request."""
import datetime
import json
import uuid

import pytest
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkiam.v3 import (
    AuthScope, AuthScopeProject, CreateCredentialOption, CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody, DeletePermanentAccessKeyRequest, IamClient,
    KeystoneCreateUserTokenByPasswordRequest, KeystoneCreateUserTokenByPasswordRequestBody,
    KeystoneListAuthDomainsRequest, KeystoneUpdatePasswordOption,
    KeystoneUpdateUserPasswordRequest, KeystoneUpdateUserPasswordRequestBody,
    ListPermanentAccessKeysRequest, PasswordPolicyOption, PwdAuth, PwdIdentity, PwdPassword,
    PwdPasswordUser, PwdPasswordUserDomain, ShowUserRequest, UpdateCredentialOption,
    UpdateDomainPasswordPolicyRequest, UpdateDomainPasswordPolicyRequestBody,
    UpdatePermanentAccessKeyRequest, UpdatePermanentAccessKeyRequestBody, UpdateUserOption,
    UpdateUserRequest, UpdateUserRequestBody)

from conftest import (ADMIN, ADMIN_AK, ADMIN_SK, DOMAIN_ID, DOMAIN_NAME, _config, global_client,
                      remember, token_client)


def refused_signed(client):
    """A refused signature: Huawei's APIGW.0301 on a /v3.0 route, Keystone's 401 body on /v3."""
    refused(lambda: client.list_permanent_access_keys(ListPermanentAccessKeysRequest()),
            401, "APIGW.0301")
    refused(lambda: client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()),
            401, "401")


def refused(call, status, code):
    with pytest.raises(ClientRequestException) as e:
        call()
    assert (e.value.status_code, str(e.value.error_code)) == (status, code), e.value
    return e.value


def hooked_client(server, hook):
    """GlobalCredentials with the admin's demo key; `hook(request)` sees each signed request
    just before it is sent."""
    handler = HttpHandler().add_request_handler(lambda **kw: hook(kw["request"]))
    return (IamClient.new_builder().with_http_config(_config())
            .with_credentials(GlobalCredentials(ADMIN_AK, ADMIN_SK, DOMAIN_ID))
            .with_http_handler(handler).with_endpoints([server.url]).build())


def update_hwuser(client, server, description):
    return client.update_user(UpdateUserRequest(
        user_id=server.user_id("hwuser"),
        body=UpdateUserRequestBody(user=UpdateUserOption(description=description))))


def password_token(client, name, password, project_id=None):
    scope = AuthScope(project=AuthScopeProject(id=project_id)) if project_id else None
    return client.keystone_create_user_token_by_password(KeystoneCreateUserTokenByPasswordRequest(
        body=KeystoneCreateUserTokenByPasswordRequestBody(auth=PwdAuth(
            identity=PwdIdentity(methods=["password"], password=PwdPassword(user=PwdPasswordUser(
                name=name, password=password, domain=PwdPasswordUserDomain(name=DOMAIN_NAME)))),
            scope=scope))))


def test_wrong_secret_key(server):
    refused_signed(global_client(server, ADMIN_AK, ADMIN_SK[::-1]))


def test_altered_body(server):
    """The SDK signs one body; the hook sends another (the signature covers the body's hash)."""
    def alter(request):
        request.body = request.body.replace(b"signed", b"altered")
    client = hooked_client(server, alter)
    refused(lambda: update_hwuser(client, server, "signed"), 401, "APIGW.0301")
    # The same request unaltered passes.
    untouched = hooked_client(server, lambda request: None)
    assert update_hwuser(untouched, server, "signed").user.description == "signed"


def test_stale_sdk_date(server):
    """Re-signed by the SDK's Signer with an X-Sdk-Date 20 minutes old (the window is 15)."""
    stale = (datetime.datetime.utcnow() - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")

    def resign(request):
        del request.header_params["Authorization"]
        request.header_params["X-Sdk-Date"] = stale
        Signer(GlobalCredentials(ADMIN_AK, ADMIN_SK)).sign(request)
    refused_signed(hooked_client(server, resign))


@pytest.fixture
def fresh_key(server):
    """A new permanent key of hwaccount: (access, secret)."""
    admin = token_client(server, server.token())
    body = CreatePermanentAccessKeyRequestBody(credential=CreateCredentialOption(
        user_id=server.user_id(ADMIN[0]), description="negative"))
    cred = admin.create_permanent_access_key(CreatePermanentAccessKeyRequest(body=body)).credential
    remember(cred.secret)
    yield cred.access, cred.secret
    try:
        admin.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=cred.access))
    except ClientRequestException:
        pass  # the test deleted it


def test_deleted_key(server, fresh_key):
    access, secret = fresh_key
    client = global_client(server, access, secret)
    client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())
    token_client(server, server.token()).delete_permanent_access_key(
        DeletePermanentAccessKeyRequest(access_key=access))
    refused_signed(client)


def test_inactive_key(server, fresh_key):
    access, secret = fresh_key
    token_client(server, server.token()).update_permanent_access_key(
        UpdatePermanentAccessKeyRequest(access_key=access, body=UpdatePermanentAccessKeyRequestBody(
            credential=UpdateCredentialOption(status="inactive"))))
    client = global_client(server, access, secret)
    refused(lambda: client.list_permanent_access_keys(ListPermanentAccessKeysRequest()),
            401, "APIGW.0301")


def test_dead_security_token(server):
    """keystone-lite has no clock override for a running server and a temporary key lives at
    least 900 s, so the expired case is played by a temporary key whose security token died
    with its user (deleted): the same refusal as an expired one."""
    name, password = "temp" + uuid.uuid4().hex[:8], "Temp@" + uuid.uuid4().hex[:8]
    remember(password)
    admin = {"X-Auth-Token": server.token()}
    status, _, body = server.request("POST", "/v3/users", {"user": {
        "name": name, "domain_id": DOMAIN_ID, "password": password}}, headers=admin)
    assert status == 201, body
    user_id = body["user"]["id"]
    status, headers, _ = server.request("POST", "/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": name, "password": password, "domain": {"id": DOMAIN_ID}}}}}})
    assert status == 201
    access, secret, security_token = server.temporary_key(headers["X-Subject-Token"])
    client = global_client(server, access, secret, security_token=security_token)
    client.show_user(ShowUserRequest(user_id=user_id))
    assert server.request("DELETE", f"/v3/users/{user_id}", headers=admin)[0] == 204
    refused(lambda: client.show_user(ShowUserRequest(user_id=user_id)), 401, "APIGW.0301")


def test_missing_mfa_code(server):
    """A user whose login protection is vmfa: its password alone gets no token."""
    from test_mfa import create_and_bind  # the MFA group's helper: device + binding
    from huaweicloudsdkiam.v3 import UpdateLoginProjectReq, UpdateLoginProject, UpdateLoginProtectRequest
    name, password = "nomfa" + uuid.uuid4().hex[:8], "Mfa@" + uuid.uuid4().hex[:8]
    remember(password)
    status, _, body = server.request("POST", "/v3/users", {"user": {
        "name": name, "domain_id": DOMAIN_ID, "password": password}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    user_id = body["user"]["id"]
    admin = token_client(server, server.token())
    create_and_bind(admin, user_id)
    admin.update_login_protect(UpdateLoginProtectRequest(user_id=user_id, body=UpdateLoginProjectReq(
        login_protect=UpdateLoginProject(enabled=True, verification_method="vmfa"))))
    error = refused(lambda: password_token(admin, name, password), 401, "401")
    assert "MFA" in error.error_msg


def test_suspended_project(server, admin_iam):
    from huaweicloudsdkiam.v3 import UpdateProjectOption, UpdateProjectStatusRequest, UpdateProjectStatusRequestBody
    status, _, body = server.request(
        "POST", "/v3/projects", {"project": {"name": "cn-north-4_" + uuid.uuid4().hex[:8],
                                             "domain_id": DOMAIN_ID}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    project = body["project"]["id"]
    admin_iam.update_project_status(UpdateProjectStatusRequest(
        project_id=project, body=UpdateProjectStatusRequestBody(
            project=UpdateProjectOption(status="suspended"))))
    refused(lambda: password_token(admin_iam, ADMIN[0], ADMIN[1], project_id=project), 401, "401")


def test_weak_password_under_the_password_policy(server):
    admin = token_client(server, server.token())

    def policy(length):
        admin.update_domain_password_policy(UpdateDomainPasswordPolicyRequest(
            domain_id=DOMAIN_ID, body=UpdateDomainPasswordPolicyRequestBody(
                password_policy=PasswordPolicyOption(minimum_password_length=length))))
    name, password = "weak" + uuid.uuid4().hex[:8], "Weak@12345"
    remember(password)
    status, _, body = server.request("POST", "/v3/users", {"user": {
        "name": name, "domain_id": DOMAIN_ID, "password": password}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    user_id = body["user"]["id"]
    own = token_client(server, _unscoped(server, name, password))
    policy(14)
    try:
        # Ten characters meet the default (8) but not the account's 14.
        short = "Short@1234"
        remember(short)
        refused(lambda: own.keystone_update_user_password(KeystoneUpdateUserPasswordRequest(
            user_id=user_id, body=KeystoneUpdateUserPasswordRequestBody(
                user=KeystoneUpdatePasswordOption(password=short, original_password=password)))),
            400, "400")
    finally:
        policy(8)
    # Under the default policy the same change passes: the account's policy refused it.
    own.keystone_update_user_password(KeystoneUpdateUserPasswordRequest(
        user_id=user_id, body=KeystoneUpdateUserPasswordRequestBody(
            user=KeystoneUpdatePasswordOption(password=short, original_password=password))))


def _unscoped(server, name, password):
    status, headers, _ = server.request("POST", "/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": name, "password": password, "domain": {"id": DOMAIN_ID}}}}}})
    assert status == 201
    return headers["X-Subject-Token"]
