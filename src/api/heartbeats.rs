//! `Statehouse.SendTaskHeartbeats`: heartbeats for up to 1,000 task tokens in one call, for workers that hold
//! thousands of tasks. Each entry may carry SWF-style progress `details`; the answer lists, in the same order,
//! `{"cancelRequested": bool}` or `{"error": "<AWS error code>", "message": "..."}` per entry, so one bad
//! token never fails the others.

use serde::Deserialize;
use serde::Serialize;

use super::swf::MAX_HEARTBEAT_DETAILS;
use super::tasks::verify;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::engine::TaskSlot;

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

pub async fn send(
    state: &AccountView<'_>,
    input: SendTaskHeartbeatsInput,
) -> Result<SendTaskHeartbeatsOutput, AwsError> {
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
    // Entries that pass validation and verification go to their owners together; the others fail alone.
    let mut results: Vec<Option<Result<bool, AwsError>>> = Vec::with_capacity(entries.len());
    let mut valid = Vec::with_capacity(entries.len());
    let mut places = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        match check(state, entry) {
            Ok(heartbeat) => {
                results.push(None);
                valid.push(heartbeat);
                places.push(index);
            }
            Err(error) => results.push(Some(Err(error))),
        }
    }
    for (index, answer) in places.into_iter().zip(state.executions.heartbeats(valid).await) {
        results[index] = Some(answer);
    }
    let results = results.into_iter().map(|r| HeartbeatResult::from(r.unwrap_or(Ok(false)))).collect();
    Ok(SendTaskHeartbeatsOutput { results })
}

/// The answer: one result per entry, in order.
#[derive(Serialize)]
pub struct SendTaskHeartbeatsOutput {
    results: Vec<HeartbeatResult>,
}

/// `{"cancelRequested": bool}` or `{"error": "<AWS error code>", "message": "..."}`.
#[derive(Serialize)]
#[serde(untagged)]
enum HeartbeatResult {
    #[serde(rename_all = "camelCase")]
    Accepted {
        cancel_requested: bool,
    },
    Failed {
        error: &'static str,
        message: String,
    },
}

impl From<Result<bool, AwsError>> for HeartbeatResult {
    fn from(result: Result<bool, AwsError>) -> HeartbeatResult {
        match result {
            Ok(cancel_requested) => HeartbeatResult::Accepted { cancel_requested },
            Err(error) => HeartbeatResult::Failed { error: error.code.name(), message: error.message },
        }
    }
}

/// One entry, validated and verified: (token, execution, slot, details).
fn check(
    state: &AccountView<'_>,
    entry: HeartbeatEntry,
) -> Result<(String, String, TaskSlot, Option<String>), AwsError> {
    let mut c = Constraints::default();
    c.required("taskToken", &entry.task_token, 1, 2048);
    c.length("details", entry.details.as_ref(), 0, MAX_HEARTBEAT_DETAILS);
    c.finish()?;
    let token = entry.task_token.unwrap_or_default();
    let (arn, slot) = verify(state, &token)?;
    Ok((token, arn, slot, entry.details))
}
