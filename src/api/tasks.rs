//! Task token operations: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
//!
//! A token is checked against the cluster's signing secret first (forged or malformed: `InvalidToken`),
//! then routed by the execution it names to that execution's actors; a closed task is `TaskTimedOut`.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::validate::Constraints;
use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskSuccessInput {
    task_token: Option<String>,
    output: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskFailureInput {
    task_token: Option<String>,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskHeartbeatInput {
    task_token: Option<String>,
}

/// The execution and task slot a token names, if this cluster signed it for one of the caller's executions.
pub(super) fn verify(state: &AccountView<'_>, token: &str) -> Result<(String, TaskSlot), AwsError> {
    state
        .token_verifier
        .verify(token)
        .filter(|(arn, _)| owns_execution(state, arn))
        .ok_or_else(|| AwsError::new(ErrorCode::InvalidToken, format!("Invalid Token: '{token}'")))
}

/// Whether `arn` names an execution of the caller's account.
pub(super) fn owns_execution(state: &AccountView<'_>, arn: &str) -> bool {
    Arn::parse(arn, &[ResourceKind::Execution, ResourceKind::ExpressExecution]).is_ok_and(|arn| state.arns.owns(&arn))
}

pub async fn success(state: &AccountView<'_>, input: SendTaskSuccessInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    let output = c.required("output", &input.output, 0, usize::MAX);
    c.bytes("output", input.output.as_ref(), 262_144);
    c.finish()?;
    if serde_json::from_str::<Value>(output).is_err() {
        return Err(AwsError::new(ErrorCode::InvalidOutput, format!("Invalid Output: '{output}'")));
    }
    let (arn, slot) = verify(state, token)?;
    state.executions.report(&arn, slot, TaskEvent::Succeeded { output: output.to_string() }).await?;
    Ok(json!({}))
}

pub async fn failure(state: &AccountView<'_>, input: SendTaskFailureInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    c.length("error", input.error.as_ref(), 0, 256);
    c.length("cause", input.cause.as_ref(), 0, 32_768);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    state.executions.report(&arn, slot, TaskEvent::Failed { error: input.error, cause: input.cause }).await?;
    Ok(json!({}))
}

pub async fn heartbeat(state: &AccountView<'_>, input: SendTaskHeartbeatInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    // An abandoned task's worker hears it through SWF's heartbeat; Step Functions' says the task timed out.
    if state.executions.heartbeat(token, &arn, slot, None).await? {
        return Err(AwsError::task_timed_out());
    }
    Ok(json!({}))
}
