//! Federation (OS-FEDERATION): identity providers, protocols, mappings and service providers
//! (records in `store::federation`), upstream's mapping engine (`mapping`), and OpenID Connect
//! done natively, the part Apache's mod_auth_openidc does for upstream (`oidc`).

pub mod config;
pub mod mapping;
pub mod oidc;
