//! Applying a committed proposal to the state: validate, write, answer. Deterministic: every node
//! reaches the same state and the same answer from the same log.

use redb::ReadableTable;
use redb::WriteTransaction;

use super::codec::decode;
use super::codec::encode;
use super::state::newest_first;
use super::tables::*;
use super::ExecutionRecord;
use super::ExecutionStatus;
use super::RevisionRecord;
use super::StateMachineRecord;
use super::StateMachineStatus;
use super::StoreError;
use super::Tag;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::cluster::ShardMap;
use crate::raft::Applied;
use crate::raft::Command;
use crate::raft::EventAppend;
use crate::raft::Proposal;
use crate::raft::StateMachineUpdate;

/// Tags a resource may carry.
pub const MAX_TAGS: usize = 50;

/// Applies one proposal inside `txn`.
pub fn apply_proposal(txn: &WriteTransaction, proposal: &Proposal) -> Result<Applied, StoreError> {
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
        return Ok(Applied::Done { at_ms: 0 });
    }
    if let Command::AssignShards { moves } = &proposal.command {
        let mut shard_map = shard_map;
        if shard_map.apply(moves) > 0 {
            meta.insert(META_SHARD_MAP, encode(&shard_map).as_slice())?;
        }
        return Ok(Applied::Done { at_ms: 0 });
    }
    drop(meta);
    if !shard_map.is_current(proposal.shard, proposal.epoch) {
        return Ok(Applied::Rejected(AwsError::unavailable(format!(
            "shard {} moved to another owner; retry",
            proposal.shard.0
        ))));
    }
    match &proposal.command {
        Command::InitShards { .. } | Command::AssignShards { .. } => unreachable!("handled above"),
        Command::CreateStateMachine { machine, tags } => create_state_machine(txn, machine, tags),
        Command::UpdateStateMachine { update } => update_state_machine(txn, update),
        Command::DeleteStateMachine { arn } => delete_state_machine(txn, arn),
        Command::CreateActivity { activity, tags } => {
            let mut activities = txn.open_table(ACTIVITIES)?;
            if let Some(existing) = activities.get(activity.arn.as_str())? {
                let existing: super::ActivityRecord = decode(existing.value())?;
                if existing.encryption != activity.encryption {
                    return Ok(rejected(
                        ErrorCode::ActivityAlreadyExists,
                        format!("Activity already exists: '{}'", activity.arn),
                    ));
                }
                return Ok(Applied::Done { at_ms: existing.creation_ms });
            }
            activities.insert(activity.arn.as_str(), encode(activity).as_slice())?;
            txn.open_table(TAGS)?.insert(activity.arn.as_str(), encode(tags).as_slice())?;
            Ok(Applied::Done { at_ms: activity.creation_ms })
        }
        Command::DeleteActivity { arn } => {
            txn.open_table(ACTIVITIES)?.remove(arn.as_str())?;
            txn.open_table(TAGS)?.remove(arn.as_str())?;
            Ok(Applied::Done { at_ms: 0 })
        }
        Command::TagResource { arn, tags } => tag_resource(txn, arn, tags),
        Command::UntagResource { arn, keys } => {
            if !resource_exists(txn, arn)? {
                return Ok(Applied::Rejected(AwsError::resource_not_found(arn)));
            }
            let mut table = txn.open_table(TAGS)?;
            let mut current: Vec<Tag> = match table.get(arn.as_str())? {
                Some(v) => decode(v.value())?,
                None => Vec::new(),
            };
            current.retain(|t| !keys.contains(&t.key));
            table.insert(arn.as_str(), encode(&current).as_slice())?;
            Ok(Applied::Done { at_ms: 0 })
        }
        Command::StartExecution { execution, started, open_limit } => {
            start_execution(txn, execution, started, *open_limit)
        }
        Command::AppendEvents { append } => append_events(txn, append),
    }
}

fn rejected(code: ErrorCode, message: String) -> Applied {
    Applied::Rejected(AwsError::new(code, message))
}

fn load_machine(txn: &WriteTransaction, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
    let table = txn.open_table(STATE_MACHINES)?;
    let record = match table.get(arn)? {
        Some(v) => Some(decode(v.value())?),
        None => None,
    };
    Ok(record)
}

fn save_machine(txn: &WriteTransaction, machine: &StateMachineRecord) -> Result<(), StoreError> {
    txn.open_table(STATE_MACHINES)?.insert(machine.arn.as_str(), encode(machine).as_slice())?;
    Ok(())
}

fn save_revision(txn: &WriteTransaction, machine: &StateMachineRecord) -> Result<(), StoreError> {
    let revision = RevisionRecord {
        definition: machine.definition.clone(),
        role_arn: machine.role_arn.clone(),
        revision_ms: machine.revision_ms,
        logging: machine.logging.clone(),
        tracing: machine.tracing.clone(),
    };
    txn.open_table(REVISIONS)?
        .insert((machine.arn.as_str(), machine.revision_id.as_str()), encode(&revision).as_slice())?;
    Ok(())
}

fn create_state_machine(
    txn: &WriteTransaction,
    machine: &StateMachineRecord,
    tags: &[Tag],
) -> Result<Applied, StoreError> {
    if let Some(existing) = load_machine(txn, &machine.arn)? {
        if existing.status == StateMachineStatus::Deleting {
            return Ok(Applied::Rejected(AwsError::state_machine_deleting(&machine.arn)));
        }
        let same = existing.definition == machine.definition
            && existing.machine_type == machine.machine_type
            && existing.logging == machine.logging
            && existing.tracing == machine.tracing
            && existing.encryption == machine.encryption;
        if !same {
            return Ok(rejected(
                ErrorCode::StateMachineAlreadyExists,
                format!("State Machine Already Exists: '{}'", machine.arn),
            ));
        }
        return Ok(Applied::Done { at_ms: existing.creation_ms });
    }
    save_machine(txn, machine)?;
    save_revision(txn, machine)?;
    txn.open_table(TAGS)?.insert(machine.arn.as_str(), encode(&tags.to_vec()).as_slice())?;
    Ok(Applied::Done { at_ms: machine.creation_ms })
}

fn update_state_machine(txn: &WriteTransaction, update: &StateMachineUpdate) -> Result<Applied, StoreError> {
    let Some(mut machine) = load_machine(txn, &update.arn)? else {
        return Ok(Applied::Rejected(AwsError::state_machine_does_not_exist(&update.arn)));
    };
    if machine.status == StateMachineStatus::Deleting {
        return Ok(Applied::Rejected(AwsError::state_machine_deleting(&update.arn)));
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
    save_machine(txn, &machine)?;
    save_revision(txn, &machine)?;
    Ok(Applied::Done { at_ms: update.update_ms })
}

fn delete_state_machine(txn: &WriteTransaction, arn: &str) -> Result<Applied, StoreError> {
    let Some(mut machine) = load_machine(txn, arn)? else {
        return Ok(Applied::Done { at_ms: 0 });
    };
    if machine.open_executions > 0 {
        machine.status = StateMachineStatus::Deleting;
        save_machine(txn, &machine)?;
    } else {
        remove_machine(txn, arn)?;
    }
    Ok(Applied::Done { at_ms: 0 })
}

fn remove_machine(txn: &WriteTransaction, arn: &str) -> Result<(), StoreError> {
    txn.open_table(STATE_MACHINES)?.remove(arn)?;
    txn.open_table(TAGS)?.remove(arn)?;
    Ok(())
}

fn resource_exists(txn: &WriteTransaction, arn: &str) -> Result<bool, StoreError> {
    Ok(txn.open_table(STATE_MACHINES)?.get(arn)?.is_some() || txn.open_table(ACTIVITIES)?.get(arn)?.is_some())
}

fn tag_resource(txn: &WriteTransaction, arn: &str, tags: &[Tag]) -> Result<Applied, StoreError> {
    if !resource_exists(txn, arn)? {
        return Ok(Applied::Rejected(AwsError::resource_not_found(arn)));
    }
    let mut table = txn.open_table(TAGS)?;
    let mut current: Vec<Tag> = match table.get(arn)? {
        Some(v) => decode(v.value())?,
        None => Vec::new(),
    };
    for tag in tags {
        match current.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value.clone(),
            None => current.push(tag.clone()),
        }
    }
    if current.len() > MAX_TAGS {
        return Ok(Applied::Rejected(AwsError::with_resource(
            ErrorCode::TooManyTags,
            format!("Too many tags: a resource can have at most {MAX_TAGS} tags: '{arn}'"),
            arn,
        )));
    }
    table.insert(arn, encode(&current).as_slice())?;
    Ok(Applied::Done { at_ms: 0 })
}

fn start_execution(
    txn: &WriteTransaction,
    execution: &ExecutionRecord,
    started: &crate::history::StoredEvent,
    open_limit: u64,
) -> Result<Applied, StoreError> {
    let Some(mut machine) = load_machine(txn, &execution.state_machine_arn)? else {
        return Ok(Applied::Rejected(AwsError::state_machine_does_not_exist(&execution.state_machine_arn)));
    };
    if machine.status == StateMachineStatus::Deleting {
        return Ok(Applied::Rejected(AwsError::state_machine_deleting(&machine.arn)));
    }
    let mut executions = txn.open_table(EXECUTIONS)?;
    if let Some(existing) = executions.get(execution.arn.as_str())? {
        let existing: ExecutionRecord = decode(existing.value())?;
        if existing.status == ExecutionStatus::Running && existing.input == execution.input {
            return Ok(Applied::Done { at_ms: existing.start_ms });
        }
        return Ok(rejected(
            ErrorCode::ExecutionAlreadyExists,
            format!("Execution Already Exists: '{}'", execution.arn),
        ));
    }
    let account = account_of(&execution.arn);
    let mut open_by_account = txn.open_table(OPEN_BY_ACCOUNT)?;
    let open = open_by_account.get(account)?.map_or(0, |v| v.value());
    if open >= open_limit {
        return Ok(rejected(
            ErrorCode::ExecutionLimitExceeded,
            "The maximum number of running executions has been reached. Running executions must end or be \
             stopped before a new execution can be started."
                .into(),
        ));
    }
    open_by_account.insert(account, open + 1)?;
    let mut execution = execution.clone();
    execution.revision_id = machine.revision_id.clone();
    let mut started = started.clone();
    if let Some((_, details)) = &mut started.details {
        let mut value: serde_json::Value = serde_json::from_str(details).unwrap_or_default();
        value["roleArn"] = serde_json::Value::from(machine.role_arn.clone());
        *details = value.to_string();
    }
    executions.insert(execution.arn.as_str(), encode(&execution).as_slice())?;
    txn.open_table(EXECUTIONS_BY_MACHINE)?
        .insert((execution.state_machine_arn.as_str(), newest_first(execution.start_ms), execution.arn.as_str()), ())?;
    txn.open_table(OPEN_EXECUTIONS)?.insert(execution.arn.as_str(), ())?;
    txn.open_table(HISTORY)?.insert((execution.arn.as_str(), started.id), encode(&started).as_slice())?;
    machine.open_executions += 1;
    save_machine(txn, &machine)?;
    Ok(Applied::Done { at_ms: execution.start_ms })
}

fn append_events(txn: &WriteTransaction, append: &EventAppend) -> Result<Applied, StoreError> {
    let arn = append.execution_arn.as_str();
    let mut executions = txn.open_table(EXECUTIONS)?;
    let Some(record) = executions.get(arn)?.map(|v| decode::<ExecutionRecord>(v.value())) else {
        return Ok(Applied::Rejected(AwsError::execution_does_not_exist(arn)));
    };
    let mut record = record?;
    if record.status != ExecutionStatus::Running || record.next_event_id != append.expected_next_event_id {
        return Ok(Applied::Rejected(AwsError::new(
            ErrorCode::ExecutionDoesNotExist,
            format!("Execution '{arn}' moved on: expected event id {}", record.next_event_id),
        )));
    }
    let mut history = txn.open_table(HISTORY)?;
    for event in &append.events {
        history.insert((arn, event.id), encode(event).as_slice())?;
    }
    record.next_event_id += append.events.len() as u64;
    record.engine_state = append.engine_state.clone();
    record.timers = append.timers.clone();
    record.open_tasks = append.open_tasks.clone();
    let mut at_ms = 0;
    if let Some(close) = &append.close {
        record.status = close.status;
        record.stop_ms = Some(close.stop_ms);
        record.output = close.output.clone();
        record.error = close.error.clone();
        record.cause = close.cause.clone();
        record.open_tasks.clear();
        at_ms = close.stop_ms;
        txn.open_table(OPEN_EXECUTIONS)?.remove(arn)?;
        let mut open_by_account = txn.open_table(OPEN_BY_ACCOUNT)?;
        let open = open_by_account.get(account_of(arn))?.map_or(0, |v| v.value());
        open_by_account.insert(account_of(arn), open.saturating_sub(1))?;
        if let Some(mut machine) = load_machine(txn, &record.state_machine_arn)? {
            machine.open_executions = machine.open_executions.saturating_sub(1);
            if machine.status == StateMachineStatus::Deleting && machine.open_executions == 0 {
                remove_machine(txn, &machine.arn)?;
            } else {
                save_machine(txn, &machine)?;
            }
        }
    }
    executions.insert(arn, encode(&record).as_slice())?;
    Ok(Applied::Done { at_ms })
}

/// The account field of an ARN the API has already checked.
pub fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// Writes a metadata value (applied log id, membership, snapshot) inside `txn`.
pub fn put_meta(txn: &WriteTransaction, key: &str, value: &[u8]) -> Result<(), StoreError> {
    txn.open_table(META)?.insert(key, value)?;
    Ok(())
}
