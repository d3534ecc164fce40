//! OpenID Connect without Apache: what mod_auth_openidc does in front of upstream Keystone
//! (verify a bearer token against the IdP, present its claims as the mapping engine's input).

pub mod config;
