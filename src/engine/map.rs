//! Inline Map states: one thread per item, started in item order up to the concurrency limit; the result is
//! the array of iteration outputs in item order. A failing iteration fails the state.

use serde_json::json;
use serde_json::Value;

use crate::asl::state::Dynamic;
use crate::asl::state::Map as MapSpec;
use crate::asl::state::PathField;
use crate::asl::State;
use crate::asl::StateKind;
use crate::engine::dataflow;
use crate::engine::env::with_map_item;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::MapProgress;
use crate::engine::execution::Position;
use crate::engine::execution::ScopeStep;
use crate::engine::execution::Thread;
use crate::engine::json::to_text;
use crate::engine::parallel::complete;
use crate::engine::run::Run;
use crate::engine::thread::advance as advance_thread;
use crate::engine::thread::fail;
use crate::engine::thread::site;
use crate::engine::thread::state_of;
use crate::engine::thread::Failure;
use crate::engine::thread::Progress;
use crate::engine::work::failed_event;

/// The iteration inputs and limits of a Map about to start.
pub struct Prepared {
    inputs: Vec<Value>,
    max_concurrency: u64,
    negative_tolerance: bool,
}

fn shown(value: &Value) -> String {
    value.as_str().map(String::from).unwrap_or_else(|| to_text(value))
}

/// Evaluates InputPath, ItemsPath, MaxConcurrency(Path) and ItemSelector.
pub fn prepare(state: &State, spec: &MapSpec, active: &Active, env: &Env<'_>) -> Result<Prepared, StateError> {
    let at = site(active);
    let effective = dataflow::select(&state.input_path, &active.input, env, at)?;
    let items = match &spec.items_path {
        PathField::Path(path) => dataflow::read_text(path, &effective, env).map_err(|e| at.runtime(e))?,
        _ => effective.clone(),
    };
    let Value::Array(items) = items else {
        return Err(at.runtime(format!("Map state input must be an array but was: {}", to_text(&items))));
    };
    let max_concurrency = match &spec.max_concurrency {
        None => 0,
        Some(Dynamic::Literal(n)) => *n,
        Some(Dynamic::Path(path)) => {
            let value = dataflow::read_text(path, &effective, env).map_err(|e| at.runtime(e))?;
            value.as_u64().ok_or_else(|| {
                at.runtime(format!(
                    "The MaxConcurrencyPath field refers to value \"{}\" which is not a valid integer: {path}",
                    shown(&value)
                ))
            })?
        }
        Some(Dynamic::Expression(_)) => return Err(at.runtime("JSONata expressions are not evaluated by this engine")),
    };
    let negative_tolerance = match &spec.tolerated_failure_count {
        Some(Dynamic::Path(path)) => dataflow::read_text(path, &effective, env)
            .ok()
            .and_then(|v| v.as_i64())
            .is_some_and(|n| n < 0),
        Some(Dynamic::Literal(v)) => v.as_i64().is_some_and(|n| n < 0),
        _ => false,
    };
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        inputs.push(match &spec.item_selector {
            Some(selector) => {
                let item_env = Env {
                    context: with_map_item(&env.context, index, item),
                    scope: env.scope,
                    entropy: env.entropy.clone(),
                };
                dataflow::template(selector, &effective, &item_env, at)?
            }
            None => item.clone(),
        });
    }
    Ok(Prepared {
        inputs,
        max_concurrency,
        negative_tolerance,
    })
}

/// Emits MapStateStarted and begins iterating.
pub fn start(
    run: &mut Run<'_>,
    thread: &mut Thread,
    parent: Option<&Scope<'_>>,
    state: &State,
    active: Active,
    prepared: Prepared,
) {
    let started = run.emit(
        EventType::MapStateStarted,
        thread.last_event,
        Some(json!({"length": prepared.inputs.len()})),
    );
    thread.last_event = started;
    if prepared.negative_tolerance {
        let error = site(&active).runtime("ToleratedFailureCount cannot be negative.");
        fail(run, thread, parent, state, active, Failure::after(error, started));
        return;
    }
    thread.position = Position::Map(Box::new(MapProgress {
        active,
        inputs: prepared.inputs,
        max_concurrency: prepared.max_concurrency,
        iterations: Vec::new(),
        reported: Vec::new(),
        cursor: started,
        last_iteration_event: started,
    }));
}

/// Runs iterations as far as they go, starting new ones as earlier ones finish or wait.
pub fn advance(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>, mut p: MapProgress) -> Progress {
    let state = state_of(run, thread, &p.active.state);
    let StateKind::Map(spec) = &state.kind else {
        return Progress::Finished;
    };
    loop {
        let mut failed: Option<(StateError, u64)> = None;
        {
            let scope = Scope {
                variables: &thread.variables,
                parent,
            };
            for index in 0..p.iterations.len() {
                if p.reported[index] {
                    continue;
                }
                let iteration = &mut p.iterations[index];
                advance_thread(run, iteration, Some(&scope));
                let details = json!({"index": index, "name": state.name});
                match &iteration.position {
                    Position::Done { .. } => {
                        let id = run.emit(EventType::MapIterationSucceeded, iteration.last_event, Some(details));
                        p.cursor = iteration.last_event;
                        p.last_iteration_event = id;
                        p.reported[index] = true;
                    }
                    Position::Failed { error } => {
                        run.emit(EventType::MapIterationFailed, iteration.last_event, Some(details));
                        p.reported[index] = true;
                        failed = Some((error.clone(), iteration.last_event));
                        break;
                    }
                    _ => {}
                }
            }
        }
        if let Some((error, previous)) = failed {
            abort_iterations(run, &mut p, &state.name);
            let failure = Failure {
                error,
                previous,
                failed_event: failed_event(state),
            };
            fail(run, thread, parent, state, p.active, failure);
            return Progress::Finished;
        }
        let running = p.reported.iter().filter(|r| !**r).count() as u64;
        let may_start = p.max_concurrency == 0 || running < p.max_concurrency;
        if p.iterations.len() < p.inputs.len() && may_start {
            let index = p.iterations.len();
            let id = run.emit(
                EventType::MapIterationStarted,
                p.cursor,
                Some(json!({"index": index, "name": state.name})),
            );
            let mut scope = thread.scope.clone();
            scope.push(ScopeStep::Processor {
                state: state.name.clone(),
            });
            let input = p.inputs[index].clone();
            p.iterations.push(Thread::new(
                scope,
                id,
                Position::Enter {
                    state: spec.processor.start_at.clone(),
                    input,
                },
            ));
            p.reported.push(false);
            continue;
        }
        break;
    }
    if p.iterations.len() < p.inputs.len() || p.reported.iter().any(|r| !r) {
        thread.position = Position::Map(Box::new(p));
        return Progress::Blocked;
    }
    let last = p.last_iteration_event;
    run.emit(EventType::MapStateSucceeded, last, None);
    let outputs: Vec<Value> = p
        .iterations
        .into_iter()
        .map(|it| match it.position {
            Position::Done { output } => output,
            _ => Value::Null,
        })
        .collect();
    complete(run, thread, parent, state, p.active, Value::Array(outputs), last);
    Progress::Finished
}

fn abort_iterations(run: &mut Run<'_>, p: &mut MapProgress, name: &str) {
    for index in 0..p.iterations.len() {
        if !p.reported[index] {
            let previous = p.iterations[index].last_event;
            run.emit(
                EventType::MapIterationAborted,
                previous,
                Some(json!({"index": index, "name": name})),
            );
            p.reported[index] = true;
        }
    }
}
