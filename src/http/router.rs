//! Top-level routing: (method, path segments) to the area that owns the path. Each area's
//! `route` in src/api/ matches its own sub-paths, answering 405 for a known path with a
//! method it does not serve and 404 for an unknown one. HEAD is GET without a body.

use crate::api::{self, groups, projects, users};
use crate::app::App;
use crate::error::Result;
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{self, Matched};

pub fn route(app: &App, req: &Request) -> Result<Response> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    // v2.0 matches the table after stripping its format suffix and answers every error as a
    // v2 fault in the negotiated format (api/v2/mod.rs).
    if segments.first() == Some(&"v2.0") {
        return Ok(api::v2::route(app, req, &segments));
    }
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
        ["v3", "projects", rest @ ..] => projects::route(app, req, method, rest),
        ["v3", "users", rest @ ..] => users::route(app, req, method, rest),
        ["v3", "groups", rest @ ..] => groups::route(app, req, method, rest),
        _ => Err(api::not_found()),
    }
}
