//! When a node builds a snapshot. A snapshot copies the whole state, so building one every N entries makes
//! its cost grow with the state while the log it lets go of stays the same size. Here a snapshot is due once
//! the log has grown by `snapshot_every` entries or `snapshot_log_bytes` bytes, and not before the log
//! appended since the last snapshot is at least `state_ratio` times that snapshot's size: snapshots then cost
//! a bounded multiple of the log they purge, however large the state.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::Raft;

/// How often the node checks whether a snapshot is due.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// The thresholds that make a snapshot due.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnapshotPolicy {
    /// Log entries since the last snapshot that make the next one due.
    pub every_entries: u64,
    /// Log bytes since the last snapshot that make the next one due, whatever the entry count.
    pub log_bytes: u64,
    /// No snapshot before the log since the last one reaches this multiple of that snapshot's size (0: off).
    pub state_ratio: f64,
}

/// What the node knows about its log and its last snapshot; the state machine updates it.
#[derive(Debug, Clone, Default)]
pub struct SinceSnapshot {
    /// Log bytes appended since the last snapshot was built or installed.
    pub log_bytes: Arc<AtomicU64>,
    /// The size of the last snapshot built or installed, in bytes.
    pub snapshot_bytes: Arc<AtomicU64>,
}

impl SnapshotPolicy {
    /// Whether a snapshot is due after `entries` log entries and `log_bytes` log bytes since the last one,
    /// whose size was `snapshot_bytes`.
    pub fn is_due(&self, entries: u64, log_bytes: u64, snapshot_bytes: u64) -> bool {
        let grown = entries >= self.every_entries || log_bytes >= self.log_bytes;
        grown && log_bytes as f64 >= snapshot_bytes as f64 * self.state_ratio
    }
}

/// Asks `raft` for a snapshot whenever `policy` says one is due, until the Raft core stops.
pub async fn run(raft: Raft, since: SinceSnapshot, policy: SnapshotPolicy) {
    let mut ticks = tokio::time::interval(CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let metrics = raft.metrics().borrow().clone();
        let applied = metrics.last_applied.map_or(0, |id| id.index);
        let entries = applied.saturating_sub(metrics.snapshot.map_or(0, |id| id.index));
        let log_bytes = since.log_bytes.load(Ordering::Relaxed);
        if !policy.is_due(entries, log_bytes, since.snapshot_bytes.load(Ordering::Relaxed)) {
            continue;
        }
        if raft.trigger().snapshot().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: SnapshotPolicy = SnapshotPolicy { every_entries: 100, log_bytes: 1_000, state_ratio: 1.0 };

    #[test]
    fn a_snapshot_is_due_once_the_log_has_grown_by_entries_or_bytes() {
        assert!(!POLICY.is_due(99, 999, 0));
        assert!(POLICY.is_due(100, 10, 0));
        assert!(POLICY.is_due(1, 1_000, 0));
    }

    #[test]
    fn a_large_state_waits_for_as_much_log_as_its_last_snapshot() {
        assert!(!POLICY.is_due(5_000, 4_999, 5_000), "the log since is smaller than the last snapshot");
        assert!(POLICY.is_due(5_000, 5_000, 5_000));
        let half = SnapshotPolicy { state_ratio: 0.5, ..POLICY };
        assert!(half.is_due(100, 2_500, 5_000));
        let off = SnapshotPolicy { state_ratio: 0.0, ..POLICY };
        assert!(off.is_due(100, 10, 1 << 40), "a ratio of 0 leaves only the entry and byte thresholds");
    }
}
