//! openraft's state machine over [`StateStore`]: applies committed entries in one transaction per batch;
//! snapshots are files of the [`SnapshotDir`], built and installed on blocking threads.

// openraft's storage traits return `StorageError` by value; the helpers here follow them.
#![allow(clippy::result_large_err)]

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::RwLock;

use openraft::storage::RaftStateMachine;
use openraft::storage::Snapshot;
use openraft::Entry;
use openraft::EntryPayload;
use openraft::LogId;
use openraft::OptionalSend;
use openraft::RaftSnapshotBuilder;
use openraft::StorageError;
use openraft::StorageIOError;
use openraft::StoredMembership;

use tokio::sync::mpsc::UnboundedSender;

use super::apply::apply_proposal;
use super::apply::put_meta;
use super::snapshot_dir::Meta;
use super::snapshot_dir::SnapshotDir;
use super::snapshot_dir::SnapshotFile;
use super::snapshot_policy::SinceSnapshot;
use super::Applied;
use super::Command;
use super::TypeConfig;
use crate::cluster::ShardMap;
use crate::store::decode;
use crate::store::encode;
use crate::store::SnapshotFileError;
use crate::store::StateStore;
use crate::store::META_APPLIED;
use crate::store::META_MEMBERSHIP;

type Membership = StoredMembership<u64, openraft::BasicNode>;

fn sm_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_state_machine(&e).into()
}

fn snapshot_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_snapshot(None, &e).into()
}

/// Applies commit without an fsync (the log replays them after a crash), except one at least this often,
/// which bounds what a restart replays to about this much work.
const DURABLE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// What applying committed entries tells this node's runtime, in log order.
#[derive(Debug, Clone, PartialEq)]
pub enum AppliedNotice {
    /// A STANDARD execution was created; its owner starts its actor.
    ExecutionStarted(String),
    /// The shard map changed; owners start and stop actors.
    ShardsChanged,
    /// A STANDARD execution closed; a parent waiting for it (`.sync`) goes on.
    ExecutionClosed(String),
}

/// The replicated state machine of a group. Clones share the store.
#[derive(Clone)]
pub struct StateMachine {
    store: Arc<StateStore>,
    /// The log since the last snapshot and that snapshot's size; building or installing one resets them.
    since: SinceSnapshot,
    /// When an apply last made the state durable (see [`DURABLE_INTERVAL`]).
    last_durable: Arc<std::sync::Mutex<std::time::Instant>>,
    snapshots: SnapshotDir,
    shard_map: Arc<RwLock<ShardMap>>,
    notices: UnboundedSender<AppliedNotice>,
}

impl StateMachine {
    /// The state machine over `store`; it keeps `shard_map` equal to the applied shard map, sends what it
    /// applied to `notices`, and resets `since` whenever it builds or installs a snapshot.
    pub fn new(
        store: Arc<StateStore>,
        snapshots: SnapshotDir,
        shard_map: Arc<RwLock<ShardMap>>,
        notices: UnboundedSender<AppliedNotice>,
        since: SinceSnapshot,
    ) -> StateMachine {
        let last_durable = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
        StateMachine { store, since, last_durable, snapshots, shard_map, notices }
    }

    fn shards_changed(&self) -> Result<(), StorageError<u64>> {
        *self.shard_map.write().expect("shard map lock") = self.store.shard_map().map_err(sm_err)?;
        let _ = self.notices.send(AppliedNotice::ShardsChanged);
        Ok(())
    }

    fn read_meta<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StorageError<u64>> {
        match self.store.meta(key).map_err(sm_err)? {
            Some(bytes) => Ok(Some(decode(&bytes).map_err(sm_err)?)),
            None => Ok(None),
        }
    }
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<u64>> {
        let (store, dir) = (self.store.clone(), self.snapshots.clone());
        let started = std::time::Instant::now();
        let appended = self.since.log_bytes.swap(0, Ordering::Relaxed);
        let (built, stats) = match blocking(move || dir.build(&store)).await {
            Ok(built) => built,
            Err(e) => {
                self.since.log_bytes.fetch_add(appended, Ordering::Relaxed);
                return Err(e);
            }
        };
        self.since.snapshot_bytes.store(stats.bytes, Ordering::Relaxed);
        metrics::counter!(crate::metrics::SNAPSHOTS_BUILT).increment(1);
        metrics::gauge!(crate::metrics::SNAPSHOT_BYTES).set(stats.bytes as f64);
        tracing::info!(
            snapshot = %built.meta.snapshot_id,
            rows = stats.rows,
            bytes = stats.bytes,
            ms = started.elapsed().as_millis() as u64,
            "snapshot built"
        );
        open_snapshot(built).await
    }
}

/// Runs blocking snapshot IO on tokio's blocking pool, off the Raft core's thread.
async fn blocking<T, F>(work: F) -> Result<T, StorageError<u64>>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, SnapshotFileError> + Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(snapshot_err)?.map_err(snapshot_err)
}

async fn open_snapshot(file: SnapshotFile) -> Result<Snapshot<TypeConfig>, StorageError<u64>> {
    let data = tokio::fs::File::open(&file.path).await.map_err(snapshot_err)?;
    Ok(Snapshot { meta: file.meta, snapshot: Box::new(data) })
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId<u64>>, Membership), StorageError<u64>> {
        Ok((self.read_meta(META_APPLIED)?, self.read_meta(META_MEMBERSHIP)?.unwrap_or_default()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Vec<Applied>>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<TypeConfig>> = entries.into_iter().collect();
        let durable = self.last_durable.lock().expect("durable lock").elapsed() >= DURABLE_INTERVAL;
        let (answers, written) = self
            .store
            .write(durable, |txn| {
                let mut answers = Vec::with_capacity(entries.len());
                let mut written = 0;
                for entry in &entries {
                    let answer = match &entry.payload {
                        EntryPayload::Blank => Vec::new(),
                        EntryPayload::Normal(batch) => {
                            let mut applied = Vec::with_capacity(batch.0.len());
                            for proposal in &batch.0 {
                                let (answer, bytes) = apply_proposal(txn, proposal)?;
                                written += bytes;
                                applied.push(answer);
                            }
                            applied
                        }
                        EntryPayload::Membership(membership) => {
                            let stored = Membership::new(Some(entry.log_id), membership.clone());
                            put_meta(txn, META_MEMBERSHIP, &encode(&stored))?;
                            Vec::new()
                        }
                    };
                    answers.push(answer);
                }
                if let Some(last) = entries.last() {
                    put_meta(txn, META_APPLIED, &encode(&last.log_id))?;
                }
                Ok((answers, written))
            })
            .map_err(sm_err)?;
        metrics::counter!(crate::metrics::STATE_BYTES_WRITTEN).increment(written);
        if durable {
            *self.last_durable.lock().expect("durable lock") = std::time::Instant::now();
        }
        let mut shards_changed = false;
        for (entry, applied) in entries.iter().zip(&answers) {
            let EntryPayload::Normal(batch) = &entry.payload else { continue };
            for (proposal, answer) in batch.0.iter().zip(applied) {
                if !matches!(answer, Applied::Done { .. }) {
                    continue;
                }
                match &proposal.command {
                    Command::InitShards { .. } | Command::AssignShards { .. } => shards_changed = true,
                    Command::StartExecution { execution, decision, .. } if decision.changes.close.is_none() => {
                        let _ = self.notices.send(AppliedNotice::ExecutionStarted(execution.arn.clone()));
                    }
                    Command::StartExecution { execution, .. } => {
                        let _ = self.notices.send(AppliedNotice::ExecutionClosed(execution.arn.clone()));
                    }
                    Command::RedriveExecution { redrive } if redrive.decision.changes.close.is_none() => {
                        let _ = self.notices.send(AppliedNotice::ExecutionStarted(redrive.execution_arn.clone()));
                    }
                    Command::RedriveExecution { redrive } => {
                        let _ = self.notices.send(AppliedNotice::ExecutionClosed(redrive.execution_arn.clone()));
                    }
                    Command::Decide { execution_arn, decision, .. } if decision.changes.close.is_some() => {
                        let _ = self.notices.send(AppliedNotice::ExecutionClosed(execution_arn.clone()));
                    }
                    _ => {}
                }
            }
        }
        if shards_changed {
            self.shards_changed()?;
        }
        Ok(answers)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<tokio::fs::File>, StorageError<u64>> {
        let dir = self.snapshots.clone();
        let path = blocking(move || Ok(dir.receiving()?)).await?;
        let file = tokio::fs::OpenOptions::new().read(true).write(true).open(path).await.map_err(snapshot_err)?;
        Ok(Box::new(file))
    }

    async fn install_snapshot(&mut self, meta: &Meta, snapshot: Box<tokio::fs::File>) -> Result<(), StorageError<u64>> {
        let mut received = *snapshot;
        tokio::io::AsyncWriteExt::flush(&mut received).await.map_err(snapshot_err)?;
        drop(received);
        let (store, dir, meta) = (self.store.clone(), self.snapshots.clone(), meta.clone());
        let started = std::time::Instant::now();
        let id = meta.snapshot_id.clone();
        let (rows, bytes) = blocking(move || dir.install(&store, &meta)).await?;
        self.since.log_bytes.store(0, Ordering::Relaxed);
        self.since.snapshot_bytes.store(bytes, Ordering::Relaxed);
        metrics::counter!(crate::metrics::SNAPSHOTS_INSTALLED).increment(1);
        metrics::gauge!(crate::metrics::SNAPSHOT_BYTES).set(bytes as f64);
        tracing::info!(snapshot = %id, rows, ms = started.elapsed().as_millis() as u64, "snapshot installed");
        self.shards_changed()
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError<u64>> {
        let dir = self.snapshots.clone();
        match blocking(move || dir.current()).await? {
            Some(file) => Ok(Some(open_snapshot(file).await?)),
            None => Ok(None),
        }
    }
}
