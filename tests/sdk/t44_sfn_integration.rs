//! Step Functions calling itself: `states:startExecution` (request-response, `.sync`, `.sync:2`,
//! `.waitForTaskToken`) and `aws-sdk:sfn:<action>` Task states, run in-process, through the SDK.

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;
use serde_json::Value;

use crate::cluster::TestCluster;
use crate::server::history_types;
use crate::server::signed_client;
use crate::server::take_task;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;
use crate::server::TWO_ACCOUNTS;

async fn create(sfn: &aws_sdk_sfn::Client, name: &str, definition: &str) -> String {
    let m = sfn.create_state_machine().name(name).definition(definition).role_arn(ROLE).send().await.unwrap();
    m.state_machine_arn().to_string()
}

async fn start(sfn: &aws_sdk_sfn::Client, machine: &str, input: Value) -> String {
    let e = sfn.start_execution().state_machine_arn(machine).input(input.to_string()).send().await.unwrap();
    e.execution_arn().to_string()
}

/// A one-Task machine calling `resource` with `parameters`.
fn task_machine(resource: &str, parameters: Value) -> String {
    json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": true}}})
        .to_string()
}

/// A machine whose one Task waits on `activity`.
fn activity_machine(activity: &str) -> String {
    json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}}).to_string()
}

fn parsed(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("a JSON document")).expect("JSON")
}

async fn history(sfn: &aws_sdk_sfn::Client, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    let h = sfn.get_execution_history().execution_arn(arn).send().await.unwrap();
    h.events().to_vec()
}

/// Polls the history until it holds an event of `event_type` (bounded).
async fn wait_for_event(sfn: &aws_sdk_sfn::Client, arn: &str, event_type: &str) -> aws_sdk_sfn::types::HistoryEvent {
    for _ in 0..400 {
        if let Some(event) = history(sfn, arn).await.into_iter().find(|e| e.r#type().as_str() == event_type) {
            return event;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {event_type} in the history of {arn}");
}

/// The child execution a parent's TaskSubmitted names.
async fn submitted_child(sfn: &aws_sdk_sfn::Client, parent: &str) -> String {
    let submitted = wait_for_event(sfn, parent, "TaskSubmitted").await;
    let output = parsed(submitted.task_submitted_event_details().and_then(|d| d.output()));
    output["ExecutionArn"].as_str().expect("ExecutionArn").to_string()
}

const SYNC_HISTORY: [&str; 8] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
];

#[tokio::test]
async fn parents_run_children_and_go_on_with_their_results() {
    let server = TestServer::start();
    let sfn = server.client();
    let child = create(&sfn, "child", PASS_MACHINE).await;
    let failing = r#"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"SomeFailure","Cause":"it broke"}}}"#;
    let failing = create(&sfn, "failing", failing).await;

    tracing::info!("--- .sync:2: the parent's result holds the child's description, its output as JSON");
    let params = json!({"StateMachineArn.$": "$.machine", "Input": {"from": "parent"}, "Name": "kid-2"});
    let parent = create(&sfn, "sync2", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let run = start(&sfn, &parent, json!({"machine": child})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let output = parsed(d.output());
    let child_run = output["ExecutionArn"].as_str().unwrap().to_string();
    assert!(child_run.ends_with(":execution:child:kid-2"), "{child_run}");
    assert_eq!(output["Status"], "SUCCEEDED");
    assert_eq!(output["Name"], "kid-2");
    assert_eq!(output["StateMachineArn"], child.as_str());
    assert_eq!(output["Input"], json!({"from": "parent"}));
    assert_eq!(output["Output"], json!({"Arg1": "argument1"}));
    assert!(output["StartDate"].is_i64() && output["StopDate"].is_i64(), "{output}");
    assert_eq!(history_types(&sfn, &run).await, SYNC_HISTORY);
    let events = history(&sfn, &run).await;
    let scheduled = events.iter().find_map(|e| e.task_scheduled_event_details()).unwrap();
    assert_eq!((scheduled.resource_type(), scheduled.resource()), ("states", "startExecution.sync:2"));
    let submitted = parsed(events.iter().find_map(|e| e.task_submitted_event_details()).unwrap().output());
    assert_eq!(submitted["ExecutionArn"], child_run.as_str());
    let c = sfn.describe_execution().execution_arn(&child_run).send().await.unwrap();
    assert_eq!(c.status(), &ExecutionStatus::Succeeded);
    assert_eq!(parsed(c.input()), json!({"from": "parent"}));

    tracing::info!("--- .sync: the child's input and output are JSON text; an unnamed child gets a UUID name");
    let params = json!({"StateMachineArn": child, "Input.$": "$"});
    let parent = create(&sfn, "sync", &task_machine("arn:aws:states:::states:startExecution.sync", params)).await;
    let run = start(&sfn, &parent, json!({"n": 1})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let output = parsed(d.output());
    assert_eq!(output["Output"], r#"{"Arg1":"argument1"}"#);
    assert_eq!(output["Input"], r#"{"n":1}"#);
    assert_eq!(output["Name"].as_str().unwrap().len(), 36, "{output}");
    assert_eq!(history_types(&sfn, &run).await, SYNC_HISTORY);

    tracing::info!("--- a failing child fails the parent's task with States.TaskFailed, which a Catch handles");
    let definition = json!({"StartAt": "Run", "States": {
        "Run": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": failing},
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught", "Next": "Handled"}],
                "End": true},
        "Handled": {"Type": "Pass", "End": true}}});
    let parent = create(&sfn, "catching", &definition.to_string()).await;
    let run = start(&sfn, &parent, json!({})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let caught = &parsed(d.output())["caught"];
    assert_eq!(caught["Error"], "States.TaskFailed");
    let cause: Value = serde_json::from_str(caught["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&cause["Status"], &cause["Error"], &cause["Cause"]),
        (&json!("FAILED"), &json!("SomeFailure"), &json!("it broke"))
    );
    assert!(cause.get("Output").is_none(), "{cause}");
    let types = history_types(&sfn, &run).await;
    assert!(types.contains(&"TaskFailed".to_string()), "{types:?}");

    tracing::info!("--- request-response: the parent goes on at once with the ExecutionArn and StartDate");
    let params = json!({"StateMachineArn": child, "Name": "fire-and-forget"});
    let parent = create(&sfn, "request", &task_machine("arn:aws:states:::states:startExecution", params)).await;
    let run = start(&sfn, &parent, json!({})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let output = parsed(d.output());
    let started: Vec<&str> = output.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(started, ["ExecutionArn", "StartDate"]);
    let c = wait_closed(&sfn, output["ExecutionArn"].as_str().unwrap()).await;
    assert_eq!(c.status(), &ExecutionStatus::Succeeded);
    assert_eq!(c.name(), Some("fire-and-forget"));
    assert_eq!(
        history_types(&sfn, &run).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );

    tracing::info!("--- an EXPRESS parent starts a STANDARD child too");
    let params = json!({"StateMachineArn": child, "Name": "from-express"});
    let express = sfn
        .create_state_machine()
        .name("express")
        .definition(task_machine("arn:aws:states:::states:startExecution", params))
        .role_arn(ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .send()
        .await
        .unwrap();
    let sync = sfn.start_sync_execution().state_machine_arn(express.state_machine_arn()).send().await.unwrap();
    assert_eq!(sync.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
    let started = parsed(sync.output());
    assert!(started["ExecutionArn"].as_str().unwrap().ends_with(":execution:child:from-express"), "{started}");
    assert_eq!(
        wait_closed(&sfn, started["ExecutionArn"].as_str().unwrap()).await.status(),
        &ExecutionStatus::Succeeded
    );

    tracing::info!(
        "--- a missing child state machine fails the task with StepFunctions.StateMachineDoesNotExistException"
    );
    let missing = child.replace(":child", ":nowhere");
    let params = json!({"StateMachineArn": missing});
    let parent = create(&sfn, "missing", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let run = start(&sfn, &parent, json!({})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Failed);
    assert_eq!(d.error(), Some("StepFunctions.StateMachineDoesNotExistException"));
}

#[tokio::test]
async fn callbacks_and_stopping_reach_the_children() {
    let server = TestServer::start();
    let sfn = server.client();
    let child = create(&sfn, "child", PASS_MACHINE).await;
    let activity = sfn.create_activity().name("never-polled").send().await.unwrap().activity_arn().to_string();
    let waiting_child = create(&sfn, "waiting", &activity_machine(&activity)).await;

    tracing::info!(
        "--- .waitForTaskToken: the child is started with the token; SendTaskSuccess ends the parent's task"
    );
    let params = json!({"StateMachineArn": child, "Input": {"TaskToken.$": "$$.Task.Token"}});
    let callback = task_machine("arn:aws:states:::states:startExecution.waitForTaskToken", params);
    let parent = create(&sfn, "callback", &callback).await;
    let run = start(&sfn, &parent, json!({})).await;
    let child_run = submitted_child(&sfn, &run).await;
    let c = wait_closed(&sfn, &child_run).await;
    let token = parsed(c.input())["TaskToken"].as_str().unwrap().to_string();
    sfn.send_task_success().task_token(&token).output(r#"{"answered":true}"#).send().await.unwrap();
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(parsed(d.output()), json!({"answered": true}));

    tracing::info!("--- stopping a parent stops the .sync child it waits for");
    let params = json!({"StateMachineArn": waiting_child});
    let parent = create(&sfn, "stopped", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let run = start(&sfn, &parent, json!({})).await;
    let child_run = submitted_child(&sfn, &run).await;
    sfn.stop_execution().execution_arn(&run).send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &run).await.status(), &ExecutionStatus::Aborted);
    assert_eq!(wait_closed(&sfn, &child_run).await.status(), &ExecutionStatus::Aborted);

    tracing::info!("--- a parent failing in a sibling branch stops the .sync child too");
    let gate = sfn.create_activity().name("gate").send().await.unwrap().activity_arn().to_string();
    let definition = json!({"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Run", "States": {"Run": {"Type": "Task", "End": true,
            "Resource": "arn:aws:states:::states:startExecution.sync", "Parameters": {"StateMachineArn": waiting_child}}}},
        {"StartAt": "Gate", "States": {"Gate": {"Type": "Task", "Resource": gate, "End": true}}}]}}});
    let parent = create(&sfn, "sibling", &definition.to_string()).await;
    let run = start(&sfn, &parent, json!({})).await;
    let child_run = submitted_child(&sfn, &run).await;
    let (token, _) = take_task(&sfn, &gate, "worker").await;
    sfn.send_task_failure().task_token(&token).error("Closed").send().await.unwrap();
    let d = wait_closed(&sfn, &run).await;
    assert_eq!((d.status(), d.error()), (&ExecutionStatus::Failed, Some("Closed")));
    assert_eq!(wait_closed(&sfn, &child_run).await.status(), &ExecutionStatus::Aborted);
}

#[tokio::test]
async fn machines_work_activities_through_the_sdk_integration() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("work").send().await.unwrap().activity_arn().to_string();
    let scheduler = create(&sfn, "scheduler", &activity_machine(&activity)).await;

    tracing::info!("--- a worker machine takes the task with getActivityTask and completes it with sendTaskSuccess");
    let worker = json!({"StartAt": "Take", "States": {
        "Take": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:getActivityTask",
                 "Parameters": {"ActivityArn": activity, "WorkerName": "machine"}, "ResultPath": "$.task", "Next": "Done"},
        "Done": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                 "Parameters": {"TaskToken.$": "$.task.TaskToken", "Output.$": "$.task.Input"}, "End": true}}});
    let worker = create(&sfn, "worker", &worker.to_string()).await;
    let work = start(&sfn, &scheduler, json!({"job": 7})).await;
    let run = start(&sfn, &worker, json!({})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{:?}", d.cause());
    assert_eq!(parsed(d.output()), json!({}));
    let w = wait_closed(&sfn, &work).await;
    assert_eq!(w.status(), &ExecutionStatus::Succeeded);
    assert_eq!(parsed(w.output()), json!({"job": 7}));
    let started = history(&sfn, &work).await.into_iter().find_map(|e| e.activity_started_event_details().cloned());
    assert_eq!(started.and_then(|s| s.worker_name().map(str::to_string)).as_deref(), Some("machine"));
    let events = history(&sfn, &run).await;
    let scheduled = events.iter().find_map(|e| e.task_scheduled_event_details()).unwrap();
    assert_eq!((scheduled.resource_type(), scheduled.resource()), ("aws-sdk:sfn", "getActivityTask"));

    tracing::info!("--- an SDK call's error is Sfn.<Code>Exception, which a Catch handles");
    let missing = work.replace(":scheduler:", ":nobody:");
    let describe = json!({"StartAt": "Look", "States": {
        "Look": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                 "Parameters": {"ExecutionArn": missing},
                 "Catch": [{"ErrorEquals": ["Sfn.ExecutionDoesNotExistException"], "Next": "Missing"}], "End": true},
        "Missing": {"Type": "Succeed"}}});
    let describe = create(&sfn, "describe", &describe.to_string()).await;
    let run = start(&sfn, &describe, json!({})).await;
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let caught = parsed(d.output());
    assert_eq!(caught["Error"], "Sfn.ExecutionDoesNotExistException");

    tracing::info!("--- an SDK call answers PascalCase members");
    let describe = json!({"StartAt": "Look", "States": {
        "Look": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                 "Parameters": {"ExecutionArn": work}, "End": true}}});
    let describe = create(&sfn, "describe-found", &describe.to_string()).await;
    let d = wait_closed(&sfn, &start(&sfn, &describe, json!({})).await).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let described = parsed(d.output());
    assert_eq!((&described["ExecutionArn"], &described["Status"]), (&json!(work), &json!("SUCCEEDED")));
}

#[tokio::test]
async fn a_sync_parent_waits_for_its_child_across_a_restart() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("work").send().await.unwrap().activity_arn().to_string();
    let child = create(&sfn, "child", &activity_machine(&activity)).await;
    let params = json!({"StateMachineArn": child, "Input.$": "$"});
    let parent = create(&sfn, "parent", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let run = start(&sfn, &parent, json!({"job": 1})).await;
    let child_run = submitted_child(&sfn, &run).await;

    tracing::info!("--- the server restarts while the child waits for a worker; the parent still hears its end");
    let server = server.kill_and_restart();
    let sfn = server.client();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(serde_json::from_str::<Value>(&input).unwrap(), json!({"job": 1}));
    sfn.send_task_success().task_token(&token).output(r#"{"done":1}"#).send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &child_run).await.status(), &ExecutionStatus::Succeeded);
    let d = wait_closed(&sfn, &run).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(parsed(d.output())["Output"], json!({"done": 1}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_parents_hear_their_children_after_a_node_dies() {
    let mut cluster = TestCluster::start(3);
    cluster.wait_balanced().await;
    let sfn = cluster.clients();
    let activity = sfn[0].create_activity().name("work").send().await.unwrap().activity_arn().to_string();
    let child = create(&sfn[0], "child", &activity_machine(&activity)).await;
    let params = json!({"StateMachineArn": child, "Input.$": "$"});
    let parent =
        create(&sfn[0], "parent", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let mut runs = Vec::new();
    for n in 0..6 {
        let run = start(&sfn[n % 3], &parent, json!({"n": n})).await;
        submitted_child(&sfn[0], &run).await;
        runs.push(run);
    }

    tracing::info!("--- a node owning parents and children dies; their new owners carry the waits on");
    let leader = cluster.leader().await;
    let victim = cluster.nodes.iter().map(|n| n.id).find(|id| *id != leader).unwrap();
    cluster.kill(victim);
    cluster.wait_shards_on_live_nodes().await;
    let live = cluster.live_clients();
    for _ in 0..runs.len() {
        let (token, input) = take_task(&live[0], &activity, "worker").await;
        live[0].send_task_success().task_token(&token).output(input).send().await.unwrap();
    }
    for (n, run) in runs.iter().enumerate() {
        let d = wait_closed(&live[0], run).await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{run}");
        assert_eq!(parsed(d.output())["Output"], json!({"n": n}));
    }
}

#[tokio::test]
async fn children_run_in_the_parent_execution_account() {
    let server = TestServer::start_with_config(TWO_ACCOUNTS);
    let alpha = signed_client(&server.address, "AKIDALPHA", "alpha-secret");
    let beta = signed_client(&server.address, "AKIDBETA", "beta-secret");
    let alpha_child = create(&alpha, "child", PASS_MACHINE).await;
    let beta_child = create(&beta, "child", PASS_MACHINE).await;

    tracing::info!("--- a parent starts its own account's child");
    let params = json!({"StateMachineArn.$": "$.machine"});
    let parent = create(&beta, "parent", &task_machine("arn:aws:states:::states:startExecution.sync:2", params)).await;
    let d = wait_closed(&beta, &start(&beta, &parent, json!({"machine": beta_child})).await).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    let child_run = parsed(d.output())["ExecutionArn"].as_str().unwrap().to_string();
    assert!(child_run.starts_with("arn:aws:states:us-east-1:222222222222:execution:child:"), "{child_run}");

    tracing::info!("--- another account's state machine is out of its reach");
    let d = wait_closed(&beta, &start(&beta, &parent, json!({"machine": alpha_child})).await).await;
    assert_eq!(d.status(), &ExecutionStatus::Failed);
    assert!(d.error().unwrap().starts_with("StepFunctions."), "{:?}", d.error());
    let started = alpha.list_executions().state_machine_arn(&alpha_child).send().await.unwrap();
    assert!(started.executions().is_empty());
}
