//! JSONata workflows through the SDK: Map with `Items` and `ItemSelector`, Choice `Condition`s, Catch with
//! `Output` and `Assign`, and variables shared across states run as AWS runs them; a failing expression
//! fails with `States.QueryEvaluationError` after an `EvaluationFailed` event naming the field.

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

/// Prices each order in a Map, classifies it with a Choice against a variable, then rejects the batch in a
/// Parallel branch whose failure a Catch turns into the final output.
const ORDERS: &str = r#"{
  "QueryLanguage": "JSONata",
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Next": "PerOrder",
      "Assign": {"threshold": "{% $states.input.threshold %}", "currency": "EUR"},
      "Output": "{% $states.input.orders %}"},
    "PerOrder": {"Type": "Map", "Next": "Validate",
      "Items": "{% $states.input %}",
      "ItemSelector": {"order": "{% $states.context.Map.Item.Value %}", "position": "{% $states.context.Map.Item.Index %}"},
      "ItemProcessor": {"StartAt": "Price", "States": {
        "Price": {"Type": "Pass", "Next": "Large?",
          "Output": "{% {'id': $states.input.order.id, 'total': $sum($states.input.order.lines.(qty * price)), 'position': $states.input.position} %}"},
        "Large?": {"Type": "Choice", "Default": "Small",
          "Choices": [{"Condition": "{% $states.input.total > $threshold %}", "Next": "Large"}]},
        "Large": {"Type": "Pass", "End": true, "Output": "{% $merge([$states.input, {'class': 'large', 'currency': $currency}]) %}"},
        "Small": {"Type": "Pass", "End": true, "Output": "{% $merge([$states.input, {'class': 'small'}]) %}"}}},
      "Assign": {"count": "{% $count($states.result) %}"}},
    "Validate": {"Type": "Parallel", "Next": "Done",
      "Arguments": "{% $states.input[class = 'large'] %}",
      "Branches": [{"StartAt": "Reject", "States": {"Reject": {"Type": "Fail",
        "Error": "{% 'TooLarge' %}", "Cause": "{% 'large orders: ' & $join($states.input.id, ', ') %}"}}}],
      "Catch": [{"ErrorEquals": ["TooLarge"], "Next": "Done",
        "Assign": {"reason": "{% $states.errorOutput.Cause %}"},
        "Output": "{% {'orders': $states.input, 'error': $states.errorOutput.Error} %}"}]},
    "Done": {"Type": "Succeed", "Output": "{% $merge([$states.input, {'count': $count, 'reason': $reason}]) %}"}
  }
}"#;

const ORDERS_INPUT: &str = r#"{"threshold": 100, "orders": [
  {"id": "a", "lines": [{"qty": 2, "price": 30}, {"qty": 1, "price": 50}]},
  {"id": "b", "lines": [{"qty": 1, "price": 20}]}]}"#;

/// A Task-less failure: an expression that refers to a variable nobody assigned.
const UNDEFINED: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "Use", "States": {
  "Use": {"Type": "Pass", "Output": {"value": "{% $nobody %}"}, "End": true}}}"#;

/// A Map whose `Items` is not an array, caught by a catcher that keeps the error.
const CAUGHT: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {
  "M": {"Type": "Map", "Items": "{% $states.input.missing ? 1 : {'not': 'an array'} %}", "End": true,
    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
    "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "After"}]},
  "After": {"Type": "Pass", "End": true, "Output": "{% $states.input.Error %}"}}}"#;

#[tokio::test]
async fn jsonata_workflows_run_as_on_aws() {
    let server = TestServer::start();
    let sfn = server.client();
    let run = |name: &'static str, definition: &'static str, input: &'static str| {
        let sfn = sfn.clone();
        async move {
            let machine = sfn.create_state_machine().name(name).definition(definition).role_arn(ROLE).send().await;
            let machine = machine.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let execution =
                sfn.start_execution().state_machine_arn(machine.state_machine_arn()).input(input).send().await.unwrap();
            let arn = execution.execution_arn().to_string();
            let described = wait_closed(&sfn, &arn).await;
            let history = sfn.get_execution_history().execution_arn(&arn).send().await.unwrap();
            (described, history)
        }
    };

    tracing::info!("--- Map, Choice against a variable, Catch with Output and Assign, variables read at the end");
    {
        let (d, history) = run("orders", ORDERS, ORDERS_INPUT).await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{:?} {:?}", d.error(), d.cause());
        let output: serde_json::Value = serde_json::from_str(d.output().unwrap()).unwrap();
        assert_eq!(
            output,
            serde_json::json!({
                "orders": [
                    {"id": "a", "total": 110, "position": 0, "class": "large", "currency": "EUR"},
                    {"id": "b", "total": 20, "position": 1, "class": "small"}
                ],
                "error": "TooLarge",
                "count": 2,
                "reason": "large orders: a"
            })
        );
        let types: Vec<&str> = history.events().iter().map(|e| e.r#type().as_str()).collect();
        assert_eq!(types.iter().filter(|t| **t == "MapIterationSucceeded").count(), 2);
        assert!(types.contains(&"ChoiceStateExited"));
        assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
    }

    tracing::info!("--- an expression that returns nothing fails the execution with the field it was given for");
    {
        let (d, history) = run("undefined", UNDEFINED, "{}").await;
        assert_eq!(d.status(), &ExecutionStatus::Failed);
        assert_eq!(d.error(), Some("States.QueryEvaluationError"));
        assert_eq!(
            d.cause(),
            Some(
                "An error occurred while executing the state 'Use' (entered at the event id #2). The JSONata \
                 expression '$nobody' specified for the field 'Output/value' returned nothing (undefined)."
            )
        );
        let types: Vec<&str> = history.events().iter().map(|e| e.r#type().as_str()).collect();
        assert_eq!(types, ["ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"]);
        let details = history.events()[2].evaluation_failed_event_details().unwrap();
        assert_eq!((details.location(), details.state()), (Some("Output/value"), "Use"));
    }

    tracing::info!("--- a query evaluation error is caught like any other error");
    {
        let (d, history) = run("caught", CAUGHT, "{}").await;
        assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{:?} {:?}", d.error(), d.cause());
        assert_eq!(d.output(), Some(r#""States.QueryEvaluationError""#));
        let types: Vec<&str> = history.events().iter().map(|e| e.r#type().as_str()).collect();
        assert_eq!(
            types,
            [
                "ExecutionStarted",
                "MapStateEntered",
                "EvaluationFailed",
                "MapStateFailed",
                "MapStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ]
        );
    }
}
