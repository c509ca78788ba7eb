//! actix actors that drive executions on the node that owns their shard.
//!
//! One [`ExecutionActor`] per open STANDARD execution, one `TaskTokenActor` per started task token, one
//! `ActivityQueueActor` per activity in use. The [`ExecutionSupervisor`] starts them (on demand, and for
//! every open execution when the node starts), spreads them over one Arbiter per core, and routes
//! StopExecution, task reports, heartbeats and activity polls to them, and the ends of child executions to
//! the `.sync` parents that wait for them.

mod activity_queue;
mod child_watches;
mod deadline_wheel;
mod execution;
mod injected_failures;
mod remote;
mod supervisor;
mod task_token;
mod token_registry;

pub use activity_queue::Delivery;
pub use activity_queue::QueueDepth;
pub use execution::ExecutionActor;
pub use execution::HeartbeatsExpired;
pub use execution::TaskReport;
pub use supervisor::ExecutionSupervisor;
pub use token_registry::HeartbeatOutcome;
pub use token_registry::TokenRegistry;
