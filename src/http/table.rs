//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::application_credentials::{self as app_creds, access_rules};
use crate::api::oauth1::{self, access_tokens};
use crate::api::{auth, domains, oauth2, trusts};
use crate::http::request::Method::{Delete, Get, Options, Other, Patch, Post, Put};
use crate::http::routes::{no_target, policy, policy_by, public, Route};
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
