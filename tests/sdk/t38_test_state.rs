//! TestState through the SDK: one state run alone with a mocked result or error, what each inspection level
//! shows, Retry and Catch as RETRIABLE and CAUGHT_ERROR, a JSONata state with variables, a Map whose failed
//! iterations exceed its tolerance, and the validation errors AWS answers. Nothing a test runs is stored.

use aws_sdk_sfn::types::InspectionLevel;
use aws_sdk_sfn::types::MockErrorOutput;
use aws_sdk_sfn::types::MockInput;
use aws_sdk_sfn::types::MockResponseValidationMode;
use aws_sdk_sfn::types::TestExecutionStatus;
use aws_sdk_sfn::types::TestStateConfiguration;
use serde_json::json;
use serde_json::Value;

use crate::server::code;
use crate::server::TestServer;
use crate::server::ROLE;

/// A JSONPath Task with every data-flow field.
const TASK: &str = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
  "InputPath": "$.order",
  "Parameters": {"FunctionName": "price", "Payload": {"id.$": "$.id"}},
  "ResultSelector": {"status.$": "$.StatusCode"},
  "ResultPath": "$.priced",
  "OutputPath": "$.priced",
  "Next": "Ship"}"#;

const TASK_INPUT: &str = r#"{"order": {"id": "o-1"}, "customer": "c-9"}"#;

const LAMBDA_RESULT: &str = r#"{"StatusCode": 200, "Payload": "{\"total\": 42}"}"#;

/// A Task that retries its mocked error, then catches it.
const RETRIED_THEN_CAUGHT: &str = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
  "Parameters": {"FunctionName": "flaky"},
  "Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 1},
            {"ErrorEquals": ["Busy"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}],
  "Catch": [{"ErrorEquals": ["Busy"], "ResultPath": "$.failure", "Next": "Recover"}],
  "End": true}"#;

/// A JSONata Task that reads and assigns variables.
const JSONATA_TASK: &str = r#"{"Type": "Task", "QueryLanguage": "JSONata",
  "Resource": "arn:aws:states:::lambda:invoke",
  "Arguments": {"FunctionName": "{% $fn %}", "Payload": {"n": "{% $states.input.n %}"}},
  "Assign": {"last": "{% $states.result.Payload.doubled %}"},
  "Output": {"doubled": "{% $states.result.Payload.doubled %}", "by": "{% $states.context.State.Name %}"},
  "End": true}"#;

/// A machine whose Map state is tested by name.
const MAP_MACHINE: &str = r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items",
  "ToleratedFailureCount": 1,
  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}},
  "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "TooMany"}],
  "Next": "Done"},
  "TooMany": {"Type": "Fail"}, "Done": {"Type": "Succeed"}}}"#;

fn parsed(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("a JSON text")).expect("valid JSON")
}

fn mock_result(text: &str) -> MockInput {
    MockInput::builder().result(text).build()
}

fn mock_error(error: &str, cause: &str) -> MockInput {
    MockInput::builder().error_output(MockErrorOutput::builder().error(error).cause(cause).build()).build()
}

#[tokio::test]
async fn a_mocked_task_shows_its_data_flow_at_each_inspection_level() {
    let server = TestServer::start();
    let sfn = server.client();
    let test = |level: InspectionLevel| {
        sfn.test_state()
            .definition(TASK)
            .role_arn(ROLE)
            .input(TASK_INPUT)
            .inspection_level(level)
            .mock(mock_result(LAMBDA_RESULT))
            .send()
    };

    tracing::info!("--- INFO: the output and the next state, no inspection data");
    {
        let out = test(InspectionLevel::Info).await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::Succeeded));
        assert_eq!(parsed(out.output()), json!({"status": 200}));
        assert_eq!(out.next_state(), Some("Ship"));
        assert!(out.inspection_data().is_none());
    }

    tracing::info!("--- DEBUG and TRACE: every step from the raw input to the result placed by ResultPath");
    for level in [InspectionLevel::Debug, InspectionLevel::Trace] {
        let out = test(level).await.unwrap();
        assert_eq!(parsed(out.output()), json!({"status": 200}));
        let data = out.inspection_data().expect("inspection data");
        assert_eq!(parsed(data.input()), parsed(Some(TASK_INPUT)));
        assert_eq!(parsed(data.after_input_path()), json!({"id": "o-1"}));
        assert_eq!(parsed(data.after_parameters()), json!({"FunctionName": "price", "Payload": {"id": "o-1"}}));
        assert_eq!(parsed(data.result()), parsed(Some(LAMBDA_RESULT)));
        assert_eq!(parsed(data.after_result_selector()), json!({"status": 200}));
        assert_eq!(
            parsed(data.after_result_path()),
            json!({"order": {"id": "o-1"}, "customer": "c-9", "priced": {"status": 200}})
        );
        assert!(data.after_arguments().is_none() && data.error_details().is_none());
    }

    tracing::info!("--- nothing was stored");
    {
        let machines = sfn.list_state_machines().send().await.unwrap();
        assert!(machines.state_machines().is_empty());
    }
}

#[tokio::test]
async fn retry_and_catch_decide_the_status() {
    let server = TestServer::start();
    let sfn = server.client();
    let test = |retries: i32| {
        sfn.test_state()
            .definition(RETRIED_THEN_CAUGHT)
            .input(r#"{"job": 7}"#)
            .inspection_level(InspectionLevel::Debug)
            .mock(mock_error("Busy", "try later"))
            .state_configuration(TestStateConfiguration::builder().retrier_retry_count(retries).build())
            .send()
    };

    tracing::info!("--- a retrier with attempts left: RETRIABLE, with its index and backoff");
    {
        let out = test(2).await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::Retriable));
        assert_eq!((out.error(), out.cause()), (Some("Busy"), Some("try later")));
        assert!(out.output().is_none() && out.next_state().is_none());
        let details = out.inspection_data().and_then(|d| d.error_details()).expect("error details");
        assert_eq!(details.retry_index(), Some(1));
        assert_eq!(details.retry_backoff_interval_seconds(), Some(18));
    }

    tracing::info!("--- its attempts used up: the catcher takes the error, CAUGHT_ERROR with its next state");
    {
        let out = test(3).await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::CaughtError));
        assert_eq!(out.next_state(), Some("Recover"));
        assert_eq!(out.error(), Some("Busy"));
        assert_eq!(parsed(out.output()), json!({"job": 7, "failure": {"Error": "Busy", "Cause": "try later"}}));
        let details = out.inspection_data().and_then(|d| d.error_details()).expect("error details");
        assert_eq!(details.catch_index(), Some(0));
    }

    tracing::info!("--- an error nothing handles: FAILED");
    {
        let out =
            sfn.test_state().definition(RETRIED_THEN_CAUGHT).mock(mock_error("Fatal", "no way")).send().await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::Failed));
        assert_eq!((out.error(), out.cause()), (Some("Fatal"), Some("no way")));
    }
}

#[tokio::test]
async fn a_jsonata_state_sees_its_variables_and_context() {
    let server = TestServer::start();
    let sfn = server.client();
    let out = sfn
        .test_state()
        .definition(JSONATA_TASK)
        .input(r#"{"n": 21}"#)
        .variables(r#"{"fn": "doubler"}"#)
        .inspection_level(InspectionLevel::Trace)
        .mock(
            MockInput::builder()
                .result(r#"{"Payload": {"doubled": 42}}"#)
                .field_validation_mode(MockResponseValidationMode::None)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(parsed(out.output()), json!({"doubled": 42, "by": "StateName"}));
    let data = out.inspection_data().expect("inspection data");
    assert_eq!(parsed(data.after_arguments()), json!({"FunctionName": "doubler", "Payload": {"n": 21}}));
    assert_eq!(parsed(data.result()), json!({"Payload": {"doubled": 42}}));
    assert_eq!(parsed(data.variables()), json!({"fn": "doubler", "last": 42}));
    assert!(data.after_input_path().is_none() && data.after_parameters().is_none());
}

#[tokio::test]
async fn a_given_context_object_is_what_the_state_sees() {
    let server = TestServer::start();
    let sfn = server.client();
    let definition = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"}, "ResultSelector": {"context.$": "$$", "status.$": "$.StatusCode"},
        "End": true}"#;
    let context =
        json!({"Execution": {"Name": "given", "Input": {"a": 1}}, "State": {"Name": "Mine", "RetryCount": 2}});
    let out = sfn
        .test_state()
        .definition(definition)
        .role_arn(ROLE)
        .mock(mock_result(r#"{"StatusCode": 200}"#))
        .context(context.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(parsed(out.output()), json!({"context": context, "status": 200}));

    tracing::info!("--- a context with a member AWS does not allow, or without a mock");
    let bad = sfn.test_state().definition(definition).role_arn(ROLE).mock(mock_result("{}"));
    assert_eq!(code(bad.context(r#"{"Pokedex": {}}"#).send().await), "ValidationException");
    let unmocked = sfn.test_state().definition(definition).role_arn(ROLE).context(context.to_string());
    assert_eq!(code(unmocked.send().await), "ValidationException");
}

#[tokio::test]
async fn a_map_state_named_in_a_machine_fails_beyond_its_tolerance() {
    let server = TestServer::start();
    let sfn = server.client();
    let test = |failures: i32| {
        sfn.test_state()
            .definition(MAP_MACHINE)
            .state_name("Each")
            .input(r#"{"items": ["a", "b", "c"]}"#)
            .inspection_level(InspectionLevel::Debug)
            .mock(mock_result(r#"["A", "B", "C"]"#))
            .state_configuration(TestStateConfiguration::builder().map_iteration_failure_count(failures).build())
            .send()
    };

    tracing::info!("--- within the tolerance: the mocked result is the Map's result");
    {
        let out = test(1).await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::Succeeded));
        assert_eq!(parsed(out.output()), json!(["A", "B", "C"]));
        assert_eq!(out.next_state(), Some("Done"));
        let data = out.inspection_data().expect("inspection data");
        assert_eq!(parsed(data.after_items_path()), json!(["a", "b", "c"]));
        assert_eq!((data.tolerated_failure_count(), data.max_concurrency()), (Some(1), Some(0)));
    }

    tracing::info!("--- beyond it: States.ExceedToleratedFailureThreshold, caught");
    {
        let out = test(2).await.unwrap();
        assert_eq!(out.status(), Some(&TestExecutionStatus::CaughtError));
        assert_eq!(out.error(), Some("States.ExceedToleratedFailureThreshold"));
        assert_eq!(out.next_state(), Some("TooMany"));
    }

    tracing::info!("--- more failures than iterations: ValidationException");
    assert_eq!(code(test(4).await), "ValidationException");
}

#[tokio::test]
async fn requests_aws_rejects_are_rejected_with_its_codes() {
    let server = TestServer::start();
    let sfn = server.client();

    tracing::info!("--- a mock for a state that does no work");
    {
        let result =
            sfn.test_state().definition(r#"{"Type": "Pass", "End": true}"#).mock(mock_result("{}")).send().await;
        let error = result.expect_err("a Pass state takes no mock");
        assert_eq!(error.as_service_error().and_then(|e| e.meta().code()), Some("ValidationException"));
        assert_eq!(
            error.as_service_error().and_then(|e| e.meta().message()),
            Some("State type 'Pass' is not supported when a mock is specified")
        );
    }

    tracing::info!("--- a mocked result that does not fit the API's response, and one per Parallel branch");
    {
        let lambda = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}"#;
        let result = sfn.test_state().definition(lambda).mock(mock_result(r#"{"StatusCode": "200"}"#)).send().await;
        assert_eq!(code(result), "ValidationException");
        let parallel = r#"{"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]}"#;
        let result = sfn.test_state().definition(parallel).mock(mock_result("[1]")).send().await;
        assert_eq!(code(result), "ValidationException");
    }

    tracing::info!("--- a Context object naming a field AWS does not know, and an invalid state");
    {
        let lambda = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}"#;
        let result = sfn.test_state().definition(lambda).mock(mock_result("{}")).context(r#"{"Map": {}}"#).send().await;
        assert_eq!(code(result), "ValidationException");
        let result = sfn.test_state().definition(r#"{"Type": "Parallel", "Branches": [], "End": true}"#).send().await;
        assert_eq!(code(result), "InvalidDefinition");
    }
}

#[tokio::test]
async fn a_task_without_a_mock_calls_its_connector() {
    let server = TestServer::start();
    let sfn = server.client();
    let definition = r#"{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody": "hi"}, "End": true}"#;
    assert_eq!(code(sfn.test_state().definition(definition).send().await), "ValidationException", "no role");
    let out = sfn.test_state().definition(definition).role_arn(ROLE).send().await.unwrap();
    assert_eq!(out.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(out.error(), Some("States.Runtime"));
    assert!(out.cause().is_some_and(|c| c.contains("\"sqs:sendMessage\"")), "{:?}", out.cause());

    let waiting = r#"{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}"#;
    assert_eq!(code(sfn.test_state().definition(waiting).role_arn(ROLE).send().await), "ValidationException");
}
