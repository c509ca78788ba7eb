//! JSONata states driven through `step`: values that look random or read the time are derived from the
//! step's inputs, so replaying the same inputs gives the same history.

use serde_json::json;
use serde_json::Value;

use super::info;
use super::run;
use super::START_MS;
use crate::asl::Definition;
use crate::engine::*;

const UNPREDICTABLE: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
    "Output": {"now": "{% $now() %}", "millis": "{% $millis() %}", "random": "{% $random() %}",
               "uuid": "{% $uuid() %}", "shuffled": "{% $shuffle([1, 2, 3, 4, 5, 6, 7, 8]) %}"},
    "End": true}}}"#;

#[test]
fn time_and_randomness_come_from_the_step() {
    let first = run(UNPREDICTABLE, "{}");
    let second = run(UNPREDICTABLE, "{}");
    let (status, output, _, _) = first.status();
    assert_eq!(status, FinalStatus::Succeeded);
    assert_eq!(output, second.status().1, "a replay gives the same values");
    let output = output.unwrap_or(Value::Null);
    assert_eq!(output["now"], json!("2023-11-14T22:13:20.000Z"));
    assert_eq!(output["millis"], json!(START_MS));
    let random = output["random"].as_f64().unwrap_or(-1.0);
    assert!((0.0..1.0).contains(&random), "{random}");
    assert_eq!(output["uuid"].as_str().map(str::len), Some(36));
}

#[test]
fn a_wait_expression_arms_its_timer() {
    let definition = Definition::parse(
        r#"{"QueryLanguage": "JSONata", "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": "{% $states.input.delay * 2 %}", "End": true}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut state = ExecutionState::new(info(r#"{"delay": 3}"#));
    let started = step(&definition, &mut state, Input::Start, START_MS);
    let due: Vec<i64> = started
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ArmTimer { due_ms, .. } => Some(*due_ms),
            _ => None,
        })
        .collect();
    assert_eq!(due, [START_MS + 6_000]);
}

#[test]
fn evaluation_failures_follow_the_event_before_the_state() {
    let definition = r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Output": "{% $states.input.n + 'x' %}", "End": true}}}"#;
    let outcome = run(definition, r#"{"n": 1}"#);
    let types = ["PassStateEntered", "PassStateExited", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"];
    assert_eq!(outcome.types(), types);
    assert_eq!(outcome.chain(), [(2, 0), (3, 2), (4, 3), (5, 3), (6, 5)]);
    let (status, _, error, cause) = outcome.status();
    assert_eq!((status, error.as_deref()), (FinalStatus::Failed, Some("States.QueryEvaluationError")));
    assert_eq!(
        cause.as_deref(),
        Some(
            "An error occurred while executing the state 'B' (entered at the event id #4). The JSONata expression \
             '$states.input.n + 'x'' specified for the field 'Output' threw an error during evaluation. T2002: The \
             right side of the \"+\" operator must evaluate to a number"
        )
    );
}
