//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, one function per upstream subsystem. Read by `Routes`
//! (src/http/routes.rs). Path parameters take upstream's api-ref names (`{project_id}`).
//! One route a line, unformatted, so the table reads as a table.

use crate::api::{domains, groups, projects, users};
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
    vec![]
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
    ]
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

/// /v2.0/...
#[rustfmt::skip]
fn v2() -> Vec<Route> {
    vec![]
}
