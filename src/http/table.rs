//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::v2::{self, admin as v2a};
use crate::api::{discovery, domains};
use crate::http::request::Method::{Delete, Get, Patch, Post, Put};
use crate::http::routes::{no_target, policy, public, Route};
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
    vec![
        public(Get, "/", discovery::versions),
        public(Get, "/v3", discovery::version_v3),
    ]
}

/// /v3/auth/...: tokens, catalog, projects, domains, system; OS-REVOKE.
#[rustfmt::skip]
fn auth() -> Vec<Route> {
    vec![]
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
    vec![]
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
