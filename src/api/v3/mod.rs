//! Identity API v3 handlers, one module per upstream area (keystone/api/*.py). The route
//! table (src/http/table.rs) runs them after authenticating and enforcing; the renderers and
//! list helpers they share with v2.0 are in src/api/mod.rs, re-exported here for `super::`.

pub use super::{
    extras, filtered_list, list_response, list_target, not_found, render_domain, render_endpoint,
    render_group, render_project, render_region, render_role, render_service, render_user,
    self_link,
};

pub mod application_credentials;
pub mod auth;
pub mod catalog;
pub mod credentials;
pub mod domain_config;
pub mod domains;
pub mod ec2;
pub mod endpoint_filter;
pub mod federation;
pub mod groups;
pub mod limits;
pub mod oauth1;
pub mod oauth2;
pub mod policies;
pub mod projects;
pub mod revoke;
pub mod role_assignments;
pub mod roles;
pub mod totp;
pub mod trusts;
pub mod user_tokens;
pub mod users;
