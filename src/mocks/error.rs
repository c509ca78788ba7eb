//! Why a mock configuration file was refused.

/// A mock configuration file that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mock configuration {path}: {reason}")]
pub struct MockConfigError {
    pub path: String,
    pub reason: String,
}
