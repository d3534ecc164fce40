//! Every redb table, in one place. Values are JSON-encoded records from `model.rs`; keys are
//! strings. Names carry a layout version ("-1") so a layout change becomes a migration, not a
//! type mismatch. Index tables change in the same transaction as the table they index.

use redb::TableDefinition;

pub type Table = TableDefinition<'static, &'static str, &'static [u8]>;

/// Separates the parts of a composite key; never appears in ids or names we accept.
pub const SEP: char = '\u{1f}';

/// id -> Domain
pub const DOMAINS: Table = TableDefinition::new("domains-1");
/// name -> domain id (domain names are unique)
pub const DOMAIN_NAMES: Table = TableDefinition::new("domain-names-1");
/// id -> Project
pub const PROJECTS: Table = TableDefinition::new("projects-1");
/// domain_id SEP name -> project id
pub const PROJECT_NAMES: Table = TableDefinition::new("project-names-1");
/// parent_id SEP child_id -> "" (children of a project or of a domain's top level)
pub const PROJECT_CHILDREN: Table = TableDefinition::new("project-children-1");
/// id -> User (with its password hash)
pub const USERS: Table = TableDefinition::new("users-1");
/// domain_id SEP name -> user id
pub const USER_NAMES: Table = TableDefinition::new("user-names-1");
/// id -> Group
pub const GROUPS: Table = TableDefinition::new("groups-1");
/// domain_id SEP name -> group id
pub const GROUP_NAMES: Table = TableDefinition::new("group-names-1");
/// user_id SEP group_id -> "" (a user's groups)
pub const USER_GROUPS: Table = TableDefinition::new("user-groups-1");
/// group_id SEP user_id -> "" (a group's members)
pub const GROUP_USERS: Table = TableDefinition::new("group-users-1");
/// id -> Role
pub const ROLES: Table = TableDefinition::new("roles-1");
/// (domain_id or "") SEP name -> role id
pub const ROLE_NAMES: Table = TableDefinition::new("role-names-1");
/// prior_role_id SEP implied_role_id -> ""
pub const IMPLIED_ROLES: Table = TableDefinition::new("implied-roles-1");
/// actor_id SEP target key SEP role_id SEP inherited -> Assignment
pub const ASSIGNMENTS: Table = TableDefinition::new("assignments-1");
/// id -> Region
pub const REGIONS: Table = TableDefinition::new("regions-1");
/// id -> Service
pub const SERVICES: Table = TableDefinition::new("services-1");
/// id -> Endpoint
pub const ENDPOINTS: Table = TableDefinition::new("endpoints-1");
/// zero-padded sequence -> RevokeEvent
pub const REVOCATIONS: Table = TableDefinition::new("revocations-1");
/// key -> value: store metadata ("schema")
pub const META: Table = TableDefinition::new("meta-1");

pub const ALL: &[Table] = &[
    DOMAINS,
    DOMAIN_NAMES,
    PROJECTS,
    PROJECT_NAMES,
    PROJECT_CHILDREN,
    USERS,
    USER_NAMES,
    GROUPS,
    GROUP_NAMES,
    USER_GROUPS,
    GROUP_USERS,
    ROLES,
    ROLE_NAMES,
    IMPLIED_ROLES,
    ASSIGNMENTS,
    REGIONS,
    SERVICES,
    ENDPOINTS,
    REVOCATIONS,
    META,
    PROJECT_ENDPOINTS,
    ENDPOINT_PROJECTS,
    ENDPOINT_GROUPS,
    PROJECT_ENDPOINT_GROUPS,
    ENDPOINT_GROUP_PROJECTS,
    POLICIES,
    POLICY_ASSOCIATIONS,
    DOMAIN_CONFIGS,
    REGISTERED_LIMITS,
    LIMITS,
    CREDENTIALS,
    OAUTH1_CONSUMERS,
    OAUTH1_REQUEST_TOKENS,
    OAUTH1_ACCESS_TOKENS,
    APP_CREDS,
    APP_CRED_NAMES,
    ACCESS_RULES,
    TRUSTS,
    IDENTITY_PROVIDERS,
    IDP_REMOTE_IDS,
    FEDERATION_PROTOCOLS,
    MAPPINGS,
    SERVICE_PROVIDERS,
    FEDERATED_IDENTITIES,
    USER_FEDERATED_IDENTITIES,
    EXPIRING_MEMBERSHIPS,
    GROUP_EXPIRING_MEMBERS,
    crate::store::iam::federation::OIDC_CONFIGS,
    crate::store::iam::federation::SAML_METADATA,
    crate::store::iam::access_keys::ACCESS_KEYS,
    crate::store::iam::access_keys::USER_ACCESS_KEYS,
    crate::store::iam::access_keys::TEMP_ACCESS_KEYS,
    crate::store::iam::access_keys::TEMP_KEY_EXPIRY,
    crate::store::iam::access_keys::USER_TEMP_KEYS,
    super::iam::user_profiles::USER_PROFILES,
    super::iam::security_policy::SECURITY_POLICIES,
    crate::store::iam::mfa::MFA_DEVICES,
    crate::store::iam::mfa::MFA_SERIALS,
    crate::store::iam::mfa::LOGIN_PROTECTS,
    crate::store::iam::agencies::AGENCIES,
    crate::store::iam::agencies::AGENCY_NAMES,
    crate::store::iam::agencies::AGENCY_GRANTS,
    crate::store::iam::agencies::PROJECT_STATUS,
    crate::store::iam::role_details::ROLE_DETAILS,
    crate::store::iam::role_details::CUSTOM_POLICY_SEQ,
    crate::store::iam::ep_grants::EP_GRANTS,
];

/// `a SEP b`
pub fn key2(a: &str, b: &str) -> String {
    let mut k = String::with_capacity(a.len() + b.len() + 1);
    k.push_str(a);
    k.push(SEP);
    k.push_str(b);
    k
}

/// The range of keys starting with `prefix SEP`.
pub fn prefix_range(prefix: &str) -> (String, String) {
    let mut start = prefix.to_string();
    start.push(SEP);
    let mut end = prefix.to_string();
    end.push(char::from_u32(SEP as u32 + 1).unwrap_or(SEP));
    (start, end)
}

/// project_id SEP endpoint_id -> "" (OS-EP-FILTER: endpoints given to a project)
pub const PROJECT_ENDPOINTS: Table = TableDefinition::new("project-endpoints-1");
/// endpoint_id SEP project_id -> "" (the reverse of PROJECT_ENDPOINTS)
pub const ENDPOINT_PROJECTS: Table = TableDefinition::new("endpoint-projects-1");
/// id -> EndpointGroup
pub const ENDPOINT_GROUPS: Table = TableDefinition::new("endpoint-groups-1");
/// project_id SEP endpoint_group_id -> "" (endpoint groups given to a project)
pub const PROJECT_ENDPOINT_GROUPS: Table = TableDefinition::new("project-endpoint-groups-1");
/// endpoint_group_id SEP project_id -> "" (the reverse of PROJECT_ENDPOINT_GROUPS)
pub const ENDPOINT_GROUP_PROJECTS: Table = TableDefinition::new("endpoint-group-projects-1");
/// id -> PolicyBlob (/v3/policies)
pub const POLICIES: Table = TableDefinition::new("policies-1");
/// endpoint_id SEP service_id SEP region_id ("" for none) -> PolicyAssociation
pub const POLICY_ASSOCIATIONS: Table = TableDefinition::new("policy-associations-1");
/// domain_id -> {group: {option: value}} (a domain's configuration, sensitive options included)
pub const DOMAIN_CONFIGS: Table = TableDefinition::new("domain-configs-1");
/// id -> RegisteredLimit
pub const REGISTERED_LIMITS: Table = TableDefinition::new("registered-limits-1");
/// id -> Limit
pub const LIMITS: Table = TableDefinition::new("limits-1");
/// id -> StoredCredential (/v3/credentials; the blob encrypted with the credential keys;
/// TOTP seeds are the blobs of type "totp")
pub const CREDENTIALS: Table = TableDefinition::new("credentials-1");
/// id -> Consumer (OS-OAUTH1)
pub const OAUTH1_CONSUMERS: Table = TableDefinition::new("oauth1-consumers-1");
/// id -> RequestToken (OS-OAUTH1)
pub const OAUTH1_REQUEST_TOKENS: Table = TableDefinition::new("oauth1-request-tokens-1");
/// id -> AccessToken (OS-OAUTH1)
pub const OAUTH1_ACCESS_TOKENS: Table = TableDefinition::new("oauth1-access-tokens-1");
/// id -> ApplicationCredential
pub const APP_CREDS: Table = TableDefinition::new("app-creds-1");
/// user_id SEP name -> application credential id (names are unique per user)
pub const APP_CRED_NAMES: Table = TableDefinition::new("app-cred-names-1");
/// id -> AccessRule
pub const ACCESS_RULES: Table = TableDefinition::new("access-rules-1");
/// id -> Trust
pub const TRUSTS: Table = TableDefinition::new("trusts-1");
/// id -> IdentityProvider (OS-FEDERATION)
pub const IDENTITY_PROVIDERS: Table = TableDefinition::new("identity-providers-1");
/// remote_id -> identity provider id (remote ids are unique across providers)
pub const IDP_REMOTE_IDS: Table = TableDefinition::new("idp-remote-ids-1");
/// idp_id SEP protocol_id -> FederationProtocol
pub const FEDERATION_PROTOCOLS: Table = TableDefinition::new("federation-protocols-1");
/// id -> Mapping
pub const MAPPINGS: Table = TableDefinition::new("mappings-1");
/// id -> ServiceProvider
pub const SERVICE_PROVIDERS: Table = TableDefinition::new("service-providers-1");
/// idp_id SEP protocol_id SEP unique_id -> FederatedIdentity (a shadow user's login)
pub const FEDERATED_IDENTITIES: Table = TableDefinition::new("federated-identities-1");
/// user_id SEP idp_id SEP protocol_id -> unique_id (the reverse of FEDERATED_IDENTITIES)
pub const USER_FEDERATED_IDENTITIES: Table = TableDefinition::new("user-federated-identities-1");
/// user_id SEP group_id -> ExpiringMembership (group memberships granted by a mapping)
pub const EXPIRING_MEMBERSHIPS: Table = TableDefinition::new("expiring-memberships-1");
/// group_id SEP user_id -> "" (the reverse of EXPIRING_MEMBERSHIPS)
pub const GROUP_EXPIRING_MEMBERS: Table = TableDefinition::new("group-expiring-members-1");
