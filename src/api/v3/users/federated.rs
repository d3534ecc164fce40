//! A user's `federated` attribute (3.14): set on create and update, rendered on the single
//! user views when it has any, and the `idp_id`/`protocol_id`/`unique_id` list filters
//! (upstream identity/core.py and shadow_backends/sql.py `get_federated_objects`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::model::FederatedIdentity;
use crate::store::{shadow, tables::FEDERATED_IDENTITIES, Reader};

/// Upstream's `get_federated_objects`: grouped by identity provider, in stored order.
fn grouped(identities: &[FederatedIdentity]) -> Vec<Value> {
    let mut out: Vec<(String, Vec<Value>)> = Vec::new();
    for i in identities {
        let protocol = json!({"protocol_id": i.protocol_id, "unique_id": i.unique_id});
        match out.iter_mut().find(|(idp, _)| *idp == i.idp_id) {
            Some((_, protocols)) => protocols.push(protocol),
            None => out.push((i.idp_id.clone(), vec![protocol])),
        }
    }
    out.into_iter()
        .map(|(idp_id, protocols)| json!({"idp_id": idp_id, "protocols": protocols}))
        .collect()
}

/// `user` (a rendered user) with `federated` before `links` when the user has identities.
pub fn with_federated(app: &App, user_id: &str, user: &Value) -> Result<Value> {
    let identities = app.store.read(|r| shadow::identities_of_user(r, user_id))?;
    let Value::Object(fields) = user else {
        return Ok(user.clone());
    };
    if identities.is_empty() {
        return Ok(user.clone());
    }
    let mut out = Map::new();
    for (k, v) in fields {
        if k == "links" {
            out.insert("federated".into(), Value::Array(grouped(&identities)));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(Value::Object(out))
}

/// The users the query's federated filters select, or None when it has none.
pub fn filtered_user_ids(app: &App, req: &Request) -> Result<Option<BTreeSet<String>>> {
    let wanted = |name: &str| {
        req.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (idp, protocol, unique) = (wanted("idp_id"), wanted("protocol_id"), wanted("unique_id"));
    if idp.is_none() && protocol.is_none() && unique.is_none() {
        return Ok(None);
    }
    let all: Vec<FederatedIdentity> = app.store.read(|r| r.list(FEDERATED_IDENTITIES))?;
    let matches = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    Ok(Some(
        all.into_iter()
            .filter(|i| {
                matches(&idp, &i.idp_id)
                    && matches(&protocol, &i.protocol_id)
                    && matches(&unique, &i.unique_id)
            })
            .map(|i| i.user_id)
            .collect(),
    ))
}
