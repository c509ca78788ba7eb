//! The Raft layer: openraft's type configuration, the commands in the log, the redb log store with group
//! commit, the state machine and its apply (fence, validate, write) over [`crate::store::StateStore`],
//! snapshots, and the node that batches proposals. Every write to the replicated state goes through here; nothing else writes the state.

mod apply;
mod command;
mod log_store;
mod network;
mod node;
mod snapshot_dir;
mod snapshot_policy;
mod state_machine;
mod types;

pub use apply::account_of;
pub use command::AliasUpdate;
pub use command::Applied;
pub use command::Command;
pub use command::ExecutionRedrive;
pub use command::Proposal;
pub use command::ProposalBatch;
pub use command::Refusal;
pub use command::StateMachineUpdate;
pub use command::VersionPublish;
pub use log_store::LogStore;
pub use node::NodeOptions;
pub use node::ProposeError;
pub use node::RaftNode;
pub use node::StartError;
pub use snapshot_dir::SnapshotDir;
pub use snapshot_policy::SinceSnapshot;
pub use snapshot_policy::SnapshotPolicy;
pub use state_machine::AppliedNotice;
pub use state_machine::StateMachine;
pub use types::Raft;
pub use types::TypeConfig;

#[cfg(test)]
mod tests;
