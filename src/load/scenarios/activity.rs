//! `activity`: each worker starts an execution of a one-Task workflow on an activity, polls a task with
//! GetActivityTask, heartbeats it once and completes it with SendTaskSuccess. The round trip of a task is
//! measured from its intended start (carried in the execution input) to the acknowledged success.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use serde_json::json;

use super::clean_up;
use super::create_activity;
use super::create_state_machine;
use super::epoch_micros;
use super::run_id;
use crate::load::args::ActivityArgs;
use crate::load::client::CallError;
use crate::load::client::SfnClient;
use crate::load::driver::drive;
use crate::load::report::Recorder;
use crate::load::report::Report;
use crate::load::Outcome;

/// Empty polls a worker tolerates before it reports an error.
const EMPTY_POLLS: usize = 3;

/// Runs the scenario.
pub async fn run(args: &ActivityArgs, client: Arc<SfnClient>) -> Result<Outcome, String> {
    let id = run_id();
    let activity = create_activity(&client, &format!("load-activity-{id}")).await?;
    let definition = json!({
        "StartAt": "Work",
        "States": { "Work": {
            "Type": "Task", "Resource": activity, "HeartbeatSeconds": 60, "TimeoutSeconds": 600, "End": true,
        }},
    });
    let machine = create_state_machine(&client, &format!("load-activity-{id}"), &definition.to_string()).await?;

    let recorder = Arc::new(Recorder::new());
    let handoff = Arc::new(Recorder::new());
    let worker = Arc::new(Recorder::new());
    let (machine_arn, activity_arn) = (machine.clone(), activity.clone());
    let (op_client, op_handoff, op_worker) = (client.clone(), handoff.clone(), worker.clone());
    drive(&args.common, recorder.clone(), move |k, due| {
        // The task's intended start as wall-clock time, so whichever worker takes it can time it.
        let sent_at = epoch_micros().saturating_sub(due.elapsed().as_micros() as u64);
        let start = json!({
            "stateMachineArn": machine_arn, "name": format!("act-{k}-{id}"),
            "input": json!({ "sentAtMicros": sent_at }).to_string(),
        });
        let poll = json!({ "activityArn": activity_arn, "workerName": "load-activity" });
        let (client, handoff, worker) = (op_client.clone(), op_handoff.clone(), op_worker.clone());
        async move {
            client.call("StartExecution", &start).await?;
            let mut empty = 0;
            let task = loop {
                let task = client.call("GetActivityTask", &poll).await?;
                if task["taskToken"].is_string() {
                    break task;
                }
                empty += 1;
                if empty >= EMPTY_POLLS {
                    return Err(CallError { code: "NoTask".into(), message: "polls returned no task".into() });
                }
            };
            let polled = Instant::now();
            let input: serde_json::Value =
                serde_json::from_str(task["input"].as_str().unwrap_or("{}")).unwrap_or_default();
            let task_sent_at = input["sentAtMicros"].as_u64().unwrap_or(sent_at);
            handoff.ok(Duration::from_micros(epoch_micros().saturating_sub(task_sent_at)));
            let token = task["taskToken"].as_str().unwrap_or_default();
            client.call("SendTaskHeartbeat", &json!({ "taskToken": token })).await?;
            client.call("SendTaskSuccess", &json!({ "taskToken": token, "output": "{\"done\":true}" })).await?;
            worker.ok(polled.elapsed());
            Ok(Some(Duration::from_micros(epoch_micros().saturating_sub(task_sent_at))))
        }
    })
    .await;
    let mut report = Report::new("activity", "round trip (start->success)", &args.common, &recorder);
    report.other_latencies_ms.insert("start->task handed out".into(), handoff.percentiles());
    report.other_latencies_ms.insert("heartbeat+success (worker)".into(), worker.percentiles());
    let stopped = clean_up(&client, &machine, Some(&activity)).await.map_err(|e| format!("clean-up: {e}"))?;
    report.figures.insert("executions stopped by clean-up".into(), json!(stopped));
    Ok(Outcome { report, failure: None })
}
