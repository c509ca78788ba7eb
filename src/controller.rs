//! The shard controller: on the leader, pings every voter, and when one has been silent longer than the
//! failure timeout (or a voter owns fewer shards than its share) proposes moving shards, each move bumping
//! the shard's epoch so that the old owner can no longer write. A leader that reaches no majority moves
//! nothing: it is about to be replaced.
//!
//! A new leader has not heard from anyone yet; a voter that does not answer its first ping counts as silent
//! for a whole failure timeout already, because an election means someone was silent for an election
//! timeout before it, and waiting again would only add to the failover time.

use std::collections::HashMap;
use std::time::Duration;
use std::time::Instant;

use crate::cluster::Epoch;
use crate::cluster::NodeId;
use crate::cluster::PeerRequest;
use crate::cluster::PeerStatus;
use crate::cluster::ShardId;
use crate::raft::Command;
use crate::raft::Proposal;
use crate::raft::RaftNode;

/// How often the leader checks on the voters.
const PING_INTERVAL: Duration = Duration::from_millis(250);

/// Runs the controller loop of `node` until the process stops.
pub async fn run(node: RaftNode, failure_timeout: Duration) {
    let mut last_seen: HashMap<NodeId, Instant> = HashMap::new();
    let mut ticks = tokio::time::interval(PING_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        if node.leader() != Some(node.id) {
            last_seen.clear();
            continue;
        }
        let voters: Vec<NodeId> = node.voters().into_iter().collect();
        let pings = voters.iter().filter(|id| **id != node.id).map(|id| {
            let node = node.clone();
            let id = *id;
            async move {
                let Some(address) = node.peer_address(id) else { return (id, false) };
                let answer: Result<PeerStatus, _> =
                    node.peers.call(&address, &PeerRequest::Ping, PING_INTERVAL * 2).await;
                (id, answer.is_ok())
            }
        });
        let now = Instant::now();
        for (id, alive) in futures::future::join_all(pings).await {
            if alive {
                last_seen.insert(id, now);
            } else {
                last_seen.entry(id).or_insert_with(|| now.checked_sub(failure_timeout).unwrap_or(now));
            }
        }
        let live: Vec<NodeId> = voters
            .iter()
            .copied()
            .filter(|id| *id == node.id || last_seen.get(id).is_some_and(|seen| now - *seen < failure_timeout))
            .collect();
        if live.len() * 2 <= voters.len() || node.lost_quorum() {
            continue;
        }
        let moves = node.shard_map().plan(&live);
        if moves.is_empty() {
            continue;
        }
        tracing::info!(moves = moves.len(), ?live, "moving shards");
        let proposal = Proposal { shard: ShardId(0), epoch: Epoch(0), command: Command::AssignShards { moves } };
        if let Err(e) = node.propose_raw(proposal).await {
            tracing::warn!(error = %e, "shard moves did not commit");
        }
    }
}
