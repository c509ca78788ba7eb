//! Parallel states: one thread per branch, all fed the same effective input; the result is the array of
//! branch outputs in branch order. A failing branch fails the state.

use serde_json::Value;

use crate::asl::State;
use crate::asl::StateKind;
use crate::engine::dataflow;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::Position;
use crate::engine::execution::ScopeStep;
use crate::engine::execution::Thread;
use crate::engine::run::Run;
use crate::engine::thread::abandon;
use crate::engine::thread::advance as advance_thread;
use crate::engine::thread::env_for;
use crate::engine::thread::fail;
use crate::engine::thread::finish;
use crate::engine::thread::site;
use crate::engine::thread::state_of;
use crate::engine::thread::Failure;
use crate::engine::thread::Progress;
use crate::engine::work::failed_event;
use crate::engine::work::shape_output;

/// InputPath then Parameters.
pub fn effective_input(state: &State, active: &Active, env: &Env<'_>) -> Result<Value, StateError> {
    let at = site(active);
    let effective = dataflow::select(&state.input_path, &active.input, env, at)?;
    match &state.parameters {
        Some(parameters) => dataflow::template(parameters, &effective, env, at),
        None => Ok(effective),
    }
}

/// Emits ParallelStateStarted and creates the branch threads.
pub fn start(run: &mut Run<'_>, thread: &mut Thread, state: &State, active: Active, effective: Value) {
    let StateKind::Parallel(parallel) = &state.kind else {
        return;
    };
    let started = run.emit(EventType::ParallelStateStarted, thread.last_event, None);
    thread.last_event = started;
    let branches = parallel
        .branches
        .iter()
        .enumerate()
        .map(|(index, body)| {
            let mut scope = thread.scope.clone();
            scope.push(ScopeStep::Branch { state: state.name.clone(), index });
            Thread::new(scope, started, Position::Enter { state: body.start_at.clone(), input: effective.clone() })
        })
        .collect();
    thread.position = Position::Parallel { active, effective, branches };
}

/// Runs the branches as far as they go, then completes or fails the state.
pub fn advance(
    run: &mut Run<'_>,
    thread: &mut Thread,
    parent: Option<&Scope<'_>>,
    active: Active,
    effective: Value,
    mut branches: Vec<Thread>,
) -> Progress {
    let state = state_of(run, thread, &active.state);
    let mut failed: Option<(StateError, u64)> = None;
    {
        let scope = Scope { variables: &thread.variables, parent };
        for branch in branches.iter_mut() {
            advance_thread(run, branch, Some(&scope));
            if let Position::Failed { error, .. } = &branch.position {
                failed = Some((error.clone(), branch.last_event));
                break;
            }
        }
    }
    if let Some((error, previous)) = failed {
        branches.iter().for_each(|branch| abandon(run, branch));
        let resume = Some(Position::Parallel { active: active.clone(), effective, branches });
        let failure = Failure { error, previous, failed_event: failed_event(state), from_task: false, resume };
        fail(run, thread, parent, state, active, failure);
        return Progress::Finished;
    }
    if !branches.iter().all(|b| matches!(b.position, Position::Done { .. })) {
        thread.position = Position::Parallel { active, effective, branches };
        return Progress::Blocked;
    }
    let last = branches.iter().map(|b| b.last_event).max().unwrap_or(thread.last_event);
    run.emit(EventType::ParallelStateSucceeded, last, None);
    let outputs: Vec<Value> = branches
        .into_iter()
        .map(|b| match b.position {
            Position::Done { output } => output,
            _ => Value::Null,
        })
        .collect();
    complete(run, thread, parent, state, active, Value::Array(outputs), last);
    Progress::Finished
}

/// ResultSelector and the common output shaping of Parallel and Map results; leaves the state after `previous`.
pub fn complete(
    run: &mut Run<'_>,
    thread: &mut Thread,
    parent: Option<&Scope<'_>>,
    state: &State,
    active: Active,
    result: Value,
    previous: u64,
) {
    let shaped = {
        let scope = Scope { variables: &thread.variables, parent };
        let env = env_for(run, &active, &scope);
        let selected = match &state.result_selector {
            Some(selector) => dataflow::template(selector, &result, &env, site(&active)),
            None => Ok(result),
        };
        selected.and_then(|r| shape_output(state, &active, &env, r))
    };
    match shaped {
        Ok((output, assigned)) => finish(run, thread, state, output, assigned, previous),
        Err(error) => fail(run, thread, parent, state, active, Failure::after(error, previous)),
    }
}
