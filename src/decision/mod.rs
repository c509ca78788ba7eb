//! Decisions: what the log records of an execution. A decision is one run of the engine up to the point
//! where the execution must wait (a timer, a task, the end): the inputs it consumed, the history events
//! it wrote, and the small typed change set the state machine applies in place. Its size follows what the
//! run produced, never the size of the execution's state.
//!
//! The owner of an execution rebuilds its state from the last checkpoint plus the inputs recorded after
//! it ([`replay`]); the engine is deterministic, so the same inputs at the same times give the same state.
//! Nothing here performs IO.

mod decide;
mod replay;
mod runtime;

use serde::Deserialize;
use serde::Serialize;

pub use decide::decide;
pub use replay::rebuild;
pub use replay::replay;
pub use replay::RebuildError;
pub use replay::Rebuilt;
pub use runtime::Runtime;

use crate::engine::map_run::MapRunRecord;
use crate::engine::Input;
use crate::engine::TaskSlot;
use crate::engine::TimerId;
use crate::history::StoredEvent;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;

/// One run of the engine, as the log carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The inputs the engine consumed, in order, with the time each was consumed at.
    pub inputs: Vec<Consumed>,
    /// The history events the run wrote, in id order.
    pub events: Vec<StoredEvent>,
    pub changes: Changes,
    /// The execution's state after this decision, encoded; written when the recorded inputs since the last
    /// checkpoint outgrow it, so that a rebuild replays a bounded tail.
    pub checkpoint: Option<Vec<u8>>,
}

/// An input as the engine consumed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consumed {
    pub at_ms: i64,
    pub input: Input,
}

/// What a decision changes besides the history: applied in place to the execution's timers, open tasks
/// and status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// Timers armed, with their absolute due times (epoch ms).
    pub timers_armed: Vec<(TimerId, i64)>,
    /// Timers that fired or are no longer needed.
    pub timers_dropped: Vec<TimerId>,
    /// Tasks whose token went out (activity tasks waiting for a worker, service calls made).
    pub tasks_opened: Vec<OpenTask>,
    /// Activity tasks a worker took.
    pub tasks_started: Vec<TaskSlot>,
    /// `.waitForTaskToken` calls that were made (TaskSubmitted).
    pub tasks_submitted: Vec<TaskSlot>,
    /// Tasks that ended; their tokens are no longer valid.
    pub tasks_closed: Vec<TaskSlot>,
    /// Those of `tasks_closed` that were abandoned while a worker may still run them: their workers are asked
    /// to cancel. Only the owner acts on it, so the log does not carry it.
    #[serde(skip)]
    pub tasks_abandoned: Vec<TaskSlot>,
    /// Set when the decision ends the execution.
    pub close: Option<ExecutionClose>,
    /// Map runs that started, progressed or closed: each one's record as the decision left it.
    pub map_runs: Vec<MapRunRecord>,
}

impl Changes {
    /// Whether the decision changes nothing but, possibly, the history.
    pub fn is_empty(&self) -> bool {
        self == &Changes::default()
    }
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionClose {
    pub status: ExecutionStatus,
    pub stop_ms: i64,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// The engine's context of a stored execution, with the cluster's token-signing secret.
pub fn execution_info(execution: &crate::store::ExecutionRecord, token_key: &str) -> crate::engine::ExecutionInfo {
    let state_machine_name = execution.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
    crate::engine::ExecutionInfo {
        execution_arn: execution.arn.clone(),
        execution_name: execution.name.clone(),
        state_machine_arn: execution.state_machine_arn.clone(),
        state_machine_name,
        role_arn: execution.role_arn.clone(),
        start_time_ms: execution.start_ms,
        input: execution.input.clone(),
        token_key: token_key.to_string(),
        wait_time_scale: execution.wait_time_scale,
        redrive: Default::default(),
    }
}

impl Decision {
    /// The id the next event gets after this decision, given the id it started at.
    pub fn next_event_id(&self, expected: u64) -> u64 {
        expected + self.events.len() as u64
    }

    /// Encoded size of the recorded inputs (what a rebuild replays).
    pub fn tail_bytes(&self) -> usize {
        crate::store::encode(&self.inputs).len()
    }
}
