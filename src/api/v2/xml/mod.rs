//! The v2.0 XML media type (namespace `http://docs.openstack.org/identity/api/v2.0`), as the
//! developer guide and the v2.0 reference show it: a small serializer from the JSON documents
//! the v2 handlers build, and a small parser for the request documents they accept. Neither
//! panics: malformed input is a 400 in the v2 fault format. No DTDs, no entities beyond the
//! five predefined ones and character references, bounded depth.
//!
//! One job a file: `write` (JSON document to XML), `read` (the bounded XML parser),
//! `request` (a parsed request document as the JSON the handlers take).

mod read;
mod request;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test's unwrap is its assertion
mod tests;
mod write;

pub use read::{parse, Element};
pub use request::request_to_json;
pub use write::to_xml;

pub const NS: &str = "http://docs.openstack.org/identity/api/v2.0";
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
