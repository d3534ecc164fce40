//! EC2 credentials: the OS-EC2 views under /v3/users/{id}/credentials/OS-EC2 (upstream's
//! keystone/api/users.py), and POST /v3/ec2tokens and /v3/s3tokens (keystone/api/ec2tokens.py,
//! s3tokens.py and _shared/EC2_S3_Resource.py), which check an EC2 (v0, v1, v2, v4) or S3
//! (v1, v4) signature made with the credential's secret and answer a project-scoped token
//! with the `ec2credential` method. The signer is keystoneclient's `Ec2Signer`.
//!
//! One job a file: `credentials` (the OS-EC2 CRUD views), `tokens` (ec2tokens/s3tokens: find
//! the credential, check it, issue the token), `signature` (the EC2 and S3 signature checks).

mod credentials;
mod signature;
#[cfg(test)]
mod tests;
mod tokens;

use crate::error::Error;

pub use credentials::{create, create_target, delete, get, list, owner_target, user_target};
pub use signature::{ec2_signature, s3_signature};
pub use tokens::{ec2tokens, s3tokens};

/// Upstream's Unauthorized: the reason is logged, the client sees the generic sentence
/// (keystone hides 401 details unless insecure_debug is on).
pub(super) fn unauthorized(reason: &str) -> Error {
    log::warn!("Authorization failed. {reason}");
    Error::unauthenticated()
}
