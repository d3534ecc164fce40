//! The route table: every path keystone-lite serves, its policy action (or public), its target
//! builder and its handler, in upstream's api-ref order. Read by `Routes` (src/http/routes.rs).

use crate::api::domains;
use crate::http::request::Method::{Delete, Get, Patch, Post};
use crate::http::routes::{policy, Route};
use crate::policy::Action as A;

pub fn table() -> Vec<Route> {
    let mut routes = Vec::new();
    routes.extend(resource());
    routes
}

/// Domains, projects and their tags.
fn resource() -> Vec<Route> {
    vec![
        policy(
            Get,
            "/v3/domains",
            A::ListDomains,
            domains::list_target,
            domains::list,
        ),
        policy(
            Post,
            "/v3/domains",
            A::CreateDomain,
            no_target,
            domains::create,
        ),
        policy(
            Get,
            "/v3/domains/{domain_id}",
            A::GetDomain,
            domains::domain_or_empty_target,
            domains::get,
        ),
        policy(
            Patch,
            "/v3/domains/{domain_id}",
            A::UpdateDomain,
            domains::domain_target,
            domains::update,
        ),
        policy(
            Delete,
            "/v3/domains/{domain_id}",
            A::DeleteDomain,
            domains::domain_target,
            domains::delete,
        ),
    ]
}

use crate::http::routes::no_target;
