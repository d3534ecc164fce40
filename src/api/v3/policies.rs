//! /v3/policies (legacy policy blobs, upstream keystone/api/policy.py) and OS-ENDPOINT-POLICY
//! (which blob applies to an endpoint: its own, else its service's in its region or a parent
//! region, else its service's). Upstream checks policy first here, then the body with
//! `lazy_validate` (jsonschema's long messages).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::{new_id, Endpoint, PolicyAssociation, PolicyBlob, Region};
use crate::store::{catalog, policies, Reader};

use super::{filtered_list, list_response};
use crate::validate::{normalize_keys, Schema};

/// Target of the calls on one policy: its id (upstream loads nothing before enforcing).
pub fn policy_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"policy_id": p.get("policy_id")}))
}

/// Target of the OS-ENDPOINT-POLICY association calls: the path's ids.
pub fn association_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    let mut view = Map::new();
    for name in ["policy_id", "endpoint_id", "service_id", "region_id"] {
        if !p.get(name).is_empty() {
            view.insert(name.into(), json!(p.get(name)));
        }
    }
    Ok(Value::Object(view))
}

fn render_policy(app: &App, p: &PolicyBlob, collection: &str) -> Value {
    let mut out = p.extra.clone();
    out.insert("id".into(), json!(p.id));
    out.insert("blob".into(), json!(p.blob));
    out.insert("type".into(), json!(p.policy_type));
    out.insert(
        "links".into(),
        json!({"self": format!("{}/v3/{collection}/{}", app.public_url, p.id)}),
    );
    Value::Object(out)
}

/// The body's `policy` object (upstream: `.get('policy', {})`), lazily validated.
fn policy_input(req: &Request, policy_schema: &Schema) -> Result<Map<String, Value>> {
    let body = req.json()?;
    let input = body.get("policy").cloned().unwrap_or_else(|| json!({}));
    policy_schema.lazy_validate(&input)?;
    Ok(input.as_object().cloned().unwrap_or_default())
}

/// GET/HEAD /v3/policies
pub fn list_policies(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let items = app
        .store
        .read(policies::list_policies)?
        .iter()
        .map(|p| render_policy(app, p, "policies"))
        .collect();
    Ok(Response::ok(&filtered_list(
        app,
        req,
        "policies",
        items,
        &["type"],
        app.config.list_limit("policy"),
    )))
}

/// GET/HEAD /v3/policies/{policy_id}
pub fn get_policy(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("policy_id");
    let policy = app.store.read(|r| policies::require_policy(r, id))?;
    Ok(Response::ok(
        &json!({"policy": render_policy(app, &policy, "policies")}),
    ))
}

/// POST /v3/policies: any `id` in the body is replaced, as upstream.
pub fn create_policy(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let input = normalize_keys(&policy_input(req, &app.schemas.policy_create)?);
    let text = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let policy = PolicyBlob {
        id: new_id(),
        blob: text("blob"),
        policy_type: text("type"),
        extra: input
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "blob" | "type" | "links"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    app.store.write(|w| policies::create_policy(w, &policy))?;
    Ok(Response::created(
        &json!({"policy": render_policy(app, &policy, "policies")}),
    ))
}

/// PATCH /v3/policies/{policy_id}
pub fn update_policy(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("policy_id");
    let changes = policy_input(req, &app.schemas.policy_update)?;
    if changes.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(Error::validation("Cannot change policy ID"));
    }
    let policy = app
        .store
        .write(|w| policies::update_policy(w, id, &changes))?;
    Ok(Response::ok(
        &json!({"policy": render_policy(app, &policy, "policies")}),
    ))
}

/// DELETE /v3/policies/{policy_id}: its endpoint associations go with it.
pub fn delete_policy(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("policy_id");
    app.store.write(|w| policies::delete_policy(w, id))?;
    Ok(Response::no_content())
}

/// GET/HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/{endpoints/{endpoint_id}|
/// services/{service_id}[/regions/{region_id}]}: 204 if the association exists.
pub fn check_association(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    association(app, p, Method::Get)
}

/// PUT of an OS-ENDPOINT-POLICY association.
pub fn create_association(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    association(app, p, Method::Put)
}

/// DELETE of an OS-ENDPOINT-POLICY association.
pub fn delete_association(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    association(app, p, Method::Delete)
}

/// Check (GET), create (PUT) or delete one association; 204 on success. The policy, then the
/// endpoint or service (then region) must exist (404), as upstream checks them.
fn association(app: &App, p: &Params, method: Method) -> Result<Response> {
    let policy_id = p.get("policy_id");
    let some = |name: &str| Some(p.get(name).to_string()).filter(|v| !v.is_empty());
    let association = PolicyAssociation {
        policy_id: policy_id.to_string(),
        endpoint_id: some("endpoint_id"),
        service_id: some("service_id"),
        region_id: some("region_id"),
    };
    let check_refs = |r: &dyn Fn(&str, &str) -> Result<()>| -> Result<()> {
        r("policy", policy_id)?;
        if let Some(e) = &association.endpoint_id {
            r("endpoint", e)?;
        }
        if let Some(s) = &association.service_id {
            r("service", s)?;
        }
        if let Some(region) = &association.region_id {
            r("region", region)?;
        }
        Ok(())
    };
    match method {
        Method::Get => app.store.read(|tx| -> Result<_> {
            check_refs(&|kind, id| require(tx, kind, id))?;
            Ok(policies::check_association(tx, &association)?)
        })?,
        Method::Put => app.store.write(|tx| -> Result<_> {
            check_refs(&|kind, id| require(tx, kind, id))?;
            Ok(policies::create_association(tx, &association)?)
        })?,
        _ => app.store.write(|tx| -> Result<_> {
            check_refs(&|kind, id| require(tx, kind, id))?;
            Ok(policies::delete_association(tx, &association)?)
        })?,
    }
    Ok(Response::no_content())
}

/// 404 unless the named thing exists.
fn require(r: &impl Reader, kind: &str, id: &str) -> Result<()> {
    let found = match kind {
        "policy" => policies::get_policy(r, id)?.is_some(),
        "endpoint" => catalog::get_endpoint(r, id)?.is_some(),
        "service" => catalog::get_service(r, id)?.is_some(),
        _ => catalog::get_region(r, id)?.is_some(),
    };
    if found {
        Ok(())
    } else {
        Err(Error::not_found(kind, id))
    }
}

/// An endpoint as list_endpoints_for_policy shows it: no legacy `region` field.
fn render_plain_endpoint(app: &App, e: &Endpoint) -> Value {
    let mut out = e.extra.clone();
    for (k, v) in [
        ("id", json!(e.id)),
        ("interface", json!(e.interface)),
        ("region_id", json!(e.region_id)),
        ("service_id", json!(e.service_id)),
        ("url", json!(e.url)),
        ("enabled", json!(e.enabled)),
        (
            "links",
            json!({"self": format!("{}/v3/endpoints/{}", app.public_url, e.id)}),
        ),
    ] {
        out.insert(k.into(), v);
    }
    Value::Object(out)
}

/// The endpoints of `service_id` in `region_id` and every region below it, top down.
fn endpoints_in_region_tree(
    service_id: &str,
    region_id: &str,
    endpoints: &[Endpoint],
    regions: &[Region],
    examined: &mut Vec<String>,
    out: &mut Vec<Endpoint>,
) {
    if examined.iter().any(|r| r == region_id) {
        return;
    }
    examined.push(region_id.to_string());
    out.extend(
        endpoints
            .iter()
            .filter(|e| e.service_id == service_id && e.region_id.as_deref() == Some(region_id))
            .cloned(),
    );
    for child in regions
        .iter()
        .filter(|r| r.parent_region_id.as_deref() == Some(region_id))
    {
        endpoints_in_region_tree(service_id, &child.id, endpoints, regions, examined, out);
    }
}

/// GET/HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints: every endpoint each of the
/// policy's associations reaches (an endpoint reached twice is listed twice, as upstream).
pub fn list_endpoints_for_policy(
    app: &App,
    req: &Request,
    p: &Params,
    _: Granted,
) -> Result<Response> {
    let id = p.get("policy_id");
    let endpoints = app.store.read(|r| -> Result<_> {
        policies::require_policy(r, id)?;
        let all = catalog::list_endpoints(r)?;
        let regions = catalog::list_regions(r)?;
        let mut out = Vec::new();
        for a in policies::list_associations(r)?
            .into_iter()
            .filter(|a| a.policy_id == id)
        {
            match (&a.endpoint_id, &a.service_id, &a.region_id) {
                (Some(e), _, _) => out.push(catalog::require_endpoint(r, e)?),
                (None, Some(s), None) => {
                    out.extend(all.iter().filter(|e| &e.service_id == s).cloned())
                }
                (None, Some(s), Some(region)) => {
                    endpoints_in_region_tree(s, region, &all, &regions, &mut Vec::new(), &mut out)
                }
                _ => {}
            }
        }
        Ok(out)
    })?;
    let items = endpoints
        .iter()
        .map(|e| render_plain_endpoint(app, e))
        .collect();
    Ok(Response::ok(&list_response(app, req, "endpoints", items)))
}

/// Target of get_policy_for_endpoint: the endpoint's id.
pub fn endpoint_target(_: &App, _: &Request, p: &Params, _: &AuthContext) -> Result<Value> {
    Ok(json!({"endpoint_id": p.get("endpoint_id")}))
}

/// GET/HEAD /v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy: the endpoint's own policy,
/// else its service's in its region or the nearest parent region, else its service's.
pub fn policy_for_endpoint(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let policy = effective_policy(app, p.get("endpoint_id"))?;
    // Upstream wraps it as a member of "endpoints", so the self link says endpoints.
    Ok(Response::ok(
        &json!({"policy": render_policy(app, &policy, "endpoints")}),
    ))
}

/// The endpoint's own policy, else its service's in its region or the nearest parent region,
/// else its service's.
fn effective_policy(app: &App, endpoint_id: &str) -> Result<PolicyBlob> {
    app.store.read(|r| -> Result<_> {
        let endpoint = catalog::require_endpoint(r, endpoint_id)?;
        let mut found = policies::get_association(r, Some(endpoint_id), None, None)?;
        let mut region = endpoint.region_id.clone();
        let mut examined: Vec<String> = Vec::new();
        while found.is_none() {
            let Some(region_id) = region.take() else {
                break;
            };
            found =
                policies::get_association(r, None, Some(&endpoint.service_id), Some(&region_id))?;
            if found.is_none() {
                region = catalog::require_region(r, &region_id)?.parent_region_id;
                examined.push(region_id);
                if region.as_ref().is_some_and(|next| examined.contains(next)) {
                    break;
                }
            }
        }
        if found.is_none() {
            found = policies::get_association(r, None, Some(&endpoint.service_id), None)?;
        }
        match found {
            Some(a) => Ok(policies::require_policy(r, &a.policy_id)?),
            None => Err(Error::NotFound(format!(
                "No policy is associated with endpoint {endpoint_id}."
            ))),
        }
    })
}
