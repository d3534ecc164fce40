//! OS-FEDERATION: federated authentication (`auth`) and the projects/domains a federated
//! token reaches (`projects`); the identity provider, protocol, mapping and service provider
//! routes live beside them.

pub mod auth;
pub mod projects;
