//! Activities, task tokens, heartbeats and callbacks through the SDK.

use std::collections::HashSet;
use std::io::BufRead;
use std::io::BufReader;
use std::io::Read;
use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;
use std::time::Instant;

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::code;
use crate::server::forge;
use crate::server::history_types;
use crate::server::take_task;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

fn activity_machine(activity: &str, extra: &str) -> String {
    format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}"{extra},"End":true}}}}}}"#)
}

#[tokio::test]
async fn workers_heartbeat_succeed_and_time_out_as_on_aws() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("work").send().await.unwrap().activity_arn().to_string();

    tracing::info!("--- a worker heartbeats past HeartbeatSeconds several times, then succeeds");
    let def = activity_machine(&activity, r#","HeartbeatSeconds":2,"TimeoutSeconds":30"#);
    let m = sfn.create_state_machine().name("beats").definition(def).role_arn(ROLE).send().await.unwrap();
    let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).input(r#"{"job":1}"#).send().await.unwrap();
    let (token, input) = take_task(&sfn, &activity, "w1").await;
    assert_eq!(input, r#"{"job":1}"#);
    let until = Instant::now() + Duration::from_millis(4500);
    while Instant::now() < until {
        sfn.send_task_heartbeat().task_token(&token).send().await.expect("heartbeat accepted");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    sfn.send_task_success().task_token(&token).output(r#"{"done":true}"#).send().await.unwrap();
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.output(), Some(r#"{"done":true}"#));
    let history = sfn.get_execution_history().execution_arn(e.execution_arn()).send().await.unwrap();
    let started = history.events().iter().find_map(|e| e.activity_started_event_details()).unwrap();
    assert_eq!(started.worker_name(), Some("w1"));
    assert_eq!(
        history_types(&sfn, e.execution_arn()).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        code(sfn.send_task_success().task_token(&token).output("{}").send().await),
        "TaskTimedOut",
        "second completion"
    );
    assert_eq!(code(sfn.send_task_heartbeat().task_token(&token).send().await), "TaskTimedOut");

    tracing::info!("--- a worker that stops heartbeating: ActivityTimedOut, Retry once, then Catch");
    let def = format!(
        r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","HeartbeatSeconds":1,
            "Retry":[{{"ErrorEquals":["States.Timeout"],"MaxAttempts":1,"IntervalSeconds":1}}],
            "Catch":[{{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}}],"End":true}},
            "Caught":{{"Type":"Pass","End":true}}}}}}"#
    );
    let m = sfn.create_state_machine().name("silent").definition(def).role_arn(ROLE).send().await.unwrap();
    let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).input("{}").send().await.unwrap();
    let (first, _) = take_task(&sfn, &activity, "quiet").await;
    let started_at = Instant::now();
    let (second, _) = take_task(&sfn, &activity, "quiet").await;
    assert_ne!(first, second, "a retry is a new task with a new token");
    assert!(started_at.elapsed() >= Duration::from_secs(1), "never before last heartbeat + HeartbeatSeconds");
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.output(), Some(r#"{"error":{"Error":"States.Timeout"}}"#));
    assert_eq!(
        history_types(&sfn, e.execution_arn()).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityTimedOut",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityTimedOut",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    );
    assert_eq!(
        code(sfn.send_task_success().task_token(&first).output("{}").send().await),
        "TaskTimedOut",
        "success after timeout"
    );

    tracing::info!("--- TimeoutSeconds is reached despite heartbeats");
    let def = activity_machine(&activity, r#","HeartbeatSeconds":1,"TimeoutSeconds":2"#);
    let m = sfn.create_state_machine().name("hard").definition(def).role_arn(ROLE).send().await.unwrap();
    let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).send().await.unwrap();
    let (token, _) = take_task(&sfn, &activity, "busy").await;
    let mut refused = None;
    for _ in 0..40 {
        if let Err(err) = sfn.send_task_heartbeat().task_token(&token).send().await {
            refused = Some(err.into_service_error().meta().code().unwrap_or_default().to_string());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(refused.as_deref(), Some("TaskTimedOut"));
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!((d.status(), d.error()), (&ExecutionStatus::Failed, Some("States.Timeout")));

    tracing::info!("--- tokens this cluster did not sign are InvalidToken");
    assert_eq!(code(sfn.send_task_heartbeat().task_token("garbage").send().await), "InvalidToken");
    let forged = forge(&token);
    assert_eq!(code(sfn.send_task_success().task_token(&forged).output("{}").send().await), "InvalidToken");
}

#[tokio::test]
async fn stop_execution_closes_open_tokens() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("stoppable").send().await.unwrap().activity_arn().to_string();
    let def = activity_machine(&activity, r#","HeartbeatSeconds":60"#);
    let m = sfn.create_state_machine().name("stopme").definition(def).role_arn(ROLE).send().await.unwrap();
    let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).send().await.unwrap();
    let (token, _) = take_task(&sfn, &activity, "w").await;
    sfn.send_task_heartbeat().task_token(&token).send().await.unwrap();
    sfn.stop_execution().execution_arn(e.execution_arn()).send().await.unwrap();
    assert_eq!(code(sfn.send_task_heartbeat().task_token(&token).send().await), "TaskTimedOut");
    assert_eq!(code(sfn.send_task_success().task_token(&token).output("{}").send().await), "TaskTimedOut");
    let types = history_types(&sfn, e.execution_arn()).await;
    assert_eq!(types[types.len() - 2..], ["TaskStateAborted", "ExecutionAborted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_pollers_get_each_task_exactly_once() {
    const TASKS: usize = 1000;
    const POLLERS: usize = 50;
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("bulk").send().await.unwrap().activity_arn().to_string();
    let m = sfn
        .create_state_machine()
        .name("bulk")
        .definition(activity_machine(&activity, ""))
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let starts = futures_like_join(
        (0..TASKS)
            .map(|i| {
                let sfn = sfn.clone();
                let arn = m.state_machine_arn().to_string();
                tokio::spawn(async move {
                    sfn.start_execution()
                        .state_machine_arn(arn)
                        .name(format!("t{i}"))
                        .input(format!(r#"{{"i":{i}}}"#))
                        .send()
                        .await
                        .unwrap()
                })
            })
            .collect(),
    )
    .await;
    assert_eq!(starts.len(), TASKS);

    let (tx, rx) = mpsc::channel::<(String, String)>();
    let remaining = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(TASKS));
    let workers: Vec<_> = (0..POLLERS)
        .map(|w| {
            let sfn = sfn.clone();
            let activity = activity.clone();
            let tx = tx.clone();
            let remaining = remaining.clone();
            tokio::spawn(async move {
                while remaining.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                    let t = sfn
                        .get_activity_task()
                        .activity_arn(&activity)
                        .worker_name(format!("w{w}"))
                        .send()
                        .await
                        .unwrap();
                    let Some(token) = t.task_token() else { continue };
                    remaining.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    sfn.send_task_success().task_token(token).output(t.input().unwrap()).send().await.unwrap();
                    tx.send((token.to_string(), t.input().unwrap().to_string())).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    futures_like_join(workers).await;
    let delivered: Vec<(String, String)> = rx.iter().collect();
    assert_eq!(delivered.len(), TASKS, "every task delivered");
    let tokens: HashSet<&String> = delivered.iter().map(|(t, _)| t).collect();
    let inputs: HashSet<&String> = delivered.iter().map(|(_, i)| i).collect();
    assert_eq!((tokens.len(), inputs.len()), (TASKS, TASKS), "no task delivered twice");
    let succeeded = sfn
        .list_executions()
        .state_machine_arn(m.state_machine_arn())
        .status_filter(ExecutionStatus::Succeeded)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(succeeded.executions().len(), TASKS);
}

async fn futures_like_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task panicked"));
    }
    out
}

/// A connector endpoint: answers every POST with `answer` and reports (token header, body) of each call.
fn connector(answer: &'static str) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut token, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("x-statehouse-task-token:") {
                    token = line.split_once(':').unwrap().1.trim().to_string();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = tx.send((token, String::from_utf8(body).unwrap()));
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (format!("http://{address}/"), rx)
}

#[tokio::test]
async fn callbacks_and_request_response_through_connectors() {
    let (sqs, sqs_calls) = connector(r#"{"MessageId":"m-1"}"#);
    let (lambda, lambda_calls) = connector(r#"{"sum":3}"#);
    let server = TestServer::start_with_config(&format!(
        "[connectors]\n\"sqs:sendMessage\" = \"{sqs}\"\n\"lambda:invoke\" = \"{lambda}\"\n"
    ));
    let sfn = server.client();

    tracing::info!("--- .waitForTaskToken: the connector gets the token, SendTaskSuccess resumes the execution");
    let def = r#"{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token","order.$":"$.order"}},"End":true}}}"#;
    let m = sfn.create_state_machine().name("callback").definition(def).role_arn(ROLE).send().await.unwrap();
    let e =
        sfn.start_execution().state_machine_arn(m.state_machine_arn()).input(r#"{"order":7}"#).send().await.unwrap();
    let (header_token, body) = sqs_calls.recv_timeout(Duration::from_secs(10)).expect("connector called");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["MessageBody"]["order"], 7);
    assert_eq!(body["MessageBody"]["token"], header_token.as_str(), "$$.Task.Token is the token sent along");
    for _ in 0..200 {
        if history_types(&sfn, e.execution_arn()).await.iter().any(|t| t == "TaskSubmitted") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    sfn.send_task_heartbeat().task_token(&header_token).send().await.unwrap();
    sfn.send_task_success().task_token(&header_token).output(r#"{"shipped":true}"#).send().await.unwrap();
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!((d.status(), d.output()), (&ExecutionStatus::Succeeded, Some(r#"{"shipped":true}"#)));
    assert_eq!(
        history_types(&sfn, e.execution_arn()).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );

    tracing::info!("--- request-response lambda:invoke follows Lambda's Payload convention");
    let def = r#"{"StartAt":"Add","States":{"Add":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"add","Payload.$":"$"},"ResultSelector":{"sum.$":"$.Payload.sum"},"End":true}}}"#;
    let m = sfn.create_state_machine().name("lambda").definition(def).role_arn(ROLE).send().await.unwrap();
    let e =
        sfn.start_execution().state_machine_arn(m.state_machine_arn()).input(r#"{"a":1,"b":2}"#).send().await.unwrap();
    let (_, payload) = lambda_calls.recv_timeout(Duration::from_secs(10)).expect("lambda connector called");
    assert_eq!(payload, r#"{"a":1,"b":2}"#);
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!((d.status(), d.output()), (&ExecutionStatus::Succeeded, Some(r#"{"sum":3}"#)));

    tracing::info!("--- an integration without a connector fails the task with States.Runtime");
    let def = r#"{"StartAt":"Pub","States":{"Pub":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"Message":"x"},"End":true}}}"#;
    let m = sfn.create_state_machine().name("noconn").definition(def).role_arn(ROLE).send().await.unwrap();
    let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).send().await.unwrap();
    let d = wait_closed(&sfn, e.execution_arn()).await;
    assert_eq!((d.status(), d.error()), (&ExecutionStatus::Failed, Some("States.Runtime")));
    assert!(d.cause().unwrap().contains("sns:publish"), "{:?}", d.cause());
}
