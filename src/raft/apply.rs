//! Applying a committed proposal to the state: fence, validate, write, answer. Deterministic: every node
//! reaches the same state and the same answer from the same log. A refusal changes nothing.

mod map_runs;
mod redrive;
mod versions;

use redb::ReadableTable;
use redb::WriteTransaction;

use super::Applied;
use super::Command;
use super::Proposal;
use super::Refusal;
use super::StateMachineUpdate;
use crate::cluster::ShardMap;
use crate::decision::Changes;
use crate::decision::Consumed;
use crate::decision::Decision;
use crate::store::decode;
use crate::store::encode;
use crate::store::newest_first;
use crate::store::tables::*;
use crate::store::ActivityRecord;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;
use crate::store::RevisionRecord;
use crate::store::StateMachineRecord;
use crate::store::StateMachineStatus;
use crate::store::StoreError;
use crate::store::Tag;
use crate::store::MAX_TAGS;

/// Bytes one applied proposal wrote into the state (keys and values), for the store's byte counter.
pub type Written = u64;

/// Applies one proposal inside `txn`; the answer and the bytes it wrote.
pub fn apply_proposal(txn: &WriteTransaction, proposal: &Proposal) -> Result<(Applied, Written), StoreError> {
    let mut meta = txn.open_table(META)?;
    let shard_map: ShardMap = match meta.get(META_SHARD_MAP)? {
        Some(v) => decode(v.value())?,
        None => ShardMap::default(),
    };
    if let Command::InitShards { map, token_key } = &proposal.command {
        if shard_map.is_empty() {
            meta.insert(META_SHARD_MAP, encode(map).as_slice())?;
            meta.insert(META_TOKEN_KEY, encode(token_key).as_slice())?;
        }
        return Ok((done(0), 0));
    }
    if let Command::AssignShards { moves } = &proposal.command {
        let mut shard_map = shard_map;
        if shard_map.apply(moves) > 0 {
            meta.insert(META_SHARD_MAP, encode(&shard_map).as_slice())?;
        }
        return Ok((done(0), 0));
    }
    drop(meta);
    if let Command::ExpireClosed { before_ms, limit } = &proposal.command {
        let mut writer = Writer { txn, written: 0 };
        return Ok((writer.expire_closed(*before_ms, *limit)?, 0));
    }
    if !shard_map.is_current(proposal.shard, proposal.epoch) {
        return Ok((Applied::Refused(Refusal::ShardMoved { shard: proposal.shard.0 }), 0));
    }
    let mut writer = Writer { txn, written: 0 };
    let answer = match &proposal.command {
        Command::InitShards { .. } | Command::AssignShards { .. } | Command::ExpireClosed { .. } => {
            unreachable!("handled above")
        }
        Command::CreateStateMachine { machine, tags } => writer.create_state_machine(machine, tags)?,
        Command::UpdateStateMachine { update } => writer.update_state_machine(update)?,
        Command::DeleteStateMachine { arn } => writer.delete_state_machine(arn)?,
        Command::CreateActivity { activity, tags } => writer.create_activity(activity, tags)?,
        Command::DeleteActivity { arn } => {
            txn.open_table(ACTIVITIES)?.remove(arn.as_str())?;
            txn.open_table(TAGS)?.remove(arn.as_str())?;
            done(0)
        }
        Command::TagResource { arn, tags } => writer.tag_resource(arn, tags)?,
        Command::UntagResource { arn, keys } => writer.untag_resource(arn, keys)?,
        Command::StartExecution { execution, decision, open_limit } => {
            writer.start_execution(execution, decision, *open_limit)?
        }
        Command::Decide { execution_arn, expected_next_event_id, decision } => {
            writer.decide(execution_arn, *expected_next_event_id, decision)?
        }
        Command::RedriveExecution { redrive } => writer.redrive_execution(redrive)?,
        Command::PublishStateMachineVersion { publish } => writer.publish_version(publish)?,
        Command::DeleteStateMachineVersion { machine_arn, number } => writer.delete_version(machine_arn, *number)?,
        Command::CreateStateMachineAlias { machine_arn, alias } => writer.create_alias(machine_arn, alias)?,
        Command::UpdateStateMachineAlias { update } => writer.update_alias(update)?,
        Command::DeleteStateMachineAlias { machine_arn, name } => writer.delete_alias(machine_arn, name)?,
    };
    Ok((answer, writer.written))
}

fn done(at_ms: i64) -> Applied {
    Applied::Done { at_ms }
}

/// Writes into the transaction of one apply, counting the bytes.
struct Writer<'t> {
    txn: &'t WriteTransaction,
    written: Written,
}

impl Writer<'_> {
    fn count(&mut self, key: usize, value: usize) {
        self.written += (key + value) as u64;
    }

    fn load_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        let table = self.txn.open_table(STATE_MACHINES)?;
        let record = match table.get(arn)? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        };
        Ok(record)
    }

    fn save_machine(&mut self, machine: &StateMachineRecord) -> Result<(), StoreError> {
        let bytes = encode(machine);
        self.count(machine.arn.len(), bytes.len());
        self.txn.open_table(STATE_MACHINES)?.insert(machine.arn.as_str(), bytes.as_slice())?;
        Ok(())
    }

    fn save_revision(&mut self, machine: &StateMachineRecord) -> Result<(), StoreError> {
        let revision = RevisionRecord {
            definition: machine.definition.clone(),
            role_arn: machine.role_arn.clone(),
            revision_ms: machine.revision_ms,
            logging: machine.logging.clone(),
            tracing: machine.tracing.clone(),
        };
        let bytes = encode(&revision);
        self.count(machine.arn.len() + machine.revision_id.len(), bytes.len());
        self.txn
            .open_table(REVISIONS)?
            .insert((machine.arn.as_str(), machine.revision_id.as_str()), bytes.as_slice())?;
        Ok(())
    }

    fn save_tags(&mut self, arn: &str, tags: &[Tag]) -> Result<(), StoreError> {
        let bytes = encode(&tags.to_vec());
        self.count(arn.len(), bytes.len());
        self.txn.open_table(TAGS)?.insert(arn, bytes.as_slice())?;
        Ok(())
    }

    fn open_count(&self, table: redb::TableDefinition<&str, u64>, key: &str) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(table)?.get(key)?.map_or(0, |v| v.value()))
    }

    fn set_open_count(&mut self, table: redb::TableDefinition<&str, u64>, key: &str, n: u64) -> Result<(), StoreError> {
        let mut table = self.txn.open_table(table)?;
        if n == 0 {
            table.remove(key)?;
        } else {
            table.insert(key, n)?;
        }
        self.count(key.len(), 8);
        Ok(())
    }

    fn create_state_machine(&mut self, machine: &StateMachineRecord, tags: &[Tag]) -> Result<Applied, StoreError> {
        if let Some(existing) = self.load_machine(&machine.arn)? {
            if existing.status == StateMachineStatus::Deleting {
                return Ok(Applied::Refused(Refusal::StateMachineDeleting { arn: machine.arn.clone() }));
            }
            let same = existing.definition == machine.definition
                && existing.machine_type == machine.machine_type
                && existing.logging == machine.logging
                && existing.tracing == machine.tracing
                && existing.encryption == machine.encryption;
            if !same {
                return Ok(Applied::Refused(Refusal::StateMachineAlreadyExists { arn: machine.arn.clone() }));
            }
            return Ok(done(existing.creation_ms));
        }
        self.save_machine(machine)?;
        self.save_revision(machine)?;
        self.save_tags(&machine.arn, tags)?;
        Ok(done(machine.creation_ms))
    }

    fn update_state_machine(&mut self, update: &StateMachineUpdate) -> Result<Applied, StoreError> {
        let Some(mut machine) = self.load_machine(&update.arn)? else {
            return Ok(Applied::Refused(Refusal::StateMachineDoesNotExist { arn: update.arn.clone() }));
        };
        if machine.status == StateMachineStatus::Deleting {
            return Ok(Applied::Refused(Refusal::StateMachineDeleting { arn: update.arn.clone() }));
        }
        if let Some(definition) = &update.definition {
            machine.definition = definition.clone();
        }
        if let Some(role) = &update.role_arn {
            machine.role_arn = role.clone();
        }
        if let Some(logging) = &update.logging {
            machine.logging = logging.clone();
        }
        if let Some(tracing) = &update.tracing {
            machine.tracing = tracing.clone();
        }
        machine.revision_id = update.revision_id.clone();
        machine.revision_ms = update.update_ms;
        self.save_machine(&machine)?;
        self.save_revision(&machine)?;
        Ok(done(update.update_ms))
    }

    fn delete_state_machine(&mut self, arn: &str) -> Result<Applied, StoreError> {
        let Some(mut machine) = self.load_machine(arn)? else {
            return Ok(done(0));
        };
        self.remove_versions_and_aliases(arn)?;
        if self.open_count(OPEN_BY_MACHINE, arn)? > 0 {
            machine.status = StateMachineStatus::Deleting;
            self.save_machine(&machine)?;
        } else {
            self.remove_machine(arn)?;
        }
        Ok(done(0))
    }

    fn remove_machine(&mut self, arn: &str) -> Result<(), StoreError> {
        self.txn.open_table(STATE_MACHINES)?.remove(arn)?;
        self.txn.open_table(TAGS)?.remove(arn)?;
        Ok(())
    }

    fn create_activity(&mut self, activity: &ActivityRecord, tags: &[Tag]) -> Result<Applied, StoreError> {
        let mut activities = self.txn.open_table(ACTIVITIES)?;
        if let Some(existing) = activities.get(activity.arn.as_str())? {
            let existing: ActivityRecord = decode(existing.value())?;
            if existing.encryption != activity.encryption {
                return Ok(Applied::Refused(Refusal::ActivityAlreadyExists { arn: activity.arn.clone() }));
            }
            return Ok(done(existing.creation_ms));
        }
        let bytes = encode(activity);
        activities.insert(activity.arn.as_str(), bytes.as_slice())?;
        drop(activities);
        self.count(activity.arn.len(), bytes.len());
        self.save_tags(&activity.arn, tags)?;
        Ok(done(activity.creation_ms))
    }

    fn resource_exists(&self, arn: &str) -> Result<bool, StoreError> {
        Ok(self.txn.open_table(STATE_MACHINES)?.get(arn)?.is_some()
            || self.txn.open_table(ACTIVITIES)?.get(arn)?.is_some())
    }

    fn tags(&self, arn: &str) -> Result<Vec<Tag>, StoreError> {
        Ok(match self.txn.open_table(TAGS)?.get(arn)? {
            Some(v) => decode(v.value())?,
            None => Vec::new(),
        })
    }

    fn tag_resource(&mut self, arn: &str, tags: &[Tag]) -> Result<Applied, StoreError> {
        if !self.resource_exists(arn)? {
            return Ok(Applied::Refused(Refusal::ResourceNotFound { arn: arn.to_string() }));
        }
        let mut current = self.tags(arn)?;
        for tag in tags {
            match current.iter_mut().find(|t| t.key == tag.key) {
                Some(existing) => existing.value = tag.value.clone(),
                None => current.push(tag.clone()),
            }
        }
        if current.len() > MAX_TAGS {
            return Ok(Applied::Refused(Refusal::TooManyTags { arn: arn.to_string(), limit: MAX_TAGS }));
        }
        self.save_tags(arn, &current)?;
        Ok(done(0))
    }

    fn untag_resource(&mut self, arn: &str, keys: &[String]) -> Result<Applied, StoreError> {
        if !self.resource_exists(arn)? {
            return Ok(Applied::Refused(Refusal::ResourceNotFound { arn: arn.to_string() }));
        }
        let mut current = self.tags(arn)?;
        current.retain(|t| !keys.contains(&t.key));
        self.save_tags(arn, &current)?;
        Ok(done(0))
    }

    fn start_execution(
        &mut self,
        execution: &ExecutionRecord,
        decision: &Decision,
        open_limit: u64,
    ) -> Result<Applied, StoreError> {
        let Some(machine) = self.load_machine(&execution.state_machine_arn)? else {
            return Ok(Applied::Refused(Refusal::StateMachineDoesNotExist {
                arn: execution.state_machine_arn.clone(),
            }));
        };
        if machine.status == StateMachineStatus::Deleting {
            return Ok(Applied::Refused(Refusal::StateMachineDeleting { arn: machine.arn.clone() }));
        }
        if let Some(version_arn) = &execution.version_arn {
            let number = version_arn.rsplit(':').next().and_then(|n| n.parse().ok()).unwrap_or(0);
            if !self.version_exists(&machine.arn, number)? {
                return Ok(Applied::Refused(Refusal::StateMachineDoesNotExist { arn: version_arn.clone() }));
            }
        }
        let arn = execution.arn.as_str();
        if let Some(existing) = self.txn.open_table(EXECUTIONS)?.get(arn)? {
            let existing: ExecutionRecord = decode(existing.value())?;
            if existing.status == ExecutionStatus::Running && existing.input == execution.input {
                return Ok(done(existing.start_ms));
            }
            return Ok(Applied::Refused(Refusal::ExecutionAlreadyExists { arn: arn.to_string() }));
        }
        let account = account_of(arn);
        let open = self.open_count(OPEN_BY_ACCOUNT, account)?;
        if open >= open_limit {
            return Ok(Applied::Refused(Refusal::ExecutionLimitExceeded));
        }
        self.set_open_count(OPEN_BY_ACCOUNT, account, open + 1)?;
        let by_machine = self.open_count(OPEN_BY_MACHINE, &machine.arn)?;
        self.set_open_count(OPEN_BY_MACHINE, &machine.arn, by_machine + 1)?;
        let bytes = encode(execution);
        self.count(arn.len(), bytes.len());
        self.txn.open_table(EXECUTIONS)?.insert(arn, bytes.as_slice())?;
        let mut by_machine = self.txn.open_table(EXECUTIONS_BY_MACHINE)?;
        for listed_under in listings(execution) {
            by_machine.insert((listed_under, newest_first(execution.start_ms), arn), ())?;
            self.written += (listed_under.len() + arn.len() + 8) as u64;
        }
        drop(by_machine);
        self.txn.open_table(OPEN_EXECUTIONS)?.insert(arn, ())?;
        self.count(arn.len(), 0);
        self.record(arn, 1, decision)?;
        Ok(done(execution.start_ms))
    }

    fn decide(&mut self, arn: &str, expected: u64, decision: &Decision) -> Result<Applied, StoreError> {
        let found = self.txn.open_table(PROGRESS)?.get(arn)?.map(|v| v.value());
        if found != Some(expected) {
            let refusal = Refusal::Fenced { execution_arn: arn.to_string(), expected, found };
            return Ok(Applied::Refused(refusal));
        }
        let closed_at = decision.changes.close.as_ref().map_or(0, |close| close.stop_ms);
        self.record(arn, expected, decision)?;
        Ok(done(closed_at))
    }

    /// Writes a decision of a RUNNING execution whose next event id is `first_event_id`.
    fn record(&mut self, arn: &str, first_event_id: u64, decision: &Decision) -> Result<(), StoreError> {
        let mut history = self.txn.open_table(HISTORY)?;
        for event in &decision.events {
            let bytes = encode(event);
            self.written += (arn.len() + 8 + bytes.len()) as u64;
            history.insert((arn, event.id), bytes.as_slice())?;
        }
        drop(history);
        self.save_map_runs(arn, &decision.changes.map_runs)?;
        let next_event_id = decision.next_event_id(first_event_id);
        let closing = decision.changes.close.as_ref();
        if let Some(close) = closing.filter(|close| close.status == ExecutionStatus::Succeeded) {
            return self.close(arn, close);
        }
        // An execution that closes without succeeding keeps its checkpoint and recorded inputs, so that a redrive
        // can rebuild the state it ended in.
        if closing.is_none() {
            self.txn.open_table(PROGRESS)?.insert(arn, next_event_id)?;
            self.count(arn.len(), 8);
        }
        match &decision.checkpoint {
            Some(state) => {
                let bytes = encode(&(next_event_id, state));
                self.count(arn.len(), bytes.len());
                self.txn.open_table(CHECKPOINTS)?.insert(arn, bytes.as_slice())?;
                self.txn.open_table(DECISIONS)?.retain_in((arn, 0)..=(arn, u64::MAX), |_, _| false)?;
            }
            None if decision.inputs.is_empty() => {}
            None => {
                // Decisions that write no history event (a Distributed Map's items at work) start at the same
                // event id: each one's inputs go after those of the decisions before it, never over them.
                let mut decisions = self.txn.open_table(DECISIONS)?;
                let mut inputs: Vec<Consumed> = match decisions.get((arn, first_event_id))? {
                    Some(earlier) => decode(earlier.value())?,
                    None => Vec::new(),
                };
                inputs.extend(decision.inputs.iter().cloned());
                let bytes = encode(&inputs);
                decisions.insert((arn, first_event_id), bytes.as_slice())?;
                drop(decisions);
                self.count(arn.len() + 8, bytes.len());
            }
        }
        match closing {
            Some(close) => self.close(arn, close),
            None => self.apply_changes(arn, &decision.changes),
        }
    }

    fn apply_changes(&mut self, arn: &str, changes: &Changes) -> Result<(), StoreError> {
        if !changes.timers_armed.is_empty() || !changes.timers_dropped.is_empty() {
            let mut timers = self.txn.open_table(TIMERS)?;
            for timer in &changes.timers_dropped {
                timers.remove((arn, timer.0))?;
            }
            for (timer, due) in &changes.timers_armed {
                timers.insert((arn, timer.0), *due)?;
                self.written += (arn.len() + 16) as u64;
            }
        }
        let touches_tasks = !changes.tasks_opened.is_empty()
            || !changes.tasks_started.is_empty()
            || !changes.tasks_submitted.is_empty()
            || !changes.tasks_closed.is_empty();
        if touches_tasks {
            let mut tasks = self.txn.open_table(OPEN_TASKS)?;
            for task in &changes.tasks_opened {
                let bytes = encode(task);
                self.written += (arn.len() + 8 + bytes.len()) as u64;
                tasks.insert((arn, task.slot), bytes.as_slice())?;
            }
            let marks = changes
                .tasks_started
                .iter()
                .map(|slot| (slot, true))
                .chain(changes.tasks_submitted.iter().map(|slot| (slot, false)));
            for (slot, started) in marks {
                let marked = match tasks.get((arn, slot.0))? {
                    Some(v) => {
                        let mut task: OpenTask = decode(v.value())?;
                        if started {
                            task.started = true;
                        } else {
                            task.submitted = true;
                        }
                        Some(task)
                    }
                    None => None,
                };
                if let Some(task) = marked {
                    let bytes = encode(&task);
                    self.written += (arn.len() + 8 + bytes.len()) as u64;
                    tasks.insert((arn, slot.0), bytes.as_slice())?;
                }
            }
            for slot in &changes.tasks_closed {
                tasks.remove((arn, slot.0))?;
            }
        }
        Ok(())
    }

    /// Ends an execution: its outcome into the record, its runtime rows gone, its counts lowered.
    fn close(&mut self, arn: &str, close: &crate::decision::ExecutionClose) -> Result<(), StoreError> {
        let mut executions = self.txn.open_table(EXECUTIONS)?;
        let Some(record) = executions.get(arn)?.map(|v| decode::<ExecutionRecord>(v.value())) else {
            return Ok(());
        };
        let mut record = record?;
        record.status = close.status;
        record.stop_ms = Some(close.stop_ms);
        record.output = close.output.clone();
        record.error = close.error.clone();
        record.cause = close.cause.clone();
        let bytes = encode(&record);
        executions.insert(arn, bytes.as_slice())?;
        drop(executions);
        self.count(arn.len(), bytes.len());
        self.forget_progress(arn, close.status == ExecutionStatus::Succeeded)?;
        self.txn.open_table(CLOSED_BY_TIME)?.insert((close.stop_ms.max(0) as u64, arn), ())?;
        self.count(arn.len() + 8, 0);
        let account = account_of(arn);
        let open = self.open_count(OPEN_BY_ACCOUNT, account)?;
        self.set_open_count(OPEN_BY_ACCOUNT, account, open.saturating_sub(1))?;
        let machine_arn = record.state_machine_arn.as_str();
        let open = self.open_count(OPEN_BY_MACHINE, machine_arn)?.saturating_sub(1);
        self.set_open_count(OPEN_BY_MACHINE, machine_arn, open)?;
        if open == 0 {
            if let Some(machine) = self.load_machine(machine_arn)? {
                if machine.status == StateMachineStatus::Deleting {
                    self.remove_machine(machine_arn)?;
                }
            }
        }
        Ok(())
    }

    /// Removes what only a RUNNING execution has: progress, timers, tasks, and unless it may be redriven, its
    /// checkpoint and recorded inputs.
    fn forget_progress(&mut self, arn: &str, with_state: bool) -> Result<(), StoreError> {
        self.txn.open_table(OPEN_EXECUTIONS)?.remove(arn)?;
        self.txn.open_table(PROGRESS)?.remove(arn)?;
        if with_state {
            self.forget_state(arn)?;
        }
        self.txn.open_table(TIMERS)?.retain_in((arn, 0)..=(arn, u64::MAX), |_, _| false)?;
        self.txn.open_table(OPEN_TASKS)?.retain_in((arn, 0)..=(arn, u64::MAX), |_, _| false)?;
        Ok(())
    }

    /// Removes the checkpoint and recorded inputs of an execution.
    fn forget_state(&mut self, arn: &str) -> Result<(), StoreError> {
        self.txn.open_table(CHECKPOINTS)?.remove(arn)?;
        self.txn.open_table(DECISIONS)?.retain_in((arn, 0)..=(arn, u64::MAX), |_, _| false)?;
        Ok(())
    }

    /// Deletes up to `limit` closed executions that stopped before `before_ms`, with their histories.
    fn expire_closed(&mut self, before_ms: i64, limit: u32) -> Result<Applied, StoreError> {
        let mut expired: Vec<(u64, String)> = Vec::new();
        for row in self.txn.open_table(CLOSED_BY_TIME)?.range((0, "")..(before_ms.max(0) as u64, ""))? {
            let (key, _) = row?;
            let (stop, arn) = key.value();
            expired.push((stop, arn.to_string()));
            if expired.len() >= limit as usize {
                break;
            }
        }
        for (stop, arn) in &expired {
            let arn = arn.as_str();
            let record = match self.txn.open_table(EXECUTIONS)?.remove(arn)? {
                Some(v) => Some(decode::<ExecutionRecord>(v.value())?),
                None => None,
            };
            if let Some(record) = record {
                let mut by_machine = self.txn.open_table(EXECUTIONS_BY_MACHINE)?;
                for listed_under in listings(&record) {
                    by_machine.remove((listed_under, newest_first(record.start_ms), arn))?;
                }
            }
            self.txn.open_table(HISTORY)?.retain_in((arn, 0)..=(arn, u64::MAX), |_, _| false)?;
            self.forget_state(arn)?;
            self.forget_map_runs(arn)?;
            self.txn.open_table(CLOSED_BY_TIME)?.remove((*stop, arn))?;
        }
        Ok(done(expired.len() as i64))
    }
}

/// The ARNs ListExecutions finds an execution under: its state machine's, and the version and alias it was
/// started through.
fn listings(execution: &ExecutionRecord) -> impl Iterator<Item = &str> {
    std::iter::once(execution.state_machine_arn.as_str())
        .chain(execution.version_arn.as_deref())
        .chain(execution.alias_arn.as_deref())
}

/// The account field of an ARN the API has already checked.
pub fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// Writes a metadata value (applied log id, membership) inside `txn`.
pub fn put_meta(txn: &WriteTransaction, key: &str, value: &[u8]) -> Result<(), StoreError> {
    txn.open_table(META)?.insert(key, value)?;
    Ok(())
}
