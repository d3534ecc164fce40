//! `identity.authenticate` events, read from an answered token request as upstream sends
//! them: the password method through `identity_api.authenticate`'s CADF wrapper (success,
//! or failure for a known user), the user-not-found failure `BaseUserInfo` sends with a
//! reason, and the federated protocol URL's `send_saml_audit_notification`. Other methods
//! (token, application credential, TOTP) send none upstream, so none here.

use serde_json::{json, Map, Value};

use super::audit::{self, ACCOUNT_USER};
use super::audit_events::{observer_id, request_initiator, user_name, Answered};
use crate::app::App;
use crate::store::{identity, resource};

const EVENT: &str = "identity.authenticate";
/// pycadf's mask of the absent token id ("unknown") in a federated credential.
const MASKED_UNKNOWN: &str = "u xxxxxxxx n";
const SAML_AUDIT_TYPE: &str = "http://docs.oasis-open.org/security/saml/v2.0";

pub fn observe(app: &App, a: &Answered, pattern: &str) {
    let status = a.response.status;
    if pattern.ends_with("/protocols/{protocol_id}/auth") {
        return federated(app, a, status);
    }
    let body: Value = serde_json::from_slice(&a.req.body).unwrap_or_default();
    let v2 = pattern.starts_with("/v2.0");
    let user = if v2 {
        body.pointer("/auth/passwordCredentials").cloned()
    } else {
        let uses_password = body
            .pointer("/auth/identity/methods")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|m| m == "password"));
        body.pointer("/auth/identity/password/user")
            .filter(|_| uses_password)
            .cloned()
    };
    let Some(user) = user else {
        return;
    };
    let success = (200..300).contains(&status);
    if success {
        let answered: Value = serde_json::from_slice(&a.response.body).unwrap_or_default();
        let pointer = if v2 {
            "/access/user/id"
        } else {
            "/token/user/id"
        };
        if let Some(id) = answered.pointer(pointer).and_then(Value::as_str) {
            send(app, a, "success", known_user(app, a, id), None);
        }
        return;
    }
    // Validation errors (400) and refusals before a user is looked up send nothing.
    if status != 401 {
        return;
    }
    match resolve(app, &user, v2) {
        Resolved::User(id) => send(app, a, "failure", known_user(app, a, &id), None),
        Resolved::NotFound(initiator, reason) => send(app, a, "failure", initiator, Some(reason)),
        Resolved::Unknown => {}
    }
}

enum Resolved {
    User(String),
    /// The initiator and reason upstream sends for a user it could not find.
    NotFound(Map<String, Value>, Value),
    /// The domain itself was not found, or nothing named a user: upstream sends nothing.
    Unknown,
}

/// The user a failed password authentication named (v3: id, or name in a domain by id or
/// name; v2.0: `userId` or `username` in the default domain).
fn resolve(app: &App, user: &Value, v2: bool) -> Resolved {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (id, name) = if v2 {
        (s(user, "userId"), s(user, "username"))
    } else {
        (s(user, "id"), s(user, "name"))
    };
    let domain = if v2 {
        Some(json!({"id": crate::api::v2::DEFAULT_DOMAIN}))
    } else {
        user.get("domain").cloned()
    };
    let found = app
        .store
        .read(|r| -> Result<_, crate::store::error::StoreError> {
            if let Some(name) = &name {
                let Some(d) = domain.as_ref() else {
                    return Ok(None);
                };
                let dom = match (s(d, "id"), s(d, "name")) {
                    (Some(id), _) => resource::get_domain(r, &id)?,
                    (None, Some(n)) => resource::find_domain_by_name(r, &n)?,
                    _ => None,
                };
                let Some(dom) = dom else {
                    return Ok(None);
                };
                let user = identity::find_user_by_name(r, &dom.id, name)?;
                Ok(Some((user.map(|u| u.id), Some(dom))))
            } else if let Some(id) = &id {
                Ok(Some((identity::get_user(r, id)?.map(|u| u.id), None)))
            } else {
                Ok(None)
            }
        });
    match found {
        Ok(Some((Some(user_id), _))) => Resolved::User(user_id),
        Ok(Some((None, dom))) => {
            let mut a = Map::new();
            let who = name.clone().or(id.clone()).unwrap_or_default();
            if let Some(n) = name {
                a.insert("user_name".into(), json!(n));
            } else if let Some(i) = id {
                a.insert("user_id".into(), json!(i));
            }
            if let Some(d) = dom {
                a.insert("domain_id".into(), json!(d.id));
                a.insert("domain_name".into(), json!(d.name));
            }
            let reason = json!({
                "reasonType": format!("Could not find user: {who}."),
                "reasonCode": "404",
            });
            Resolved::NotFound(a, reason)
        }
        _ => Resolved::Unknown,
    }
}

/// The initiator of an authentication of a known user.
fn known_user(app: &App, a: &Answered, user_id: &str) -> Map<String, Value> {
    let mut initiator = request_initiator(a);
    initiator.user_id = Some(user_id.to_string());
    initiator.name = user_name(app, user_id);
    initiator.authenticating()
}

fn send(
    app: &App,
    a: &Answered,
    outcome: &str,
    mut initiator: Map<String, Value>,
    reason: Option<Value>,
) {
    if app.audit.opted_out(EVENT, Some(outcome)) {
        return;
    }
    // A not-found initiator carries only the request's facts, then what the request named.
    if !initiator.contains_key("id") {
        let mut head = request_initiator(a).authenticating();
        head.append(&mut initiator);
        initiator = head;
    }
    let extra = reason.map(|r| vec![("reason", r)]).unwrap_or_default();
    let now = app.clock.now();
    let payload = audit::cadf_event(
        "authenticate",
        outcome,
        observer_id(app).as_deref(),
        Value::Object(initiator),
        audit::target(ACCOUNT_USER, None),
        extra,
        now,
    );
    app.audit.emit(EVENT, payload, now);
}

/// `send_saml_audit_notification`: the unauthenticated initiator with a federated
/// credential (the ephemeral user and its mapped groups when the mapping succeeded).
fn federated(app: &App, a: &Answered, status: u16) {
    let success = (200..300).contains(&status);
    // An unknown (404) or disabled (403) identity provider is refused before the mapping
    // runs, where upstream sends nothing; a failed mapping or assertion is 401.
    if !success && status != 401 {
        return;
    }
    let outcome = if success { "success" } else { "failure" };
    if app.audit.opted_out(EVENT, Some(outcome)) {
        return;
    }
    let param = |i: usize| a.req.segments.get(i).cloned().unwrap_or_default();
    // /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth
    let idp = param(3);
    let body: Value = if success {
        serde_json::from_slice(&a.response.body).unwrap_or_default()
    } else {
        Value::Null
    };
    let fed = body.pointer("/token/user/OS-FEDERATION");
    let user = fed
        .and(body.pointer("/token/user/id"))
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let groups: Vec<Value> = fed
        .and_then(|f| f.get("groups"))
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(|g| g.get("id").cloned()).collect())
        .unwrap_or_default();
    let mut initiator = request_initiator(a).authenticating();
    initiator.insert(
        "credential".into(),
        json!({
            "token": MASKED_UNKNOWN,
            "type": SAML_AUDIT_TYPE,
            "identity_provider": idp,
            "user": user,
            "groups": groups,
        }),
    );
    let now = app.clock.now();
    let payload = audit::cadf_event(
        "authenticate",
        outcome,
        observer_id(app).as_deref(),
        Value::Object(initiator),
        audit::target(ACCOUNT_USER, None),
        vec![],
        now,
    );
    app.audit.emit(EVENT, payload, now);
}
