//! The owner lease: how long this node may still act, on what it keeps only in memory, as the owner of its
//! shards. Heartbeats move deadlines in memory without a Raft write, so a node that has lost its shards
//! without knowing it yet (cut off, paused, behind) must stop accepting them before the new owner's fresh
//! heartbeat window starts, or a timeout could fire sooner after an acknowledged heartbeat than the task's
//! `HeartbeatSeconds`.
//!
//! The leader grants leases with its controller pings. A grant is valid until [`LEASE`] after the send time
//! of the leader's last ping round that a majority answered naming it leader; a node accepts it only from the
//! leader of its own current term, and the leader stops granting to a voter it has not heard from for
//! `failure_timeout - LEASE`, so every lease ends before the controller moves that voter's shards, and before
//! a new leader (elected at least an election timeout later) can. A node whose shard map is older than the
//! leader's takes no grant. A move the leader had not applied yet when it granted can leave the old owner
//! acknowledging heartbeats for one more lease, so a new owner opens its heartbeat windows one lease late. Lease times are wall-clock epoch
//! milliseconds: nodes' clocks must agree to well within [`LEASE`].

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Deserialize;
use serde::Serialize;

use crate::clock::now_ms;

/// How long a grant lasts after the ping round that confirmed the leader; shorter than the election timeout.
pub const LEASE: Duration = Duration::from_millis(500);

/// A lease the leader grants in a ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseGrant {
    pub leader: u64,
    pub term: u64,
    /// The version of the leader's shard map: a node that has not applied every move yet may believe it owns
    /// a shard that has moved, and takes no lease.
    pub map_version: u64,
    /// Epoch milliseconds at which the lease ends.
    pub until_ms: i64,
}

/// This node's lease: the latest end time granted to it.
#[derive(Debug, Default)]
pub struct OwnerLease {
    until_ms: AtomicI64,
}

impl OwnerLease {
    /// Extends the lease to `until_ms` (a lease never shrinks).
    pub fn extend_to(&self, until_ms: i64) {
        self.until_ms.fetch_max(until_ms, Ordering::Relaxed);
    }

    /// Whether the lease runs now.
    pub fn held(&self) -> bool {
        now_ms() < self.until_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_runs_until_its_end_and_never_shrinks() {
        let lease = OwnerLease::default();
        assert!(!lease.held(), "no grant, no lease");
        lease.extend_to(now_ms() + 60_000);
        assert!(lease.held());
        lease.extend_to(now_ms() - 1);
        assert!(lease.held(), "an older grant does not shorten the lease");
        let ended = OwnerLease::default();
        ended.extend_to(now_ms() - 1);
        assert!(!ended.held());
    }
}
