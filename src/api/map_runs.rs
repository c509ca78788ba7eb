//! Map run operations: DescribeMapRun, ListMapRuns and UpdateMapRun. A Distributed Map's map run is stored by
//! the execution's decisions (see `engine::map_run`); UpdateMapRun goes to the execution's owner, whose engine
//! applies the new limits to the running Map.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::executions;
use super::pagination::decode_token;
use super::pagination::encode_token;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::wire_seconds;
use crate::engine::map_run::MapRunCounts;
use crate::engine::map_run::MapRunStatus;
use crate::engine::map_run::MapRunUpdate;
use crate::store::MapRunRecord;

/// Checks a map run ARN and loads the map run, or ResourceNotFound (also for another account's).
pub fn load(state: &AccountView<'_>, arn: &str) -> Result<MapRunRecord, AwsError> {
    let parsed =
        Arn::parse(arn, &[ResourceKind::MapRun]).map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
    if !state.arns.owns(&parsed) {
        return Err(AwsError::resource_not_found(arn));
    }
    state.node.store.map_run(arn)?.ok_or_else(|| AwsError::resource_not_found(arn))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMapRunInput {
    map_run_arn: Option<String>,
}

/// DescribeMapRun.
pub async fn describe(state: &AccountView<'_>, input: DescribeMapRunInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("mapRunArn", &input.map_run_arn, 1, 2000);
    c.finish()?;
    let m = load(state, arn)?;
    let mut out = json!({
        "mapRunArn": m.arn,
        "executionArn": m.execution_arn,
        "status": m.status.as_str(),
        "startDate": wire_seconds(m.start_ms),
        "maxConcurrency": m.max_concurrency,
        "toleratedFailurePercentage": m.tolerated_failure_percentage.unwrap_or(0.0),
        "toleratedFailureCount": m.tolerated_failure_count.unwrap_or(0),
        "itemCounts": counts(&m.items),
        "executionCounts": counts(&m.executions),
        "redriveCount": 0,
    });
    if let Some(stop) = m.stop_ms {
        out["stopDate"] = json!(wire_seconds(stop));
    }
    Ok(out)
}

/// `MapRunItemCounts` / `MapRunExecutionCounts`.
fn counts(c: &MapRunCounts) -> Value {
    json!({
        "pending": c.pending,
        "running": c.running,
        "succeeded": c.succeeded,
        "failed": c.failed,
        "timedOut": c.timed_out,
        "aborted": c.aborted,
        "total": c.total,
        "resultsWritten": c.results_written,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMapRunsInput {
    execution_arn: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// ListMapRuns: the map runs of an execution, oldest first, paged.
pub async fn list(state: &AccountView<'_>, input: ListMapRunsInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.range("maxResults", input.max_results, 0, 1000);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.finish()?;
    let execution = executions::load(state, arn)?;
    let scope = format!("ListMapRuns:{}", execution.arn);
    let from = match input.next_token.as_deref() {
        Some(token) => {
            Some(super::validate::decoded::<(u64, String)>(&decode_token(state.node.token_key(), &scope, token)?)?)
        }
        None => None,
    };
    let page = state.node.store.list_map_runs(&execution.arn, from, page_size(input.max_results))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|m| {
            let mut item = json!({
                "executionArn": m.execution_arn,
                "mapRunArn": m.arn,
                "stateMachineArn": m.state_machine_arn,
                "startDate": wire_seconds(m.start_ms),
            });
            if let Some(stop) = m.stop_ms {
                item["stopDate"] = json!(wire_seconds(stop));
            }
            item
        })
        .collect();
    let mut out = json!({ "mapRuns": items });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), &scope, &next));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMapRunInput {
    map_run_arn: Option<String>,
    max_concurrency: Option<i64>,
    tolerated_failure_percentage: Option<f64>,
    tolerated_failure_count: Option<i64>,
}

/// UpdateMapRun: new limits for a running map run (a closed one keeps its own).
pub async fn update(state: &AccountView<'_>, input: UpdateMapRunInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("mapRunArn", &input.map_run_arn, 1, 2000);
    c.range("maxConcurrency", input.max_concurrency, 0, i64::MAX);
    c.range("toleratedFailureCount", input.tolerated_failure_count, 0, i64::MAX);
    c.finish()?;
    if let Some(p) = input.tolerated_failure_percentage.filter(|p| !(0.0..=100.0).contains(p)) {
        let bound = if p < 0.0 { "greater than or equal to 0.0" } else { "less than or equal to 100.0" };
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            format!(
                "1 validation error detected: Value '{p}' at 'toleratedFailurePercentage' failed to satisfy constraint: \
                 Member must have value {bound}"
            ),
        ));
    }
    if input.max_concurrency.is_none()
        && input.tolerated_failure_count.is_none()
        && input.tolerated_failure_percentage.is_none()
    {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "At least one of maxConcurrency, toleratedFailureCount or toleratedFailurePercentage must be provided",
        ));
    }
    let map_run = load(state, arn)?;
    if map_run.status != MapRunStatus::Running {
        return Ok(json!({}));
    }
    let update = MapRunUpdate {
        map_run_arn: map_run.arn.clone(),
        max_concurrency: input.max_concurrency.map(|n| n as u64),
        tolerated_failure_count: input.tolerated_failure_count.map(|n| n as u64),
        tolerated_failure_percentage: input.tolerated_failure_percentage,
    };
    state.executions.update_map_run(&map_run.execution_arn, update).await?;
    Ok(json!({}))
}
