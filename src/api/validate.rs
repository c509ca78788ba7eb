//! Model constraints (required members, lengths, ranges) checked as AWS does, reported as one
//! ValidationException listing every violation.

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::store::decode;

/// Collects constraint violations of one request.
#[derive(Default)]
pub struct Constraints {
    violations: Vec<String>,
}

impl Constraints {
    /// A required string member with a length range (in characters).
    pub fn required<'a>(&mut self, member: &str, value: &'a Option<String>, min: usize, max: usize) -> &'a str {
        match value {
            None => {
                self.violations
                    .push(format!("Value null at '{member}' failed to satisfy constraint: Member must not be null"));
                ""
            }
            Some(v) => {
                self.length(member, Some(v), min, max);
                v
            }
        }
    }

    /// An optional string member's length range (in characters).
    pub fn length(&mut self, member: &str, value: Option<&String>, min: usize, max: usize) {
        let Some(value) = value else { return };
        let count = value.chars().count();
        if count < min {
            self.violations.push(format!(
                "Value '{value}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
            ));
        } else if count > max {
            self.violations.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ));
        }
    }

    /// A payload member's size limit in UTF-8 bytes.
    pub fn bytes(&mut self, member: &str, value: Option<&String>, max: usize) {
        if value.is_some_and(|v| v.len() > max) {
            self.violations.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ));
        }
    }

    /// An optional integer member's range.
    pub fn range(&mut self, member: &str, value: Option<i64>, min: i64, max: i64) {
        match value {
            Some(v) if v < min => self.violations.push(format!(
                "Value '{v}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
            )),
            Some(v) if v > max => self.violations.push(format!(
                "Value '{v}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}"
            )),
            _ => {}
        }
    }

    /// An optional enum member.
    pub fn one_of(&mut self, member: &str, value: Option<&String>, allowed: &[&str]) {
        if let Some(value) = value {
            if !allowed.contains(&value.as_str()) {
                self.violations.push(format!(
                    "Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ));
            }
        }
    }

    /// A list member's number of items.
    pub fn list_length(&mut self, member: &str, len: usize, min: usize, max: usize) {
        if len < min {
            self.violations.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
            ));
        } else if len > max {
            self.violations.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ));
        }
    }

    /// An optional string member that must match the model's regular expression `pattern`, as `matches` says.
    pub fn pattern(&mut self, member: &str, value: Option<&String>, matches: impl Fn(&str) -> bool, pattern: &str) {
        if let Some(value) = value.filter(|v| !matches(v)) {
            self.violations.push(format!(
                "Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
            ));
        }
    }

    /// Ok when nothing was violated; otherwise the ValidationException AWS sends.
    pub fn finish(self) -> Result<(), AwsError> {
        match self.violations.len() {
            0 => Ok(()),
            1 => Err(AwsError::new(
                ErrorCode::ValidationException,
                format!("1 validation error detected: {}", self.violations[0]),
            )),
            n => Err(AwsError::new(
                ErrorCode::ValidationException,
                format!("{n} validation errors detected: {}", self.violations.join("; ")),
            )),
        }
    }
}

/// `maxResults` as a page size: 0 or absent means 100.
pub fn page_size(max_results: Option<i64>) -> usize {
    match max_results {
        Some(n) if n > 0 => n as usize,
        _ => 100,
    }
}

/// Checks that `input` is JSON text, as StartExecution requires.
pub fn execution_input(input: Option<&String>) -> Result<String, AwsError> {
    let Some(input) = input else {
        return Ok("{}".to_string());
    };
    if input.trim().is_empty() {
        return Err(AwsError::new(
            ErrorCode::InvalidExecutionInput,
            "Invalid State Machine Execution Input: 'Invalid execution input.'",
        ));
    }
    serde_json::from_str::<serde_json::Value>(input).map_err(|e| {
        AwsError::new(ErrorCode::InvalidExecutionInput, format!("Invalid State Machine Execution Input: '{e}'"))
    })?;
    Ok(input.clone())
}

/// Decodes a stored value for the API, mapping corruption to InternalFailure.
pub fn decoded<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AwsError> {
    decode(bytes).map_err(|e| AwsError::internal(e.to_string()))
}
