//! Top-level routing: every request goes through the route table (src/http/table.rs): a
//! matching route runs (authenticate, enforce, handler), a known path with another method is
//! 405 with `Allow`, anything else 404. HEAD is the GET route without a body; /v2.0 answers
//! in its own fault format (api/v2), /v3.0 and /v3-ext in Huawei IAM's (api/huawei).

use crate::api;
use crate::app::App;
use crate::error::Result;
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{self, Matched};

pub fn route(app: &App, req: &Request) -> Result<Response> {
    // oslo.middleware's healthcheck app, mounted before Keystone's own routes (any method).
    if crate::ops::healthcheck::is_healthcheck(&req.segments) {
        req.route.set(Some(crate::ops::metrics::HEALTHCHECK));
        return Ok(crate::ops::healthcheck::answer(app, req));
    }
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    // v2.0 matches the table after stripping its format suffix and answers every error as a
    // v2 fault in the negotiated format (api/v2/mod.rs).
    if segments.first() == Some(&"v2.0") {
        return Ok(api::v2::route(app, req, &segments));
    }
    // Huawei IAM's own paths answer every error in Huawei's form (api/huawei).
    if api::huawei::is_huawei_path(&segments) {
        return Ok(api::huawei::route(app, req, &segments));
    }
    match app.routes.find(req.method, &segments) {
        Matched::Route(route, params) => routes::run(app, req, route, &params),
        Matched::WrongMethod(allowed) => Ok(method_not_allowed(app, &allowed)),
        Matched::NotFound => Err(crate::api::not_found()),
    }
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
