//! The AWS Step Functions front end: awsJson1_0 over HTTP (`POST /` with `X-Amz-Target`), exact
//! botocore shapes, AWS error codes. The same port serves Amazon SWF's activity-worker operations on the
//! same task tokens, and statehouse's own batched heartbeats. Handlers validate input, read the replicated state, and write only
//! by proposing commands through [`crate::raft::RaftNode`].

mod account_view;
mod activities;
pub mod admin;
mod aliases;
pub(crate) mod executions;
mod express;
mod heartbeats;
mod history;
mod in_process;
mod map_runs;
mod pagination;
mod protocol;
mod redrive;
pub mod sigv4;
mod state_machine_ref;
mod state_machines;
mod swf;
mod tags;
mod tasks;
mod test_state;
mod throttle;
mod validate;
mod versions;

use std::sync::Arc;

use crate::actors::ExecutionSupervisor;
use crate::config::Config;
use crate::engine::TokenVerifier;
use crate::engine::WaitTimeScale;
use crate::raft::RaftNode;
use sigv4::Verifier;
pub use throttle::Throttle;

pub use account_view::AccountView;
pub use in_process::InProcessApi;
pub use protocol::call;
pub use protocol::configure;
pub use protocol::decode_input;
pub use protocol::error_response;
pub use protocol::supported;

/// Largest request body accepted (AWS: 1 MB including headers).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
pub struct ApiState {
    pub node: RaftNode,
    pub config: Config,
    pub executions: Arc<ExecutionSupervisor>,
    /// Checks request signatures when `auth = "sigv4"`; `None` accepts every request.
    pub sigv4: Option<Verifier>,
    /// The request rates of `[throttle]`.
    pub throttle: Throttle,
    /// Checks task tokens against the cluster's token key.
    pub token_verifier: TokenVerifier,
    /// What the Wait durations and Retry intervals of new executions are multiplied by (`wait_time_scale`).
    pub wait_time_scale: WaitTimeScale,
}
