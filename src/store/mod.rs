//! The replicated state on disk (redb) and the one codec every stored or sent value goes through.
//!
//! `state` holds what the Raft layer's apply writes: state machines, activities, tags, executions, histories, the
//! shard map, and the indexes behind the List operations. Reads for the API come straight from it.

mod codec;
mod error;
mod records;
mod redrivable;
mod snapshot_file;
mod state;
pub mod tables;

pub use codec::decode;
pub use codec::encode;
pub use codec::Codec;
pub use codec::CodecError;
pub use error::StoreError;
pub use records::ActivityRecord;
pub use records::AliasRecord;
pub use records::AliasRoute;
pub use records::ExecutionRecord;
pub use records::ExecutionStatus;
pub use records::MapRunRecord;
pub use records::OpenTask;
pub use records::RedriveToken;
pub use records::RevisionRecord;
pub use records::StateMachineRecord;
pub use records::StateMachineStatus;
pub use records::StateMachineType;
pub use records::Tag;
pub use records::VersionRecord;
pub use records::MAX_TAGS;
pub use redrivable::not_redrivable;
pub use redrivable::remember_token;
pub use redrivable::repeated_redrive;
pub use redrivable::RedriveContext;
pub use snapshot_file::read_header as read_snapshot_header;
pub use snapshot_file::write_stream as write_snapshot_stream;
pub use snapshot_file::SnapshotFileError;
pub use snapshot_file::StreamStats;
pub use state::aliases_in;
pub use state::meta_in;
pub use state::newest_first;
pub use state::ExecutionTail;
pub use state::Page;
pub use state::StateStore;
pub use tables::META_APPLIED;
pub use tables::META_MEMBERSHIP;
pub use tables::META_TOKEN_KEY;
