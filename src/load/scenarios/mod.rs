//! The load scenarios and what they share: run-unique resource names, creating the activity and state
//! machine a scenario needs, bounded fan-out of setup calls, and the clean-up that leaves nothing running.

pub mod activity;
pub mod heartbeat;
pub mod raw;
pub mod workflow;

use std::future::Future;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use futures::stream;
use futures::StreamExt;
use serde_json::json;
use serde_json::Value;

use super::call_error::CallError;
use super::client::SfnClient;
use super::connection::Connection;

/// The role ARN put on created state machines (statehouse does not assume roles).
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/statehouse-load";
/// Setup and clean-up calls in flight at once.
pub const SETUP_CONCURRENCY: usize = 32;

/// A short suffix that keeps this run's resource names apart from other runs'.
pub fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// Microseconds since the Unix epoch.
pub fn epoch_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

fn field(answer: &Value, name: &str, operation: &str) -> Result<String, String> {
    answer[name].as_str().map(str::to_string).ok_or_else(|| format!("{operation} answered without {name}"))
}

/// Creates an activity; its ARN.
pub async fn create_activity(client: &SfnClient, name: &str) -> Result<String, String> {
    let answer =
        client.call("CreateActivity", &json!({ "name": name })).await.map_err(|e| format!("CreateActivity: {e}"))?;
    field(&answer, "activityArn", "CreateActivity")
}

/// Creates a STANDARD state machine; its ARN.
pub async fn create_state_machine(client: &SfnClient, name: &str, definition: &str) -> Result<String, String> {
    let body = json!({ "name": name, "definition": definition, "roleArn": ROLE_ARN });
    let answer = client.call("CreateStateMachine", &body).await.map_err(|e| format!("CreateStateMachine: {e}"))?;
    field(&answer, "stateMachineArn", "CreateStateMachine")
}

/// Runs `f` over `items` with at most [`SETUP_CONCURRENCY`] in flight; the results in any order.
pub async fn fan_out<I, F, Fut, T>(items: I, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    stream::iter(items).map(f).buffer_unordered(SETUP_CONCURRENCY).collect().await
}

/// Stops every execution of `state_machine` that still runs, then deletes the state machine and (if
/// given) the activity. Returns how many executions had to be stopped.
pub async fn clean_up(client: &SfnClient, state_machine: &str, activity: Option<&str>) -> Result<usize, CallError> {
    let mut running = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let mut body = json!({ "stateMachineArn": state_machine, "statusFilter": "RUNNING", "maxResults": 1000 });
        if let Some(token) = &next_token {
            body["nextToken"] = json!(token);
        }
        let page = client.call("ListExecutions", &body).await?;
        for execution in page["executions"].as_array().into_iter().flatten() {
            if let Some(arn) = execution["executionArn"].as_str() {
                running.push(arn.to_string());
            }
        }
        next_token = page["nextToken"].as_str().map(str::to_string);
        if next_token.is_none() {
            break;
        }
    }
    let stopped = fan_out(&running, |arn| async move {
        match client.call("StopExecution", &json!({ "executionArn": arn })).await {
            Ok(_) => Ok(()),
            // It ended between the listing and the stop.
            Err(e) if e.code == "ExecutionDoesNotExist" => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await;
    stopped.into_iter().collect::<Result<Vec<()>, _>>()?;
    client.call("DeleteStateMachine", &json!({ "stateMachineArn": state_machine })).await?;
    if let Some(activity) = activity {
        client.call("DeleteActivity", &json!({ "activityArn": activity })).await?;
    }
    Ok(running.len())
}

/// How long [`wait_closed`] waits for one execution.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits until an execution leaves RUNNING (polling on `connection` with a growing pause up to 20 ms, for
/// at most a minute); its description.
pub async fn wait_closed(connection: &mut Connection, execution: &str) -> Result<Value, CallError> {
    let body = json!({ "executionArn": execution });
    let mut pause = std::time::Duration::from_micros(500);
    let deadline = std::time::Instant::now() + CLOSE_WAIT;
    loop {
        if std::time::Instant::now() > deadline {
            return Err(CallError { code: "StillRunning".into(), message: format!("{execution} did not end") });
        }
        let described = connection.call("DescribeExecution", &body).await?;
        if described["status"] != "RUNNING" {
            return Ok(described);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(20));
    }
}
