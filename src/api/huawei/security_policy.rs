//! OS-SECURITYPOLICY (huawei-iam-api.md §1.12): GET and PUT of an account's five security
//! documents; PUT answers 200 with the whole document. The checks and defaults are
//! service::iam::security_policy's.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Result;
use crate::http::request::Method::{Get, Put};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action as A;
use crate::service::iam::security_policy::{self as sp, Kind};

const PASSWORD: &str = "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/password-policy";
const LOGIN: &str = "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/login-policy";
const PROTECT: &str = "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/protect-policy";
const CONSOLE_ACL: &str = "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/console-acl-policy";
const API_ACL: &str = "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/api-acl-policy";

pub fn routes() -> Vec<Route> {
    use A::*;
    vec![
        policy(
            Get,
            PASSWORD,
            IamSecuritypoliciesGetPasswordPolicy,
            domain_target,
            get,
        ),
        policy(
            Put,
            PASSWORD,
            IamSecuritypoliciesUpdatePasswordPolicy,
            domain_target,
            put,
        ),
        policy(
            Get,
            LOGIN,
            IamSecuritypoliciesGetLoginPolicy,
            domain_target,
            get,
        ),
        policy(
            Put,
            LOGIN,
            IamSecuritypoliciesUpdateLoginPolicy,
            domain_target,
            put,
        ),
        policy(
            Get,
            PROTECT,
            IamSecuritypoliciesGetProtectPolicy,
            domain_target,
            get,
        ),
        policy(
            Put,
            PROTECT,
            IamSecuritypoliciesUpdateProtectPolicy,
            domain_target,
            put,
        ),
        policy(
            Get,
            CONSOLE_ACL,
            IamSecuritypoliciesGetConsoleAclPolicy,
            domain_target,
            get,
        ),
        policy(
            Put,
            CONSOLE_ACL,
            IamSecuritypoliciesUpdateConsoleAclPolicy,
            domain_target,
            put,
        ),
        policy(
            Get,
            API_ACL,
            IamSecuritypoliciesGetApiAclPolicy,
            domain_target,
            get,
        ),
        policy(
            Put,
            API_ACL,
            IamSecuritypoliciesUpdateApiAclPolicy,
            domain_target,
            put,
        ),
    ]
}

fn domain_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": p.get("domain_id")}}))
}

/// The document kind a path names (its last segment).
fn kind_of(req: &Request) -> Kind {
    match req.segments.last().map(String::as_str) {
        Some("password-policy") => sp::PASSWORD,
        Some("login-policy") => sp::LOGIN,
        Some("protect-policy") => sp::PROTECT,
        Some("console-acl-policy") => sp::CONSOLE_ACL,
        _ => sp::API_ACL,
    }
}

fn get(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let kind = kind_of(req);
    let mut doc = sp::get(&app.store, p.get("domain_id"), kind)?;
    if kind == sp::PASSWORD {
        doc = sp::with_requirements(&doc);
    }
    Ok(Response::ok(&json!({ kind.member: doc })))
}

fn put(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let kind = kind_of(req);
    let doc = sp::put(&app.store, p.get("domain_id"), kind, &req.json()?)?;
    Ok(Response::ok(&json!({ kind.member: doc })))
}
