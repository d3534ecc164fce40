//! Domain logic shared by the HTTP handlers and token validation, without HTTP.

pub mod delegation;
