//! Records as the store keeps them. Wire shapes (envelopes, `links`) live in `api/`; these are
//! what a record *is*. Unknown attributes a client sends are kept in `extra`, as upstream does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type Extra = Map<String, Value>;

/// A domain. Upstream stores domains as projects with `is_domain`; the API shows them apart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Domain {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub options: Extra,
    #[serde(default)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    #[serde(default)]
    pub description: String,
    pub enabled: bool,
    /// The parent project, or the domain id for a top-level project (as upstream answers).
    pub parent_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub options: Extra,
    #[serde(default)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct User {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub enabled: bool,
    /// In one of upstream's formats (`$pbkdf2-sha512$...`, `$2b$...`, `$scrypt$...`); never rendered.
    pub password_hash: Option<String>,
    pub default_project_id: Option<String>,
    /// ISO 8601 as upstream renders it, or none.
    pub password_expires_at: Option<String>,
    #[serde(default)]
    pub options: Extra,
    #[serde(default)]
    pub extra: Extra,
    /// Unix seconds of the last password change (0: never changed); tokens issued at or
    /// before it are revoked, as upstream revokes by user at second resolution.
    #[serde(default)]
    pub password_created_at: i64,
    /// `[security_compliance]` state, as upstream's local_user / password rows keep it.
    /// Failed password checks since the last success (lockout).
    #[serde(default)]
    pub failed_auth_count: u32,
    /// Unix seconds of the last failed password check.
    #[serde(default)]
    pub failed_auth_at: Option<f64>,
    /// The day (YYYY-MM-DD, UTC) of the last successful authentication.
    #[serde(default)]
    pub last_active_at: Option<String>,
    /// Unix seconds the user was created (inactivity counts from it until a first login).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Hashes of earlier passwords, oldest first (the current one is `password_hash`).
    #[serde(default)]
    pub password_history: Vec<String>,
    /// The current password was set by the user (self-service), so the minimum age applies.
    #[serde(default)]
    pub password_self_service: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// None for a global role; a domain id for a domain-specific role.
    pub domain_id: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub options: Extra,
    #[serde(default)]
    pub extra: Extra,
}

/// Who holds a role assignment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    User,
    Group,
}

/// Where a role assignment applies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase", tag = "type", content = "id")]
pub enum Target {
    Project(String),
    Domain(String),
    /// The whole deployment; upstream's only system target is "all".
    System,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Assignment {
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub target: Target,
    pub role_id: String,
    /// OS-INHERIT: applies to the projects below the target, not the target itself.
    pub inherited: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Region {
    pub id: String,
    #[serde(default)]
    pub description: String,
    pub parent_region_id: Option<String>,
    #[serde(default)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Service {
    pub id: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub enabled: bool,
    /// Upstream keeps name and description in `extra`; so do we.
    #[serde(default)]
    pub extra: Extra,
}

impl Service {
    pub fn name(&self) -> &str {
        self.extra.get("name").and_then(Value::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub interface: String,
    pub region_id: Option<String>,
    pub service_id: String,
    pub url: String,
    pub enabled: bool,
    #[serde(default)]
    pub extra: Extra,
}

/// A revocation event, as upstream's OS-REVOKE: a token matching every set field and issued
/// at or before `issued_before` is revoked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct RevokeEvent {
    pub user_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub audit_id: Option<String>,
    /// Unix seconds.
    pub issued_before: i64,
    /// Unix seconds the event was recorded (upstream's revoked_at).
    pub revoked_at: i64,
    /// OS-TRUST: tokens of this trust (set when the trust is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_id: Option<String>,
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// An OS-EP-FILTER endpoint group: the endpoints whose attributes equal every filter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndpointGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// interface / service_id / region_id (/ enabled) -> wanted value, in the client's order.
    pub filters: Extra,
}

/// A legacy /v3/policies blob (upstream's policy subsystem: stored, never evaluated).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyBlob {
    pub id: String,
    pub blob: String,
    #[serde(rename = "type")]
    pub policy_type: String,
    #[serde(default)]
    pub extra: Extra,
}

/// OS-ENDPOINT-POLICY: a policy for an endpoint, a service, or a service in a region (and the
/// regions below it). At most one policy per (endpoint, service, region).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyAssociation {
    pub policy_id: String,
    pub endpoint_id: Option<String>,
    pub service_id: Option<String>,
    pub region_id: Option<String>,
}

/// An application credential. The secret is never stored, only its hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApplicationCredential {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub user_id: String,
    pub project_id: Option<String>,
    pub system: Option<String>,
    /// Unix microseconds (upstream's DateTimeInt).
    pub expires_at: Option<i64>,
    pub unrestricted: Option<bool>,
    pub secret_hash: String,
    pub role_ids: Vec<String>,
    /// None when created without access rules (upstream omits the key then).
    pub access_rule_ids: Option<Vec<String>>,
}

/// An application credential access rule, owned by a user and shared by its credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessRule {
    pub id: String,
    pub user_id: String,
    pub service: Option<String>,
    pub path: Option<String>,
    pub method: Option<String>,
}

/// An OS-TRUST trust: the trustor delegates roles on a project to the trustee.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Trust {
    pub id: String,
    pub trustor_user_id: String,
    pub trustee_user_id: String,
    pub project_id: Option<String>,
    pub impersonation: bool,
    /// Unix microseconds.
    pub expires_at: Option<i64>,
    pub remaining_uses: Option<i64>,
    pub redelegated_trust_id: Option<String>,
    pub redelegation_count: i64,
    pub role_ids: Vec<String>,
    #[serde(default)]
    pub extra: Extra,
}

/// OS-FEDERATION: an identity provider. Its `remote_ids` are unique across providers
/// (indexed in `IDP_REMOTE_IDS`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdentityProvider {
    pub id: String,
    pub enabled: bool,
    pub description: Option<String>,
    /// The domain its shadow users and auto-provisioned projects live in.
    pub domain_id: String,
    /// Minutes a mapped group membership lasts (3.14); none: `[federation]
    /// default_authorization_ttl`.
    pub authorization_ttl: Option<i64>,
    pub remote_ids: Vec<String>,
}

/// OS-FEDERATION: how an identity provider's assertions are mapped for one protocol.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FederationProtocol {
    /// The protocol id (`openid`, `saml2`, `mapped`, or any name the admin chose).
    pub id: String,
    pub idp_id: String,
    pub mapping_id: String,
    pub remote_id_attribute: Option<String>,
}

/// OS-FEDERATION: a mapping, its rules kept as the client sent them (already validated).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mapping {
    pub id: String,
    /// The `rules` list.
    pub rules: Value,
    pub schema_version: String,
}

/// OS-FEDERATION (K2K): a service provider this cloud's users may be sent to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceProvider {
    pub id: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub auth_url: String,
    pub sp_url: String,
    pub relay_state_prefix: String,
}

/// A shadow user's federated identity: upstream's `federated_user` row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FederatedIdentity {
    pub user_id: String,
    pub idp_id: String,
    pub protocol_id: String,
    pub unique_id: String,
    pub display_name: Option<String>,
}

/// A group membership granted by a mapping, which lapses `authorization_ttl` minutes after
/// `last_verified` (upstream's `expiring_user_group_membership`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExpiringMembership {
    pub user_id: String,
    pub group_id: String,
    pub idp_id: String,
    /// Unix seconds of the login that (re)granted it.
    pub last_verified: i64,
}
