//! Huawei Cloud IAM's records: one module per group, each with its own tables (listed in
//! tables.rs `ALL`, so the store opens them at start).
pub mod ep_grants;
pub mod role_details;
