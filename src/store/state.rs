//! The replicated state in a redb database: reads for the API, and the write transaction `apply` uses.

use std::io::Read;
use std::path::Path;

use redb::Database;
use redb::Durability;
use redb::ReadTransaction;
use redb::ReadableDatabase;
use redb::ReadableTable;
use redb::ReadableTableMetadata;

use super::codec::decode;
use super::codec::encode;
use super::snapshot_file;
use super::snapshot_file::SnapshotFileError;
use super::tables::*;
use super::ActivityRecord;
use super::AliasRecord;
use super::ExecutionRecord;
use super::MapRunRecord;
use super::OpenTask;
use super::RevisionRecord;
use super::StateMachineRecord;
use super::StoreError;
use super::Tag;
use super::VersionRecord;
use crate::cluster::ShardMap;
use crate::history::StoredEvent;

/// One page of a listing and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The key of the first item of the next page, when there is one.
    pub next: Option<Vec<u8>>,
}

/// Memory redb may use to cache pages of the state (its default is 1 GiB).
const STATE_CACHE_BYTES: usize = 128 << 20;

/// A RUNNING execution as the log left it: where its history stands, its last checkpoint, the encoded
/// inputs of the decisions after it, and its armed timers and outstanding tasks.
#[derive(Debug, Clone)]
pub struct ExecutionTail {
    pub next_event_id: u64,
    /// `(next event id at the checkpoint, encoded state)`, encoded together.
    pub checkpoint: Option<Vec<u8>>,
    pub decisions: Vec<Vec<u8>>,
    /// `(timer id, due ms)`.
    pub timers: Vec<(u64, i64)>,
    pub open_tasks: Vec<OpenTask>,
}

/// The on-disk replicated state.
pub struct StateStore {
    db: Database,
}

impl StateStore {
    /// Opens (or creates) the state database at `path`. A database written in another on-disk format is
    /// refused.
    pub fn open(path: &Path) -> Result<StateStore, StoreError> {
        let db = Database::builder().set_cache_size(STATE_CACHE_BYTES).create(path)?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let format = meta.get(META_FORMAT)?.map(|v| decode::<u64>(v.value())).transpose()?;
            let initialized = meta.get(META_SHARD_MAP)?.is_some();
            match format {
                Some(FORMAT_VERSION) => {}
                None if !initialized => {
                    meta.insert(META_FORMAT, encode(&FORMAT_VERSION).as_slice())?;
                }
                found => {
                    return Err(StoreError::Format { path: path.display().to_string(), found: found.unwrap_or(1) })
                }
            }
        }
        macro_rules! create {
            ($($tag:literal => $table:ident),*) => {
                $( txn.open_table($table)?; )*
            };
        }
        for_every_table!(create);
        txn.commit()?;
        Ok(StateStore { db })
    }

    /// A raw metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        meta_in(&self.db.begin_read()?, key)
    }

    /// The shard map (empty before the cluster is initialized).
    pub fn shard_map(&self) -> Result<ShardMap, StoreError> {
        Ok(match self.meta(META_SHARD_MAP)? {
            Some(bytes) => decode(&bytes)?,
            None => ShardMap::default(),
        })
    }

    /// Runs `f` in one write transaction. `durable` makes the commit fsync; otherwise it becomes durable with
    /// the next durable commit (the Raft log replays what a crash lost).
    pub fn write<T>(
        &self,
        durable: bool,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut txn = self.db.begin_write()?;
        if !durable {
            txn.set_durability(Durability::None)?;
        }
        let out = f(&txn)?;
        txn.commit()?;
        Ok(out)
    }

    pub fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        self.get(STATE_MACHINES, arn)
    }

    pub fn revision(&self, arn: &str, revision_id: &str) -> Result<Option<RevisionRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(REVISIONS)?;
        Ok(match table.get((arn, revision_id))? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        })
    }

    /// Version `number` of a state machine.
    pub fn version(&self, machine_arn: &str, number: u64) -> Result<Option<VersionRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(VERSIONS)?;
        Ok(match table.get((machine_arn, number))? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        })
    }

    /// Versions of a state machine, newest first, from version number `from` down.
    pub fn list_versions(
        &self,
        machine_arn: &str,
        from: Option<u64>,
        limit: usize,
    ) -> Result<Page<VersionRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(VERSIONS)?;
        let mut items = Vec::new();
        for row in table.range((machine_arn, 0)..=(machine_arn, from.unwrap_or(u64::MAX)))?.rev() {
            let (key, value) = row?;
            if items.len() == limit {
                return Ok(Page { items, next: Some(encode(&key.value().1)) });
            }
            items.push(decode(value.value())?);
        }
        Ok(Page { items, next: None })
    }

    /// The alias `name` of a state machine.
    pub fn alias(&self, machine_arn: &str, name: &str) -> Result<Option<AliasRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ALIASES)?;
        Ok(match table.get((machine_arn, name))? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        })
    }

    /// Every alias of a state machine (at most `MAX_ALIASES`), in name order.
    pub fn aliases(&self, machine_arn: &str) -> Result<Vec<AliasRecord>, StoreError> {
        aliases_in(&self.db.begin_read()?.open_table(ALIASES)?, machine_arn)
    }

    pub fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        self.get(ACTIVITIES, arn)
    }

    pub fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.get(EXECUTIONS, arn)
    }

    pub fn map_run(&self, arn: &str) -> Result<Option<MapRunRecord>, StoreError> {
        self.get(MAP_RUNS, arn)
    }

    /// The map runs of an execution, oldest first, from `from` (start ms, map run ARN) on.
    pub fn list_map_runs(
        &self,
        execution_arn: &str,
        from: Option<(u64, String)>,
        limit: usize,
    ) -> Result<Page<MapRunRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(MAP_RUNS_BY_EXECUTION)?;
        let map_runs = txn.open_table(MAP_RUNS)?;
        let (start_ms, start_arn) = from.unwrap_or((0, String::new()));
        let mut items = Vec::new();
        let range = (execution_arn, start_ms, start_arn.as_str())..=(execution_arn, u64::MAX, "\u{10ffff}");
        for row in index.range(range)? {
            let (key, _) = row?;
            let (_, start_ms, arn) = key.value();
            let Some(record) = map_runs.get(arn)? else { continue };
            if items.len() == limit {
                return Ok(Page { items, next: Some(encode(&(start_ms, arn.to_string()))) });
            }
            items.push(decode(record.value())?);
        }
        Ok(Page { items, next: None })
    }

    pub fn tags(&self, arn: &str) -> Result<Vec<Tag>, StoreError> {
        Ok(self.get(TAGS, arn)?.unwrap_or_default())
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        table: redb::TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(table)?;
        Ok(match table.get(key)? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        })
    }

    /// State machines whose ARN starts with `prefix`, in ARN order, starting at `from`.
    pub fn list_state_machines(
        &self,
        prefix: &str,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Page<StateMachineRecord>, StoreError> {
        self.list(STATE_MACHINES, prefix, from, limit)
    }

    /// Activities whose ARN starts with `prefix`, in ARN order, starting at `from`.
    pub fn list_activities(
        &self,
        prefix: &str,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Page<ActivityRecord>, StoreError> {
        self.list(ACTIVITIES, prefix, from, limit)
    }

    fn list<T: serde::de::DeserializeOwned>(
        &self,
        table: redb::TableDefinition<&str, &[u8]>,
        prefix: &str,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Page<T>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(table)?;
        let mut items = Vec::new();
        let start = from.filter(|from| *from > prefix).unwrap_or(prefix);
        for row in table.range(start..)? {
            let (key, value) = row?;
            if !key.value().starts_with(prefix) {
                break;
            }
            if items.len() == limit {
                return Ok(Page { items, next: Some(key.value().as_bytes().to_vec()) });
            }
            items.push(decode(value.value())?);
        }
        Ok(Page { items, next: None })
    }

    /// Executions of a state machine, newest first, only those `keep` accepts.
    pub fn list_executions(
        &self,
        machine_arn: &str,
        keep: impl Fn(&ExecutionRecord) -> bool,
        from: Option<(u64, String)>,
        limit: usize,
    ) -> Result<Page<ExecutionRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(EXECUTIONS_BY_MACHINE)?;
        let executions = txn.open_table(EXECUTIONS)?;
        let (start_key, start_arn) = from.unwrap_or((0, String::new()));
        let mut items = Vec::new();
        for row in index.range((machine_arn, start_key, start_arn.as_str())..(machine_arn, u64::MAX, "\u{10ffff}"))? {
            let (key, _) = row?;
            let (_, order, arn) = key.value();
            let Some(record) = executions.get(arn)? else { continue };
            let record: ExecutionRecord = decode(record.value())?;
            if !keep(&record) {
                continue;
            }
            if items.len() == limit {
                return Ok(Page { items, next: Some(encode(&(order, arn.to_string()))) });
            }
            items.push(record);
        }
        Ok(Page { items, next: None })
    }

    /// History events of an execution from event id `from` on, ascending or descending.
    pub fn history(
        &self,
        execution_arn: &str,
        from: Option<u64>,
        reverse: bool,
        limit: usize,
    ) -> Result<Page<StoredEvent>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(HISTORY)?;
        let range = if reverse {
            table.range((execution_arn, 0)..=(execution_arn, from.unwrap_or(u64::MAX)))?.rev().collect::<Vec<_>>()
        } else {
            table.range((execution_arn, from.unwrap_or(0))..=(execution_arn, u64::MAX))?.collect::<Vec<_>>()
        };
        let mut items = Vec::new();
        for row in range {
            let (key, value) = row?;
            if items.len() == limit {
                return Ok(Page { items, next: Some(key.value().1.to_be_bytes().to_vec()) });
            }
            items.push(decode(value.value())?);
        }
        Ok(Page { items, next: None })
    }

    /// What rebuilding a RUNNING execution needs, read from one consistent view; `None` once it has closed.
    pub fn execution_tail(&self, arn: &str) -> Result<Option<ExecutionTail>, StoreError> {
        let txn = self.db.begin_read()?;
        let Some(next_event_id) = txn.open_table(PROGRESS)?.get(arn)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let (checkpoint, decisions) = checkpoint_and_decisions(&txn, arn)?;
        let mut timers = Vec::new();
        for row in txn.open_table(TIMERS)?.range((arn, 0)..=(arn, u64::MAX))? {
            let (key, due) = row?;
            timers.push((key.value().1, due.value()));
        }
        let mut open_tasks = Vec::new();
        for row in txn.open_table(OPEN_TASKS)?.range((arn, 0)..=(arn, u64::MAX))? {
            open_tasks.push(decode(row?.1.value())?);
        }
        Ok(Some(ExecutionTail { next_event_id, checkpoint, decisions, timers, open_tasks }))
    }

    /// What rebuilding a closed execution that did not succeed needs (to redrive it): its last checkpoint and
    /// the inputs recorded after it, kept from its close; `None` if nothing was kept.
    pub fn closed_tail(&self, arn: &str) -> Result<Option<ExecutionTail>, StoreError> {
        let txn = self.db.begin_read()?;
        let (checkpoint, decisions) = checkpoint_and_decisions(&txn, arn)?;
        if checkpoint.is_none() && decisions.is_empty() {
            return Ok(None);
        }
        let next_event_id = last_event_id_in(&txn, arn)? + 1;
        Ok(Some(ExecutionTail { next_event_id, checkpoint, decisions, timers: Vec::new(), open_tasks: Vec::new() }))
    }

    /// The id of an execution's last history event (0 for none).
    pub fn last_event_id(&self, arn: &str) -> Result<u64, StoreError> {
        last_event_id_in(&self.db.begin_read()?, arn)
    }

    /// The outstanding task in `slot` of an execution, if its token is still valid.
    pub fn open_task(&self, arn: &str, slot: u64) -> Result<Option<OpenTask>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(OPEN_TASKS)?;
        Ok(match table.get((arn, slot))? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        })
    }

    /// Every outstanding task of every RUNNING execution.
    pub fn all_open_tasks(&self) -> Result<Vec<(String, OpenTask)>, StoreError> {
        let txn = self.db.begin_read()?;
        let mut tasks = Vec::new();
        for row in txn.open_table(OPEN_TASKS)?.iter()? {
            let (key, value) = row?;
            tasks.push((key.value().0.to_string(), decode(value.value())?));
        }
        Ok(tasks)
    }

    /// When the execution that closed first (and is still kept) stopped, if any is kept.
    pub fn oldest_closed_ms(&self) -> Result<Option<i64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CLOSED_BY_TIME)?;
        let oldest = table.first()?.map(|(key, _)| key.value().0 as i64);
        Ok(oldest)
    }

    /// ARNs of every RUNNING execution.
    pub fn open_executions(&self) -> Result<Vec<String>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(OPEN_EXECUTIONS)?;
        let mut arns = Vec::with_capacity(table.len()? as usize);
        for row in table.iter()? {
            arns.push(row?.0.value().to_string());
        }
        Ok(arns)
    }

    /// A read transaction: one consistent view of the state while applies go on.
    pub fn begin_read(&self) -> Result<ReadTransaction, StoreError> {
        Ok(self.db.begin_read()?)
    }

    /// Makes every commit so far durable (applies commit without an fsync; the Raft log replays them after a
    /// crash, until the log behind a snapshot is purged).
    pub fn make_durable(&self) -> Result<(), StoreError> {
        self.write(true, |_| Ok(()))
    }

    /// Replaces the whole state with the rows of a snapshot stream whose header has been read, then writes
    /// `meta` (applied log id and membership of the snapshot), in one durable transaction.
    pub fn install_snapshot(&self, rows: &mut impl Read, meta: &[(&str, Vec<u8>)]) -> Result<u64, SnapshotFileError> {
        let mut txn = self.db.begin_write().map_err(StoreError::from)?;
        txn.set_durability(Durability::Immediate).map_err(StoreError::from)?;
        let count = snapshot_file::read_rows(&txn, rows)?;
        {
            let mut table = txn.open_table(META)?;
            for (key, value) in meta {
                table.insert(*key, value.as_slice()).map_err(StoreError::from)?;
            }
        }
        txn.commit().map_err(StoreError::from)?;
        Ok(count)
    }
}

fn last_event_id_in(txn: &ReadTransaction, arn: &str) -> Result<u64, StoreError> {
    let last = txn.open_table(HISTORY)?.range((arn, 0)..=(arn, u64::MAX))?.next_back().transpose()?;
    Ok(last.map_or(0, |(key, _)| key.value().1))
}

/// A metadata value as seen by `txn`.
pub fn meta_in(txn: &ReadTransaction, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let table = txn.open_table(META)?;
    Ok(table.get(key)?.map(|v| v.value().to_vec()))
}

/// The index order that lists the newest start first.
pub fn newest_first(start_ms: i64) -> u64 {
    u64::MAX - start_ms.max(0) as u64
}

/// The aliases of `machine_arn` in an open [`ALIASES`] table, in name order.
pub fn aliases_in(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    machine_arn: &str,
) -> Result<Vec<AliasRecord>, StoreError> {
    let mut aliases = Vec::new();
    for row in table.range((machine_arn, "")..)? {
        let (key, value) = row?;
        if key.value().0 != machine_arn {
            break;
        }
        aliases.push(decode(value.value())?);
    }
    Ok(aliases)
}

/// An execution's last checkpoint and the decisions recorded after it, encoded as stored.
type StoredTail = (Option<Vec<u8>>, Vec<Vec<u8>>);

/// Reads an execution's [`StoredTail`].
fn checkpoint_and_decisions(txn: &ReadTransaction, arn: &str) -> Result<StoredTail, StoreError> {
    let checkpoint = txn.open_table(CHECKPOINTS)?.get(arn)?.map(|v| v.value().to_vec());
    let mut decisions = Vec::new();
    for row in txn.open_table(DECISIONS)?.range((arn, 0)..=(arn, u64::MAX))? {
        decisions.push(row?.1.value().to_vec());
    }
    Ok((checkpoint, decisions))
}
