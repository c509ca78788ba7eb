//! Task states: activities (scheduled through the runtime, which confirms the activity exists), service
//! integrations (including `.waitForTaskToken` and `.sync`) and Lambda functions named by their own ARN, task
//! timeouts and heartbeats, and the task token.

use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use serde_json::Value;

use crate::asl::state::Dynamic;
use crate::asl::state::QueryLanguage;
use crate::asl::state::Task;
use crate::asl::State;
use crate::engine::dataflow;
use crate::engine::env::Scope;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::Position;
use crate::engine::execution::Thread;
use crate::engine::io::Effect;
use crate::engine::io::TaskEvent;
use crate::engine::io::TaskSlot;
use crate::engine::io::TimerId;
use crate::engine::json::to_text;
use crate::engine::parallel::complete;
use crate::engine::query::States;
use crate::engine::query_flow;
use crate::engine::run::Run;
use crate::engine::task_kind::TaskKind;
use crate::engine::thread::env_for;
use crate::engine::thread::fail;
use crate::engine::thread::site;
use crate::engine::thread::state_of;
use crate::engine::thread::Failure;
use crate::engine::thread::Progress;
use crate::engine::token::mint_task_token;

/// How far a task has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// An activity waiting for the runtime to confirm it can be scheduled.
    Scheduling,
    /// Scheduled (ActivityScheduled / TaskScheduled written), not started.
    Scheduled,
    /// Started: timeout and heartbeat clocks run.
    Started,
}

/// A Task state waiting for its work.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskProgress {
    pub active: Active,
    pub slot: TaskSlot,
    pub kind: TaskKind,
    pub resource_type: String,
    pub resource: String,
    pub phase: Phase,
    #[serde(with = "crate::engine::json_text")]
    pub input: Value,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    pub timeout_timer: Option<TimerId>,
}

/// `(resourceType, resource)` of a service integration ARN (`arn:aws:states:::sqs:sendMessage.waitForTaskToken`,
/// `arn:aws:states:::states:startExecution.sync:2` -> `("states", "startExecution.sync:2")`).
fn service_parts(resource: &str) -> (String, String) {
    let rest: Vec<&str> = resource.splitn(6, ':').collect();
    let tail = rest.get(5).copied().unwrap_or(resource);
    let (tail, version) = match tail.strip_suffix(":2").filter(|base| base.ends_with(".sync")) {
        Some(base) => (base, ":2"),
        None => (tail, ""),
    };
    match tail.rsplit_once(':') {
        Some((kind, api)) => (kind.to_string(), format!("{api}{version}")),
        None => (tail.to_string(), String::new()),
    }
}

fn seconds(field: &Option<Dynamic<u64>>, input: &Value, env: &crate::engine::env::Env<'_>) -> Option<u64> {
    match field {
        Some(Dynamic::Literal(n)) => Some(*n),
        Some(Dynamic::Path(p)) => dataflow::read_text(p, input, env).ok().and_then(|v| v.as_u64()),
        _ => None,
    }
}

/// A JSONata Task's `Arguments`, `TimeoutSeconds` and `HeartbeatSeconds`.
fn jsonata_input(
    state: &State,
    task: &Task,
    active: &Active,
    env: &crate::engine::env::Env<'_>,
) -> Result<(Value, Option<u64>, Option<u64>), StateError> {
    let at = site(active);
    let states = States::input(&active.input);
    let input = query_flow::arguments(state, states, env, at)?;
    let seconds = |field: &str, dynamic: &Option<Dynamic<u64>>| {
        dynamic.as_ref().map(|d| query_flow::integer(field, d, states, env, at)).transpose()
    };
    let timeout = seconds("TimeoutSeconds", &task.timeout_seconds)?;
    let heartbeat = seconds("HeartbeatSeconds", &task.heartbeat_seconds)?;
    Ok((input, timeout, heartbeat))
}

/// Starts an attempt of a Task state: evaluates its input and asks the runtime for the work.
pub fn start(
    run: &mut Run<'_>,
    thread: &mut Thread,
    parent: Option<&Scope<'_>>,
    state: &State,
    task: &Task,
    active: Active,
) {
    let slot = TaskSlot(run.next_task_slot);
    run.next_task_slot += 1;
    let token = mint_task_token(&run.info.token_key, &run.info.execution_arn, slot);
    let prepared = {
        let scope = Scope { variables: &thread.variables, parent };
        let env = env_for(run, &active, &scope).with_context_member("Task", json!({"Token": token}));
        let at = site(&active);
        if state.query_language == QueryLanguage::JsonAta {
            jsonata_input(state, task, &active, &env)
        } else {
            dataflow::select(&state.input_path, &active.input, &env, at).and_then(|effective| {
                let input = match &state.parameters {
                    Some(parameters) => dataflow::template(parameters, &effective, &env, at)?,
                    None => effective.clone(),
                };
                Ok((
                    input,
                    seconds(&task.timeout_seconds, &effective, &env),
                    seconds(&task.heartbeat_seconds, &effective, &env),
                ))
            })
        }
    };
    let (input, timeout_seconds, heartbeat_seconds) = match prepared {
        Ok(p) => p,
        Err(error) => {
            let previous = thread.last_event;
            fail(run, thread, parent, state, active, Failure::after(error, previous));
            return;
        }
    };
    let kind = TaskKind::of(&task.resource);
    let (resource_type, resource) = match kind {
        TaskKind::Service => service_parts(&task.resource),
        TaskKind::Activity | TaskKind::LambdaFunction => (String::new(), task.resource.clone()),
    };
    let mut progress = TaskProgress {
        active,
        slot,
        kind,
        resource_type,
        resource,
        phase: Phase::Scheduling,
        input,
        timeout_seconds,
        heartbeat_seconds,
        timeout_timer: None,
    };
    if kind == TaskKind::Activity {
        run.effects.push(Effect::ScheduleActivity {
            slot,
            activity_arn: task.resource.clone(),
            input: to_text(&progress.input),
            timeout_seconds,
            heartbeat_seconds,
            task_token: token,
        });
        thread.position = Position::Task(Box::new(progress));
        return;
    }
    let (event_type, details) = match kind {
        TaskKind::LambdaFunction => {
            let mut details = json!({
                "resource": progress.resource,
                "input": to_text(&progress.input),
                "inputDetails": {"truncated": false},
            });
            add_timeouts(&mut details, timeout_seconds, None);
            (EventType::LambdaFunctionScheduled, details)
        }
        _ => {
            let region = run.info.execution_arn.split(':').nth(3).unwrap_or_default().to_string();
            let mut details = json!({
                "resourceType": progress.resource_type,
                "resource": progress.resource,
                "region": region,
                "parameters": to_text(&progress.input),
            });
            add_timeouts(&mut details, timeout_seconds, heartbeat_seconds);
            (EventType::TaskScheduled, details)
        }
    };
    thread.last_event = run.emit(event_type, thread.last_event, Some(details));
    progress.phase = Phase::Scheduled;
    let invocation = run.count_invocation(&state.name);
    run.effects.push(Effect::InvokeTask {
        slot,
        state: state.name.clone(),
        invocation,
        resource: task.resource.clone(),
        parameters: to_text(&progress.input),
        timeout_seconds,
        heartbeat_seconds,
        task_token: token,
    });
    thread.position = Position::Task(Box::new(progress));
}

/// `timeoutInSeconds` / `heartbeatInSeconds` of a scheduled event, present only when the state sets them.
fn add_timeouts(details: &mut Value, timeout_seconds: Option<u64>, heartbeat_seconds: Option<u64>) {
    if let Some(t) = timeout_seconds {
        details["timeoutInSeconds"] = json!(t);
    }
    if let Some(h) = heartbeat_seconds {
        details["heartbeatInSeconds"] = json!(h);
    }
}

/// Applies the runtime's reports (and fired timers) to a waiting Task state.
pub fn advance(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>, mut p: TaskProgress) -> Progress {
    let state = state_of(run, thread, &p.active.state);
    // Task* events name the service; Activity* and LambdaFunction* events do not.
    let base = |p: &TaskProgress| match p.kind {
        TaskKind::Service => json!({"resourceType": p.resource_type, "resource": p.resource}),
        TaskKind::Activity | TaskKind::LambdaFunction => json!({}),
    };
    let heartbeat_missed = run.take_task_event_if(p.slot, |e| {
        matches!(e, TaskEvent::HeartbeatTimedOut | TaskEvent::HeartbeatTimedOutWithDetails { .. })
    });
    let timeout_fired = p.timeout_timer.is_some_and(|t| run.take_fired(t));
    if timeout_fired || heartbeat_missed.is_some() {
        if !timeout_fired {
            cancel_timeout(run, &p);
        }
        // The last heartbeat details (if the worker sent any) explain a heartbeat timeout.
        let cause = match heartbeat_missed {
            Some(TaskEvent::HeartbeatTimedOutWithDetails { details }) if !timeout_fired => Some(details),
            _ => None,
        };
        let error = StateError { error: Some(names::TIMEOUT.to_string()), cause };
        let mut details = base(&p);
        details["error"] = json!(names::TIMEOUT);
        if let Some(cause) = &error.cause {
            details["cause"] = json!(cause);
        }
        let kind =
            p.kind.event(EventType::ActivityTimedOut, EventType::TaskTimedOut, EventType::LambdaFunctionTimedOut);
        let id = run.emit(kind, thread.last_event, Some(details));
        run.effects.push(Effect::CloseTask { slot: p.slot });
        fail(
            run,
            thread,
            parent,
            state,
            p.active,
            Failure { error, previous: id, failed_event: None, from_task: true, resume: None },
        );
        return Progress::Finished;
    }
    while let Some(report) = run.take_task_event(p.slot) {
        match report {
            TaskEvent::Scheduled if p.phase == Phase::Scheduling => {
                let mut details =
                    json!({"resource": p.resource, "input": to_text(&p.input), "inputDetails": {"truncated": false}});
                add_timeouts(&mut details, p.timeout_seconds, p.heartbeat_seconds);
                thread.last_event = run.emit(EventType::ActivityScheduled, thread.last_event, Some(details));
                p.phase = Phase::Scheduled;
            }
            TaskEvent::ScheduleFailed { cause } => {
                run.effects.push(Effect::CloseTask { slot: p.slot });
                cancel_timeout(run, &p);
                let error = site(&p.active).runtime(cause);
                let previous = thread.last_event;
                fail(run, thread, parent, state, p.active, Failure::after(error, previous));
                return Progress::Finished;
            }
            TaskEvent::Started { worker_name } if p.phase != Phase::Started => {
                let details = match (p.kind, worker_name) {
                    (TaskKind::Activity, Some(name)) => Some(json!({"workerName": name})),
                    (TaskKind::Activity, None) => Some(json!({})),
                    (TaskKind::Service, _) => Some(base(&p)),
                    (TaskKind::LambdaFunction, _) => None,
                };
                let kind =
                    p.kind.event(EventType::ActivityStarted, EventType::TaskStarted, EventType::LambdaFunctionStarted);
                thread.last_event = run.emit(kind, thread.last_event, details);
                p.phase = Phase::Started;
                p.timeout_timer = p.timeout_seconds.map(|s| run.arm(run.now_ms + s as i64 * 1000));
            }
            TaskEvent::Submitted { output } if p.kind == TaskKind::Service => {
                let mut details = base(&p);
                details["output"] = json!(output);
                details["outputDetails"] = json!({"truncated": false});
                thread.last_event = run.emit(EventType::TaskSubmitted, thread.last_event, Some(details));
            }
            TaskEvent::Succeeded { output } => {
                let mut details = base(&p);
                details["output"] = json!(output);
                details["outputDetails"] = json!({"truncated": false});
                let kind = p.kind.event(
                    EventType::ActivitySucceeded,
                    EventType::TaskSucceeded,
                    EventType::LambdaFunctionSucceeded,
                );
                let id = run.emit(kind, thread.last_event, Some(details));
                run.effects.push(Effect::CloseTask { slot: p.slot });
                cancel_timeout(run, &p);
                let result = serde_json::from_str(&output).unwrap_or(Value::String(output));
                complete(run, thread, parent, state, p.active, result, id);
                return Progress::Finished;
            }
            TaskEvent::Failed { error, cause } => {
                let failure = StateError { error, cause };
                let mut details = base(&p);
                if let (Some(map), Value::Object(extra)) = (details.as_object_mut(), failure.details()) {
                    map.extend(extra);
                }
                let kind =
                    p.kind.event(EventType::ActivityFailed, EventType::TaskFailed, EventType::LambdaFunctionFailed);
                let id = run.emit(kind, thread.last_event, Some(details));
                run.effects.push(Effect::CloseTask { slot: p.slot });
                cancel_timeout(run, &p);
                let failure =
                    Failure { error: failure, previous: id, failed_event: None, from_task: true, resume: None };
                fail(run, thread, parent, state, p.active, failure);
                return Progress::Finished;
            }
            _ => {}
        }
    }
    thread.position = Position::Task(Box::new(p));
    Progress::Blocked
}

/// Drops the task's `TimeoutSeconds` timer when the task ends another way.
fn cancel_timeout(run: &mut Run<'_>, p: &TaskProgress) {
    if let Some(timer) = p.timeout_timer {
        run.effects.push(Effect::CancelTimer { timer });
    }
}

/// The TaskStateAborted bookkeeping when the execution stops while the task waits.
pub fn abort(run: &mut Run<'_>, thread: &Thread, p: &TaskProgress) -> u64 {
    run.effects.push(Effect::AbandonTask { slot: p.slot });
    run.emit(EventType::TaskStateAborted, thread.last_event, None)
}

/// Gives up a waiting task whose worker may still be running it: its token closes (the worker is asked to
/// cancel) and its `TimeoutSeconds` timer is dropped.
pub fn abandon(run: &mut Run<'_>, p: &TaskProgress) {
    run.effects.push(Effect::AbandonTask { slot: p.slot });
    cancel_timeout(run, p);
}

/// Whether `error_equals` matches a task failure named `error` (`States.TaskFailed` matches every task error
/// except `States.Timeout`).
pub fn matches_task_failure(error_equals: &[String], error: &str) -> bool {
    error_equals.iter().any(|e| e == names::TASK_FAILED) && error != names::TIMEOUT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_split_into_type_and_api() {
        let cases = [
            ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", ("sqs", "sendMessage.waitForTaskToken")),
            ("arn:aws:states:::lambda:invoke", ("lambda", "invoke")),
            ("arn:aws:states:::aws-sdk:s3:getObject", ("aws-sdk:s3", "getObject")),
            ("arn:aws:states:::states:startExecution.sync:2", ("states", "startExecution.sync:2")),
            ("arn:aws:states:::states:startExecution.sync", ("states", "startExecution.sync")),
        ];
        for (arn, (kind, api)) in cases {
            assert_eq!(service_parts(arn), (kind.to_string(), api.to_string()), "{arn}");
        }
    }
}
