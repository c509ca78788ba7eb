//! A running Raft node: opens the stores, starts openraft, forms or joins the cluster, and proposes
//! commands on behalf of the API and the actors, forwarding them to the leader when it is elsewhere.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::RwLock;
use std::time::Duration;

use openraft::error::ClientWriteError;
use openraft::error::RaftError;
use openraft::BasicNode;
use openraft::Config;
use openraft::RaftMetrics;
use openraft::ServerState;
use tokio::sync::mpsc;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;

use super::network::PeerNetwork;
use super::snapshot_policy;
use super::types::ClientWriteResult;
use super::Applied;
use super::AppliedNotice;
use super::Command;
use super::LogStore;
use super::Proposal;
use super::ProposalBatch;
use super::Raft;
use super::Refusal;
use super::SinceSnapshot;
use super::SnapshotDir;
use super::SnapshotPolicy;
use super::StateMachine;
use crate::aws_error::AwsError;
use crate::cluster::Epoch;
use crate::cluster::LeaseGrant;
use crate::cluster::NodeId;
use crate::cluster::OwnerLease;
use crate::cluster::PeerClient;
use crate::cluster::PeerRequest;
use crate::cluster::ShardId;
use crate::cluster::ShardMap;
use crate::cluster::DEFAULT_SHARD_COUNT;
use crate::store::decode;
use crate::store::StateStore;
use crate::store::META_TOKEN_KEY;

/// How long a forwarded proposal may take before the caller is told to retry.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the leader waits for a majority to commit a proposal before the caller is told to retry.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a follower may take to store a snapshot chunk (and, for the last one, to install the snapshot).
const SNAPSHOT_CHUNK_TIMEOUT_MS: u64 = 60_000;

/// A leader that has had no answer from a majority for this long refuses writes at once rather than
/// queueing them behind a partition.
const QUORUM_LEASE_MS: u64 = 1_500;

/// This node's Raft group handle and the state it applies to.
#[derive(Clone)]
pub struct RaftNode {
    pub id: NodeId,
    pub raft: Raft,
    pub store: Arc<StateStore>,
    /// The connection pool to the other nodes' cluster ports.
    pub peers: PeerClient,
    shard_map: Arc<RwLock<ShardMap>>,
    /// How long this node may still serve heartbeats for its shards (see [`OwnerLease`]).
    pub owner_lease: Arc<OwnerLease>,
    token_key: Arc<OnceLock<String>>,
    committer: Committer,
    batcher: mpsc::Sender<Pending>,
}

/// Where a node keeps its data and how it finds its cluster.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    pub id: NodeId,
    pub data_dir: PathBuf,
    /// The address other nodes reach this node's cluster port on.
    pub cluster_address: String,
    /// The initial voters (`id -> cluster address`); empty: this node alone.
    pub initial_members: BTreeMap<NodeId, String>,
    /// Wait to be added instead of initializing.
    pub join: bool,
    /// The secret that signs traffic between nodes.
    pub secret: String,
    /// When a snapshot is due.
    pub snapshot_policy: SnapshotPolicy,
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

fn raft_error(e: impl std::fmt::Display) -> StartError {
    StartError::Raft(e.to_string())
}

impl RaftNode {
    /// Opens the data directory and starts a one-node group, initializing it on first start.
    pub async fn start_single(id: NodeId, address: &str, data_dir: &Path) -> Result<RaftNode, StartError> {
        let options = NodeOptions {
            id,
            data_dir: data_dir.to_path_buf(),
            cluster_address: address.to_string(),
            initial_members: BTreeMap::new(),
            join: false,
            secret: String::new(),
            snapshot_policy: crate::config::Config::default().snapshot_policy(),
        };
        let (node, _notices) = RaftNode::open(&options).await?;
        node.form_cluster(&options).await?;
        Ok(node)
    }

    /// Opens the stores and starts openraft; the node answers Raft RPCs from here on. What the state
    /// machine applies is reported on the returned channel.
    pub async fn open(options: &NodeOptions) -> Result<(RaftNode, UnboundedReceiver<AppliedNotice>), StartError> {
        let data_dir = &options.data_dir;
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StartError::DataDir { path: data_dir.display().to_string(), source })?;
        let store = Arc::new(StateStore::open(&data_dir.join("state.redb"))?);
        let log = LogStore::open(&data_dir.join("raft-log.redb")).map_err(raft_error)?;
        let snapshots = SnapshotDir::open(&data_dir.join("snapshots"))
            .map_err(|source| StartError::DataDir { path: data_dir.join("snapshots").display().to_string(), source })?;
        let since = SinceSnapshot { log_bytes: log.bytes_since_snapshot(), snapshot_bytes: Default::default() };
        since.snapshot_bytes.store(snapshots.current_bytes().map_err(raft_error)?, Ordering::Relaxed);
        let config = Config {
            cluster_name: "statehouse".into(),
            heartbeat_interval: 100,
            election_timeout_min: 500,
            election_timeout_max: 1000,
            snapshot_policy: openraft::SnapshotPolicy::Never,
            max_in_snapshot_log_to_keep: 1_000,
            purge_batch_size: 256,
            // A snapshot goes out in chunks of 1 MiB; the last chunk is answered once the follower has
            // installed the whole snapshot, which takes as long as writing the state.
            snapshot_max_chunk_size: 1 << 20,
            install_snapshot_timeout: SNAPSHOT_CHUNK_TIMEOUT_MS,
            ..Default::default()
        };
        let config = Arc::new(config.validate().map_err(raft_error)?);
        let shard_map = Arc::new(RwLock::new(store.shard_map()?));
        let (notices, receiver) = tokio::sync::mpsc::unbounded_channel();
        let state_machine = StateMachine::new(store.clone(), snapshots, shard_map.clone(), notices, since.clone());
        let peers = PeerClient::new(&options.secret);
        let raft = Raft::new(options.id, config, PeerNetwork::new(peers.clone()), log, state_machine)
            .await
            .map_err(raft_error)?;
        let committer = Committer { raft: raft.clone(), peers: peers.clone() };
        let (batcher, queue) = mpsc::channel(QUEUED_PROPOSALS);
        tokio::spawn(run_batcher(committer.clone(), queue));
        tokio::spawn(snapshot_policy::run(raft.clone(), since, options.snapshot_policy));
        let node = RaftNode {
            id: options.id,
            raft,
            store,
            peers,
            shard_map,
            owner_lease: Default::default(),
            token_key: Default::default(),
            committer,
            batcher,
        };
        Ok((node, receiver))
    }

    /// Initializes the cluster if this node is the one to, then waits until the shard map and the task
    /// token secret have been applied here (for a joining node: until it has been added and caught up).
    pub async fn form_cluster(&self, options: &NodeOptions) -> Result<(), StartError> {
        let id = self.id;
        let members = if options.initial_members.is_empty() {
            BTreeMap::from([(id, options.cluster_address.clone())])
        } else {
            options.initial_members.clone()
        };
        let initialized = self.raft.is_initialized().await.map_err(raft_error)?;
        if !initialized && !options.join && members.keys().next() == Some(&id) {
            let nodes: BTreeMap<NodeId, BasicNode> =
                members.iter().map(|(id, addr)| (*id, BasicNode { addr: addr.clone() })).collect();
            self.raft.initialize(nodes).await.map_err(raft_error)?;
        }
        if self.voters() == BTreeSet::from([id]) {
            self.raft.trigger().elect().await.map_err(raft_error)?;
        }
        let mut metrics = self.raft.metrics();
        let mut waiting_logged = false;
        loop {
            let map = self.store.shard_map()?;
            let token_key = self.store.meta(META_TOKEN_KEY)?.map(|bytes| decode::<String>(&bytes)).transpose()?;
            if let (false, Some(token_key)) = (map.is_empty(), token_key) {
                *self.shard_map.write().expect("shard map lock") = map;
                let _ = self.token_key.set(token_key);
                return Ok(());
            }
            if metrics.borrow().current_leader == Some(id) && map.is_empty() {
                let voters: Vec<NodeId> = self.voters().into_iter().collect();
                let map = ShardMap::spread(DEFAULT_SHARD_COUNT, &voters);
                let token_key = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
                let command = Command::InitShards { map, token_key };
                if let Err(e) = self.propose_raw(Proposal { shard: ShardId(0), epoch: Epoch(0), command }).await {
                    tracing::warn!(error = %e, "cannot create the shard map yet");
                }
                continue;
            }
            if !waiting_logged {
                tracing::info!(node = id, "waiting for the cluster to form (or for this node to be added)");
                waiting_logged = true;
            }
            let _ = tokio::time::timeout(Duration::from_millis(500), metrics.changed()).await;
        }
    }

    /// The current voters of the group.
    pub fn voters(&self) -> BTreeSet<NodeId> {
        self.raft.metrics().borrow().membership_config.membership().voter_ids().collect()
    }

    /// Every member (voters and learners) with its cluster address.
    pub fn members(&self) -> BTreeMap<NodeId, String> {
        let metrics = self.raft.metrics().borrow().clone();
        metrics.membership_config.membership().nodes().map(|(id, node)| (*id, node.addr.clone())).collect()
    }

    /// The cluster address of a member.
    pub fn peer_address(&self, id: NodeId) -> Option<String> {
        self.raft.metrics().borrow().membership_config.membership().get_node(&id).map(|node| node.addr.clone())
    }

    /// The node this one believes leads the group.
    pub fn leader(&self) -> Option<NodeId> {
        self.raft.metrics().borrow().current_leader
    }

    /// Takes a lease the leader granted, if it comes from the leader of this node's current term and this node
    /// has applied every shard move the leader had.
    pub fn accept_lease(&self, grant: LeaseGrant) {
        let metrics = self.raft.metrics();
        let metrics = metrics.borrow();
        let current_map = self.shard_map.read().expect("shard map lock").version() >= grant.map_version;
        if metrics.current_leader == Some(grant.leader) && metrics.current_term == grant.term && current_map {
            self.owner_lease.extend_to(grant.until_ms);
        }
    }

    /// Whether this node may serve what it keeps only in memory for its shards (heartbeats): it holds the
    /// owner lease, or it is the only voter and nobody else can take its shards.
    pub fn holds_owner_lease(&self) -> bool {
        self.owner_lease.held() || !has_other_voters(&self.raft.metrics().borrow())
    }

    /// The cluster secret that signs task tokens.
    pub fn token_key(&self) -> &str {
        self.token_key.get().map(String::as_str).unwrap_or_default()
    }

    /// A copy of the applied shard map.
    pub fn shard_map(&self) -> ShardMap {
        self.shard_map.read().expect("shard map lock").clone()
    }

    /// The shard a key belongs to.
    pub fn shard_of(&self, key: &str) -> ShardId {
        ShardId::of(key, self.shard_map.read().expect("shard map lock").shard_count())
    }

    /// The owner and epoch of the shard of `key`.
    pub fn owner_of(&self, key: &str) -> Option<(NodeId, Epoch)> {
        let map = self.shard_map.read().expect("shard map lock");
        map.owner(ShardId::of(key, map.shard_count()))
    }

    /// The epoch under which this node owns the shard of `key`, if it does.
    pub fn owned_epoch(&self, key: &str) -> Option<Epoch> {
        self.owner_of(key).filter(|(owner, _)| *owner == self.id).map(|(_, epoch)| epoch)
    }

    /// Proposes `command` for the shard of `key` under the shard's current epoch, waits for it to commit
    /// and apply here, and returns the time it reports.
    pub async fn propose(&self, key: &str, command: Command) -> Result<i64, ProposeError> {
        let Some((_, epoch)) = self.owner_of(key) else {
            return Err(ProposeError::Unavailable("the cluster has no shard map yet".into()));
        };
        self.propose_fenced(key, epoch, command).await
    }

    /// Proposes `command` for the shard of `key` as its owner under `epoch`; refused if the shard has
    /// moved on since.
    pub async fn propose_fenced(&self, key: &str, epoch: Epoch, command: Command) -> Result<i64, ProposeError> {
        match self.propose_raw(Proposal { shard: self.shard_of(key), epoch, command }).await? {
            Applied::Done { at_ms } => Ok(at_ms),
            Applied::Refused(refusal) => Err(ProposeError::Refused(refusal)),
        }
    }

    /// Hands `proposal` to the batcher, which commits it with the proposals that arrived alongside in one log
    /// entry (through the leader, here or forwarded), and waits until it has applied here, so a client reads
    /// its own writes from this node. A full queue is pushed back at once.
    pub async fn propose_raw(&self, proposal: Proposal) -> Result<Applied, ProposeError> {
        let (reply, answer) = oneshot::channel();
        self.batcher.try_send(Pending { proposal, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ProposeError::Busy,
            mpsc::error::TrySendError::Closed(_) => ProposeError::Unavailable("the node is shutting down".into()),
        })?;
        answer.await.map_err(|_| ProposeError::Unavailable("the node is shutting down".into()))?
    }

    /// Commits a batch forwarded by another node, as the leader: the answers and the log index they applied
    /// at.
    pub async fn commit_as_leader(&self, batch: ProposalBatch) -> Result<(Vec<Applied>, u64), String> {
        let response = self
            .committer
            .client_write(batch)
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("this node cannot commit the proposal right now ({e})"))?;
        Ok((response.data, response.log_id.index))
    }

    /// Whether this node is the leader of a multi-voter cluster and no majority has answered it lately.
    pub fn lost_quorum(&self) -> bool {
        self.committer.lost_quorum()
    }

    /// The log index a read must have applied to see every write committed before the call (leader only;
    /// leadership is confirmed by a quorum first).
    pub async fn read_index(&self) -> Result<u64, AwsError> {
        let unavailable =
            |reason: String| AwsError::unavailable(format!("no read index from the leader; retry ({reason})"));
        let (read, _) = tokio::time::timeout(COMMIT_TIMEOUT, self.raft.get_read_log_id())
            .await
            .map_err(|_| unavailable("a majority did not confirm the leader in time".into()))?
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(read.map_or(0, |log_id| log_id.index))
    }

    /// Waits until this node has applied every write committed anywhere before the call, so that a
    /// resource created through another node is found here. False when there is nothing to wait for (a
    /// lone node) or the leader cannot say.
    pub async fn catch_up(&self) -> bool {
        if self.voters().len() < 2 {
            return false;
        }
        let index = match self.leader() {
            Some(leader) if leader == self.id => self.read_index().await.ok(),
            Some(leader) => match self.peer_address(leader) {
                Some(address) => self
                    .peers
                    .call::<Result<u64, AwsError>>(&address, &PeerRequest::ReadIndex, FORWARD_TIMEOUT)
                    .await
                    .ok()
                    .and_then(Result::ok),
                None => None,
            },
            None => None,
        };
        let Some(index) = index else { return false };
        self.raft
            .wait(Some(FORWARD_TIMEOUT))
            .applied_index_at_least(Some(index), "catch up with the leader")
            .await
            .is_ok()
    }

    /// Adds a node as a learner, waits for it to catch up, then makes it a voter (leader only).
    pub async fn add_node(&self, id: NodeId, address: String) -> Result<(), AwsError> {
        let failed = |e: String| AwsError::unavailable(format!("cannot add node {id}: {e}"));
        let answer: Result<crate::cluster::PeerStatus, _> =
            self.peers.call(&address, &PeerRequest::Ping { grant: None }, Duration::from_secs(2)).await;
        if let Err(e) = answer {
            let message = format!("node {id} at {address} does not answer as a member of this cluster: {e}");
            return Err(AwsError::new(crate::aws_error::ErrorCode::ValidationException, message));
        }
        self.raft.add_learner(id, BasicNode { addr: address }, true).await.map_err(|e| failed(e.to_string()))?;
        let mut voters = self.voters();
        voters.insert(id);
        self.raft.change_membership(voters, false).await.map_err(|e| failed(e.to_string()))?;
        Ok(())
    }

    /// Removes a voter from the group (leader only); its shards move when the controller notices.
    pub async fn remove_node(&self, id: NodeId) -> Result<(), AwsError> {
        let mut voters = self.voters();
        if !voters.remove(&id) {
            return Err(AwsError::new(
                crate::aws_error::ErrorCode::ValidationException,
                format!("node {id} is not a voter"),
            ));
        }
        if voters.is_empty() {
            return Err(AwsError::new(
                crate::aws_error::ErrorCode::ValidationException,
                "the last voter cannot be removed",
            ));
        }
        self.raft
            .change_membership(voters, false)
            .await
            .map_err(|e| AwsError::unavailable(format!("cannot remove node {id}: {e}")))?;
        Ok(())
    }

    /// Resolves when the Raft core has stopped on a fatal error, such as a storage write that failed on a full
    /// disk, with that error. A node in that state can neither replicate nor apply, so it must not go on serving.
    pub async fn stopped_by_fault(&self) -> String {
        let mut metrics = self.raft.metrics();
        loop {
            if let Err(fatal) = &metrics.borrow_and_update().running_state {
                return fatal.to_string();
            }
            if metrics.changed().await.is_err() {
                return "the Raft core stopped".to_string();
            }
        }
    }

    /// Stops the Raft group.
    pub async fn shutdown(&self) {
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "raft shutdown");
        }
    }
}

/// Commits proposal batches: as the leader, or by forwarding them to it.
#[derive(Clone)]
struct Committer {
    raft: Raft,
    peers: PeerClient,
}

impl Committer {
    /// Commits a batch through the leader and waits until it has applied here.
    async fn commit_batch(&self, batch: ProposalBatch) -> Result<Vec<Applied>, ProposeError> {
        let started = std::time::Instant::now();
        metrics::histogram!(crate::metrics::PROPOSALS_PER_ENTRY).record(batch.0.len() as f64);
        let leader = match self.client_write(batch.clone()).await? {
            Ok(response) => {
                metrics::histogram!(crate::metrics::RAFT_COMMIT_LATENCY).record(started.elapsed().as_secs_f64());
                return Ok(response.data);
            }
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(forward))) => forward.leader_node,
            Err(e) => {
                tracing::warn!(error = %e, "proposal failed");
                return Err(ProposeError::Unavailable(format!("the cluster cannot accept writes right now: {e}")));
            }
        };
        let Some(leader) = leader else {
            return Err(ProposeError::Unavailable("the cluster has no leader right now".into()));
        };
        let answer: Result<(Vec<Applied>, u64), String> = self
            .peers
            .call(&leader.addr, &PeerRequest::Propose(batch), FORWARD_TIMEOUT)
            .await
            .map_err(|e| ProposeError::Unavailable(format!("the leader did not answer ({e})")))?;
        let (applied, index) = answer.map_err(ProposeError::Unavailable)?;
        self.raft
            .wait(Some(FORWARD_TIMEOUT))
            .applied_index_at_least(Some(index), "a forwarded proposal applies here")
            .await
            .map_err(|e| ProposeError::Unavailable(format!("this node is behind the leader ({e})")))?;
        metrics::histogram!(crate::metrics::RAFT_COMMIT_LATENCY).record(started.elapsed().as_secs_f64());
        Ok(applied)
    }

    /// Hands `batch` to openraft, unless this node leads without a majority behind it, and gives up after
    /// [`COMMIT_TIMEOUT`]; either way the caller gets a retryable error.
    async fn client_write(&self, batch: ProposalBatch) -> Result<ClientWriteResult, ProposeError> {
        if self.lost_quorum() {
            return Err(ProposeError::Unavailable(
                "this node leads but has lost contact with a majority of the cluster; retry on another node".into(),
            ));
        }
        tokio::time::timeout(COMMIT_TIMEOUT, self.raft.client_write(batch)).await.map_err(|_| {
            ProposeError::Unavailable("a majority of the cluster did not confirm the write in time".into())
        })
    }

    /// Whether this node is the leader of a multi-voter cluster and no majority has answered it lately.
    pub fn lost_quorum(&self) -> bool {
        let metrics = self.raft.metrics();
        let metrics = metrics.borrow();
        metrics.state == ServerState::Leader
            && has_other_voters(&metrics)
            && metrics.millis_since_quorum_ack.is_some_and(|ms| ms > QUORUM_LEASE_MS)
    }
}

/// Whether the group has a voter besides one node: a lone voter needs no quorum and no owner lease.
fn has_other_voters(metrics: &RaftMetrics<NodeId, BasicNode>) -> bool {
    metrics.membership_config.membership().voter_ids().nth(1).is_some()
}

/// A proposal waiting in the batcher's queue, and where its answer goes.
struct Pending {
    proposal: Proposal,
    reply: oneshot::Sender<Result<Applied, ProposeError>>,
}

/// Proposals the batcher holds before `propose` pushes back with [`ProposeError::Busy`].
const QUEUED_PROPOSALS: usize = 16_384;

/// Most proposals in one log entry.
const MAX_BATCH: usize = 256;

/// Batches committing at once; proposals that arrive meanwhile form the next batch.
const BATCHES_IN_FLIGHT: usize = 2;

/// Collects the proposals that arrive together into one batch (one log entry, one fsync, one apply
/// transaction), with at most [`BATCHES_IN_FLIGHT`] batches committing at once. Ends when every sender
/// is gone.
async fn run_batcher(committer: Committer, mut queue: mpsc::Receiver<Pending>) {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(BATCHES_IN_FLIGHT));
    loop {
        let Ok(permit) = in_flight.clone().acquire_owned().await else { return };
        let Some(first) = queue.recv().await else { return };
        let mut pending = vec![first];
        while pending.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => pending.push(next),
                Err(_) => break,
            }
        }
        let committer = committer.clone();
        tokio::spawn(async move {
            let (proposals, replies): (Vec<Proposal>, Vec<_>) =
                pending.into_iter().map(|p| (p.proposal, p.reply)).unzip();
            match committer.commit_batch(ProposalBatch(proposals)).await {
                Ok(answers) => {
                    for (reply, answer) in replies.into_iter().zip(answers) {
                        let _ = reply.send(Ok(answer));
                    }
                }
                Err(error) => {
                    for reply in replies {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
            drop(permit);
        });
    }
}

/// Why a proposal was not applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProposeError {
    /// The state machine refused it; nothing changed.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// It may or may not have committed; the caller retries.
    #[error("{0}; retry")]
    Unavailable(String),
    /// This node has more proposals queued than it takes; the caller retries later.
    #[error("too many proposals are waiting on this node")]
    Busy,
}
