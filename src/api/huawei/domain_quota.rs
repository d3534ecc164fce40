//! An account's quotas (huawei-iam-api.md §1.4): GET /v3.0/OS-QUOTA/domains/{domain_id},
//! `used` counted from the store.

use serde_json::{json, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Result;
use crate::http::request::Method::Get;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{policy, Granted, Params, Route};
use crate::policy::Action;
use crate::store::{federation, identity, resource};

/// GET /v3.0/OS-QUOTA/domains/{domain_id}.
pub fn routes() -> Vec<Route> {
    vec![policy(
        Get,
        "/v3.0/OS-QUOTA/domains/{domain_id}",
        Action::IamQuotasListQuotasForDomain,
        domain_target,
        domain_quota,
    )]
}

fn domain_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"target": {"domain_id": p.get("domain_id")}}))
}

/// Each quota type's maximum. CHOSEN: Huawei's published per-account defaults (1000 users,
/// 20 groups, 10 identity providers, 50 agencies, 200 custom policies, 500 of each kind of
/// assignment, 10 mappings); nothing here can raise them, so `quota` = `max`.
/// The type names are Huawei's, "assigment" misspelling included.
const QUOTAS: &[(&str, i64)] = &[
    ("user", 1000),
    ("group", 20),
    ("idp", 10),
    ("agency", 50),
    ("policy", 200),
    ("assigment_group_mp", 500),
    ("assigment_agency_mp", 500),
    ("assigment_group_ep", 500),
    ("assigment_user_ep", 500),
    ("mapping", 10),
];

/// The counts behind `used`: users, groups and identity providers of the account and the
/// mappings (global in Keystone); the other types are other groups' objects and count 0
/// until they are stored here.
fn used(app: &App, domain_id: &str) -> Result<Vec<(&'static str, i64)>> {
    app.store.read(|r| -> Result<_> {
        resource::require_domain(r, domain_id)?;
        let users = identity::list_users(r)?
            .iter()
            .filter(|u| u.domain_id == domain_id)
            .count() as i64;
        let groups = identity::list_groups(r)?
            .iter()
            .filter(|g| g.domain_id == domain_id)
            .count() as i64;
        let idps = federation::list_idps(r)?
            .iter()
            .filter(|i| i.domain_id == domain_id)
            .count() as i64;
        let mappings = federation::list_mappings(r)?.len() as i64;
        Ok(vec![
            ("user", users),
            ("group", groups),
            ("idp", idps),
            ("mapping", mappings),
        ])
    })
}

fn domain_quota(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let counts = used(app, p.get("domain_id"))?;
    let wanted = req.query("type").filter(|t| !t.is_empty());
    let resources: Vec<Value> = QUOTAS
        .iter()
        .filter(|(t, _)| wanted.is_none_or(|w| w == *t))
        .map(|(t, max)| {
            let used = counts.iter().find(|(c, _)| c == t).map_or(0, |(_, n)| *n);
            json!({"type": t, "max": max, "min": used, "quota": max, "used": used})
        })
        .collect();
    if resources.is_empty() {
        return Err(crate::service::iam::security_policy::invalid(
            "type",
            "not a quota type",
        ));
    }
    Ok(Response::ok(&json!({"quotas": {"resources": resources}})))
}
