//! What each state type does once entered (or re-attempted after a retry delay), and the common path from a
//! state's result to its output: ResultSelector, the payload limit, Assign, ResultPath and OutputPath.

use chrono::DateTime;
use serde_json::Map;
use serde_json::Value;

use crate::asl::state::Dynamic;
use crate::asl::state::Fail;
use crate::asl::state::QueryLanguage;
use crate::asl::state::Wait;
use crate::asl::timestamp::parse_rfc3339;
use crate::asl::State;
use crate::asl::StateKind;
use crate::engine::choice_eval;
use crate::engine::dataflow;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::event::EventType;
use crate::engine::execution::Active;
use crate::engine::execution::Position;
use crate::engine::execution::Thread;
use crate::engine::json::exceeds_limit;
use crate::engine::json::to_text;
use crate::engine::map;
use crate::engine::parallel;
use crate::engine::query;
use crate::engine::query::States;
use crate::engine::query_flow;
use crate::engine::run::Run;
use crate::engine::task;
use crate::engine::thread::env_for;
use crate::engine::thread::fail;
use crate::engine::thread::finish;
use crate::engine::thread::site;
use crate::engine::thread::Failure;

/// Starts (or re-attempts) the work of `state`.
pub fn start(run: &mut Run<'_>, thread: &mut Thread, parent: Option<&Scope<'_>>, state: &State, active: Active) {
    let outcome = {
        let scope = Scope { variables: &thread.variables, parent };
        let env = env_for(run, &active, &scope);
        match state.query_language {
            QueryLanguage::JsonPath => jsonpath_outcome(run, state, &active, &env),
            QueryLanguage::JsonAta => jsonata_outcome(run, state, &active, &env),
        }
    };
    let previous = thread.last_event;
    match outcome {
        Err(error) => {
            let failed_event = if error.name() == query::QUERY_EVALUATION_ERROR { failed_event(state) } else { None };
            fail(
                run,
                thread,
                parent,
                state,
                active,
                Failure { error, previous, failed_event, from_task: false, resume: None },
            )
        }
        Ok(Outcome::Exit { output, assigned, next }) => {
            finish(run, thread, state, output, assigned, previous);
            if let Some(next) = next {
                if let Position::Done { output } | Position::Enter { input: output, .. } =
                    std::mem::replace(&mut thread.position, Position::NotStarted)
                {
                    thread.position = Position::Enter { state: next, input: output };
                }
            }
        }
        Ok(Outcome::Wait { due, output, assigned }) => {
            // Both query languages' Waits run at the execution's wait_time_scale.
            let due = run.now_ms + run.info.wait_time_scale.apply(due - run.now_ms);
            if due > run.now_ms {
                let timer = run.arm(due);
                thread.position = Position::Waiting { active, timer, output, assigned };
            } else {
                finish(run, thread, state, output, assigned, previous);
            }
        }
        Ok(Outcome::Parallel(effective)) => parallel::start(run, thread, state, active, effective),
        Ok(Outcome::Map(prepared)) => map::start(run, thread, parent, state, active, prepared),
        Ok(Outcome::Task) => {
            if let StateKind::Task(spec) = &state.kind {
                task::start(run, thread, parent, state, spec, active);
            }
        }
    }
}

/// The work of a JSONPath state.
fn jsonpath_outcome(run: &Run<'_>, state: &State, active: &Active, env: &Env<'_>) -> Result<Outcome, StateError> {
    match &state.kind {
        StateKind::Pass { result } => pass(state, active, env, result.as_ref()),
        StateKind::Choice(_) => choice(state, active, env),
        StateKind::Wait(wait) => wait_until(run, state, active, env, wait),
        StateKind::Succeed => dataflow::select(&state.input_path, &active.input, env, site(active))
            .and_then(|effective| dataflow::select(&state.output_path, &effective, env, site(active)))
            .map(|output| Outcome::Exit { output, assigned: None, next: None }),
        StateKind::Fail(f) => Err(fail_error(f, active, env)),
        StateKind::Parallel(_) => parallel::effective_input(state, active, env).map(Outcome::Parallel),
        StateKind::Map(m) => map::prepare(state, m, active, env).map(Outcome::Map),
        StateKind::Task(_) => Ok(Outcome::Task),
    }
}

/// The work of a JSONata state.
fn jsonata_outcome(run: &Run<'_>, state: &State, active: &Active, env: &Env<'_>) -> Result<Outcome, StateError> {
    let at = site(active);
    let input = &active.input;
    let states = States::input(input);
    match &state.kind {
        StateKind::Pass { .. } | StateKind::Succeed => {
            let (output, assigned) =
                query_flow::leave(state.assign.as_ref(), state.output.as_ref(), input, states, env, at)?;
            Ok(Outcome::Exit { output, assigned, next: None })
        }
        StateKind::Choice(choice) => {
            let ((output, assigned), next) = query_flow::choose(state, choice, input, env, at)?;
            Ok(Outcome::Exit { output, assigned, next: Some(next) })
        }
        StateKind::Wait(wait) => {
            let due = query_flow::wait_due(wait, run.now_ms, states, env, at)?;
            let (output, assigned) =
                query_flow::leave(state.assign.as_ref(), state.output.as_ref(), input, states, env, at)?;
            Ok(Outcome::Wait { due, output, assigned })
        }
        StateKind::Fail(f) => Err(query_flow::fail_error(f, states, env, at)),
        StateKind::Parallel(_) => query_flow::arguments(state, states, env, at).map(Outcome::Parallel),
        StateKind::Map(m) => map::prepare(state, m, active, env).map(Outcome::Map),
        StateKind::Task(_) => Ok(Outcome::Task),
    }
}

/// What a state's work came to.
enum Outcome {
    /// Leave with `output` (to `next` when it overrides the state's own transition, as Choice does).
    Exit {
        output: Value,
        assigned: Option<Map<String, Value>>,
        next: Option<String>,
    },
    Wait {
        /// When the wait ends, in real time (before the execution's wait_time_scale).
        due: i64,
        output: Value,
        assigned: Option<Map<String, Value>>,
    },
    Parallel(Value),
    Map(map::Prepared),
    Task,
}

/// Evaluates an `Assign` block over `input`.
pub fn assign(
    assign: Option<&Value>,
    input: &Value,
    env: &Env<'_>,
    active: &Active,
) -> Result<Option<Map<String, Value>>, StateError> {
    match assign {
        None => Ok(None),
        Some(template) => match dataflow::template(template, input, env, site(active))? {
            Value::Object(values) => Ok(Some(values)),
            _ => Ok(None),
        },
    }
}

fn pass(state: &State, active: &Active, env: &Env<'_>, result: Option<&Value>) -> Result<Outcome, StateError> {
    let at = site(active);
    let mut effective = dataflow::select(&state.input_path, &active.input, env, at)?;
    if let Some(parameters) = &state.parameters {
        effective = dataflow::template(parameters, &effective, env, at)?;
    }
    let result = result.cloned().unwrap_or(effective);
    let (output, assigned) = shape_output(state, active, env, result)?;
    Ok(Outcome::Exit { output, assigned, next: None })
}

/// From a result to the state output: payload limit, Assign (over the result), ResultPath, OutputPath.
pub fn shape_output(
    state: &State,
    active: &Active,
    env: &Env<'_>,
    result: Value,
) -> Result<(Value, Option<Map<String, Value>>), StateError> {
    let at = site(active);
    if exceeds_limit(&result) {
        return Err(StateError::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                state.name
            ),
        ));
    }
    if state.query_language == QueryLanguage::JsonAta {
        return query_flow::shape_output(state, &active.input, &result, env, at);
    }
    let assigned = assign(state.assign.as_ref(), &result, env, active)?;
    let combined = dataflow::result_path(&state.result_path, &active.input, result, at)?;
    let output = dataflow::select(&state.output_path, &combined, env, at)?;
    Ok((output, assigned))
}

fn choice(state: &State, active: &Active, env: &Env<'_>) -> Result<Outcome, StateError> {
    let at = site(active);
    let StateKind::Choice(choice) = &state.kind else { unreachable!("choice() is only called for Choice states") };
    let effective = dataflow::select(&state.input_path, &active.input, env, at)?;
    let mut taken = None;
    for rule in &choice.choices {
        if choice_eval::evaluate(&rule.condition, &effective, env).map_err(|e| at.runtime(e))? {
            taken = Some((rule.next.clone(), rule.assign.as_ref()));
            break;
        }
    }
    let (next, assign_block) = match (taken, &choice.default) {
        (Some(taken), _) => taken,
        (None, Some(default)) => (default.clone(), state.assign.as_ref()),
        (None, None) => {
            return Err(StateError::new(names::NO_CHOICE_MATCHED, format!("No Matches! (state '{}')", state.name)))
        }
    };
    let assigned = assign(assign_block, &effective, env, active)?;
    let output = dataflow::select(&state.output_path, &effective, env, at)?;
    Ok(Outcome::Exit { output, assigned, next: Some(next) })
}

fn wait_until(
    run: &Run<'_>,
    state: &State,
    active: &Active,
    env: &Env<'_>,
    wait: &Wait,
) -> Result<Outcome, StateError> {
    let at = site(active);
    let effective = dataflow::select(&state.input_path, &active.input, env, at)?;
    let due = match wait {
        Wait::Seconds(Dynamic::Literal(seconds)) => run.now_ms + *seconds as i64 * 1000,
        Wait::Seconds(Dynamic::Path(path)) => {
            let value = dataflow::read_text(path, &effective, env).map_err(|e| at.runtime(e))?;
            match value.as_i64() {
                Some(s) if s >= 0 => run.now_ms + s * 1000,
                Some(s) => {
                    return Err(
                        at.runtime(format!("The SecondsPath parameter references a negative value: {path} == {s}"))
                    )
                }
                None => {
                    return Err(at.runtime(format!(
                        "The SecondsPath parameter does not reference a valid integer value: {path} == {}",
                        to_text(&value)
                    )))
                }
            }
        }
        Wait::Timestamp(Dynamic::Literal(text)) => timestamp_ms(text).unwrap_or(run.now_ms),
        Wait::Timestamp(Dynamic::Path(path)) => {
            let value = dataflow::read_text(path, &effective, env).map_err(|e| at.runtime(e))?;
            let shown = value.as_str().map(String::from).unwrap_or_else(|| to_text(&value));
            value.as_str().and_then(timestamp_ms).ok_or_else(|| {
                at.runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format \
                     string: {path} == {shown}"
                ))
            })?
        }
        Wait::Seconds(Dynamic::Expression(_)) | Wait::Timestamp(Dynamic::Expression(_)) => {
            return Err(at.runtime("JSONata expressions are only evaluated in JSONata states"))
        }
    };
    let assigned = assign(state.assign.as_ref(), &effective, env, active)?;
    let output = dataflow::select(&state.output_path, &effective, env, at)?;
    Ok(Outcome::Wait { due, output, assigned })
}

/// An RFC 3339 timestamp (a Wait's `Timestamp`) in milliseconds since the epoch.
pub(crate) fn timestamp_ms(text: &str) -> Option<i64> {
    parse_rfc3339(text).map(|t: DateTime<_>| t.timestamp_millis())
}

fn fail_error(f: &Fail, active: &Active, env: &Env<'_>) -> StateError {
    let at = site(active);
    let read = |field: &Option<Dynamic<String>>, name: &str| -> Result<Option<String>, StateError> {
        match field {
            None => Ok(None),
            Some(Dynamic::Literal(s)) => Ok(Some(s.clone())),
            Some(Dynamic::Expression(_)) => Err(at.runtime("JSONata expressions are only evaluated in JSONata states")),
            Some(Dynamic::Path(expr)) => {
                let value = if crate::asl::intrinsic::is_intrinsic(expr) {
                    dataflow::expression(name, expr, &active.input, env, at)?
                } else {
                    dataflow::read_text(expr, &active.input, env).map_err(|_| {
                        at.runtime(format!(
                            "The JSONPath '{expr}' specified for the field '{name}' could not be found in the input '{}'",
                            to_text(&active.input)
                        ))
                    })?
                };
                Ok(Some(value.as_str().map(String::from).unwrap_or_else(|| to_text(&value))))
            }
        }
    };
    match (read(&f.error, "ErrorPath"), read(&f.cause, "CausePath")) {
        (Ok(error), Ok(cause)) => StateError { error, cause },
        (Err(e), _) | (_, Err(e)) => e,
    }
}

/// Events a Parallel or Map state emits when it fails without retrying.
pub fn failed_event(state: &State) -> Option<EventType> {
    match state.kind {
        StateKind::Parallel(_) => Some(EventType::ParallelStateFailed),
        StateKind::Map(_) => Some(EventType::MapStateFailed),
        _ => None,
    }
}
