//! Table-driven tests of `step`: each case runs a definition to the end (firing timers as they come due) and
//! checks the history (type, id, previousEventId) and the close.

use serde_json::json;
use serde_json::Value;

use super::*;
use crate::asl::Definition;

const START_MS: i64 = 1_700_000_000_000;

fn info(input: &str) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e1".into(),
        execution_name: "e1".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
        state_machine_name: "M".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        start_time_ms: START_MS,
        input: input.into(),
        token_key: "test-key".into(),
        wait_time_scale: WaitTimeScale::default(),
        redrive: Default::default(),
    }
}

/// The history as `(type, id, previous)` plus the closing effect.
struct Outcome {
    events: Vec<EventDraft>,
    finished: Option<Effect>,
}

impl Outcome {
    fn types(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.event_type.as_str()).collect()
    }

    fn chain(&self) -> Vec<(u64, u64)> {
        self.events.iter().map(|e| (e.id, e.previous_event_id)).collect()
    }

    fn status(&self) -> (FinalStatus, Option<Value>, Option<String>, Option<String>) {
        match self.finished.clone() {
            Some(Effect::Finished { status, output, error, cause }) => {
                (status, output.map(|o| serde_json::from_str(&o).unwrap()), error, cause)
            }
            other => panic!("not finished: {other:?}"),
        }
    }
}

fn run(definition: &str, input: &str) -> Outcome {
    let definition = Definition::parse(definition).unwrap_or_else(|e| panic!("{e}"));
    let mut state = ExecutionState::new(info(input));
    let mut events = Vec::new();
    let mut timers = Vec::new();
    let mut finished = None;
    let mut next = Some((Input::Start, START_MS));
    while let Some((input, now)) = next.take() {
        let out = step(&definition, &mut state, input, now);
        events.extend(out.events);
        for effect in out.effects {
            match effect {
                Effect::ArmTimer { timer, due_ms } => timers.push((due_ms, timer)),
                done @ Effect::Finished { .. } => finished = Some(done),
                _ => {}
            }
        }
        if finished.is_none() && !timers.is_empty() {
            timers.sort();
            let (due, timer) = timers.remove(0);
            next = Some((Input::TimersFired { timers: vec![timer] }, due));
        }
    }
    Outcome { events, finished }
}

#[test]
fn pass_choice_succeed_fail_histories() {
    struct Case {
        name: &'static str,
        definition: Value,
        input: &'static str,
        types: Vec<&'static str>,
        status: FinalStatus,
        output: Option<Value>,
        error: Option<&'static str>,
        cause: Option<&'static str>,
    }
    let cases = vec![
        Case {
            name: "pass result into a new key, output path",
            definition: json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.deep.r", "Next": "B"},
                "B": {"Type": "Pass", "OutputPath": "$.deep", "End": true}}}),
            input: r#"{"in": true}"#,
            types: vec!["PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
            status: FinalStatus::Succeeded,
            output: Some(json!({"r": {"x": 1}})),
            error: None,
            cause: None,
        },
        Case {
            name: "parameters with paths and context, input path null",
            definition: json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Parameters": {"v.$": "$.a[1]", "name.$": "$$.Execution.Name", "lit": [1, {"k.$": "$.a[0]"}]}, "Next": "B"},
                "B": {"Type": "Pass", "InputPath": null, "Parameters": {"all.$": "$"}, "End": true}}}),
            input: r#"{"a": [10, 20]}"#,
            types: vec!["PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
            status: FinalStatus::Succeeded,
            output: Some(json!({"all": {}})),
            error: None,
            cause: None,
        },
        Case {
            name: "choice takes the matching rule",
            definition: json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"},
                    {"And": [{"Variable": "$.s", "IsPresent": true}, {"Not": {"Variable": "$.s", "StringEquals": "x"}}], "Next": "Other"}
                ], "Default": "Small"},
                "Big": {"Type": "Succeed"},
                "Other": {"Type": "Pass", "Result": "other", "End": true},
                "Small": {"Type": "Fail", "Error": "Small", "Cause": "too small"}}}),
            input: r#"{"n": 3, "s": "y"}"#,
            types: vec!["ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
            status: FinalStatus::Succeeded,
            output: Some(json!("other")),
            error: None,
            cause: None,
        },
        Case {
            name: "choice default into a fail state",
            definition: json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"},
                "Big": {"Type": "Succeed"},
                "Small": {"Type": "Fail", "Error": "Small", "Cause": "too small"}}}),
            input: r#"{"n": 1}"#,
            types: vec!["ChoiceStateEntered", "ChoiceStateExited", "FailStateEntered", "ExecutionFailed"],
            status: FinalStatus::Failed,
            output: None,
            error: Some("Small"),
            cause: Some("too small"),
        },
        Case {
            name: "no choice matched",
            definition: json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "BooleanEquals": true, "Next": "D"}]},
                "D": {"Type": "Succeed"}}}),
            input: r#"{"n": "true"}"#,
            types: vec!["ChoiceStateEntered", "ExecutionFailed"],
            status: FinalStatus::Failed,
            output: None,
            error: Some("States.NoChoiceMatched"),
            cause: None,
        },
        Case {
            name: "succeed state with input and output paths",
            definition: json!({"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}),
            input: r#"{"a": {"b": 7}}"#,
            types: vec!["SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"],
            status: FinalStatus::Succeeded,
            output: Some(json!(7)),
            error: None,
            cause: None,
        },
        Case {
            name: "fail without error or cause",
            definition: json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}),
            input: "{}",
            types: vec!["FailStateEntered", "ExecutionFailed"],
            status: FinalStatus::Failed,
            output: None,
            error: None,
            cause: None,
        },
        Case {
            name: "missing input path is States.Runtime",
            definition: json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.x", "End": true}}}),
            input: "{}",
            types: vec!["PassStateEntered", "ExecutionFailed"],
            status: FinalStatus::Failed,
            output: None,
            error: Some("States.Runtime"),
            cause: Some("An error occurred while executing the state 'A' (entered at the event id #2). Invalid path '$.x' : No results for path: $['x']"),
        },
        Case {
            name: "result path into a string is a match failure",
            definition: json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "$.x.y", "End": true}}}),
            input: r#"{"x": "s"}"#,
            types: vec!["PassStateEntered", "ExecutionFailed"],
            status: FinalStatus::Failed,
            output: None,
            error: Some("States.ResultPathMatchFailure"),
            cause: None,
        },
    ];
    for case in cases {
        let outcome = run(&case.definition.to_string(), case.input);
        assert_eq!(outcome.types(), case.types, "{}", case.name);
        let (status, output, error, cause) = outcome.status();
        assert_eq!(status, case.status, "{}", case.name);
        assert_eq!(output, case.output, "{}", case.name);
        assert_eq!(error.as_deref(), case.error, "{}", case.name);
        if case.cause.is_some() {
            assert_eq!(cause.as_deref(), case.cause, "{}", case.name);
        }
        let chain = outcome.chain();
        assert_eq!(chain[0], (2, 0), "{}: first StateEntered follows 0", case.name);
        for window in chain.windows(2) {
            assert_eq!(window[1], (window[0].0 + 1, window[0].0), "{}: linear history", case.name);
        }
    }
}

#[test]
fn events_carry_aws_details() {
    let outcome = run(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"v.$": "$.a"}, "End": true}}}"#,
        r#"{"a": "é", "n": 1.0}"#,
    );
    assert_eq!(
        outcome.events[0].details,
        Some(json!({"name": "A", "input": "{\"a\": \"é\", \"n\": 1.0}", "inputDetails": {"truncated": false}})),
        "the execution input reaches the first state with the caller's own text"
    );
    assert_eq!(
        outcome.events[1].details,
        Some(json!({"name": "A", "output": "{\"a\":\"é\",\"n\":1.0}", "outputDetails": {"truncated": false},
            "assignedVariables": {"v": "\"é\""}, "assignedVariablesDetails": {"truncated": false}}))
    );
    assert_eq!(
        outcome.events[2].details,
        Some(json!({"output": "{\"a\":\"é\",\"n\":1.0}", "outputDetails": {"truncated": false}}))
    );
    let failed = run(r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}"#, "{}");
    assert_eq!(failed.events[1].details, Some(json!({"error": "E"})));
}

#[test]
fn wait_arms_a_timer_and_stop_aborts_it() {
    let definition = Definition::parse(
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}"#,
    )
    .unwrap();
    let mut state = ExecutionState::new(info("{}"));
    let first = step(&definition, &mut state, Input::Start, START_MS);
    assert_eq!(first.events.len(), 1);
    let Effect::ArmTimer { timer, due_ms } = first.effects[0] else { panic!("expected a timer") };
    assert_eq!(due_ms, START_MS + 10_000);

    // The state survives a round trip through JSON, as the server persists it.
    let mut restored: ExecutionState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let mut stopped = restored.clone();
    let done = step(&definition, &mut restored, Input::TimersFired { timers: vec![timer] }, due_ms);
    let types: Vec<_> = done.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);

    let abort = step(&definition, &mut stopped, Input::Stop { error: Some("E".into()), cause: None }, START_MS + 1);
    let types: Vec<_> = abort.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(types, [("WaitStateAborted", 3, 2), ("ExecutionAborted", 4, 3)]);
    assert_eq!(abort.events[1].details, Some(json!({"error": "E"})));
    assert!(matches!(abort.effects[0], Effect::Finished { status: FinalStatus::Aborted, .. }));
    assert!(step(&definition, &mut stopped, Input::TimersFired { timers: vec![timer] }, due_ms).events.is_empty());
}

#[test]
fn execution_timeout_closes_the_execution() {
    let definition = Definition::parse(
        r#"{"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}"#,
    )
    .unwrap();
    let mut state = ExecutionState::new(info("{}"));
    let first = step(&definition, &mut state, Input::Start, START_MS);
    let timeout = first
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::ArmTimer { timer, due_ms } if *due_ms == START_MS + 5_000 => Some(*timer),
            _ => None,
        })
        .expect("execution timer");
    let out = step(&definition, &mut state, Input::TimersFired { timers: vec![timeout] }, START_MS + 5_000);
    assert_eq!(out.events[0].event_type, EventType::ExecutionTimedOut);
    assert_eq!(out.events[0].details, Some(json!({"error": "States.Timeout"})));
    assert!(state.is_finished());
}

#[test]
fn parallel_and_map_histories_follow_aws_ids() {
    // Recorded by AWS: a failing branch retried twice, then the execution fails.
    let retry = run(
        r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}}}], "Retry": [{"ErrorEquals": ["FailureType"], "MaxAttempts": 2}], "End": true}}}"#,
        "{}",
    );
    let recorded = [
        ("ParallelStateEntered", 2, 0),
        ("ParallelStateStarted", 3, 2),
        ("FailStateEntered", 4, 3),
        ("ParallelStateStarted", 5, 4),
        ("FailStateEntered", 6, 5),
        ("ParallelStateStarted", 7, 6),
        ("FailStateEntered", 8, 7),
        ("ParallelStateFailed", 9, 8),
        ("ExecutionFailed", 10, 9),
    ];
    let ours: Vec<_> = retry.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(ours, recorded);

    // Recorded by AWS: a caught Map failure.
    let caught = run(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true}, "Caught": {"Type": "Pass", "End": true}}}"#,
        "[1]",
    );
    let ours: Vec<_> = caught.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(
        ours,
        [
            ("MapStateEntered", 2, 0),
            ("MapStateStarted", 3, 2),
            ("MapIterationStarted", 4, 3),
            ("FailStateEntered", 5, 4),
            ("MapIterationFailed", 6, 5),
            ("MapStateFailed", 7, 5),
            ("MapStateExited", 8, 7),
            ("PassStateEntered", 9, 8),
            ("PassStateExited", 10, 9),
            ("ExecutionSucceeded", 11, 10),
        ]
    );
    assert_eq!(caught.status().1, Some(json!({"Error": "E", "Cause": "C"})));

    // Recorded by AWS: a sequential Map over two items.
    let map = run(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"}, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
        r#"["a", "b"]"#,
    );
    let ours: Vec<_> = map.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(
        ours,
        [
            ("MapStateEntered", 2, 0),
            ("MapStateStarted", 3, 2),
            ("MapIterationStarted", 4, 3),
            ("PassStateEntered", 5, 4),
            ("PassStateExited", 6, 5),
            ("MapIterationSucceeded", 7, 6),
            ("MapIterationStarted", 8, 6),
            ("PassStateEntered", 9, 8),
            ("PassStateExited", 10, 9),
            ("MapIterationSucceeded", 11, 10),
            ("MapStateSucceeded", 12, 11),
            ("MapStateExited", 13, 11),
            ("ExecutionSucceeded", 14, 13),
        ]
    );
    assert_eq!(map.status().1, Some(json!([{"v": "a", "i": 0}, {"v": "b", "i": 1}])));
}

#[test]
fn terminal_errors_are_not_caught_by_states_all() {
    let definition = r#"{"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.missing", "End": true}}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Pass", "End": true}}}"#;
    let outcome = run(definition, "{}");
    assert_eq!(outcome.status().2.as_deref(), Some("States.Runtime"));
    let big = format!(
        r#"{{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "Result": "{}", "End": true}}}}}}"#,
        "a".repeat(300_000)
    );
    let outcome = run(&big, "{}");
    assert_eq!(outcome.status().2.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(outcome.types(), ["PassStateEntered", "ExecutionFailed"]);
}

#[test]
fn variables_flow_between_states_and_into_iterations() {
    let outcome = run(
        r#"{"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2]}, "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$items", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"x.$": "$x", "item.$": "$"}, "End": true}}}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($x, 1)", "out.$": "$"}, "End": true}}}"#,
        "{}",
    );
    assert_eq!(outcome.status().1, Some(json!({"sum": 43, "out": [{"x": 42, "item": 1}, {"x": 42, "item": 2}]})));
}

#[test]
fn distributed_map_records_a_map_run_and_keeps_child_events_out() {
    let outcome = run(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
        "[1, 2]",
    );
    let ours: Vec<_> = outcome.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(
        ours,
        [
            ("MapStateEntered", 2, 0),
            ("MapStateStarted", 3, 2),
            ("MapRunStarted", 4, 3),
            ("MapRunSucceeded", 5, 4),
            ("MapStateSucceeded", 6, 5),
            ("MapStateExited", 7, 4),
            ("ExecutionSucceeded", 8, 7),
        ]
    );
    let arn = outcome.events[2].details.as_ref().unwrap()["mapRunArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:M/"), "{arn}");
    assert_eq!(outcome.status().1, Some(json!([1, 2])));

    let failing = run(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}, "End": true}}}"#,
        "[1, 2]",
    );
    assert_eq!(failing.status().2.as_deref(), Some("States.ExceedToleratedFailureThreshold"));
    assert_eq!(
        failing.types(),
        ["MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    );
}

mod jsonata;
mod map_runs;
mod redrive;
mod tasks;

#[test]
fn history_stops_at_25000_events_with_a_runtime_failure() {
    let outcome = run(
        r#"{"StartAt": "Count", "States": {
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More"},
            "More": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 100000, "Next": "Count"}],
                     "Default": "Done"},
            "Done": {"Type": "Succeed"}}}"#,
        r#"{"n": 0}"#,
    );
    assert_eq!(outcome.events.len(), 24_999, "ids 2..=25000 (ExecutionStarted is the server's)");
    let last = outcome.events.last().unwrap();
    assert_eq!((last.id, last.event_type.as_str()), (25_000, "ExecutionFailed"));
    let (status, _, error, _) = outcome.status();
    assert_eq!((status, error.as_deref()), (FinalStatus::Failed, Some("States.Runtime")));
}

#[test]
fn a_negative_max_concurrency_path_stalls_the_map_until_stopped() {
    let definition = Definition::parse(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.limit",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
    )
    .unwrap();
    let mut state = ExecutionState::new(info(r#"{"items": [1], "limit": -1}"#));
    let started = step(&definition, &mut state, Input::Start, START_MS);
    assert!(started.events.is_empty(), "as on AWS, not even MapStateEntered: {:?}", started.events);
    assert!(started.effects.is_empty(), "no timer, no end: {:?}", started.effects);

    let stopped = step(&definition, &mut state, Input::Stop { error: None, cause: None }, START_MS + 1);
    let types: Vec<_> = stopped.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect();
    assert_eq!(types, [("ExecutionAborted", 2, 0)]);

    let counted = run(&definition.source.to_string(), r#"{"items": [1, 2], "limit": 1}"#);
    assert_eq!(counted.status().0, FinalStatus::Succeeded, "a non-negative limit runs");
}
