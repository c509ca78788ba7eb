//! Map states: one thread per item, started in item order up to the concurrency limit; the result is the array
//! of iteration outputs in item order. A failing iteration fails an inline Map. A Distributed Map runs the same
//! way under a map run (see `map_run`): its iterations write no events into the history, each may run an
//! `ItemBatcher` batch, and failed items fail it only beyond its tolerated failures.

use serde_json::json;
use serde_json::Value;
use sha2::Digest;

use crate::asl::state::Dynamic;
use crate::asl::state::Map as MapSpec;
use crate::asl::state::PathField;
use crate::asl::state::ProcessorMode;
use crate::asl::state::QueryLanguage;
use crate::asl::State;
use crate::asl::StateKind;
use crate::engine::dataflow;
use crate::engine::dataflow::Site;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::MapProgress;
use crate::engine::execution::Position;
use crate::engine::execution::ScopeStep;
use crate::engine::execution::Thread;
use crate::engine::execution::Tolerance;
use crate::engine::item_batcher;
use crate::engine::json::to_text;
use crate::engine::map_run::report;
use crate::engine::map_run::MapRunStatus;
use crate::engine::map_run::MapRunTrack;
use crate::engine::map_run::Outcome;
use crate::engine::parallel::complete;
use crate::engine::query;
use crate::engine::query::States;
use crate::engine::query_flow;
use crate::engine::run::Run;
use crate::engine::thread::abandon;
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
    /// Set for a Distributed Map.
    tolerance: Option<Tolerance>,
    /// Items in each iteration's batch (ItemBatcher); empty when each iteration runs one item.
    batch_sizes: Vec<u64>,
}

fn shown(value: &Value) -> String {
    value.as_str().map(String::from).unwrap_or_else(|| to_text(value))
}

/// Whether entering the Map stalls the execution: its MaxConcurrencyPath resolves to a negative integer,
/// which AWS neither reports nor gets past (not even a MapStateEntered is recorded).
/// `env` builds the environment, only when there is a path to read.
pub fn stalls<'s>(state: &State, spec: &MapSpec, input: &Value, env: impl FnOnce() -> Env<'s>) -> bool {
    let Some(Dynamic::Path(path)) = &spec.max_concurrency else { return false };
    let env = env();
    let site = Site { state: &state.name, entered_event: 0 };
    let Ok(effective) = dataflow::select(&state.input_path, input, &env, site) else { return false };
    dataflow::read_text(path, &effective, &env).is_ok_and(|value| value.as_i64().is_some_and(|n| n < 0))
}

/// Evaluates InputPath, ItemsPath, MaxConcurrency(Path) and ItemSelector (or, in JSONata, Items,
/// MaxConcurrency and ItemSelector).
pub fn prepare(state: &State, spec: &MapSpec, active: &Active, env: &Env<'_>) -> Result<Prepared, StateError> {
    if state.query_language == QueryLanguage::JsonAta {
        return prepare_jsonata(spec, active, env);
    }
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
    let number = |field: &Option<Dynamic<Value>>| -> Option<f64> {
        match field {
            Some(Dynamic::Path(path)) => dataflow::read_text(path, &effective, env)
                .ok()
                .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))),
            Some(Dynamic::Literal(v)) => v.as_f64(),
            _ => None,
        }
    };
    let count = number(&spec.tolerated_failure_count);
    let percentage = number(&spec.tolerated_failure_percentage);
    let negative_tolerance = count.is_some_and(|n| n < 0.0);
    let tolerance = (spec.mode == ProcessorMode::Distributed)
        .then(|| Tolerance { count: count.map(|c| c.max(0.0) as u64), percentage });
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        inputs.push(match &spec.item_selector {
            Some(selector) => {
                let item_env = env.for_map_item(index, item);
                dataflow::template(selector, &effective, &item_env, at)?
            }
            None => item.clone(),
        });
    }
    let (inputs, batch_sizes) = match (&spec.item_batcher, spec.mode) {
        (Some(batcher), ProcessorMode::Distributed) => item_batcher::batch(
            batcher,
            inputs,
            item_batcher::Context::JsonPath { effective: &effective },
            active,
            env,
        )?,
        _ => (inputs, Vec::new()),
    };
    Ok(Prepared { inputs, max_concurrency, negative_tolerance, tolerance, batch_sizes })
}

/// The items, limits and iteration inputs of a JSONata Map.
fn prepare_jsonata(spec: &MapSpec, active: &Active, env: &Env<'_>) -> Result<Prepared, StateError> {
    let at = site(active);
    let states = States::input(&active.input);
    let items = match &spec.items {
        Some(items) => match query::template("Items", items, states, env, at)? {
            Value::Array(items) => items,
            other => {
                let text = query::expression_text(items).unwrap_or_default();
                return Err(query::unexpected_type(at, "Items", text, "array", &other));
            }
        },
        None => match &active.input {
            Value::Array(items) => items.clone(),
            other => {
                return Err(query::evaluation_error(
                    at,
                    format!("Map state input must be an array but was: {}", to_text(other)),
                ))
            }
        },
    };
    let max_concurrency = match &spec.max_concurrency {
        None => 0,
        Some(dynamic) => query_flow::integer("MaxConcurrency", dynamic, states, env, at)?,
    };
    let number = |field: &str, dynamic: &Option<Dynamic<Value>>| -> Result<Option<f64>, StateError> {
        match dynamic {
            Some(Dynamic::Literal(value)) => Ok(query::template(field, value, states, env, at)?.as_f64()),
            _ => Ok(None),
        }
    };
    let count = number("ToleratedFailureCount", &spec.tolerated_failure_count)?;
    let percentage = number("ToleratedFailurePercentage", &spec.tolerated_failure_percentage)?;
    let tolerance = (spec.mode == ProcessorMode::Distributed)
        .then(|| Tolerance { count: count.map(|c| c.max(0.0) as u64), percentage });
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        inputs.push(match &spec.item_selector {
            Some(selector) => {
                let item_env = env.for_map_item(index, item);
                query::template("ItemSelector", selector, states, &item_env, at)?
            }
            None => item.clone(),
        });
    }
    let negative_tolerance = count.is_some_and(|n| n < 0.0);
    let (inputs, batch_sizes) = match (&spec.item_batcher, spec.mode) {
        (Some(batcher), ProcessorMode::Distributed) => {
            item_batcher::batch(batcher, inputs, item_batcher::Context::JsonAta { states }, active, env)?
        }
        _ => (inputs, Vec::new()),
    };
    Ok(Prepared { inputs, max_concurrency, negative_tolerance, tolerance, batch_sizes })
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
    let started =
        run.emit(EventType::MapStateStarted, thread.last_event, Some(json!({"length": prepared.inputs.len()})));
    thread.last_event = started;
    if prepared.negative_tolerance {
        let error = site(&active).runtime("ToleratedFailureCount cannot be negative.");
        fail(run, thread, parent, state, active, Failure::after(error, started));
        return;
    }
    let mut map_run = None;
    let map_run_event = prepared.tolerance.as_ref().map(|_| {
        let arn = map_run_arn(run, state);
        let id = run.emit(EventType::MapRunStarted, started, Some(json!({"mapRunArn": arn})));
        let batch_sizes = prepared.batch_sizes.clone();
        map_run = Some(MapRunTrack { arn, start_ms: run.now_ms, batch_sizes, outcomes: Vec::new() });
        id
    });
    let cursor = map_run_event.unwrap_or(started);
    let progress = MapProgress {
        active,
        inputs: prepared.inputs,
        max_concurrency: prepared.max_concurrency,
        iterations: Vec::new(),
        reported: Vec::new(),
        cursor,
        last_iteration_event: cursor,
        map_run_event,
        tolerance: prepared.tolerance,
        failures: 0,
        map_run,
    };
    report(run, &progress, MapRunStatus::Running);
    thread.position = Position::Map(Box::new(progress));
}

/// Runs iterations as far as they go, starting new ones as earlier ones finish or wait. Each running
/// iteration is advanced once per step; a new one is advanced when it starts.
pub fn advance(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>, mut p: MapProgress) -> Progress {
    let state = state_of(run, thread, &p.active.state);
    let StateKind::Map(spec) = &state.kind else {
        return Progress::Finished;
    };
    let mut failed = threshold_exceeded(run, &p);
    let finished_before = p.reported.iter().filter(|r| **r).count();
    let started_before = p.iterations.len();
    {
        let scope = Scope { variables: &thread.variables, parent };
        for index in 0..p.iterations.len() {
            if failed.is_some() {
                break;
            }
            if p.reported[index] {
                continue;
            }
            advance_thread(run, &mut p.iterations[index], Some(&scope));
            failed = settle(run, &mut p, index, &state.name);
            if failed.is_some() {
                break;
            }
        }
        while failed.is_none() && p.iterations.len() < p.inputs.len() {
            if p.max_concurrency != 0 && p.reported.iter().filter(|r| !**r).count() as u64 >= p.max_concurrency {
                break;
            }
            let index = p.iterations.len();
            let id = match p.map_run_event.is_some() {
                true => p.cursor,
                false => run.emit(
                    EventType::MapIterationStarted,
                    p.cursor,
                    Some(json!({"index": index, "name": state.name})),
                ),
            };
            let mut child_scope = thread.scope.clone();
            child_scope.push(ScopeStep::Processor { state: state.name.clone() });
            let start = Position::Enter { state: spec.processor.start_at.clone(), input: p.inputs[index].clone() };
            let mut child = Thread::new(child_scope, id, start);
            child.silent = p.map_run_event.is_some();
            if let Some(track) = &mut p.map_run {
                track.set(index, Outcome::Running);
            }
            p.iterations.push(child);
            p.reported.push(false);
            advance_thread(run, &mut p.iterations[index], Some(&scope));
            failed = settle(run, &mut p, index, &state.name);
        }
    }
    if let Some((error, previous)) = failed {
        abort_iterations(run, &mut p, &state.name);
        report(run, &p, MapRunStatus::Failed);
        let active = p.active.clone();
        let resume = Some(Position::Map(Box::new(p)));
        let failure = Failure { error, previous, failed_event: failed_event(state), from_task: false, resume };
        fail(run, thread, parent, state, active, failure);
        return Progress::Finished;
    }
    if p.iterations.len() < p.inputs.len() || p.reported.iter().any(|r| !r) {
        if p.iterations.len() != started_before || p.reported.iter().filter(|r| **r).count() != finished_before {
            report(run, &p, MapRunStatus::Running);
        }
        thread.position = Position::Map(Box::new(p));
        return Progress::Blocked;
    }
    let last = match p.map_run_event {
        Some(run_event) => {
            report(run, &p, MapRunStatus::Succeeded);
            let succeeded = run.emit(EventType::MapRunSucceeded, run_event, None);
            run.emit(EventType::MapStateSucceeded, succeeded, None);
            run_event
        }
        None => {
            run.emit(EventType::MapStateSucceeded, p.last_iteration_event, None);
            p.last_iteration_event
        }
    };
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

/// Reports iteration `index` if it has just finished; the error that fails the Map, if it does.
fn settle(run: &mut Run<'_>, p: &mut MapProgress, index: usize, name: &str) -> Option<(StateError, u64)> {
    let distributed = p.map_run_event.is_some();
    let iteration = &mut p.iterations[index];
    let details = json!({"index": index, "name": name});
    match &iteration.position {
        Position::Done { .. } if !distributed => {
            let id = run.emit(EventType::MapIterationSucceeded, iteration.last_event, Some(details));
            p.cursor = iteration.last_event;
            p.last_iteration_event = id;
            p.reported[index] = true;
        }
        Position::Done { .. } => {
            p.reported[index] = true;
            if let Some(track) = &mut p.map_run {
                track.set(index, Outcome::Succeeded);
            }
        }
        Position::Failed { error, .. } if !distributed => {
            run.emit(EventType::MapIterationFailed, iteration.last_event, Some(details));
            p.reported[index] = true;
            return Some((error.clone(), iteration.last_event));
        }
        Position::Failed { error, .. } => {
            p.reported[index] = true;
            match &mut p.map_run {
                Some(track) => {
                    p.failures += track.items_of(index);
                    track.set(index, Outcome::Failed);
                }
                None => p.failures += 1,
            }
            iteration.position = Position::Done { output: error.output() };
            return threshold_exceeded(run, p);
        }
        _ => {}
    }
    None
}

/// When the failed items of a Distributed Map exceed its tolerance: emits MapRunFailed and answers the error
/// that fails the Map.
fn threshold_exceeded(run: &mut Run<'_>, p: &MapProgress) -> Option<(StateError, u64)> {
    let total = p.map_run.as_ref().map_or(p.inputs.len() as u64, |track| track.total_items(p.inputs.len()));
    if p.failures == 0 || !p.tolerance.as_ref().is_some_and(|t| t.exceeded(p.failures, total)) {
        return None;
    }
    let cause = "The specified tolerated failure threshold was exceeded";
    let error = StateError::new(names::EXCEED_TOLERATED_FAILURE_THRESHOLD, cause);
    let run_event = p.map_run_event.unwrap_or(p.cursor);
    let id = run.emit(EventType::MapRunFailed, run_event, Some(error.details()));
    Some((error, id))
}

/// The ARN of the Map Run a Distributed Map starts.
fn map_run_arn(run: &Run<'_>, state: &State) -> String {
    let label = match &state.kind {
        StateKind::Map(spec) => spec.label.clone(),
        _ => None,
    };
    let bytes = |salt: &str| -> [u8; 16] {
        let digest = sha2::Sha256::digest(format!("{salt}:{}", run.entropy()).as_bytes());
        digest[..16].try_into().unwrap_or([0; 16])
    };
    let id = uuid::Builder::from_random_bytes(bytes("map-run")).into_uuid();
    let label = label.unwrap_or_else(|| uuid::Builder::from_random_bytes(bytes("label")).into_uuid().to_string());
    let machine = run.info.state_machine_arn.replacen(":stateMachine:", ":mapRun:", 1);
    format!("{machine}/{label}:{id}")
}

fn abort_iterations(run: &mut Run<'_>, p: &mut MapProgress, name: &str) {
    for index in 0..p.iterations.len() {
        if !p.reported[index] {
            abandon(run, &p.iterations[index]);
            p.reported[index] = true;
            match &mut p.map_run {
                // A Distributed Map's iterations write no events into the execution's history.
                Some(track) => track.set(index, Outcome::Aborted),
                None => {
                    let previous = p.iterations[index].last_event;
                    run.emit(EventType::MapIterationAborted, previous, Some(json!({"index": index, "name": name})));
                }
            }
        }
    }
}
