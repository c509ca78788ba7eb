//! The persistent state of one execution: what it was started with, where each of its threads stands
//! (the top level, Parallel branches, Map iterations), its variables and its timers.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;
use serde_json::Map;
use serde_json::Value;

use crate::engine::error::StateError;
use crate::engine::io::FinalStatus;
use crate::engine::io::TimerId;
use crate::engine::time_scale::WaitTimeScale;

/// What the context object needs about the execution (all fixed at start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub execution_name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub start_time_ms: i64,
    /// The execution input as JSON text.
    pub input: String,
    /// The cluster's secret for signing task tokens.
    #[serde(default)]
    pub token_key: String,
    /// What Wait durations and Retry intervals are multiplied by.
    #[serde(default)]
    pub wait_time_scale: WaitTimeScale,
    /// The execution's redrives so far (`$$.Execution.RedriveCount`, `RedriveTime`): set by `step` from the
    /// execution's state, so a rebuild sees each state with the count it ran under.
    #[serde(default)]
    pub redrive: Redrives,
}

/// How often and when last an execution was redriven.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Redrives {
    pub count: u64,
    /// When the last redrive happened (epoch ms).
    pub last_ms: Option<i64>,
}

/// All state of one running execution that the engine needs to continue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionState {
    /// Fixed at start and kept in the execution's record, so never part of an encoded state.
    #[serde(skip)]
    pub info: ExecutionInfo,
    /// The id the next event gets.
    pub next_event_id: u64,
    /// `None` while running.
    pub status: Option<FinalStatus>,
    pub root: Thread,
    pub next_timer_id: u64,
    /// The timer armed for the execution's `TimeoutSeconds`.
    pub execution_timer: Option<TimerId>,
    /// Timers that came due and were not consumed yet.
    pub fired: Vec<TimerId>,
    /// The slot the next task attempt gets.
    #[serde(default = "first_slot")]
    pub next_task_slot: u64,
    /// Calls made so far by each Task state (by name), retries included.
    #[serde(default)]
    pub task_invocations: BTreeMap<String, u64>,
    /// The execution's redrives so far.
    #[serde(default)]
    pub redrives: Redrives,
}

fn first_slot() -> u64 {
    1
}

impl ExecutionState {
    /// A fresh execution whose ExecutionStarted event (id 1) the server has already written.
    pub fn new(info: ExecutionInfo) -> ExecutionState {
        ExecutionState {
            info,
            next_event_id: 2,
            status: None,
            root: Thread::new(Vec::new(), 0, Position::NotStarted),
            next_timer_id: 1,
            execution_timer: None,
            fired: Vec::new(),
            next_task_slot: 1,
            task_invocations: BTreeMap::new(),
            redrives: Redrives::default(),
        }
    }

    /// Whether the execution has closed.
    pub fn is_finished(&self) -> bool {
        self.status.is_some()
    }
}

/// One step from a `States` body down into a nested one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScopeStep {
    /// Branch `index` of the Parallel state `state`.
    Branch { state: String, index: usize },
    /// The item processor of the Map state `state`.
    Processor { state: String },
}

/// A sequence of states run one after another: the top level, one Parallel branch or one Map iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Thread {
    /// Where its `States` body sits in the definition.
    pub scope: Vec<ScopeStep>,
    /// The id of the last event in this thread's causal chain.
    pub last_event: u64,
    pub position: Position,
    /// Variables assigned in this thread's scope.
    #[serde(with = "crate::engine::json_text")]
    pub variables: Map<String, Value>,
    /// A child of a Distributed Map: its events are not part of this execution's history.
    #[serde(default)]
    pub silent: bool,
}

impl Thread {
    /// A thread at `position` whose next event follows `last_event`.
    pub fn new(scope: Vec<ScopeStep>, last_event: u64, position: Position) -> Thread {
        Thread { scope, last_event, position, variables: Map::new(), silent: false }
    }
}

/// Per-retrier attempt counts of the state being run.
pub type RetryCounts = Vec<u64>;

/// What a state in progress remembers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Active {
    pub state: String,
    /// The raw input of the state (before InputPath).
    #[serde(with = "crate::engine::json_text")]
    pub input: Value,
    pub entered_event: u64,
    pub entered_ms: i64,
    pub retries: RetryCounts,
    /// Whether the state type can retry (Task, Parallel, Map): only those show `$$.State.RetryCount`.
    #[serde(default)]
    pub retryable: bool,
}

/// Where a thread stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Position {
    /// The top level before `Input::Start`.
    NotStarted,
    /// About to enter `state` with `input`.
    Enter {
        state: String,
        #[serde(with = "crate::engine::json_text")]
        input: Value,
    },
    /// A Wait state waiting for `timer`.
    Waiting {
        active: Active,
        timer: TimerId,
        #[serde(with = "crate::engine::json_text")]
        output: Value,
        #[serde(with = "crate::engine::json_text")]
        assigned: Option<Map<String, Value>>,
    },
    /// A Task/Parallel/Map state waiting for `timer` before its next attempt.
    RetryWait { active: Active, timer: TimerId, error: StateError },
    /// A Task state waiting for its work.
    Task(Box<crate::engine::task::TaskProgress>),
    /// A Parallel state running its branches.
    Parallel {
        active: Active,
        #[serde(with = "crate::engine::json_text")]
        effective: Value,
        branches: Vec<Thread>,
    },
    /// A Map state running its iterations.
    Map(Box<MapProgress>),
    /// The thread's last state finished with this output.
    Done {
        #[serde(with = "crate::engine::json_text")]
        output: Value,
    },
    /// The thread failed. `resume` is where a redrive picks it up: the state that failed, entered again with
    /// the input it had, or the Parallel or Map that failed with its branches or iterations as they ended.
    Failed { error: StateError, resume: Box<Position> },
    /// The thread can never go on, as on AWS for a Map whose MaxConcurrencyPath resolves to a negative
    /// number: nothing is recorded and the execution stays RUNNING until it is stopped or times out.
    Stalled,
}

/// The progress of a Map state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapProgress {
    pub active: Active,
    /// Inputs of every iteration (after ItemSelector).
    #[serde(with = "crate::engine::json_text")]
    pub inputs: Vec<Value>,
    /// Concurrency limit; 0 means no limit.
    pub max_concurrency: u64,
    /// Iterations started so far (index = item index).
    pub iterations: Vec<Thread>,
    /// Whether each started iteration has been reported finished.
    pub reported: Vec<bool>,
    /// The event a new iteration's `MapIterationStarted` follows.
    pub cursor: u64,
    /// The last `MapIterationSucceeded` event.
    pub last_iteration_event: u64,
    /// Set for a Distributed Map: the id of its `MapRunStarted` event.
    #[serde(default)]
    pub map_run_event: Option<u64>,
    /// How many failed items a Distributed Map tolerates (UpdateMapRun changes it while the map run runs).
    #[serde(default)]
    pub tolerance: Option<Tolerance>,
    /// Failed items so far (Distributed Map; a failed batch counts all its items).
    #[serde(default)]
    pub failures: u64,
    /// Set for a Distributed Map: its map run.
    #[serde(default)]
    pub map_run: Option<crate::engine::map_run::MapRunTrack>,
}

/// How many failed items a Distributed Map tolerates.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tolerance {
    pub count: Option<u64>,
    pub percentage: Option<f64>,
}

impl Tolerance {
    /// Whether `failures` out of `total` items exceed the tolerance.
    pub fn exceeded(&self, failures: u64, total: u64) -> bool {
        let percent = if total == 0 { 0.0 } else { failures as f64 * 100.0 / total as f64 };
        match (self.count, self.percentage) {
            (None, None) => failures > 0,
            (Some(c), None) => failures > c,
            (None, Some(p)) => percent > p,
            (Some(c), Some(p)) => failures > c || percent > p,
        }
    }
}
