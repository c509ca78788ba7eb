//! Amazon SWF's activity-worker operations on statehouse's task tokens (raw awsJson1_0, as SWF clients send
//! it), cancellation of abandoned tasks, heartbeat details in the history, and `Statehouse.SendTaskHeartbeats`.

use std::time::Duration;
use std::time::Instant;
use std::time::SystemTime;

use aws_sdk_sfn::config::Credentials;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::HistoryEventType;
use aws_sigv4::http_request::sign;
use aws_sigv4::http_request::SignableBody;
use aws_sigv4::http_request::SignableRequest;
use aws_sigv4::http_request::SigningSettings;
use aws_sigv4::sign::v4;
use serde_json::json;
use serde_json::Value;

use crate::server::code;
use crate::server::forge;
use crate::server::raw_post;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;
use crate::server::TWO_ACCOUNTS;

const UNKNOWN: &str = "com.amazonaws.swf.base.model#UnknownResourceFault";
const NOT_PERMITTED: &str = "com.amazonaws.swf.base.model#OperationNotPermittedFault";
const INVALID: &str = "com.amazon.coral.validate#ValidationException";

/// Calls `<prefix>.<op>` with a JSON body, unsigned; the status and the answer.
fn call(address: &str, target: &str, body: &Value) -> (u16, Value) {
    let headers = [("Host", address), ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", target)];
    raw_post(address, "/", &headers, &body.to_string())
}

/// Calls an SWF operation; the answer of a success, else panics.
fn swf(address: &str, op: &str, body: Value) -> Value {
    let (status, answer) = call(address, &format!("SimpleWorkflowService.{op}"), &body);
    assert_eq!(status, 200, "{op}: {answer}");
    answer
}

/// Calls an SWF operation that must fail; its `__type`.
fn swf_fault(address: &str, op: &str, body: Value) -> String {
    let (status, answer) = call(address, &format!("SimpleWorkflowService.{op}"), &body);
    assert_eq!(status, 400, "{op}: {answer}");
    answer["__type"].as_str().unwrap_or_default().to_string()
}

/// Polls the activity `name` through SWF until a task arrives (each poll waits the test server's 1 s).
fn swf_take(address: &str, name: &str) -> Value {
    for _ in 0..20 {
        let task = swf(address, "PollForActivityTask", json!({"domain": "d", "taskList": {"name": name}}));
        if task["taskToken"].as_str().is_some_and(|t| !t.is_empty()) {
            return task;
        }
    }
    panic!("no task for {name}");
}

/// Takes a task through Step Functions' GetActivityTask; its token.
async fn sfn_take(sfn: &aws_sdk_sfn::Client, activity: &str) -> String {
    for _ in 0..20 {
        let t = sfn.get_activity_task().activity_arn(activity).send().await.unwrap();
        if let Some(token) = t.task_token() {
            return token.to_string();
        }
    }
    panic!("no task for {activity}");
}

fn heartbeat(address: &str, token: &str, details: &str) -> bool {
    let answer = swf(address, "RecordActivityTaskHeartbeat", json!({"taskToken": token, "details": details}));
    answer["cancelRequested"].as_bool().expect("cancelRequested")
}

/// Waits until the heartbeat of `token` answers `cancelRequested: true` (the abandoning decision commits
/// asynchronously), bounded.
fn wait_cancel_requested(address: &str, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !heartbeat(address, token, "still here") {
        assert!(Instant::now() < deadline, "no cancel was requested within 10 s");
    }
}

async fn machine(sfn: &aws_sdk_sfn::Client, name: &str, definition: String) -> String {
    let m = sfn.create_state_machine().name(name).definition(definition).role_arn(ROLE).send().await.unwrap();
    m.state_machine_arn().to_string()
}

async fn start(sfn: &aws_sdk_sfn::Client, machine: &str, input: &str) -> String {
    sfn.start_execution().state_machine_arn(machine).input(input).send().await.unwrap().execution_arn().to_string()
}

#[tokio::test]
async fn swf_workers_take_heartbeat_and_hear_that_a_stopped_execution_wants_them_to_cancel() {
    let server = TestServer::start();
    let (sfn, address) = (server.client(), server.address.as_str());
    let activity = sfn.create_activity().name("work").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","HeartbeatSeconds":30,"End":true}}}}}}"#
    );
    let machine = machine(&sfn, "work", definition).await;

    tracing::info!("--- an empty poll answers an empty taskToken; an unknown task list is UnknownResourceFault");
    {
        let empty = swf(address, "PollForActivityTask", json!({"domain": "d", "taskList": {"name": "work"}}));
        assert_eq!(empty["taskToken"], "");
        let body = json!({"domain": "d", "taskList": {"name": "nope"}});
        assert_eq!(swf_fault(address, "PollForActivityTask", body), UNKNOWN);
        assert_eq!(swf_fault(address, "PollForActivityTask", json!({"domain": "d"})), INVALID);
    }

    tracing::info!("--- PollForActivityTask answers SWF's ActivityTask for the activity named by the task list");
    let execution = start(&sfn, &machine, r#"{"job":1}"#).await;
    let task = swf_take(address, "work");
    let token = task["taskToken"].as_str().unwrap().to_string();
    {
        assert_eq!(task["input"], r#"{"job":1}"#);
        assert_eq!(task["activityType"]["name"], "work");
        assert_eq!(task["workflowExecution"]["workflowId"], execution.as_str());
        assert!(task["workflowExecution"]["runId"].as_str().is_some_and(|r| !r.is_empty() && r.len() <= 64));
        assert!(task["activityId"].as_str().is_some_and(|a| !a.is_empty()));
        let history = sfn.get_execution_history().execution_arn(&execution).send().await.unwrap();
        let started = history.events().iter().find(|e| e.r#type() == &HistoryEventType::ActivityStarted).unwrap();
        assert_eq!(task["startedEventId"], started.id());
    }

    tracing::info!("--- heartbeats with details read cancelRequested false; limits and faults are SWF's");
    {
        assert!(!heartbeat(address, &token, "25%"));
        assert!(!heartbeat(address, &token, &"x".repeat(2048)));
        let long = json!({"taskToken": token, "details": "x".repeat(2049)});
        assert_eq!(swf_fault(address, "RecordActivityTaskHeartbeat", long), INVALID);
        assert_eq!(swf_fault(address, "RecordActivityTaskHeartbeat", json!({})), INVALID);
        let forged = forge(&token);
        assert_eq!(swf_fault(address, "RecordActivityTaskHeartbeat", json!({"taskToken": forged})), UNKNOWN);
        let body = json!({"taskToken": token});
        assert_eq!(swf_fault(address, "RespondActivityTaskCanceled", body), NOT_PERMITTED, "nobody asked to cancel");
        let (status, answer) = call(address, "AWSStepFunctions.RecordActivityTaskHeartbeat", &json!({}));
        assert_eq!(
            (status, answer["__type"].as_str()),
            (400, Some("com.amazon.coral.service#UnknownOperationException"))
        );
    }

    tracing::info!("--- the execution is stopped: the next heartbeat reads true, then the worker reports it cancelled");
    {
        sfn.stop_execution().execution_arn(&execution).send().await.unwrap();
        wait_cancel_requested(address, &token);
        assert_eq!(code(sfn.send_task_heartbeat().task_token(&token).send().await), "TaskTimedOut");
        let body = json!({"taskToken": token, "result": "{}"});
        assert_eq!(swf_fault(address, "RespondActivityTaskCompleted", body), UNKNOWN);
        swf(address, "RespondActivityTaskCanceled", json!({"taskToken": token, "details": "stopped at 25%"}));
        assert_eq!(swf_fault(address, "RecordActivityTaskHeartbeat", json!({"taskToken": token})), UNKNOWN);
        assert_eq!(swf_fault(address, "RespondActivityTaskCanceled", json!({"taskToken": token})), UNKNOWN);
    }
}

#[tokio::test]
async fn a_silent_workers_last_details_become_the_timeouts_cause_and_a_catch_reads_them() {
    let server = TestServer::start();
    let (sfn, address) = (server.client(), server.address.as_str());
    let activity = sfn.create_activity().name("resumable").send().await.unwrap().activity_arn().to_string();
    let definition = json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task", "Resource": activity, "HeartbeatSeconds": 2, "End": true,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Resume"}],
            },
            "Resume": {"Type": "Pass", "Parameters": {"resumeFrom.$": "$.Cause", "error.$": "$.Error"}, "End": true},
        },
    });
    let machine = machine(&sfn, "resumable", definition.to_string()).await;
    let execution = start(&sfn, &machine, "{}").await;
    let token = sfn_take(&sfn, &activity).await;

    tracing::info!("--- the worker reports a checkpoint, then goes silent");
    assert!(!heartbeat(address, &token, "checkpoint-7"));
    let closed = wait_closed(&sfn, &execution).await;
    assert_eq!(closed.status(), &ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(closed.output().unwrap()).unwrap();
    assert_eq!(output, json!({"resumeFrom": "checkpoint-7", "error": "States.Timeout"}));
    let history = sfn.get_execution_history().execution_arn(&execution).send().await.unwrap();
    let timed_out =
        history.events().iter().find_map(|e| e.activity_timed_out_event_details()).expect("ActivityTimedOut");
    assert_eq!(timed_out.error(), Some("States.Timeout"));
    assert_eq!(timed_out.cause(), Some("checkpoint-7"));
}

#[tokio::test]
async fn swf_poll_then_complete_or_fail_runs_executions_to_their_end() {
    let server = TestServer::start();
    let (sfn, address) = (server.client(), server.address.as_str());
    let activity = sfn.create_activity().name("job").send().await.unwrap().activity_arn().to_string();
    let definition =
        format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#);
    let machine = machine(&sfn, "job", definition).await;

    tracing::info!("--- RespondActivityTaskCompleted: the result is the output");
    {
        let execution = start(&sfn, &machine, "{}").await;
        let token = swf_take(address, "job")["taskToken"].as_str().unwrap().to_string();
        swf(address, "RespondActivityTaskCompleted", json!({"taskToken": token, "result": r#"{"ok":true}"#}));
        let closed = wait_closed(&sfn, &execution).await;
        assert_eq!(closed.status(), &ExecutionStatus::Succeeded);
        assert_eq!(closed.output(), Some(r#"{"ok":true}"#));
        let body = json!({"taskToken": token, "result": "{}"});
        assert_eq!(swf_fault(address, "RespondActivityTaskCompleted", body), UNKNOWN, "a closed task");
    }

    tracing::info!("--- RespondActivityTaskFailed: reason and details are the error and cause");
    {
        let execution = start(&sfn, &machine, "{}").await;
        let token = swf_take(address, "job")["taskToken"].as_str().unwrap().to_string();
        let body = json!({"taskToken": token, "reason": "Disk.Full", "details": "no space left"});
        swf(address, "RespondActivityTaskFailed", body);
        let closed = wait_closed(&sfn, &execution).await;
        assert_eq!(closed.status(), &ExecutionStatus::Failed);
        assert_eq!((closed.error(), closed.cause()), (Some("Disk.Full"), Some("no space left")));
    }
}

#[tokio::test]
async fn abandoned_parallel_branches_and_map_iterations_ask_their_workers_to_cancel() {
    let server = TestServer::start();
    let (sfn, address) = (server.client(), server.address.as_str());
    let slow = sfn.create_activity().name("slow").send().await.unwrap().activity_arn().to_string();
    let quick = sfn.create_activity().name("quick").send().await.unwrap().activity_arn().to_string();
    let task = |activity: &str| json!({"Type": "Task", "Resource": activity, "End": true});

    tracing::info!("--- a Parallel branch fails and is caught: its sibling's worker hears cancelRequested");
    {
        let definition = json!({
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel", "Next": "Done",
                    "Branches": [
                        {"StartAt": "S", "States": {"S": task(&slow)}},
                        {"StartAt": "Q", "States": {"Q": task(&quick)}},
                    ],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Linger"}],
                },
                "Linger": {"Type": "Wait", "Seconds": 300, "End": true},
                "Done": {"Type": "Succeed"},
            },
        });
        let machine = machine(&sfn, "parallel", definition.to_string()).await;
        let execution = start(&sfn, &machine, "{}").await;
        let slow_token = sfn_take(&sfn, &slow).await;
        let quick_token = sfn_take(&sfn, &quick).await;
        assert!(!heartbeat(address, &slow_token, "working"));
        sfn.send_task_failure().task_token(&quick_token).error("Boom").send().await.unwrap();
        wait_cancel_requested(address, &slow_token);
        let d = sfn.describe_execution().execution_arn(&execution).send().await.unwrap();
        assert_eq!(d.status(), &ExecutionStatus::Running, "the Catch moved on");
        assert_eq!(code(sfn.send_task_success().task_token(&slow_token).output("{}").send().await), "TaskTimedOut");
        swf(address, "RespondActivityTaskCanceled", json!({"taskToken": slow_token}));
        sfn.stop_execution().execution_arn(&execution).send().await.unwrap();
    }

    tracing::info!("--- a Map iteration fails: the other iteration's worker hears cancelRequested");
    {
        let definition = json!({
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map", "End": true,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Pick",
                        "States": {
                            "Pick": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "S"}], "Default": "Q"},
                            "S": task(&slow),
                            "Q": task(&quick),
                        },
                    },
                },
            },
        });
        let machine = machine(&sfn, "map", definition.to_string()).await;
        let execution = start(&sfn, &machine, "[0, 1]").await;
        let slow_token = sfn_take(&sfn, &slow).await;
        let quick_token = sfn_take(&sfn, &quick).await;
        sfn.send_task_failure().task_token(&quick_token).error("Boom").send().await.unwrap();
        wait_cancel_requested(address, &slow_token);
        assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Failed);
    }
}

#[tokio::test]
async fn batched_heartbeats_answer_each_token_on_its_own() {
    let server = TestServer::start();
    let (sfn, address) = (server.client(), server.address.as_str());
    let activity = sfn.create_activity().name("many").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","HeartbeatSeconds":60,"End":true}}}}}}"#
    );
    let machine = machine(&sfn, "many", definition).await;
    let open_execution = start(&sfn, &machine, "{}").await;
    let open = sfn_take(&sfn, &activity).await;
    let stopped_execution = start(&sfn, &machine, "{}").await;
    let stopped = sfn_take(&sfn, &activity).await;
    start(&sfn, &machine, "{}").await;
    let closed = sfn_take(&sfn, &activity).await;
    sfn.send_task_success().task_token(&closed).output("{}").send().await.unwrap();
    sfn.stop_execution().execution_arn(&stopped_execution).send().await.unwrap();
    wait_cancel_requested(address, &stopped);
    let forged = forge(&open);

    tracing::info!("--- good, cancel-requested, closed, forged and over-long entries, answered in order");
    {
        let body = json!({"heartbeats": [
            {"taskToken": open, "details": "1/3"},
            {"taskToken": stopped},
            {"taskToken": closed},
            {"taskToken": forged},
            {"taskToken": open, "details": "x".repeat(2049)},
            {},
        ]});
        let (status, answer) = call(address, "Statehouse.SendTaskHeartbeats", &body);
        assert_eq!(status, 200, "{answer}");
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results[0], json!({"cancelRequested": false}));
        assert_eq!(results[1], json!({"cancelRequested": true}));
        assert_eq!(results[2]["error"], "TaskTimedOut");
        assert_eq!(results[3]["error"], "InvalidToken");
        assert_eq!(results[4]["error"], "ValidationException");
        assert_eq!(results[5]["error"], "ValidationException");
        assert_eq!(results.len(), 6);
    }

    tracing::info!("--- 1 to 1,000 entries");
    {
        for body in
            [json!({}), json!({"heartbeats": []}), json!({"heartbeats": vec![json!({"taskToken": open}); 1001]})]
        {
            let (status, answer) = call(address, "Statehouse.SendTaskHeartbeats", &body);
            assert_eq!((status, answer["__type"].as_str()), (400, Some(INVALID)));
        }
        let body = json!({"heartbeats": vec![json!({"taskToken": open}); 1000]});
        let (status, answer) = call(address, "Statehouse.SendTaskHeartbeats", &body);
        assert_eq!(status, 200);
        assert!(answer["results"].as_array().unwrap().iter().all(|r| r == &json!({"cancelRequested": false})));
    }
    let d = sfn.describe_execution().execution_arn(&open_execution).send().await.unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Running);
}

/// Calls an SWF operation signed (in the Authorization header) with `key`/`secret` for `service`.
fn signed_swf(address: &str, op: &str, body: &Value, (key, secret): (&str, &str), service: &str) -> (u16, Value) {
    let target = format!("SimpleWorkflowService.{op}");
    let body = body.to_string();
    let headers = [("host", address), ("content-type", "application/x-amz-json-1.0"), ("x-amz-target", &target)];
    let identity = Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let url = format!("http://{address}/");
    let request = SignableRequest::new("POST", &url, headers.iter().copied(), SignableBody::Bytes(body.as_bytes()))
        .expect("signable");
    let (instructions, _) = sign(request, &params).expect("sign").into_parts();
    let mut signed = http::Request::builder().uri(&url).body(()).expect("request");
    for (name, value) in headers {
        signed.headers_mut().insert(name, value.parse().unwrap());
    }
    instructions.apply_to_request_http1x(&mut signed);
    let headers: Vec<(String, String)> =
        signed.headers().iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string())).collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    raw_post(address, "/", &headers, &body)
}

#[tokio::test]
async fn with_sigv4_on_swf_calls_are_signed_for_swf_and_stay_within_their_account() {
    let server = TestServer::start_with_config(TWO_ACCOUNTS);
    let address = server.address.as_str();
    let alpha = crate::server::signed_client(address, "AKIDALPHA", "alpha-secret");
    let activity = alpha.create_activity().name("work").send().await.unwrap().activity_arn().to_string();
    let definition =
        format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#);
    let machine = machine(&alpha, "work", definition).await;
    start(&alpha, &machine, "{}").await;
    let token = sfn_take(&alpha, &activity).await;
    let body = json!({"taskToken": token, "details": "signed"});

    tracing::info!("--- scoped to swf: accepted; scoped to states or unsigned: refused");
    {
        let (status, answer) =
            signed_swf(address, "RecordActivityTaskHeartbeat", &body, ("AKIDALPHA", "alpha-secret"), "swf");
        assert_eq!((status, answer), (200, json!({"cancelRequested": false})));
        let (status, answer) =
            signed_swf(address, "RecordActivityTaskHeartbeat", &body, ("AKIDALPHA", "alpha-secret"), "states");
        assert_eq!(
            (status, answer["__type"].as_str()),
            (400, Some("com.amazon.coral.service#InvalidSignatureException"))
        );
        let (status, _) = call(address, "SimpleWorkflowService.RecordActivityTaskHeartbeat", &body);
        assert_eq!(status, 403);
    }

    tracing::info!("--- another account's token is OperationNotPermittedFault");
    {
        let (status, answer) =
            signed_swf(address, "RecordActivityTaskHeartbeat", &body, ("AKIDBETA", "beta-secret"), "swf");
        assert_eq!((status, answer["__type"].as_str()), (400, Some(NOT_PERMITTED)));
    }
}

#[tokio::test]
async fn in_a_cluster_every_node_forwards_swf_heartbeats_details_and_cancels_to_the_owner() {
    let cluster = crate::cluster::TestCluster::start(3);
    cluster.wait_balanced().await;
    let sfn = cluster.clients();
    let api: Vec<String> = cluster.nodes.iter().map(|n| n.api.clone()).collect();
    let activity = sfn[0].create_activity().name("spread").send().await.unwrap().activity_arn().to_string();
    let definition = json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task", "Resource": activity, "HeartbeatSeconds": 3, "End": true,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Resume"}],
            },
            "Resume": {"Type": "Pass", "Parameters": {"resumeFrom.$": "$.Cause"}, "End": true},
        },
    });
    let machine = machine(&sfn[0], "spread", definition.to_string()).await;

    tracing::info!("--- executions on every shard owner: heartbeats with details through each node, then silence");
    let mut silent = Vec::new();
    for i in 0..3 {
        let execution = start(&sfn[i], &machine, "{}").await;
        let token = swf_take(&api[(i + 1) % 3], "spread")["taskToken"].as_str().unwrap().to_string();
        for (n, address) in api.iter().enumerate() {
            assert!(!heartbeat(address, &token, &format!("step-{i}-{n}")));
        }
        silent.push((execution, format!("step-{i}-2")));
    }
    for (execution, details) in &silent {
        let closed = wait_closed(&sfn[0], execution).await;
        let output: Value = serde_json::from_str(closed.output().unwrap()).unwrap();
        assert_eq!(output, json!({"resumeFrom": details}), "{execution}");
    }

    tracing::info!("--- stopped executions: every node answers cancelRequested, any node takes the cancel");
    for i in 0..3 {
        let execution = start(&sfn[i], &machine, "{}").await;
        let token = swf_take(&api[i], "spread")["taskToken"].as_str().unwrap().to_string();
        sfn[(i + 2) % 3].stop_execution().execution_arn(&execution).send().await.unwrap();
        for address in &api {
            wait_cancel_requested(address, &token);
        }
        swf(&api[(i + 1) % 3], "RespondActivityTaskCanceled", json!({"taskToken": token}));
        for address in &api {
            assert_eq!(swf_fault(address, "RecordActivityTaskHeartbeat", json!({"taskToken": token})), UNKNOWN);
        }
    }
}
