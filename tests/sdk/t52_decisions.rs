//! What the log holds of an execution: after `kill -9` its owner rebuilds it from the last checkpoint plus the
//! inputs recorded after it, mid-Map, mid-Parallel, mid-Retry and during a Wait; and the bytes an execution
//! writes grow with what it produces, not with the size of its state.

use std::collections::BTreeMap;

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::scrape;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

/// Takes one task of `activity` and answers it: with `Ok(output)` (an empty output echoes the input, padded
/// to 20 KB), or fails it with `Err(error)`. Returns the task's input.
async fn work(sfn: &aws_sdk_sfn::Client, activity: &str, answer: Result<String, &str>) -> String {
    for _ in 0..60 {
        let task = sfn.get_activity_task().activity_arn(activity).send().await.expect("poll");
        let Some(token) = task.task_token().filter(|t| !t.is_empty()) else { continue };
        let input = task.input().unwrap_or_default().to_string();
        match &answer {
            Ok(output) => {
                let output = if output.is_empty() { padded(&input) } else { output.clone() };
                sfn.send_task_success().task_token(token).output(output).send().await.expect("success");
            }
            Err(error) => {
                sfn.send_task_failure().task_token(token).error(*error).send().await.expect("failure");
            }
        }
        return input;
    }
    panic!("no task of {activity} within 60 polls");
}

fn padded(input: &str) -> String {
    let item: serde_json::Value = serde_json::from_str(input).expect("a JSON input");
    serde_json::json!({ "item": item, "pad": "x".repeat(20_000) }).to_string()
}

#[tokio::test]
async fn a_restart_rebuilds_executions_mid_map_mid_parallel_mid_retry_and_in_a_wait() {
    let server = TestServer::start();
    let sfn = server.client();
    let items = sfn.create_activity().name("items").send().await.unwrap();
    let flaky = sfn.create_activity().name("flaky").send().await.unwrap();
    let definition = format!(
        r#"{{"StartAt":"Fan","States":{{"Fan":{{"Type":"Parallel","End":true,"Branches":[
          {{"StartAt":"Each","States":{{"Each":{{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":3,"End":true,
            "ItemProcessor":{{"StartAt":"Work","States":{{"Work":{{"Type":"Task","Resource":"{}",
              "ResultSelector":{{"item.$":"$.item"}},"End":true}}}}}}}}}}}},
          {{"StartAt":"Flaky","States":{{"Flaky":{{"Type":"Task","Resource":"{}","End":true,
            "Retry":[{{"ErrorEquals":["Oops"],"IntervalSeconds":2,"MaxAttempts":2}}]}}}}}},
          {{"StartAt":"Nap","States":{{"Nap":{{"Type":"Wait","Seconds":4,"End":true}}}}}}]}}}}}}"#,
        items.activity_arn(),
        flaky.activity_arn()
    );
    let machine = sfn.create_state_machine().name("rebuilt").definition(&definition).role_arn(ROLE).send().await;
    let machine = machine.expect("created");
    let input = serde_json::json!({ "items": (0..12).map(|i| format!("i{i}")).collect::<Vec<_>>() }).to_string();

    tracing::info!(
        "--- half the Map's items answered with large outputs (checkpoints), a retry pending, a Wait running"
    );
    let started = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).input(&input).send().await;
    let arn = started.expect("started").execution_arn().to_string();
    for _ in 0..6 {
        let input = work(&sfn, items.activity_arn(), Ok(String::new())).await;
        assert!(input.starts_with("\"i"), "an item: {input}");
    }
    work(&sfn, flaky.activity_arn(), Err("Oops")).await;
    let checkpoints = crate::server::metric(&server.address, "statehouse_execution_checkpoints_total");
    assert!(checkpoints >= 1.0, "the large outputs made the owner write a checkpoint ({checkpoints})");

    tracing::info!("--- kill -9; the restarted node rebuilds the execution and it runs to the end");
    let server = server.kill_and_restart();
    let sfn = server.client();
    work(&sfn, flaky.activity_arn(), Ok(r#"{"flaky":"ok"}"#.into())).await;
    for _ in 0..6 {
        let input = work(&sfn, items.activity_arn(), Ok(String::new())).await;
        assert!(input.starts_with("\"i"), "a remaining item: {input}");
    }
    let described = wait_closed(&sfn, &arn).await;
    assert_eq!(described.status(), &ExecutionStatus::Succeeded, "{:?}", described.cause());
    let output: serde_json::Value = serde_json::from_str(described.output().unwrap()).unwrap();
    let expected_items: Vec<serde_json::Value> =
        (0..12).map(|i| serde_json::json!({ "item": format!("i{i}") })).collect();
    assert_eq!(output[0], serde_json::Value::Array(expected_items), "every item's output, in order");
    assert_eq!(output[1], serde_json::json!({ "flaky": "ok" }));

    tracing::info!("--- the history has no gap, no duplicate and every event the run needed");
    let history = sfn.get_execution_history().execution_arn(&arn).max_results(1000).send().await.unwrap();
    let events = history.events();
    let ids: Vec<i64> = events.iter().map(|e| e.id()).collect();
    assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>(), "ids are 1..n");
    assert!(events.iter().all(|e| e.previous_event_id() < e.id()), "every event follows an earlier one");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for event in events {
        *counts.entry(event.r#type().as_str().to_string()).or_default() += 1;
    }
    for (event_type, count) in [
        ("MapIterationStarted", 12),
        ("MapIterationSucceeded", 12),
        ("ActivityScheduled", 14),
        ("ActivityStarted", 14),
        ("ActivitySucceeded", 13),
        ("ActivityFailed", 1),
        ("WaitStateExited", 1),
        ("ParallelStateSucceeded", 1),
        ("ExecutionSucceeded", 1),
    ] {
        assert_eq!(counts.get(event_type).copied().unwrap_or(0), count, "{event_type} in {counts:?}");
    }
}

/// Bytes the node wrote for a Map of `items` iterations, each waiting until its own timestamp.
async fn map_bytes(server: &TestServer, items: usize) -> f64 {
    let sfn = server.client();
    let definition = r#"{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.at","End":true,
        "ItemProcessor":{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","TimestampPath":"$","End":true}}}}}}"#;
    let name = format!("map{items}");
    let machine = sfn.create_state_machine().name(&name).definition(definition).role_arn(ROLE).send().await;
    let machine = machine.expect("created");
    let first = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let at: Vec<String> = (0..items)
        .map(|i| {
            let due = first + chrono::Duration::milliseconds((i * 3000 / items) as i64);
            due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .collect();
    let input = serde_json::json!({ "at": at }).to_string();
    let written = |address: &str| {
        let metrics = scrape(address);
        metrics.get("statehouse_state_bytes_written_total").copied().unwrap_or(0.0)
            + metrics.get("statehouse_raft_log_bytes_appended_total").copied().unwrap_or(0.0)
    };
    let before = written(&server.address);
    let e = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).input(input).send().await.unwrap();
    let described = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!(described.status(), &ExecutionStatus::Succeeded, "{:?}", described.cause());
    written(&server.address) - before
}

#[tokio::test]
async fn a_map_writes_bytes_in_proportion_to_its_items() {
    let server = TestServer::start();
    let small = map_bytes(&server, 500).await / 500.0;
    let large = map_bytes(&server, 5_000).await / 5_000.0;
    assert!(
        large <= small * 1.5,
        "bytes per item at 5,000 items ({large:.0}) within 1.5x of those at 500 ({small:.0})"
    );
    assert!(large < 4_096.0, "a few KiB per item at most ({large:.0} bytes)");
}
