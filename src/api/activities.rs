//! Activity operations: CreateActivity, DescribeActivity, DeleteActivity, ListActivities, GetActivityTask.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::pagination::decode_token;
use super::pagination::encode_token;
use super::state_machines::encryption_configuration;
use super::tags::validate_tags;
use super::tags::TagShape;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::names::is_valid_name;
use crate::raft::Command;
use crate::store::ActivityRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateActivityInput {
    name: Option<String>,
    tags: Option<Vec<TagShape>>,
    encryption_configuration: Option<Value>,
}

pub async fn create(state: &AccountView<'_>, input: CreateActivityInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let name = c.required("name", &input.name, 1, 80);
    c.finish()?;
    if !is_valid_name(name) {
        return Err(AwsError::new(ErrorCode::InvalidName, format!("Invalid Name: '{name}'")));
    }
    let tags = validate_tags(input.tags.unwrap_or_default(), name)?;
    let arn = state.arns.activity(name);
    let activity = ActivityRecord {
        arn: arn.clone(),
        name: name.to_string(),
        creation_ms: now_ms(),
        encryption: encryption_configuration(input.encryption_configuration.as_ref())?,
    };
    let created = state.node.propose(&arn, Command::CreateActivity { activity, tags }).await?;
    Ok(json!({ "activityArn": arn, "creationDate": wire_seconds(created) }))
}

/// Parses an activity ARN from a request member; another account's activity does not exist.
fn activity_arn(state: &AccountView<'_>, arn: &str) -> Result<(), AwsError> {
    let parsed =
        Arn::parse(arn, &[ResourceKind::Activity]).map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
    if !state.arns.owns(&parsed) {
        return Err(AwsError::activity_does_not_exist(arn));
    }
    Ok(())
}

fn load(state: &AccountView<'_>, arn: &str) -> Result<ActivityRecord, AwsError> {
    state.node.store.activity(arn)?.ok_or_else(|| AwsError::activity_does_not_exist(arn))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityArnInput {
    activity_arn: Option<String>,
}

pub async fn describe(state: &AccountView<'_>, input: ActivityArnInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("activityArn", &input.activity_arn, 1, 256);
    c.finish()?;
    activity_arn(state, arn)?;
    let activity = load(state, arn)?;
    let mut out = json!({
        "activityArn": activity.arn,
        "name": activity.name,
        "creationDate": wire_seconds(activity.creation_ms),
    });
    if let Some(encryption) = &activity.encryption {
        out["encryptionConfiguration"] = serde_json::from_str(encryption).unwrap_or_default();
    }
    Ok(out)
}

pub async fn delete(state: &AccountView<'_>, input: ActivityArnInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("activityArn", &input.activity_arn, 1, 256);
    c.finish()?;
    activity_arn(state, arn)?;
    state.node.propose(arn, Command::DeleteActivity { arn: arn.to_string() }).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub async fn list(state: &AccountView<'_>, input: ListInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    c.range("maxResults", input.max_results, 0, 1000);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.finish()?;
    const SCOPE: &str = "ListActivities";
    let from = input.next_token.as_deref().map(|t| decode_token(state.node.token_key(), SCOPE, t)).transpose()?;
    let from = from.map(|k| String::from_utf8(k).unwrap_or_default());
    let own = state.arns.activity("");
    let page = state.node.store.list_activities(&own, from.as_deref(), page_size(input.max_results))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|a| json!({ "activityArn": a.arn, "name": a.name, "creationDate": wire_seconds(a.creation_ms) }))
        .collect();
    let mut out = json!({ "activities": items });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), SCOPE, &next));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetActivityTaskInput {
    activity_arn: Option<String>,
    worker_name: Option<String>,
}

/// Long-polls for a task of the activity: answers with a task token and its input once a task has been
/// handed to this worker (its ActivityStarted committed), or with no token after the poll time.
pub async fn get_task(state: &AccountView<'_>, input: GetActivityTaskInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("activityArn", &input.activity_arn, 1, 256);
    c.length("workerName", input.worker_name.as_ref(), 1, 80);
    c.finish()?;
    activity_arn(state, arn)?;
    load(state, arn)?;
    let wait = Duration::from_secs(state.config.activity_poll_seconds);
    match state.executions.poll(arn, input.worker_name, wait).await? {
        Some(task) => Ok(json!({ "taskToken": task.token, "input": task.input })),
        None => Ok(json!({})),
    }
}
