//! The Raft network: openraft's RPCs as [`PeerRequest`]s over the cluster port.

use std::time::Duration;

use openraft::error::InstallSnapshotError;
use openraft::error::NetworkError;
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
use serde::de::DeserializeOwned;

use super::TypeConfig;
use crate::cluster::PeerClient;
use crate::cluster::PeerRequest;

/// Opens a [`Peer`] per target node; all share one connection pool.
pub struct PeerNetwork {
    client: PeerClient,
}

impl PeerNetwork {
    /// A network sending through `client`.
    pub fn new(client: PeerClient) -> PeerNetwork {
        PeerNetwork { client }
    }
}

/// The Raft connection to one node, addressed by its cluster address.
pub struct Peer {
    client: PeerClient,
    address: String,
}

impl RaftNetworkFactory<TypeConfig> for PeerNetwork {
    type Network = Peer;

    async fn new_client(&mut self, _target: u64, node: &BasicNode) -> Peer {
        Peer { client: self.client.clone(), address: node.addr.clone() }
    }
}

impl Peer {
    async fn send<T: DeserializeOwned, E: std::error::Error>(
        &self,
        request: PeerRequest,
        option: &RPCOption,
    ) -> Result<T, RPCError<u64, BasicNode, E>> {
        let timeout = option.hard_ttl().max(Duration::from_millis(100));
        let answer: Result<T, String> = self
            .client
            .call(&self.address, &request, timeout)
            .await
            .map_err(|e| RPCError::Unreachable(Unreachable::new(&e)))?;
        answer.map_err(|message| RPCError::Network(NetworkError::new(&std::io::Error::other(message))))
    }
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.send(PeerRequest::AppendEntries(rpc), &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<u64>, RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>> {
        self.send(PeerRequest::InstallSnapshot(Box::new(rpc)), &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.send(PeerRequest::Vote(rpc), &option).await
    }
}
