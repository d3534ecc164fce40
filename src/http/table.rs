//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::application_credentials::{self as app_creds, access_rules};
use crate::api::oauth1::{self, access_tokens};
use crate::api::roles::{grants, implied};
use crate::api::{
    auth, domains, limits, oauth2, policies, role_assignments, roles, trusts, user_tokens,
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
        public(Post, "/v3/auth/tokens", auth::issue),
        policy_by(Get, "/v3/auth/tokens", auth::validate_or_check, auth::subject_target, auth::validate_token),
        policy(Delete, "/v3/auth/tokens", A::RevokeToken, auth::subject_target, auth::revoke_token),
        policy(Get, "/v3/auth/catalog", A::GetAuthCatalog, no_target, auth::get_catalog),
        policy(Get, "/v3/auth/projects", A::GetAuthProjects, no_target, auth::list_projects),
        policy(Get, "/v3/auth/domains", A::GetAuthDomains, no_target, auth::list_domains),
        policy(Get, "/v3/auth/system", A::GetAuthSystem, no_target, auth::get_system),
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
    ]
}

/// Users, groups, memberships, passwords.
#[rustfmt::skip]
fn identity() -> Vec<Route> {
    vec![
        policy(Delete, "/v3/users/{user_id}/tokens", A::RevokeTokensForUser, user_tokens::target, user_tokens::revoke_all),
    ]
}

/// Roles, implied roles, grants (project, domain, system, OS-INHERIT), role assignments,
/// registered limits and limits, policies.
#[rustfmt::skip]
fn assignment() -> Vec<Route> {
    vec![
        policy_by(Get, "/v3/roles", roles::list_action, no_target, roles::list),
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
    vec![]
}

/// Credentials, OS-EC2 credentials, ec2tokens/s3tokens.
#[rustfmt::skip]
fn credentials() -> Vec<Route> {
    vec![]
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

/// /v2.0/...
#[rustfmt::skip]
fn v2() -> Vec<Route> {
    vec![]
}
