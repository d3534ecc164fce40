"""OS-USER through the real SDK (admin_iam: every credential kind): CreateUser, ShowUser, UpdateUser,
UpdateUserInformation, and Huawei's error codes as the SDK raises them."""
import uuid

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    CreateUserOption, CreateUserRequest, CreateUserRequestBody, ShowDomainQuotaRequest,
    ShowUserRequest, UpdateUserInformationOption, UpdateUserInformationRequest,
    UpdateUserInformationRequestBody, UpdateUserOption, UpdateUserRequest, UpdateUserRequestBody)

from conftest import DOMAIN_ID, remember, token_client


def _create(client, name, password="Sdk@2024user", **extra):
    remember(password)
    option = CreateUserOption(name=name, domain_id=DOMAIN_ID, password=password, **extra)
    return client.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option))).user


def _unscoped_token(server, name, password):
    """The new user holds no role yet: an unscoped token is all it can get."""
    status, headers, _ = server.request("POST", "/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": name, "password": password, "domain": {"id": DOMAIN_ID}}}}}})
    assert status == 201, status
    return headers["X-Subject-Token"]


def test_create_show_update_and_own_info(server, admin_iam):
    admin = admin_iam
    name = "sdk-" + uuid.uuid4().hex[:8]
    user = _create(admin, name, email="sdk@example.com", areacode="0086", phone="123456789",
                   access_mode="programmatic", description="from the SDK")
    assert user.name == name and user.domain_id == DOMAIN_ID and user.enabled
    assert user.access_mode == "programmatic" and user.pwd_status is True
    shown = admin.show_user(ShowUserRequest(user_id=user.id)).user
    assert (shown.email, shown.areacode, shown.phone) == ("sdk@example.com", "0086", "123456789")
    assert shown.create_time.endswith("Z") and shown.is_domain_owner is False

    updated = admin.update_user(UpdateUserRequest(user_id=user.id, body=UpdateUserRequestBody(
        user=UpdateUserOption(description="changed", email="new@example.com")))).user
    assert updated.description == "changed" and updated.email == "new@example.com"

    own = token_client(server, _unscoped_token(server, name, "Sdk@2024user"))
    resp = own.update_user_information(UpdateUserInformationRequest(
        user_id=user.id, body=UpdateUserInformationRequestBody(
            user=UpdateUserInformationOption(email="me@example.com", mobile="0086-987654321"))))
    assert resp.status_code == 204
    shown = own.show_user(ShowUserRequest(user_id=user.id)).user
    assert (shown.email, shown.phone) == ("me@example.com", "987654321")


def test_huawei_error_codes_reach_the_sdk(admin_iam):
    admin = admin_iam
    name = "dup-" + uuid.uuid4().hex[:8]
    _create(admin, name)
    with pytest.raises(ClientRequestException) as e:
        _create(admin, name)
    assert (e.value.status_code, e.value.error_code) == (409, "1109")
    with pytest.raises(ClientRequestException) as e:
        _create(admin, "weak-" + uuid.uuid4().hex[:8], password="abc")
    assert (e.value.status_code, e.value.error_code) == (400, "1118")
    with pytest.raises(ClientRequestException) as e:
        _create(admin, "1digitfirst")
    assert e.value.error_code == "IAM.0007"


def test_domain_quota(admin_iam):
    admin = admin_iam
    resp = admin.show_domain_quota(ShowDomainQuotaRequest(domain_id=DOMAIN_ID, type="user"))
    [users] = resp.quotas.resources
    assert users.type == "user" and users.max == 1000 and users.used >= 2
