//! What went wrong in the store, said as facts about records (which kind, which id, which rule).
//! The store writes no sentence a client reads: `From<StoreError> for crate::error::Error`
//! (src/error.rs) turns each fact into upstream's status and message, for every API form.

use std::fmt;

/// The kinds of record the store keeps, as the errors name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Role,
    Project,
    Domain,
    Region,
    Service,
    Endpoint,
    EndpointGroup,
    Credential,
    Policy,
    Trust,
    ApplicationCredential,
    Consumer,
    RequestToken,
    AccessToken,
    /// An endpoint given to a project (OS-EP-FILTER).
    ProjectEndpoint,
    /// An endpoint group given to a project (OS-EP-FILTER).
    ProjectEndpointGroup,
    IdentityProvider,
    /// Its id is `key2(idp_id, protocol_id)`: upstream's message names both.
    FederationProtocol,
    Mapping,
    ServiceProvider,
}

/// What a new record collides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// Its id is taken.
    Id(String),
    /// Its name is taken; `domain_id` when names are unique within a domain.
    Name {
        name: String,
        domain_id: Option<String>,
    },
    /// The same association exists already.
    Association,
}

/// An association that was asked for and is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    EndpointInProject {
        endpoint_id: String,
        project_id: String,
    },
    EndpointGroupInProject,
    PolicyAssociation,
}

/// A rule of the data that the operation would break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// The region, or one below it, still has endpoints.
    RegionHasEndpoints { region_id: String },
    /// The project has children; only a cascade may delete it.
    ProjectNotLeaf { project_id: String },
    /// The new parent would make the region tree a cycle.
    CircularRegion { parent_id: String },
    /// An endpoint names a region that does not exist.
    EndpointRegionMissing,
    /// An endpoint names a service that does not exist.
    EndpointServiceMissing,
    /// The access token was authorized by another user.
    AccessTokenOfAnotherUser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    NotFound {
        kind: Kind,
        id: String,
    },
    NotLinked(Link),
    Duplicate {
        kind: Kind,
        clash: Clash,
    },
    Constraint(Constraint),
    /// The database failed (I/O, transaction, lock).
    Io(String),
    /// The database cannot take writes for now (a full disk); the client may retry later.
    Unavailable(String),
    /// A stored record does not decode, or a value does not encode.
    Corrupt(String),
    /// The credential keys are missing or do not decrypt a stored blob.
    Keys(String),
}

pub type StoreResult<T> = std::result::Result<T, StoreError>;

impl StoreError {
    pub fn not_found(kind: Kind, id: &str) -> StoreError {
        StoreError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub fn duplicate_id(kind: Kind, id: &str) -> StoreError {
        StoreError::Duplicate {
            kind,
            clash: Clash::Id(id.to_string()),
        }
    }

    pub fn duplicate_name(kind: Kind, name: &str, domain_id: Option<&str>) -> StoreError {
        StoreError::Duplicate {
            kind,
            clash: Clash::Name {
                name: name.to_string(),
                domain_id: domain_id.map(str::to_string),
            },
        }
    }
}

/// For logs and tests only; clients see src/error.rs's rendering.
impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound { kind, id } => write!(f, "{kind:?} {id} not found"),
            StoreError::NotLinked(link) => write!(f, "{link:?} not found"),
            StoreError::Duplicate { kind, clash } => write!(f, "{kind:?} clashes: {clash:?}"),
            StoreError::Constraint(c) => write!(f, "constraint: {c:?}"),
            StoreError::Io(e) => write!(f, "store: {e}"),
            StoreError::Unavailable(e) => write!(f, "store unavailable: {e}"),
            StoreError::Corrupt(e) => write!(f, "json: {e}"),
            StoreError::Keys(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StoreError {}

macro_rules! io_error {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Io(e.to_string()) }
        }
    )*};
}
io_error!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
