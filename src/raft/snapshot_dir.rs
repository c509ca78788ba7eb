//! The snapshots of a node, as files in `<data dir>/snapshots`: built from a consistent read of the state
//! store, sent to lagging followers chunk by chunk straight from the file, received into a file, and
//! installed by streaming the file into the store. No snapshot is ever held in memory or in the store.
//!
//! Everything here does blocking file and database IO: callers run it on a blocking thread, never on the
//! Raft core or an actix thread.

use std::fs::File;
use std::io::BufReader;
use std::io::BufWriter;
use std::path::Path;
use std::path::PathBuf;

use openraft::LogId;
use openraft::SnapshotMeta;
use openraft::StoredMembership;

use crate::store::decode;
use crate::store::encode;
use crate::store::meta_in;
use crate::store::read_snapshot_header;
use crate::store::write_snapshot_stream;
use crate::store::SnapshotFileError;
use crate::store::StateStore;
use crate::store::StreamStats;
use crate::store::META_APPLIED;
use crate::store::META_MEMBERSHIP;

/// The meta openraft keeps with a snapshot.
pub type Meta = SnapshotMeta<u64, openraft::BasicNode>;
type Membership = StoredMembership<u64, openraft::BasicNode>;

/// A finished snapshot file ends in this; anything else in the directory is unfinished.
const SNAPSHOT_SUFFIX: &str = ".snap";

/// The file a snapshot from the leader is received into.
const RECEIVING: &str = "receiving.part";

/// The snapshot directory of one node.
#[derive(Debug, Clone)]
pub struct SnapshotDir {
    path: PathBuf,
}

/// A snapshot on disk.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    pub meta: Meta,
    pub path: PathBuf,
}

impl SnapshotDir {
    /// Opens (or creates) the directory and removes what an interrupted build left behind.
    pub fn open(path: &Path) -> std::io::Result<SnapshotDir> {
        std::fs::create_dir_all(path)?;
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            if !entry.file_name().to_string_lossy().ends_with(SNAPSHOT_SUFFIX) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(SnapshotDir { path: path.to_path_buf() })
    }

    /// Writes a snapshot of everything `store` has applied, from one read transaction, and makes it the
    /// current one. The store is made durable up to the snapshot first, so the log behind it can go.
    pub fn build(&self, store: &StateStore) -> Result<(SnapshotFile, StreamStats), SnapshotFileError> {
        let view = store.begin_read()?;
        let last_log_id: Option<LogId<u64>> = meta_in(&view, META_APPLIED)?.map(|b| decode(&b)).transpose()?;
        let last_membership: Membership =
            meta_in(&view, META_MEMBERSHIP)?.map(|b| decode(&b)).transpose()?.unwrap_or_default();
        store.make_durable()?;
        let snapshot_id = match &last_log_id {
            Some(id) => format!("{}-{}-{}", id.leader_id, id.index, crate::clock::now_ms()),
            None => format!("empty-{}", crate::clock::now_ms()),
        };
        let meta = Meta { last_log_id, last_membership, snapshot_id };
        let building = self.path.join(format!("building-{}.part", uuid::Uuid::new_v4().simple()));
        let file = PacedFile::new(File::create(&building)?);
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let stats = write_snapshot_stream(&view, &encode(&meta), &mut out)?;
        drop(view);
        let file = out.into_inner().map_err(|e| e.into_error())?.file;
        file.sync_all()?;
        let snapshot = self.keep(&building, meta)?;
        Ok((snapshot, stats))
    }

    /// The newest finished snapshot, if any.
    pub fn current(&self) -> Result<Option<SnapshotFile>, SnapshotFileError> {
        let mut newest: Option<PathBuf> = None;
        for entry in std::fs::read_dir(&self.path)? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            if name.ends_with(SNAPSHOT_SUFFIX) && newest.as_ref().is_none_or(|n| path > *n) {
                newest = Some(path);
            }
        }
        let Some(path) = newest else { return Ok(None) };
        let meta = read_meta(&path)?;
        Ok(Some(SnapshotFile { meta, path }))
    }

    /// A fresh, empty file to receive a snapshot into.
    pub fn receiving(&self) -> std::io::Result<PathBuf> {
        let path = self.path.join(RECEIVING);
        File::create(&path)?;
        Ok(path)
    }

    /// The size of the newest finished snapshot in bytes (0 without one).
    pub fn current_bytes(&self) -> Result<u64, SnapshotFileError> {
        match self.current()? {
            Some(snapshot) => Ok(std::fs::metadata(&snapshot.path)?.len()),
            None => Ok(0),
        }
    }

    /// Installs the received snapshot described by `meta` into `store` (replacing its whole state) and
    /// makes it the current snapshot. Answers the rows installed and the snapshot's size in bytes.
    pub fn install(&self, store: &StateStore, meta: &Meta) -> Result<(u64, u64), SnapshotFileError> {
        let received = self.path.join(RECEIVING);
        let mut input = BufReader::with_capacity(1 << 20, File::open(&received)?);
        let header: Meta = decode(&read_snapshot_header(&mut input)?)?;
        if header.snapshot_id != meta.snapshot_id {
            return Err(SnapshotFileError::Corrupt(format!(
                "received snapshot {} but was asked to install {}",
                header.snapshot_id, meta.snapshot_id
            )));
        }
        let mut applied = vec![(META_MEMBERSHIP, encode(&meta.last_membership))];
        if let Some(last) = &meta.last_log_id {
            applied.push((META_APPLIED, encode(last)));
        }
        let rows = store.install_snapshot(&mut input, &applied)?;
        let received_file = File::open(&received)?;
        received_file.sync_all()?;
        let bytes = received_file.metadata()?.len();
        self.keep(&received, meta.clone())?;
        Ok((rows, bytes))
    }

    /// Renames a complete snapshot file to its final name and removes older snapshots (a reader that still
    /// has one open keeps reading it).
    fn keep(&self, complete: &Path, meta: Meta) -> Result<SnapshotFile, SnapshotFileError> {
        let index = meta.last_log_id.map_or(0, |id| id.index);
        let name = format!("{index:020}-{}{SNAPSHOT_SUFFIX}", crate::clock::now_ms());
        let path = self.path.join(name);
        std::fs::rename(complete, &path)?;
        File::open(&self.path)?.sync_all()?;
        for entry in std::fs::read_dir(&self.path)? {
            let other = entry?.path();
            let is_snapshot = other.to_string_lossy().ends_with(SNAPSHOT_SUFFIX);
            if is_snapshot && other != path {
                std::fs::remove_file(other)?;
            }
        }
        Ok(SnapshotFile { meta, path })
    }
}

/// Dirty bytes a snapshot being written may leave in the page cache before they are written out.
const SYNC_EVERY_BYTES: u64 = 32 << 20;

/// The pace a snapshot is written at, in bytes per second: a fraction of what the disks statehouse runs on
/// write, so that the fsyncs of the Raft log and of the state are never queued behind a snapshot.
const WRITE_BYTES_PER_SECOND: u64 = 64 << 20;

/// A snapshot file written at [`WRITE_BYTES_PER_SECOND`] and made durable every [`SYNC_EVERY_BYTES`]. Left
/// to the kernel, a snapshot of a gigabyte or more stays dirty in the page cache and then saturates the disk
/// for seconds; every node of a cluster builds one at about the same time, their Raft log fsyncs wait
/// behind it, a follower falls seconds behind and reads through it fail.
struct PacedFile {
    file: File,
    started: std::time::Instant,
    written: u64,
    unsynced: u64,
}

impl PacedFile {
    fn new(file: File) -> PacedFile {
        PacedFile { file, started: std::time::Instant::now(), written: 0, unsynced: 0 }
    }
}

impl std::io::Write for PacedFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.written += written as u64;
        self.unsynced += written as u64;
        if self.unsynced >= SYNC_EVERY_BYTES {
            self.file.sync_data()?;
            self.unsynced = 0;
            let due = std::time::Duration::from_secs_f64(self.written as f64 / WRITE_BYTES_PER_SECOND as f64);
            std::thread::sleep(due.saturating_sub(self.started.elapsed()));
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn read_meta(path: &Path) -> Result<Meta, SnapshotFileError> {
    let mut input = BufReader::new(File::open(path)?);
    Ok(decode(&read_snapshot_header(&mut input)?)?)
}
