//! Task states driven through `Input::Task` reports, as the runtime sends them.

use serde_json::json;

use super::info;
use super::START_MS;
use crate::asl::Definition;
use crate::engine::*;

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

fn activity_definition(extra: &str) -> Definition {
    let caught = if extra.contains("Catch") { r#", "Caught": {"Type": "Pass", "End": true}"# } else { "" };
    let text = format!(
        r#"{{"StartAt": "T", "States": {{"T": {{"Type": "Task", "Resource": "{ACTIVITY}"{extra}, "End": true}}{caught}}}}}"#
    );
    Definition::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn slot_of(step: &Step) -> TaskSlot {
    step.effects
        .iter()
        .find_map(|e| match e {
            Effect::ScheduleActivity { slot, .. } | Effect::InvokeTask { slot, .. } => Some(*slot),
            _ => None,
        })
        .expect("a task effect")
}

fn kinds(step: &Step) -> Vec<(&'static str, u64, u64)> {
    step.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect()
}

#[test]
fn activity_success_follows_the_recorded_history() {
    let definition =
        Definition::parse(&format!(r#"{{"StartAt": "T", "States": {{"T": {{"Type": "Task", "Resource": "{ACTIVITY}", "Parameters": {{"v.$": "$.v", "token.$": "$$.Task.Token"}}, "End": true}}}}}}"#))
            .unwrap();
    let mut state = ExecutionState::new(info(r#"{"v": 1}"#));
    let first = step(&definition, &mut state, Input::Start, START_MS);
    assert_eq!(kinds(&first), [("TaskStateEntered", 2, 0)]);
    let slot = slot_of(&first);
    let Effect::ScheduleActivity { input, task_token, .. } = &first.effects[0] else { panic!() };
    assert_eq!(verify_task_token("test-key", task_token).map(|(_, s)| s), Some(slot));
    assert_eq!(serde_json::from_str::<serde_json::Value>(input).unwrap()["token"], json!(task_token));

    let scheduled = step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    assert_eq!(kinds(&scheduled), [("ActivityScheduled", 3, 2)]);
    let started =
        step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Started { worker_name: None } }, START_MS);
    assert_eq!(kinds(&started), [("ActivityStarted", 4, 3)]);
    assert_eq!(started.events[0].details, Some(json!({})));
    let done = step(
        &definition,
        &mut state,
        Input::Task { slot, event: TaskEvent::Succeeded { output: r#"{"r": 2}"#.into() } },
        START_MS,
    );
    assert_eq!(kinds(&done), [("ActivitySucceeded", 5, 4), ("TaskStateExited", 6, 5), ("ExecutionSucceeded", 7, 6)]);
    assert!(done.effects.contains(&Effect::CloseTask { slot }));
}

#[test]
fn missing_activity_fails_with_states_runtime() {
    let definition = activity_definition("");
    let mut state = ExecutionState::new(info("{}"));
    let slot = slot_of(&step(&definition, &mut state, Input::Start, START_MS));
    let cause = format!("The activity {ACTIVITY} does not exist.");
    let out = step(&definition, &mut state, Input::Task { slot, event: TaskEvent::ScheduleFailed { cause } }, START_MS);
    assert_eq!(kinds(&out), [("ExecutionFailed", 3, 2)]);
    assert_eq!(
        out.events[0].details,
        Some(
            json!({"error": "States.Runtime", "cause": format!("An error occurred while executing the state 'T' (entered at the event id #2). The activity {ACTIVITY} does not exist.")})
        )
    );
}

#[test]
fn failures_retry_then_catch_and_task_failed_matches() {
    let definition = activity_definition(
        r#", "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1, "IntervalSeconds": 2}], "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Caught"}]"#,
    );
    let mut state = ExecutionState::new(info(r#"{"a": 1}"#));
    let mut slot = slot_of(&step(&definition, &mut state, Input::Start, START_MS));
    let fail =
        |slot| Input::Task { slot, event: TaskEvent::Failed { error: Some("Boom".into()), cause: Some("c".into()) } };
    step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    let first = step(&definition, &mut state, fail(slot), START_MS);
    assert_eq!(kinds(&first), [("ActivityFailed", 4, 3)]);
    let Some(Effect::ArmTimer { timer, due_ms }) =
        first.effects.iter().find(|e| matches!(e, Effect::ArmTimer { .. })).cloned()
    else {
        panic!("retry timer")
    };
    assert_eq!(due_ms, START_MS + 2_000);
    let retry = step(&definition, &mut state, Input::TimersFired { timers: vec![timer] }, due_ms);
    let next_slot = slot_of(&retry);
    assert_ne!(next_slot, slot);
    slot = next_slot;
    step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, due_ms);
    let caught = step(&definition, &mut state, fail(slot), due_ms);
    assert_eq!(
        caught.events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        ["ActivityFailed", "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    );
    let Some(Effect::Finished { output: Some(output), .. }) = caught.effects.last() else { panic!() };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(output).unwrap(),
        json!({"a": 1, "err": {"Error": "Boom", "Cause": "c"}})
    );
}

#[test]
fn hard_timeout_is_a_timer_and_heartbeat_expiry_a_report() {
    let definition = activity_definition(r#", "TimeoutSeconds": 60, "HeartbeatSeconds": 10"#);
    let mut state = ExecutionState::new(info("{}"));
    let slot = slot_of(&step(&definition, &mut state, Input::Start, START_MS));
    let scheduled = step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    assert_eq!(scheduled.events[0].details.as_ref().unwrap()["heartbeatInSeconds"], json!(10));
    let started = step(
        &definition,
        &mut state,
        Input::Task { slot, event: TaskEvent::Started { worker_name: Some("w".into()) } },
        START_MS,
    );
    let dues: Vec<i64> = started
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ArmTimer { due_ms, .. } => Some(*due_ms),
            _ => None,
        })
        .collect();
    assert_eq!(dues, [START_MS + 60_000], "only the hard timeout is an engine timer");
    let out =
        step(&definition, &mut state, Input::Task { slot, event: TaskEvent::HeartbeatTimedOut }, START_MS + 15_000);
    assert_eq!(
        out.events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        ["ActivityTimedOut", "ExecutionFailed"]
    );
    assert_eq!(out.events[1].details, Some(json!({"error": "States.Timeout"})));
}

#[test]
fn callback_service_task_records_task_events() {
    let definition = Definition::parse(
        r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"MessageBody.$": "$$.Task.Token"}, "End": true}}}"#,
    )
    .unwrap();
    let mut state = ExecutionState::new(info("{}"));
    let first = step(&definition, &mut state, Input::Start, START_MS);
    assert_eq!(kinds(&first), [("TaskStateEntered", 2, 0), ("TaskScheduled", 3, 2)]);
    let details = first.events[1].details.as_ref().unwrap();
    assert_eq!(details["resourceType"], json!("sqs"));
    assert_eq!(details["resource"], json!("sendMessage.waitForTaskToken"));
    assert_eq!(details["region"], json!("us-east-1"));
    let slot = slot_of(&first);
    let reports = [
        TaskEvent::Started { worker_name: None },
        TaskEvent::Submitted { output: "{}".into() },
        TaskEvent::Succeeded { output: "\"ok\"".into() },
    ];
    let mut types = Vec::new();
    for event in reports {
        let out = step(&definition, &mut state, Input::Task { slot, event }, START_MS);
        types.extend(out.events.iter().map(|e| e.event_type.as_str()));
    }
    assert_eq!(types, ["TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]);
}

#[test]
fn stop_aborts_a_waiting_task() {
    let definition = activity_definition("");
    let mut state = ExecutionState::new(info("{}"));
    let slot = slot_of(&step(&definition, &mut state, Input::Start, START_MS));
    step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    let out = step(&definition, &mut state, Input::Stop { error: None, cause: None }, START_MS);
    assert_eq!(kinds(&out), [("TaskStateAborted", 4, 3), ("ExecutionAborted", 5, 4)]);
    assert!(out.effects.contains(&Effect::AbandonTask { slot }), "the worker is asked to cancel");
}

#[test]
fn a_heartbeat_timeout_carries_the_last_details_as_its_cause() {
    let definition = activity_definition(r#", "HeartbeatSeconds": 5"#);
    let mut state = ExecutionState::new(info("{}"));
    let slot = slot_of(&step(&definition, &mut state, Input::Start, START_MS));
    step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    step(&definition, &mut state, Input::Task { slot, event: TaskEvent::Started { worker_name: None } }, START_MS);
    let event = TaskEvent::HeartbeatTimedOutWithDetails { details: "checkpoint-7".into() };
    let out = step(&definition, &mut state, Input::Task { slot, event }, START_MS + 6_000);
    assert_eq!(out.events[0].event_type.as_str(), "ActivityTimedOut");
    assert_eq!(out.events[0].details, Some(json!({"error": "States.Timeout", "cause": "checkpoint-7"})));
    assert_eq!(out.events[1].details, Some(json!({"error": "States.Timeout", "cause": "checkpoint-7"})));
    assert!(out.effects.contains(&Effect::CloseTask { slot }), "its own timeout is no abandonment");
}

#[test]
fn a_failed_parallel_branch_abandons_its_siblings_tasks() {
    let branch =
        |name: &str| json!({"StartAt": name, "States": {name: {"Type": "Task", "Resource": ACTIVITY, "End": true}}});
    let text = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [branch("A"), branch("B")]}}});
    let definition = Definition::parse(&text.to_string()).unwrap();
    let mut state = ExecutionState::new(info("{}"));
    let first = step(&definition, &mut state, Input::Start, START_MS);
    let slots: Vec<TaskSlot> = first
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScheduleActivity { slot, .. } => Some(*slot),
            _ => None,
        })
        .collect();
    for slot in &slots {
        step(&definition, &mut state, Input::Task { slot: *slot, event: TaskEvent::Scheduled }, START_MS);
        let started = TaskEvent::Started { worker_name: None };
        step(&definition, &mut state, Input::Task { slot: *slot, event: started }, START_MS);
    }
    let failed = TaskEvent::Failed { error: Some("Boom".into()), cause: None };
    let out = step(&definition, &mut state, Input::Task { slot: slots[1], event: failed }, START_MS);
    assert!(out.effects.contains(&Effect::CloseTask { slot: slots[1] }));
    assert!(out.effects.contains(&Effect::AbandonTask { slot: slots[0] }), "{:?}", out.effects);
}
