//! Amazon SWF's activity-worker operations (`X-Amz-Target: SimpleWorkflowService.<Op>`), served on
//! statehouse's own task tokens so that SWF workers run Step Functions activities and callbacks unchanged:
//! RecordActivityTaskHeartbeat (a heartbeat with progress `details`, answering `cancelRequested`),
//! RespondActivityTaskCompleted/Failed (SendTaskSuccess/Failure), RespondActivityTaskCanceled (the worker
//! stopped an abandoned task) and PollForActivityTask (GetActivityTask on the activity named by the task list).
//!
//! Shapes, limits and faults follow botocore's `swf/2012-01-25` model: a forged, unknown or closed token is
//! `UnknownResourceFault`; a token of another account's execution is `OperationNotPermittedFault`, as is a
//! cancellation nobody asked for. The `domain` is accepted and not enforced.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::names::is_valid_name;

/// The operations of this module, as named after `SimpleWorkflowService.`.
pub const OPERATIONS: [&str; 5] = [
    "RecordActivityTaskHeartbeat",
    "RespondActivityTaskCompleted",
    "RespondActivityTaskFailed",
    "RespondActivityTaskCanceled",
    "PollForActivityTask",
];

/// Longest `details` of a heartbeat (SWF's `LimitedData`).
pub const MAX_HEARTBEAT_DETAILS: usize = 2048;
/// Longest `result` and `details` of a response (SWF's `Data`).
const MAX_DATA: usize = 32_768;
/// Longest task token (SWF's `TaskToken`).
const MAX_TOKEN: usize = 1024;
/// The version every activity type is reported with: Step Functions activities have none.
const ACTIVITY_VERSION: &str = "1";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordActivityTaskHeartbeatInput {
    task_token: Option<String>,
    details: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespondActivityTaskCompletedInput {
    task_token: Option<String>,
    result: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespondActivityTaskFailedInput {
    task_token: Option<String>,
    reason: Option<String>,
    details: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RespondActivityTaskCanceledInput {
    task_token: Option<String>,
    details: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollForActivityTaskInput {
    domain: Option<String>,
    task_list: Option<TaskList>,
    identity: Option<String>,
}

#[derive(Deserialize)]
pub struct TaskList {
    name: Option<String>,
}

fn unknown_token() -> AwsError {
    AwsError::new(
        ErrorCode::UnknownResourceFault,
        "Unknown activity task: the task token is not valid or its task closed",
    )
}

/// The execution and slot of a token this cluster signed for one of the caller's executions.
fn verify(state: &AccountView<'_>, token: &str) -> Result<(String, TaskSlot), AwsError> {
    let (arn, slot) = state.token_verifier.verify(token).ok_or_else(unknown_token)?;
    if !super::tasks::owns_execution(state, &arn) {
        return Err(AwsError::new(
            ErrorCode::OperationNotPermittedFault,
            "The task token belongs to an execution of another account",
        ));
    }
    Ok((arn, slot))
}

/// The fault SWF answers for what Step Functions calls a closed, unknown or forged task.
fn as_fault(error: AwsError) -> AwsError {
    match error.code {
        ErrorCode::TaskTimedOut | ErrorCode::TaskDoesNotExist | ErrorCode::InvalidToken => unknown_token(),
        _ => error,
    }
}

/// A token member: required, 1 to 1,024 characters.
fn token<'a>(c: &mut Constraints, token: &'a Option<String>) -> &'a str {
    c.required("taskToken", token, 1, MAX_TOKEN)
}

pub async fn record_heartbeat(
    state: &AccountView<'_>,
    input: RecordActivityTaskHeartbeatInput,
) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = token(&mut c, &input.task_token);
    c.length("details", input.details.as_ref(), 0, MAX_HEARTBEAT_DETAILS);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    let cancel_requested = state.executions.heartbeat(token, &arn, slot, input.details).await.map_err(as_fault)?;
    Ok(json!({ "cancelRequested": cancel_requested }))
}

/// RespondActivityTaskCompleted: the task succeeds with `result` as its output. A result that is not JSON
/// text becomes a JSON string; none becomes `null`.
pub async fn respond_completed(
    state: &AccountView<'_>,
    input: RespondActivityTaskCompletedInput,
) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = token(&mut c, &input.task_token);
    c.length("result", input.result.as_ref(), 0, MAX_DATA);
    c.finish()?;
    let output = match input.result {
        Some(result) if serde_json::from_str::<Value>(&result).is_ok() => result,
        Some(text) => Value::String(text).to_string(),
        None => "null".to_string(),
    };
    let (arn, slot) = verify(state, token)?;
    state.executions.report(&arn, slot, TaskEvent::Succeeded { output }).await.map_err(as_fault)?;
    Ok(json!({}))
}

/// RespondActivityTaskFailed: the task fails with `reason` as its error and `details` as its cause.
pub async fn respond_failed(state: &AccountView<'_>, input: RespondActivityTaskFailedInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = token(&mut c, &input.task_token);
    c.length("reason", input.reason.as_ref(), 0, 256);
    c.length("details", input.details.as_ref(), 0, MAX_DATA);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    let event = TaskEvent::Failed { error: input.reason, cause: input.details };
    state.executions.report(&arn, slot, event).await.map_err(as_fault)?;
    Ok(json!({}))
}

/// RespondActivityTaskCanceled: accepted while the task's token asks for a cancel (the history already says
/// how the task ended, so `details` are not recorded); the token is unknown afterwards.
pub async fn respond_canceled(
    state: &AccountView<'_>,
    input: RespondActivityTaskCanceledInput,
) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = token(&mut c, &input.task_token);
    c.length("details", input.details.as_ref(), 0, MAX_DATA);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    state.executions.cancelled(token, &arn, slot).await.map_err(as_fault)?;
    Ok(json!({}))
}

/// PollForActivityTask: long-polls the activity named `taskList.name` in the caller's account and answers
/// SWF's ActivityTask (`workflowId` is the execution ARN, `activityId` the task's attempt number in the
/// execution); an empty `taskToken` after the poll time.
pub async fn poll(state: &AccountView<'_>, input: PollForActivityTaskInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    c.required("domain", &input.domain, 1, 256);
    let name = match &input.task_list {
        Some(list) => c.required("taskList.name", &list.name, 1, 256),
        None => c.required("taskList", &None, 1, 256),
    };
    c.length("identity", input.identity.as_ref(), 0, 256);
    c.finish()?;
    let unknown = || AwsError::new(ErrorCode::UnknownResourceFault, format!("Unknown task list: '{name}'"));
    if !is_valid_name(name) {
        return Err(unknown());
    }
    let activity = state.arns.activity(name);
    if !activity_exists(state, &activity).await? {
        return Err(unknown());
    }
    let wait = Duration::from_secs(state.config.activity_poll_seconds);
    let delivered = state.executions.poll(&activity, input.identity, wait).await.map_err(|e| match e.code {
        ErrorCode::ActivityWorkerLimitExceeded => AwsError::new(ErrorCode::LimitExceededFault, e.message),
        ErrorCode::ActivityDoesNotExist => unknown(),
        _ => e,
    })?;
    let Some(task) = delivered else {
        return Ok(json!({ "taskToken": "", "startedEventId": 0 }));
    };
    let (execution, slot) = state.token_verifier.verify(&task.token).ok_or_else(unknown_token)?;
    Ok(json!({
        "taskToken": task.token,
        "activityId": slot.0.to_string(),
        "startedEventId": task.started_event_id,
        "workflowExecution": { "workflowId": execution, "runId": run_id(&execution) },
        "activityType": { "name": name, "version": ACTIVITY_VERSION },
        "input": task.input,
    }))
}

/// Whether the activity exists, on this node's replica or, failing that, once the node caught up with the
/// leader (it may have been created through another node a moment ago).
async fn activity_exists(state: &AccountView<'_>, activity: &str) -> Result<bool, AwsError> {
    if state.node.store.activity(activity)?.is_some() {
        return Ok(true);
    }
    Ok(state.node.catch_up().await && state.node.store.activity(activity)?.is_some())
}

/// A stable 32-character run id for an execution (SWF's runId holds at most 64; an ARN is longer).
fn run_id(execution_arn: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(execution_arn.as_bytes())[..16])
}
