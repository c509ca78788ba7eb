//! The records the replicated state keeps. Encoded with the project codec; JSON documents stay text.

use serde::Deserialize;
use serde::Serialize;

/// A Distributed Map's map run (the engine reports it whole; see `engine::map_run`).
pub use crate::engine::map_run::MapRunRecord;

/// STANDARD or EXPRESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateMachineType {
    Standard,
    Express,
}

impl StateMachineType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StateMachineType::Standard => "STANDARD",
            StateMachineType::Express => "EXPRESS",
        }
    }
}

/// ACTIVE, or DELETING while executions still run after DeleteStateMachine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateMachineStatus {
    Active,
    Deleting,
}

impl StateMachineStatus {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StateMachineStatus::Active => "ACTIVE",
            StateMachineStatus::Deleting => "DELETING",
        }
    }
}

/// Tags a resource may carry.
pub const MAX_TAGS: usize = 50;

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A state machine and its current revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    pub machine_type: StateMachineType,
    pub status: StateMachineStatus,
    pub creation_ms: i64,
    pub definition: String,
    pub role_arn: String,
    /// The id of the current revision (a UUID); every update makes a new one.
    pub revision_id: String,
    /// When the current revision was made (the creation date until the first update).
    pub revision_ms: i64,
    /// LoggingConfiguration as the API JSON text.
    pub logging: String,
    /// TracingConfiguration as the API JSON text.
    pub tracing: String,
    /// EncryptionConfiguration as the API JSON text, when one was given.
    pub encryption: Option<String>,
}

/// A past or current revision of a state machine, as executions started on it saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub definition: String,
    pub role_arn: String,
    pub revision_ms: i64,
    pub logging: String,
    pub tracing: String,
}

/// A published version of a state machine: an immutable pointer to one of its revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// 1, 2, ... per state machine, never reused.
    pub number: u64,
    /// The revision (see `tables::REVISIONS`) the version runs.
    pub revision_id: String,
    pub description: Option<String>,
    pub creation_ms: i64,
}

/// One version an alias routes to, and the percentage of its executions that version gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasRoute {
    pub version: u64,
    pub weight: u8,
}

/// An alias of a state machine: a name that routes executions to one or two of its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    pub description: Option<String>,
    /// One or two routes of distinct versions whose weights add up to 100.
    pub routing: Vec<AliasRoute>,
    pub creation_ms: i64,
    pub update_ms: i64,
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub arn: String,
    pub name: String,
    pub creation_ms: i64,
    pub encryption: Option<String>,
}

/// The status of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// Parses the API spelling (PENDING_REDRIVE is never a stored status).
    pub fn parse(text: &str) -> Option<ExecutionStatus> {
        [
            ExecutionStatus::Running,
            ExecutionStatus::Succeeded,
            ExecutionStatus::Failed,
            ExecutionStatus::TimedOut,
            ExecutionStatus::Aborted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A STANDARD execution: its identity, what it was started with, and how it ended. Written when it starts
/// and when it closes; its progress lives in tables of its own (see `tables`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub status: ExecutionStatus,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub trace_header: Option<String>,
    /// The state machine revision the execution runs.
    pub revision_id: String,
    /// The role of that revision (`$$.Execution.RoleArn`).
    pub role_arn: String,
    /// The mock configuration's test case the execution runs (StartExecution on `<stateMachineArn>#<case>`).
    pub test_case: Option<String>,
    /// What the execution's Wait durations and Retry intervals are multiplied by.
    pub wait_time_scale: crate::engine::WaitTimeScale,
    /// The version the execution runs, when it was started through a version or an alias ARN.
    pub version_arn: Option<String>,
    /// The alias it was started through, if any.
    pub alias_arn: Option<String>,
    /// How many times it was redriven.
    pub redrive_count: u64,
    /// When it was last redriven.
    pub redrive_ms: Option<i64>,
    /// The client tokens of its last redrives (see `store::redrivable`).
    pub redrive_tokens: Vec<RedriveToken>,
}

/// The client token of a redrive that went through, and that redrive's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveToken {
    pub token: String,
    pub redrive_ms: i64,
}

/// An outstanding task token of an execution: an activity task or a service integration call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTask {
    /// The engine's task slot.
    pub slot: u64,
    pub token: String,
    /// The activity ARN for activity tasks; `None` for service integrations.
    pub activity_arn: Option<String>,
    /// The Task state's `Resource`.
    pub resource: String,
    /// The task input (activities) or the resolved Parameters (service integrations), JSON text.
    pub input: String,
    pub heartbeat_seconds: Option<u64>,
    /// Whether ActivityStarted/TaskStarted has committed (the heartbeat clock runs from then).
    pub started: bool,
    /// Whether a `.waitForTaskToken` call's TaskSubmitted has committed (the call was made).
    pub submitted: bool,
}
