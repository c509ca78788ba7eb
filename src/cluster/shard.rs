//! Identifier newtypes for routing: shards, ownership epochs and nodes.

use serde::Deserialize;
use serde::Serialize;

/// A node of the cluster (the openraft node id).
pub type NodeId = u64;

/// One of the fixed number of shards the keyspace is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShardId(pub u16);

impl ShardId {
    /// The shard a key (an execution or resource ARN) belongs to: FNV-1a of the key modulo the shard count.
    pub fn of(key: &str, shard_count: u16) -> ShardId {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        ShardId((hash % u64::from(shard_count.max(1))) as u16)
    }
}

/// The ownership epoch of a shard; bumped every time the shard changes owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Epoch(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_of_is_stable_and_in_range() {
        let a = ShardId::of("arn:aws:states:us-east-1:123456789012:execution:m:e", 64);
        let b = ShardId::of("arn:aws:states:us-east-1:123456789012:execution:m:e", 64);
        assert_eq!(a, b);
        assert!(a.0 < 64);
        let spread: std::collections::HashSet<_> =
            (0..1000).map(|i| ShardId::of(&format!("execution:m:{i}"), 64)).collect();
        assert!(spread.len() > 48, "1000 keys should cover most of 64 shards, got {}", spread.len());
    }
}
