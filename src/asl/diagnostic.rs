//! Validation findings about a state machine definition, worded as AWS words them.

use std::fmt;

/// How serious a finding is: errors reject the definition, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The API spelling (`ERROR` / `WARNING`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

/// One finding: an AWS diagnostic code, its message and where in the document it applies (`/States/A/Next`).
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub location: Option<String>,
}

impl Diagnostic {
    /// An error finding.
    pub fn error(code: &str, message: impl Into<String>, location: Option<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code: code.to_string(), message: message.into(), location }
    }

    /// A `SCHEMA_VALIDATION_FAILED` error at `location`.
    pub fn schema(message: impl Into<String>, location: &str) -> Diagnostic {
        Diagnostic::error(codes::SCHEMA_VALIDATION_FAILED, message, Some(location.to_string()))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        Ok(())
    }
}

/// The diagnostic codes ValidateStateMachineDefinition documents.
pub mod codes {
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    pub const MISSING_DESCRIPTION: &str = "MISSING_DESCRIPTION";
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    pub const INVALID_RESOURCE: &str = "INVALID_RESOURCE";
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    pub const TOO_DEEPLY_NESTED: &str = "TOO_DEEPLY_NESTED";
    pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
    pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";
}

/// A rejected definition; `Display` is the message the API returns with `InvalidDefinition`.
#[derive(Debug, Clone)]
pub struct InvalidDefinition {
    pub diagnostics: Vec<Diagnostic>,
}

impl InvalidDefinition {
    /// Only the error findings (warnings never reject a definition).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for InvalidDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.errors().map(|d| d.to_string()).collect();
        write!(f, "Invalid State Machine Definition: '{}'", parts.join(", "))
    }
}

impl std::error::Error for InvalidDefinition {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_joins_errors_like_aws() {
        let invalid = InvalidDefinition {
            diagnostics: vec![
                Diagnostic::error(
                    codes::MISSING_TRANSITION_TARGET,
                    "Missing 'Next' target: pass3",
                    Some("/States/pass1/Next".into()),
                ),
                Diagnostic::error(codes::MISSING_END_STATE, "Workflow has no terminal state", None),
            ],
        };
        assert_eq!(
            invalid.to_string(),
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at \
             /States/pass1/Next, MISSING_END_STATE: Workflow has no terminal state'"
        );
    }
}
