//! Which answered request makes which audit event: a table from the route table's (method,
//! pattern) to upstream's notifications (each manager's `notifications.Audit.*` call and its
//! resource type name), read once after the answer (src/http/connection.rs). A write emits
//! only when it answered 2xx. Authentication events follow upstream's plugins: the password
//! method (identity_api.authenticate's CADF wrapper, and the user-not-found case of
//! `BaseUserInfo`) and the federated protocol URL (`send_saml_audit_notification`).

use serde_json::{json, Value};

use super::audit::{self, Initiator, ACCOUNT_USER};
use crate::app::App;
use crate::http::request::{Method, Request};
use crate::http::response::Response;

/// Where an event's resource id comes from.
#[derive(Clone, Copy)]
enum Id {
    /// A path parameter of the route's pattern.
    Param(&'static str),
    /// A JSON pointer into the response body (created resources).
    Body(&'static str),
    /// A field of a form-encoded response body (OAuth1's token endpoints answer in a form).
    Form(&'static str),
}

/// One notification a successful request sends.
#[derive(Clone, Copy)]
enum Emit {
    /// `identity.<type>.<operation>` with the resource id (`Audit.created/updated/deleted`).
    Resource(&'static str, &'static str, Id),
    /// `Audit.added_to/removed_from` on a group (CADF: `identity.group.updated`; the basic
    /// format names the user as the actor).
    Membership(&'static str),
    /// `identity.role_assignment.<created|deleted>` from the grant's path.
    Assignment(&'static str),
}

use Emit::{Assignment as A, Membership as M, Resource as R};
use Id::{Body as B, Form as F, Param as P};
use Method::{Delete, Patch, Post, Put};

/// The notifications of each write route, in the order upstream sends them. Upstream's
/// `Audit.disabled` calls are all `public=False` (in-process callbacks only), so no route
/// sends `disabled`; identity providers, mappings, limits and domain configs send none.
#[rustfmt::skip]
const RULES: &[(Method, &str, &[Emit])] = &[
    (Post, "/v3/domains", &[R("domain", "created", B("/domain/id"))]),
    (Patch, "/v3/domains/{domain_id}", &[R("project", "updated", P("domain_id")), R("domain", "updated", P("domain_id"))]),
    // A domain is a project acting as a domain: upstream deletes (and notifies) both.
    (Delete, "/v3/domains/{domain_id}", &[R("project", "deleted", P("domain_id")), R("domain", "deleted", P("domain_id"))]),
    (Post, "/v3/projects", &[R("project", "created", B("/project/id"))]),
    (Patch, "/v3/projects/{project_id}", &[R("project", "updated", P("project_id"))]),
    (Delete, "/v3/projects/{project_id}", &[R("project", "deleted", P("project_id"))]),
    (Put, "/v3/projects/{project_id}/tags", &[R("project", "updated", P("project_id"))]),
    (Delete, "/v3/projects/{project_id}/tags", &[R("project", "updated", P("project_id"))]),
    (Put, "/v3/projects/{project_id}/tags/{value}", &[R("project", "updated", P("project_id")), R("project tag", "created", P("value"))]),
    (Delete, "/v3/projects/{project_id}/tags/{value}", &[R("project", "updated", P("project_id")), R("project tag", "deleted", P("value"))]),
    (Post, "/v3/users", &[R("user", "created", B("/user/id"))]),
    (Patch, "/v3/users/{user_id}", &[R("user", "updated", P("user_id"))]),
    (Delete, "/v3/users/{user_id}", &[R("user", "deleted", P("user_id"))]),
    (Post, "/v3/users/{user_id}/password", &[R("user", "updated", P("user_id"))]),
    (Post, "/v3/groups", &[R("group", "created", B("/group/id"))]),
    (Patch, "/v3/groups/{group_id}", &[R("group", "updated", P("group_id"))]),
    (Delete, "/v3/groups/{group_id}", &[R("group", "deleted", P("group_id"))]),
    (Put, "/v3/groups/{group_id}/users/{user_id}", &[M("added")]),
    (Delete, "/v3/groups/{group_id}/users/{user_id}", &[M("removed")]),
    (Post, "/v3/roles", &[R("role", "created", B("/role/id"))]),
    (Patch, "/v3/roles/{role_id}", &[R("role", "updated", P("role_id"))]),
    (Delete, "/v3/roles/{role_id}", &[R("role", "deleted", P("role_id"))]),
    (Put, "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", &[A("created")]),
    (Delete, "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", &[A("deleted")]),
    (Put, "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", &[A("created")]),
    (Delete, "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", &[A("deleted")]),
    (Put, "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", &[A("created")]),
    (Delete, "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", &[A("deleted")]),
    (Put, "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", &[A("created")]),
    (Delete, "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", &[A("deleted")]),
    (Put, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", &[A("created")]),
    (Delete, "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", &[A("deleted")]),
    (Put, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", &[A("created")]),
    (Delete, "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", &[A("deleted")]),
    (Put, "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", &[A("created")]),
    (Delete, "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", &[A("deleted")]),
    (Put, "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", &[A("created")]),
    (Delete, "/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", &[A("deleted")]),
    (Post, "/v3/policies", &[R("policy", "created", B("/policy/id"))]),
    (Patch, "/v3/policies/{policy_id}", &[R("policy", "updated", P("policy_id"))]),
    (Delete, "/v3/policies/{policy_id}", &[R("policy", "deleted", P("policy_id"))]),
    (Post, "/v3/regions", &[R("region", "created", B("/region/id"))]),
    (Put, "/v3/regions/{region_id}", &[R("region", "created", P("region_id"))]),
    (Patch, "/v3/regions/{region_id}", &[R("region", "updated", P("region_id"))]),
    (Delete, "/v3/regions/{region_id}", &[R("region", "deleted", P("region_id"))]),
    (Post, "/v3/services", &[R("service", "created", B("/service/id"))]),
    (Patch, "/v3/services/{service_id}", &[R("service", "updated", P("service_id"))]),
    (Delete, "/v3/services/{service_id}", &[R("service", "deleted", P("service_id"))]),
    (Post, "/v3/endpoints", &[R("endpoint", "created", B("/endpoint/id"))]),
    (Patch, "/v3/endpoints/{endpoint_id}", &[R("endpoint", "updated", P("endpoint_id"))]),
    (Delete, "/v3/endpoints/{endpoint_id}", &[R("endpoint", "deleted", P("endpoint_id"))]),
    // Upstream's credential manager notifies create and delete, not update.
    (Post, "/v3/credentials", &[R("credential", "created", B("/credential/id"))]),
    (Delete, "/v3/credentials/{credential_id}", &[R("credential", "deleted", P("credential_id"))]),
    (Post, "/v3/OS-TRUST/trusts", &[R("OS-TRUST:trust", "created", B("/trust/id"))]),
    (Delete, "/v3/OS-TRUST/trusts/{trust_id}", &[R("OS-TRUST:trust", "deleted", P("trust_id"))]),
    (Post, "/v3/users/{user_id}/application_credentials", &[R("application_credential", "created", B("/application_credential/id"))]),
    (Delete, "/v3/users/{user_id}/application_credentials/{application_credential_id}", &[R("application_credential", "deleted", P("application_credential_id"))]),
    (Delete, "/v3/users/{user_id}/access_rules/{access_rule_id}", &[R("access_rule", "deleted", P("access_rule_id"))]),
    (Post, "/v3/OS-OAUTH1/consumers", &[R("OS-OAUTH1:consumer", "created", B("/consumer/id"))]),
    (Patch, "/v3/OS-OAUTH1/consumers/{consumer_id}", &[R("OS-OAUTH1:consumer", "updated", P("consumer_id"))]),
    (Delete, "/v3/OS-OAUTH1/consumers/{consumer_id}", &[R("OS-OAUTH1:consumer", "deleted", P("consumer_id"))]),
    (Post, "/v3/OS-OAUTH1/request_token", &[R("OS-OAUTH1:request_token", "created", F("oauth_token"))]),
    (Post, "/v3/OS-OAUTH1/access_token", &[R("OS-OAUTH1:access_token", "created", F("oauth_token"))]),
    (Delete, "/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}", &[R("OS-OAUTH1:access_token", "deleted", P("access_token_id"))]),
    // v2.0's admin API ran on the same managers.
    (Post, "/v2.0/tenants", &[R("project", "created", B("/tenant/id"))]),
    (Put, "/v2.0/tenants/{tenant_id}", &[R("project", "updated", P("tenant_id"))]),
    (Post, "/v2.0/tenants/{tenant_id}", &[R("project", "updated", P("tenant_id"))]),
    (Delete, "/v2.0/tenants/{tenant_id}", &[R("project", "deleted", P("tenant_id"))]),
    (Put, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/{role_id}", &[A("created")]),
    (Delete, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/{role_id}", &[A("deleted")]),
    (Put, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}", &[A("created")]),
    (Delete, "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}", &[A("deleted")]),
    (Post, "/v2.0/users", &[R("user", "created", B("/user/id"))]),
    (Put, "/v2.0/users/{user_id}", &[R("user", "updated", P("user_id"))]),
    (Delete, "/v2.0/users/{user_id}", &[R("user", "deleted", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/enabled", &[R("user", "updated", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/OS-KSADM/enabled", &[R("user", "updated", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/password", &[R("user", "updated", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/OS-KSADM/password", &[R("user", "updated", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/tenant", &[R("user", "updated", P("user_id"))]),
    (Put, "/v2.0/users/{user_id}/OS-KSADM/tenant", &[R("user", "updated", P("user_id"))]),
    (Post, "/v2.0/OS-KSADM/roles", &[R("role", "created", B("/role/id"))]),
    (Delete, "/v2.0/OS-KSADM/roles/{role_id}", &[R("role", "deleted", P("role_id"))]),
    (Post, "/v2.0/OS-KSADM/services", &[R("service", "created", B("/OS-KSADM:service/id"))]),
    (Delete, "/v2.0/OS-KSADM/services/{service_id}", &[R("service", "deleted", P("service_id"))]),
    (Post, "/v2.0/endpoints", &[R("endpoint", "created", B("/endpoint/id"))]),
    (Delete, "/v2.0/endpoints/{endpoint_id}", &[R("endpoint", "deleted", P("endpoint_id"))]),
    // Huawei IAM's routes on the same identities send the same events; its own objects
    // (access keys, agencies) are named as Huawei's trace service names them.
    (Post, "/v3.0/OS-USER/users", &[R("user", "created", B("/user/id"))]),
    (Put, "/v3.0/OS-USER/users/{user_id}", &[R("user", "updated", P("user_id"))]),
    (Put, "/v3.0/OS-USER/users/{user_id}/info", &[R("user", "updated", P("user_id"))]),
    (Post, "/v3.0/OS-CREDENTIAL/credentials", &[R("credential", "created", B("/credential/access"))]),
    (Put, "/v3.0/OS-CREDENTIAL/credentials/{access_key}", &[R("credential", "updated", P("access_key"))]),
    (Delete, "/v3.0/OS-CREDENTIAL/credentials/{access_key}", &[R("credential", "deleted", P("access_key"))]),
    (Post, "/v3.0/OS-ROLE/roles", &[R("role", "created", B("/role/id"))]),
    (Patch, "/v3.0/OS-ROLE/roles/{role_id}", &[R("role", "updated", P("role_id"))]),
    (Delete, "/v3.0/OS-ROLE/roles/{role_id}", &[R("role", "deleted", P("role_id"))]),
    (Post, "/v3.0/OS-AGENCY/agencies", &[R("agency", "created", B("/agency/id"))]),
    (Put, "/v3.0/OS-AGENCY/agencies/{agency_id}", &[R("agency", "updated", P("agency_id"))]),
    (Delete, "/v3.0/OS-AGENCY/agencies/{agency_id}", &[R("agency", "deleted", P("agency_id"))]),
];

/// upstream's CADF_TYPE_MAP (pycadf taxonomy); other types are "unknown".
const CADF_TYPES: &[(&str, &str)] = &[
    ("group", "data/security/group"),
    ("project", "data/security/project"),
    ("role", "data/security/role"),
    ("user", "data/security/account/user"),
    ("domain", "data/security/domain"),
    ("region", "data/security/region"),
    ("endpoint", "data/security/endpoint"),
    ("service", "data/security/service"),
    ("policy", "data/security/policy"),
    ("OS-TRUST:trust", "data/security/trust"),
    ("OS-OAUTH1:access_token", "data/security/credential"),
    ("OS-OAUTH1:request_token", "data/security/credential"),
    ("OS-OAUTH1:consumer", "data/security/account"),
    ("application_credential", "data/security/credential"),
    // Huawei IAM's access keys and agencies (its own objects).
    ("credential", "data/security/credential"),
    ("agency", "data/security/account"),
];

/// What one answered request tells the audit sink.
pub struct Answered<'a> {
    pub req: &'a Request,
    pub route: Option<&'static str>,
    pub response: &'a Response,
    pub request_id: &'a str,
}

/// Emits the events of an answered request (nothing when `[audit] file` is unset).
pub fn observe(app: &App, a: &Answered) {
    let Some(pattern) = a.route else {
        return;
    };
    if !app.audit.enabled() {
        return;
    }
    let ok = (200..300).contains(&a.response.status);
    if is_auth_route(a.req.method, pattern) {
        super::audit_auth::observe(app, a, pattern);
        return;
    }
    if !ok {
        return;
    }
    let Some((_, _, emits)) = RULES
        .iter()
        .find(|(m, p, _)| *m == a.req.method && *p == pattern)
    else {
        return;
    };
    let params = path_params(pattern, &a.req.segments);
    // A cascade's children first, as upstream deletes (and notifies) them before the parent.
    for (kind, id) in a.req.cascade.borrow().iter() {
        resource_event(app, a, kind, "deleted", id, None);
    }
    for emit in *emits {
        send(app, a, &params, *emit);
    }
}

/// `field` of a form-encoded body (`oauth_token=...&oauth_token_secret=...`); the secret is
/// never read.
fn form_field(body: &[u8], field: &str) -> Option<String> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == field))
        .map(|(_, v)| crate::http::request::percent_decode(v))
}

fn is_auth_route(method: Method, pattern: &str) -> bool {
    matches!(pattern, "/v3/auth/tokens" | "/v2.0/tokens") && method == Post
        || pattern.ends_with("/protocols/{protocol_id}/auth")
}

fn send(app: &App, a: &Answered, params: &[(&str, String)], emit: Emit) {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let now = app.clock.now();
    match emit {
        R(kind, op, id) => {
            let id = match id {
                P(name) => param(name),
                B(pointer) => serde_json::from_slice::<Value>(&a.response.body)
                    .ok()
                    .and_then(|b| {
                        b.pointer(pointer)
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    }),
                F(field) => form_field(&a.response.body, field),
            };
            // POST /v3/projects with is_domain creates a domain, and upstream says so.
            let kind = if kind == "project" && op == "created" && created_domain(a) {
                "domain"
            } else {
                kind
            };
            if let Some(id) = id {
                resource_event(app, a, kind, op, &id, None);
            }
        }
        M(operation) => {
            if let (Some(group), Some(user)) = (param("group_id"), param("user_id")) {
                resource_event(app, a, "group", "updated", &group, Some((&user, operation)));
            }
        }
        A(op) => {
            let event_type = format!("identity.role_assignment.{op}");
            if app.audit.opted_out(&event_type, Some("success")) {
                return;
            }
            let mut extra = Vec::new();
            if let Some(p) = param("project_id").or_else(|| param("tenant_id")) {
                extra.push(("project", json!(p)));
            } else if let Some(d) = param("domain_id") {
                extra.push(("domain", json!(d)));
            }
            if let Some(u) = param("user_id") {
                extra.push(("user", json!(u)));
            } else if let Some(g) = param("group_id") {
                extra.push(("group", json!(g)));
            }
            let inherited = a
                .route
                .is_some_and(|p| p.ends_with("/inherited_to_projects"));
            extra.push(("inherited_to_projects", json!(inherited)));
            extra.push(("role", json!(param("role_id"))));
            let payload = audit::cadf_event(
                &format!("{op}.role_assignment"),
                "success",
                observer_id(app).as_deref(),
                caller(app, a).to_value(),
                audit::target(ACCOUNT_USER, None),
                extra,
                now,
            );
            app.audit.emit(&event_type, payload, now);
        }
    }
}

fn created_domain(a: &Answered) -> bool {
    serde_json::from_slice::<Value>(&a.response.body)
        .ok()
        .and_then(|b| b.pointer("/project/is_domain").and_then(Value::as_bool))
        .unwrap_or(false)
}

/// `Audit._emit`: the basic payload (`_send_notification`) or the CADF event
/// (`_create_cadf_payload`), by `notification_format`.
fn resource_event(
    app: &App,
    a: &Answered,
    kind: &str,
    op: &str,
    id: &str,
    actor: Option<(&str, &str)>,
) {
    let event_type = format!("identity.{kind}.{op}");
    let now = app.clock.now();
    if app.audit.basic_format() {
        if app.audit.opted_out(&event_type, None) {
            return;
        }
        let mut payload = serde_json::Map::new();
        payload.insert("resource_info".into(), json!(id));
        if let Some((user, operation)) = actor {
            payload.insert("actor_id".into(), json!(user));
            payload.insert("actor_type".into(), json!("user"));
            payload.insert("actor_operation".into(), json!(operation));
        }
        payload.insert("request_id".into(), json!(a.request_id));
        app.audit.emit(&event_type, Value::Object(payload), now);
        return;
    }
    if app.audit.opted_out(&event_type, Some("success")) {
        return;
    }
    let type_uri = CADF_TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("unknown", |(_, t)| t);
    let payload = audit::cadf_event(
        &format!("{op}.{kind}"),
        "success",
        observer_id(app).as_deref(),
        caller(app, a).to_value(),
        audit::target(type_uri, Some(id)),
        vec![("resource_info", json!(id))],
        now,
    );
    app.audit.emit(&event_type, payload, now);
}

/// The authenticated caller of a write (`build_audit_initiator`), named from the store.
fn caller(app: &App, a: &Answered) -> Initiator {
    let context = a.req.caller.get();
    let mut initiator = request_initiator(a);
    if let Some(c) = context {
        initiator.user_id = Some(c.user.id.clone());
        initiator.project_id = c.project_id().map(str::to_string);
        initiator.domain_id = c.domain_id().map(str::to_string);
        initiator.name = user_name(app, &c.user.id);
    }
    initiator
}

/// An initiator with only the request's facts (address, agent, request id).
pub fn request_initiator(a: &Answered) -> Initiator {
    Initiator {
        user_id: None,
        project_id: None,
        domain_id: None,
        request_id: a.request_id.to_string(),
        name: None,
        address: a.req.remote_addr.map(|ip| ip.to_string()),
        agent: a.req.header("user-agent").map(str::to_string),
    }
}

/// The user's current name (`_add_username_to_initiator`); None once deleted.
pub fn user_name(app: &App, user_id: &str) -> Option<String> {
    app.store
        .read(|r| crate::store::identity::get_user(r, user_id))
        .ok()
        .flatten()
        .map(|u| u.name)
}

/// The catalog's identity service: the CADF observer's id.
pub fn observer_id(app: &App) -> Option<String> {
    let services = app.store.read(crate::store::catalog::list_services).ok()?;
    services
        .into_iter()
        .find(|s| s.service_type == "identity")
        .map(|s| s.id)
}

/// The values of the pattern's `{name}` segments in the decoded path (a v2.0 format suffix
/// on the last one is dropped, as the router matched without it).
fn path_params(pattern: &'static str, segments: &[String]) -> Vec<(&'static str, String)> {
    let names: Vec<&'static str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let last = names.len().saturating_sub(1);
    names
        .iter()
        .zip(segments)
        .enumerate()
        .filter_map(|(i, (n, v))| {
            let name = n.strip_prefix('{')?.strip_suffix('}')?;
            let mut value = v.as_str();
            if i == last && pattern.starts_with("/v2.0") {
                value = value.trim_end_matches(".json").trim_end_matches(".xml");
            }
            Some((name, value.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth1_token_ids_come_from_the_form_answer() {
        let body = b"oauth_token=abc%2Bd&oauth_token_secret=s3cr3t&oauth_expires_at=x";
        assert_eq!(form_field(body, "oauth_token").as_deref(), Some("abc+d"));
        assert_eq!(form_field(b"nothing", "oauth_token"), None);
    }

    #[test]
    fn every_rule_is_a_route() {
        let routes = crate::http::routes::Routes::new(crate::http::table::table());
        for (method, pattern, _) in RULES {
            assert!(
                routes
                    .all()
                    .any(|r| r.method == *method && r.pattern == *pattern),
                "{} {pattern} is not in the route table",
                method.as_str()
            );
        }
    }

    #[test]
    fn params_from_the_path() {
        let segs: Vec<String> = ["v3", "projects", "p1", "users", "u1", "roles", "r1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = path_params(
            "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
            &segs,
        );
        assert_eq!(
            p,
            vec![
                ("project_id", "p1".to_string()),
                ("user_id", "u1".to_string()),
                ("role_id", "r1".to_string())
            ]
        );
    }
}
