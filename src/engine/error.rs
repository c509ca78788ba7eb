//! Errors raised while running a state, named as AWS names them.

use serde::Deserialize;
use serde::Serialize;

/// The predefined error names the engine raises.
pub mod names {
    pub const RUNTIME: &str = "States.Runtime";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
}

/// A failure of a state: an error name and an optional cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateError {
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl StateError {
    /// A named error with a cause.
    pub fn new(error: &str, cause: impl Into<String>) -> StateError {
        StateError { error: Some(error.to_string()), cause: Some(cause.into()) }
    }

    /// `States.Runtime`, worded as AWS words failures of a state it cannot process.
    pub fn runtime(state: &str, entered_event: u64, detail: impl std::fmt::Display) -> StateError {
        StateError::new(
            names::RUNTIME,
            format!("An error occurred while executing the state '{state}' (entered at the event id #{entered_event}). {detail}"),
        )
    }

    /// The error name used for Retry/Catch matching (`""` when the failure has none).
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The error output a catcher passes on: `{"Error": …, "Cause": …}`.
    pub fn output(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        if let Some(error) = &self.error {
            object.insert("Error".into(), error.clone().into());
        }
        if let Some(cause) = &self.cause {
            object.insert("Cause".into(), cause.clone().into());
        }
        serde_json::Value::Object(object)
    }

    /// The details object of an `ExecutionFailed`-like event (members only when present).
    pub fn details(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        if let Some(error) = &self.error {
            object.insert("error".into(), error.clone().into());
        }
        if let Some(cause) = &self.cause {
            object.insert("cause".into(), cause.clone().into());
        }
        serde_json::Value::Object(object)
    }
}
