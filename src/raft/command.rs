//! What goes into the Raft log: proposals fenced by `(shard, epoch)`, and what applying them answers.

use serde::Deserialize;
use serde::Serialize;

use crate::aws_error::AwsError;
use crate::cluster::Epoch;
use crate::cluster::ShardId;
use crate::cluster::ShardMap;
use crate::cluster::ShardMove;
use crate::history::StoredEvent;
use crate::store::ActivityRecord;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;
use crate::store::StateMachineRecord;
use crate::store::Tag;

/// A command plus the shard it concerns and the epoch under which its proposer owns that shard.
/// `apply` rejects it, identically on every node, if the epoch is no longer current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub shard: ShardId,
    pub epoch: Epoch,
    pub command: Command,
}

impl std::fmt::Display for Proposal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}:{}", self.shard.0, self.epoch.0, self.command.name())
    }
}

/// A change to the replicated state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Creates the shard map and the task-token secret when the cluster is first initialized.
    InitShards {
        map: ShardMap,
        token_key: String,
    },
    /// Moves shards between owners (the leader's controller); each move bumps its shard's epoch.
    AssignShards {
        moves: Vec<ShardMove>,
    },
    CreateStateMachine {
        machine: StateMachineRecord,
        tags: Vec<Tag>,
    },
    UpdateStateMachine {
        update: StateMachineUpdate,
    },
    DeleteStateMachine {
        arn: String,
    },
    CreateActivity {
        activity: ActivityRecord,
        tags: Vec<Tag>,
    },
    DeleteActivity {
        arn: String,
    },
    TagResource {
        arn: String,
        tags: Vec<Tag>,
    },
    UntagResource {
        arn: String,
        keys: Vec<String>,
    },
    /// Creates a STANDARD execution with its `ExecutionStarted` event, unless its account already has
    /// `open_limit` RUNNING executions.
    StartExecution {
        execution: ExecutionRecord,
        started: StoredEvent,
        open_limit: u64,
    },
    /// Appends events of one interpreter step, fenced by the id the next event must have.
    AppendEvents {
        append: EventAppend,
    },
}

impl Command {
    /// The command's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::InitShards { .. } => "InitShards",
            Command::AssignShards { .. } => "AssignShards",
            Command::CreateStateMachine { .. } => "CreateStateMachine",
            Command::UpdateStateMachine { .. } => "UpdateStateMachine",
            Command::DeleteStateMachine { .. } => "DeleteStateMachine",
            Command::CreateActivity { .. } => "CreateActivity",
            Command::DeleteActivity { .. } => "DeleteActivity",
            Command::TagResource { .. } => "TagResource",
            Command::UntagResource { .. } => "UntagResource",
            Command::StartExecution { .. } => "StartExecution",
            Command::AppendEvents { .. } => "AppendEvents",
        }
    }
}

/// The fields UpdateStateMachine changes; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineUpdate {
    pub arn: String,
    pub definition: Option<String>,
    pub role_arn: Option<String>,
    pub logging: Option<String>,
    pub tracing: Option<String>,
    pub revision_id: String,
    pub update_ms: i64,
}

/// One interpreter step's events for an execution, and the state after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventAppend {
    pub execution_arn: String,
    pub expected_next_event_id: u64,
    pub events: Vec<StoredEvent>,
    pub engine_state: String,
    pub timers: Vec<(String, i64)>,
    pub open_tasks: Vec<OpenTask>,
    pub close: Option<ExecutionClose>,
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

/// What applying a proposal answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Applied {
    /// Applied (or an idempotent repeat); carries the creation/start/update time the client is told.
    Done { at_ms: i64 },
    /// Refused; nothing changed.
    Rejected(AwsError),
}
