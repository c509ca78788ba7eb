//! Shards and their ownership, and the wire between nodes. Every id embeds its shard so any node routes
//! in O(1).

mod owner_lease;
mod peer_client;
mod peer_message;
mod shard;
mod shard_map;

pub use owner_lease::LeaseGrant;
pub use owner_lease::OwnerLease;
pub use owner_lease::LEASE;
pub use peer_client::sign;
pub use peer_client::verify;
pub use peer_client::PeerClient;
pub use peer_client::PeerError;
pub use peer_client::PEER_PATH;
pub use peer_client::SIGNATURE_HEADER;
pub use peer_message::PeerRequest;
pub use peer_message::PeerStatus;
pub use peer_message::Routed;
pub use shard::Epoch;
pub use shard::NodeId;
pub use shard::ShardId;
pub use shard_map::ShardMap;
pub use shard_map::ShardMove;
pub use shard_map::DEFAULT_SHARD_COUNT;
