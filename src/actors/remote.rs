//! Calls for a shard owned by another node: sent over the cluster port as [`Routed`] requests, and
//! heartbeats for one owner gathered into batches (whatever queued while the previous batch was on the
//! wire goes in the next one).

use std::time::Duration;

use dashmap::DashMap;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::sync::oneshot;

use crate::aws_error::AwsError;
use crate::cluster::NodeId;
use crate::cluster::PeerRequest;
use crate::cluster::Routed;
use crate::engine::TaskSlot;
use crate::raft::RaftNode;

/// Longest a routed call (other than a long poll) may take.
pub const ROUTED_TIMEOUT: Duration = Duration::from_secs(10);

/// Most heartbeats in one forwarded batch.
const MAX_BATCH: usize = 512;

/// Sends `routed` to node `owner` and returns its answer.
pub async fn call_owner<T: DeserializeOwned>(
    node: &RaftNode,
    owner: NodeId,
    routed: Routed,
    timeout: Duration,
) -> Result<T, AwsError> {
    let address = node
        .peer_address(owner)
        .ok_or_else(|| AwsError::unavailable(format!("node {owner} owns this shard but is not a member; retry")))?;
    let answer: Result<T, AwsError> = node
        .peers
        .call(&address, &PeerRequest::Routed(routed), timeout)
        .await
        .map_err(|e| AwsError::unavailable(format!("the owning node did not answer; retry ({e})")))?;
    answer
}

/// A heartbeat as forwarded: token, execution, slot and details.
type ForwardedHeartbeat = (String, String, TaskSlot, Option<String>);

type PendingHeartbeat = (ForwardedHeartbeat, oneshot::Sender<Result<bool, AwsError>>);

/// One batching queue per owning node.
#[derive(Default)]
pub struct HeartbeatForwarder {
    queues: DashMap<NodeId, mpsc::UnboundedSender<PendingHeartbeat>>,
}

impl HeartbeatForwarder {
    /// Forwards one heartbeat to `owner` in the next batch and waits for its answer (whether a cancel is
    /// requested).
    pub async fn send(
        &self,
        node: &RaftNode,
        owner: NodeId,
        (token, arn, slot, details): (&str, &str, TaskSlot, Option<String>),
    ) -> Result<bool, AwsError> {
        let (reply, answer) = oneshot::channel();
        let queue = self
            .queues
            .entry(owner)
            .or_insert_with(|| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(forward_batches(node.clone(), owner, receiver));
                sender
            })
            .clone();
        queue
            .send(((token.to_string(), arn.to_string(), slot, details), reply))
            .map_err(|_| AwsError::unavailable("the heartbeat forwarder stopped; retry"))?;
        answer.await.map_err(|_| AwsError::unavailable("the heartbeat was not forwarded; retry"))?
    }
}

async fn forward_batches(node: RaftNode, owner: NodeId, mut receiver: mpsc::UnboundedReceiver<PendingHeartbeat>) {
    let mut batch = Vec::new();
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (heartbeats, replies): (Vec<_>, Vec<_>) = std::mem::take(&mut batch).into_iter().unzip();
        let answers: Result<Vec<Result<bool, AwsError>>, AwsError> =
            call_owner(&node, owner, Routed::Heartbeats(heartbeats), ROUTED_TIMEOUT).await;
        match answers {
            Ok(answers) => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
