//! OS-REVOKE: GET /v3/OS-REVOKE/events[?since=ISO8601], the revocation events services use
//! to invalidate cached tokens. Upstream: keystone/api/os_revoke.py, models/revoke_model.py.
//! Authentication and policy run in the route table (src/http/table.rs).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::model::RevokeEvent;

/// An event as upstream's RevokeEvent.to_dict: set fields only, in its order.
pub fn render_event(e: &RevokeEvent) -> Value {
    let mut out = Map::new();
    for (key, value) in [
        ("user_id", &e.user_id),
        ("domain_id", &e.domain_id),
        ("project_id", &e.project_id),
        ("audit_id", &e.audit_id),
    ] {
        if let Some(v) = value {
            out.insert(key.into(), json!(v));
        }
    }
    if let Some(t) = &e.trust_id {
        out.insert("OS-TRUST:trust_id".into(), json!(t));
    }
    out.insert(
        "issued_before".into(),
        json!(crate::token::format_time(e.issued_before as f64)),
    );
    out.insert(
        "revoked_at".into(),
        json!(crate::token::format_time(e.revoked_at as f64)),
    );
    Value::Object(out)
}

/// The events recorded after `since` (Unix seconds), oldest first.
pub fn events_since(events: &[RevokeEvent], since: Option<f64>) -> Vec<&RevokeEvent> {
    let mut out: Vec<&RevokeEvent> = events
        .iter()
        .filter(|e| since.is_none_or(|s| e.revoked_at as f64 > s))
        .collect();
    out.sort_by_key(|e| e.revoked_at);
    out
}

/// GET /v3/OS-REVOKE/events
pub fn list_events(app: &App, req: &Request, _: &Params, _: Granted) -> Result<Response> {
    let since = match req.query("since").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            crate::token::parse_time(s)
                .ok_or_else(|| Error::Validation(format!("invalidate date format {s}")))?,
        ),
        None => None,
    };
    let all = app.store.revocations();
    let events: Vec<Value> = events_since(&all, since)
        .into_iter()
        .map(render_event)
        .collect();
    Ok(Response::ok(&json!({
        "events": events,
        "links": {"next": null, "self": format!("{}/v3/OS-REVOKE/events", app.public_url),
                  "previous": null},
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_render_and_filter_as_upstream() {
        let trust = RevokeEvent {
            trust_id: Some("t1".into()),
            issued_before: 1795467641,
            revoked_at: 1795467641,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&render_event(&trust)).unwrap(),
            r#"{"OS-TRUST:trust_id":"t1","issued_before":"2026-11-23T21:00:41.000000Z","revoked_at":"2026-11-23T21:00:41.000000Z"}"#
        );
        let older = RevokeEvent {
            audit_id: Some("a".into()),
            issued_before: 100,
            revoked_at: 100,
            ..Default::default()
        };
        let all = vec![trust.clone(), older.clone()];
        assert_eq!(events_since(&all, None), vec![&older, &trust]);
        assert_eq!(events_since(&all, Some(100.0)), vec![&trust]);
    }
}
