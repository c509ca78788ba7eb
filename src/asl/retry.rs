//! Retriers and catchers of Task, Parallel and Map states.

use serde_json::Value;

use crate::asl::state::PathField;

/// The wildcard error name.
pub const STATES_ALL: &str = "States.ALL";

/// One `Retry` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter_full: bool,
}

/// One `Catch` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: String,
    pub result_path: PathField,
    pub assign: Option<Value>,
    pub output: Option<Value>,
}

/// Whether an `ErrorEquals` list matches `error`. `States.ALL` matches everything except the terminal
/// `States.DataLimitExceeded` and `States.Runtime`.
pub fn error_matches(error_equals: &[String], error: &str) -> bool {
    error_equals.iter().any(|name| {
        name == error || (name == STATES_ALL && error != "States.DataLimitExceeded" && error != "States.Runtime")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_all_skips_terminal_errors() {
        let all = vec![STATES_ALL.to_string()];
        let cases = [
            ("Custom", true),
            ("States.Timeout", true),
            ("States.Runtime", false),
            ("States.DataLimitExceeded", false),
        ];
        for (error, expected) in cases {
            assert_eq!(error_matches(&all, error), expected, "{error}");
        }
        assert!(error_matches(&["A".into(), "B".into()], "B"));
        assert!(!error_matches(&["A".into()], "B"));
    }
}
