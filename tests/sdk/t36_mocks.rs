//! Testing workflows with mocks: a mock configuration in Step Functions Local's format, test cases run by
//! StartExecution on `<stateMachineArn>#<case>`, every Task resource form, and scaled waits.

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use std::time::Instant;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::HistoryEvent;
use serde_json::json;
use serde_json::Value;

use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

const ORDERS: &str = include_str!("../../examples/mocks/Orders.asl.json");
const MOCKS: &str = include_str!("../../examples/mocks/MockConfigFile.json");

/// A machine with one Task state of every mockable form but a plain Lambda ARN (covered by Orders), and an
/// SDK integration that is neither mocked nor has a connector.
const FORMS: &str = r#"{"StartAt":"Job","States":{
  "Job":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Next":"Callback"},
  "Callback":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters":{"QueueUrl":"q","MessageBody":{"Token.$":"$$.Task.Token"}},"Next":"Sdk"},
  "Sdk":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"End":true}}}"#;

/// The example mock file, plus test cases for [`FORMS`] and one naming a state Orders does not have.
fn mock_file() -> String {
    let mut mocks: Value = serde_json::from_str(MOCKS).expect("the example mock file is JSON");
    mocks["StateMachines"]["Orders"]["TestCases"]["Ghost"] = json!({"Ship": "ChargeSucceeds"});
    mocks["StateMachines"]["Forms"] = json!({"TestCases": {"Mocked": {"Job": "JobDone", "Callback": "Called"}}});
    mocks["MockedResponses"]["JobDone"] = json!({"0": {"Return": {"TaskArn": "t1", "LastStatus": "STOPPED"}}});
    mocks["MockedResponses"]["Called"] = json!({"0": {"Return": {"approved": true}}});
    mocks["StateMachines"]["ExpressOrders"] = mocks["StateMachines"]["Orders"].clone();
    mocks.to_string()
}

async fn history(sfn: &aws_sdk_sfn::Client, arn: &str) -> Vec<HistoryEvent> {
    sfn.get_execution_history().execution_arn(arn).send().await.expect("history").events().to_vec()
}

fn types(events: &[HistoryEvent]) -> Vec<&str> {
    events.iter().map(|e| e.r#type().as_str()).collect()
}

/// Runs the test case `case` of `machine_arn` with `input` to its end.
async fn run_case(
    sfn: &aws_sdk_sfn::Client,
    machine_arn: &str,
    case: &str,
    input: &str,
) -> (aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput, Vec<HistoryEvent>) {
    let name = format!("{}-run", case.to_lowercase());
    let started = sfn
        .start_execution()
        .state_machine_arn(format!("{machine_arn}#{case}"))
        .name(&name)
        .input(input)
        .send()
        .await
        .unwrap_or_else(|e| panic!("start {case}: {:?}", e.into_service_error()));
    let machine = machine_arn.rsplit(':').next().unwrap_or_default();
    assert!(started.execution_arn().ends_with(&format!(":execution:{machine}:{name}")), "no '#{case}' in the ARN");
    let described = wait_closed(sfn, started.execution_arn()).await;
    assert_eq!(described.state_machine_arn(), machine_arn, "the execution belongs to the machine, not the case");
    let events = history(sfn, started.execution_arn()).await;
    let chain: Vec<(i64, i64)> = events.iter().map(|e| (e.id(), e.previous_event_id())).collect();
    let linear: Vec<(i64, i64)> = (1..=events.len() as i64).map(|id| (id, if id <= 2 { 0 } else { id - 1 })).collect();
    assert_eq!(chain, linear, "{case}: each event follows the one before it");
    (described, events)
}

#[tokio::test]
async fn test_cases_run_mocked_calls_as_step_functions_local_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mock_path = dir.path().join("MockConfigFile.json");
    std::fs::write(&mock_path, mock_file()).expect("write mock file");
    let server =
        TestServer::start_with_config(&format!("mock_config = \"{}\"\nwait_time_scale = 0.01\n", mock_path.display()));
    let sfn = server.client();
    let orders = sfn.create_state_machine().name("Orders").definition(ORDERS).role_arn(ROLE).send().await.unwrap();
    let orders = orders.state_machine_arn().to_string();

    tracing::info!("--- HappyPath: both calls answer from their mocks, with the events real calls write");
    {
        let (d, events) = run_case(&sfn, &orders, "HappyPath", r#"{"order":7}"#).await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded);
        assert_eq!(d.output(), Some(r#"{"notified":7}"#));
        assert_eq!(
            types(&events),
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskSucceeded",
                "TaskStateExited",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded",
            ]
        );
        let scheduled = events[2].task_scheduled_event_details().expect("TaskScheduled details");
        assert_eq!((scheduled.resource_type(), scheduled.resource()), ("lambda", "invoke"));
        assert_eq!(scheduled.parameters(), r#"{"FunctionName":"charge","Payload":{"order":7}}"#);
        let succeeded = events[4].task_succeeded_event_details().expect("TaskSucceeded details");
        assert_eq!(succeeded.output(), Some(r#"{"StatusCode":200,"Payload":{"charged":true,"order":7}}"#));
        let lambda = events[7].lambda_function_scheduled_event_details().expect("LambdaFunctionScheduled details");
        assert_eq!(lambda.resource(), "arn:aws:lambda:us-east-1:123456789012:function:notify");
        assert_eq!(lambda.input(), Some(r#"{"charged":true,"order":7}"#));
        let answered = events[9].lambda_function_succeeded_event_details().expect("LambdaFunctionSucceeded details");
        assert_eq!(answered.output(), Some(r#"{"notified":7}"#), "a Lambda function answers its Payload");
    }

    tracing::info!("--- RetryPath: invocation 0 throws, the retry is invocation 1 and returns");
    {
        let (d, events) = run_case(&sfn, &orders, "RetryPath", r#"{"order":7}"#).await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded);
        assert_eq!(d.output(), Some(r#"{"notified":7}"#));
        assert_eq!(
            types(&events),
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskFailed",
                "TaskScheduled",
                "TaskStarted",
                "TaskSucceeded",
                "TaskStateExited",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded",
            ]
        );
        let failed = events[4].task_failed_event_details().expect("TaskFailed details");
        assert_eq!(failed.error(), Some("Lambda.TooManyRequestsException"));
        assert_eq!(failed.cause(), Some("Rate exceeded."));
        assert_eq!((failed.resource_type(), failed.resource()), ("lambda", "invoke"));
        let retried_after = events[5].timestamp().to_millis().unwrap() - events[4].timestamp().to_millis().unwrap();
        assert!(retried_after < 1_000, "the 2 s retry interval is scaled by 0.01: {retried_after} ms");
    }

    tracing::info!("--- CatchPath: the thrown error is caught and the execution goes on in Refund");
    {
        let (d, events) = run_case(&sfn, &orders, "CatchPath", r#"{"order":7}"#).await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded);
        let output: Value = serde_json::from_str(d.output().unwrap()).unwrap();
        assert_eq!(
            output,
            json!({"order": 7, "error": {"Error": "PaymentDeclined", "Cause": "The card was declined."}, "refund": "refunded"})
        );
        assert_eq!(
            types(&events),
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskFailed",
                "TaskStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded",
            ]
        );
    }

    tracing::info!("--- unknown test cases and test cases that do not fit the definition are refused");
    {
        for (arn, expected) in [
            (format!("{orders}#Nope"), "no test case 'Nope' for the state machine 'Orders'"),
            (format!("{orders}#Ghost"), "mocks the state 'Ship', which the definition does not have"),
        ] {
            let error = sfn.start_execution().state_machine_arn(&arn).send().await.expect_err(&arn);
            let error = error.into_service_error();
            assert_eq!(error.code(), Some("ValidationException"), "{arn}");
            assert!(error.message().unwrap_or_default().contains(expected), "{arn}: {:?}", error.message());
        }
        let other = sfn.create_state_machine().name("Other").definition(ORDERS).role_arn(ROLE).send().await.unwrap();
        let error = sfn
            .start_execution()
            .state_machine_arn(format!("{}#HappyPath", other.state_machine_arn()))
            .send()
            .await
            .expect_err("no test cases for Other")
            .into_service_error();
        assert_eq!(error.code(), Some("ValidationException"));
        assert!(error.message().unwrap_or_default().contains("no test cases for the state machine 'Other'"));
    }

    tracing::info!("--- .sync and .waitForTaskToken mocks are submitted, then succeed; a missing connector is named");
    {
        let forms = sfn.create_state_machine().name("Forms").definition(FORMS).role_arn(ROLE).send().await.unwrap();
        let (d, events) = run_case(&sfn, forms.state_machine_arn(), "Mocked", "{}").await;
        assert_eq!(d.status(), &ExecutionStatus::Failed);
        assert_eq!(d.error(), Some("States.Runtime"));
        assert!(
            d.cause().unwrap_or_default().contains(r#"add "aws-sdk:s3" = "<URL>" under [connectors]"#),
            "{:?}",
            d.cause()
        );
        let job =
            ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited"];
        let mut expected = vec!["ExecutionStarted"];
        expected.extend(job);
        expected.extend(job);
        expected.extend(["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"]);
        assert_eq!(types(&events), expected);
        let submitted = events[4].task_submitted_event_details().expect("TaskSubmitted details");
        assert_eq!((submitted.resource_type(), submitted.resource()), ("ecs", "runTask.sync"));
        let sdk = events[14].task_scheduled_event_details().expect("TaskScheduled details");
        assert_eq!((sdk.resource_type(), sdk.resource()), ("aws-sdk:s3", "getObject"));
    }

    tracing::info!("--- an EXPRESS machine runs the same test case through StartSyncExecution");
    {
        let express = sfn
            .create_state_machine()
            .name("ExpressOrders")
            .definition(ORDERS)
            .role_arn(ROLE)
            .r#type(aws_sdk_sfn::types::StateMachineType::Express)
            .send()
            .await
            .unwrap();
        let r = sfn
            .start_sync_execution()
            .state_machine_arn(format!("{}#RetryPath", express.state_machine_arn()))
            .input(r#"{"order":7}"#)
            .send()
            .await
            .expect("start sync");
        assert_eq!(r.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
        assert_eq!(r.output(), Some(r#"{"notified":7}"#));
    }

    tracing::info!("--- wait_time_scale = 0.01: a 100 s Wait ends in about a second, as its timestamps show");
    {
        let nap = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":100,"End":true}}}"#;
        let m = sfn.create_state_machine().name("Nap").definition(nap).role_arn(ROLE).send().await.unwrap();
        let started = Instant::now();
        let e = sfn.start_execution().state_machine_arn(m.state_machine_arn()).send().await.unwrap();
        let deadline = started + Duration::from_secs(20);
        let status = loop {
            let d = sfn.describe_execution().execution_arn(e.execution_arn()).send().await.unwrap();
            if *d.status() != ExecutionStatus::Running || Instant::now() > deadline {
                break d.status().clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(status, ExecutionStatus::Succeeded, "within 20 s of real time");
        let events = history(&sfn, e.execution_arn()).await;
        assert_eq!(types(&events), ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"]);
        let waited = events[2].timestamp().to_millis().unwrap() - events[1].timestamp().to_millis().unwrap();
        assert!((1_000..5_000).contains(&waited), "the history shows the scaled wait: {waited} ms");
    }
}

#[tokio::test]
async fn a_restart_replays_mocked_answers_without_the_mock_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mock_path = dir.path().join("MockConfigFile.json");
    let mut mocks: Value = serde_json::from_str(MOCKS).expect("the example mock file is JSON");
    mocks["StateMachines"] = json!({"Slow": {"TestCases": {"RetryPath": {"Charge": "ChargeThrottledOnce"}}}});
    std::fs::write(&mock_path, mocks.to_string()).expect("write mock file");
    let server =
        TestServer::start_with_config(&format!("mock_config = \"{}\"\nwait_time_scale = 0.01\n", mock_path.display()));
    let sfn = server.client();
    let slow = r#"{"StartAt":"Charge","States":{
      "Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},
        "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":1}],
        "OutputPath":"$.Payload","Next":"Nap"},
      "Nap":{"Type":"Wait","Seconds":500,"End":true}}}"#;
    let m = sfn.create_state_machine().name("Slow").definition(slow).role_arn(ROLE).send().await.unwrap();

    tracing::info!("--- the retried mocked call answers, then the execution waits (5 s, scaled)");
    let e = sfn
        .start_execution()
        .state_machine_arn(format!("{}#RetryPath", m.state_machine_arn()))
        .input(r#"{"order":7}"#)
        .send()
        .await
        .unwrap();
    let arn = e.execution_arn().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !types(&history(&sfn, &arn).await).contains(&"WaitStateEntered") {
        assert!(Instant::now() < deadline, "the execution reaches its Wait state");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = types(&history(&sfn, &arn).await).iter().map(|t| t.to_string()).collect::<Vec<_>>();

    tracing::info!("--- kill -9 and restart with a mock file that no longer has the test case");
    std::fs::write(&mock_path, r#"{"StateMachines":{},"MockedResponses":{}}"#).expect("empty the mock file");
    let server = server.kill_and_restart();
    let sfn = server.client();
    let d = wait_closed(&sfn, &arn).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded, "the rebuilt execution goes on from its log");
    assert_eq!(d.output(), Some(r#"{"charged":true,"order":7}"#));
    let after = history(&sfn, &arn).await;
    assert_eq!(types(&after[..before.len()]), before, "the recorded history stays as it was");
    assert_eq!(types(&after[before.len()..]), ["WaitStateExited", "ExecutionSucceeded"]);
}

/// Starts the binary with `mock_file` and expects it to refuse to start; answers what it printed.
fn refused_start(mock_file: &Path, data_dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(["serve", "--listen", "127.0.0.1:0", "--mock-config"])
        .arg(mock_file)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run statehouse");
    assert!(!output.status.success(), "a server with {} started", mock_file.display());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn malformed_and_inconsistent_mock_files_are_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("malformed.json", "{\"StateMachines\": {", "is not valid JSON"),
        (
            "inconsistent.json",
            r#"{"StateMachines":{"M":{"TestCases":{"C":{"S":"Missing"}}}},"MockedResponses":{}}"#,
            "StateMachines.M.TestCases.C.S names the mocked response 'Missing', which MockedResponses does not define",
        ),
        (
            "gap.json",
            r#"{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":2}}}}"#,
            "MockedResponses.R: the answers must be numbered consecutively from 0, but after 0 comes 2",
        ),
    ];
    for (name, text, reason) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write mock file");
        let stderr = refused_start(&path, &dir.path().join("data"));
        assert!(stderr.contains(&format!("mock configuration {}: {reason}", path.display())), "{name}: {stderr}");
    }
    let missing = dir.path().join("absent.json");
    let stderr = refused_start(&missing, &dir.path().join("data"));
    assert!(stderr.contains(&format!("mock configuration {}: cannot be read", missing.display())), "{stderr}");
}
