//! `/healthcheck` as upstream Keystone mounts oslo.middleware's Healthcheck app on it (any
//! method, any path below it, no auth): GET 200 with the reasons as text/plain (empty with no
//! backends, upstream's default), HEAD 204, `Accept: application/json` the JSON document and
//! `text/html` the HTML table (same bytes as oslo.middleware 8.2's templates), 503 with
//! "DISABLED BY FILE" while `[healthcheck] disable_by_file_path` exists and the
//! `disable_by_file` backend is on. Beyond upstream: while writes fail on I/O (a full disk;
//! until a write commits again) a "STORE UNAVAILABLE" reason makes the answer 503.

use crate::app::App;
use crate::http::request::{Method, Request};
use crate::http::response::Response;

/// One backend's verdict (oslo.middleware's HealthcheckResult).
struct Check {
    available: bool,
    reason: &'static str,
}

/// Whether a request is for the healthcheck app (the dispatcher mounts it on the prefix).
pub fn is_healthcheck(segments: &[String]) -> bool {
    segments.first().is_some_and(|s| s == "healthcheck")
}

pub fn answer(app: &App, req: &Request) -> Response {
    let checks = run_checks(app);
    let healthy = checks.iter().all(|c| c.available);
    if req.method == Method::Head {
        return if healthy {
            Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            }
        } else {
            text(503, "text/plain; charset=UTF-8", Vec::new())
        };
    }
    let status = if healthy { 200 } else { 503 };
    let reasons: Vec<&str> = checks.iter().map(|c| c.reason).collect();
    match negotiate(req.header("accept")) {
        Offer::Html => text(
            status,
            "text/html; charset=UTF-8",
            html(&reasons).into_bytes(),
        ),
        Offer::Json => text(status, "application/json", json(&reasons)),
        Offer::Plain => text(
            status,
            "text/plain; charset=UTF-8",
            reasons.join("\n").into_bytes(),
        ),
    }
}

fn run_checks(app: &App) -> Vec<Check> {
    let ops = &app.config.ops;
    let mut checks = Vec::new();
    if ops
        .healthcheck_backends
        .iter()
        .any(|b| b == "disable_by_file")
    {
        let disabled = ops
            .disable_by_file_path
            .as_ref()
            .is_some_and(|path| path.exists());
        checks.push(if disabled {
            Check {
                available: false,
                reason: "DISABLED BY FILE",
            }
        } else {
            Check {
                available: true,
                reason: "OK",
            }
        });
    }
    if app.store.writes_failing() {
        checks.push(Check {
            available: false,
            reason: "STORE UNAVAILABLE",
        });
    }
    checks
}

fn text(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    Response {
        status,
        headers: vec![("Content-Type", content_type.to_string())],
        body,
    }
}

/// `json.dumps({"detailed": False, "reasons": [...]}, indent=4, sort_keys=True)`.
fn json(reasons: &[&str]) -> Vec<u8> {
    use serde::Serialize;
    let value = serde_json::json!({"detailed": false, "reasons": reasons});
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    if value.serialize(&mut ser).is_err() {
        return b"{}".to_vec();
    }
    out
}

/// oslo.middleware's HTML template rendered without details.
fn html(reasons: &[&str]) -> String {
    let mut rows = String::new();
    for reason in reasons {
        rows.push_str(&format!("<TR>\n\n    <TD>{}</TD>\n\n</TR>", escape(reason)));
    }
    format!(
        "<HTML>\n<HEAD><TITLE>Healthcheck Status</TITLE></HEAD>\n<BODY>\n\n\
         <H2>Result of {} checks:</H2>\n<TABLE bgcolor=\"#ffffff\" border=\"1\">\n<TBODY>\n\
         <TR>\n\n<TH>\nReason\n</TH>\n</TR>\n{rows}\n</TBODY>\n</TABLE>\n<HR></HR>\n\n\
         </BODY>\n</HTML>",
        reasons.len()
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Offer {
    Plain,
    Html,
    Json,
}

/// webob's `acceptable_offers` over (text/plain, text/html, application/json): the offer with
/// the highest quality, ties in that order; text/plain when none is acceptable or no header.
fn negotiate(accept: Option<&str>) -> Offer {
    const OFFERS: [(Offer, &str, &str); 3] = [
        (Offer::Plain, "text", "plain"),
        (Offer::Html, "text", "html"),
        (Offer::Json, "application", "json"),
    ];
    let Some(accept) = accept else {
        return Offer::Plain;
    };
    let ranges: Vec<(String, String, f32)> = accept.split(',').filter_map(parse_range).collect();
    let mut best: Option<(Offer, f32)> = None;
    for (offer, kind, sub) in OFFERS {
        // The most specific matching range gives the offer its quality.
        let q = ranges
            .iter()
            .filter(|(t, s, _)| (t == "*" || t == kind) && (s == "*" || s == sub))
            .max_by_key(|(t, s, _)| (t != "*") as u8 + (s != "*") as u8)
            .map(|(_, _, q)| *q)
            .unwrap_or(0.0);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((offer, q));
        }
    }
    best.map_or(Offer::Plain, |(offer, _)| offer)
}

/// `type/subtype;q=0.5` → ("type", "subtype", 0.5), lower-cased.
fn parse_range(range: &str) -> Option<(String, String, f32)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    let (kind, sub) = media.split_once('/')?;
    let mut q = 1.0;
    for param in parts {
        if let Some((k, v)) = param.split_once('=') {
            if k.trim().eq_ignore_ascii_case("q") {
                q = v.trim().parse().unwrap_or(1.0);
            }
        }
    }
    Some((kind.to_string(), sub.to_string(), q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_as_webob_does() {
        assert_eq!(negotiate(None), Offer::Plain);
        assert_eq!(negotiate(Some("application/json")), Offer::Json);
        assert_eq!(negotiate(Some("text/html")), Offer::Html);
        assert_eq!(negotiate(Some("*/*")), Offer::Plain);
        assert_eq!(negotiate(Some("application/xml")), Offer::Plain);
        assert_eq!(
            negotiate(Some("application/json;q=0.5, text/html")),
            Offer::Html
        );
        assert_eq!(
            negotiate(Some("text/*;q=0.1, application/json")),
            Offer::Json
        );
    }

    #[test]
    fn bodies_match_oslo_middleware() {
        assert_eq!(
            String::from_utf8(json(&[])).unwrap(),
            "{\n    \"detailed\": false,\n    \"reasons\": []\n}"
        );
        assert_eq!(
            String::from_utf8(json(&["OK"])).unwrap(),
            "{\n    \"detailed\": false,\n    \"reasons\": [\n        \"OK\"\n    ]\n}"
        );
        assert_eq!(html(&[]).len(), 211);
        assert_eq!(html(&["OK"]).len(), 239);
        assert_eq!(html(&["DISABLED BY FILE"]).len(), 253);
    }
}
