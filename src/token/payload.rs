//! The msgpack payloads inside Keystone's Fernet tokens, laid out exactly as
//! keystone/token/token_formatters.py packs them (msgpack 1.x, bin type on).
//!
//! Every payload is an array `[version, user, methods, ...]`:
//!
//! | version | kind                   | after `methods`                                   |
//! |---------|------------------------|---------------------------------------------------|
//! | 0       | unscoped               | expires, audit_ids                                |
//! | 1       | domain scoped          | domain (raw uuid bytes or str), expires, audit_ids|
//! | 2       | project scoped         | project, expires, audit_ids                       |
//! | 3       | trust scoped           | project, expires, audit_ids, trust (raw bytes)    |
//! | 4       | federated unscoped     | groups, idp, protocol (str), expires, audit_ids   |
//! | 5       | federated project      | project, groups, idp, protocol, expires, audit_ids|
//! | 6       | federated domain       | domain (pair), groups, idp, protocol, expires, ...|
//! | 7       | OAuth1 scoped          | project, access_token, expires, audit_ids         |
//! | 8       | system scoped          | system (str), expires, audit_ids                  |
//! | 9       | application credential | project, expires, audit_ids, app_cred             |
//! | 100     | Huawei agency (ours)   | [kind, scope pair], expires, audit_ids, agency    |
//!
//! Version 100 is keystone-lite's own (upstream stops at 10, so no upstream token is ever
//! read as one): a Huawei IAM agency token. `user` is the real user who assumed the agency,
//! `kind` 0 a domain scope and 1 a project scope of the delegating account, `agency` an id
//! pair; its methods are always `["assume_role"]` (the only way to get one), so its bitmask
//! is 0 and upstream's method list is unchanged. Upstream Keystone sharing the keys would
//! refuse such a token, as it should.
//!
//! Ids marked as pairs are `[is_stored_as_bytes, value]`: a uuid becomes its
//! 16 raw bytes, anything else stays a string. `methods` is a bitmask over
//! the `[auth] methods` list; `expires` a float of Unix seconds; audit ids
//! their raw bytes; federated groups a list of id pairs. OAuth2 mTLS (10)
//! payloads are not supported and unpack as `TokenError::Invalid`.

use base64::engine::{general_purpose, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use rmpv::Value;

use super::{FederatedToken, Scope, TokenData, TokenError};

/// Upstream's default `[auth] methods`, in order: method i has bit 2^i.
pub const AUTH_METHODS: [&str; 10] = [
    "external",
    "password",
    "token",
    "oauth1",
    "mapped",
    "application_credential",
    "ec2credential",
    // Not in upstream's default list: a deployment enabling TOTP appends it, as here.
    "totp",
    // Likewise a federated deployment appends its protocols' method names (upstream's
    // federation docs add `openid`/`saml2` to `[auth] methods`).
    "openid",
    "saml2",
];

const UNSCOPED: u64 = 0;
const DOMAIN: u64 = 1;
const PROJECT: u64 = 2;
const TRUST: u64 = 3;
const FED_UNSCOPED: u64 = 4;
const FED_PROJECT: u64 = 5;
const FED_DOMAIN: u64 = 6;
const OAUTH: u64 = 7;
const SYSTEM: u64 = 8;
const APP_CRED: u64 = 9;
const AGENCY: u64 = 100;
/// The method of every version 100 token (Huawei's agency token).
pub const AGENCY_METHOD: &str = "assume_role";

/// Python's `urlsafe_b64decode` ignores missing padding and stray bits.
const LENIENT_URLSAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `convert_method_list_to_integer`: the sum of each known method's bit
/// (unknown names are dropped, repeats count twice, as upstream).
pub fn methods_to_int(methods: &[String]) -> u64 {
    methods
        .iter()
        .filter_map(|m| AUTH_METHODS.iter().position(|a| a == m))
        .map(|i| 1u64 << i)
        .sum()
}

/// `convert_integer_to_method_list`: highest bit first, so password+token
/// comes back as `["token", "password"]`, exactly as upstream returns it.
pub fn int_to_methods(mut n: i128) -> Vec<String> {
    let mut out = Vec::new();
    for i in (0..AUTH_METHODS.len()).rev() {
        let bit = 1i128 << i;
        // Upstream tests int(n / bit) == 1, not the bit itself.
        if n / bit == 1 {
            out.push(AUTH_METHODS[i].to_owned());
            n -= bit;
        }
    }
    out
}

/// `uuid.UUID(s).bytes` or None where Python raises ValueError: "urn:" and
/// "uuid:" removed, braces stripped, hyphens dropped, then 32 characters
/// that Python's `int(_, 16)` accepts.
pub fn uuid_hex_to_bytes(s: &str) -> Option<[u8; 16]> {
    let h = s.replace("urn:", "").replace("uuid:", "");
    let h = h.trim_matches(['{', '}']).replace('-', "");
    if h.chars().count() != 32 {
        return None;
    }
    python_hex_int(&h).map(u128::to_be_bytes)
}

/// Python's `int(s, 16)`: surrounding whitespace, a sign, a "0x" prefix and
/// single underscores between digits are allowed.
fn python_hex_int(s: &str) -> Option<u128> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (s, prefixed) = match s.get(..2) {
        Some("0x" | "0X") => (&s[2..], true),
        _ => (s, false),
    };
    let (mut v, mut after_digit, mut any) = (0u128, prefixed, false);
    for c in s.chars() {
        if c == '_' {
            if !after_digit {
                return None;
            }
            after_digit = false;
            continue;
        }
        v = v
            .checked_mul(16)?
            .checked_add(u128::from(c.to_digit(16)?))?;
        (after_digit, any) = (true, true);
    }
    // No digits, a trailing underscore, or a negative uuid are all errors.
    (any && after_digit && !(neg && v != 0)).then_some(v)
}

/// `attempt_convert_uuid_hex_to_bytes`: `[true, bytes]` or `[false, str]`.
fn pack_id(id: &str) -> Value {
    match uuid_hex_to_bytes(id) {
        Some(b) => Value::Array(vec![true.into(), Value::Binary(b.to_vec())]),
        None => Value::Array(vec![false.into(), id.into()]),
    }
}

/// `_convert_or_decode` on a `[is_stored_as_bytes, value]` pair; `None` for
/// a nil value (upstream packs a missing project of an app cred token so).
fn unpack_id(v: &Value) -> Result<Option<String>, TokenError> {
    match v.as_array().map(Vec::as_slice) {
        Some([Value::Boolean(true), Value::Binary(b)]) => Ok(Some(uuid_bytes_to_hex(b)?)),
        Some([Value::Boolean(false), Value::Nil]) => Ok(None),
        Some([Value::Boolean(false), v]) => text(v).map(Some),
        _ => Err(TokenError::Invalid),
    }
}

fn uuid_bytes_to_hex(b: &[u8]) -> Result<String, TokenError> {
    let b: [u8; 16] = b.try_into().map_err(|_| TokenError::Invalid)?;
    Ok(uuid::Uuid::from_bytes(b).simple().to_string())
}

/// A string, also accepting the bin form old (raw) msgpack tokens carry.
fn text(v: &Value) -> Result<String, TokenError> {
    match v {
        Value::String(s) => s.as_str().map(str::to_owned).ok_or(TokenError::Invalid),
        Value::Binary(b) => String::from_utf8(b.clone()).map_err(|_| TokenError::Invalid),
        _ => Err(TokenError::Invalid),
    }
}

fn pack_audit_ids(ids: &[String]) -> Result<Value, TokenError> {
    ids.iter()
        .map(|id| {
            LENIENT_URLSAFE
                .decode(id.trim_end_matches('='))
                .map(Value::Binary)
                .map_err(|_| TokenError::Invalid)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// `base64_encode`: urlsafe, '=' stripped. Upstream would fail on an empty
/// list (it pops the token's own audit id), so that is invalid too.
fn unpack_audit_ids(v: &Value) -> Result<Vec<String>, TokenError> {
    let ids = v.as_array().ok_or(TokenError::Invalid)?;
    if ids.is_empty() {
        return Err(TokenError::Invalid);
    }
    ids.iter()
        .map(|id| match id {
            Value::Binary(b) => Ok(general_purpose::URL_SAFE_NO_PAD.encode(b)),
            _ => Err(TokenError::Invalid),
        })
        .collect()
}

/// The expiry float, refused where Python's `datetime` could not show it.
fn unpack_expires(v: &Value) -> Result<f64, TokenError> {
    let f = match v {
        Value::F64(f) => *f,
        Value::F32(f) => f64::from(*f),
        Value::Integer(i) => i.as_f64().ok_or(TokenError::Invalid)?,
        _ => return Err(TokenError::Invalid),
    };
    super::whole_second(f).ok_or(TokenError::Invalid)?;
    Ok(f)
}

/// Serialize token data as upstream's `create_token` does before encryption.
/// The payload kind follows upstream's precedence: trust, then application
/// credential, then project, domain, system, unscoped. Combinations upstream
/// could not carry (an application credential on a domain, system or trust
/// token, or a trust id that is not a uuid) are refused.
pub fn pack(data: &TokenData) -> Result<Vec<u8>, TokenError> {
    // Every payload is [kind, user, methods, <scope...>, expires_at, audit_ids, <tail...>].
    let (kind, scope, tail) = match (&data.federated, &data.scope) {
        (_, Scope::Agency { agency_id, scope }) => agency_fields(data, agency_id, scope)?,
        // Upstream's provider picks oauth and trust payloads before federated ones.
        (Some(fed), s) if !matches!(s, Scope::Trust { .. } | Scope::OAuth1 { .. }) => {
            federated_fields(fed, s)?
        }
        _ => scope_fields(&data.scope, data.app_cred_id.as_deref())?,
    };
    let mut fields = vec![
        Value::from(kind),
        pack_id(&data.user_id),
        Value::from(methods_to_int(&data.methods)),
    ];
    fields.extend(scope);
    fields.push(Value::F64(data.expires_at));
    fields.push(pack_audit_ids(&data.audit_ids)?);
    fields.extend(tail);
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &Value::Array(fields)).map_err(|_| TokenError::Invalid)?;
    Ok(out)
}

/// FederatedUnscopedPayload / FederatedScopedPayload: `[scope pair,] groups, idp pair,
/// protocol` between methods and expires_at. A federated system scope has no payload
/// upstream (its provider finds no class), so it is refused.
fn federated_fields(
    fed: &FederatedToken,
    scope: &Scope,
) -> Result<(u64, Vec<Value>, Vec<Value>), TokenError> {
    let (kind, mut fields) = match scope {
        Scope::Unscoped => (FED_UNSCOPED, vec![]),
        Scope::Project(p) => (FED_PROJECT, vec![pack_id(p)]),
        Scope::Domain(d) => (FED_DOMAIN, vec![pack_id(d)]),
        _ => return Err(TokenError::Invalid),
    };
    fields.push(Value::Array(
        fed.group_ids.iter().map(|g| pack_id(g)).collect(),
    ));
    fields.push(pack_id(&fed.idp_id));
    fields.push(fed.protocol_id.as_str().into());
    Ok((kind, fields, vec![]))
}

/// Version 100 (keystone-lite's own): `[kind, scope pair]` before expires_at, the agency
/// after the audit ids. Only a domain or a project scope can be delegated by an agency.
fn agency_fields(
    data: &TokenData,
    agency: &str,
    scope: &Scope,
) -> Result<(u64, Vec<Value>, Vec<Value>), TokenError> {
    let scope = match scope {
        Scope::Domain(d) => Value::Array(vec![0.into(), pack_id(d)]),
        Scope::Project(p) => Value::Array(vec![1.into(), pack_id(p)]),
        _ => return Err(TokenError::Invalid),
    };
    if data.federated.is_some() || data.app_cred_id.is_some() {
        return Err(TokenError::Invalid);
    }
    Ok((AGENCY, vec![scope], vec![pack_id(agency)]))
}

/// The payload kind of a scope, the fields between methods and expires_at, and those after
/// the audit ids.
fn scope_fields(
    scope: &Scope,
    app_cred: Option<&str>,
) -> Result<(u64, Vec<Value>, Vec<Value>), TokenError> {
    Ok(match (scope, app_cred) {
        (
            Scope::Trust { .. } | Scope::Domain(_) | Scope::System(_) | Scope::OAuth1 { .. },
            Some(_),
        ) => return Err(TokenError::Invalid),
        (
            Scope::Trust {
                project_id,
                trust_id,
            },
            None,
        ) => {
            let trust = uuid_hex_to_bytes(trust_id).ok_or(TokenError::Invalid)?;
            (
                TRUST,
                vec![pack_id(project_id)],
                vec![Value::Binary(trust.to_vec())],
            )
        }
        // OauthScopedPayload: the access token id sits before expires and audit ids.
        (
            Scope::OAuth1 {
                project_id,
                access_token_id,
            },
            None,
        ) => (
            OAUTH,
            vec![pack_id(project_id), pack_id(access_token_id)],
            vec![],
        ),
        (scope, Some(app_cred)) => {
            let project = match scope {
                Scope::Project(p) => pack_id(p),
                // attempt_convert_uuid_hex_to_bytes(None) == (False, None)
                _ => Value::Array(vec![false.into(), Value::Nil]),
            };
            (APP_CRED, vec![project], vec![pack_id(app_cred)])
        }
        (Scope::Project(p), None) => (PROJECT, vec![pack_id(p)], vec![]),
        (Scope::Domain(d), None) => {
            // Not a pair: raw uuid bytes, or the (non-uuid) default domain id.
            let domain = match uuid_hex_to_bytes(d) {
                Some(b) => Value::Binary(b.to_vec()),
                None => Value::from(d.as_str()),
            };
            (DOMAIN, vec![domain], vec![])
        }
        (Scope::System(s), None) => (SYSTEM, vec![s.as_str().into()], vec![]),
        (Scope::Unscoped, None) => (UNSCOPED, vec![], vec![]),
        // Packed by `agency_fields` before this is reached.
        (Scope::Agency { .. }, None) => return Err(TokenError::Invalid),
    })
}

/// Parse a decrypted payload as upstream's `validate_token` does.
/// `issued_at` is left 0: it lives in the Fernet envelope, not here.
pub fn unpack(bytes: &[u8]) -> Result<TokenData, TokenError> {
    let mut rd = bytes;
    let value = rmpv::decode::read_value(&mut rd).map_err(|_| TokenError::Invalid)?;
    // msgpack.unpackb refuses trailing bytes.
    if !rd.is_empty() {
        return Err(TokenError::Invalid);
    }
    let all = value.as_array().ok_or(TokenError::Invalid)?;
    let (version, p) = all.split_first().ok_or(TokenError::Invalid)?;
    let version = version.as_u64().ok_or(TokenError::Invalid)?;
    // Upstream indexes into the payload, so extra trailing fields are ignored
    // but missing ones fail.
    let need = match version {
        UNSCOPED => 4,
        DOMAIN | PROJECT | SYSTEM => 5,
        TRUST | APP_CRED | OAUTH | AGENCY => 6,
        FED_UNSCOPED => 7,
        FED_PROJECT | FED_DOMAIN => 8,
        _ => return Err(TokenError::Invalid),
    };
    if p.len() < need {
        return Err(TokenError::Invalid);
    }
    let user_id = unpack_id(&p[0])?.ok_or(TokenError::Invalid)?;
    let methods = match version {
        AGENCY => vec![AGENCY_METHOD.to_string()],
        _ => unpack_methods(&p[1])?,
    };
    // Expiry and audit ids follow the scope field, except when unscoped.
    let (e, a) = match version {
        UNSCOPED => (2, 3),
        OAUTH => (4, 5),
        FED_UNSCOPED => (5, 6),
        FED_PROJECT | FED_DOMAIN => (6, 7),
        _ => (3, 4),
    };
    let expires_at = unpack_expires(&p[e])?;
    let audit_ids = unpack_audit_ids(&p[a])?;
    let federated = match version {
        FED_UNSCOPED => Some(unpack_federated(&p[2..5])?),
        FED_PROJECT | FED_DOMAIN => Some(unpack_federated(&p[3..6])?),
        _ => None,
    };
    let (scope, app_cred_id) = match version {
        AGENCY => (unpack_agency(p)?, None),
        _ => unpack_scope(version, p)?,
    };
    Ok(TokenData {
        user_id,
        methods,
        scope,
        audit_ids,
        expires_at,
        issued_at: 0,
        app_cred_id,
        federated,
    })
}

/// The scope (with its agency) of a version 100 payload.
fn unpack_agency(p: &[Value]) -> Result<Scope, TokenError> {
    let required = |v: &Value| unpack_id(v)?.ok_or(TokenError::Invalid);
    let scope = match p[2].as_array().map(Vec::as_slice) {
        Some([kind, id]) => match kind.as_u64() {
            Some(0) => Scope::Domain(required(id)?),
            Some(1) => Scope::Project(required(id)?),
            _ => return Err(TokenError::Invalid),
        },
        _ => return Err(TokenError::Invalid),
    };
    Ok(Scope::Agency {
        agency_id: required(&p[5])?,
        scope: Box::new(scope),
    })
}

fn unpack_methods(v: &Value) -> Result<Vec<String>, TokenError> {
    match v {
        Value::Integer(i) => i
            .as_i64()
            .map(i128::from)
            .or(i.as_u64().map(i128::from))
            .map(int_to_methods)
            .ok_or(TokenError::Invalid),
        _ => Err(TokenError::Invalid),
    }
}

/// The scope of a payload of `version` (fields after `methods`), and the application
/// credential of version 9.
fn unpack_scope(version: u64, p: &[Value]) -> Result<(Scope, Option<String>), TokenError> {
    let required = |v: &Value| unpack_id(v)?.ok_or(TokenError::Invalid);
    let scope = match version {
        UNSCOPED | FED_UNSCOPED => Scope::Unscoped,
        PROJECT | FED_PROJECT => Scope::Project(required(&p[2])?),
        FED_DOMAIN => Scope::Domain(required(&p[2])?),
        DOMAIN => Scope::Domain(match &p[2] {
            Value::Binary(b) if b.len() == 16 => uuid_bytes_to_hex(b)?,
            v => text(v)?,
        }),
        TRUST => Scope::Trust {
            project_id: required(&p[2])?,
            trust_id: match &p[5] {
                Value::Binary(b) => uuid_bytes_to_hex(b)?,
                _ => return Err(TokenError::Invalid),
            },
        },
        SYSTEM => Scope::System(text(&p[2])?),
        OAUTH => Scope::OAuth1 {
            project_id: required(&p[2])?,
            access_token_id: required(&p[3])?,
        },
        _ => {
            let scope = match unpack_id(&p[2])? {
                Some(project) => Scope::Project(project),
                None => Scope::Unscoped,
            };
            return Ok((scope, Some(required(&p[5])?)));
        }
    };
    Ok((scope, None))
}

/// `[groups, idp pair, protocol]` of a federated payload; the protocol may be bin in
/// tokens from older msgpack, as upstream decodes it.
fn unpack_federated(p: &[Value]) -> Result<FederatedToken, TokenError> {
    let [groups, idp, protocol] = p else {
        return Err(TokenError::Invalid);
    };
    let group_ids = groups
        .as_array()
        .ok_or(TokenError::Invalid)?
        .iter()
        .map(|g| unpack_id(g)?.ok_or(TokenError::Invalid))
        .collect::<Result<_, _>>()?;
    Ok(FederatedToken {
        idp_id: unpack_id(idp)?.ok_or(TokenError::Invalid)?,
        protocol_id: text(protocol)?,
        group_ids,
    })
}

#[cfg(test)]
mod tests;
