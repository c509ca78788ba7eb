//! Applying map runs: a decision's map-run records replace the stored ones (the first one also indexes the
//! map run under its execution); retention deletes an execution's map runs with it.

use redb::ReadableTable;

use super::Writer;
use crate::store::encode;
use crate::store::tables::*;
use crate::store::MapRunRecord;
use crate::store::StoreError;

impl Writer<'_> {
    /// Stores the map-run records of a decision of the execution `arn`.
    pub(super) fn save_map_runs(&mut self, arn: &str, map_runs: &[MapRunRecord]) -> Result<(), StoreError> {
        if map_runs.is_empty() {
            return Ok(());
        }
        let mut table = self.txn.open_table(MAP_RUNS)?;
        let mut index = self.txn.open_table(MAP_RUNS_BY_EXECUTION)?;
        for map_run in map_runs {
            let bytes = encode(map_run);
            self.written += (map_run.arn.len() + bytes.len()) as u64;
            if table.insert(map_run.arn.as_str(), bytes.as_slice())?.is_none() {
                index.insert((arn, map_run.start_ms.max(0) as u64, map_run.arn.as_str()), ())?;
                self.written += (arn.len() + 8 + map_run.arn.len()) as u64;
            }
        }
        Ok(())
    }

    /// Deletes the map runs of the execution `arn`.
    pub(super) fn forget_map_runs(&mut self, arn: &str) -> Result<(), StoreError> {
        let mut index = self.txn.open_table(MAP_RUNS_BY_EXECUTION)?;
        let mut table = self.txn.open_table(MAP_RUNS)?;
        let mut map_runs = Vec::new();
        for row in index.range((arn, 0, "")..=(arn, u64::MAX, "\u{10ffff}"))? {
            let (key, _) = row?;
            map_runs.push(key.value().2.to_string());
        }
        for map_run in &map_runs {
            table.remove(map_run.as_str())?;
        }
        index.retain_in((arn, 0, "")..=(arn, u64::MAX, "\u{10ffff}"), |_, _| false)?;
        Ok(())
    }
}
