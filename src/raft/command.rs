//! What goes into the Raft log: batches of proposals fenced by `(shard, epoch)`, and what applying them
//! answers.

use serde::Deserialize;
use serde::Serialize;

use crate::cluster::Epoch;
use crate::cluster::ShardId;
use crate::cluster::ShardMap;
use crate::cluster::ShardMove;
use crate::decision::Decision;
use crate::store::ActivityRecord;
use crate::store::AliasRecord;
use crate::store::AliasRoute;
use crate::store::ExecutionRecord;
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
    /// Creates a STANDARD execution with its first decision (ExecutionStarted and the run up to its first
    /// wait), unless its account already has `open_limit` RUNNING executions.
    StartExecution {
        execution: Box<ExecutionRecord>,
        decision: Decision,
        open_limit: u64,
    },
    /// Records a decision of an execution's owner, fenced by the id the next event must have.
    Decide {
        execution_arn: String,
        expected_next_event_id: u64,
        decision: Decision,
    },
    /// Reopens a closed execution that did not succeed with its redrive decision (ExecutionRedriven and the run
    /// up to the next wait), fenced by the id the next event must have.
    RedriveExecution {
        redrive: ExecutionRedrive,
    },
    /// Publishes the state machine's current revision as its next version, unless that revision already has
    /// one; refused as a conflict when the current revision is no longer `revision_id`.
    PublishStateMachineVersion {
        publish: VersionPublish,
    },
    /// Deletes a version no alias routes to.
    DeleteStateMachineVersion {
        machine_arn: String,
        number: u64,
    },
    /// Creates an alias, or answers an identical existing one.
    CreateStateMachineAlias {
        machine_arn: String,
        alias: AliasRecord,
    },
    /// Changes an alias's description and/or routing.
    UpdateStateMachineAlias {
        update: AliasUpdate,
    },
    DeleteStateMachineAlias {
        machine_arn: String,
        name: String,
    },
    /// Forgets closed executions (record and history) that ended before `before_ms`, at most `limit` of them
    /// (the leader's retention task; not fenced by a shard).
    ExpireClosed {
        before_ms: i64,
        limit: u32,
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
            Command::Decide { .. } => "Decide",
            Command::RedriveExecution { .. } => "RedriveExecution",
            Command::ExpireClosed { .. } => "ExpireClosed",
            Command::PublishStateMachineVersion { .. } => "PublishStateMachineVersion",
            Command::DeleteStateMachineVersion { .. } => "DeleteStateMachineVersion",
            Command::CreateStateMachineAlias { .. } => "CreateStateMachineAlias",
            Command::UpdateStateMachineAlias { .. } => "UpdateStateMachineAlias",
            Command::DeleteStateMachineAlias { .. } => "DeleteStateMachineAlias",
        }
    }
}

/// What RedriveExecution asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRedrive {
    pub execution_arn: String,
    /// The id after the execution's last event: the redrive is refused if the history moved on.
    pub expected_next_event_id: u64,
    /// The caller's idempotency token: a repeat of a recent redrive answers that redrive's date.
    pub client_token: Option<String>,
    pub redrive_ms: i64,
    /// Most RUNNING executions the account may have.
    pub open_limit: u64,
    pub decision: Decision,
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

/// What PublishStateMachineVersion (or `publish` on Create/UpdateStateMachine) asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPublish {
    pub machine_arn: String,
    /// The revision the caller saw as current; `None` for `INITIAL` (the machine was never updated).
    pub revision_id: Option<String>,
    pub description: Option<String>,
    pub creation_ms: i64,
    /// Most versions a state machine may have.
    pub limit: u64,
}

/// The fields UpdateStateMachineAlias changes; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasUpdate {
    pub machine_arn: String,
    pub name: String,
    pub description: Option<String>,
    pub routing: Option<Vec<AliasRoute>>,
    pub update_ms: i64,
}

/// Proposals committed together as one log entry (one fsync, one apply transaction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalBatch(pub Vec<Proposal>);

impl std::fmt::Display for ProposalBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} proposals", self.0.len())
    }
}

/// What applying a proposal answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Applied {
    /// Applied (or an idempotent repeat); carries the creation/start/update/stop time the client is told.
    Done { at_ms: i64 },
    /// Refused; nothing changed.
    Refused(Refusal),
}

/// Why applying a proposal changed nothing. Decided identically on every node; the API maps each to the
/// error a client expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("shard {shard} moved to another owner")]
    ShardMoved { shard: u16 },
    #[error("execution {execution_arn} moved on: expected event id {expected}, found {found:?}")]
    Fenced { execution_arn: String, expected: u64, found: Option<u64> },
    #[error("state machine {arn} does not exist")]
    StateMachineDoesNotExist { arn: String },
    #[error("state machine {arn} is being deleted")]
    StateMachineDeleting { arn: String },
    #[error("state machine {arn} already exists with another configuration")]
    StateMachineAlreadyExists { arn: String },
    #[error("activity {arn} already exists with another configuration")]
    ActivityAlreadyExists { arn: String },
    #[error("execution {arn} already exists")]
    ExecutionAlreadyExists { arn: String },
    #[error("the account has reached its limit of running executions")]
    ExecutionLimitExceeded,
    #[error("resource {arn} not found")]
    ResourceNotFound { arn: String },
    #[error("resource {arn} would have more than {limit} tags")]
    TooManyTags { arn: String, limit: usize },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{message}")]
    QuotaExceeded { message: String },
    #[error("execution {arn} does not exist")]
    ExecutionDoesNotExist { arn: String },
    #[error("execution {arn} cannot be redriven: {reason}")]
    ExecutionNotRedrivable { arn: String, reason: String },
}
