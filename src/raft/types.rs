//! openraft's type configuration for statehouse.

use super::Applied;
use super::Proposal;

openraft::declare_raft_types!(
    /// The statehouse Raft group: log entries are [`Proposal`]s, responses are [`Applied`].
    pub TypeConfig:
        D = Proposal,
        R = Applied,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = tokio::fs::File,
        AsyncRuntime = openraft::TokioRuntime,
);

/// A Raft group of statehouse.
pub type Raft = openraft::Raft<TypeConfig>;

/// What openraft answers to a client write: the applied response, or why it was not accepted here.
pub type ClientWriteResult = Result<
    openraft::raft::ClientWriteResponse<TypeConfig>,
    openraft::error::RaftError<u64, openraft::error::ClientWriteError<u64, openraft::BasicNode>>,
>;
