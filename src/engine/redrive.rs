//! Redrive: a closed execution that did not succeed goes on from the states that did not succeed. A state that
//! failed, or was running when the execution was stopped or timed out, is entered again with the input it had;
//! an inline Map or a Parallel that failed is entered again and runs only its iterations or branches that did
//! not succeed, keeping the outputs of those that did. A Distributed Map runs all its items again.

use serde_json::json;

use crate::engine::event::EventType;
use crate::engine::execution::Position;
use crate::engine::execution::Thread;
use crate::engine::run::entered_details;
use crate::engine::run::Run;
use crate::engine::thread::state_of;

/// Makes `thread` runnable again from where it stopped; its next event follows `thread.last_event`.
pub fn reopen(run: &mut Run<'_>, thread: &mut Thread) {
    let position = std::mem::replace(&mut thread.position, Position::NotStarted);
    thread.position = match position {
        Position::Failed { resume, .. } => resume_at(run, thread, *resume),
        other => resume_at(run, thread, other),
    };
}

/// The position a redrive continues `thread` from, given where the state that did not succeed stood.
fn resume_at(run: &mut Run<'_>, thread: &mut Thread, position: Position) -> Position {
    match position {
        Position::Waiting { active, .. } | Position::RetryWait { active, .. } => {
            Position::Enter { state: active.state, input: active.input }
        }
        Position::Task(progress) => Position::Enter { state: progress.active.state, input: progress.active.input },
        Position::Map(progress) if progress.map_run_event.is_some() => {
            Position::Enter { state: progress.active.state, input: progress.active.input }
        }
        Position::Map(mut progress) => {
            let started = enter_again(run, thread, &mut progress.active, EventType::MapStateStarted, || {
                Some(json!({"length": progress.inputs.len()}))
            });
            progress.cursor = started;
            progress.last_iteration_event = started;
            let name = progress.active.state.clone();
            for (index, iteration) in progress.iterations.iter_mut().enumerate() {
                if matches!(iteration.position, Position::Done { .. }) {
                    continue;
                }
                let details = json!({"index": index, "name": name});
                iteration.last_event = run.emit(EventType::MapIterationStarted, started, Some(details));
                reopen(run, iteration);
                progress.reported[index] = false;
            }
            Position::Map(progress)
        }
        Position::Parallel { mut active, effective, mut branches } => {
            let started = enter_again(run, thread, &mut active, EventType::ParallelStateStarted, || None);
            for branch in branches.iter_mut().filter(|b| !matches!(b.position, Position::Done { .. })) {
                branch.last_event = started;
                reopen(run, branch);
            }
            Position::Parallel { active, effective, branches }
        }
        other => other,
    }
}

/// Records the Map or Parallel `active` as entered and started again now; returns the started event's id.
fn enter_again(
    run: &mut Run<'_>,
    thread: &mut Thread,
    active: &mut crate::engine::execution::Active,
    started: EventType,
    started_details: impl FnOnce() -> Option<serde_json::Value>,
) -> u64 {
    let state = state_of(run, thread, &active.state);
    let details = entered_details(&state.name, &active.input, &run.info.input, &run.execution_input);
    let entered = run.emit(EventType::entered(state.type_name()), thread.last_event, Some(details));
    let started = run.emit(started, entered, started_details());
    active.entered_event = entered;
    active.entered_ms = run.now_ms;
    active.retries.iter_mut().for_each(|count| *count = 0);
    thread.last_event = started;
    started
}
