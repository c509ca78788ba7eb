//! actix actors that drive executions on the node that owns their shard.
//!
//! One [`ExecutionActor`] per open STANDARD execution; the [`ExecutionSupervisor`] starts them (on start,
//! and for every open execution when the node starts), spreads them over one Arbiter per core, and routes
//! StopExecution to them.

mod execution;
mod supervisor;

pub use execution::ExecutionActor;
pub use supervisor::ExecutionSupervisor;
