//! History events as stored in the replicated state and as `GetExecutionHistory` returns them.

mod stored_event;

pub use stored_event::StoredEvent;
