//! openraft's type configuration for statehouse.

use super::Applied;
use super::ProposalBatch;

openraft::declare_raft_types!(
    /// The statehouse Raft group: a log entry is a batch of proposals, its response one answer per proposal.
    pub TypeConfig:
        D = ProposalBatch,
        R = Vec<Applied>,
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
