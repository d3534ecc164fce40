"""OS-CREDENTIAL and AK/SK signing with the real SDK: keys made with a token, then the SDK signing
with them (GlobalCredentials, BasicCredentials, their bootstrap look-ups), temporary keys with a
security token, and refusals the SDK raises as ClientRequestException."""
import re

import pytest

from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    CreateCredentialOption, CreatePermanentAccessKeyRequest, CreatePermanentAccessKeyRequestBody,
    CreateTemporaryAccessKeyByTokenRequest, CreateTemporaryAccessKeyByTokenRequestBody,
    DeletePermanentAccessKeyRequest, IdentityToken, KeystoneListAuthDomainsRequest,
    KeystoneListAuthProjectsRequest, KeystoneListProjectsRequest, ListPermanentAccessKeysRequest,
    ShowPermanentAccessKeyRequest, TokenAuth, TokenAuthIdentity, UpdateCredentialOption,
    UpdatePermanentAccessKeyRequest, UpdatePermanentAccessKeyRequestBody)

from conftest import (DEMO_AK, DEMO_SK, DOMAIN_ID, REGION, REGION_PROJECT_ID, basic_client,
                      global_client, remember, token_client)



@pytest.fixture
def admin_key(server):
    """A fresh permanent key of the account administrator, deleted afterwards."""
    client = token_client(server, server.token())
    user_id = server.user_id("hwaccount")
    body = CreatePermanentAccessKeyRequestBody(
        credential=CreateCredentialOption(user_id=user_id, description="sdk test"))
    cred = client.create_permanent_access_key(CreatePermanentAccessKeyRequest(body=body)).credential
    remember(cred.secret)
    yield cred
    try:
        client.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=cred.access))
    except ClientRequestException as e:
        assert e.status_code == 404


def test_create_shows_the_secret_once(server, admin_key):
    assert re.fullmatch(r"[A-Z0-9]{20}", admin_key.access)
    assert len(admin_key.secret) == 40 and admin_key.status == "active"
    client = token_client(server, server.token())
    shown = client.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=admin_key.access)).credential
    assert shown.access == admin_key.access and not hasattr(shown, "secret")


def test_global_credentials_sign(server, admin_key):
    client = global_client(server, admin_key.access, admin_key.secret)
    keys = client.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=admin_key.user_id)).credentials
    assert admin_key.access in [k.access for k in keys]
    domains = client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    assert [d.id for d in domains] == [DOMAIN_ID]


def test_global_credentials_bootstrap_finds_the_domain(server, admin_key):
    client = global_client(server, admin_key.access, admin_key.secret, domain_id=None)
    keys = client.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=admin_key.user_id)).credentials
    assert admin_key.access in [k.access for k in keys]


def test_basic_credentials_sign_and_bootstrap(server, admin_key):
    # Without a project id the SDK first signs GET /v3/projects?name=cn-north-4 (no
    # X-Project-Id: the key acts at its account's level), then sends X-Project-Id.
    for project_id in (REGION_PROJECT_ID, None):
        client = basic_client(server, admin_key.access, admin_key.secret, project_id=project_id)
        projects = client.keystone_list_auth_projects(KeystoneListAuthProjectsRequest()).projects
        assert REGION_PROJECT_ID in [p.id for p in projects]
    # Keystone's list_projects wants the account (domain) scope: GlobalCredentials.
    client = global_client(server, admin_key.access, admin_key.secret)
    projects = client.keystone_list_projects(KeystoneListProjectsRequest(name=REGION)).projects
    assert [p.id for p in projects] == [REGION_PROJECT_ID]


def test_the_seed_demo_key_signs(server):
    client = basic_client(server, DEMO_AK, DEMO_SK)
    projects = client.keystone_list_auth_projects(KeystoneListAuthProjectsRequest()).projects
    assert REGION_PROJECT_ID in [p.id for p in projects]


def test_wrong_secret_and_inactive_key_raise_401(server, admin_key):
    client = global_client(server, admin_key.access, "x" * 40)
    with pytest.raises(ClientRequestException) as e:
        client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())
    assert e.value.status_code == 401
    admin = token_client(server, server.token())
    body = UpdatePermanentAccessKeyRequestBody(credential=UpdateCredentialOption(status="inactive"))
    admin.update_permanent_access_key(
        UpdatePermanentAccessKeyRequest(access_key=admin_key.access, body=body))
    client = global_client(server, admin_key.access, admin_key.secret)
    with pytest.raises(ClientRequestException) as e:
        client.list_permanent_access_keys(ListPermanentAccessKeysRequest())
    assert e.value.status_code == 401
    assert e.value.error_code == "APIGW.0301"


def _temporary(server, client, duration=None, token_id=None):
    token = IdentityToken(id=token_id, duration_seconds=duration)
    body = CreateTemporaryAccessKeyByTokenRequestBody(
        auth=TokenAuth(identity=TokenAuthIdentity(methods=["token"], token=token)))
    cred = client.create_temporary_access_key_by_token(
        CreateTemporaryAccessKeyByTokenRequest(body=body)).credential
    remember(cred.secret, cred.securitytoken)
    return cred


def test_temporary_keys_sign_with_their_security_token(server):
    token = server.token()
    cred = _temporary(server, token_client(server, token), duration=900)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", cred.expires_at)
    client = global_client(server, cred.access, cred.secret, security_token=cred.securitytoken)
    keys = client.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=server.user_id("hwaccount"))).credentials
    assert isinstance(keys, list)
    client = basic_client(server, cred.access, cred.secret, security_token=cred.securitytoken)
    projects = client.keystone_list_projects(KeystoneListProjectsRequest(name=REGION)).projects
    assert [p.id for p in projects] == [REGION_PROJECT_ID]
    # Without (or with another) security token: refused.
    for other in (None, cred.securitytoken + "x"):
        client = global_client(server, cred.access, cred.secret, security_token=other)
        with pytest.raises(ClientRequestException) as e:
            client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())
        assert e.value.status_code == 401


def test_temporary_key_by_body_token_only(server):
    """The SDK's unsigned form: no X-Auth-Token, the token in auth.identity.token.id."""
    token = server.token()
    status, _, body = server.request("POST", "/v3.0/OS-CREDENTIAL/securitytokens", {
        "auth": {"identity": {"methods": ["token"], "token": {"id": token}}}})
    assert status == 201, body
    cred = body["credential"]
    remember(cred["secret"], cred["securitytoken"])
    assert set(cred) == {"access", "secret", "securitytoken", "expires_at"}


def test_permanent_key_lifecycle(server, admin_iam):
    """The account administrator manages its keys with every credential kind."""
    user_id = server.user_id("hwaccount")
    body = CreatePermanentAccessKeyRequestBody(
        credential=CreateCredentialOption(user_id=user_id, description=admin_iam.kind))
    cred = admin_iam.create_permanent_access_key(
        CreatePermanentAccessKeyRequest(body=body)).credential
    remember(cred.secret)
    try:
        shown = admin_iam.show_permanent_access_key(
            ShowPermanentAccessKeyRequest(access_key=cred.access)).credential
        assert (shown.user_id, shown.description, shown.status) == (user_id, admin_iam.kind, "active")
        keys = admin_iam.list_permanent_access_keys(
            ListPermanentAccessKeysRequest(user_id=user_id)).credentials
        assert cred.access in [k.access for k in keys]
        assert cred.secret not in str(keys) + str(shown)
        body = UpdatePermanentAccessKeyRequestBody(
            credential=UpdateCredentialOption(status="inactive", description="off"))
        updated = admin_iam.update_permanent_access_key(
            UpdatePermanentAccessKeyRequest(access_key=cred.access, body=body)).credential
        assert (updated.status, updated.description) == ("inactive", "off")
    finally:
        admin_iam.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=cred.access))
    with pytest.raises(ClientRequestException) as e:
        admin_iam.show_permanent_access_key(ShowPermanentAccessKeyRequest(access_key=cred.access))
    assert (e.value.status_code, e.value.error_code) == (404, "IAM.0004")


def test_temporary_key_by_token_with_every_kind(server, admin_iam):
    """CreateTemporaryAccessKeyByToken: the token in the body, the request authenticated by
    every kind (the token names whose key it is)."""
    cred = _temporary(server, admin_iam, duration=900, token_id=server.token())
    client = global_client(server, cred.access, cred.secret, security_token=cred.securitytoken)
    domains = client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    assert [d.id for d in domains] == [DOMAIN_ID]
