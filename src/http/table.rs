//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::domains;
use crate::http::request::Method::{Delete, Get, Patch, Post};
use crate::http::routes::{no_target, policy, Route};
use crate::policy::Action as A;

pub fn table() -> Vec<Route> {
    let mut routes = Vec::new();
    routes.extend(discovery());
    routes.extend(auth());
    routes.extend(resource());
    routes.extend(identity());
    routes.extend(assignment());
    routes.extend(catalog());
    routes.extend(credentials());
    routes.extend(delegation());
    routes.extend(v2());
    routes
}

/// Version discovery (/, /v3).
#[rustfmt::skip]
fn discovery() -> Vec<Route> {
    vec![]
}

/// /v3/auth/...: tokens, catalog, projects, domains, system; OS-REVOKE.
#[rustfmt::skip]
fn auth() -> Vec<Route> {
    vec![
        policy(Get, "/v3/OS-REVOKE/events", A::ListRevokeEvents, no_target, crate::api::revoke::list_events),
    ]
}

/// Domains, domain configuration, projects and their tags.
#[rustfmt::skip]
fn resource() -> Vec<Route> {
    vec![
        policy(Get, "/v3/domains", A::ListDomains, domains::list_target, domains::list),
        policy(Post, "/v3/domains", A::CreateDomain, no_target, domains::create),
        policy(Get, "/v3/domains/{domain_id}", A::GetDomain, domains::domain_or_empty_target, domains::get),
        policy(Patch, "/v3/domains/{domain_id}", A::UpdateDomain, domains::domain_target, domains::update),
        policy(Delete, "/v3/domains/{domain_id}", A::DeleteDomain, domains::domain_target, domains::delete),
        // Domain configuration (src/api/domain_config.rs); the defaults first, so that
        // /v3/domains/config/... is never read as a domain named "config".
        policy(Get, "/v3/domains/config/default", A::GetDomainConfigDefault, no_target, crate::api::domain_config::get_default),
        policy(Get, "/v3/domains/config/{group}/default", A::GetDomainConfigDefault, no_target, crate::api::domain_config::get_default),
        policy(Get, "/v3/domains/config/{group}/{option}/default", A::GetDomainConfigDefault, no_target, crate::api::domain_config::get_default),
        policy(crate::http::request::Method::Put, "/v3/domains/{domain_id}/config", A::CreateDomainConfig, crate::api::domain_config::body_target, crate::api::domain_config::create),
        policy(Get, "/v3/domains/{domain_id}/config", A::GetDomainConfig, no_target, crate::api::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config", A::UpdateDomainConfig, crate::api::domain_config::body_target, crate::api::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config", A::DeleteDomainConfig, no_target, crate::api::domain_config::delete),
        crate::http::routes::policy_by(Get, "/v3/domains/{domain_id}/config/{group}", crate::api::domain_config::get_action, no_target, crate::api::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config/{group}", A::UpdateDomainConfig, crate::api::domain_config::body_target, crate::api::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config/{group}", A::DeleteDomainConfig, no_target, crate::api::domain_config::delete),
        crate::http::routes::policy_by(Get, "/v3/domains/{domain_id}/config/{group}/{option}", crate::api::domain_config::get_action, no_target, crate::api::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config/{group}/{option}", A::UpdateDomainConfig, crate::api::domain_config::body_target, crate::api::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config/{group}/{option}", A::DeleteDomainConfig, no_target, crate::api::domain_config::delete),
    ]
}

/// Users, groups, memberships, passwords.
#[rustfmt::skip]
fn identity() -> Vec<Route> {
    vec![]
}

/// Roles, implied roles, grants (project, domain, system, OS-INHERIT), role assignments,
/// registered limits and limits, policies.
#[rustfmt::skip]
fn assignment() -> Vec<Route> {
    vec![]
}

/// Regions, services, endpoints, OS-EP-FILTER.
#[rustfmt::skip]
fn catalog() -> Vec<Route> {
    use crate::api::catalog as c;
    use crate::api::endpoint_filter as f;
    use crate::http::request::Method::Put;
    vec![
        policy(Get, "/v3/regions", A::ListRegions, c::list_regions_target, c::list_regions),
        policy(Post, "/v3/regions", A::CreateRegion, c::create_region_target, c::create_region),
        policy(Get, "/v3/regions/{region_id}", A::GetRegion, c::region_target, c::get_region),
        policy(Put, "/v3/regions/{region_id}", A::CreateRegion, c::put_region_target, c::put_region),
        policy(Patch, "/v3/regions/{region_id}", A::UpdateRegion, c::update_region_target, c::update_region),
        policy(Delete, "/v3/regions/{region_id}", A::DeleteRegion, c::region_target, c::delete_region),
        policy(Get, "/v3/services", A::ListServices, no_target, c::list_services),
        policy(Post, "/v3/services", A::CreateService, c::create_service_target, c::create_service),
        policy(Get, "/v3/services/{service_id}", A::GetService, c::service_target, c::get_service),
        policy(Patch, "/v3/services/{service_id}", A::UpdateService, c::update_service_target, c::update_service),
        policy(Delete, "/v3/services/{service_id}", A::DeleteService, c::service_target, c::delete_service),
        policy(Get, "/v3/endpoints", A::ListEndpoints, c::list_endpoints_target, c::list_endpoints),
        policy(Post, "/v3/endpoints", A::CreateEndpoint, c::create_endpoint_target, c::create_endpoint),
        policy(Get, "/v3/endpoints/{endpoint_id}", A::GetEndpoint, c::endpoint_target, c::get_endpoint),
        policy(Patch, "/v3/endpoints/{endpoint_id}", A::UpdateEndpoint, c::update_endpoint_target, c::update_endpoint),
        policy(Delete, "/v3/endpoints/{endpoint_id}", A::DeleteEndpoint, c::endpoint_target, c::delete_endpoint),
        policy(Get, "/v3/OS-EP-FILTER/endpoint_groups", A::ListEndpointGroups, f::list_groups_target, f::list_endpoint_groups),
        policy(Post, "/v3/OS-EP-FILTER/endpoint_groups", A::CreateEndpointGroup, f::create_group_target, f::create_endpoint_group),
        policy(Get, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", A::GetEndpointGroup, f::group_target, f::get_endpoint_group),
        policy(Patch, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", A::UpdateEndpointGroup, f::update_group_target, f::update_endpoint_group),
        policy(Delete, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", A::DeleteEndpointGroup, f::group_target, f::delete_endpoint_group),
        policy(Get, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects", A::ListProjectsAssociatedWithEndpointGroup, f::group_target, f::projects_for_group),
        policy(Get, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints", A::ListEndpointsAssociatedWithEndpointGroup, f::group_target, f::endpoints_for_group),
        policy(Get, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}", A::GetEndpointGroupInProject, f::group_project_target, f::get_group_in_project),
        policy(Put, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}", A::AddEndpointGroupToProject, f::group_project_target, f::add_group_to_project),
        policy(Delete, "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}", A::RemoveEndpointGroupFromProject, f::group_project_target, f::remove_group_from_project),
        policy(Get, "/v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects", A::ListProjectsForEndpoint, c::endpoint_target, f::projects_for_endpoint),
        policy(Get, "/v3/OS-EP-FILTER/projects/{project_id}/endpoints", A::ListEndpointsForProject, f::project_target, f::endpoints_for_project),
        policy(Get, "/v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups", A::ListEndpointGroupsForProject, f::project_target, f::groups_for_project),
        policy(Get, "/v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}", A::CheckEndpointInProject, f::project_endpoint_target, f::check_endpoint_in_project),
        policy(Put, "/v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}", A::AddEndpointToProject, f::project_endpoint_target, f::add_endpoint_to_project),
        policy(Delete, "/v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}", A::RemoveEndpointFromProject, f::project_endpoint_target, f::remove_endpoint_from_project),
    ]
}

/// Credentials, OS-EC2 credentials, ec2tokens/s3tokens.
#[rustfmt::skip]
fn credentials() -> Vec<Route> {
    use crate::api::credentials as cr;
    use crate::api::ec2;
    vec![
        policy(Get, "/v3/credentials", A::ListCredentials, cr::list_target, cr::list),
        policy(Post, "/v3/credentials", A::CreateCredential, cr::create_target, cr::create),
        policy(Get, "/v3/credentials/{credential_id}", A::GetCredential, cr::credential_target, cr::get),
        policy(Patch, "/v3/credentials/{credential_id}", A::UpdateCredential, cr::update_target, cr::update),
        policy(Delete, "/v3/credentials/{credential_id}", A::DeleteCredential, cr::credential_target, cr::delete),
        policy(Get, "/v3/users/{user_id}/credentials/OS-EC2", A::Ec2ListCredentials, ec2::user_target, ec2::list),
        policy(Post, "/v3/users/{user_id}/credentials/OS-EC2", A::Ec2CreateCredential, ec2::create_target, ec2::create),
        policy(Get, "/v3/users/{user_id}/credentials/OS-EC2/{credential_id}", A::Ec2GetCredential, ec2::owner_target, ec2::get),
        policy(Delete, "/v3/users/{user_id}/credentials/OS-EC2/{credential_id}", A::Ec2DeleteCredential, ec2::owner_target, ec2::delete),
        // Not public: upstream now enforces these (service_or_admin in defaults.yaml), so that
        // only a service or an admin may trade a signature for a token.
        policy(Post, "/v3/ec2tokens", A::Ec2tokensValidate, no_target, ec2::ec2tokens),
        policy(Post, "/v3/s3tokens", A::S3tokensValidate, no_target, ec2::s3tokens),
    ]
}

/// OS-TRUST, application credentials and access rules, OS-OAUTH1, OS-OAUTH2.
#[rustfmt::skip]
fn delegation() -> Vec<Route> {
    vec![]
}

/// /v2.0/...
#[rustfmt::skip]
fn v2() -> Vec<Route> {
    vec![]
}
