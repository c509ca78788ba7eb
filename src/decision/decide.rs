//! Running the engine for a decision: the given inputs in order, each followed by the answers the runtime
//! can give at once (an activity exists or not; a service call starts; a mocked call answers), so one
//! decision covers everything up to the next wait.

use std::collections::VecDeque;

use super::Consumed;
use super::Decision;
use super::ExecutionClose;
use super::Runtime;
use crate::asl::Definition;
use crate::engine;
use crate::engine::Effect;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::engine::TaskEvent;
use crate::history::StoredEvent;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;

/// Runs `inputs` through the engine at `now_ms`, with what `runtime` answers at once. The decision has no
/// checkpoint.
pub fn decide(
    definition: &Definition,
    state: &mut ExecutionState,
    inputs: impl IntoIterator<Item = Input>,
    now_ms: i64,
    runtime: Runtime<'_>,
) -> Decision {
    let mut decision = Decision::default();
    for input in inputs {
        decision.run(definition, state, input, now_ms, runtime);
    }
    decision
}

impl Decision {
    /// Runs one input, and the answers it gets at once, through the engine, adding to this decision.
    pub fn run(
        &mut self,
        definition: &Definition,
        state: &mut ExecutionState,
        input: Input,
        now_ms: i64,
        runtime: Runtime<'_>,
    ) {
        let mut queue = VecDeque::from([input]);
        while let Some(input) = queue.pop_front() {
            self.consume(definition, state, input, now_ms, runtime, &mut queue);
        }
    }

    /// Whether the engine wrote or changed anything.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.changes.is_empty()
    }

    fn consume(
        &mut self,
        definition: &Definition,
        state: &mut ExecutionState,
        input: Input,
        now_ms: i64,
        runtime: Runtime<'_>,
        answers: &mut VecDeque<Input>,
    ) {
        match &input {
            Input::TimersFired { timers } => self.changes.timers_dropped.extend(timers),
            Input::Task { slot, event: TaskEvent::Started { .. } } => {
                match self.changes.tasks_opened.iter_mut().find(|t| t.slot == slot.0) {
                    Some(opened) => opened.started = true,
                    None => self.changes.tasks_started.push(*slot),
                }
            }
            Input::Task { slot, event: TaskEvent::Submitted { .. } } => {
                match self.changes.tasks_opened.iter_mut().find(|t| t.slot == slot.0) {
                    Some(opened) => opened.submitted = true,
                    None => self.changes.tasks_submitted.push(*slot),
                }
            }
            _ => {}
        }
        let step = engine::step(definition, state, input.clone(), now_ms);
        self.inputs.push(Consumed { at_ms: now_ms, input });
        self.events.extend(step.events.iter().map(|draft| StoredEvent::from_draft(draft, now_ms)));
        let changes = &mut self.changes;
        for effect in step.effects {
            match effect {
                Effect::ArmTimer { timer, due_ms } => changes.timers_armed.push((timer, due_ms)),
                Effect::CancelTimer { timer } => {
                    let before = changes.timers_armed.len();
                    changes.timers_armed.retain(|(armed, _)| *armed != timer);
                    if changes.timers_armed.len() == before {
                        changes.timers_dropped.push(timer);
                    }
                }
                Effect::ScheduleActivity { slot, activity_arn, input, heartbeat_seconds, task_token, .. } => {
                    let event = match (runtime.activity_exists)(&activity_arn) {
                        true => TaskEvent::Scheduled,
                        false => {
                            TaskEvent::ScheduleFailed { cause: format!("The activity {activity_arn} does not exist.") }
                        }
                    };
                    answers.push_back(Input::Task { slot, event });
                    changes.tasks_opened.push(OpenTask {
                        slot: slot.0,
                        token: task_token,
                        activity_arn: Some(activity_arn.clone()),
                        resource: activity_arn,
                        input,
                        heartbeat_seconds,
                        started: false,
                        submitted: false,
                    });
                }
                Effect::InvokeTask {
                    slot,
                    state: task_state,
                    invocation,
                    resource,
                    parameters,
                    heartbeat_seconds,
                    task_token,
                    ..
                } => {
                    // A mocked call answers at once: its answer becomes this decision's inputs, which the log
                    // records, so a rebuild replays it without the mock configuration.
                    match runtime.test_case.and_then(|case| case.answer(&task_state, invocation)) {
                        Some(answer) => answers
                            .extend(answer.task_events(&resource).into_iter().map(|event| Input::Task { slot, event })),
                        None => {
                            answers.push_back(Input::Task { slot, event: TaskEvent::Started { worker_name: None } })
                        }
                    }
                    changes.tasks_opened.push(OpenTask {
                        slot: slot.0,
                        token: task_token,
                        activity_arn: None,
                        resource,
                        input: parameters,
                        heartbeat_seconds,
                        started: false,
                        submitted: false,
                    });
                }
                Effect::CloseTask { slot } | Effect::AbandonTask { slot } => {
                    let before = changes.tasks_opened.len();
                    changes.tasks_opened.retain(|t| t.slot != slot.0);
                    if changes.tasks_opened.len() == before {
                        changes.tasks_started.retain(|s| *s != slot);
                        changes.tasks_submitted.retain(|s| *s != slot);
                        changes.tasks_closed.push(slot);
                        if matches!(effect, Effect::AbandonTask { .. }) {
                            changes.tasks_abandoned.push(slot);
                        }
                    }
                }
                Effect::MapRun(record) => match changes.map_runs.iter_mut().find(|r| r.arn == record.arn) {
                    Some(earlier) => *earlier = *record,
                    None => changes.map_runs.push(*record),
                },
                Effect::Finished { status, output, error, cause } => {
                    changes.close = Some(ExecutionClose {
                        status: ExecutionStatus::parse(status.as_str()).unwrap_or(ExecutionStatus::Failed),
                        stop_ms: now_ms,
                        output,
                        error,
                        cause,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::decision::replay;
    use crate::engine::ExecutionInfo;
    use crate::engine::WaitTimeScale;
    use crate::mocks::MockedResponse;
    use crate::mocks::TestCase;

    const START_MS: i64 = 1_700_000_000_000;

    fn types(decision: &Decision) -> Vec<&'static str> {
        decision.events.iter().map(|e| e.event_type.as_str()).collect()
    }

    #[test]
    fn mocked_answers_are_recorded_as_inputs_and_replay_without_the_mocks() {
        let definition = Definition::parse(
            &json!({"StartAt": "Charge", "States": {
                "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 10, "MaxAttempts": 1}], "Next": "Notify"},
                "Notify": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:notify", "End": true}}})
            .to_string(),
        )
        .expect("valid definition");
        let response = |name: &str, entry| Arc::new(MockedResponse::parse(name, &entry).expect("valid response"));
        let charge = response(
            "Charge",
            json!({"0": {"Throw": {"Error": "Busy", "Cause": "c"}}, "1": {"Return": {"Payload": {"n": 1}}}}),
        );
        let notify = response("Notify", json!({"0": {"Return": {"StatusCode": 200, "Payload": {"sent": true}}}}));
        let case = TestCase::new(
            "M",
            "Retry",
            BTreeMap::from([("Charge".to_string(), charge), ("Notify".to_string(), notify)]),
        );
        let info = at_half_speed();
        let no_activities = |_: &str| false;
        let runtime = Runtime { activity_exists: &no_activities, test_case: Some(&case) };
        let mut state = ExecutionState::new(info.clone());

        let first = decide(&definition, &mut state, [Input::Start], START_MS, runtime);
        assert_eq!(types(&first), ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed"]);
        assert!(first.changes.tasks_opened.is_empty(), "a mocked call leaves no open task");
        let [(timer, due)] = first.changes.timers_armed[..] else { panic!("{:?}", first.changes) };
        assert_eq!(due, START_MS + 5_000, "the 10 s retry interval, scaled by 0.5");

        let fired = Input::TimersFired { timers: vec![timer] };
        let second = decide(&definition, &mut state, [fired], due, runtime);
        assert_eq!(
            types(&second),
            [
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
        assert_eq!(second.changes.close.as_ref().and_then(|c| c.output.as_deref()), Some(r#"{"sent":true}"#));

        let mut rebuilt = ExecutionState::new(info);
        replay(&definition, &mut rebuilt, first.inputs.iter().chain(&second.inputs));
        assert_eq!(rebuilt.next_event_id, state.next_event_id, "the recorded inputs replay the same history");
        assert!(rebuilt.is_finished());
    }

    /// An execution whose Waits and Retry intervals run at half their length.
    fn at_half_speed() -> ExecutionInfo {
        ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:1:execution:M:e".into(),
            input: "{}".into(),
            wait_time_scale: WaitTimeScale::new(0.5).unwrap(),
            ..ExecutionInfo::default()
        }
    }

    #[test]
    fn waits_in_both_query_languages_run_at_the_wait_time_scale() {
        let jsonpath = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}});
        let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": "{% 5 * 2 %}", "End": true}}});
        for definition in [jsonpath, jsonata] {
            let definition = Definition::parse(&definition.to_string()).expect("valid definition");
            let info = at_half_speed();
            let no_activities = |_: &str| false;
            let runtime = Runtime { activity_exists: &no_activities, test_case: None };
            let mut state = ExecutionState::new(info);
            let first = decide(&definition, &mut state, [Input::Start], START_MS, runtime);
            let [(_, due)] = first.changes.timers_armed[..] else { panic!("{:?}", first.changes) };
            assert_eq!(due, START_MS + 5_000, "the 10 s Wait, scaled by 0.5");
        }
    }
}
