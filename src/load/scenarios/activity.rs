//! `activity`: each worker starts an execution of a one-Task workflow on an activity, polls a task with
//! GetActivityTask, heartbeats it once and completes it with SendTaskSuccess. The round trip of a task is
//! measured from its intended start (carried in the execution input) to the acknowledged success.

use std::time::Duration;
use std::time::Instant;

use serde_json::json;

use super::clean_up;
use super::create_activity;
use super::create_state_machine;
use super::epoch_micros;
use super::run_id;
use crate::load::args::ActivityArgs;
use crate::load::call_error::CallError;
use crate::load::connection::Connection;
use crate::load::measurement::Measurement;
use crate::load::runner::Runner;
use crate::load::workload::Generator;
use crate::load::workload::Workload;
use crate::load::Outcome;

/// The further latencies the measured phase records.
const HANDOFF: &str = "start->task handed out";
const WORKER: &str = "heartbeat+success (worker)";

/// Empty polls a worker tolerates before it reports an error.
const EMPTY_POLLS: usize = 3;

/// Runs the scenario.
pub async fn run(args: &ActivityArgs, runner: &Runner) -> Result<Outcome, String> {
    let client = &runner.client;
    let id = run_id();
    let activity = create_activity(client, &format!("load-activity-{id}")).await?;
    let definition = json!({
        "StartAt": "Work",
        "States": { "Work": {
            "Type": "Task", "Resource": activity, "HeartbeatSeconds": 60, "TimeoutSeconds": 600, "End": true,
        }},
    });
    let machine = create_state_machine(client, &format!("load-activity-{id}"), &definition.to_string()).await?;

    let workload = Workload::Activity { state_machine: machine.clone(), activity: activity.clone(), run_id: id };
    let measured = runner.measure(&workload).await;
    let stopped = clean_up(client, &machine, Some(&activity)).await.map_err(|e| format!("clean-up: {e}"));
    let mut report = measured?.report("activity", "round trip (start->success)", &args.common);
    report.figures.insert("executions stopped by clean-up".into(), json!(stopped?));
    Ok(Outcome { report, failure: None })
}

/// The measured phase: each operation starts an execution, takes its task as a worker, heartbeats it
/// once and completes it; timed from the intended start (carried in the input) to the success.
pub async fn measure(
    generator: &Generator<'_>,
    measurement: &mut Measurement,
    state_machine: &str,
    activity: &str,
    run_id: &str,
) -> Result<(), String> {
    let (handoff, worker) = (measurement.other(HANDOFF), measurement.other(WORKER));
    let (machine, activity) = (state_machine.to_string(), activity.to_string());
    let names = format!("{run_id}-{}", generator.part);
    let op = async move |connection: &mut Connection, k: u64, due: Instant| {
        // The task's intended start as wall-clock time, so whichever worker takes it can time it.
        let sent_at = epoch_micros().saturating_sub(due.elapsed().as_micros() as u64);
        let start = json!({
            "stateMachineArn": machine, "name": format!("act-{k}-{names}"),
            "input": json!({ "sentAtMicros": sent_at }).to_string(),
        });
        let poll = json!({ "activityArn": activity, "workerName": "load-activity" });
        connection.call("StartExecution", &start).await?;
        let mut empty = 0;
        let task = loop {
            let task = connection.call("GetActivityTask", &poll).await?;
            if task["taskToken"].is_string() {
                break task;
            }
            empty += 1;
            if empty >= EMPTY_POLLS {
                return Err(CallError::new("NoTask", "polls returned no task"));
            }
        };
        let polled = Instant::now();
        let input: serde_json::Value = serde_json::from_str(task["input"].as_str().unwrap_or("{}")).unwrap_or_default();
        let task_sent_at = input["sentAtMicros"].as_u64().unwrap_or(sent_at);
        handoff.ok(Duration::from_micros(epoch_micros().saturating_sub(task_sent_at)));
        let token = task["taskToken"].as_str().unwrap_or_default();
        connection.call("SendTaskHeartbeat", &json!({ "taskToken": token })).await?;
        connection.call("SendTaskSuccess", &json!({ "taskToken": token, "output": "{\"done\":true}" })).await?;
        worker.ok(polled.elapsed());
        Ok(Some(Duration::from_micros(epoch_micros().saturating_sub(task_sent_at))))
    };
    generator.drive(measurement.main.clone(), op).await
}
