//! What goes into a step (inputs) and what comes out (events are in `event`; effects here).

use serde::Deserialize;
use serde::Serialize;

use crate::engine::event::EventDraft;
use crate::engine::map_run::MapRunRecord;
use crate::engine::map_run::MapRunUpdate;

/// Names a timer the engine asked the runtime to arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimerId(pub u64);

/// Names one attempt of a Task state; the task token encodes it (see `engine::task_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskSlot(pub u64);

/// A report about a task from the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskEvent {
    /// The activity exists and the task is queued (answers `Effect::ScheduleActivity`).
    Scheduled,
    /// The activity cannot be scheduled (e.g. "The activity <arn> does not exist."): `States.Runtime`.
    ScheduleFailed { cause: String },
    /// A worker took the task (GetActivityTask) or the service call started.
    Started { worker_name: Option<String> },
    /// A `.waitForTaskToken` service call was submitted; `output` is the service response (JSON text).
    Submitted { output: String },
    /// No heartbeat came within `HeartbeatSeconds` of the start or of the last heartbeat. Heartbeats
    /// themselves never reach the engine: the runtime's token actor keeps that deadline.
    HeartbeatTimedOut,
    /// SendTaskSuccess; `output` is JSON text.
    Succeeded { output: String },
    /// SendTaskFailure.
    Failed { error: Option<String>, cause: Option<String> },
    /// `HeartbeatTimedOut` of a task whose worker had sent heartbeat details: the last details become the
    /// timeout's cause. (Last in the enum, so logs written before it still decode.)
    HeartbeatTimedOutWithDetails { details: String },
}

/// Something that happened to an execution from outside. Inputs are what the log records of a decision:
/// replaying them through `step`, at the times they were consumed, rebuilds the execution's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Input {
    /// Begin at `StartAt` (after the server wrote ExecutionStarted, id 1).
    Start,
    /// Timers the engine asked for came due.
    TimersFired { timers: Vec<TimerId> },
    /// StopExecution.
    Stop { error: Option<String>, cause: Option<String> },
    /// News about the task in `slot`.
    Task { slot: TaskSlot, event: TaskEvent },
    /// RedriveExecution of a closed execution that did not succeed (see `engine::redrive`).
    Redrive,
    /// UpdateMapRun of a map run of this execution.
    UpdateMapRun(MapRunUpdate),
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
    Finished { status: FinalStatus, output: Option<String>, error: Option<String>, cause: Option<String> },
    /// Call `step(.., Input::TimersFired { .. }, ..)` with `timer` at or after this wall-clock time (epoch ms).
    ArmTimer { timer: TimerId, due_ms: i64 },
    /// A timer armed earlier is no longer needed (a task ended before its `TimeoutSeconds`).
    CancelTimer { timer: TimerId },
    /// Queue an activity task; answer with `TaskEvent::Scheduled` (or `ScheduleFailed` when the activity does not
    /// exist) before anything else happens to the execution.
    ScheduleActivity {
        slot: TaskSlot,
        activity_arn: String,
        input: String,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
        task_token: String,
    },
    /// Call a service integration or a Lambda function (TaskScheduled or LambdaFunctionScheduled is already
    /// written); report progress with `Input::Task`.
    InvokeTask {
        slot: TaskSlot,
        /// The Task state making the call.
        state: String,
        /// How many calls that state made before this one in the execution, retries included (0 for the
        /// first): what a mocked response is chosen by.
        invocation: u64,
        resource: String,
        parameters: String,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
        task_token: String,
    },
    /// The task in `slot` is over (finished, failed, timed out or aborted): its token is no longer valid.
    CloseTask { slot: TaskSlot },
    /// The task in `slot` was abandoned while its worker may still run it (the execution stopped, or its
    /// Parallel branch or Map iteration was given up): its token closes, and the runtime asks the worker to
    /// cancel.
    AbandonTask { slot: TaskSlot },
    /// A map run started, progressed, changed its limits or closed: the whole record as it stands now.
    MapRun(Box<MapRunRecord>),
}

/// The result of one step: events to append (in order) and effects for the runtime.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub events: Vec<EventDraft>,
    pub effects: Vec<Effect>,
}
