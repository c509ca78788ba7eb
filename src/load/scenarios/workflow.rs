//! `workflow`: starts executions of a definition (default: a 10-state Pass/Choice chain) and waits for
//! each to end; reports executions/s, state transitions/s (state entries counted in one execution's
//! history) and the start-to-end latency from the server's own start and stop dates.

use std::time::Duration;
use std::time::Instant;

use serde_json::json;
use serde_json::Value;

use super::clean_up;
use super::create_state_machine;
use super::run_id;
use super::wait_closed;
use crate::load::args::WorkflowArgs;
use crate::load::call_error::CallError;
use crate::load::client::SfnClient;
use crate::load::connection::Connection;
use crate::load::measurement::Measurement;
use crate::load::runner::Runner;
use crate::load::workload::Generator;
use crate::load::workload::Workload;
use crate::load::Outcome;

/// The further latencies the measured phase records.
const START_CALL: &str = "StartExecution call";
const SEEN_BY_POLLING: &str = "start->end seen by polling";

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
pub async fn run(args: &WorkflowArgs, runner: &Runner) -> Result<Outcome, String> {
    let definition = match &args.definition {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => default_definition(),
    };
    serde_json::from_str::<Value>(&args.input).map_err(|e| format!("--input is not JSON: {e}"))?;
    let client = &runner.client;
    let id = run_id();
    let machine = create_state_machine(client, &format!("load-workflow-{id}"), &definition).await?;

    let workload = Workload::Workflow { state_machine: machine.clone(), input: args.input.clone(), run_id: id };
    let measured = match runner.measure(&workload).await {
        Ok(measured) => measured,
        Err(e) => {
            let _ = clean_up(client, &machine, None).await;
            return Err(e);
        }
    };
    let elapsed = measured.measurement.main.elapsed();
    let ops = measured.measurement.main.ops();
    let sample = measured.measurement.sample();
    let mut report = measured.report("workflow", "execution (server start->stop)", &args.common);

    // Transitions per execution: state entries in one successful execution's history.
    let transitions = match sample {
        Some(arn) => count_transitions(client, &arn).await.map_err(|e| format!("GetExecutionHistory: {e}"))?,
        None => 0,
    };
    let stopped = clean_up(client, &machine, None).await.map_err(|e| format!("clean-up: {e}"))?;
    let per_second = ops as f64 / elapsed.as_secs_f64().max(1e-9);
    report.figures.insert("executions/s".into(), json!((per_second * 10.0).round() / 10.0));
    report.figures.insert("transitions per execution".into(), json!(transitions));
    report.figures.insert("transitions/s".into(), json!((per_second * transitions as f64).round()));
    report.figures.insert("executions stopped by clean-up".into(), json!(stopped));
    Ok(Outcome { report, failure: None })
}

/// The measured phase: each operation starts an execution and polls it to its end; the latency is the
/// server's own start-to-stop time.
pub async fn measure(
    generator: &Generator<'_>,
    measurement: &mut Measurement,
    state_machine: &str,
    input: &str,
    run_id: &str,
) -> Result<(), String> {
    let (starts, observed, sample) =
        (measurement.other(START_CALL), measurement.other(SEEN_BY_POLLING), measurement.sample.clone());
    let (machine, input) = (state_machine.to_string(), input.to_string());
    let names = format!("{run_id}-{}", generator.part);
    let op = async move |connection: &mut Connection, k: u64, due: Instant| {
        let body = json!({ "stateMachineArn": machine, "name": format!("wf-{k}-{names}"), "input": input });
        let started = connection.call("StartExecution", &body).await?;
        starts.ok(due.elapsed());
        let arn = started["executionArn"].as_str().unwrap_or_default().to_string();
        let closed = wait_closed(connection, &arn).await?;
        observed.ok(due.elapsed());
        if closed["status"] != "SUCCEEDED" {
            let status = closed["status"].as_str().unwrap_or("?");
            return Err(CallError::new(format!("Execution{status}"), arn));
        }
        sample.lock().expect("sample lock").get_or_insert(arn);
        let (start, stop) = (seconds(&closed["startDate"]), seconds(&closed["stopDate"]));
        Ok(Some(Duration::from_secs_f64((stop.unwrap_or(0.0) - start.unwrap_or(0.0)).max(0.0))))
    };
    generator.drive(measurement.main.clone(), op).await
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
