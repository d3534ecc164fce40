//! /v3/policies and OS-ENDPOINT-POLICY.

use crate::app::App;
use crate::error::Result;
use crate::http::request::{Method, Request};
use crate::http::response::Response;

/// Routes /v3/policies/...; `path` starts at "policies".
pub fn route(_app: &App, _req: &Request, _method: Method, _path: &[&str]) -> Result<Response> {
    Err(super::not_found())
}
