//! openraft's state machine over [`StateStore`]: applies committed entries in one transaction per batch,
//! builds and installs snapshots of the whole state.

// openraft's storage traits return `StorageError` by value; the helpers here follow them.
#![allow(clippy::result_large_err)]

use std::io::Cursor;
use std::sync::Arc;
use std::sync::RwLock;

use openraft::storage::RaftStateMachine;
use openraft::storage::Snapshot;
use openraft::Entry;
use openraft::EntryPayload;
use openraft::LogId;
use openraft::OptionalSend;
use openraft::RaftSnapshotBuilder;
use openraft::SnapshotMeta;
use openraft::StorageError;
use openraft::StorageIOError;
use openraft::StoredMembership;

use tokio::sync::mpsc::UnboundedSender;

use super::Applied;
use super::Command;
use super::TypeConfig;
use crate::cluster::ShardMap;
use crate::store::apply_proposal;
use crate::store::decode;
use crate::store::encode;
use crate::store::put_meta;
use crate::store::StateDump;
use crate::store::StateStore;
use crate::store::META_APPLIED;
use crate::store::META_MEMBERSHIP;
use crate::store::META_SNAPSHOT;

type Membership = StoredMembership<u64, openraft::BasicNode>;
type Meta = SnapshotMeta<u64, openraft::BasicNode>;

fn sm_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_state_machine(&e).into()
}

fn snapshot_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_snapshot(None, &e).into()
}

/// What applying committed entries tells this node's runtime, in log order.
#[derive(Debug, Clone, PartialEq)]
pub enum AppliedNotice {
    /// A STANDARD execution was created; its owner starts its actor.
    ExecutionStarted(String),
    /// The shard map changed; owners start and stop actors.
    ShardsChanged,
}

/// The replicated state machine of a group. Clones share the store.
#[derive(Clone)]
pub struct StateMachine {
    store: Arc<StateStore>,
    shard_map: Arc<RwLock<ShardMap>>,
    notices: UnboundedSender<AppliedNotice>,
}

impl StateMachine {
    /// The state machine over `store`; it keeps `shard_map` equal to the applied shard map and sends what
    /// it applied to `notices`.
    pub fn new(
        store: Arc<StateStore>,
        shard_map: Arc<RwLock<ShardMap>>,
        notices: UnboundedSender<AppliedNotice>,
    ) -> StateMachine {
        StateMachine { store, shard_map, notices }
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
        let mut dump = self.store.dump().map_err(snapshot_err)?;
        dump.meta.retain(|(key, _)| key != META_SNAPSHOT);
        let last_log_id: Option<LogId<u64>> = self.read_meta(META_APPLIED)?;
        let last_membership: Membership = self.read_meta(META_MEMBERSHIP)?.unwrap_or_default();
        let snapshot_id = match last_log_id {
            Some(id) => format!("{}-{}-{}", id.leader_id, id.index, crate::clock::now_ms()),
            None => format!("empty-{}", crate::clock::now_ms()),
        };
        let meta = Meta { last_log_id, last_membership, snapshot_id };
        let data = encode(&dump);
        let stored = encode(&(meta.clone(), data.clone()));
        self.store.write(true, |txn| put_meta(txn, META_SNAPSHOT, &stored)).map_err(snapshot_err)?;
        Ok(Snapshot { meta, snapshot: Box::new(Cursor::new(data)) })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId<u64>>, Membership), StorageError<u64>> {
        Ok((self.read_meta(META_APPLIED)?, self.read_meta(META_MEMBERSHIP)?.unwrap_or_default()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<TypeConfig>> = entries.into_iter().collect();
        let answers = self
            .store
            .write(false, |txn| {
                let mut answers = Vec::with_capacity(entries.len());
                for entry in &entries {
                    let answer = match &entry.payload {
                        EntryPayload::Blank => Applied::Done { at_ms: 0 },
                        EntryPayload::Normal(proposal) => apply_proposal(txn, proposal)?,
                        EntryPayload::Membership(membership) => {
                            let stored = Membership::new(Some(entry.log_id), membership.clone());
                            put_meta(txn, META_MEMBERSHIP, &encode(&stored))?;
                            Applied::Done { at_ms: 0 }
                        }
                    };
                    answers.push(answer);
                }
                if let Some(last) = entries.last() {
                    put_meta(txn, META_APPLIED, &encode(&last.log_id))?;
                }
                Ok(answers)
            })
            .map_err(sm_err)?;
        let mut shards_changed = false;
        for (entry, answer) in entries.iter().zip(&answers) {
            let (EntryPayload::Normal(proposal), Applied::Done { .. }) = (&entry.payload, answer) else { continue };
            match &proposal.command {
                Command::InitShards { .. } | Command::AssignShards { .. } => shards_changed = true,
                Command::StartExecution { execution, .. } => {
                    let _ = self.notices.send(AppliedNotice::ExecutionStarted(execution.arn.clone()));
                }
                _ => {}
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

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError<u64>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(&mut self, meta: &Meta, snapshot: Box<Cursor<Vec<u8>>>) -> Result<(), StorageError<u64>> {
        let data = snapshot.into_inner();
        let mut dump: StateDump = decode(&data).map_err(snapshot_err)?;
        dump.meta.retain(|(key, _)| key != META_APPLIED && key != META_MEMBERSHIP && key != META_SNAPSHOT);
        if let Some(applied) = meta.last_log_id {
            dump.meta.push((META_APPLIED.to_string(), encode(&applied)));
        }
        dump.meta.push((META_MEMBERSHIP.to_string(), encode(&meta.last_membership)));
        dump.meta.push((META_SNAPSHOT.to_string(), encode(&(meta.clone(), data))));
        self.store.restore(dump).map_err(snapshot_err)?;
        self.shards_changed()
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError<u64>> {
        let stored: Option<(Meta, Vec<u8>)> = self.read_meta(META_SNAPSHOT)?;
        Ok(stored.map(|(meta, data)| Snapshot { meta, snapshot: Box::new(Cursor::new(data)) }))
    }
}
