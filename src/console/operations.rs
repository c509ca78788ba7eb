//! The API operations the console calls, run for the session's account through the API's own dispatcher
//! (`POST /console/api/op/{operation}`).

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;

use super::caller;
use super::Console;
use crate::api::error_response;
use crate::api::ApiState;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// What the console may call: reads, and the two operations that act on an execution.
const OPERATIONS: &[&str] = &[
    "ListStateMachines",
    "DescribeStateMachine",
    "DescribeStateMachineForExecution",
    "ListStateMachineVersions",
    "ListStateMachineAliases",
    "ListExecutions",
    "DescribeExecution",
    "GetExecutionHistory",
    "ListActivities",
    "DescribeActivity",
    "ListTagsForResource",
    "StopExecution",
    "RedriveExecution",
];

/// `POST /console/api/op/{operation}`: the operation's answer, exactly as the API gives it.
pub async fn call(
    request: HttpRequest,
    operation: web::Path<String>,
    body: web::Bytes,
    state: web::Data<ApiState>,
    console: web::Data<Console>,
) -> HttpResponse {
    let account = caller::from_console(&request).and_then(|()| {
        if !OPERATIONS.contains(&operation.as_str()) {
            return Err(AwsError::new(
                ErrorCode::AccessDeniedException,
                format!("The console does not call '{operation}'."),
            ));
        }
        caller::account(&request, &state, &console)
    });
    match account {
        Ok(account) => crate::api::call(&state, &operation, &body, account).await,
        Err(error) => error_response(&error),
    }
}
