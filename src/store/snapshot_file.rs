//! The replicated state as a snapshot stream: a header (the Raft layer's snapshot meta, opaque here),
//! then every row of every table as a frame, then an end mark.
//!
//! Written from one read transaction (redb's MVCC gives a consistent view while applies go on) and read
//! back frame by frame, so memory stays bounded by the largest row whatever the size of the state. Keys
//! and values are copied as redb's own bytes: no record is decoded on either side.

use std::io::Read;
use std::io::Write;

use redb::ReadTransaction;
use redb::TableDefinition;
use redb::WriteTransaction;

use super::tables::*;
use super::StoreError;

/// The first bytes of a snapshot stream (format version 1).
const MAGIC: &[u8; 8] = b"SHSNAP01";

/// The tag that ends a stream; a stream without it was cut short.
const END: u8 = 0xff;

/// Largest header, key or value a stream may declare (a corrupt length is an error, not an allocation).
const MAX_FIELD_BYTES: usize = 1 << 30;

/// A snapshot stream that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    #[error("snapshot i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a statehouse snapshot (format marker missing)")]
    NotASnapshot,
    #[error("snapshot is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<redb::StorageError> for SnapshotFileError {
    fn from(e: redb::StorageError) -> Self {
        SnapshotFileError::Store(e.into())
    }
}

impl From<super::CodecError> for SnapshotFileError {
    fn from(e: super::CodecError) -> Self {
        SnapshotFileError::Store(e.into())
    }
}

impl From<redb::TableError> for SnapshotFileError {
    fn from(e: redb::TableError) -> Self {
        SnapshotFileError::Store(e.into())
    }
}

/// What a written stream holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    pub rows: u64,
    pub bytes: u64,
}

/// Writes `header` and every row visible to `txn` to `out`.
pub fn write_stream(
    txn: &ReadTransaction,
    header: &[u8],
    out: &mut impl Write,
) -> Result<StreamStats, SnapshotFileError> {
    let mut stats = StreamStats::default();
    out.write_all(MAGIC)?;
    write_field(out, header)?;
    stats.bytes += (MAGIC.len() + 4 + header.len()) as u64;
    macro_rules! export {
        ($($tag:literal => $table:ident),*) => {
            $( export_table(txn, $table, $tag, out, &mut stats)?; )*
        };
    }
    for_every_table!(export);
    out.write_all(&[END])?;
    stats.bytes += 1;
    Ok(stats)
}

/// Reads the header of a stream, leaving `input` at its first row.
pub fn read_header(input: &mut impl Read) -> Result<Vec<u8>, SnapshotFileError> {
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(|_| SnapshotFileError::NotASnapshot)?;
    if &magic != MAGIC {
        return Err(SnapshotFileError::NotASnapshot);
    }
    read_field(input)
}

/// Replaces every table in `txn` with the rows of a stream whose header has been read.
pub fn read_rows(txn: &WriteTransaction, input: &mut impl Read) -> Result<u64, SnapshotFileError> {
    macro_rules! clear {
        ($($tag:literal => $table:ident),*) => {
            $( txn.delete_table($table).map_err(StoreError::from)?; txn.open_table($table)?; )*
        };
    }
    for_every_table!(clear);
    let mut rows = 0;
    let mut next = read_frame(input)?;
    while let Some(frame) = next {
        macro_rules! import {
            ($($tag:literal => $table:ident),*) => {
                match frame.tag {
                    $( $tag => import_run(txn, $table, frame, input, &mut rows)?, )*
                    tag => return Err(SnapshotFileError::Corrupt(format!("unknown table tag {tag}"))),
                }
            };
        }
        next = for_every_table!(import);
    }
    Ok(rows)
}

/// One row of a stream.
struct Frame {
    tag: u8,
    key: Vec<u8>,
    value: Vec<u8>,
}

fn export_table<K, V>(
    txn: &ReadTransaction,
    table: TableDefinition<K, V>,
    tag: u8,
    out: &mut impl Write,
    stats: &mut StreamStats,
) -> Result<(), SnapshotFileError>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
{
    let table = txn.open_table(table)?;
    for row in redb::ReadableTable::iter(&table)? {
        let (key, value) = row?;
        let key = key.value();
        let value = value.value();
        let key = K::as_bytes(&key);
        let value = V::as_bytes(&value);
        out.write_all(&[tag])?;
        write_field(out, key.as_ref())?;
        write_field(out, value.as_ref())?;
        stats.rows += 1;
        stats.bytes += (1 + 8 + key.as_ref().len() + value.as_ref().len()) as u64;
    }
    Ok(())
}

/// Inserts `first` and every following frame of the same table; returns the first frame of another table.
fn import_run<K, V>(
    txn: &WriteTransaction,
    table: TableDefinition<K, V>,
    first: Frame,
    input: &mut impl Read,
    rows: &mut u64,
) -> Result<Option<Frame>, SnapshotFileError>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
{
    let mut table = txn.open_table(table)?;
    let tag = first.tag;
    let mut frame = Some(first);
    while let Some(row) = frame.take_if(|f| f.tag == tag) {
        table.insert(K::from_bytes(&row.key), V::from_bytes(&row.value)).map_err(StoreError::from)?;
        *rows += 1;
        frame = read_frame(input)?;
    }
    Ok(frame)
}

fn write_field(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u32).to_le_bytes())?;
    out.write_all(bytes)
}

fn read_field(input: &mut impl Read) -> Result<Vec<u8>, SnapshotFileError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len).map_err(|e| cut_short(e, "a length"))?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FIELD_BYTES {
        return Err(SnapshotFileError::Corrupt(format!("a field claims {len} bytes")));
    }
    let mut bytes = vec![0u8; len];
    input.read_exact(&mut bytes).map_err(|e| cut_short(e, "a field"))?;
    Ok(bytes)
}

/// The next row, or `None` at the end mark.
fn read_frame(input: &mut impl Read) -> Result<Option<Frame>, SnapshotFileError> {
    let mut tag = [0u8; 1];
    input.read_exact(&mut tag).map_err(|e| cut_short(e, "the end mark"))?;
    if tag[0] == END {
        return Ok(None);
    }
    let key = read_field(input)?;
    let value = read_field(input)?;
    Ok(Some(Frame { tag: tag[0], key, value }))
}

fn cut_short(e: std::io::Error, what: &str) -> SnapshotFileError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => SnapshotFileError::Corrupt(format!("the stream ends before {what}")),
        _ => SnapshotFileError::Io(e),
    }
}
