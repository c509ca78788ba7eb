//! Errors of the on-disk store.

use super::CodecError;

/// A failure reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Redb(#[from] redb::Error),
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(
        "{path} holds data in on-disk format {found}, and this statehouse reads format {}; it cannot be \
         migrated: start this node with an empty data directory",
        super::tables::FORMAT_VERSION
    )]
    Format { path: String, found: u64 },
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Redb(e.into())
            }
        }
    )*};
}

from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError,
    redb::SetDurabilityError
);
