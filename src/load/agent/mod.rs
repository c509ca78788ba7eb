//! Load from several machines. `statehouse load agent` runs a generator that waits for a coordinator;
//! `statehouse load <scenario> --agent ADDR ...` does the scenario's setup itself, sends each agent its
//! share of the measured phase, stops them on Ctrl-C, and merges what they measured exactly (HDR
//! histograms, second by second). Every request and answer is signed with the shared secret (HMAC-SHA256,
//! as on the cluster port); an agent refuses anything else.

mod coordinator;
mod server;
mod wire;

pub use coordinator::AgentSummary;
pub use coordinator::Coordinator;
pub use server::serve;
