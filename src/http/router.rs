//! Top-level routing: (method, path segments) to the area that owns the path. Each area's
//! `route` in src/api/ matches its own sub-paths, answering 405 for a known path with a
//! method it does not serve and 404 for an unknown one. HEAD is GET without a body.

use crate::api::{
    self, auth, catalog, discovery, domains, policies, projects, role_assignments, roles, users,
};
use crate::app::App;
use crate::error::Result;
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{self, Matched};

pub fn route(app: &App, req: &Request) -> Result<Response> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match app.routes.find(req.method, &segments) {
        Matched::Route(route, params) => return routes::run(app, req, route, &params),
        Matched::WrongMethod(allowed) => return Ok(method_not_allowed(app, &allowed)),
        Matched::NotFound => {}
    }
    legacy(app, req, &segments)
}

/// 405 with the methods the path does serve (HEAD wherever GET is, as upstream's flask).
fn method_not_allowed(app: &App, allowed: &[Method]) -> Response {
    let mut names: Vec<&str> = Vec::new();
    for m in allowed {
        names.push(m.as_str());
        if *m == Method::Get {
            names.push("HEAD");
        }
    }
    names.push("OPTIONS");
    names.sort_unstable();
    names.dedup();
    Response::error(&crate::error::Error::MethodNotAllowed, &app.identity_url())
        .with_header("Allow", names.join(", "))
}

/// The areas not yet in the route table.
fn legacy(app: &App, req: &Request, segments: &[&str]) -> Result<Response> {
    // HEAD runs the GET handler; tiny_http sends no body for HEAD.
    let method = if req.method == Method::Head {
        Method::Get
    } else {
        req.method
    };
    match segments {
        [] => api::only(method, Method::Get, || discovery::versions(app, req)),
        ["v3"] => api::only(method, Method::Get, || discovery::version_v3(app, req)),
        ["v3", "auth", rest @ ..] => auth::route(app, req, method, rest),
        ["v3", "domains", rest @ ..] => domains::route(app, req, method, rest),
        ["v3", "projects", rest @ ..] => projects::route_grants(app, req, rest),
        ["v3", "users", rest @ ..] => users::route_delegated(app, req, method, rest),
        ["v3", "roles", rest @ ..]
        | ["v3", "role_inferences", rest @ ..]
        | ["v3", "system", rest @ ..]
        | ["v3", "OS-INHERIT", rest @ ..] => roles::route(app, req, method, &segments[1..], rest),
        ["v3", "role_assignments"] => {
            api::only(method, Method::Get, || role_assignments::list(app, req))
        }
        ["v3", "regions" | "services" | "endpoints" | "OS-EP-FILTER", ..] => {
            catalog::route(app, req, method, &segments[1..])
        }
        ["v3", "policies", ..] => policies::route(app, req, method, &segments[1..]),
        ["v3", "registered_limits", rest @ ..] => {
            api::limits::route_registered(app, req, method, rest)
        }
        ["v3", "limits", rest @ ..] => api::limits::route_limits(app, req, method, rest),
        ["v2.0", rest @ ..] => api::v2::route(app, req, method, rest),
        ["v3", "credentials", rest @ ..] => api::credentials::route(app, req, method, rest),
        ["v3", which @ ("ec2tokens" | "s3tokens")] => {
            api::ec2::route_tokens(app, req, method, which)
        }
        ["v3", "OS-OAUTH1", rest @ ..] => api::oauth1::route(app, req, method, rest),
        ["v3", "OS-OAUTH2", rest @ ..] => api::oauth2::route(app, req, method, rest),
        ["v3", "OS-TRUST", rest @ ..] => api::trusts::route(app, req, method, rest),
        ["v3", "OS-REVOKE", rest @ ..] => api::revoke::route(app, req, method, rest),
        _ => Err(api::not_found()),
    }
}
