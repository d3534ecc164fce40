//! Huawei Cloud IAM's services (no HTTP): access keys and their signatures, security tokens,
//! user profiles, MFA, Huawei roles and custom policies, agencies, security policies. Each
//! group one module; the routes are thin adapters in src/api/huawei/.
pub mod custom_policies;
