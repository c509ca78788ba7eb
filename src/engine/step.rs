//! The pure step function: applies one input to an execution and runs it as far as it can go.

use std::sync::Arc;

use serde_json::json;
use serde_json::Value;

use crate::asl::Definition;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::ExecutionState;
use crate::engine::execution::Position;
use crate::engine::execution::Redrives;
use crate::engine::execution::Thread;
use crate::engine::io::Effect;
use crate::engine::io::FinalStatus;
use crate::engine::io::Input;
use crate::engine::io::Step;
use crate::engine::json::to_text;
use crate::engine::map_run;
use crate::engine::run::Run;
use crate::engine::thread::advance;
use crate::engine::thread::Progress;

/// Given the definition, the execution's state, one input and the current time (epoch ms, for timers and
/// `$$.State.EnteredTime`), returns the events to append and the effects for the runtime. Runs as far as it can
/// without waiting.
pub fn step(definition: &Definition, state: &mut ExecutionState, input: Input, now_ms: i64) -> Step {
    if state.is_finished() != matches!(input, Input::Redrive) {
        return Step::default();
    }
    if input == Input::Redrive {
        state.redrives = Redrives { count: state.redrives.count + 1, last_ms: Some(now_ms) };
    }
    state.info.redrive = state.redrives;
    let execution_input: Value = serde_json::from_str(&state.info.input).unwrap_or(Value::Null);
    let mut run = Run {
        definition,
        info: &state.info,
        execution_input: Arc::new(execution_input),
        now_ms,
        next_event_id: state.next_event_id,
        next_timer_id: state.next_timer_id,
        fired: std::mem::take(&mut state.fired),
        events: Vec::new(),
        effects: Vec::new(),
        silent: false,
        next_task_slot: state.next_task_slot,
        task_events: Vec::new(),
        invocations: std::mem::take(&mut state.task_invocations),
    };
    let mut root = std::mem::replace(&mut state.root, Thread::new(Vec::new(), 0, Position::NotStarted));
    let mut execution_timer = state.execution_timer;
    let mut status = None;
    match input {
        Input::Start => {
            if matches!(root.position, Position::NotStarted) {
                let input = Value::clone(&run.execution_input);
                root.position = Position::Enter { state: definition.body.start_at.clone(), input };
                root.last_event = 0;
                if let Some(seconds) = definition.timeout_seconds {
                    execution_timer = Some(run.arm(state.info.start_time_ms + seconds as i64 * 1000));
                }
            }
        }
        Input::Redrive => {
            let details = json!({"redriveCount": state.redrives.count});
            root.last_event = run.emit(EventType::ExecutionRedriven, state.next_event_id - 1, Some(details));
            crate::engine::redrive::reopen(&mut run, &mut root);
            execution_timer = definition.timeout_seconds.map(|seconds| run.arm(now_ms + seconds as i64 * 1000));
        }
        Input::TimersFired { timers } if execution_timer.is_some_and(|t| timers.contains(&t)) => {
            let error = StateError { error: Some(names::TIMEOUT.to_string()), cause: None };
            let previous = run.events.last().map_or(root.last_event, |e| e.id);
            run.emit(EventType::ExecutionTimedOut, previous, Some(error.details()));
            map_run::abort_all(&mut run, &root);
            run.effects.push(Effect::Finished {
                status: FinalStatus::TimedOut,
                output: None,
                error: error.error,
                cause: None,
            });
            status = Some(FinalStatus::TimedOut);
        }
        Input::TimersFired { timers } => run.fired.extend(timers),
        Input::Task { slot, event } => run.task_events.push((slot, event)),
        Input::UpdateMapRun(update) => {
            map_run::apply_update(&mut run, &mut root, &update);
        }
        Input::Stop { error, cause } => {
            let previous = abort(&mut run, &root);
            map_run::abort_all(&mut run, &root);
            let details = StateError { error: error.clone(), cause: cause.clone() }.details();
            run.emit(EventType::ExecutionAborted, previous, Some(details));
            run.effects.push(Effect::Finished { status: FinalStatus::Aborted, output: None, error, cause });
            status = Some(FinalStatus::Aborted);
        }
    }
    if status.is_none() && advance(&mut run, &mut root, None) == Progress::Finished {
        status = Some(close(&mut run, &root));
    }
    if run.next_event_id > HISTORY_LIMIT + 1 {
        status = Some(fail_at_history_limit(&mut run, state.next_event_id - 1));
        map_run::abort_all(&mut run, &root);
    }
    state.next_event_id = run.next_event_id;
    state.next_timer_id = run.next_timer_id;
    state.next_task_slot = run.next_task_slot;
    state.fired = run.fired;
    state.task_invocations = run.invocations;
    state.execution_timer = execution_timer;
    state.root = root;
    state.status = status;
    Step { events: run.events, effects: run.effects }
}

/// Most events one execution's history may hold (AWS: 25,000).
pub const HISTORY_LIMIT: u64 = 25_000;

/// Cuts a step that went past the history limit: its events from id 25,000 on and its effects are dropped,
/// and the execution fails with `States.Runtime` as event 25,000.
fn fail_at_history_limit(run: &mut Run<'_>, last_committed: u64) -> FinalStatus {
    run.events.retain(|e| e.id < HISTORY_LIMIT);
    run.effects.retain(|e| matches!(e, Effect::CloseTask { .. }));
    let previous = run.events.last().map_or(last_committed, |e| e.id);
    run.next_event_id = HISTORY_LIMIT;
    let error = StateError {
        error: Some(names::RUNTIME.to_string()),
        cause: Some(format!("The execution reached the maximum number of history events ({HISTORY_LIMIT}).")),
    };
    run.emit(EventType::ExecutionFailed, previous, Some(error.details()));
    run.effects.push(Effect::Finished {
        status: FinalStatus::Failed,
        output: None,
        error: error.error,
        cause: error.cause,
    });
    FinalStatus::Failed
}

/// Emits the closing event of a finished top-level thread.
fn close(run: &mut Run<'_>, root: &Thread) -> FinalStatus {
    match &root.position {
        Position::Done { output } => {
            let text = to_text(output);
            run.emit(
                EventType::ExecutionSucceeded,
                root.last_event,
                Some(json!({"output": text, "outputDetails": {"truncated": false}})),
            );
            run.effects.push(Effect::Finished {
                status: FinalStatus::Succeeded,
                output: Some(text),
                error: None,
                cause: None,
            });
            FinalStatus::Succeeded
        }
        Position::Failed { error, .. } => {
            run.emit(EventType::ExecutionFailed, root.last_event, Some(error.details()));
            run.effects.push(Effect::Finished {
                status: FinalStatus::Failed,
                output: None,
                error: error.error.clone(),
                cause: error.cause.clone(),
            });
            FinalStatus::Failed
        }
        _ => FinalStatus::Failed,
    }
}

/// Emits the aborted events of every state still in progress; returns the id the closing event follows.
fn abort(run: &mut Run<'_>, thread: &Thread) -> u64 {
    match &thread.position {
        Position::Waiting { .. } => run.emit(EventType::WaitStateAborted, thread.last_event, None),
        Position::Task(progress) => crate::engine::task::abort(run, thread, progress),
        Position::Parallel { branches, .. } => {
            for branch in branches {
                abort(run, branch);
            }
            run.emit(EventType::ParallelStateAborted, thread.last_event, None)
        }
        Position::Map(progress) => {
            for (index, iteration) in progress.iterations.iter().enumerate() {
                if !progress.reported[index] {
                    let previous = abort(run, iteration);
                    run.emit(
                        EventType::MapIterationAborted,
                        previous,
                        Some(json!({"index": index, "name": progress.active.state})),
                    );
                }
            }
            run.emit(EventType::MapStateAborted, thread.last_event, None)
        }
        _ => thread.last_event,
    }
}
