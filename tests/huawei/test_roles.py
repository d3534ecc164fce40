"""Huawei permissions with the real SDK (admin_iam: every credential kind): KeystoneListPermissions and its filters,
KeystoneShowPermission, custom policies (OS-ROLE), group grants on projects/domains/all
projects (Keystone routes) with RoleResult-shaped roles, enterprise projects, and the
OS-PERMISSION role-assignment query."""
import uuid

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    AgencyPolicy, AgencyPolicyResource, AgencyPolicyRoleOption, AgencyPolicyStatement,
    AssociateRoleToGroupOnEnterpriseProjectRequest, CreateAgencyCustomPolicyRequest,
    CreateAgencyCustomPolicyRequestBody, CreateCloudServiceCustomPolicyRequest,
    CreateCloudServiceCustomPolicyRequestBody, DeleteCustomPolicyRequest,
    KeystoneAssociateGroupWithDomainPermissionRequest,
    KeystoneAssociateGroupWithProjectPermissionRequest, KeystoneCheckProjectPermissionForGroupRequest,
    KeystoneListDomainPermissionsForGroupRequest, KeystoneListPermissionsRequest,
    KeystoneListProjectPermissionsForGroupRequest, KeystoneShowPermissionRequest,
    ListCustomPoliciesRequest, ListEnterpriseProjectsForGroupRequest,
    KeystoneListAllProjectPermissionsForGroupRequest, ServicePolicy, ServicePolicyRoleOption,
    ServiceStatement, ShowCustomPolicyRequest, ShowDomainRoleAssignmentsRequest,
    UpdateCloudServiceCustomPolicyRequest, UpdateCloudServiceCustomPolicyRequestBody,
    UpdateDomainGroupInheritRoleRequest,
)

from conftest import DOMAIN_ID, PROJECT_KINDS, REGION_PROJECT_ID, token_client


@pytest.fixture
def client(admin_iam):
    """The account administrator with every credential kind."""
    return admin_iam


@pytest.fixture
def group_id(server):
    """A fresh group of the account per test (the seed's stay as they are)."""
    status, _, body = server.request(
        "POST", "/v3/groups", {"group": {"name": "roles-" + uuid.uuid4().hex[:8], "domain_id": DOMAIN_ID}},
        headers={"X-Auth-Token": server.token()})
    assert status == 201, body
    return body["group"]["id"]


@pytest.fixture
def role_id(server):
    """Looks a role's id up with a domain-scoped token (upstream's list_roles refuses
    project-scoped callers; test_show_permission asserts that)."""
    lookup = token_client(server, server.token())

    def find(name):
        roles = lookup.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
        assert len(roles) == 1, roles
        return roles[0].id
    return find


def refused_to_project_scope(client, call):
    """Upstream's grant and list_roles rules want a domain or system scope: a project-scoped
    caller (BasicCredentials, as a project-scoped token) gets Keystone's 403. True if refused."""
    if client.kind not in PROJECT_KINDS:
        return False
    with pytest.raises(ClientRequestException) as e:
        call()
    assert (e.value.status_code, str(e.value.error_code)) == (403, "403")
    return True


def service_option(display_name, effect="Allow"):
    statement = ServiceStatement(action=["obs:*:get*", "obs:bucket:list*"], effect=effect,
                                 condition={"StringStartWith": {"g:ProjectName": ["cn-north-4"]}},
                                 resource=["obs:*:*:bucket:mybucket"])
    return ServicePolicyRoleOption(display_name=display_name, type="XA", description="obs readers",
                                   description_cn="只读", policy=ServicePolicy(version="1.1", statement=[statement]))


def test_list_permissions_with_huawei_filters(client):
    # Keystone's plain list_roles (no Huawei parameter) keeps upstream's rule.
    by_name = KeystoneListPermissionsRequest(name="te_admin")
    if not refused_to_project_scope(client, lambda: client.keystone_list_permissions(by_name)):
        assert [r.name for r in client.keystone_list_permissions(by_name).roles] == ["te_admin"]
    resp = client.keystone_list_permissions(KeystoneListPermissionsRequest(permission_type="policy", page=1, per_page=300))
    names = {r.name for r in resp.roles}
    assert "system_all_1001" in names and "te_admin" not in names
    assert resp.total_number == len(resp.roles)
    full = next(r for r in resp.roles if r.name == "system_all_1001")
    assert (full.display_name, full.flag, full.type, full.policy.version) == ("FullAccess", "fine_grained", "AA", "1.1")
    roles = client.keystone_list_permissions(KeystoneListPermissionsRequest(permission_type="role", type="domain")).roles
    assert {"te_admin", "secu_admin", "te_agency"} <= {r.name for r in roles}
    assert "server_adm" not in {r.name for r in roles}
    guest = client.keystone_list_permissions(KeystoneListPermissionsRequest(display_name="Tenant Guest")).roles
    assert [r.name for r in guest] == ["readonly"]
    ecs = client.keystone_list_permissions(KeystoneListPermissionsRequest(catalog="ECS")).roles
    assert [r.name for r in ecs] == ["server_adm"]


def test_show_permission(client, role_id):
    request = KeystoneShowPermissionRequest(role_id=role_id("secu_admin"))
    role = client.keystone_show_permission(request).role
    assert (role.name, role.display_name, role.type, role.catalog) == ("secu_admin", "Security Administrator", "AX", "BASE")
    assert role.policy.statement[0].action == ["identity:*:*"]


def test_custom_policy_lifecycle(client):
    created = client.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=service_option("obs reader")))).role
    assert created.name.startswith(f"custom_{DOMAIN_ID}_") and created.domain_id == DOMAIN_ID
    assert created.policy.statement[0].condition == {"StringStartWith": {"g:ProjectName": ["cn-north-4"]}}
    agency = client.create_agency_custom_policy(CreateAgencyCustomPolicyRequest(
        body=CreateAgencyCustomPolicyRequestBody(role=AgencyPolicyRoleOption(
            display_name="assume ops", type="AX", description="switch to ops",
            policy=AgencyPolicy(version="1.1", statement=[AgencyPolicyStatement(
                action=["iam:agencies:assume"], effect="Allow",
                resource=AgencyPolicyResource(uri=["/iam/agencies/07b9a3d6f0800f451f8fc0035b3d0e19"]))]))))).role
    assert agency.policy.statement[0].resource.uri == ["/iam/agencies/07b9a3d6f0800f451f8fc0035b3d0e19"]

    listed = client.list_custom_policies(ListCustomPoliciesRequest(page=1, per_page=300))
    assert {created.id, agency.id} <= {r.id for r in listed.roles}
    assert listed.total_number == len(listed.roles)
    shown = client.show_custom_policy(ShowCustomPolicyRequest(role_id=created.id)).role
    assert (shown.display_name, shown.catalog) == ("obs reader", "CUSTOMED")
    # A custom policy is also a role: KeystoneShowPermission reads it with the account's token.
    as_role = client.keystone_show_permission(KeystoneShowPermissionRequest(role_id=created.id)).role
    assert (as_role.display_name, as_role.domain_id, as_role.policy.version) == ("obs reader", DOMAIN_ID, "1.1")

    updated = client.update_cloud_service_custom_policy(UpdateCloudServiceCustomPolicyRequest(
        role_id=created.id, body=UpdateCloudServiceCustomPolicyRequestBody(role=service_option("obs denier", "Deny")))).role
    assert (updated.display_name, updated.policy.statement[0].effect, updated.name) == ("obs denier", "Deny", created.name)

    # The account's custom policies through KeystoneListPermissions with domain_id.
    mine = client.keystone_list_permissions(KeystoneListPermissionsRequest(domain_id=DOMAIN_ID, page=1, per_page=10))
    assert {created.id, agency.id} <= {r.id for r in mine.roles} and mine.total_number >= 2

    for rid in (created.id, agency.id):
        client.delete_custom_policy(DeleteCustomPolicyRequest(role_id=rid))
    with pytest.raises(ClientRequestException) as e:
        client.show_custom_policy(ShowCustomPolicyRequest(role_id=created.id))
    assert e.value.status_code == 404 and e.value.error_code == "IAM.0004"


def test_custom_policy_validation(client):
    option = service_option("bad")
    option.type = "AA"
    with pytest.raises(ClientRequestException) as e:
        client.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
            body=CreateCloudServiceCustomPolicyRequestBody(role=option)))
    assert e.value.status_code == 400 and e.value.error_code == "IAM.0007"


def test_group_grants_show_role_results(client, group_id, role_id):
    te_admin, server_adm = role_id("te_admin"), role_id("server_adm")
    if refused_to_project_scope(client, lambda: client.keystone_associate_group_with_project_permission(
            KeystoneAssociateGroupWithProjectPermissionRequest(
                project_id=REGION_PROJECT_ID, group_id=group_id, role_id=server_adm))):
        return
    client.keystone_associate_group_with_project_permission(KeystoneAssociateGroupWithProjectPermissionRequest(
        project_id=REGION_PROJECT_ID, group_id=group_id, role_id=server_adm))
    client.keystone_check_project_permission_for_group(KeystoneCheckProjectPermissionForGroupRequest(
        project_id=REGION_PROJECT_ID, group_id=group_id, role_id=server_adm))
    roles = client.keystone_list_project_permissions_for_group(KeystoneListProjectPermissionsForGroupRequest(
        project_id=REGION_PROJECT_ID, group_id=group_id)).roles
    assert [(r.name, r.display_name, r.catalog) for r in roles] == [("server_adm", "Server Administrator", "ECS")]

    client.keystone_associate_group_with_domain_permission(KeystoneAssociateGroupWithDomainPermissionRequest(
        domain_id=DOMAIN_ID, group_id=group_id, role_id=te_admin))
    roles = client.keystone_list_domain_permissions_for_group(KeystoneListDomainPermissionsForGroupRequest(
        domain_id=DOMAIN_ID, group_id=group_id)).roles
    assert [(r.name, r.display_name) for r in roles] == [("te_admin", "Tenant Administrator")]

    client.update_domain_group_inherit_role(UpdateDomainGroupInheritRoleRequest(
        domain_id=DOMAIN_ID, group_id=group_id, role_id=te_admin))
    inherited = client.keystone_list_all_project_permissions_for_group(KeystoneListAllProjectPermissionsForGroupRequest(
        domain_id=DOMAIN_ID, group_id=group_id)).roles
    assert [r.name for r in inherited] == ["te_admin"]

    # The account's role-assignment query sees the three grants of the group.
    resp = client.show_domain_role_assignments(ShowDomainRoleAssignmentsRequest(
        domain_id=DOMAIN_ID, subject_group_id=group_id))
    assert resp.total_num == 3
    inherited_only = client.show_domain_role_assignments(ShowDomainRoleAssignmentsRequest(
        domain_id=DOMAIN_ID, subject_group_id=group_id, is_inherited=True))
    assert [(a.role.id, a.scope.domain.id) for a in inherited_only.role_assignments] == [(te_admin, DOMAIN_ID)]
    projects = client.show_domain_role_assignments(ShowDomainRoleAssignmentsRequest(
        domain_id=DOMAIN_ID, subject_group_id=group_id, scope_project_id=REGION_PROJECT_ID))
    assert [a.role.id for a in projects.role_assignments] == [server_adm]


def test_enterprise_project_grants(client, group_id, role_id):
    ep = uuid.uuid4().hex
    client.associate_role_to_group_on_enterprise_project(AssociateRoleToGroupOnEnterpriseProjectRequest(
        enterprise_project_id=ep, group_id=group_id, role_id=role_id("readonly")))
    eps = client.list_enterprise_projects_for_group(ListEnterpriseProjectsForGroupRequest(group_id=group_id))
    assert [p.project_id for p in eps.enterprise_projects] == [ep]
    resp = client.show_domain_role_assignments(ShowDomainRoleAssignmentsRequest(
        domain_id=DOMAIN_ID, scope="enterprise_project", scope_enterprise_projects_id=ep))
    assert resp.total_num == 1 and resp.role_assignments[0].scope.enterprise_project.id == ep
