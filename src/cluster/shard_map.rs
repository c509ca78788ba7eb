//! The replicated shard map: which node owns each shard, and under which epoch.

use serde::Deserialize;
use serde::Serialize;

use super::Epoch;
use super::NodeId;
use super::ShardId;

/// One shard changing owner, valid only while the shard is still at `from_epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMove {
    pub shard: ShardId,
    pub from_epoch: Epoch,
    pub to: NodeId,
}

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

    /// A map dealing `count` shards round-robin over `owners`, all at epoch 1.
    pub fn spread(count: u16, owners: &[NodeId]) -> ShardMap {
        let owners = (0..usize::from(count)).map(|i| (owners[i % owners.len()], Epoch(1))).collect();
        ShardMap { owners }
    }

    /// A number that grows with every move: the sum of the shards' epochs (each move raises one by one). A
    /// node whose map has a lower version than the leader's has not applied every move yet.
    pub fn version(&self) -> u64 {
        self.owners.iter().map(|(_, epoch)| epoch.0).sum()
    }

    /// Every shard with its owner and epoch.
    pub fn iter(&self) -> impl Iterator<Item = (ShardId, NodeId, Epoch)> + '_ {
        self.owners.iter().enumerate().map(|(i, (owner, epoch))| (ShardId(i as u16), *owner, *epoch))
    }

    /// Applies the moves whose epoch is still current: each moved shard gets its new owner and the next
    /// epoch. Returns how many moved.
    pub fn apply(&mut self, moves: &[ShardMove]) -> usize {
        let mut moved = 0;
        for m in moves {
            if let Some(slot) = self.owners.get_mut(usize::from(m.shard.0)) {
                if slot.1 == m.from_epoch && slot.0 != m.to {
                    *slot = (m.to, Epoch(m.from_epoch.0 + 1));
                    moved += 1;
                }
            }
        }
        moved
    }

    /// The moves that give every shard a live owner and even out the shard counts of `live` nodes (no two
    /// differ by more than one). Shards of nodes outside `live` go first; nothing moves if `live` is empty.
    pub fn plan(&self, live: &[NodeId]) -> Vec<ShardMove> {
        if live.is_empty() {
            return Vec::new();
        }
        let mut owners: Vec<NodeId> = self.owners.iter().map(|(owner, _)| *owner).collect();
        let mut counts: std::collections::BTreeMap<NodeId, usize> = live.iter().map(|n| (*n, 0)).collect();
        for owner in &owners {
            if let Some(count) = counts.get_mut(owner) {
                *count += 1;
            }
        }
        let least = |counts: &std::collections::BTreeMap<NodeId, usize>| {
            counts.iter().min_by_key(|(node, count)| (**count, **node)).map(|(node, _)| *node).expect("live nodes")
        };
        let mut moves = Vec::new();
        for (index, owner) in owners.iter_mut().enumerate() {
            if !counts.contains_key(owner) {
                let to = least(&counts);
                *counts.get_mut(&to).expect("live") += 1;
                *owner = to;
                moves.push(ShardMove { shard: ShardId(index as u16), from_epoch: self.owners[index].1, to });
            }
        }
        loop {
            let to = least(&counts);
            let (from, most) =
                counts.iter().max_by_key(|(node, count)| (**count, std::cmp::Reverse(**node))).expect("live");
            let (from, most) = (*from, *most);
            if most <= counts[&to] + 1 {
                return moves;
            }
            let index = owners.iter().rposition(|owner| *owner == from).expect("the node owns shards");
            owners[index] = to;
            *counts.get_mut(&from).expect("live") -= 1;
            *counts.get_mut(&to).expect("live") += 1;
            moves.push(ShardMove { shard: ShardId(index as u16), from_epoch: self.owners[index].1, to });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(map: &ShardMap) -> std::collections::BTreeMap<NodeId, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for (_, owner, _) in map.iter() {
            *counts.entry(owner).or_default() += 1;
        }
        counts
    }

    #[test]
    fn a_joining_node_gets_its_share_and_moved_shards_bump_their_epoch() {
        let mut map = ShardMap::single_owner(64, 1);
        let moves = map.plan(&[1, 2, 3]);
        assert_eq!(map.apply(&moves), moves.len());
        assert_eq!(counts(&map), [(1, 22), (2, 21), (3, 21)].into());
        for m in &moves {
            assert_eq!(map.owner(m.shard), Some((m.to, Epoch(2))));
        }
        assert!(map.plan(&[1, 2, 3]).is_empty(), "a balanced map stays put");
    }

    #[test]
    fn a_dead_nodes_shards_go_to_the_live_ones() {
        let mut map = ShardMap::spread(64, &[1, 2, 3]);
        let moves = map.plan(&[1, 3]);
        assert!(moves.iter().all(|m| map.owner(m.shard).map(|(owner, _)| owner) == Some(2)));
        map.apply(&moves);
        assert_eq!(counts(&map), [(1, 32), (3, 32)].into());
        assert!(map.plan(&[]).is_empty());
    }

    #[test]
    fn stale_moves_are_skipped() {
        let mut map = ShardMap::spread(4, &[1, 2]);
        let stale = ShardMove { shard: ShardId(0), from_epoch: Epoch(7), to: 2 };
        assert_eq!(map.apply(&[stale]), 0);
        assert_eq!(map.owner(ShardId(0)), Some((1, Epoch(1))));
    }
}
