//! `RunStop`: when a load run ends, by its deadline or on request (Ctrl-C, or the coordinator's stop for
//! an agent). Workers start no operation after it, and connections send no call after it.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// The end of one run.
#[derive(Debug, Clone)]
pub struct RunStop {
    deadline: Option<Instant>,
    requested: Arc<AtomicBool>,
}

impl RunStop {
    /// A run that ends at `deadline` (if any) or once `requested` is set.
    pub fn new(deadline: Option<Instant>, requested: Arc<AtomicBool>) -> RunStop {
        RunStop { deadline, requested }
    }

    /// Whether the run has ended by `at`.
    pub fn reached_at(&self, at: Instant) -> bool {
        self.requested.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| at >= d)
    }

    /// Whether the run has ended.
    pub fn reached(&self) -> bool {
        self.reached_at(Instant::now())
    }
}
