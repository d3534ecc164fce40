//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::discovery;
use crate::api::v2::{self, admin as v2a};
use crate::api::v3::application_credentials::{self as app_creds, access_rules};
use crate::api::v3::oauth1::{self, access_tokens};
use crate::api::v3::roles::{grants, implied};
use crate::api::v3::{
    auth, domains, groups, limits, oauth2, policies, projects, role_assignments, roles, trusts,
    user_tokens, users,
};
use crate::http::request::Method::{Delete, Get, Options, Other, Patch, Post, Put};
use crate::http::routes::{no_target, policy, policy_by, policy_of, public, Route};
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
    routes.extend(federation());
    routes.extend(v2());
    routes.extend(federation_auth());
    routes.extend(crate::api::huawei::table());
    routes
}

/// Version discovery (/, /v3).
#[rustfmt::skip]
fn discovery() -> Vec<Route> {
    vec![
        public(Get, "/", discovery::versions),
        public(Get, "/v3", discovery::version_v3),
    ]
}

/// /v3/auth/...: tokens, catalog, projects, domains, system; OS-REVOKE.
#[rustfmt::skip]
fn auth() -> Vec<Route> {
    vec![
        public(Post, "/v3/auth/tokens", auth::issue),
        policy_by(Get, "/v3/auth/tokens", auth::validate_or_check, auth::subject_target, auth::validate_token),
        policy(Delete, "/v3/auth/tokens", A::RevokeToken, auth::subject_target, auth::revoke_token),
        policy(Get, "/v3/auth/catalog", A::GetAuthCatalog, no_target, auth::get_catalog),
        policy(Get, "/v3/auth/projects", A::GetAuthProjects, no_target, auth::list_projects),
        policy(Get, "/v3/auth/domains", A::GetAuthDomains, no_target, auth::list_domains),
        policy(Get, "/v3/auth/system", A::GetAuthSystem, no_target, auth::get_system),
        policy(Get, "/v3/OS-REVOKE/events", A::ListRevokeEvents, no_target, crate::api::v3::revoke::list_events),
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
        policy(Get, "/v3/projects", A::ListProjects, projects::list_target, projects::list),
        policy(Post, "/v3/projects", A::CreateProject, projects::create_target, projects::create),
        policy(Get, "/v3/projects/{project_id}", A::GetProject, projects::project_or_empty_target, projects::get),
        policy(Patch, "/v3/projects/{project_id}", A::UpdateProject, projects::update_target, projects::update),
        policy(Delete, "/v3/projects/{project_id}", A::DeleteProject, projects::project_or_empty_target, projects::delete),
        policy(Get, "/v3/projects/{project_id}/tags", A::ListProjectTags, projects::project_or_empty_target, projects::list_tags),
        policy(Put, "/v3/projects/{project_id}/tags", A::UpdateProjectTags, projects::update_tags_target, projects::update_tags),
        policy(Delete, "/v3/projects/{project_id}/tags", A::DeleteProjectTags, projects::project_or_empty_target, projects::delete_tags),
        policy(Get, "/v3/projects/{project_id}/tags/{value}", A::GetProjectTag, projects::project_or_empty_target, projects::check_tag),
        policy(Put, "/v3/projects/{project_id}/tags/{value}", A::CreateProjectTag, projects::project_or_empty_target, projects::add_tag),
        policy(Delete, "/v3/projects/{project_id}/tags/{value}", A::DeleteProjectTag, projects::project_or_empty_target, projects::delete_tag),
        // Domain configuration (src/api/domain_config.rs); the defaults first, so that
        // /v3/domains/config/... is never read as a domain named "config".
        policy(Get, "/v3/domains/config/default", A::GetDomainConfigDefault, no_target, crate::api::v3::domain_config::get_default),
        policy(Get, "/v3/domains/config/{group}/default", A::GetDomainConfigDefault, no_target, crate::api::v3::domain_config::get_default),
        policy(Get, "/v3/domains/config/{group}/{option}/default", A::GetDomainConfigDefault, no_target, crate::api::v3::domain_config::get_default),
        policy(crate::http::request::Method::Put, "/v3/domains/{domain_id}/config", A::CreateDomainConfig, crate::api::v3::domain_config::body_target, crate::api::v3::domain_config::create),
        policy(Get, "/v3/domains/{domain_id}/config", A::GetDomainConfig, no_target, crate::api::v3::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config", A::UpdateDomainConfig, crate::api::v3::domain_config::body_target, crate::api::v3::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config", A::DeleteDomainConfig, no_target, crate::api::v3::domain_config::delete),
        crate::http::routes::policy_by(Get, "/v3/domains/{domain_id}/config/{group}", crate::api::v3::domain_config::get_action, no_target, crate::api::v3::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config/{group}", A::UpdateDomainConfig, crate::api::v3::domain_config::body_target, crate::api::v3::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config/{group}", A::DeleteDomainConfig, no_target, crate::api::v3::domain_config::delete),
        crate::http::routes::policy_by(Get, "/v3/domains/{domain_id}/config/{group}/{option}", crate::api::v3::domain_config::get_action, no_target, crate::api::v3::domain_config::get),
        policy(Patch, "/v3/domains/{domain_id}/config/{group}/{option}", A::UpdateDomainConfig, crate::api::v3::domain_config::body_target, crate::api::v3::domain_config::update),
        policy(Delete, "/v3/domains/{domain_id}/config/{group}/{option}", A::DeleteDomainConfig, no_target, crate::api::v3::domain_config::delete),
    ]
}

/// Users, groups, memberships, passwords.
#[rustfmt::skip]
fn identity() -> Vec<Route> {
    vec![
        policy(Get, "/v3/users", A::ListUsers, users::list_target, users::list),
        policy(Post, "/v3/users", A::CreateUser, users::create_target, users::create),
        policy(Get, "/v3/users/{user_id}", A::GetUser, users::user_target, users::get),
        policy(Patch, "/v3/users/{user_id}", A::UpdateUser, users::update_target, users::update),
        policy(Delete, "/v3/users/{user_id}", A::DeleteUser, users::user_target, users::delete),
        public(Post, "/v3/users/{user_id}/password", users::change_password),
        policy(Get, "/v3/users/{user_id}/projects", A::ListUserProjects, users::user_target, users::list_projects),
        policy(Get, "/v3/users/{user_id}/groups", A::ListGroupsForUser, users::user_target, users::list_groups),
        policy(Get, "/v3/groups", A::ListGroups, groups::list_target, groups::list),
        policy(Post, "/v3/groups", A::CreateGroup, groups::create_target, groups::create),
        policy(Get, "/v3/groups/{group_id}", A::GetGroup, groups::group_target, groups::get),
        policy(Patch, "/v3/groups/{group_id}", A::UpdateGroup, groups::update_target, groups::update),
        policy(Delete, "/v3/groups/{group_id}", A::DeleteGroup, groups::existing_group_target, groups::delete),
        policy(Get, "/v3/groups/{group_id}/users", A::ListUsersInGroup, groups::group_users_target, groups::list_users),
        policy(Put, "/v3/groups/{group_id}/users/{user_id}", A::AddUserToGroup, groups::membership_target, groups::add_user),
        policy(Get, "/v3/groups/{group_id}/users/{user_id}", A::CheckUserInGroup, groups::membership_target, groups::check_user),
        policy(Delete, "/v3/groups/{group_id}/users/{user_id}", A::RemoveUserFromGroup, groups::membership_target, groups::remove_user),
        policy(Delete, "/v3/users/{user_id}/tokens", A::RevokeTokensForUser, user_tokens::target, user_tokens::revoke_all),
    ]
}

/// Roles, implied roles, grants (project, domain, system, OS-INHERIT), role assignments,
/// registered limits and limits, policies.
#[rustfmt::skip]
fn assignment() -> Vec<Route> {
    vec![
        policy_by(Get, "/v3/roles", roles::list_action, roles::list_target, roles::list),
        policy_of(Post, "/v3/roles", roles::create_action, roles::create_target, roles::create),
        policy_of(Get, "/v3/roles/{role_id}", roles::get_action, roles::role_target, roles::get),
        policy_of(Patch, "/v3/roles/{role_id}", roles::update_action, roles::update_target, roles::update),
        policy_of(Delete, "/v3/roles/{role_id}", roles::delete_action, roles::role_target, roles::delete),
        policy(Get, "/v3/roles/{prior_role_id}/implies", A::ListImpliedRoles, implied::prior_target, implied::list_implied),
        policy_by(Get, "/v3/roles/{prior_role_id}/implies/{implied_role_id}", implied::get_action, implied::implied_target, implied::get_implied),
        policy(Put, "/v3/roles/{prior_role_id}/implies/{implied_role_id}", A::CreateImpliedRole, implied::implied_target, implied::create_implied),
        policy(Delete, "/v3/roles/{prior_role_id}/implies/{implied_role_id}", A::DeleteImpliedRole, implied::implied_target, implied::delete_implied),
        policy(Get, "/v3/role_inferences", A::ListRoleInferenceRules, no_target, implied::list_inferences),
        policy(Get, "/v3/projects/{project_id}/users/{user_id}/roles", A::ListGrants, grants::grant_target, grants::list_grants),
        policy(Get, "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", A::CheckGrant, grants::grant_target, grants::check_grant),
        policy(Put, "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", A::CreateGrant, grants::grant_target, grants::create_grant),
        policy(Delete, "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", A::RevokeGrant, grants::grant_target, grants::revoke_grant),
        policy(Get, "/v3/projects/{project_id}/groups/{group_id}/roles", A::ListGrants, grants::grant_target, grants::list_grants),
        policy(Get, "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", A::CheckGrant, grants::grant_target, grants::check_grant),
        policy(Put, "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", A::CreateGrant, grants::grant_target, grants::create_grant),
        policy(Delete, "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", A::RevokeGrant, grants::grant_target, grants::revoke_grant),
        policy(Get, "/v3/domains/{domain_id}/users/{user_id}/roles", A::ListGrants, grants::grant_target, grants::list_grants),
        policy(Get, "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", A::CheckGrant, grants::grant_target, grants::check_grant),
        policy(Put, "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", A::CreateGrant, grants::grant_target, grants::create_grant),
        policy(Delete, "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", A::RevokeGrant, grants::grant_target, grants::revoke_grant),
        policy(Get, "/v3/domains/{domain_id}/groups/{group_id}/roles", A::ListGrants, grants::grant_target, grants::list_grants),
        policy(Get, "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", A::CheckGrant, grants::grant_target, grants::check_grant),
        policy(Put, "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", A::CreateGrant, grants::grant_target, grants::create_grant),
        policy(Delete, "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", A::RevokeGrant, grants::grant_target, grants::revoke_grant),
        policy(Get, "/v3/system/users/{user_id}/roles", A::ListSystemGrantsForUser, grants::system_grant_target, grants::list_system_grants),
        policy(Get, "/v3/system/users/{user_id}/roles/{role_id}", A::CheckSystemGrantForUser, grants::system_grant_target, grants::check_system_grant),
        policy(Put, "/v3/system/users/{user_id}/roles/{role_id}", A::CreateSystemGrantForUser, grants::system_grant_target, grants::create_system_grant),
        policy(Delete, "/v3/system/users/{user_id}/roles/{role_id}", A::RevokeSystemGrantForUser, grants::system_grant_target, grants::revoke_system_grant),
        policy(Get, "/v3/system/groups/{group_id}/roles", A::ListSystemGrantsForGroup, grants::system_grant_target, grants::list_system_grants),
        policy(Get, "/v3/system/groups/{group_id}/roles/{role_id}", A::CheckSystemGrantForGroup, grants::system_grant_target, grants::check_system_grant),
        policy(Put, "/v3/system/groups/{group_id}/roles/{role_id}", A::CreateSystemGrantForGroup, grants::system_grant_target, grants::create_system_grant),
        policy(Delete, "/v3/system/groups/{group_id}/roles/{role_id}", A::RevokeSystemGrantForGroup, grants::system_grant_target, grants::revoke_system_grant),
        policy(Get, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects", A::ListGrants, grants::inherited_grant_target, grants::list_inherited_grants),
        policy(Get, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::CheckGrant, grants::inherited_grant_target, grants::check_inherited_grant),
        policy(Put, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::CreateGrant, grants::inherited_grant_target, grants::create_inherited_grant),
        policy(Delete, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::RevokeGrant, grants::inherited_grant_target, grants::revoke_inherited_grant),
        policy(Get, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects", A::ListGrants, grants::inherited_grant_target, grants::list_inherited_grants),
        policy(Get, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::CheckGrant, grants::inherited_grant_target, grants::check_inherited_grant),
        policy(Put, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::CreateGrant, grants::inherited_grant_target, grants::create_inherited_grant),
        policy(Delete, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::RevokeGrant, grants::inherited_grant_target, grants::revoke_inherited_grant),
        policy(Get, "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::CheckGrant, grants::inherited_grant_target, grants::check_inherited_grant),
        policy(Put, "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::CreateGrant, grants::inherited_grant_target, grants::create_inherited_grant),
        policy(Delete, "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", A::RevokeGrant, grants::inherited_grant_target, grants::revoke_inherited_grant),
        policy(Get, "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::CheckGrant, grants::inherited_grant_target, grants::check_inherited_grant),
        policy(Put, "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::CreateGrant, grants::inherited_grant_target, grants::create_inherited_grant),
        policy(Delete, "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", A::RevokeGrant, grants::inherited_grant_target, grants::revoke_inherited_grant),
        policy_by(Get, "/v3/role_assignments", role_assignments::list_action, role_assignments::list_target, role_assignments::list),
        policy(Get, "/v3/registered_limits", A::ListRegisteredLimits, no_target, limits::list_registered),
        policy(Post, "/v3/registered_limits", A::CreateRegisteredLimits, limits::registered_create_target, limits::create_registered),
        policy(Get, "/v3/registered_limits/{registered_limit_id}", A::GetRegisteredLimit, no_target, limits::get_registered),
        policy(Patch, "/v3/registered_limits/{registered_limit_id}", A::UpdateRegisteredLimit, limits::registered_update_target, limits::update_registered),
        policy(Delete, "/v3/registered_limits/{registered_limit_id}", A::DeleteRegisteredLimit, no_target, limits::delete_registered),
        policy(Get, "/v3/limits", A::ListLimits, no_target, limits::list_limits),
        policy(Post, "/v3/limits", A::CreateLimits, limits::limits_create_target, limits::create_limits),
        policy(Get, "/v3/limits/model", A::GetLimitModel, no_target, limits::get_model),
        policy(Get, "/v3/limits/{limit_id}", A::GetLimit, limits::limit_target, limits::get_limit),
        policy(Patch, "/v3/limits/{limit_id}", A::UpdateLimit, limits::limit_update_target, limits::update_limit),
        policy(Delete, "/v3/limits/{limit_id}", A::DeleteLimit, no_target, limits::delete_limit),
        policy(Get, "/v3/policies", A::ListPolicies, no_target, policies::list_policies),
        policy(Post, "/v3/policies", A::CreatePolicy, no_target, policies::create_policy),
        policy(Get, "/v3/policies/{policy_id}", A::GetPolicy, policies::policy_target, policies::get_policy),
        policy(Patch, "/v3/policies/{policy_id}", A::UpdatePolicy, policies::policy_target, policies::update_policy),
        policy(Delete, "/v3/policies/{policy_id}", A::DeletePolicy, policies::policy_target, policies::delete_policy),
        policy(Get, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints", A::ListEndpointsForPolicy, policies::policy_target, policies::list_endpoints_for_policy),
        policy(Get, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}", A::CheckPolicyAssociationForEndpoint, policies::association_target, policies::check_association),
        policy(Put, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}", A::CreatePolicyAssociationForEndpoint, policies::association_target, policies::create_association),
        policy(Delete, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}", A::DeletePolicyAssociationForEndpoint, policies::association_target, policies::delete_association),
        policy(Get, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}", A::CheckPolicyAssociationForService, policies::association_target, policies::check_association),
        policy(Put, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}", A::CreatePolicyAssociationForService, policies::association_target, policies::create_association),
        policy(Delete, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}", A::DeletePolicyAssociationForService, policies::association_target, policies::delete_association),
        policy(Get, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}", A::CheckPolicyAssociationForRegionAndService, policies::association_target, policies::check_association),
        policy(Put, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}", A::CreatePolicyAssociationForRegionAndService, policies::association_target, policies::create_association),
        policy(Delete, "/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}", A::DeletePolicyAssociationForRegionAndService, policies::association_target, policies::delete_association),
        policy(Get, "/v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy", A::GetPolicyForEndpoint, policies::endpoint_target, policies::policy_for_endpoint),
    ]
}

/// Regions, services, endpoints, OS-EP-FILTER.
#[rustfmt::skip]
fn catalog() -> Vec<Route> {
    use crate::api::v3::catalog as c;
    use crate::api::v3::endpoint_filter as f;
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
    use crate::api::v3::credentials as cr;
    use crate::api::v3::ec2;
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
    vec![
        policy_by(Get, "/v3/OS-TRUST/trusts", trusts::list_action, trusts::list_target, trusts::list),
        policy(Post, "/v3/OS-TRUST/trusts", A::CreateTrust, trusts::create_target, trusts::create),
        policy(Get, "/v3/OS-TRUST/trusts/{trust_id}", A::GetTrust, trusts::member_target, trusts::get),
        policy(Delete, "/v3/OS-TRUST/trusts/{trust_id}", A::DeleteTrust, trusts::member_target, trusts::delete),
        policy(Get, "/v3/OS-TRUST/trusts/{trust_id}/roles", A::ListRolesForTrust, trusts::member_target, trusts::list_roles),
        policy(Get, "/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}", A::GetRoleForTrust, trusts::member_target, trusts::get_role),
        policy(Get, "/v3/users/{user_id}/application_credentials", A::ListApplicationCredentials, app_creds::list_target, app_creds::list),
        policy(Post, "/v3/users/{user_id}/application_credentials", A::CreateApplicationCredential, app_creds::create_target, app_creds::create),
        policy(Get, "/v3/users/{user_id}/application_credentials/{application_credential_id}", A::GetApplicationCredential, app_creds::member_target, app_creds::get),
        policy(Delete, "/v3/users/{user_id}/application_credentials/{application_credential_id}", A::DeleteApplicationCredential, app_creds::member_target, app_creds::delete),
        policy(Get, "/v3/users/{user_id}/access_rules", A::ListAccessRules, access_rules::user_target, access_rules::list),
        policy(Get, "/v3/users/{user_id}/access_rules/{access_rule_id}", A::GetAccessRule, access_rules::user_target, access_rules::get),
        policy(Delete, "/v3/users/{user_id}/access_rules/{access_rule_id}", A::DeleteAccessRule, access_rules::user_target, access_rules::delete),
        policy(Get, "/v3/OS-OAUTH1/consumers", A::ListConsumers, no_target, oauth1::list_consumers),
        policy(Post, "/v3/OS-OAUTH1/consumers", A::CreateConsumer, no_target, oauth1::create_consumer),
        policy(Get, "/v3/OS-OAUTH1/consumers/{consumer_id}", A::GetConsumer, oauth1::consumer_target, oauth1::get_consumer),
        policy(Patch, "/v3/OS-OAUTH1/consumers/{consumer_id}", A::UpdateConsumer, oauth1::consumer_target, oauth1::update_consumer),
        policy(Delete, "/v3/OS-OAUTH1/consumers/{consumer_id}", A::DeleteConsumer, oauth1::consumer_target, oauth1::delete_consumer),
        public(Post, "/v3/OS-OAUTH2/token", oauth2::post_token),
        public(Options, "/v3/OS-OAUTH2/token", oauth2::options_token),
        public(Get, "/v3/OS-OAUTH2/token", oauth2::method_not_allowed),
        public(Put, "/v3/OS-OAUTH2/token", oauth2::method_not_allowed),
        public(Patch, "/v3/OS-OAUTH2/token", oauth2::method_not_allowed),
        public(Delete, "/v3/OS-OAUTH2/token", oauth2::method_not_allowed),
        public(Other, "/v3/OS-OAUTH2/token", oauth2::method_not_allowed),
        public(Post, "/v3/OS-OAUTH1/request_token", oauth1::request_token),
        public(Post, "/v3/OS-OAUTH1/access_token", oauth1::access_token),
        policy(Put, "/v3/OS-OAUTH1/authorize/{request_token_id}", A::AuthorizeRequestToken, oauth1::request_token_target, oauth1::authorize_request_token),
        policy(Get, "/v3/users/{user_id}/OS-OAUTH1/access_tokens", A::ListAccessTokens, access_tokens::user_target, access_tokens::list),
        policy(Get, "/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}", A::GetAccessToken, access_tokens::token_target, access_tokens::get),
        policy(Delete, "/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}", A::Ec2DeleteCredential, access_tokens::token_target, access_tokens::delete),
        policy(Get, "/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles", A::ListAccessTokenRoles, access_tokens::token_target, access_tokens::list_roles),
        policy(Get, "/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}", A::GetAccessTokenRole, access_tokens::role_target, access_tokens::get_role),
    ]
}

/// OS-FEDERATION administration: identity providers, their protocols, mappings, service
/// providers (upstream keystone/api/os_federation.py; no target on any of them).
#[rustfmt::skip]
fn federation() -> Vec<Route> {
    use crate::api::v3::federation::{identity_providers as idps, mappings, protocols, service_providers as sps};
    vec![
        policy(Get, "/v3/OS-FEDERATION/identity_providers", A::ListIdentityProviders, crate::api::v3::federation::idps_list_target, idps::list),
        policy(Get, "/v3/OS-FEDERATION/identity_providers/{idp_id}", A::GetIdentityProvider, no_target, idps::get),
        policy(Put, "/v3/OS-FEDERATION/identity_providers/{idp_id}", A::CreateIdentityProvider, no_target, idps::create),
        policy(Patch, "/v3/OS-FEDERATION/identity_providers/{idp_id}", A::UpdateIdentityProvider, no_target, idps::update),
        policy(Delete, "/v3/OS-FEDERATION/identity_providers/{idp_id}", A::DeleteIdentityProvider, no_target, idps::delete),
        policy(Get, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols", A::ListProtocols, no_target, protocols::list),
        policy(Get, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}", A::GetProtocol, no_target, protocols::get),
        policy(Put, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}", A::CreateProtocol, no_target, protocols::create),
        policy(Patch, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}", A::UpdateProtocol, no_target, protocols::update),
        policy(Delete, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}", A::DeleteProtocol, no_target, protocols::delete),
        policy(Get, "/v3/OS-FEDERATION/mappings", A::ListMappings, no_target, mappings::list),
        policy(Get, "/v3/OS-FEDERATION/mappings/{mapping_id}", A::GetMapping, no_target, mappings::get),
        policy(Put, "/v3/OS-FEDERATION/mappings/{mapping_id}", A::CreateMapping, no_target, mappings::create),
        policy(Patch, "/v3/OS-FEDERATION/mappings/{mapping_id}", A::UpdateMapping, no_target, mappings::update),
        policy(Delete, "/v3/OS-FEDERATION/mappings/{mapping_id}", A::DeleteMapping, no_target, mappings::delete),
        policy(Get, "/v3/OS-FEDERATION/service_providers", A::ListServiceProviders, crate::api::v3::federation::sps_list_target, sps::list),
        policy(Get, "/v3/OS-FEDERATION/service_providers/{service_provider_id}", A::GetServiceProvider, no_target, sps::get),
        policy(Put, "/v3/OS-FEDERATION/service_providers/{service_provider_id}", A::CreateServiceProvider, no_target, sps::create),
        policy(Patch, "/v3/OS-FEDERATION/service_providers/{service_provider_id}", A::UpdateServiceProvider, no_target, sps::update),
        policy(Delete, "/v3/OS-FEDERATION/service_providers/{service_provider_id}", A::DeleteServiceProvider, no_target, sps::delete),
    ]
}
/// /v2.0/...: matched after the router strips a `.xml`/`.json` suffix; errors are v2 faults
/// (api/v2/mod.rs). The admin API enforces `admin_required` on no target, as upstream's v2
/// `assert_admin`; the OS-KSADM forms of a path are rows of their own.
#[rustfmt::skip]
fn v2() -> Vec<Route> {
    vec![
        public(Get, "/v2.0", v2::version),
        public(Get, "/v2.0/extensions", v2::list_extensions),
        public(Get, "/v2.0/extensions/{alias}", v2::get_extension),
        public(Post, "/v2.0/tokens", v2::tokens::authenticate),
        policy(Get, "/v2.0/tokens/{token_id}", A::ValidateToken, v2::tokens::token_target, v2::tokens::validate),
        policy(Delete, "/v2.0/tokens/{token_id}", A::AdminRequired, no_target, v2::tokens::delete),
        policy(Get, "/v2.0/tokens/{token_id}/endpoints", A::AdminRequired, no_target, v2::tokens::endpoints),
        policy(Get, "/v2.0/tenants", A::ListUserProjects, v2a::caller_target, v2a::list_tenants),
        policy(Post, "/v2.0/tenants", A::AdminRequired, no_target, v2a::create_tenant),
        policy(Get, "/v2.0/tenants/{tenant_id}", A::AdminRequired, no_target, v2a::get_tenant),
        policy(Put, "/v2.0/tenants/{tenant_id}", A::AdminRequired, no_target, v2a::update_tenant),
        policy(Post, "/v2.0/tenants/{tenant_id}", A::AdminRequired, no_target, v2a::update_tenant),
        policy(Delete, "/v2.0/tenants/{tenant_id}", A::AdminRequired, no_target, v2a::delete_tenant),
        policy(Get, "/v2.0/tenants/{tenant_id}/users", A::AdminRequired, no_target, v2a::tenant_users),
        policy(Get, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles", A::AdminRequired, no_target, v2a::tenant_user_roles),
        policy(Put, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/{role_id}", A::AdminRequired, no_target, v2a::add_tenant_user_role),
        policy(Delete, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/{role_id}", A::AdminRequired, no_target, v2a::remove_tenant_user_role),
        policy(Put, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}", A::AdminRequired, no_target, v2a::add_tenant_user_role),
        policy(Delete, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}", A::AdminRequired, no_target, v2a::remove_tenant_user_role),
        policy(Get, "/v2.0/users", A::AdminRequired, no_target, v2a::list_users),
        policy(Post, "/v2.0/users", A::AdminRequired, no_target, v2a::create_user),
        policy(Get, "/v2.0/users/{user_id}", A::AdminRequired, no_target, v2a::get_user),
        policy(Put, "/v2.0/users/{user_id}", A::AdminRequired, no_target, v2a::update_user),
        policy(Delete, "/v2.0/users/{user_id}", A::AdminRequired, no_target, v2a::delete_user),
        policy(Put, "/v2.0/users/{user_id}/enabled", A::AdminRequired, no_target, v2a::update_user_enabled),
        policy(Put, "/v2.0/users/{user_id}/OS-KSADM/enabled", A::AdminRequired, no_target, v2a::update_user_enabled),
        policy(Put, "/v2.0/users/{user_id}/password", A::AdminRequired, no_target, v2a::update_user_password),
        policy(Put, "/v2.0/users/{user_id}/OS-KSADM/password", A::AdminRequired, no_target, v2a::update_user_password),
        policy(Put, "/v2.0/users/{user_id}/tenant", A::AdminRequired, no_target, v2a::update_user),
        policy(Put, "/v2.0/users/{user_id}/OS-KSADM/tenant", A::AdminRequired, no_target, v2a::update_user),
        policy(Get, "/v2.0/users/{user_id}/roles", A::AdminRequired, no_target, v2a::user_global_roles),
        policy(Get, "/v2.0/OS-KSADM/roles", A::AdminRequired, no_target, v2a::list_roles),
        policy(Post, "/v2.0/OS-KSADM/roles", A::AdminRequired, no_target, v2a::create_role),
        policy(Get, "/v2.0/OS-KSADM/roles/{role_id}", A::AdminRequired, no_target, v2a::get_role),
        policy(Delete, "/v2.0/OS-KSADM/roles/{role_id}", A::AdminRequired, no_target, v2a::delete_role),
        policy(Get, "/v2.0/OS-KSADM/services", A::AdminRequired, no_target, v2a::list_services),
        policy(Post, "/v2.0/OS-KSADM/services", A::AdminRequired, no_target, v2a::create_service),
        policy(Get, "/v2.0/OS-KSADM/services/{service_id}", A::AdminRequired, no_target, v2a::get_service),
        policy(Delete, "/v2.0/OS-KSADM/services/{service_id}", A::AdminRequired, no_target, v2a::delete_service),
        policy(Get, "/v2.0/endpoints", A::AdminRequired, no_target, v2a::list_endpoints),
        policy(Post, "/v2.0/endpoints", A::AdminRequired, no_target, v2a::create_endpoint),
        policy(Delete, "/v2.0/endpoints/{endpoint_id}", A::AdminRequired, no_target, v2a::delete_endpoint),
    ]
}

/// OS-FEDERATION authentication: the protocol auth URL (public: upstream's unenforced_api)
/// and the projects/domains a federated token reaches (upstream's alternate URLs of
/// /v3/auth/projects and /v3/auth/domains, same policy).
#[rustfmt::skip]
fn federation_auth() -> Vec<Route> {
    use crate::api::v3::federation::{auth as fed_auth, projects as fed_projects};
    vec![
        public(Get, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth", fed_auth::protocol_auth),
        public(Post, "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth", fed_auth::protocol_auth),
        policy(Get, "/v3/OS-FEDERATION/projects", A::GetAuthProjects, no_target, fed_projects::list_projects),
        policy(Get, "/v3/OS-FEDERATION/domains", A::GetAuthDomains, no_target, fed_projects::list_domains),
        // WebSSO (upstream's unenforced_api): src/api/v3/federation/websso.rs.
        public(Get, "/v3/auth/OS-FEDERATION/websso/{protocol_id}", crate::api::v3::federation::websso::protocol_websso),
        public(Post, "/v3/auth/OS-FEDERATION/websso/{protocol_id}", crate::api::v3::federation::websso::protocol_websso),
        public(Get, "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso", crate::api::v3::federation::websso::idp_websso),
        public(Post, "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso", crate::api::v3::federation::websso::idp_websso),
    ]
}
