//! What nodes send each other over the cluster port: Raft RPCs, proposals forwarded to the leader, calls
//! routed to a shard's owner, liveness pings and membership changes.

use openraft::raft::AppendEntriesRequest;
use openraft::raft::InstallSnapshotRequest;
use openraft::raft::VoteRequest;
use serde::Deserialize;
use serde::Serialize;

use super::LeaseGrant;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::raft::ProposalBatch;
use crate::raft::TypeConfig;

/// One request to a peer; the answer's type is given with each variant.
#[derive(Debug, Serialize, Deserialize)]
pub enum PeerRequest {
    /// Raft replication: `Result<AppendEntriesResponse, String>`.
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    /// Raft election: `Result<VoteResponse, String>`.
    Vote(VoteRequest<u64>),
    /// Raft snapshot chunk: `Result<InstallSnapshotResponse, String>`.
    InstallSnapshot(Box<InstallSnapshotRequest<TypeConfig>>),
    /// Proposals for the leader to commit as one entry: `Result<(Vec<Applied>, log index), String>`.
    Propose(ProposalBatch),
    /// A call for the owner of a shard: see [`Routed`].
    Routed(Routed),
    /// Liveness and progress: [`PeerStatus`]; from the leader's controller, with the receiver's owner lease.
    Ping { grant: Option<LeaseGrant> },
    /// The leader's read index, confirmed by a quorum: `Result<log index, AwsError>`.
    ReadIndex,
    /// Adds a node as a learner, then a voter (leader only): `Result<(), AwsError>`.
    AddNode { id: u64, address: String },
    /// Removes a voter (leader only): `Result<(), AwsError>`.
    RemoveNode { id: u64 },
    /// The node's metrics in the Prometheus text format (what its `GET /metrics` serves): `String`.
    Metrics,
}

/// Calls that only the owner of a shard can serve; each answers `Result<T, AwsError>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Routed {
    /// StopExecution (owner of the execution): the stop time.
    Stop { arn: String, error: Option<String>, cause: Option<String> },
    /// SendTaskSuccess/Failure (owner of the execution): `()`.
    Report { arn: String, slot: TaskSlot, event: TaskEvent },
    /// Heartbeats for several tokens at once, as (token, execution, slot, details) (owner of their
    /// executions): one answer per token, whether a cancel is requested.
    Heartbeats(Vec<(String, String, TaskSlot, Option<String>)>),
    /// A worker took a queued task (owner of the execution): the token and input.
    StartActivityTask { arn: String, slot: TaskSlot, worker_name: Option<String> },
    /// A task was scheduled (owner of the activity): `()`.
    Enqueue { activity: String, arn: String, slot: TaskSlot },
    /// A queued task closed (owner of the activity): `()`.
    Withdraw { activity: String, arn: String, slot: TaskSlot },
    /// GetActivityTask (owner of the activity): the task, if one arrived in time.
    Poll { activity: String, worker_name: Option<String>, wait_ms: u64 },
    /// RespondActivityTaskCanceled (owner of the execution): `()`.
    Cancelled { token: String, arn: String, slot: TaskSlot },
    /// UpdateMapRun of a map run of the execution `arn` (owner of the execution): `()`.
    UpdateMapRun { arn: String, update: crate::engine::map_run::MapRunUpdate },
}

/// A node's answer to [`PeerRequest::Ping`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerStatus {
    pub node_id: u64,
    pub applied_index: Option<u64>,
    pub leader: Option<u64>,
}
