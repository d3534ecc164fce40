//! GET /v3/OS-FEDERATION/projects and /domains: upstream serves them with the same resource
//! as /v3/auth/projects and /v3/auth/domains (its `alternate_urls`), which count a federated
//! token's groups.

pub use crate::api::v3::auth::{list_domains, list_projects};
