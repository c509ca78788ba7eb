//! The execution engine: a pure state machine that advances one execution of a [`crate::asl::Definition`].
//!
//! [`step`] takes the execution's state and one [`Input`] (start, a fired timer, a stop request) and returns the
//! history events to append and the [`Effect`]s the runtime must carry out (arm a timer, record the close).
//! `engine` performs no IO, reads no clock (the caller passes `now_ms`) and uses no randomness except what is
//! derived from its inputs; its state is serializable so the server can persist it after every step.

mod choice_eval;
mod dataflow;
mod env;
pub mod error;
pub mod event;
pub mod execution;
mod intrinsics;
pub mod io;
mod item_batcher;
mod json;
pub mod json_text;
mod map;
pub mod map_run;
mod parallel;
mod query;
mod query_flow;
mod query_functions;
mod redrive;
mod run;
pub mod single_state;
mod step;
mod task;
mod task_kind;
mod thread;
mod time_scale;
mod token;
mod work;

pub use error::StateError;
pub use event::EventDraft;
pub use event::EventType;
pub use execution::ExecutionInfo;
pub use execution::ExecutionState;
pub use io::Effect;
pub use io::FinalStatus;
pub use io::Input;
pub use io::Step;
pub use io::TaskEvent;
pub use io::TaskSlot;
pub use io::TimerId;
pub use json::iso_millis;
pub use json::to_text;
pub use json::PAYLOAD_LIMIT_BYTES;
pub use step::step;
pub use task_kind::TaskKind;
pub use time_scale::WaitTimeScale;
pub use token::mint_task_token;
pub use token::verify_task_token;
pub use token::TokenVerifier;

#[cfg(test)]
mod tests;
