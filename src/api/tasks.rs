//! Task token operations: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
//!
//! Tokens are issued only to running Task states; a token this cluster did not issue is `InvalidToken`.

use serde::Deserialize;
use serde_json::Value;

use super::validate::Constraints;
use super::ApiState;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

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

fn unknown_token(token: &str) -> AwsError {
    AwsError::new(ErrorCode::InvalidToken, format!("Invalid Token: '{token}'"))
}

pub async fn success(_state: &ApiState, input: SendTaskSuccessInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    let output = c.required("output", &input.output, 0, usize::MAX);
    c.bytes("output", input.output.as_ref(), 262_144);
    c.finish()?;
    if serde_json::from_str::<Value>(output).is_err() {
        return Err(AwsError::new(
            ErrorCode::InvalidOutput,
            format!("Invalid Output: '{output}'"),
        ));
    }
    Err(unknown_token(token))
}

pub async fn failure(_state: &ApiState, input: SendTaskFailureInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    c.length("error", input.error.as_ref(), 0, 256);
    c.length("cause", input.cause.as_ref(), 0, 32_768);
    c.finish()?;
    Err(unknown_token(token))
}

pub async fn heartbeat(_state: &ApiState, input: SendTaskHeartbeatInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let token = c.required("taskToken", &input.task_token, 1, 2048);
    c.finish()?;
    Err(unknown_token(token))
}
