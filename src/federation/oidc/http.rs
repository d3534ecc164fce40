//! The outbound calls to an IdP: JSON over a blocking client with timeouts on everything, no
//! redirects (a redirect could lead to a URL no operator chose), a body size cap, and errors
//! that name the URL but never carry a token or secret.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::OidcError;

/// Discovery documents, JWKS and token responses are a few KB; refuse anything absurd.
const MAX_BODY: u64 = 1024 * 1024;

pub(crate) struct IdpClient {
    agent: ureq::Agent,
}

impl IdpClient {
    pub(crate) fn new(timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(timeout))
            .timeout_resolve(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            // The whole call, so a trickling IdP cannot hold a request thread for long.
            .timeout_global(Some(timeout * 2))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("keystone-lite")
            .build()
            .into();
        IdpClient { agent }
    }

    /// GET a JSON object (discovery, JWKS).
    pub(crate) fn get_json(&self, url: &str) -> Result<Value, OidcError> {
        let response = self
            .agent
            .get(url)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| unreachable(url, e))?;
        read_json(url, response, true)
    }

    /// POST a form with HTTP Basic client credentials (token and introspection endpoints);
    /// `Ok((status, body))` for any answer the IdP gave as JSON.
    pub(crate) fn post_form(
        &self,
        url: &str,
        credentials: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<(u16, Value), OidcError> {
        let response = self
            .agent
            .post(url)
            .header("Accept", "application/json")
            .header("Authorization", basic_auth(credentials))
            .send_form(form.iter().copied())
            .map_err(|e| unreachable(url, e))?;
        let status = response.status().as_u16();
        Ok((status, read_json(url, response, false)?))
    }
}

/// RFC 6749 2.3.1: client id and secret are form-urlencoded before Basic encoding.
fn basic_auth((id, secret): (&str, &str)) -> String {
    let pair = format!("{}:{}", form_encode(id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn unreachable(url: &str, e: ureq::Error) -> OidcError {
    OidcError::Unreachable(format!("{url}: {e}"))
}

fn read_json(
    url: &str,
    mut response: ureq::http::Response<ureq::Body>,
    require_ok: bool,
) -> Result<Value, OidcError> {
    let status = response.status().as_u16();
    if require_ok && status != 200 {
        return Err(OidcError::IdpError(format!("{url} answered {status}")));
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| unreachable(url, e))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|_| OidcError::IdpError(format!("{url} answered {status} without JSON")))?;
    if !value.is_object() {
        return Err(OidcError::IdpError(format!(
            "{url} answered {status} with JSON that is not an object"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_encodes_form_first() {
        // "a b:c" -> "a+b:c%3A" ... base64
        let h = basic_auth(("a b", "c:"));
        let raw = base64::engine::general_purpose::STANDARD
            .decode(h.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(raw, b"a+b:c%3A");
    }
}
