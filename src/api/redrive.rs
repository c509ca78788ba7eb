//! RedriveExecution: a STANDARD execution that failed, timed out or was aborted goes on under the same ARN
//! from the states that did not succeed (see `engine::redrive`), with the definition it started with.
//!
//! Any node builds the redrive's decision from the replicated state (the checkpoint and recorded inputs the
//! execution kept at its close) and proposes it; the apply reopens the execution and its owner's actor takes
//! it from there.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::executions;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::decision::decide;
use crate::decision::Runtime;
use crate::engine::Input;
use crate::execution_log::LoggingConfiguration;
use crate::raft::Command;
use crate::raft::ExecutionRedrive;
use crate::store::not_redrivable;
use crate::store::repeated_redrive;
use crate::store::ExecutionRecord;
use crate::store::RedriveContext;
use crate::store::StateMachineStatus;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedriveExecutionInput {
    execution_arn: Option<String>,
    client_token: Option<String>,
}

/// What deciding whether `execution` can be redriven at `now_ms` reads besides its record.
pub fn context(state: &AccountView<'_>, execution: &ExecutionRecord, now_ms: i64) -> Result<RedriveContext, AwsError> {
    let machine = state.node.store.state_machine(&execution.state_machine_arn)?;
    Ok(RedriveContext {
        machine_deleting: machine.is_none_or(|m| m.status == StateMachineStatus::Deleting),
        last_event_id: state.node.store.last_event_id(&execution.arn)?,
        now_ms,
    })
}

pub async fn redrive(state: &AccountView<'_>, input: RedriveExecutionInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.length("clientToken", input.client_token.as_ref(), 1, 64);
    c.finish()?;
    let execution = executions::load(state, arn)?;
    let now = now_ms();
    if let Some(redrive_ms) = repeated_redrive(&execution, input.client_token.as_deref(), now) {
        return Ok(json!({ "redriveDate": wire_seconds(redrive_ms) }));
    }
    if let Some(reason) = not_redrivable(&execution, &context(state, &execution, now)?) {
        return Err(AwsError::execution_not_redrivable(arn, &reason));
    }
    let machine_arn = &execution.state_machine_arn;
    let revision =
        state.node.store.revision(machine_arn, &execution.revision_id)?.ok_or_else(|| {
            AwsError::internal(format!("revision {} of {machine_arn} is missing", execution.revision_id))
        })?;
    let definition = state.executions.definition(machine_arn, &execution.revision_id, &revision.definition)?;
    let Some(mut closed) = state.executions.closed_state(&execution, &definition)? else {
        let reason = "Execution was started before the launch of RedriveExecution";
        return Err(AwsError::execution_not_redrivable(arn, reason));
    };
    let store = &state.node.store;
    let activity_exists = |arn: &str| matches!(store.activity(arn), Ok(Some(_)));
    let runtime = Runtime { activity_exists: &activity_exists, test_case: closed.test_case.as_deref() };
    let decision = decide(&definition, &mut closed.state, [Input::Redrive], now, runtime);
    let logging = LoggingConfiguration::parse(&revision.logging);
    let logged = logging.enabled().then(|| decision.events.clone());
    let redrive = ExecutionRedrive {
        execution_arn: arn.to_string(),
        expected_next_event_id: closed.next_event_id,
        client_token: input.client_token.clone(),
        redrive_ms: now,
        open_limit: state.config.open_executions_per_account,
        decision,
    };
    let redrive_ms = state.node.propose(arn, Command::RedriveExecution { redrive }).await?;
    if let (Some(events), true) = (logged, redrive_ms == now) {
        crate::execution_log::record(&logging, arn, execution.redrive_count + 1, &events);
    }
    state.executions.ensure_running(arn);
    Ok(json!({ "redriveDate": wire_seconds(redrive_ms) }))
}
