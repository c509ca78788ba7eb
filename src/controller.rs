//! The shard controller: on the leader, pings every voter, and when one has been silent longer than the
//! failure timeout (or a voter owns fewer shards than its share) proposes moving shards, each move bumping
//! the shard's epoch so that the old owner can no longer write. A leader that reaches no majority moves
//! nothing: it is about to be replaced.
//!
//! A new leader has not heard from anyone yet; a voter that does not answer its first ping counts as silent
//! for a whole failure timeout already, because an election means someone was silent for an election
//! timeout before it, and waiting again would only add to the failover time. It moves nothing during its
//! first [`LEASE`], until every owner lease the previous leader granted has ended.
//!
//! The pings carry the owner leases (see [`crate::cluster::OwnerLease`]): a round that a majority answers
//! naming this node leader confirms it, and grants run [`LEASE`] past the confirming round's send time.

use std::collections::HashMap;
use std::time::Duration;
use std::time::Instant;

use crate::clock::now_ms;
use crate::cluster::Epoch;
use crate::cluster::LeaseGrant;
use crate::cluster::NodeId;
use crate::cluster::PeerRequest;
use crate::cluster::PeerStatus;
use crate::cluster::ShardId;
use crate::cluster::LEASE;
use crate::raft::Command;
use crate::raft::Proposal;
use crate::raft::RaftNode;

/// How often the leader checks on the voters and renews their owner leases.
const PING_INTERVAL: Duration = Duration::from_millis(100);

/// Runs the controller loop of `node` until the process stops.
pub async fn run(node: RaftNode, failure_timeout: Duration) {
    let mut last_seen: HashMap<NodeId, Instant> = HashMap::new();
    // Since when this node leads, and the send time (epoch ms) of its last ping round a majority confirmed.
    let mut leading_since: Option<Instant> = None;
    let mut confirmed_ms: Option<i64> = None;
    let lease_ms = LEASE.as_millis() as i64;
    let grant_window = failure_timeout.saturating_sub(LEASE);
    let mut ticks = tokio::time::interval(PING_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        if node.leader() != Some(node.id) {
            last_seen.clear();
            leading_since = None;
            confirmed_ms = None;
            continue;
        }
        let leading_since = *leading_since.get_or_insert_with(Instant::now);
        let term = node.raft.metrics().borrow().current_term;
        let voters: Vec<NodeId> = node.voters().into_iter().collect();
        let now = Instant::now();
        let sent_ms = now_ms();
        let map_version = node.shard_map().version();
        let pings = voters.iter().filter(|id| **id != node.id).map(|id| {
            let node = node.clone();
            let id = *id;
            // No grant to a voter silent for so long that its lease could outlast the move of its shards.
            let heard_lately = last_seen.get(&id).is_some_and(|seen| now - *seen < grant_window);
            let grant = confirmed_ms.filter(|_| heard_lately).map(|confirmed| LeaseGrant {
                leader: node.id,
                term,
                map_version,
                until_ms: confirmed + lease_ms,
            });
            async move {
                let Some(address) = node.peer_address(id) else { return (id, None) };
                let answer: Result<PeerStatus, _> =
                    node.peers.call(&address, &PeerRequest::Ping { grant }, PING_INTERVAL * 2).await;
                (id, answer.ok())
            }
        });
        let mut confirming = 1;
        for (id, status) in futures::future::join_all(pings).await {
            match status {
                Some(status) => {
                    last_seen.insert(id, now);
                    confirming += usize::from(status.leader == Some(node.id));
                }
                None => {
                    last_seen.entry(id).or_insert_with(|| now.checked_sub(failure_timeout).unwrap_or(now));
                }
            }
        }
        if confirming * 2 > voters.len() {
            confirmed_ms = Some(sent_ms);
            node.owner_lease.extend_to(sent_ms + lease_ms);
        }
        if now - leading_since < LEASE {
            continue;
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
