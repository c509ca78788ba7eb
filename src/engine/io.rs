//! What goes into a step (inputs) and what comes out (events are in `event`; effects here).

use serde::Deserialize;
use serde::Serialize;

use crate::engine::event::EventDraft;

/// Names a timer the engine asked the runtime to arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimerId(pub u64);

/// Something that happened to an execution from outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Begin at `StartAt` (after the server wrote ExecutionStarted, id 1).
    Start,
    /// A timer the engine asked for came due.
    TimerFired { timer: TimerId },
    /// StopExecution.
    Stop {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// How an execution closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinalStatus {
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl FinalStatus {
    /// The `ExecutionStatus` spelling (`SUCCEEDED`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            FinalStatus::Succeeded => "SUCCEEDED",
            FinalStatus::Failed => "FAILED",
            FinalStatus::TimedOut => "TIMED_OUT",
            FinalStatus::Aborted => "ABORTED",
        }
    }
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The execution closed.
    Finished {
        status: FinalStatus,
        output: Option<String>,
        error: Option<String>,
        cause: Option<String>,
    },
    /// Call `step(.., Input::TimerFired { timer }, ..)` at or after this wall-clock time (epoch ms).
    ArmTimer { timer: TimerId, due_ms: i64 },
}

/// The result of one step: events to append (in order) and effects for the runtime.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub events: Vec<EventDraft>,
    pub effects: Vec<Effect>,
}
