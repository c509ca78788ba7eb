//! Applying RedriveExecution: a closed execution that did not succeed becomes RUNNING again under the same
//! ARN, leaves the closed-retention index, counts against the open-execution limits again, and continues with
//! its redrive decision.

use redb::ReadableTable;

use super::done;
use super::Writer;
use crate::raft::Applied;
use crate::raft::ExecutionRedrive;
use crate::raft::Refusal;
use crate::store::decode;
use crate::store::encode;
use crate::store::not_redrivable;
use crate::store::remember_token;
use crate::store::repeated_redrive;
use crate::store::tables::*;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::RedriveContext;
use crate::store::StateMachineStatus;
use crate::store::StoreError;

impl Writer<'_> {
    pub(super) fn redrive_execution(&mut self, redrive: &ExecutionRedrive) -> Result<Applied, StoreError> {
        let arn = redrive.execution_arn.as_str();
        let Some(record) = self.txn.open_table(EXECUTIONS)?.get(arn)?.map(|v| decode::<ExecutionRecord>(v.value()))
        else {
            return Ok(Applied::Refused(Refusal::ExecutionDoesNotExist { arn: arn.to_string() }));
        };
        let mut record = record?;
        if let Some(redrive_ms) = repeated_redrive(&record, redrive.client_token.as_deref(), redrive.redrive_ms) {
            return Ok(done(redrive_ms));
        }
        let last_event_id = {
            let history = self.txn.open_table(HISTORY)?;
            let last = history.range((arn, 0)..=(arn, u64::MAX))?.next_back().transpose()?;
            last.map_or(0, |(key, _)| key.value().1)
        };
        let machine = self.load_machine(&record.state_machine_arn)?;
        let context = RedriveContext {
            machine_deleting: machine.as_ref().is_none_or(|m| m.status == StateMachineStatus::Deleting),
            last_event_id,
            now_ms: redrive.redrive_ms,
        };
        if let Some(reason) = not_redrivable(&record, &context) {
            return Ok(Applied::Refused(Refusal::ExecutionNotRedrivable { arn: arn.to_string(), reason }));
        }
        if last_event_id + 1 != redrive.expected_next_event_id {
            let refusal = Refusal::Fenced {
                execution_arn: arn.to_string(),
                expected: redrive.expected_next_event_id,
                found: Some(last_event_id + 1),
            };
            return Ok(Applied::Refused(refusal));
        }
        let account = super::account_of(arn);
        let open = self.open_count(OPEN_BY_ACCOUNT, account)?;
        if open >= redrive.open_limit {
            return Ok(Applied::Refused(Refusal::ExecutionLimitExceeded));
        }
        self.set_open_count(OPEN_BY_ACCOUNT, account, open + 1)?;
        let by_machine = self.open_count(OPEN_BY_MACHINE, &record.state_machine_arn)?;
        self.set_open_count(OPEN_BY_MACHINE, &record.state_machine_arn, by_machine + 1)?;
        if let Some(stop_ms) = record.stop_ms {
            self.txn.open_table(CLOSED_BY_TIME)?.remove((stop_ms.max(0) as u64, arn))?;
        }
        record.status = ExecutionStatus::Running;
        record.stop_ms = None;
        record.output = None;
        record.error = None;
        record.cause = None;
        record.redrive_count += 1;
        record.redrive_ms = Some(redrive.redrive_ms);
        remember_token(&mut record, redrive.client_token.as_deref(), redrive.redrive_ms);
        let bytes = encode(&record);
        self.count(arn.len(), bytes.len());
        self.txn.open_table(EXECUTIONS)?.insert(arn, bytes.as_slice())?;
        self.txn.open_table(OPEN_EXECUTIONS)?.insert(arn, ())?;
        self.count(arn.len(), 0);
        self.record(arn, redrive.expected_next_event_id, &redrive.decision)?;
        Ok(done(redrive.redrive_ms))
    }
}
