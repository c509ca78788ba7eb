use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use super::*;
use crate::asl::Definition;

/// Runs the state `S` of `machine` with `input`, answering its work with `answer`.
fn run(machine: &str, input: Value, answer: Option<Answer>, situation: Situation) -> Result<RunOutcome, Unfit> {
    let definition = Definition::parse(machine).unwrap_or_else(|e| panic!("{machine}: {e}"));
    let state = definition.body.find("S").expect("a state S");
    let run = SingleStateRun {
        state,
        input,
        context: json!({"State": {"Name": "S"}}),
        variables: Map::new(),
        answer,
        situation,
        now_ms: 0,
        entropy: "entropy".into(),
    };
    run_single_state(&run)
}

fn error(name: &str) -> Option<Answer> {
    Some(Answer::Error(StateError::new(name, "cause")))
}

fn failures(count: u64) -> Situation {
    Situation { map_iteration_failure_count: Some(count), ..Situation::default() }
}

fn retried(count: u64) -> Situation {
    Situation { retrier_retry_count: count, ..Situation::default() }
}

const RETRYING_TASK: &str = r#"{"StartAt": "S", "States": {"S": {"Type": "Task",
  "Resource": "arn:aws:states:::lambda:invoke",
  "Retry": [{"ErrorEquals": ["Slow"], "IntervalSeconds": 10, "BackoffRate": 2, "MaxAttempts": 4,
    "MaxDelaySeconds": 30}],
  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "T"}],
  "End": true}, "T": {"Type": "Succeed"}}}"#;

const JSONATA_CATCH: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Task",
  "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"n": "{% $states.input.n %}"},
  "Catch": [{"ErrorEquals": ["Boom"],
    "Output": {"was": "{% $states.errorOutput.Error %}", "n": "{% $states.input.n %}"},
    "Assign": {"failed": true}, "Next": "T"}],
  "End": true}, "T": {"Type": "Succeed"}}}"#;

const MAP: &str = r#"{"StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$.items",
  "ToleratedFailurePercentage": 50,
  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "T"}],
  "End": true}, "T": {"Type": "Succeed"}}}"#;

const PARALLEL: &str = r#"{"StartAt": "S", "States": {"S": {"Type": "Parallel", "End": true, "Branches": [
  {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
  {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]}}}"#;

/// The machine, input, answer and situation of a run.
type Given = (&'static str, Value, Option<Answer>, Situation);
/// The status, output, error name and next state it ends with.
type Expected = (RunStatus, Option<Value>, Option<&'static str>, Option<&'static str>);

#[test]
fn states_run_alone_end_as_aws_reports_them() {
    let pass = r#"{"StartAt": "S", "States": {"S": {"Type": "Pass", "InputPath": "$.a",
        "Parameters": {"sum.$": "States.MathAdd($.x, 1)"}, "ResultPath": "$.b", "Next": "T"},
        "T": {"Type": "Succeed"}}}"#;
    let choice = r#"{"StartAt": "S", "States": {"S": {"Type": "Choice", "Default": "D",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}]},
        "Big": {"Type": "Succeed"}, "D": {"Type": "Succeed"}}}"#;
    let fail = r#"{"StartAt": "S", "States": {"S": {"Type": "Fail", "ErrorPath": "$.e", "Cause": "because"}}}"#;
    let wait = r#"{"StartAt": "S", "States": {"S": {"Type": "Wait", "SecondsPath": "$.s", "Next": "T"},
        "T": {"Type": "Succeed"}}}"#;
    let items = json!({"items": [1, 2, 3]});
    let cases: Vec<(Given, Expected)> = vec![
        (
            (pass, json!({"a": {"x": 1}}), None, Situation::default()),
            (RunStatus::Succeeded, Some(json!({"a": {"x": 1}, "b": {"sum": 2}})), None, Some("T")),
        ),
        (
            (choice, json!({"n": 2}), None, Situation::default()),
            (RunStatus::Succeeded, Some(json!({"n": 2})), None, Some("Big")),
        ),
        ((fail, json!({"e": "Oops"}), None, Situation::default()), (RunStatus::Failed, None, Some("Oops"), None)),
        (
            (wait, json!({"s": 5}), None, Situation::default()),
            (RunStatus::Succeeded, Some(json!({"s": 5})), None, Some("T")),
        ),
        ((wait, json!({"s": -1}), None, Situation::default()), (RunStatus::Failed, None, Some("States.Runtime"), None)),
        ((RETRYING_TASK, json!({}), error("Slow"), retried(3)), (RunStatus::Retriable, None, Some("Slow"), None)),
        (
            (RETRYING_TASK, json!({"k": 1}), error("Slow"), retried(4)),
            (
                RunStatus::CaughtError,
                Some(json!({"k": 1, "error": {"Error": "Slow", "Cause": "cause"}})),
                Some("Slow"),
                Some("T"),
            ),
        ),
        (
            (JSONATA_CATCH, json!({"n": 5}), error("Boom"), Situation::default()),
            (RunStatus::CaughtError, Some(json!({"was": "Boom", "n": 5})), Some("Boom"), Some("T")),
        ),
        (
            (JSONATA_CATCH, json!({"n": 5}), error("Other"), Situation::default()),
            (RunStatus::Failed, None, Some("Other"), None),
        ),
        (
            (MAP, items.clone(), Some(Answer::Result(json!(["x"]))), failures(1)),
            (RunStatus::Succeeded, Some(json!(["x"])), None, None),
        ),
        (
            (MAP, items.clone(), Some(Answer::Result(json!(["x"]))), failures(2)),
            (RunStatus::Failed, None, Some("States.ExceedToleratedFailureThreshold"), None),
        ),
        ((MAP, items, error("Mocked"), failures(0)), (RunStatus::Failed, None, Some("Mocked"), None)),
        (
            (PARALLEL, json!({}), Some(Answer::Result(json!([1, 2]))), Situation::default()),
            (RunStatus::Succeeded, Some(json!([1, 2])), None, None),
        ),
    ];
    for ((machine, input, answer, situation), (status, output, error, next)) in cases {
        let outcome = run(machine, input, answer, situation).unwrap_or_else(|e| panic!("{machine}: {e:?}"));
        let shown = format!("{machine}: {outcome:?}");
        assert_eq!(outcome.status, status, "{shown}");
        assert_eq!(outcome.output, output, "{shown}");
        assert_eq!(outcome.error.as_ref().map(StateError::name), error, "{shown}");
        assert_eq!(outcome.next_state.as_deref(), next, "{shown}");
    }
}

#[test]
fn handled_errors_show_their_retrier_or_catcher() {
    let retriable = run(RETRYING_TASK, json!({}), error("Slow"), retried(1)).unwrap();
    let details = retriable.inspection.error_details.unwrap();
    assert_eq!((details.retry_index, details.retry_backoff_interval_seconds), (Some(0), Some(20)));
    let capped = run(RETRYING_TASK, json!({}), error("Slow"), retried(3)).unwrap();
    assert_eq!(capped.inspection.error_details.unwrap().retry_backoff_interval_seconds, Some(30));
    let caught = run(JSONATA_CATCH, json!({"n": 1}), error("Boom"), Situation::default()).unwrap();
    assert_eq!(caught.inspection.error_details.unwrap().catch_index, Some(0));
    assert_eq!(caught.inspection.variables, Some(Map::from_iter([("failed".to_string(), json!(true))])));
    assert_eq!(caught.inspection.after_arguments, Some(json!({"n": 1})));
}

#[test]
fn requests_the_state_cannot_honour_are_unfit() {
    let task_without_answer = run(RETRYING_TASK, json!({}), None, Situation::default());
    assert!(task_without_answer.is_err());
    let one_result_for_two_branches = run(PARALLEL, json!({}), Some(Answer::Result(json!([1]))), Situation::default());
    assert_eq!(
        one_result_for_two_branches,
        Err(Unfit("Mocked result must contain the same number of items as number of Parallel branches.".into()))
    );
    let more_failures_than_items =
        run(MAP, json!({"items": [1]}), Some(Answer::Result(json!([]))), failures(2)).map(|o| o.status);
    assert!(more_failures_than_items.is_err());
}
