//! `Statehouse.SendTaskHeartbeats`: heartbeats for up to 1,000 task tokens in one call, for workers that hold
//! thousands of tasks. Each entry may carry SWF-style progress `details`; the answer lists, in the same order,
//! `{"cancelRequested": bool}` or `{"error": "<AWS error code>", "message": "..."}` per entry, so one bad
//! token never fails the others.

use futures::future::join_all;
use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::swf::MAX_HEARTBEAT_DETAILS;
use super::tasks::verify;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// Most entries in one call.
pub const MAX_HEARTBEATS: usize = 1000;

#[derive(Deserialize)]
pub struct SendTaskHeartbeatsInput {
    heartbeats: Option<Vec<HeartbeatEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatEntry {
    task_token: Option<String>,
    details: Option<String>,
}

pub async fn send(state: &AccountView<'_>, input: SendTaskHeartbeatsInput) -> Result<Value, AwsError> {
    let entries =
        match input.heartbeats {
            Some(entries) if (1..=MAX_HEARTBEATS).contains(&entries.len()) => entries,
            Some(entries) => {
                return Err(AwsError::new(
                    ErrorCode::ValidationException,
                    format!(
                        "1 validation error detected: Value at 'heartbeats' failed to satisfy constraint: Member must \
                     have between 1 and {MAX_HEARTBEATS} entries (it has {})",
                        entries.len()
                    ),
                ))
            }
            None => return Err(AwsError::new(
                ErrorCode::ValidationException,
                "1 validation error detected: Value null at 'heartbeats' failed to satisfy constraint: Member must \
                 not be null",
            )),
        };
    let results = join_all(entries.into_iter().map(|entry| one(state, entry))).await;
    let results: Vec<Value> = results
        .into_iter()
        .map(|result| match result {
            Ok(cancel_requested) => json!({ "cancelRequested": cancel_requested }),
            Err(error) => json!({ "error": error.code.name(), "message": error.message }),
        })
        .collect();
    Ok(json!({ "results": results }))
}

/// One entry: whether its worker is asked to cancel.
async fn one(state: &AccountView<'_>, entry: HeartbeatEntry) -> Result<bool, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &entry.task_token, 1, 2048);
    c.length("details", entry.details.as_ref(), 0, MAX_HEARTBEAT_DETAILS);
    c.finish()?;
    let (arn, slot) = verify(state, token)?;
    state.executions.heartbeat(token, &arn, slot, entry.details).await
}
