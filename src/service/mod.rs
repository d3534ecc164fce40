//! The service layer: one function per upstream operation that more than one API reaches
//! (v3, v2.0, later Huawei IAM and federation), each run inside one write transaction with its
//! whole cascade and its revocation events, and the delegation rules token validation uses.
//! No HTTP here: callers parse and render.

pub mod assignment;
pub mod catalog;
pub mod delegation;
pub mod federated_login;
pub mod federation;
pub mod iam;
pub mod identity;
pub mod password;
pub mod projects;
pub mod resource;
pub mod users;
