//! `Input::Redrive`: a closed execution that did not succeed goes on from the states that did not succeed.

use serde_json::json;

use super::info;
use super::START_MS;
use crate::asl::Definition;
use crate::engine::*;

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

fn kinds(step: &Step) -> Vec<(&'static str, u64, u64)> {
    step.events.iter().map(|e| (e.event_type.as_str(), e.id, e.previous_event_id)).collect()
}

fn slots(step: &Step) -> Vec<TaskSlot> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScheduleActivity { slot, .. } => Some(*slot),
            _ => None,
        })
        .collect()
}

fn answer(definition: &Definition, state: &mut ExecutionState, slot: TaskSlot, event: TaskEvent) -> Step {
    step(definition, state, Input::Task { slot, event: TaskEvent::Scheduled }, START_MS);
    step(definition, state, Input::Task { slot, event }, START_MS)
}

#[test]
fn a_redrive_is_ignored_while_running_and_a_closed_execution_ignores_everything_else() {
    let definition = Definition::parse(&format!(
        r#"{{"StartAt": "T", "States": {{"T": {{"Type": "Task", "Resource": "{ACTIVITY}", "End": true}}}}}}"#
    ))
    .unwrap();
    let mut state = ExecutionState::new(info("{}"));
    let slot = slots(&step(&definition, &mut state, Input::Start, START_MS))[0];
    assert_eq!(step(&definition, &mut state, Input::Redrive, START_MS), Step::default());
    let failed = answer(&definition, &mut state, slot, TaskEvent::Failed { error: Some("E".into()), cause: None });
    assert_eq!(kinds(&failed), [("ActivityFailed", 4, 3), ("ExecutionFailed", 5, 4)]);
    assert_eq!(step(&definition, &mut state, Input::Start, START_MS), Step::default());

    let redriven = step(&definition, &mut state, Input::Redrive, START_MS + 10);
    assert_eq!(kinds(&redriven), [("ExecutionRedriven", 6, 5), ("TaskStateEntered", 7, 6)]);
    assert_eq!(redriven.events[0].details, Some(json!({"redriveCount": 1})));
    assert!(!state.is_finished());
    assert_eq!(state.redrives.count, 1);
    assert_eq!(state.info.redrive.last_ms, Some(START_MS + 10));
}

#[test]
fn a_map_of_parallels_reruns_only_the_failed_branch_of_the_failed_iteration_and_replays_the_same() {
    let definition = Definition::parse(
        &json!({"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ACTIVITY, "End": true}}}]}}}}}})
        .to_string(),
    )
    .unwrap();
    let mut state = ExecutionState::new(info("[1, 2]"));
    let mut inputs = vec![Input::Start];
    let started = step(&definition, &mut state, Input::Start, START_MS);
    let [first, second] = slots(&started)[..] else { panic!("{:?}", started.effects) };
    let mut record = |state: &mut ExecutionState, input: Input| {
        inputs.push(input.clone());
        step(&definition, state, input, START_MS)
    };
    record(&mut state, Input::Task { slot: first, event: TaskEvent::Scheduled });
    record(&mut state, Input::Task { slot: first, event: TaskEvent::Succeeded { output: "\"one\"".into() } });
    record(&mut state, Input::Task { slot: second, event: TaskEvent::Scheduled });
    let failed =
        record(&mut state, Input::Task { slot: second, event: TaskEvent::Failed { error: None, cause: None } });
    assert!(state.is_finished(), "{:?}", kinds(&failed));

    let redriven = record(&mut state, Input::Redrive);
    let types: Vec<&str> = redriven.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionRedriven",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered"
        ]
    );
    assert_eq!(redriven.events[3].details, Some(json!({"index": 1, "name": "Each"})));
    let [again] = slots(&redriven)[..] else { panic!("{:?}", redriven.effects) };
    record(&mut state, Input::Task { slot: again, event: TaskEvent::Scheduled });
    let done =
        record(&mut state, Input::Task { slot: again, event: TaskEvent::Succeeded { output: "\"two\"".into() } });
    let Some(Effect::Finished { status, output, .. }) =
        done.effects.iter().find(|e| matches!(e, Effect::Finished { .. }))
    else {
        panic!("{:?}", done.effects)
    };
    assert_eq!(*status, FinalStatus::Succeeded);
    assert_eq!(output.as_deref(), Some(r#"[[1,"one"],[2,"two"]]"#));

    let mut replayed = ExecutionState::new(info("[1, 2]"));
    for input in inputs {
        step(&definition, &mut replayed, input, START_MS);
    }
    assert_eq!(replayed.next_event_id, state.next_event_id, "the recorded inputs, the redrive among them, replay");
    assert!(replayed.is_finished());
}
