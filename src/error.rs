//! The one error type every handler returns, rendered as Keystone's v3
//! `{"error": {"code", "title", "message"}}` (src/http/response.rs) or v2.0's faults
//! (src/api/v2/mod.rs). Variants follow upstream's exception classes; a store failure keeps
//! its fact (`Error::Store`), so a renderer that needs more than status and sentence (v2's
//! `tenantConflict`, later Huawei's `error_code`) matches on what happened, not on text.

use std::fmt;

use crate::store::error::{Clash, Constraint, Kind, Link, StoreError};
use crate::store::tables::SEP;

#[derive(Debug, Clone)]
pub enum Error {
    /// 400: schema or semantic validation failed; the message names the bad field.
    Validation(String),
    /// 401: no or bad credentials; the message is upstream's.
    Unauthorized(String),
    /// 403: policy refused, or a scope the user cannot have.
    Forbidden(String),
    /// 404: the message names the kind of thing and its id.
    NotFound(String),
    /// 405: a known path with a method it does not serve.
    MethodNotAllowed,
    /// 409: a unique name or id already in use.
    Conflict(String),
    /// 413: a request body over the size limit.
    TooLarge,
    /// 415/400 as upstream: a body that is not JSON.
    UnsupportedMediaType(String),
    /// 500: a bug or an I/O failure; the detail is logged, never sent.
    Internal(String),
    /// 429: too many failed attempts; the client may retry after this many seconds.
    TooManyRequests { retry_after: u64 },
    /// 503: the service cannot do this now (the store's disk is full); the detail is logged,
    /// never sent.
    Unavailable(String),
    /// What the store reported; status and sentence are upstream's, from `store_error`.
    Store(StoreError),
    /// A Huawei Cloud IAM error with its own code (`IAM.0007`, `1109`, `APIGW.0301`): the
    /// `/v3.0` renderer sends `{"error_code", "error_msg"}`, the Keystone one its usual body.
    Iam {
        status: u16,
        code: &'static str,
        message: String,
    },
}

/// Upstream appends this to its ValidationError messages.
pub const CLIENT_ERROR_TAIL: &str = " The server could not comply with the request since it is \
either malformed or otherwise incorrect. The client is assumed to be in error.";

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn code(&self) -> u16 {
        match self {
            Error::Validation(_) => 400,
            Error::Unauthorized(_) => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::MethodNotAllowed => 405,
            Error::Conflict(_) => 409,
            Error::TooLarge => 413,
            Error::UnsupportedMediaType(_) => 415,
            Error::TooManyRequests { .. } => 429,
            Error::Internal(_) => 500,
            Error::Unavailable(_) => 503,
            Error::Store(e) => store_error(e).code(),
            Error::Iam { status, .. } => *status,
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Error::Validation(_) => "Bad Request",
            Error::Unauthorized(_) => "Unauthorized",
            Error::Forbidden(_) => "Forbidden",
            Error::NotFound(_) => "Not Found",
            Error::MethodNotAllowed => "Method Not Allowed",
            Error::Conflict(_) => "Conflict",
            Error::TooLarge => "Request Entity Too Large",
            Error::UnsupportedMediaType(_) => "Unsupported Media Type",
            Error::TooManyRequests { .. } => "Too Many Requests",
            Error::Internal(_) => "Internal Server Error",
            Error::Unavailable(_) => "Service Unavailable",
            Error::Store(e) => store_error(e).title(),
            Error::Iam { status, .. } => crate::http::write::reason(*status),
        }
    }

    /// The message a client sees. Internal detail never leaves the process.
    pub fn message(&self) -> String {
        match self {
            Error::Validation(m)
            | Error::Unauthorized(m)
            | Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::UnsupportedMediaType(m)
            | Error::Iam { message: m, .. } => m.clone(),
            Error::MethodNotAllowed => {
                "The method is not allowed for the requested URL.".to_string()
            }
            Error::TooLarge => "Request is too large.".to_string(),
            Error::TooManyRequests { retry_after } => format!(
                "Too many failed authentication attempts. Try again in {retry_after} seconds."
            ),
            // Said plainly for a node reading from a replica: only writes are refused.
            Error::Unavailable(detail) if detail.contains(crate::store::PRIMARY_UNREACHABLE) => {
                "The service is temporarily unable to store data: the primary database is \
                 unreachable (reads are still served). Please try again later."
                    .to_string()
            }
            Error::Unavailable(_) => "The service is temporarily unable to store data. Please \
                                      try again later."
                .to_string(),
            Error::Internal(_) => "An unexpected error prevented the server from fulfilling \
                                   your request."
                .to_string(),
            Error::Store(e) => store_error(e).message(),
        }
    }

    /// Upstream's generic 401 sentence.
    pub fn unauthenticated() -> Error {
        Error::Unauthorized("The request you have made requires authentication.".to_string())
    }

    /// Upstream's 404 for a bad subject token. Upstream echoes the token id; here it is
    /// masked as upstream masks passwords: a token never reaches a body or a log line.
    pub fn token_not_found(_token: &str) -> Error {
        Error::NotFound("Could not find token: ***.".to_string())
    }

    pub fn not_found(kind: &str, id: &str) -> Error {
        Error::NotFound(format!("Could not find {kind}: {id}."))
    }

    pub fn forbidden_action(action: &str) -> Error {
        Error::Forbidden(format!(
            "You are not authorized to perform the requested action: {action}."
        ))
    }

    pub fn validation(msg: impl Into<String>) -> Error {
        Error::Validation(msg.into())
    }

    /// Upstream's message for a request body that failed its JSON schema.
    /// A password-like field's value is masked as '***', in the value and in the reason.
    pub fn schema(field: &str, value: &str, reason: &str) -> Error {
        if crate::validate::message::is_secret(field) && !value.is_empty() && value != "***" {
            let reason = reason.replace(value, "***");
            return Error::Validation(format!(
                "Invalid input for field/attribute {field}. Value: ***. {reason}"
            ));
        }
        Error::Validation(format!(
            "Invalid input for field/attribute {field}. Value: {value}. {reason}"
        ))
    }

    /// Upstream's ValidationError: "Expecting to find X in Y." plus its fixed tail.
    pub fn expecting(attribute: &str, target: &str) -> Error {
        Error::Validation(format!(
            "Expecting to find {attribute} in {target}.{CLIENT_ERROR_TAIL}"
        ))
    }

    /// A 400 with upstream's fixed tail.
    pub fn bad_request(message: &str) -> Error {
        Error::Validation(format!("{message}{CLIENT_ERROR_TAIL}"))
    }

    pub fn duplicate(kind: &str, detail: &str) -> Error {
        Error::Conflict(format!(
            "Conflict occurred attempting to store {kind} - {detail}."
        ))
    }

    pub fn internal(e: impl fmt::Display) -> Error {
        Error::Internal(e.to_string())
    }

    /// The upstream exception this error is, for renderers that go by exception class: a
    /// store fact becomes its status and sentence here.
    pub fn upstream(&self) -> std::borrow::Cow<'_, Error> {
        match self {
            Error::Store(e) => std::borrow::Cow::Owned(store_error(e)),
            other => std::borrow::Cow::Borrowed(other),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Internal(detail) => write!(f, "500 internal: {detail}"),
            Error::Unavailable(detail) => write!(f, "503 unavailable: {detail}"),
            Error::Store(e) => store_error(e).fmt(f),
            other => write!(f, "{} {}: {}", other.code(), other.title(), other.message()),
        }
    }
}

impl std::error::Error for Error {}

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        Error::Internal(format!("store: {e}"))
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self { Error::Internal(format!("store: {e}")) }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("json: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Internal(format!("io: {e}"))
    }
}

impl From<crate::token::TokenError> for Error {
    fn from(e: crate::token::TokenError) -> Self {
        match e {
            crate::token::TokenError::Invalid => {
                Error::NotFound("The request you have made requires authentication.".to_string())
            }
            other => Error::Internal(format!("token: {other}")),
        }
    }
}

/// A failure of the database itself is an internal error like any other (logged where
/// internal errors are); every other store fact is kept as it is.
impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Io(_)
            | StoreError::Unavailable(_)
            | StoreError::Corrupt(_)
            | StoreError::Keys(_) => store_error(&e),
            fact => Error::Store(fact),
        }
    }
}

/// Upstream's status and sentence for what the store reports. Every message here is
/// byte-identical to what the store used to write itself.
fn store_error(e: &StoreError) -> Error {
    match e.clone() {
        StoreError::NotFound { kind, id } => not_found_of(kind, &id),
        StoreError::NotLinked(link) => Error::NotFound(match link {
            Link::EndpointInProject {
                endpoint_id,
                project_id,
            } => format!("Endpoint {endpoint_id} not found in project {project_id}"),
            Link::EndpointGroupInProject => {
                "Endpoint Group Project Association not found".to_string()
            }
            Link::PolicyAssociation => "Could not find policy association.".to_string(),
        }),
        StoreError::Duplicate { kind, clash } => {
            Error::duplicate(conflict_name(kind), &clash_detail(kind, &clash))
        }
        StoreError::Constraint(c) => constraint_error(c),
        StoreError::Io(detail) => Error::Internal(format!("store: {detail}")),
        StoreError::Unavailable(detail) => Error::Unavailable(format!("store: {detail}")),
        StoreError::Corrupt(detail) => Error::Internal(format!("json: {detail}")),
        StoreError::Keys(detail) => Error::Internal(detail),
    }
}

/// Upstream's 404 for a record: most kinds say "Could not find KIND: ID.", a few have their
/// own sentence without the id.
fn not_found_of(kind: Kind, id: &str) -> Error {
    let name = match kind {
        Kind::Consumer => return Error::NotFound("Consumer not found".to_string()),
        Kind::RequestToken => return Error::NotFound("Request token not found".to_string()),
        Kind::AccessToken => return Error::NotFound("Access token not found".to_string()),
        Kind::FederationProtocol => {
            let (idp_id, protocol_id) = id.split_once(SEP).unwrap_or(("", id));
            return Error::NotFound(format!(
                "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
            ));
        }
        Kind::IdentityProvider => "Identity Provider",
        Kind::Mapping => "mapping",
        Kind::ServiceProvider => "Service Provider",
        Kind::User => "user",
        Kind::Group => "group",
        Kind::Role => "role",
        Kind::Project => "project",
        Kind::Domain => "domain",
        Kind::Region => "region",
        Kind::Service => "service",
        Kind::Endpoint => "endpoint",
        Kind::EndpointGroup => "Endpoint Group",
        Kind::Credential => "credential",
        Kind::Policy => "policy",
        Kind::Trust => "trust",
        Kind::ApplicationCredential => "Application Credential",
        Kind::ProjectEndpoint => "project_endpoint",
        Kind::ProjectEndpointGroup => "project_endpoint_group",
    };
    Error::not_found(name, id)
}

/// The name upstream's Conflict message gives a kind (its table or entity name).
fn conflict_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Group => "group",
        Kind::Role => "role",
        Kind::Project => "project",
        Kind::Domain => "domain",
        Kind::Region => "region",
        Kind::Service => "service",
        Kind::Endpoint => "endpoint",
        Kind::EndpointGroup => "endpoint_group",
        Kind::Credential => "credential",
        Kind::Policy => "policy",
        Kind::Trust => "trust",
        Kind::ApplicationCredential => "application_credential",
        Kind::Consumer => "consumer",
        Kind::RequestToken => "request_token",
        Kind::AccessToken => "access_token",
        Kind::ProjectEndpoint => "project_endpoint",
        Kind::ProjectEndpointGroup => "project_endpoint_group",
        Kind::IdentityProvider => "identity_provider",
        Kind::FederationProtocol => "federation_protocol",
        Kind::Mapping => "mapping",
        Kind::ServiceProvider => "service_provider",
    }
}

/// The detail of upstream's Conflict message: its SQL backends word an id clash differently
/// per entity, a name clash by whether names are unique per domain.
fn clash_detail(kind: Kind, clash: &Clash) -> String {
    match clash {
        Clash::Name {
            name,
            domain_id: Some(domain_id),
        } => format!("Duplicate entry found with name {name} at domain ID {domain_id}"),
        Clash::Name {
            name,
            domain_id: None,
        } => format!("Duplicate entry found with name {name}"),
        Clash::Id(id) => match kind {
            Kind::Region => format!("Duplicate ID, {id}."),
            Kind::Credential | Kind::Consumer => format!("Duplicate entry found with ID {id}"),
            _ => "Duplicate ID".to_string(),
        },
        Clash::Association => "Duplicate entry".to_string(),
    }
}

fn constraint_error(c: Constraint) -> Error {
    match c {
        Constraint::RegionHasEndpoints { region_id } => Error::Forbidden(format!(
            "Unable to delete region {region_id} because it or its child regions have \
             associated endpoints."
        )),
        Constraint::ProjectNotLeaf { project_id } => Error::Forbidden(format!(
            "Cannot delete the project {project_id} since it is not a leaf in the hierarchy. \
             Use the cascade option if you want to delete a whole subtree."
        )),
        Constraint::CircularRegion { parent_id } => Error::validation(format!(
            "The specified parent region {parent_id} would create a circular region hierarchy."
        )),
        Constraint::EndpointRegionMissing => Error::expecting("endpoint region_id", "region table"),
        Constraint::EndpointServiceMissing => {
            Error::expecting("endpoint service_id", "service table")
        }
        Constraint::AccessTokenOfAnotherUser => Error::unauthenticated(),
    }
}

impl From<crate::validate::ValidationError> for Error {
    fn from(e: crate::validate::ValidationError) -> Error {
        Error::Validation(e.message)
    }
}

#[cfg(test)]
mod store_error_tests {
    use super::*;

    fn said(e: StoreError) -> (u16, String) {
        let e = Error::from(e);
        (e.code(), e.message())
    }

    #[test]
    fn store_facts_read_as_upstreams_sentences() {
        assert_eq!(
            said(StoreError::not_found(Kind::ApplicationCredential, "x")),
            (404, "Could not find Application Credential: x.".to_string())
        );
        assert_eq!(
            said(StoreError::not_found(Kind::Consumer, "c")),
            (404, "Consumer not found".to_string())
        );
        assert_eq!(
            said(StoreError::duplicate_name(Kind::User, "u", Some("d"))),
            (
                409,
                "Conflict occurred attempting to store user - Duplicate entry found with name u \
                 at domain ID d."
                    .to_string()
            )
        );
        assert_eq!(
            said(StoreError::duplicate_id(Kind::Region, "r")).1,
            "Conflict occurred attempting to store region - Duplicate ID, r.."
        );
        assert_eq!(
            said(StoreError::duplicate_id(Kind::Credential, "c")).1,
            "Conflict occurred attempting to store credential - Duplicate entry found with ID c."
        );
        assert_eq!(
            said(StoreError::Constraint(Constraint::EndpointRegionMissing)),
            (
                400,
                format!("Expecting to find endpoint region_id in region table.{CLIENT_ERROR_TAIL}")
            )
        );
        // The database's own failures stay internal: logged, never sent.
        let io = Error::from(StoreError::Io("disk".into()));
        assert!(matches!(io, Error::Internal(ref d) if d == "store: disk"));
    }
}
