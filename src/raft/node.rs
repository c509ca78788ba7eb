//! A running Raft node: opens the stores, starts openraft, initializes a new cluster, and proposes
//! commands on behalf of the API and the actors.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openraft::BasicNode;
use openraft::Config;
use openraft::SnapshotPolicy;

use super::network::NoPeers;
use super::Applied;
use super::Command;
use super::LogStore;
use super::Proposal;
use super::Raft;
use super::StateMachine;
use crate::aws_error::AwsError;
use crate::cluster::NodeId;
use crate::cluster::ShardId;
use crate::cluster::ShardMap;
use crate::cluster::DEFAULT_SHARD_COUNT;
use crate::store::decode;
use crate::store::StateStore;
use crate::store::META_TOKEN_KEY;

/// This node's Raft group handle and the state it applies to.
#[derive(Clone)]
pub struct RaftNode {
    pub id: NodeId,
    pub raft: Raft,
    pub store: Arc<StateStore>,
    shard_map: Arc<std::sync::RwLock<ShardMap>>,
    token_key: Arc<str>,
}

/// A failure to start the node.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot open the state store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot decode the stored cluster state: {0}")]
    Codec(#[from] crate::store::CodecError),
    #[error("raft: {0}")]
    Raft(String),
}

impl RaftNode {
    /// Opens the data directory and starts a one-node group, initializing it on first start.
    pub async fn start_single(id: NodeId, address: &str, data_dir: &Path) -> Result<RaftNode, StartError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StartError::DataDir { path: data_dir.display().to_string(), source })?;
        let store = Arc::new(StateStore::open(&data_dir.join("state.redb"))?);
        let log = LogStore::open(&data_dir.join("raft-log.redb")).map_err(|e| StartError::Raft(e.to_string()))?;
        let config = Config {
            cluster_name: "statehouse".into(),
            heartbeat_interval: 500,
            election_timeout_min: 1500,
            election_timeout_max: 3000,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(20_000),
            max_in_snapshot_log_to_keep: 1_000,
            purge_batch_size: 256,
            ..Default::default()
        };
        let config = Arc::new(config.validate().map_err(|e| StartError::Raft(e.to_string()))?);
        let raft = Raft::new(id, config, NoPeers, log, StateMachine::new(store.clone()))
            .await
            .map_err(|e| StartError::Raft(e.to_string()))?;
        if !raft.is_initialized().await.map_err(|e| StartError::Raft(e.to_string()))? {
            let members = BTreeMap::from([(id, BasicNode { addr: address.to_string() })]);
            raft.initialize(members).await.map_err(|e| StartError::Raft(e.to_string()))?;
        } else {
            raft.trigger().elect().await.map_err(|e| StartError::Raft(e.to_string()))?;
        }
        raft.wait(Some(Duration::from_secs(30)))
            .current_leader(id, "this node leads its one-node group")
            .await
            .map_err(|e| StartError::Raft(e.to_string()))?;
        let node = RaftNode { id, raft, store: store.clone(), shard_map: Default::default(), token_key: Arc::from("") };
        if store.shard_map()?.is_empty() {
            let map = ShardMap::single_owner(DEFAULT_SHARD_COUNT, id);
            let token_key = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
            let command = Command::InitShards { map, token_key };
            node.propose_raw(Proposal { shard: ShardId(0), epoch: crate::cluster::Epoch(0), command })
                .await
                .map_err(|e| StartError::Raft(e.message))?;
        }
        *node.shard_map.write().expect("shard map lock") = store.shard_map()?;
        let token_key = store.meta(META_TOKEN_KEY)?.map(|bytes| decode::<String>(&bytes)).transpose()?;
        let token_key = token_key.ok_or_else(|| StartError::Raft("the cluster has no task-token secret".into()))?;
        Ok(RaftNode { token_key: Arc::from(token_key), ..node })
    }

    /// The cluster secret that signs task tokens.
    pub fn token_key(&self) -> &str {
        &self.token_key
    }

    /// The shard a key belongs to.
    pub fn shard_of(&self, key: &str) -> ShardId {
        ShardId::of(key, self.shard_map.read().expect("shard map lock").shard_count())
    }

    /// Proposes `command` for the shard of `key`, waits for it to commit and apply, and returns the answer.
    pub async fn propose(&self, key: &str, command: Command) -> Result<i64, AwsError> {
        let shard = self.shard_of(key);
        let owner = self.shard_map.read().expect("shard map lock").owner(shard);
        let Some((_, epoch)) = owner else {
            return Err(AwsError::unavailable("the cluster has no shard map yet"));
        };
        match self.propose_raw(Proposal { shard, epoch, command }).await? {
            Applied::Done { at_ms } => Ok(at_ms),
            Applied::Rejected(error) => Err(error),
        }
    }

    async fn propose_raw(&self, proposal: Proposal) -> Result<Applied, AwsError> {
        let started = std::time::Instant::now();
        let response = self.raft.client_write(proposal).await.map_err(|e| {
            tracing::warn!(error = %e, "proposal failed");
            AwsError::unavailable(format!("the cluster cannot accept writes right now: {e}"))
        })?;
        metrics::histogram!(crate::metrics::RAFT_COMMIT_LATENCY).record(started.elapsed().as_secs_f64());
        Ok(response.data)
    }

    /// Stops the Raft group.
    pub async fn shutdown(&self) {
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "raft shutdown");
        }
    }
}
