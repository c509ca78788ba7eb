//! Running one thread (the top level, a Parallel branch or a Map iteration) as far as it can go: entering
//! states, leaving them, and handling their failures with Retry and Catch.

use serde_json::Map;
use serde_json::Value;

use crate::asl::retry::error_matches;
use crate::asl::retry::Catcher;
use crate::asl::state::QueryLanguage;
use crate::asl::State;
use crate::asl::StateKind;
use crate::engine::dataflow;
use crate::engine::dataflow::Site;
use crate::engine::env::EnteredState;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::Position;
use crate::engine::execution::Thread;
use crate::engine::map;
use crate::engine::parallel;
use crate::engine::query;
use crate::engine::query::States;
use crate::engine::query_flow;
use crate::engine::run::entered_details;
use crate::engine::run::exited_details;
use crate::engine::run::Run;
use crate::engine::task;
use crate::engine::work;

/// Whether a thread can go on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// It waits for a timer (or for nested threads that wait).
    Blocked,
    /// It reached `Done` or `Failed`.
    Finished,
}

/// Runs `thread` until it blocks or finishes.
pub fn advance(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>) -> Progress {
    let outer = run.silent;
    run.silent = outer || thread.silent;
    let progress = advance_unsilenced(run, thread, parent);
    run.silent = outer;
    progress
}

fn advance_unsilenced(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>) -> Progress {
    loop {
        if run.next_event_id > crate::engine::step::HISTORY_LIMIT + 1 {
            // Past the history limit: `step` fails the execution; nothing more runs.
            return Progress::Blocked;
        }
        let position = std::mem::replace(&mut thread.position, Position::NotStarted);
        match position {
            Position::NotStarted => return Progress::Blocked,
            Position::Stalled => {
                thread.position = Position::Stalled;
                return Progress::Blocked;
            }
            Position::Done { .. } | Position::Failed { .. } => {
                thread.position = position;
                return Progress::Finished;
            }
            Position::Enter { state, input } => enter(run, thread, parent, &state, input),
            Position::Waiting { active, timer, output, assigned } => {
                if !run.take_fired(timer) {
                    thread.position = Position::Waiting { active, timer, output, assigned };
                    return Progress::Blocked;
                }
                let state = state_of(run, thread, &active.state);
                let previous = thread.last_event;
                finish(run, thread, state, output, assigned, previous);
            }
            Position::RetryWait { active, timer, error } => {
                if !run.take_fired(timer) {
                    thread.position = Position::RetryWait { active, timer, error };
                    return Progress::Blocked;
                }
                let state = state_of(run, thread, &active.state);
                work::start(run, thread, parent, state, active);
            }
            Position::Parallel { active, effective, branches } => {
                if parallel::advance(run, thread, parent, active, effective, branches) == Progress::Blocked {
                    return Progress::Blocked;
                }
            }
            Position::Task(progress) => {
                if task::advance(run, thread, parent, *progress) == Progress::Blocked {
                    return Progress::Blocked;
                }
            }
            Position::Map(progress) => {
                if map::advance(run, thread, parent, *progress) == Progress::Blocked {
                    return Progress::Blocked;
                }
            }
        }
    }
}

/// The declaration of `name` in the thread's body.
pub fn state_of<'a>(run: &Run<'a>, thread: &Thread, name: &str) -> &'a State {
    let body = run.body(&thread.scope);
    body.get(name).unwrap_or(&body.states[0])
}

fn enter(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>, name: &str, input: Value) {
    let state = state_of(run, thread, name);
    if let StateKind::Map(spec) = &state.kind {
        let scope = Scope { variables: &thread.variables, parent };
        if map::stalls(state, spec, &input, || env_at(run, &state.name, run.now_ms, None, &scope)) {
            thread.position = Position::Stalled;
            return;
        }
    }
    let details = entered_details(&state.name, &input, &run.info.input, &run.execution_input);
    let entered = run.emit(EventType::entered(state.type_name()), thread.last_event, Some(details));
    thread.last_event = entered;
    let active = Active {
        state: state.name.clone(),
        input,
        entered_event: entered,
        entered_ms: run.now_ms,
        retries: vec![0; state.retry.len()],
        retryable: matches!(state.kind, StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)),
    };
    work::start(run, thread, parent, state, active);
}

/// The environment a state sees (context object and variables).
pub fn env_for<'s>(run: &Run<'s>, active: &Active, scope: &'s Scope<'s>) -> Env<'s> {
    let retry_count = active.retryable.then(|| active.retries.iter().sum());
    env_at(run, &active.state, active.entered_ms, retry_count, scope)
}

/// The environment of the state `name` entered at `entered_ms`.
fn env_at<'s>(run: &Run<'s>, name: &str, entered_ms: i64, retry_count: Option<u64>, scope: &'s Scope<'s>) -> Env<'s> {
    let input = run.execution_input.clone();
    let entered = EnteredState { name, entered_ms, retry_count };
    Env::of_state(run.info, input, entered, scope, run.entropy(), run.now_ms)
}

/// Where a state's errors are reported.
pub fn site(active: &Active) -> Site<'_> {
    Site { state: &active.state, entered_event: active.entered_event }
}

/// Leaves `state` with `output`: emits its Exited event after `previous`, stores assigned variables and moves on.
pub fn finish(
    run: &mut Run<'_>,
    thread: &mut Thread,
    state: &State,
    output: Value,
    assigned: Option<Map<String, Value>>,
    previous: u64,
) {
    let exited = run.emit(
        EventType::exited(state.type_name()),
        previous,
        Some(exited_details(&state.name, &output, assigned.as_ref())),
    );
    thread.last_event = exited;
    if let Some(assigned) = assigned {
        thread.variables.extend(assigned);
    }
    thread.position = match &state.next {
        Some(next) if !state.end => Position::Enter { state: next.clone(), input: output },
        _ => Position::Done { output },
    };
}

/// A failure of a running state.
pub struct Failure {
    pub error: StateError,
    /// The event the failure follows.
    pub previous: u64,
    /// Emitted when the state does not retry (ParallelStateFailed, MapStateFailed).
    pub failed_event: Option<EventType>,
    /// Raised by the task itself (so `States.TaskFailed` matches it).
    pub from_task: bool,
    /// Where a redrive resumes the state if the failure fails its thread; `None` enters it again.
    pub resume: Option<Position>,
}

impl Failure {
    /// A failure right after `previous` with no state-level failure event.
    pub fn after(error: StateError, previous: u64) -> Failure {
        Failure { error, previous, failed_event: None, from_task: false, resume: None }
    }
}

/// Handles a failure of `state`: retry when a retrier allows, else catch, else fail the thread.
pub fn fail(
    run: &mut Run<'_>,
    thread: &mut Thread,
    parent: Option<&Scope<'_>>,
    state: &State,
    mut active: Active,
    failure: Failure,
) {
    let Failure { error, previous, failed_event, from_task, resume } = failure;
    let previous = match error.name() == query::QUERY_EVALUATION_ERROR {
        true => evaluation_failed(run, state, &active, &error, previous),
        false => previous,
    };
    let matches = |names: &[String]| {
        error_matches(names, error.name()) || (from_task && task::matches_task_failure(names, error.name()))
    };
    thread.last_event = previous;
    if let Some(i) = state.retry.iter().position(|r| matches(&r.error_equals)) {
        let retrier = &state.retry[i];
        if active.retries[i] < retrier.max_attempts {
            active.retries[i] += 1;
            let attempt = active.retries[i];
            let mut delay = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(attempt as i32 - 1);
            if let Some(max) = retrier.max_delay_seconds {
                delay = delay.min(max as f64);
            }
            if retrier.jitter_full {
                delay *= jitter_fraction(&format!("{}#retry{attempt}", run.entropy()));
            }
            let timer = run.arm(run.now_ms + run.info.wait_time_scale.apply((delay * 1000.0) as i64));
            thread.position = Position::RetryWait { active, timer, error };
            return;
        }
    }
    let previous = match failed_event {
        Some(event_type) => run.emit(event_type, previous, None),
        None => previous,
    };
    thread.last_event = previous;
    let resume = Box::new(
        resume.unwrap_or_else(|| Position::Enter { state: active.state.clone(), input: active.input.clone() }),
    );
    let Some(catcher) = state.catch.iter().find(|c| matches(&c.error_equals)) else {
        thread.position = Position::Failed { error, resume };
        return;
    };
    let error_output = error.output();
    let scope = Scope { variables: &thread.variables, parent };
    let env = env_for(run, &active, &scope);
    let caught = match state.query_language {
        QueryLanguage::JsonPath => catch_jsonpath(catcher, &active, error_output, &env),
        QueryLanguage::JsonAta => {
            let states = States { input: &active.input, result: None, error_output: Some(&error_output) };
            let at = site(&active);
            query_flow::leave(catcher.assign.as_ref(), catcher.output.as_ref(), &error_output, states, &env, at)
        }
    };
    let (output, assigned) = match caught {
        Ok(caught) => caught,
        Err(e) => {
            thread.position = Position::Failed { error: e, resume };
            return;
        }
    };
    let exited = run.emit(
        EventType::exited(state.type_name()),
        previous,
        Some(exited_details(&state.name, &output, assigned.as_ref())),
    );
    thread.last_event = exited;
    if let Some(assigned) = assigned {
        thread.variables.extend(assigned);
    }
    thread.position = Position::Enter { state: catcher.next.clone(), input: output };
}

/// A JSONPath catcher's variables (Assign over the error output) and output (ResultPath into the input).
fn catch_jsonpath(
    catcher: &Catcher,
    active: &Active,
    error_output: Value,
    env: &Env<'_>,
) -> Result<query_flow::Leaving, StateError> {
    let assigned = match &catcher.assign {
        Some(assign) => match dataflow::template(assign, &error_output, env, site(active))? {
            Value::Object(values) => Some(values),
            _ => None,
        },
        None => None,
    };
    let output = dataflow::result_path(&catcher.result_path, &active.input, error_output, site(active))?;
    Ok((output, assigned))
}

/// Records the `EvaluationFailed` event of a JSONata failure and returns its id. A failure on entering the
/// state follows the event before `StateEntered`, as AWS chains it.
fn evaluation_failed(run: &mut Run<'_>, state: &State, active: &Active, error: &StateError, previous: u64) -> u64 {
    let after = match previous == active.entered_event {
        true => {
            run.events.iter().find(|e| e.id == active.entered_event).map(|e| e.previous_event_id).unwrap_or(previous)
        }
        false => previous,
    };
    let mut details = error.details();
    if let Some(location) = query::location_of(error) {
        details["location"] = Value::String(location.to_string());
    }
    details["state"] = Value::String(state.name.clone());
    run.emit(EventType::EvaluationFailed, after, Some(details))
}

/// A fraction in [0, 1) derived from `material`: FULL jitter without a random source, so `step` stays
/// deterministic while different executions and attempts spread their retries.
fn jitter_fraction(material: &str) -> f64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(material.as_bytes());
    let bits = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Gives up every task still waiting in `thread` (and in its branches and unreported iterations): a Parallel
/// branch abandoned because a sibling failed, a Map iteration abandoned because another failed.
pub fn abandon(run: &mut Run<'_>, thread: &Thread) {
    match &thread.position {
        Position::Task(progress) => task::abandon(run, progress),
        Position::Parallel { branches, .. } => branches.iter().for_each(|branch| abandon(run, branch)),
        Position::Map(progress) => {
            for (iteration, reported) in progress.iterations.iter().zip(&progress.reported) {
                if !reported {
                    abandon(run, iteration);
                }
            }
            crate::engine::map_run::report(run, progress, crate::engine::map_run::MapRunStatus::Aborted);
        }
        _ => {}
    }
}

#[cfg(test)]
mod jitter_tests {
    #[test]
    fn jitter_fractions_are_spread_in_unit_interval() {
        let fractions: Vec<f64> = (0..1000).map(|i| super::jitter_fraction(&format!("arn#{i}"))).collect();
        assert!(fractions.iter().all(|f| (0.0..1.0).contains(f)));
        let mean = fractions.iter().sum::<f64>() / fractions.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        assert_eq!(super::jitter_fraction("x"), super::jitter_fraction("x"));
    }
}
