//! The validation layer's error: a body upstream would refuse, with upstream's sentence. The
//! API turns it into its 400 (`From<ValidationError> for Error` in src/error.rs), so the
//! validator knows nothing of HTTP.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Upstream's message for the first failure (secret values already masked).
    pub message: String,
}

impl ValidationError {
    pub fn new(message: impl Into<String>) -> ValidationError {
        ValidationError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}
