//! Rebuilding an execution's state: its last checkpoint (or its start), then the recorded inputs after it,
//! run through the engine again at the times they were first consumed.

use super::Consumed;
use crate::asl::Definition;
use crate::engine;
use crate::engine::ExecutionInfo;
use crate::engine::ExecutionState;
use crate::store::decode;
use crate::store::CodecError;
use crate::store::ExecutionTail;

/// Runs the recorded `inputs` through the engine, each at the time it was first consumed.
pub fn replay<'a>(definition: &Definition, state: &mut ExecutionState, inputs: impl IntoIterator<Item = &'a Consumed>) {
    for consumed in inputs {
        engine::step(definition, state, consumed.input.clone(), consumed.at_ms);
    }
}

/// An execution's state rebuilt from the log, and the sizes that decide when the next checkpoint is due.
pub struct Rebuilt {
    pub state: ExecutionState,
    pub checkpoint_bytes: usize,
    pub tail_bytes: usize,
}

/// Why an execution's state could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error("replaying the recorded inputs reached event id {reached}, but the history is at {recorded}")]
    Diverged { reached: u64, recorded: u64 },
}

/// Rebuilds the state of a RUNNING execution started with `info` from what the log left (`tail`).
pub fn rebuild(definition: &Definition, info: ExecutionInfo, tail: &ExecutionTail) -> Result<Rebuilt, RebuildError> {
    let (mut state, checkpoint_bytes) = match &tail.checkpoint {
        Some(bytes) => {
            let (_, encoded): (u64, Vec<u8>) = decode(bytes)?;
            let mut state: ExecutionState = decode(&encoded)?;
            state.info = info;
            (state, encoded.len())
        }
        None => (ExecutionState::new(info), 0),
    };
    let mut tail_bytes = 0;
    for encoded in &tail.decisions {
        tail_bytes += encoded.len();
        let inputs: Vec<Consumed> = decode(encoded)?;
        replay(definition, &mut state, &inputs);
    }
    if state.next_event_id != tail.next_event_id {
        return Err(RebuildError::Diverged { reached: state.next_event_id, recorded: tail.next_event_id });
    }
    Ok(Rebuilt { state, checkpoint_bytes, tail_bytes })
}
