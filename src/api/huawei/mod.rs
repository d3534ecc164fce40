//! Huawei Cloud IAM's own routes (`/v3.0/OS-*` and `/v3-ext/*`), on the same identities as
//! Keystone v3: an account is a domain, a region is a project named after it, a user is a
//! user. Each group is one module with its routes; the routes go through the one route table
//! (authenticate — token or AK/SK signature — then enforce a rule of
//! src/policy/huawei/*.yaml, then the handler). Errors on these paths are Huawei's
//! `{"error_code", "error_msg"}`, which the SDKs parse; Keystone paths keep Keystone's body.

pub mod agencies;
pub mod agency_token;
pub mod credentials;
pub mod domain_quota;
pub mod errors;
pub mod federation;
pub mod login_tokens;
pub mod mfa;
pub mod permissions;
pub mod projects_ext;
pub mod roles;
pub mod security_policy;
pub mod signed;
pub mod users;

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::Value;

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Error;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{self, Matched, Route};

/// Every Huawei route, group by group.
pub fn table() -> Vec<Route> {
    let mut routes = Vec::new();
    routes.extend(credentials::routes());
    routes.extend(users::routes());
    routes.extend(mfa::routes());
    routes.extend(roles::routes());
    routes.extend(agencies::routes());
    routes.extend(security_policy::routes());
    routes.extend(projects_ext::routes());
    routes.extend(domain_quota::routes());
    routes.extend(permissions::routes());
    routes.extend(federation::routes());
    routes.extend(login_tokens::routes());
    routes
}

/// The account (`domain_id`) a missing object is looked for in: the caller's own, so an
/// administrator of that account learns it does not exist (404, as Huawei answers and
/// Terraform's refresh after a delete expects) and anyone else gets no more than a 403.
pub fn callers_account(context: &AuthContext) -> Value {
    Value::String(context.user.domain_id.clone())
}

/// Whether a path is Huawei's own (`/v3.0/...`, `/v3-ext/...`), answered in its error form.
pub fn is_huawei_path(segments: &[&str]) -> bool {
    matches!(segments.first(), Some(&"v3.0") | Some(&"v3-ext"))
}

/// Runs a request on a Huawei path: the route table as for any path, errors in Huawei's form.
pub fn route(app: &App, req: &Request, segments: &[&str]) -> Response {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match app.routes.find(req.method, segments) {
            Matched::Route(route, params) => routes::run(app, req, route, &params),
            Matched::WrongMethod(_) => Err(Error::MethodNotAllowed),
            Matched::NotFound => Err(crate::api::not_found()),
        }
    }));
    let err = match outcome {
        Ok(Ok(response)) => return response,
        Ok(Err(err)) => err,
        Err(_) => Error::Internal("a Huawei IAM handler panicked (bug)".to_string()),
    };
    if let Error::Internal(detail) | Error::Unavailable(detail) = &err {
        log::error!(
            "{} {}: {detail}",
            crate::http::loggable_path(&req.path),
            err.code()
        );
    }
    errors::response(&err)
}
