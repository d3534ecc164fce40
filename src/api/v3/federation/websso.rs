//! WebSSO (upstream keystone/api/auth.py `AuthFederationWebSSOResource` and
//! `AuthFederationWebSSOIDPsResource`, both unenforced, GET and POST): a dashboard sends the
//! browser to `/v3/auth/OS-FEDERATION/websso/{protocol_id}?origin=...` or
//! `/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso?origin=...`
//! and gets back a page that posts an unscoped federated token to `origin`.
//!
//! Upstream relies on Apache's mod_auth_openidc to run OpenID Connect's authorization code
//! flow in front of those URLs; keystone-lite runs it itself:
//! 1. No `code` in the query: `origin` is checked (400 when absent, 401 when not in
//!    `[federation] trusted_dashboard`), the identity provider chosen, and the browser is
//!    redirected (302) to the IdP's authorization endpoint. `redirect_uri` is this same URL
//!    on our public URL, without its query (IdPs compare redirect URIs exactly: one
//!    registration per URL form serves every dashboard). `state` is a Fernet token of our
//!    token keys carrying (idp, protocol, origin, nonce, expiry ~10 min): stateless, so it
//!    works across restarts and on every node sharing the keys, and nothing server-side grows.
//! 2. The IdP's redirect back (`code` and `state`): the state is opened and checked (forged,
//!    expired, or for another URL: 401), the code exchanged at the IdP's token endpoint (the
//!    ID token verified, its nonce the state's), the claims mapped as mod_auth_openidc
//!    presents them, the federated login run (as the `.../auth` route), and upstream's
//!    callback template answered (200 text/html) with `$host` = origin, `$token` = the token.
//!    `error=...` from the IdP is a 401.
//!
//! The start also sets a cookie (one per flow, HttpOnly, SameSite=Lax, 10 min) whose value
//! the state carries: the callback must come from the browser that started the flow, as
//! mod_auth_openidc's state cookie ensures (an attacker's callback URL sent to a victim logs
//! nobody in). The cookie is cleared on success.
//!
//! Replay: a state stays valid until it expires (it is stateless), but it is only usable with
//! its browser's cookie and a fresh authorization code issued for its nonce; codes are
//! single-use at the IdP, so a replayed callback URL is refused by the IdP's token endpoint
//! (401 here).
//!
//! The protocol-only URL: upstream finds the IdP by the remote id attribute Apache set. Here
//! the enabled identity providers having that protocol are the candidates: exactly one is
//! used; with several, `?idp_id=` picks one of them. None, or several without a valid
//! `idp_id`: upstream's "Missing entity ID from environment" 401.
//!
//! Bodies: upstream's 401s here are `Unauthorized`, a SecurityError whose body is the generic
//! sentence unless insecure_debug; the specific reason is logged (never a code or a token).

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::federation::oidc;
use crate::http::request::{percent_decode, Request};
use crate::http::response::Response;
use crate::http::routes::Params;
use crate::model::IdentityProvider;
use crate::service::federated_login;
use crate::store::{federation, identity};

/// Upstream's default sso_callback_template.html, byte for byte.
const DEFAULT_TEMPLATE: &str = include_str!("sso_callback.html");
/// How long a browser has to log in at the IdP and come back.
const STATE_TTL_SECONDS: f64 = 600.0;
/// Prefixes the state's plaintext: a token and a state never decrypt into each other.
const STATE_TAG: &[u8] = b"ksl-websso-state/1\n";

/// GET/POST /v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso
pub fn idp_websso(app: &App, req: &Request, params: &Params) -> Result<Response> {
    let idp_id = params.get("idp_id").to_string();
    let protocol_id = params.get("protocol_id").to_string();
    sso(app, req, Some(&idp_id), &protocol_id)
}

/// GET/POST /v3/auth/OS-FEDERATION/websso/{protocol_id}
pub fn protocol_websso(app: &App, req: &Request, params: &Params) -> Result<Response> {
    let protocol_id = params.get("protocol_id").to_string();
    sso(app, req, None, &protocol_id)
}

/// Which step of the flow the request is: the IdP's answer, or a dashboard's start.
fn sso(app: &App, req: &Request, path_idp: Option<&str>, protocol_id: &str) -> Result<Response> {
    if let Some(error) = req.query("error") {
        log::info!(
            "WebSSO: identity provider answered error '{}'",
            loggable(error)
        );
        return Err(Error::unauthenticated());
    }
    match (req.query("code"), req.query("state")) {
        (Some(code), Some(state)) => callback(app, req, path_idp, protocol_id, code, state),
        _ => start(app, req, path_idp, protocol_id),
    }
}

/// What the state carries from the start to the callback.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SsoState {
    idp: String,
    protocol: String,
    origin: String,
    nonce: String,
    /// Unix seconds.
    exp: f64,
    /// Whether the flow started on the identity provider's URL (else the protocol-only one):
    /// the redirect URI is rebuilt from it.
    idp_url: bool,
    /// The value of the cookie set on the browser that started the flow: the callback must
    /// come from that browser (no login CSRF: a victim sent an attacker's callback URL).
    binding: String,
}

/// Step 1: the redirect to the IdP's authorization endpoint.
fn start(app: &App, req: &Request, path_idp: Option<&str>, protocol_id: &str) -> Result<Response> {
    // Upstream's protocol-only resource finds the IdP before it checks the origin.
    let idp_id = match path_idp {
        Some(id) => id.to_string(),
        None => choose_idp(app, req, protocol_id)?,
    };
    let origin = origin_host(app, req)?;
    let idp = login_target(app, &idp_id, protocol_id)?;
    let issuer = issuer_of(&idp)?;
    let client_id = app
        .config
        .federation
        .oidc
        .client_id
        .as_deref()
        .ok_or(oidc::OidcError::NotConfigured("client_id"))?;
    let state = SsoState {
        idp: idp_id,
        protocol: protocol_id.to_string(),
        origin,
        nonce: crate::token::new_audit_id(),
        exp: req.now + STATE_TTL_SECONDS,
        idp_url: path_idp.is_some(),
        binding: crate::token::new_audit_id(),
    };
    let redirect_uri = redirect_uri(app, &state);
    let url = app.oidc.authorization_url(
        &issuer,
        client_id,
        &redirect_uri,
        &seal_state(app, &state)?,
        &state.nonce,
        &app.config.federation.oidc.scope,
    )?;
    Ok(Response {
        status: 302,
        headers: vec![
            ("Location", url),
            // Each redirect carries a fresh nonce: never reuse a cached one.
            ("Cache-Control", "no-store".to_string()),
            ("Set-Cookie", binding_cookie(app, &state, true)),
        ],
        body: Vec::new(),
    })
}

/// The cookie binding a flow to its browser: one per flow (several tabs may log in at
/// once), gone after the flow's lifetime; `set` false clears it.
fn binding_cookie(app: &App, state: &SsoState, set: bool) -> String {
    let (value, max_age) = match set {
        true => (state.binding.as_str(), STATE_TTL_SECONDS as u64),
        false => ("", 0),
    };
    // Our public URL's path prefix, if any, then the websso URLs' common part.
    let after_scheme = app.public_url.split_once("://").map_or("", |(_, r)| r);
    let prefix = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let secure = if app.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path={prefix}/v3/auth/OS-FEDERATION/; Max-Age={max_age}; HttpOnly; \
         SameSite=Lax{secure}",
        cookie_name(state)
    )
}

fn cookie_name(state: &SsoState) -> String {
    format!(
        "ksl_websso_{}",
        state.nonce.get(..8).unwrap_or(&state.nonce)
    )
}

/// Whether the request carries the flow's binding cookie.
fn bound_to_browser(req: &Request, state: &SsoState) -> bool {
    let name = cookie_name(state);
    req.header("cookie").is_some_and(|header| {
        header.split(';').any(|pair| {
            pair.trim()
                .split_once('=')
                .is_some_and(|(k, v)| k == name && v == state.binding)
        })
    })
}

/// Step 2: the IdP's redirect back with an authorization code.
fn callback(
    app: &App,
    req: &Request,
    path_idp: Option<&str>,
    protocol_id: &str,
    code: &str,
    sealed: &str,
) -> Result<Response> {
    let state = open_state(app, sealed, req.now)?;
    // The state belongs to this URL: its redirect URI is the one the code was issued for.
    let same_url = state.protocol == protocol_id
        && state.idp_url == path_idp.is_some()
        && path_idp.is_none_or(|id| id == state.idp);
    if !same_url {
        log::info!("WebSSO: state was issued for another URL");
        return Err(Error::unauthenticated());
    }
    if !bound_to_browser(req, &state) {
        log::info!("WebSSO: callback without the browser cookie of its flow");
        return Err(Error::unauthenticated());
    }
    // The trusted dashboards may have changed since the start.
    if !is_trusted(app, &state.origin) {
        log::error!("{} is not a trusted dashboard host", state.origin);
        return Err(Error::unauthenticated());
    }
    let idp = login_target(app, &state.idp, protocol_id)?;
    let issuer = issuer_of(&idp)?;
    let claims = app.oidc.exchange_code(
        &issuer,
        code,
        &redirect_uri(app, &state),
        &state.nonce,
        req.now as i64,
    )?;
    let env = oidc::assertion_from_claims_websso(&claims);
    let token_id = federated_token(app, &state.idp, protocol_id, &env, req.now)?;
    Ok(render_callback(app, &state.origin, &token_id)?
        .with_header("Set-Cookie", binding_cookie(app, &state, false)))
}

/// Upstream's `federated_authenticate_for_token`: the login as the `{protocol_id}` method,
/// an unscoped federated token.
fn federated_token(
    app: &App,
    idp_id: &str,
    protocol_id: &str,
    env: &[(String, String)],
    now: f64,
) -> Result<String> {
    // Only the mapped plugin's methods reach a federated login (as POST /v3/auth/tokens).
    if !matches!(protocol_id, "mapped" | "openid" | "saml2") {
        return Err(Error::Unauthorized(
            "Attempted to authenticate with an unsupported method.".to_string(),
        ));
    }
    let login = federated_login::login(app, idp_id, protocol_id, protocol_id, env, now)?;
    let user = app
        .store
        .read(|r| identity::require_user(r, &login.token.user_id))?;
    if !crate::compliance::mfa_satisfied(&user, &login.token.methods) {
        // A receipt cannot be answered through a browser redirect.
        log::info!("WebSSO: user {} needs more auth methods", user.id);
        return Err(Error::unauthenticated());
    }
    Ok(app.tokens.encode(&login.token, now as i64)?)
}

/// The identity provider (enabled: 404/403 as upstream) with the protocol (404).
fn login_target(app: &App, idp_id: &str, protocol_id: &str) -> Result<IdentityProvider> {
    app.store.read(|r| {
        let idp = federated_login::enabled_idp(r, idp_id)?;
        federation::get_protocol(r, idp_id, protocol_id)?.ok_or_else(|| {
            Error::NotFound(format!(
                "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
            ))
        })?;
        Ok(idp)
    })
}

/// The protocol-only URL's identity provider: the only enabled one with the protocol, or
/// the one `?idp_id=` names among several.
fn choose_idp(app: &App, req: &Request, protocol_id: &str) -> Result<String> {
    let candidates: Vec<String> = app.store.read(|r| -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for idp in federation::list_idps(r)? {
            if idp.enabled && federation::get_protocol(r, &idp.id, protocol_id)?.is_some() {
                ids.push(idp.id);
            }
        }
        Ok(ids)
    })?;
    let chosen = match (candidates.as_slice(), req.query("idp_id")) {
        ([only], None) => Some(only.clone()),
        (_, Some(wanted)) => candidates.iter().find(|id| *id == wanted).cloned(),
        _ => None,
    };
    chosen.ok_or_else(|| {
        log::error!("Missing entity ID from environment");
        Error::unauthenticated()
    })
}

/// The issuer to log in at: the identity provider's first remote id that is a URL.
fn issuer_of(idp: &IdentityProvider) -> Result<String> {
    idp.remote_ids
        .iter()
        .find(|r| r.starts_with("https://") || r.starts_with("http://"))
        .cloned()
        .ok_or_else(|| {
            log::warn!("WebSSO: identity provider {} has no issuer URL", idp.id);
            Error::unauthenticated()
        })
}

/// This URL (the start's form) on our public URL, without a query.
fn redirect_uri(app: &App, state: &SsoState) -> String {
    let protocol = segment(&state.protocol);
    if state.idp_url {
        format!(
            "{}/v3/auth/OS-FEDERATION/identity_providers/{}/protocols/{protocol}/websso",
            app.public_url,
            segment(&state.idp)
        )
    } else {
        format!("{}/v3/auth/OS-FEDERATION/websso/{protocol}", app.public_url)
    }
}

/// A path segment, percent-encoded but for RFC 3986's unreserved characters.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn seal_state(app: &App, state: &SsoState) -> Result<String> {
    let mut plain = STATE_TAG.to_vec();
    plain.extend(serde_json::to_vec(state).map_err(Error::internal)?);
    Ok(app.tokens.seal(&plain)?)
}

/// The state sealed at the start: forged, unreadable or expired is a 401.
fn open_state(app: &App, sealed: &str, now: f64) -> Result<SsoState> {
    let state = app
        .tokens
        .open(sealed)
        .and_then(|plain| {
            let json = plain.strip_prefix(STATE_TAG)?;
            serde_json::from_slice::<SsoState>(json).ok()
        })
        .ok_or_else(|| {
            log::info!("WebSSO: state is not one of ours");
            Error::unauthenticated()
        })?;
    if state.exp <= now {
        log::info!("WebSSO: state expired");
        return Err(Error::unauthenticated());
    }
    Ok(state)
}

/// Upstream's `_get_sso_origin_host`: the `origin` query parameter (unquoted once more, as
/// upstream's `unquote_plus` of the decoded value), which must be a trusted dashboard.
fn origin_host(app: &App, req: &Request) -> Result<String> {
    let origin = req
        .query("origin")
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            log::error!("Request must have an origin query parameter");
            Error::Validation("Request must have an origin query parameter".to_string())
        })?;
    let host = percent_decode(&origin.replace('+', " "));
    if !is_trusted(app, &host) {
        log::error!("{} is not a trusted dashboard host", loggable(&host));
        return Err(Error::unauthenticated());
    }
    Ok(host)
}

fn is_trusted(app: &App, host: &str) -> bool {
    app.config
        .federation
        .trusted_dashboard
        .iter()
        .any(|t| lower_case_hostname(t) == host)
}

/// Upstream's `lower_case_hostname`: the URL's netloc (between `//` and the next `/`, `?`
/// or `#`) lower-cased.
fn lower_case_hostname(url: &str) -> String {
    let Some(at) = url
        .find("//")
        .filter(|&i| !url[..i].contains(['/', '?', '#']))
    else {
        return url.to_string();
    };
    let start = at + 2;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    format!(
        "{}{}{}",
        &url[..start],
        url[start..end].to_lowercase(),
        &url[end..]
    )
}

/// Upstream's `_render_template_response`: the template with `$host` and `$token`, 200,
/// `text/html`. Upstream sets `resp.charset = 'utf-8'` and then the Content-Type header
/// itself, which werkzeug 3.1 (Keystone 30's) sends as plain `text/html`; the template
/// declares `<meta charset="utf-8">`.
fn render_callback(app: &App, host: &str, token_id: &str) -> Result<Response> {
    let template = match &app.config.federation.sso_callback_template {
        Some(path) => std::fs::read_to_string(path).unwrap_or_else(|e| {
            log::warn!("sso_callback_template {path}: {e}; using the built-in template");
            DEFAULT_TEMPLATE.to_string()
        }),
        None => DEFAULT_TEMPLATE.to_string(),
    };
    // Both values land in HTML attributes. The host is a trusted dashboard and the token is
    // URL-safe base64, so escaping changes nothing for them in practice; it keeps an odd
    // trusted_dashboard entry from breaking the page.
    let body = substitute(
        &template,
        &[
            ("host", &html_escape(host)),
            ("token", &html_escape(token_id)),
        ],
    )
    .ok_or_else(|| Error::Internal("sso_callback_template has a bad placeholder".into()))?;
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type", "text/html".to_string()),
            // The page holds a token: no cache may keep it.
            ("Cache-Control", "no-store".to_string()),
        ],
        body: body.into_bytes(),
    })
}

/// Python's `string.Template.substitute`: `$$`, `$name` and `${name}`; an unknown name or a
/// bad placeholder is None (upstream's KeyError/ValueError, a 500).
fn substitute(template: &str, values: &[(&str, &str)]) -> Option<String> {
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            (&braced[..end], end + 2)
        } else if let Some(escaped) = after.strip_prefix('$') {
            out.push('$');
            rest = escaped;
            continue;
        } else {
            let end = after.find(|c| !is_ident(c)).unwrap_or(after.len());
            (&after[..end], end)
        };
        if !name.starts_with(is_start) || !name.chars().all(is_ident) {
            return None;
        }
        out.push_str(values.iter().find(|(k, _)| *k == name)?.1);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#x27;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A client-given value for a log line: printable ASCII only, bounded.
fn loggable(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests;
