//! Huawei Cloud IAM's records: one module per group, each with its own tables (listed in
//! tables.rs `ALL`, so the store opens them at start).
pub mod access_keys;
pub mod agencies;
pub mod ep_grants;
pub mod federation;
pub mod mfa;
pub mod role_details;
pub mod security_policy;
pub mod user_profiles;
