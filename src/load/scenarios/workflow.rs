//! `workflow`: starts executions of a definition (default: a 10-state Pass/Choice chain) and waits for
//! each to end; reports executions/s, state transitions/s (state entries counted in one execution's
//! history) and the start-to-end latency from the server's own start and stop dates.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;
use serde_json::Value;

use super::clean_up;
use super::create_state_machine;
use super::run_id;
use super::wait_closed;
use crate::load::args::WorkflowArgs;
use crate::load::client::CallError;
use crate::load::client::SfnClient;
use crate::load::driver::drive;
use crate::load::report::Recorder;
use crate::load::report::Report;
use crate::load::Outcome;

/// Ten states: Pass and Choice alternating, ending in a Pass.
pub fn default_definition() -> String {
    let mut states = serde_json::Map::new();
    for i in 1..=10 {
        let name = format!("S{i:02}");
        let next = format!("S{:02}", i + 1);
        let state = match i {
            1 => json!({ "Type": "Pass", "Result": true, "ResultPath": "$.go", "Next": next }),
            10 => json!({ "Type": "Pass", "End": true }),
            i if i % 2 == 0 => json!({
                "Type": "Choice",
                "Choices": [{ "Variable": "$.go", "BooleanEquals": true, "Next": next }],
                "Default": next,
            }),
            _ => json!({ "Type": "Pass", "Next": next }),
        };
        states.insert(name, state);
    }
    json!({ "Comment": "statehouse load: 10-state chain", "StartAt": "S01", "States": states }).to_string()
}

fn seconds(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Runs the scenario.
pub async fn run(args: &WorkflowArgs, client: Arc<SfnClient>) -> Result<Outcome, String> {
    let definition = match &args.definition {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => default_definition(),
    };
    serde_json::from_str::<Value>(&args.input).map_err(|e| format!("--input is not JSON: {e}"))?;
    let id = run_id();
    let machine = create_state_machine(&client, &format!("load-workflow-{id}"), &definition).await?;

    let recorder = Arc::new(Recorder::new());
    let start_calls = Arc::new(Recorder::new());
    let observed = Arc::new(Recorder::new());
    let sample: Arc<Mutex<Option<String>>> = Arc::default();
    let (machine_arn, input) = (machine.clone(), args.input.clone());
    let (op_client, op_starts, op_observed, op_sample) =
        (client.clone(), start_calls.clone(), observed.clone(), sample.clone());
    drive(&args.common, recorder.clone(), move |k, due| {
        let body = json!({ "stateMachineArn": machine_arn, "name": format!("wf-{k}-{id}"), "input": input });
        let (client, starts, observed, sample) =
            (op_client.clone(), op_starts.clone(), op_observed.clone(), op_sample.clone());
        async move {
            let started = client.call("StartExecution", &body).await?;
            starts.ok(due.elapsed());
            let arn = started["executionArn"].as_str().unwrap_or_default().to_string();
            let closed = wait_closed(&client, &arn).await?;
            observed.ok(due.elapsed());
            if closed["status"] != "SUCCEEDED" {
                let status = closed["status"].as_str().unwrap_or("?");
                return Err(CallError { code: format!("Execution{status}"), message: arn });
            }
            sample.lock().expect("sample lock").get_or_insert(arn);
            let (start, stop) = (seconds(&closed["startDate"]), seconds(&closed["stopDate"]));
            Ok(Some(Duration::from_secs_f64((stop.unwrap_or(0.0) - start.unwrap_or(0.0)).max(0.0))))
        }
    })
    .await;
    let elapsed = recorder.elapsed();
    let mut report = Report::new("workflow", "execution (server start->stop)", &args.common, &recorder);
    report.other_latencies_ms.insert("StartExecution call".into(), start_calls.percentiles());
    report.other_latencies_ms.insert("start->end seen by polling".into(), observed.percentiles());

    // Transitions per execution: state entries in one successful execution's history.
    let sample = sample.lock().expect("sample lock").clone();
    let transitions = match sample {
        Some(arn) => count_transitions(&client, &arn).await.map_err(|e| format!("GetExecutionHistory: {e}"))?,
        None => 0,
    };
    let per_second = recorder.ops() as f64 / elapsed.as_secs_f64().max(1e-9);
    report.figures.insert("executions/s".into(), json!((per_second * 10.0).round() / 10.0));
    report.figures.insert("transitions per execution".into(), json!(transitions));
    report.figures.insert("transitions/s".into(), json!((per_second * transitions as f64).round()));
    let stopped = clean_up(&client, &machine, None).await.map_err(|e| format!("clean-up: {e}"))?;
    report.figures.insert("executions stopped by clean-up".into(), json!(stopped));
    Ok(Outcome { report, failure: None })
}

async fn count_transitions(client: &SfnClient, execution: &str) -> Result<u64, CallError> {
    let mut count = 0;
    let mut next_token: Option<String> = None;
    loop {
        let mut body = json!({ "executionArn": execution, "maxResults": 1000 });
        if let Some(token) = &next_token {
            body["nextToken"] = json!(token);
        }
        let page = client.call("GetExecutionHistory", &body).await?;
        count += page["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"].as_str().is_some_and(|t| t.ends_with("StateEntered")))
            .count() as u64;
        next_token = page["nextToken"].as_str().map(str::to_string);
        if next_token.is_none() {
            return Ok(count);
        }
    }
}
