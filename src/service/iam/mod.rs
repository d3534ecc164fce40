//! Huawei Cloud IAM's services (no HTTP): access keys and their signatures, security tokens,
//! user profiles, MFA, Huawei roles and custom policies, agencies, security policies. Each
//! group one module; the routes are thin adapters in src/api/huawei/.
pub mod federation;
pub mod access_keys;
pub mod signing;
pub mod acl;
pub mod password_rules;
pub mod security_policy;
pub mod users;
pub mod mfa;
pub mod agencies;
