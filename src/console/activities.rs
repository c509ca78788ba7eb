//! `POST /console/api/activity-queues`: the backlog (tasks waiting for a worker) and the waiting pollers
//! of activities, as this node's activity queues know them. An activity's queue lives on the node owning
//! its shard; for the others the answer names that node.

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::caller;
use super::Console;
use crate::api::error_response;
use crate::api::AccountView;
use crate::api::ApiState;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// Most activities one request asks about (one ListActivities page).
const MAX_ACTIVITIES: usize = 1000;

/// Body of the request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuesInput {
    activity_arns: Vec<String>,
}

/// The queue figures of each activity asked about.
pub async fn queues(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
    console: web::Data<Console>,
) -> HttpResponse {
    let checked =
        caller::from_console(&request).and_then(|()| caller::account(&request, &state, &console)).and_then(|account| {
            let input: QueuesInput = serde_json::from_slice(&body).map_err(|e| {
                AwsError::new(ErrorCode::SerializationException, format!("Cannot deserialize the request body: {e}"))
            })?;
            Ok((account, input))
        });
    let (account, body) = match checked {
        Ok(checked) => checked,
        Err(error) => return error_response(&error),
    };
    if body.activity_arns.len() > MAX_ACTIVITIES {
        let message = format!("At most {MAX_ACTIVITIES} activities at a time");
        return error_response(&AwsError::new(ErrorCode::ValidationException, message));
    }
    let view = AccountView::new(&state, account);
    let mut queues = Vec::new();
    for arn in &body.activity_arns {
        match queue(&view, arn).await {
            Ok(queue) => queues.push(queue),
            Err(error) => return error_response(&error),
        }
    }
    HttpResponse::Ok().json(json!({ "nodeId": state.node.id, "queues": queues }))
}

async fn queue(view: &AccountView<'_>, arn: &str) -> Result<Value, AwsError> {
    let parsed =
        Arn::parse(arn, &[ResourceKind::Activity]).map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
    if !view.arns.owns(&parsed) {
        return Err(AwsError::activity_does_not_exist(arn));
    }
    let owner = view.node.owner_of(arn).map(|(owner, _)| owner);
    let mut queue = json!({ "activityArn": arn, "ownerNode": owner });
    if owner == Some(view.node.id) {
        let depth = view.executions.activity_queue_depth(arn).await;
        queue["backlog"] = json!(depth.map_or(0, |d| d.backlog));
        queue["pollers"] = json!(depth.map_or(0, |d| d.pollers));
    }
    Ok(queue)
}
