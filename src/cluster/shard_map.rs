//! The replicated shard map: which node owns each shard, and under which epoch.

use serde::Deserialize;
use serde::Serialize;

use super::Epoch;
use super::NodeId;
use super::ShardId;

/// Shards per cluster unless configured otherwise; fixed when the cluster is created.
pub const DEFAULT_SHARD_COUNT: u16 = 64;

/// `shard -> (owner, epoch)` for every shard; lives in the replicated state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMap {
    owners: Vec<(NodeId, Epoch)>,
}

impl ShardMap {
    /// A map giving every one of `count` shards to `owner` at epoch 1.
    pub fn single_owner(count: u16, owner: NodeId) -> ShardMap {
        ShardMap { owners: vec![(owner, Epoch(1)); usize::from(count)] }
    }

    /// Whether the map has been created yet.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Number of shards.
    pub fn shard_count(&self) -> u16 {
        self.owners.len() as u16
    }

    /// The owner and epoch of a shard.
    pub fn owner(&self, shard: ShardId) -> Option<(NodeId, Epoch)> {
        self.owners.get(usize::from(shard.0)).copied()
    }

    /// Whether a proposal made under `epoch` for `shard` is still current.
    pub fn is_current(&self, shard: ShardId, epoch: Epoch) -> bool {
        self.owner(shard).is_some_and(|(_, current)| current == epoch)
    }
}
