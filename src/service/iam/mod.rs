//! Huawei Cloud IAM's services (no HTTP): access keys and their signatures, security tokens,
//! user profiles, MFA, Huawei roles and custom policies, agencies, security policies. Each
//! group one module; the routes are thin adapters in src/api/huawei/.
pub mod access_keys;
pub mod acl;
pub mod agencies;
pub mod custom_policies;
pub mod federation;
pub mod mfa;
pub mod password_rules;
pub mod security_policy;
pub mod signing;
pub mod users;
