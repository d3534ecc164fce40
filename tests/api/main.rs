//! keystone-lite's API integration tests: one binary, a module per area. Every test runs its own
//! server (the real binary, a free port, a temp data dir), so they run in parallel.

mod common;

mod admin_crud;
mod auth;
mod brute_force;
mod cascade;
mod concurrency;
mod crash;
mod discovery;
mod errors;
mod faults;
mod federation_auth;
mod federation_crud;
mod federation_memberships;
mod federation_oidc_login;
mod federation_users;
mod federation_websso;
mod filters;
mod hierarchy;
mod hostile;
mod huawei_roles;
mod logs;
mod lost_updates;
mod mapping_engine;
mod negatives;
mod ops_admin;
mod ops_audit;
mod ops_backup;
mod ops_export;
mod ops_health;
mod ops_metrics;
mod ops_tls;
mod personas;
mod policy;
mod reads;
mod restart;
mod revocation_cache;
mod route_table;
mod secrets;
mod seed;
mod service_layer;
mod tokens;
mod v2_tenant;
mod writes;
