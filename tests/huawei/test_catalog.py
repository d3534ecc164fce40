"""Regions, projects, domains, services, endpoints, versions and the catalog through the real
SDK, as the account administrator with every credential kind (conftest KINDS)."""
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    KeystoneListAuthDomainsRequest, KeystoneListAuthProjectsRequest, KeystoneListEndpointsRequest,
    KeystoneListProjectsRequest, KeystoneListRegionsRequest, KeystoneListServicesRequest,
    KeystoneListVersionsRequest, KeystoneShowCatalogRequest, KeystoneShowEndpointRequest,
    KeystoneShowProjectRequest, KeystoneShowRegionRequest, KeystoneShowServiceRequest,
    KeystoneShowVersionRequest)

from conftest import DOMAIN_ID, PROJECT_KINDS, REGION, REGION_PROJECT_ID, token_client


def test_regions(admin_iam):
    regions = admin_iam.keystone_list_regions(KeystoneListRegionsRequest()).regions
    assert {REGION, "ap-southeast-1"} <= {r.id for r in regions}
    assert admin_iam.keystone_show_region(KeystoneShowRegionRequest(region_id=REGION)).region.id == REGION


def test_services_and_endpoints_are_the_cloud_operators(admin_iam, server):
    # Upstream's policy keeps the service catalog's objects to system readers: the account
    # administrator is refused with every credential kind...
    for call in (lambda: admin_iam.keystone_list_services(KeystoneListServicesRequest()),
                 lambda: admin_iam.keystone_list_endpoints(KeystoneListEndpointsRequest())):
        with pytest.raises(ClientRequestException) as e:
            call()
        assert (e.value.status_code, str(e.value.error_code)) == (403, "403")
    # ...and the cloud operator's system-scoped token reads them.
    cloud = token_client(server, server.system_token())
    services = cloud.keystone_list_services(KeystoneListServicesRequest(type="identity")).services
    [iam] = [s for s in services if s.name == "iam"]
    shown = cloud.keystone_show_service(KeystoneShowServiceRequest(service_id=iam.id)).service
    assert shown.type == "identity"
    endpoints = cloud.keystone_list_endpoints(
        KeystoneListEndpointsRequest(service_id=iam.id, interface="public")).endpoints
    assert {e.region_id for e in endpoints} == {REGION, "ap-southeast-1"}
    one = cloud.keystone_show_endpoint(
        KeystoneShowEndpointRequest(endpoint_id=endpoints[0].id)).endpoint
    assert one.url.endswith("/v3")


def test_versions(admin_iam):
    version = admin_iam.keystone_show_version(KeystoneShowVersionRequest()).version
    assert version.id.startswith("v3")
    versions = admin_iam.keystone_list_versions(KeystoneListVersionsRequest()).versions
    assert "v3" in {v.id[:2] for v in versions.values}


def test_auth_domains_and_projects(admin_iam):
    domains = admin_iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    assert [d.id for d in domains] == [DOMAIN_ID]
    projects = admin_iam.keystone_list_auth_projects(KeystoneListAuthProjectsRequest()).projects
    assert REGION_PROJECT_ID in [p.id for p in projects]


def test_catalog(admin_iam):
    catalog = admin_iam.keystone_show_catalog(KeystoneShowCatalogRequest()).catalog
    assert "identity" in {c.type for c in catalog}


def test_projects(admin_iam):
    request = KeystoneListProjectsRequest(name=REGION)
    if admin_iam.kind in PROJECT_KINDS:
        # Upstream's list_projects wants the domain (account) scope: a project-scoped caller
        # is refused, as a project-scoped Keystone token is.
        with pytest.raises(ClientRequestException) as e:
            admin_iam.keystone_list_projects(request)
        assert e.value.status_code == 403
    else:
        assert [p.id for p in admin_iam.keystone_list_projects(request).projects] == [REGION_PROJECT_ID]
    shown = admin_iam.keystone_show_project(
        KeystoneShowProjectRequest(project_id=REGION_PROJECT_ID)).project
    assert (shown.name, shown.domain_id) == (REGION, DOMAIN_ID)
