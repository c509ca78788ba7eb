//! `heartbeat`: opens N activity tasks whose state sets HeartbeatSeconds, sends SendTaskHeartbeat for
//! their tokens round-robin (with `--batch B`, `Statehouse.SendTaskHeartbeats` carrying B tokens each), then
//! checks that every execution still runs (no heartbeat was lost to a
//! timeout) and completes the tasks with SendTaskSuccess.

use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use serde_json::json;

use super::clean_up;
use super::create_activity;
use super::create_state_machine;
use super::fan_out;
use super::run_id;
use crate::load::args::HeartbeatArgs;
use crate::load::call_error::CallError;
use crate::load::connection::Connection;
use crate::load::connection::Target;
use crate::load::measurement::Measurement;
use crate::load::runner::Runner;
use crate::load::workload::Generator;
use crate::load::workload::Workload;
use crate::load::Outcome;
/// How long setup may take to hand out all N tasks: a base, plus a share per task (the executions' first
/// decisions, which queue the tasks, commit at some thousands per second).
const TAKE_TIMEOUT: Duration = Duration::from_secs(120);
const TAKE_TIMEOUT_PER_TASK: Duration = Duration::from_millis(5);

/// Runs the scenario.
pub async fn run(args: &HeartbeatArgs, runner: &Runner) -> Result<Outcome, String> {
    let client = runner.client.clone();
    let id = run_id();
    let activity = create_activity(&client, &format!("load-heartbeat-{id}")).await?;
    let timeout_seconds = (args.heartbeat_seconds * 100).max(3600);
    let definition = json!({
        "StartAt": "Work",
        "States": { "Work": {
            "Type": "Task", "Resource": activity, "HeartbeatSeconds": args.heartbeat_seconds,
            "TimeoutSeconds": timeout_seconds, "End": true,
        }},
    });
    let machine = create_state_machine(&client, &format!("load-heartbeat-{id}"), &definition.to_string()).await?;

    // Open N tasks: start N executions, then take their tasks as a worker would.
    let started = fan_out(0..args.tasks, |i| {
        let body = json!({ "stateMachineArn": machine, "name": format!("hb-{i}-{id}") });
        let client = client.clone();
        async move { client.call("StartExecution", &body).await.map(|a| a["executionArn"].as_str().map(str::to_string)) }
    })
    .await;
    let executions: Vec<String> = started
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("StartExecution: {e}"))?
        .into_iter()
        .flatten()
        .collect();
    let take_deadline = Instant::now() + TAKE_TIMEOUT + TAKE_TIMEOUT_PER_TASK * executions.len() as u32;
    let taken = fan_out(0..executions.len(), |_| {
        let (client, activity) = (client.clone(), activity.clone());
        async move {
            let body = json!({ "activityArn": activity, "workerName": "load-heartbeat" });
            while Instant::now() < take_deadline {
                let task = client.call("GetActivityTask", &body).await?;
                if let Some(token) = task["taskToken"].as_str() {
                    return Ok(Some(token.to_string()));
                }
            }
            Ok(None)
        }
    })
    .await;
    let tokens: Vec<String> = taken
        .into_iter()
        .collect::<Result<Vec<_>, crate::load::call_error::CallError>>()
        .map_err(|e| format!("GetActivityTask: {e}"))?
        .into_iter()
        .flatten()
        .collect();
    if tokens.len() < executions.len() {
        return Err(format!("only {} of {} tasks were handed out", tokens.len(), executions.len()));
    }

    // Measure.
    let bodies = match args.batch {
        None => tokens.iter().map(|t| json!({ "taskToken": t }).to_string()).collect(),
        Some(batch) => batch_bodies(&tokens, batch as usize),
    };
    let measured = runner.measure(&Workload::Heartbeat { bodies, batch: args.batch }).await?;
    let operation = if args.batch.is_some() { "SendTaskHeartbeats" } else { "SendTaskHeartbeat" };
    let mut report = measured.report("heartbeat", operation, &args.common);
    let per_request = args.batch.map_or(1, u64::from);
    report.figures.insert("heartbeats per request".into(), json!(per_request));
    report.figures.insert("heartbeatsPerSecond".into(), json!(report.throughput_per_second * per_request as f64));

    // Verify: every execution still runs; then complete every task.
    let statuses = fan_out(&executions, |arn| {
        let client = client.clone();
        async move { client.call("DescribeExecution", &json!({ "executionArn": arn })).await }
    })
    .await;
    let mut running = 0;
    let mut not_running = Vec::new();
    for status in statuses {
        match status {
            Ok(d) if d["status"] == "RUNNING" => running += 1,
            Ok(d) => not_running.push(d["status"].as_str().unwrap_or("?").to_string()),
            Err(e) => not_running.push(e.code),
        }
    }
    let completed = fan_out(&tokens, |token| {
        let client = client.clone();
        async move { client.call("SendTaskSuccess", &json!({ "taskToken": token, "output": "{}" })).await }
    })
    .await;
    let completed = completed.iter().filter(|r| r.is_ok()).count();
    let stopped = clean_up(&client, &machine, Some(&activity)).await.map_err(|e| format!("clean-up: {e}"))?;

    report.figures.insert("tasks (open tokens)".into(), json!(tokens.len()));
    report.figures.insert("heartbeatSeconds".into(), json!(args.heartbeat_seconds));
    report.figures.insert("executions running at end".into(), json!(running));
    report.figures.insert("executions failed/timed out".into(), json!(not_running.len()));
    report.figures.insert("tasks completed".into(), json!(completed));
    report.figures.insert("executions stopped by clean-up".into(), json!(stopped));
    let failure = if !not_running.is_empty() {
        Some(format!("{} of {} executions were not running: {not_running:?}", not_running.len(), executions.len()))
    } else if completed < tokens.len() {
        Some(format!("only {completed} of {} tasks could be completed", tokens.len()))
    } else {
        None
    };
    Ok(Outcome { report, failure })
}

/// Request bodies of `Statehouse.SendTaskHeartbeats` with `batch` tokens each, taking the tokens in turn so
/// that every token is in one body (the last body wraps around to the first tokens).
fn batch_bodies(tokens: &[String], batch: usize) -> Vec<String> {
    let count = tokens.len().div_ceil(batch).max(1);
    (0..count)
        .map(|body| {
            let entries: Vec<_> =
                (0..batch).map(|i| json!({ "taskToken": tokens[(body * batch + i) % tokens.len()] })).collect();
            json!({ "heartbeats": entries }).to_string()
        })
        .collect()
}

/// The measured phase: SendTaskHeartbeat with `bodies` in turn, or SendTaskHeartbeats when `batched`; a batch
/// with an entry that failed counts as an error.
pub async fn measure(
    generator: &Generator<'_>,
    measurement: &mut Measurement,
    bodies: &[String],
    batched: bool,
) -> Result<(), String> {
    if bodies.is_empty() {
        return Err("no task tokens to heartbeat".into());
    }
    let target = match batched {
        true => Target::full("Statehouse.SendTaskHeartbeats")?,
        false => Target::new("SendTaskHeartbeat")?,
    };
    let bodies: Vec<Bytes> = bodies.iter().map(|b| Bytes::from(b.clone())).collect();
    generator
        .drive(measurement.main.clone(), async move |connection: &mut Connection, k: u64, _due: Instant| {
            let answer = connection.send(&target, bodies[k as usize % bodies.len()].clone()).await?;
            if batched && answer.windows(8).any(|w| w == b"\"error\":") {
                return Err(first_entry_error(&answer));
            }
            Ok(None)
        })
        .await
}

/// The first failed entry of a SendTaskHeartbeats answer, as the error of the whole request.
fn first_entry_error(answer: &[u8]) -> CallError {
    let parsed: serde_json::Value = serde_json::from_slice(answer).unwrap_or_default();
    let failed = parsed["results"].as_array().and_then(|results| results.iter().find(|r| r.get("error").is_some()));
    match failed {
        Some(entry) => CallError::new(
            entry["error"].as_str().unwrap_or("entry failed"),
            entry["message"].as_str().unwrap_or_default(),
        ),
        None => CallError::new("bad JSON answer", String::from_utf8_lossy(answer).into_owned()),
    }
}
