//! Version discovery (`GET /`, `GET /v3`) and JSON Home. The JSON Home document is upstream's
//! list of relations, kept as data in json_home.json (hrefs relative to /v3).

use serde_json::{json, Value};

use crate::app::App;
use crate::error::Result;
use crate::http::request::Request;
use crate::http::response::{to_python_json, Response};
use crate::http::routes::Params;

const JSON_HOME_V3: &str = include_str!("json_home.json");

fn v3_version(app: &App) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/v3/", app.public_url)}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

fn wants_json_home(req: &Request) -> bool {
    req.header("accept").is_some_and(|a| {
        a.split(',')
            .any(|t| t.trim().starts_with("application/json-home"))
    })
}

/// The JSON Home document; `prefix` is prepended to every href ("" under /v3, "/v3" at /).
fn json_home(prefix: &str) -> Result<Response> {
    let mut doc: Value = serde_json::from_str(JSON_HOME_V3)?;
    if !prefix.is_empty() {
        if let Some(resources) = doc.get_mut("resources").and_then(Value::as_object_mut) {
            for resource in resources.values_mut() {
                for key in ["href", "href-template"] {
                    if let Some(Value::String(href)) = resource.get_mut(key) {
                        *href = format!("{prefix}{href}");
                    }
                }
            }
        }
    }
    let mut response = Response::raw_json(200, to_python_json(&doc));
    response.headers = vec![("Content-Type", "application/json-home".to_string())];
    Ok(response)
}

/// GET / : 300 Multiple Choices listing the versions.
pub fn versions(app: &App, req: &Request, _: &Params) -> Result<Response> {
    if wants_json_home(req) {
        return json_home("/v3");
    }
    let body = json!({"versions": {"values": [v3_version(app), super::v2::version_v2(app)]}});
    Ok(Response::json_unterminated(300, &body)
        .with_header("Location", format!("{}/v3/", app.public_url)))
}

/// GET /v3
pub fn version_v3(app: &App, req: &Request, _: &Params) -> Result<Response> {
    if wants_json_home(req) {
        return json_home("");
    }
    Ok(Response::json_unterminated(
        200,
        &json!({"version": v3_version(app)}),
    ))
}
