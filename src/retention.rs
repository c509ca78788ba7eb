//! History retention: on the leader, closed executions (record and history) are forgotten once they have been
//! closed for longer than `history_retention_seconds`, in bounded batches, through the log like every other
//! change to the state.

use std::time::Duration;

use crate::cluster::Epoch;
use crate::cluster::ShardId;
use crate::raft::Applied;
use crate::raft::Command;
use crate::raft::Proposal;
use crate::raft::RaftNode;

/// How often the leader looks for executions past their retention.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Most executions forgotten by one proposal.
const BATCH: u32 = 1_000;

/// Runs the retention loop of `node` until the process stops.
pub async fn run(node: RaftNode, retention: Duration) {
    let mut ticks = tokio::time::interval(CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        if node.leader() != Some(node.id) {
            continue;
        }
        let cutoff = crate::clock::now_ms() - retention.as_millis() as i64;
        loop {
            match node.store.oldest_closed_ms() {
                Ok(Some(oldest)) if oldest < cutoff => {}
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the closed executions");
                    break;
                }
            }
            let command = Command::ExpireClosed { before_ms: cutoff, limit: BATCH };
            match node.propose_raw(Proposal { shard: ShardId(0), epoch: Epoch(0), command }).await {
                Ok(Applied::Done { at_ms: forgotten }) if forgotten as u32 == BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "expired executions were not forgotten yet");
                    break;
                }
            }
        }
    }
}
