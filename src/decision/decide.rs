//! Running the engine for a decision: the given inputs in order, each followed by the answers the runtime
//! can give at once (an activity exists or not; a service call starts), so one decision covers everything
//! up to the next wait.

use std::collections::VecDeque;

use super::Consumed;
use super::Decision;
use super::ExecutionClose;
use crate::asl::Definition;
use crate::engine;
use crate::engine::Effect;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::engine::TaskEvent;
use crate::history::StoredEvent;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;

/// Runs `inputs` through the engine at `now_ms`. `activity_exists` answers whether an activity ARN names an
/// activity (an activity task of a missing one fails as `States.Runtime`). The decision has no checkpoint.
pub fn decide(
    definition: &Definition,
    state: &mut ExecutionState,
    inputs: impl IntoIterator<Item = Input>,
    now_ms: i64,
    activity_exists: &dyn Fn(&str) -> bool,
) -> Decision {
    let mut decision = Decision::default();
    for input in inputs {
        decision.run(definition, state, input, now_ms, activity_exists);
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
        activity_exists: &dyn Fn(&str) -> bool,
    ) {
        let mut queue = VecDeque::from([input]);
        while let Some(input) = queue.pop_front() {
            self.consume(definition, state, input, now_ms, activity_exists, &mut queue);
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
        activity_exists: &dyn Fn(&str) -> bool,
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
            Input::Task { slot, event: TaskEvent::Submitted { .. } } => self.changes.tasks_submitted.push(*slot),
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
                    let event = match activity_exists(&activity_arn) {
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
                Effect::InvokeTask { slot, resource, parameters, heartbeat_seconds, task_token, .. } => {
                    answers.push_back(Input::Task { slot, event: TaskEvent::Started { worker_name: None } });
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
                        changes.tasks_closed.push(slot);
                        if matches!(effect, Effect::AbandonTask { .. }) {
                            changes.tasks_abandoned.push(slot);
                        }
                    }
                }
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
