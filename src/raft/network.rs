//! The Raft network of a one-node group: there is no peer, so every RPC target is unreachable.

use openraft::error::InstallSnapshotError;
use openraft::error::RPCError;
use openraft::error::RaftError;
use openraft::error::Unreachable;
use openraft::network::RPCOption;
use openraft::network::RaftNetwork;
use openraft::network::RaftNetworkFactory;
use openraft::raft::AppendEntriesRequest;
use openraft::raft::AppendEntriesResponse;
use openraft::raft::InstallSnapshotRequest;
use openraft::raft::InstallSnapshotResponse;
use openraft::raft::VoteRequest;
use openraft::raft::VoteResponse;
use openraft::BasicNode;

use super::TypeConfig;

/// Connects to no one; used while the group has a single member.
pub struct NoPeers;

/// A connection attempt to a node this process has no route to.
pub struct NoRoute(u64);

fn unreachable<E: std::error::Error>(target: u64) -> RPCError<u64, BasicNode, E> {
    let error = std::io::Error::other(format!("node {target} is not a member this node can reach"));
    RPCError::Unreachable(Unreachable::new(&error))
}

impl RaftNetworkFactory<TypeConfig> for NoPeers {
    type Network = NoRoute;

    async fn new_client(&mut self, target: u64, _node: &BasicNode) -> NoRoute {
        NoRoute(target)
    }
}

impl RaftNetwork<TypeConfig> for NoRoute {
    async fn append_entries(
        &mut self,
        _rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        Err(unreachable(self.0))
    }

    async fn install_snapshot(
        &mut self,
        _rpc: InstallSnapshotRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<InstallSnapshotResponse<u64>, RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>> {
        Err(unreachable(self.0))
    }

    async fn vote(
        &mut self,
        _rpc: VoteRequest<u64>,
        _option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        Err(unreachable(self.0))
    }
}
