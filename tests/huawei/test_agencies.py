"""Agencies (OS-AGENCY, OS-INHERIT), the agency token, project status and quota, through the
real huaweicloudsdkiam. The agency here trusts its own account (the seed has one account), so
the seed's plain user hwuser can assume it; cross-account delegation is covered by
tests/api/huawei_agencies.rs."""
import uuid

import pytest

from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    AgencyTokenAssumerole, AgencyTokenAuth, AgencyTokenIdentity, AgencyTokenScope,
    AgencyTokenScopeDomain, AgencyTokenScopeProject,
    AssociateAgencyWithAllProjectsPermissionRequest, AssociateAgencyWithDomainPermissionRequest,
    AssociateAgencyWithProjectPermissionRequest, CheckAllProjectsPermissionForAgencyRequest,
    CheckDomainPermissionForAgencyRequest, CreateAgencyOption, CreateAgencyRequest,
    CreateAgencyRequestBody, DeleteAgencyRequest, KeystoneCreateAgencyTokenRequest,
    KeystoneCreateAgencyTokenRequestBody, KeystoneListPermissionsRequest, ListAgenciesRequest,
    ListAllProjectsPermissionsForAgencyRequest, ListDomainPermissionsForAgencyRequest,
    ListProjectPermissionsForAgencyRequest, RemoveAllProjectsPermissionFromAgencyRequest,
    RemoveDomainPermissionFromAgencyRequest, ShowAgencyRequest,
    ShowProjectDetailsAndStatusRequest, ShowProjectQuotaRequest, UpdateAgencyOption,
    UpdateAgencyRequest, UpdateAgencyRequestBody, UpdateProjectOption,
    UpdateProjectStatusRequest, UpdateProjectStatusRequestBody,
)

from conftest import ADMIN, DOMAIN_ID, DOMAIN_NAME, REGION_PROJECT_ID, USER, token_client


def role_id(client, name):
    roles = client.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
    assert len(roles) == 1
    return roles[0].id


def agency_token(server, name, scope):
    client = token_client(server, server.token(USER, {"project": {"id": REGION_PROJECT_ID}}))
    body = KeystoneCreateAgencyTokenRequestBody(auth=AgencyTokenAuth(
        identity=AgencyTokenIdentity(
            methods=["assume_role"],
            assume_role=AgencyTokenAssumerole(agency_name=name, domain_name=DOMAIN_NAME)),
        scope=scope))
    return client.keystone_create_agency_token(KeystoneCreateAgencyTokenRequest(body=body))


@pytest.fixture
def admin(admin_iam):
    """The account administrator with every credential kind."""
    return admin_iam


@pytest.fixture
def project(server):
    """A fresh project of the account (its status changes never touch the region projects the
    other tests sign with); hwaccount's inherited te_admin covers it."""
    status, _, body = server.request(
        "POST", "/v3/projects",
        {"project": {"name": "cn-north-4_" + uuid.uuid4().hex[:8], "domain_id": DOMAIN_ID}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    return body["project"]["id"]


def test_agency_crud_grants_and_token(server, admin):
    name = "sdk-ops-" + uuid.uuid4().hex[:8]
    lookup = token_client(server, server.token())
    created = admin.create_agency(CreateAgencyRequest(body=CreateAgencyRequestBody(
        agency=CreateAgencyOption(name=name, domain_id=DOMAIN_ID,
                                  trust_domain_id=DOMAIN_ID, duration="FOREVER",
                                  description="by the SDK")))).agency
    assert created.name == name and created.expire_time is None
    with pytest.raises(ClientRequestException) as dup:
        admin.create_agency(CreateAgencyRequest(body=CreateAgencyRequestBody(
            agency=CreateAgencyOption(name=name, domain_id=DOMAIN_ID,
                                      trust_domain_name=DOMAIN_NAME))))
    assert dup.value.status_code == 409 and dup.value.error_code == "IAM.0005"

    listed = admin.list_agencies(ListAgenciesRequest(domain_id=DOMAIN_ID, name=name)).agencies
    assert [a.id for a in listed] == [created.id]
    shown = admin.show_agency(ShowAgencyRequest(agency_id=created.id)).agency
    assert shown.trust_domain_name == DOMAIN_NAME
    assert shown.agency_urn == f"iam::{DOMAIN_ID}:agency:{name}"
    updated = admin.update_agency(UpdateAgencyRequest(agency_id=created.id, body=UpdateAgencyRequestBody(
        agency=UpdateAgencyOption(description="changed", duration="ONEDAY")))).agency
    assert updated.description == "changed" and updated.expire_time.endswith("Z")

    te_admin, readonly = role_id(lookup, "te_admin"), role_id(lookup, "readonly")
    admin.associate_agency_with_domain_permission(AssociateAgencyWithDomainPermissionRequest(
        domain_id=DOMAIN_ID, agency_id=created.id, role_id=te_admin))
    admin.check_domain_permission_for_agency(CheckDomainPermissionForAgencyRequest(
        domain_id=DOMAIN_ID, agency_id=created.id, role_id=te_admin))
    roles = admin.list_domain_permissions_for_agency(ListDomainPermissionsForAgencyRequest(
        domain_id=DOMAIN_ID, agency_id=created.id)).roles
    assert [r.name for r in roles] == ["te_admin"]
    admin.associate_agency_with_all_projects_permission(
        AssociateAgencyWithAllProjectsPermissionRequest(
            domain_id=DOMAIN_ID, agency_id=created.id, role_id=readonly))
    admin.check_all_projects_permission_for_agency(CheckAllProjectsPermissionForAgencyRequest(
        domain_id=DOMAIN_ID, agency_id=created.id, role_id=readonly))
    roles = admin.list_all_projects_permissions_for_agency(
        ListAllProjectsPermissionsForAgencyRequest(domain_id=DOMAIN_ID, agency_id=created.id)).roles
    assert [r.name for r in roles] == ["readonly"]
    assert admin.list_project_permissions_for_agency(ListProjectPermissionsForAgencyRequest(
        project_id=REGION_PROJECT_ID, agency_id=created.id)).roles == []

    # The agency token, domain- then project-scoped.
    resp = agency_token(server, name,
                        AgencyTokenScope(domain=AgencyTokenScopeDomain(id=DOMAIN_ID)))
    assert resp.x_subject_token
    token = resp.token
    assert token.user.id == created.id and token.user.name == f"{DOMAIN_NAME}/{name}"
    assert token.assumed_by.user.name == USER[0]
    assert token.domain.id == DOMAIN_ID
    assert "te_admin" in [r.name for r in token.roles]
    resp = agency_token(server, name,
                        AgencyTokenScope(project=AgencyTokenScopeProject(id=REGION_PROJECT_ID)))
    assert resp.token.project.id == REGION_PROJECT_ID
    assert "readonly" in [r.name for r in resp.token.roles]
    # The agency token acts as the agency: te_admin on the account lists its agencies.
    domain_token = agency_token(server, name,
                                AgencyTokenScope(domain=AgencyTokenScopeDomain(name=DOMAIN_NAME)))
    as_agency = token_client(server, domain_token.x_subject_token)
    assert as_agency.list_agencies(ListAgenciesRequest(domain_id=DOMAIN_ID)).agencies

    admin.remove_all_projects_permission_from_agency(RemoveAllProjectsPermissionFromAgencyRequest(
        domain_id=DOMAIN_ID, agency_id=created.id, role_id=readonly))
    admin.remove_domain_permission_from_agency(RemoveDomainPermissionFromAgencyRequest(
        domain_id=DOMAIN_ID, agency_id=created.id, role_id=te_admin))
    with pytest.raises(ClientRequestException) as refused:
        agency_token(server, name, AgencyTokenScope(domain=AgencyTokenScopeDomain(id=DOMAIN_ID)))
    assert refused.value.status_code == 401
    admin.delete_agency(DeleteAgencyRequest(agency_id=created.id))
    with pytest.raises(ClientRequestException) as gone:
        admin.show_agency(ShowAgencyRequest(agency_id=created.id))
    assert gone.value.status_code == 404


def test_project_status_and_quota(server, admin, project):
    def status():
        return admin.show_project_details_and_status(
            ShowProjectDetailsAndStatusRequest(project_id=project)).project.status

    def set_status(value):
        admin.update_project_status(UpdateProjectStatusRequest(
            project_id=project,
            body=UpdateProjectStatusRequestBody(project=UpdateProjectOption(status=value))))

    assert status() == "normal"
    set_status("suspended")
    try:
        assert status() == "suspended"
        # A suspended project cannot be scoped (the negative case itself: test_negative.py).
        code, _, _ = server.request("POST", "/v3/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": ADMIN[0], "password": ADMIN[1], "domain": {"name": DOMAIN_NAME}}}},
            "scope": {"project": {"id": project}}}})
        assert code == 401
    finally:
        set_status("normal")
    assert status() == "normal"
    quota = admin.show_project_quota(ShowProjectQuotaRequest(project_id=REGION_PROJECT_ID)).quotas
    [resource] = quota.resources
    assert resource.type == "project" and resource.used == 0 and resource.quota >= resource.used


def test_temporary_key_and_token_by_agency(server, admin):
    """The account administrator (of the trusted account) assumes an agency: a temporary key by
    agency (it acts as the agency), then the agency token. Both calls take the caller's
    X-Auth-Token; every signed kind is refused, as asserted."""
    from huaweicloudsdkiam.v3 import (
        AgencyAuth, AgencyAuthIdentity, CreateTemporaryAccessKeyByAgencyRequest,
        CreateTemporaryAccessKeyByAgencyRequestBody, IdentityAssumerole)
    from conftest import global_client, remember
    lookup = token_client(server, server.token())
    name = "sdk-sts-" + uuid.uuid4().hex[:8]
    agency = lookup.create_agency(CreateAgencyRequest(body=CreateAgencyRequestBody(
        agency=CreateAgencyOption(name=name, domain_id=DOMAIN_ID, trust_domain_id=DOMAIN_ID,
                                  duration="FOREVER")))).agency
    try:
        lookup.associate_agency_with_domain_permission(AssociateAgencyWithDomainPermissionRequest(
            domain_id=DOMAIN_ID, agency_id=agency.id, role_id=role_id(lookup, "te_admin")))
        by_agency = CreateTemporaryAccessKeyByAgencyRequest(
            body=CreateTemporaryAccessKeyByAgencyRequestBody(auth=AgencyAuth(identity=AgencyAuthIdentity(
                methods=["assume_role"], assume_role=IdentityAssumerole(
                    agency_name=name, domain_id=DOMAIN_ID, duration_seconds=900)))))
        if admin.kind == "token":
            cred = admin.create_temporary_access_key_by_agency(by_agency).credential
            remember(cred.secret, cred.securitytoken)
            as_agency = global_client(server, cred.access, cred.secret,
                                      security_token=cred.securitytoken)
            assert name in [a.name for a in as_agency.list_agencies(
                ListAgenciesRequest(domain_id=DOMAIN_ID)).agencies]
        else:
            # Huawei documents this call with the caller's X-Auth-Token only (iam_04_0101,
            # huawei-iam-api.md §1 "by agency"): a signed caller is not authenticated.
            with pytest.raises(ClientRequestException) as e:
                admin.create_temporary_access_key_by_agency(by_agency)
            assert (e.value.status_code, e.value.error_code) == (401, "IAM.0001")
        body = KeystoneCreateAgencyTokenRequestBody(auth=AgencyTokenAuth(
            identity=AgencyTokenIdentity(methods=["assume_role"], assume_role=AgencyTokenAssumerole(
                agency_name=name, domain_id=DOMAIN_ID)),
            scope=AgencyTokenScope(domain=AgencyTokenScopeDomain(id=DOMAIN_ID))))
        request = KeystoneCreateAgencyTokenRequest(body=body)
        if admin.kind == "token":
            token = admin.keystone_create_agency_token(request).token
            assert (token.user.id, token.assumed_by.user.name) == (agency.id, ADMIN[0])
        else:
            # The assume_role token method is the caller's X-Auth-Token too (upstream's
            # token-based methods): a signed caller gets Keystone's 401.
            with pytest.raises(ClientRequestException) as e:
                admin.keystone_create_agency_token(request)
            assert (e.value.status_code, str(e.value.error_code)) == (401, "401")
    finally:
        lookup.delete_agency(DeleteAgencyRequest(agency_id=agency.id))
