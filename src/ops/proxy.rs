//! Trusted proxy headers, as oslo.middleware's HTTPProxyToWSGI reads them when
//! `[oslo_middleware] enable_proxy_headers_parsing` is on: `Forwarded` (RFC 7239, the first
//! proxy's `proto`, `host`, `for`) or else `X-Forwarded-Proto`/`-Host`/`-For`, and
//! `X-Forwarded-Prefix`. Upstream builds its links from the request's scheme and host unless
//! `public_endpoint` is set; ours come from `App.public_url`, so a forwarded request has that
//! base replaced by the forwarded one in its answer (body, `Location`, `WWW-Authenticate`).
//! With `public_endpoint`/`--public-url` set, as upstream, the configured URL wins.

use crate::app::App;
use crate::http::request::Request;
use crate::http::response::Response;

/// What the proxy said about the original request.
#[derive(Debug, Default, PartialEq)]
pub struct Forwarded {
    pub proto: Option<String>,
    pub host: Option<String>,
    pub for_addr: Option<String>,
    pub prefix: Option<String>,
}

/// The forwarded facts of a request (None when parsing is off or nothing is forwarded).
pub fn forwarded(app: &App, req: &Request) -> Option<Forwarded> {
    if !app.config.ops.proxy_headers {
        return None;
    }
    let mut f = Forwarded::default();
    if let Some(header) = req.header("forwarded").filter(|h| !h.is_empty()) {
        // The first proxy's entry, as upstream: the one closest to the client.
        let first = header.split(',').next().unwrap_or("");
        for pair in first.split(';') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            match key.trim().to_ascii_lowercase().as_str() {
                "proto" => f.proto = Some(value),
                "host" => f.host = Some(value),
                "for" => f.for_addr = Some(value),
                _ => {}
            }
        }
    } else {
        let get = |name| {
            req.header(name)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        f.proto = get("x-forwarded-proto");
        f.host = get("x-forwarded-host");
        f.for_addr = get("x-forwarded-for");
    }
    f.prefix = req
        .header("x-forwarded-prefix")
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    (f != Forwarded::default()).then_some(f)
}

/// The client's address a proxy reports (`for`), when it is a plain IP address.
pub fn client_addr(f: &Forwarded) -> Option<std::net::IpAddr> {
    let v = f.for_addr.as_deref()?.trim_matches('"');
    let v = v.trim_start_matches('[').split(']').next().unwrap_or(v);
    v.parse().ok()
}

/// The base URL (no /v3) a client behind the proxy used: wsgiref's application_uri with
/// the forwarded scheme and host, the standard port dropped, as upstream's `base_url`.
pub fn base_url(app: &App, req: &Request, f: &Forwarded) -> String {
    let (own_scheme, own_host) = app
        .public_url
        .split_once("://")
        .map(|(s, rest)| (s, rest.split('/').next().unwrap_or(rest)))
        .unwrap_or(("http", ""));
    let scheme = f
        .proto
        .as_deref()
        .unwrap_or(own_scheme)
        .to_ascii_lowercase();
    let host = f.host.as_deref().or(req.header("host")).unwrap_or(own_host);
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("http", Some((h, "80"))) | ("https", Some((h, "443"))) => h,
        _ => host,
    };
    let prefix = f.prefix.as_deref().unwrap_or("").trim_end_matches('/');
    format!("{scheme}://{host}{prefix}")
}

/// The answer with our public URL replaced by the one the client used.
pub fn rewrite(app: &App, req: &Request, f: &Forwarded, mut response: Response) -> Response {
    if app.config.public_url.is_some() {
        return response;
    }
    let base = base_url(app, req, f);
    if base == app.public_url {
        return response;
    }
    response.body = replace(&response.body, app.public_url.as_bytes(), base.as_bytes());
    for (name, value) in &mut response.headers {
        if matches!(*name, "Location" | "WWW-Authenticate") {
            *value = value.replace(&app.public_url, &base);
        }
    }
    response
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if !from.is_empty() && haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}
