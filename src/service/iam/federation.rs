//! Huawei IAM's federation extras on the OS-FEDERATION engine: an identity provider's OpenID
//! Connect configuration (its issuer, client id and signing keys, so ID tokens are verified
//! without discovery), logins with an ID token (the same mapping and shadow users as any
//! federated login), and SAML metadata documents kept per protocol.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde_json::{Map, Value};

use crate::app::App;
use crate::error::{Error, Result};
use crate::service::federated_login;
use crate::store::federation as fed_store;
use crate::store::iam::federation::{self as store, OidcConfig, SamlMetadata};
use crate::store::Store;
use crate::token::TokenData;

/// Huawei's OpenID Connect protocol id: a login with an ID token uses this protocol's
/// mapping of the identity provider.
pub const OIDC_PROTOCOL: &str = "oidc";
/// The token method a login with an ID token records (upstream's mapped plugin).
const METHOD: &str = "mapped";

const ACCESS_MODES: [&str; 2] = ["program", "program_console"];
const RESPONSE_MODES: [&str; 2] = ["fragment", "form_post"];

fn invalid(field: &str, why: &str) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: format!("Invalid {field}: {why}"),
    }
}

fn text(input: &Map<String, Value>, field: &str) -> Result<Option<String>> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= 4096 => Ok(Some(s.clone())),
        Some(_) => Err(invalid(
            field,
            "a string of at most 4096 characters is required",
        )),
    }
}

/// The keys of a `signing_key` (a JWKS document, as Huawei's console takes it).
pub fn signing_keys(signing_key: &str) -> Result<Vec<Jwk>> {
    let set: JwkSet = serde_json::from_str(signing_key).map_err(|_| {
        invalid(
            "signing_key",
            "a JWKS document with at least one key is required",
        )
    })?;
    if set.keys.is_empty() {
        return Err(invalid(
            "signing_key",
            "a JWKS document with at least one key is required",
        ));
    }
    Ok(set.keys)
}

/// `input` applied over `base` (a create has none), every field checked.
fn merged_config(input: &Map<String, Value>, base: Option<OidcConfig>) -> Result<OidcConfig> {
    let pick = |field: &str, old: Option<String>| -> Result<Option<String>> {
        Ok(text(input, field)?.or(old))
    };
    let required = |field: &str, value: Option<String>| -> Result<String> {
        value.filter(|v| !v.is_empty()).ok_or_else(|| Error::Iam {
            status: 400,
            code: "IAM.0072",
            message: format!("'{field}' is a required property"),
        })
    };
    let base = base.as_ref();
    let config = OidcConfig {
        access_mode: required(
            "access_mode",
            pick("access_mode", base.map(|b| b.access_mode.clone()))?,
        )?,
        idp_url: required("idp_url", pick("idp_url", base.map(|b| b.idp_url.clone()))?)?,
        client_id: required(
            "client_id",
            pick("client_id", base.map(|b| b.client_id.clone()))?,
        )?,
        authorization_endpoint: pick(
            "authorization_endpoint",
            base.and_then(|b| b.authorization_endpoint.clone()),
        )?,
        scope: pick("scope", base.and_then(|b| b.scope.clone()))?,
        response_type: pick("response_type", base.and_then(|b| b.response_type.clone()))?,
        response_mode: pick("response_mode", base.and_then(|b| b.response_mode.clone()))?,
        signing_key: required(
            "signing_key",
            pick("signing_key", base.map(|b| b.signing_key.clone()))?,
        )?,
    };
    check_config(&config)?;
    Ok(config)
}

fn check_config(config: &OidcConfig) -> Result<()> {
    if !ACCESS_MODES.contains(&config.access_mode.as_str()) {
        return Err(invalid("access_mode", "program or program_console"));
    }
    if !config.idp_url.starts_with("https://") && !config.idp_url.starts_with("http://") {
        return Err(invalid("idp_url", "an http(s) URL is required"));
    }
    signing_keys(&config.signing_key)?;
    if config.access_mode == "program_console" {
        // The console's browser login needs where to send the user and what to ask for.
        if config
            .authorization_endpoint
            .as_deref()
            .unwrap_or("")
            .is_empty()
        {
            return Err(invalid(
                "authorization_endpoint",
                "required for program_console",
            ));
        }
        if !config
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .any(|s| s == "openid")
        {
            return Err(invalid("scope", "must include openid"));
        }
    }
    if let Some(rt) = &config.response_type {
        if rt != "id_token" {
            return Err(invalid("response_type", "only id_token"));
        }
    }
    if let Some(rm) = &config.response_mode {
        if !RESPONSE_MODES.contains(&rm.as_str()) {
            return Err(invalid("response_mode", "fragment or form_post"));
        }
    }
    Ok(())
}

/// POST .../openid-connect-config: the identity provider must exist and have none yet.
pub fn create_oidc_config(
    store: &Store,
    idp_id: &str,
    input: &Map<String, Value>,
) -> Result<OidcConfig> {
    let config = merged_config(input, None)?;
    store.write(|w| {
        fed_store::require_idp(w, idp_id)?;
        if store::get_oidc_config(w, idp_id)?.is_some() {
            return Err(Error::Iam {
                status: 409,
                code: "IAM.0005",
                message: format!("The OpenID Connect configuration of {idp_id} already exists."),
            });
        }
        store::put_oidc_config(w, idp_id, &config)?;
        Ok(config.clone())
    })
}

/// PUT .../openid-connect-config: the given fields replace the stored ones (re-read inside
/// the write).
pub fn update_oidc_config(
    store: &Store,
    idp_id: &str,
    input: &Map<String, Value>,
) -> Result<OidcConfig> {
    store.write(|w| {
        fed_store::require_idp(w, idp_id)?;
        let old = store::get_oidc_config(w, idp_id)?.ok_or_else(|| config_not_found(idp_id))?;
        let config = merged_config(input, Some(old))?;
        store::put_oidc_config(w, idp_id, &config)?;
        Ok(config)
    })
}

pub fn get_oidc_config(store: &Store, idp_id: &str) -> Result<OidcConfig> {
    store.read(|r| {
        fed_store::require_idp(r, idp_id)?;
        store::get_oidc_config(r, idp_id)?.ok_or_else(|| config_not_found(idp_id))
    })
}

fn config_not_found(idp_id: &str) -> Error {
    Error::NotFound(format!(
        "Could not find OpenID Connect configuration: {idp_id}."
    ))
}

/// The assertion an ID token proves for `idp_id`, when the provider has a Huawei OpenID
/// Connect configuration (None: it has none, the caller verifies as for any OIDC provider).
/// A token that does not verify is a 401, its reason logged, never sent.
pub fn id_token_assertion(
    app: &App,
    idp_id: &str,
    id_token: &str,
    now: f64,
) -> Result<Option<Vec<(String, String)>>> {
    let Some(config) = app.store.read(|r| store::get_oidc_config(r, idp_id))? else {
        return Ok(None);
    };
    let keys = signing_keys(&config.signing_key)?;
    let claims = app
        .oidc
        .verify_with_keys(
            id_token,
            &keys,
            &config.idp_url,
            &config.client_id,
            now as i64,
        )
        .map_err(|e| {
            log::info!("ID token login to {idp_id} refused: {e}");
            Error::unauthenticated()
        })?;
    Ok(Some(crate::federation::oidc::assertion_from_claims(
        &claims,
    )))
}

/// A login with an ID token (POST /v3.0/OS-AUTH/id-token/tokens): verified with the
/// provider's configuration, mapped by its `oidc` protocol; the unscoped token's data.
pub fn login_with_id_token(app: &App, idp_id: &str, id_token: &str, now: f64) -> Result<TokenData> {
    let env = id_token_assertion(app, idp_id, id_token, now)?.ok_or_else(|| Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: format!("The identity provider {idp_id} has no OpenID Connect configuration."),
    })?;
    Ok(federated_login::login(app, idp_id, OIDC_PROTOCOL, METHOD, &env, now)?.token)
}

/// The `entityID` of a SAML metadata document's root `EntityDescriptor`.
fn entity_id_of(xml: &str) -> Option<String> {
    let start = xml.find("EntityDescriptor")?;
    let rest = &xml[start..];
    let attr = rest.find("entityID=")?;
    let after = &rest[attr + "entityID=".len()..];
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    let end = value.find(quote)?;
    Some(value[..end].to_string()).filter(|v| !v.is_empty())
}

/// POST .../protocols/{protocol_id}/metadata: the document replaces any earlier one.
pub fn import_metadata(
    store: &Store,
    idp_id: &str,
    protocol_id: &str,
    input: &Map<String, Value>,
    now: f64,
) -> Result<()> {
    let data = text(input, "metadata")?
        .filter(|m| !m.is_empty())
        .ok_or_else(|| invalid("metadata", "a SAML metadata document is required"))?;
    let entity_id = entity_id_of(&data)
        .ok_or_else(|| invalid("metadata", "no EntityDescriptor entityID found"))?;
    let domain_id = text(input, "domain_id")?.unwrap_or_default();
    let xaccount_type = text(input, "xaccount_type")?.unwrap_or_default();
    store.write(|w| {
        let idp = fed_store::require_idp(w, idp_id)?;
        if fed_store::get_protocol(w, idp_id, protocol_id)?.is_none() {
            return Err(Error::NotFound(format!(
                "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
            )));
        }
        if !domain_id.is_empty() && domain_id != idp.domain_id {
            return Err(invalid("domain_id", "not the identity provider's account"));
        }
        let id = store::get_metadata(w, idp_id, protocol_id)?
            .map_or_else(crate::model::new_id, |m| m.id);
        let metadata = SamlMetadata {
            id,
            idp_id: idp_id.to_string(),
            protocol_id: protocol_id.to_string(),
            entity_id: entity_id.clone(),
            domain_id: idp.domain_id.clone(),
            xaccount_type: xaccount_type.clone(),
            update_time: crate::clock::format_utc_micros(now, "T", "Z"),
            data: data.clone(),
        };
        store::put_metadata(w, &metadata)?;
        Ok(())
    })
}

pub fn get_metadata(store: &Store, idp_id: &str, protocol_id: &str) -> Result<SamlMetadata> {
    store.read(|r| {
        fed_store::require_idp(r, idp_id)?;
        store::get_metadata(r, idp_id, protocol_id)?.ok_or_else(|| {
            Error::NotFound(format!(
                "Could not find metadata of protocol {protocol_id} for Identity Provider: {idp_id}."
            ))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_id_is_read_from_the_root_descriptor() {
        let xml = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.org/saml"><md:IDPSSODescriptor/></md:EntityDescriptor>"#;
        assert_eq!(
            entity_id_of(xml).as_deref(),
            Some("https://idp.example.org/saml")
        );
        assert_eq!(entity_id_of("<x/>"), None);
        assert_eq!(entity_id_of("<EntityDescriptor entityID=\"\">"), None);
    }

    #[test]
    fn configs_are_checked() {
        let jwks = r#"{"keys":[{"kty":"RSA","kid":"k","n":"sXch","e":"AQAB"}]}"#;
        let mut input: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "access_mode": "program", "idp_url": "https://idp.example.org",
            "client_id": "c", "signing_key": jwks,
        }))
        .unwrap();
        assert!(merged_config(&input, None).is_ok());
        input.insert("access_mode".into(), "program_console".into());
        assert!(
            merged_config(&input, None).is_err(),
            "console needs an endpoint"
        );
        input.insert("access_mode".into(), "nope".into());
        assert!(merged_config(&input, None).is_err());
        input.insert("access_mode".into(), "program".into());
        input.insert("signing_key".into(), "not json".into());
        assert!(merged_config(&input, None).is_err());
    }
}
