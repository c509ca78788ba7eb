//! Shards and their ownership. Every id embeds its shard so any node routes in O(1).

mod shard;
mod shard_map;

pub use shard::Epoch;
pub use shard::NodeId;
pub use shard::ShardId;
pub use shard_map::ShardMap;
pub use shard_map::DEFAULT_SHARD_COUNT;
