//! The Raft log and vote in redb, with group commit: appends are written at once (readable immediately)
//! and made durable by one flusher thread that fsyncs many appends per commit before acknowledging them.

// openraft's storage traits return `StorageError` by value; the helpers here follow them.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::ops::RangeBounds;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;

use openraft::storage::LogFlushed;
use openraft::storage::LogState;
use openraft::storage::RaftLogStorage;
use openraft::LogId;
use openraft::OptionalSend;
use openraft::RaftLogReader;
use openraft::StorageError;
use openraft::StorageIOError;
use openraft::Vote;
use redb::Database;
use redb::Durability;
use redb::ReadableDatabase;
use redb::ReadableTable;
use redb::TableDefinition;

use super::TypeConfig;
use crate::store::decode;
use crate::store::encode;

type Entry = openraft::Entry<TypeConfig>;

const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("log_meta");
const VOTE: &str = "vote";
const COMMITTED: &str = "committed";
const LAST_PURGED: &str = "last_purged";

/// Entries the purger removes per write transaction, so that appends wait for it at most this long.
const PURGE_CHUNK: u64 = 1_024;

/// Memory redb may use to cache pages of the log (its default is 1 GiB); recent entries are read from it.
const LOG_CACHE_BYTES: usize = 32 << 20;

/// The redb-backed Raft log of one group. Clones share the database.
#[derive(Clone)]
pub struct LogStore {
    db: Arc<Database>,
    /// Bytes appended since the last snapshot was built (the state machine resets it).
    appended: Arc<AtomicU64>,
    flusher: mpsc::Sender<LogFlushed<TypeConfig>>,
    /// Log indexes up to which the purger thread removes entries.
    purger: mpsc::Sender<u64>,
}

fn io_err(e: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_logs(&e).into()
}

impl LogStore {
    /// Opens (or creates) the log at `path` and starts its flusher thread.
    pub fn open(path: &Path) -> Result<LogStore, StorageError<u64>> {
        let db = Arc::new(Database::builder().set_cache_size(LOG_CACHE_BYTES).create(path).map_err(io_err)?);
        let txn = db.begin_write().map_err(io_err)?;
        txn.open_table(LOG).map_err(io_err)?;
        txn.open_table(META).map_err(io_err)?;
        txn.commit().map_err(io_err)?;
        let (flusher, pending) = mpsc::channel::<LogFlushed<TypeConfig>>();
        let flush_db = db.clone();
        std::thread::Builder::new()
            .name("raft-log-flush".into())
            .spawn(move || flush_loop(&flush_db, &pending))
            .map_err(io_err)?;
        let (purger, purges) = mpsc::channel::<u64>();
        let purge_db = db.clone();
        std::thread::Builder::new()
            .name("raft-log-purge".into())
            .spawn(move || purge_loop(&purge_db, &purges))
            .map_err(io_err)?;
        let store = LogStore { db, flusher, purger, appended: Arc::new(AtomicU64::new(0)) };
        if let Some(purged) = store.read_meta::<LogId<u64>>(LAST_PURGED)? {
            store.purger.send(purged.index).map_err(|_| io_err(std::io::Error::other("log purger stopped")))?;
        }
        Ok(store)
    }

    /// The count of bytes appended since the last snapshot, shared with the state machine that resets it.
    pub fn bytes_since_snapshot(&self) -> Arc<AtomicU64> {
        self.appended.clone()
    }

    fn read_meta<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StorageError<u64>> {
        let txn = self.db.begin_read().map_err(io_err)?;
        let table = txn.open_table(META).map_err(io_err)?;
        match table.get(key).map_err(io_err)? {
            Some(v) => Ok(Some(decode(v.value()).map_err(io_err)?)),
            None => Ok(None),
        }
    }

    fn write<F>(&self, durability: Durability, f: F) -> Result<(), StorageError<u64>>
    where
        F: FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
    {
        let mut txn = self.db.begin_write().map_err(io_err)?;
        txn.set_durability(durability).map_err(io_err)?;
        f(&txn).map_err(io_err)?;
        txn.commit().map_err(io_err)
    }
}

/// Makes every append written so far durable with one fsync, then acknowledges all of them.
fn flush_loop(db: &Database, pending: &mpsc::Receiver<LogFlushed<TypeConfig>>) {
    let mut flush_count: u64 = 0;
    while let Ok(first) = pending.recv() {
        let mut batch = vec![first];
        batch.extend(pending.try_iter());
        flush_count += 1;
        let result = (|| -> Result<(), redb::Error> {
            let txn = db.begin_write()?;
            txn.open_table(META)?.insert("flushes", flush_count.to_be_bytes().as_slice())?;
            txn.commit()?;
            Ok(())
        })();
        metrics_batch(batch.len());
        for callback in batch {
            callback.log_io_completed(result.as_ref().map(|_| ()).map_err(|e| std::io::Error::other(e.to_string())));
        }
    }
}

/// Removes the entries up to each index it is sent, a chunk per transaction: a purge after a snapshot can
/// cover a gigabyte of log, and removing it in one transaction would hold back every append meanwhile.
fn purge_loop(db: &Database, purges: &mpsc::Receiver<u64>) {
    while let Ok(first) = purges.recv() {
        let through = purges.try_iter().fold(first, u64::max);
        loop {
            let removed = (|| -> Result<bool, redb::Error> {
                let mut txn = db.begin_write()?;
                txn.set_durability(Durability::None)?;
                let more = {
                    let mut table = txn.open_table(LOG)?;
                    let oldest = match table.first()? {
                        Some((index, _)) if index.value() <= through => index.value(),
                        _ => return Ok(false),
                    };
                    table.retain_in(oldest..=through.min(oldest + PURGE_CHUNK - 1), |_, _| false)?;
                    true
                };
                txn.commit()?;
                Ok(more)
            })();
            match removed {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot remove purged log entries yet");
                    break;
                }
            }
        }
    }
}

fn metrics_batch(appends: usize) {
    tracing::trace!(appends, "raft log fsync");
    metrics::counter!(crate::metrics::LOG_FSYNCS).increment(1);
    metrics::histogram!(crate::metrics::PROPOSALS_PER_FSYNC).record(appends as f64);
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB>(&mut self, range: RB) -> Result<Vec<Entry>, StorageError<u64>>
    where
        RB: RangeBounds<u64> + Clone + Debug + OptionalSend,
    {
        let txn = self.db.begin_read().map_err(io_err)?;
        let table = txn.open_table(LOG).map_err(io_err)?;
        let mut entries = Vec::new();
        for row in table.range(range).map_err(io_err)? {
            let (_, value) = row.map_err(io_err)?;
            entries.push(decode(value.value()).map_err(io_err)?);
        }
        Ok(entries)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError<u64>> {
        let last_purged: Option<LogId<u64>> = self.read_meta(LAST_PURGED)?;
        let txn = self.db.begin_read().map_err(io_err)?;
        let table = txn.open_table(LOG).map_err(io_err)?;
        let last = match table.last().map_err(io_err)? {
            Some((_, v)) => Some(decode::<Entry>(v.value()).map_err(io_err)?.log_id),
            None => None,
        };
        // Entries the purger has not removed yet may all be older than the last purged one.
        let last = last.max(last_purged);
        Ok(LogState { last_purged_log_id: last_purged, last_log_id: last })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError<u64>> {
        let bytes = encode(vote);
        self.write(Durability::Immediate, |txn| {
            txn.open_table(META)?.insert(VOTE, bytes.as_slice())?;
            Ok(())
        })
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError<u64>> {
        self.read_meta(VOTE)
    }

    async fn save_committed(&mut self, committed: Option<LogId<u64>>) -> Result<(), StorageError<u64>> {
        let bytes = encode(&committed);
        self.write(Durability::None, |txn| {
            txn.open_table(META)?.insert(COMMITTED, bytes.as_slice())?;
            Ok(())
        })
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, StorageError<u64>> {
        Ok(self.read_meta::<Option<LogId<u64>>>(COMMITTED)?.flatten())
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError<u64>>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let encoded: Vec<(u64, Vec<u8>)> = entries.into_iter().map(|e| (e.log_id.index, encode(&e))).collect();
        let bytes: usize = encoded.iter().map(|(_, e)| e.len()).sum();
        metrics::counter!(crate::metrics::LOG_BYTES_APPENDED).increment(bytes as u64);
        self.appended.fetch_add(bytes as u64, Ordering::Relaxed);
        self.write(Durability::None, |txn| {
            let mut table = txn.open_table(LOG)?;
            for (index, bytes) in &encoded {
                table.insert(*index, bytes.as_slice())?;
            }
            Ok(())
        })?;
        self.flusher.send(callback).map_err(|_| io_err(std::io::Error::other("log flusher stopped")))
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        self.write(Durability::Immediate, |txn| {
            let mut table = txn.open_table(LOG)?;
            table.retain_in(log_id.index.., |_, _| false)?;
            Ok(())
        })
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let bytes = encode(&log_id);
        self.write(Durability::None, |txn| {
            txn.open_table(META)?.insert(LAST_PURGED, bytes.as_slice())?;
            Ok(())
        })?;
        self.purger.send(log_id.index).map_err(|_| io_err(std::io::Error::other("log purger stopped")))
    }
}
