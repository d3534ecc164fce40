//! Every route in one place: (method, path segments) to a handler. An unknown path is 404, a
//! known path with a method it does not serve is 405. HEAD is GET without a body.

use crate::api::{
    auth, catalog, discovery, domains, groups, projects, role_assignments, roles, users,
};
use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;

pub fn route(app: &App, req: &Request) -> Result<Response> {
    use Method::*;
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    // HEAD runs the GET handler; tiny_http sends no body for HEAD.
    let m = if req.method == Head { Get } else { req.method };
    match (m, segments.as_slice()) {
        (Get, []) => discovery::versions(app, req),
        (Get, ["v3"]) => discovery::version_v3(app, req),

        (Post, ["v3", "auth", "tokens"]) => auth::issue_token(app, req),
        (Get, ["v3", "auth", "tokens"]) => auth::validate_token(app, req),
        (Delete, ["v3", "auth", "tokens"]) => auth::revoke_token(app, req),
        (Get, ["v3", "auth", "catalog"]) => auth::get_catalog(app, req),
        (Get, ["v3", "auth", "projects"]) => auth::list_projects(app, req),
        (Get, ["v3", "auth", "domains"]) => auth::list_domains(app, req),
        (Get, ["v3", "auth", "system"]) => auth::get_system(app, req),

        (Get, ["v3", "domains"]) => domains::list(app, req),
        (Post, ["v3", "domains"]) => domains::create(app, req),
        (Get, ["v3", "domains", id]) => domains::get(app, req, id),
        (Patch, ["v3", "domains", id]) => domains::update(app, req, id),
        (Delete, ["v3", "domains", id]) => domains::delete(app, req, id),

        (Get, ["v3", "projects"]) => projects::list(app, req),
        (Post, ["v3", "projects"]) => projects::create(app, req),
        (Get, ["v3", "projects", id]) => projects::get(app, req, id),
        (Patch, ["v3", "projects", id]) => projects::update(app, req, id),
        (Delete, ["v3", "projects", id]) => projects::delete(app, req, id),

        (Get, ["v3", "users"]) => users::list(app, req),
        (Post, ["v3", "users"]) => users::create(app, req),
        (Get, ["v3", "users", id]) => users::get(app, req, id),
        (Patch, ["v3", "users", id]) => users::update(app, req, id),
        (Delete, ["v3", "users", id]) => users::delete(app, req, id),
        (Post, ["v3", "users", id, "password"]) => users::change_password(app, req, id),
        (Get, ["v3", "users", id, "projects"]) => users::list_projects(app, req, id),
        (Get, ["v3", "users", id, "groups"]) => users::list_groups(app, req, id),

        (Get, ["v3", "groups"]) => groups::list(app, req),
        (Post, ["v3", "groups"]) => groups::create(app, req),
        (Get, ["v3", "groups", id]) => groups::get(app, req, id),
        (Delete, ["v3", "groups", id]) => groups::delete(app, req, id),
        (Get, ["v3", "groups", id, "users"]) => groups::list_users(app, req, id),
        (Put, ["v3", "groups", gid, "users", uid]) => groups::add_user(app, req, gid, uid),
        (Get, ["v3", "groups", gid, "users", uid]) => groups::check_user(app, req, gid, uid),
        (Delete, ["v3", "groups", gid, "users", uid]) => groups::remove_user(app, req, gid, uid),

        (Get, ["v3", "roles"]) => roles::list(app, req),
        (Post, ["v3", "roles"]) => roles::create(app, req),
        (Get, ["v3", "roles", id]) => roles::get(app, req, id),
        (Delete, ["v3", "roles", id]) => roles::delete(app, req, id),
        (Get, ["v3", "role_inferences"]) => roles::list_inferences(app, req),
        (Get, ["v3", "role_assignments"]) => role_assignments::list(app, req),

        // Grants: /v3/{projects|domains}/{id}/{users|groups}/{id}/roles[/{role_id}], /v3/system/...
        (_, ["v3", "projects" | "domains", _, "users" | "groups", _, "roles", ..])
        | (_, ["v3", "system", "users" | "groups", _, "roles", ..]) => {
            roles::grants(app, req, &segments[1..])
        }

        (Get, ["v3", "regions"]) => catalog::list_regions(app, req),
        (Post, ["v3", "regions"]) => catalog::create_region(app, req),
        (Get, ["v3", "regions", id]) => catalog::get_region(app, req, id),
        (Delete, ["v3", "regions", id]) => catalog::delete_region(app, req, id),
        (Get, ["v3", "services"]) => catalog::list_services(app, req),
        (Post, ["v3", "services"]) => catalog::create_service(app, req),
        (Get, ["v3", "services", id]) => catalog::get_service(app, req, id),
        (Delete, ["v3", "services", id]) => catalog::delete_service(app, req, id),
        (Get, ["v3", "endpoints"]) => catalog::list_endpoints(app, req),
        (Post, ["v3", "endpoints"]) => catalog::create_endpoint(app, req),
        (Get, ["v3", "endpoints", id]) => catalog::get_endpoint(app, req, id),
        (Delete, ["v3", "endpoints", id]) => catalog::delete_endpoint(app, req, id),

        _ => Err(not_found_or_not_allowed(req)),
    }
}

/// 405 when some other method serves this path, else 404.
fn not_found_or_not_allowed(req: &Request) -> Error {
    use Method::*;
    for other in [Get, Post, Put, Patch, Delete] {
        if other == req.method || (other == Get && req.method == Head) {
            continue;
        }
        let probe = Request::new(other, req.path.clone(), String::new(), vec![], vec![]);
        if known(&probe) {
            return Error::MethodNotAllowed;
        }
    }
    Error::NotFound("The resource could not be found.".to_string())
}

/// Whether the router has a route for this method and path (handlers are not run).
fn known(req: &Request) -> bool {
    use Method::*;
    let s: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    matches!(
        (req.method, s.as_slice()),
        (Get, [] | ["v3"])
            | (Post | Get | Delete, ["v3", "auth", "tokens"])
            | (
                Get,
                ["v3", "auth", "catalog" | "projects" | "domains" | "system"]
            )
            | (
                Get | Post,
                [
                    "v3",
                    "domains"
                        | "projects"
                        | "users"
                        | "groups"
                        | "roles"
                        | "regions"
                        | "services"
                        | "endpoints"
                ]
            )
            | (
                Get | Patch | Delete,
                ["v3", "domains" | "projects" | "users", _]
            )
            | (
                Get | Delete,
                [
                    "v3",
                    "groups" | "roles" | "regions" | "services" | "endpoints",
                    _
                ]
            )
            | (Post, ["v3", "users", _, "password"])
            | (Get, ["v3", "users", _, "projects" | "groups"])
            | (Get, ["v3", "groups", _, "users"])
            | (Get | Put | Delete, ["v3", "groups", _, "users", _])
            | (Get, ["v3", "role_inferences" | "role_assignments"])
    )
}
