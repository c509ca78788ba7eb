//! A JSONPath state's attempt: InputPath, Parameters, the (answered) work, ResultSelector, ResultPath and
//! OutputPath, each step recorded as TestState shows it.

use serde_json::Map;
use serde_json::Value;

use super::answers;
use super::answers::MapPlan;
use super::Attempt;
use super::Ground;
use super::Inspection;
use super::Unfit;
use crate::asl::state::Dynamic;
use crate::asl::state::Fail;
use crate::asl::state::Map as MapSpec;
use crate::asl::state::PathField;
use crate::asl::state::Wait;
use crate::asl::StateKind;
use crate::engine::choice_eval;
use crate::engine::dataflow;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::execution::Tolerance;
use crate::engine::json::to_text;
use crate::engine::work::timestamp_ms;

/// Runs the state's attempt.
pub(super) fn attempt(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    let state = ground.run.state;
    let flow = match &state.kind {
        StateKind::Pass { result } => pass(ground, result.as_ref(), inspection),
        StateKind::Task(_) => return task(ground, inspection),
        StateKind::Parallel(parallel) => return parallel_state(ground, parallel.branches.len(), inspection),
        StateKind::Map(spec) => return map_state(ground, spec, inspection),
        StateKind::Choice(_) => choice(ground, inspection),
        StateKind::Wait(wait) => pass_through(ground, inspection, |effective| wait_paths(ground, wait, effective)),
        StateKind::Succeed => pass_through(ground, inspection, |_| Ok(())),
        StateKind::Fail(fail) => {
            let effective = input_path(ground, inspection);
            Err(effective.map_or_else(|e| e, |_| fail_error(ground, fail)))
        }
    };
    Ok(flow.unwrap_or_else(Attempt::failed))
}

fn input_path(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Value, StateError> {
    let effective = dataflow::select(&ground.run.state.input_path, &ground.run.input, ground.env, ground.site)?;
    inspection.after_input_path = Some(effective.clone());
    Ok(effective)
}

/// InputPath then Parameters: the state's effective input.
pub(super) fn parameters(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Value, StateError> {
    let effective = input_path(ground, inspection)?;
    let parameters = match &ground.run.state.parameters {
        Some(template) => {
            let task_env;
            let env = match ground.run.state.kind {
                StateKind::Task(_) => {
                    task_env = ground.task_env();
                    &task_env
                }
                _ => ground.env,
            };
            dataflow::template(template, &effective, env, ground.site)?
        }
        None => effective,
    };
    inspection.after_parameters = Some(parameters.clone());
    Ok(parameters)
}

/// From a result to the output: ResultSelector, Assign, ResultPath, OutputPath.
fn shape(ground: &Ground<'_, '_>, result: Value, inspection: &mut Inspection) -> Result<Attempt, StateError> {
    let state = ground.run.state;
    let selected = match &state.result_selector {
        Some(selector) => dataflow::template(selector, &result, ground.env, ground.site)?,
        None => result,
    };
    inspection.after_result_selector = Some(selected.clone());
    let assigned = assign(ground, &selected)?;
    let combined = dataflow::result_path(&state.result_path, &ground.run.input, selected, ground.site)?;
    inspection.after_result_path = Some(combined.clone());
    let output = dataflow::select(&state.output_path, &combined, ground.env, ground.site)?;
    Ok(Attempt::Exit { output, assigned, next: None })
}

fn assign(ground: &Ground<'_, '_>, over: &Value) -> Result<Option<Map<String, Value>>, StateError> {
    match &ground.run.state.assign {
        None => Ok(None),
        Some(template) => match dataflow::template(template, over, ground.env, ground.site)? {
            Value::Object(values) => Ok(Some(values)),
            _ => Ok(None),
        },
    }
}

fn pass(ground: &Ground<'_, '_>, result: Option<&Value>, inspection: &mut Inspection) -> Result<Attempt, StateError> {
    match result {
        Some(result) => {
            // A fixed Result replaces the effective input, which TestState then does not show.
            parameters(ground, &mut Inspection::default())?;
            inspection.result = Some(result.clone());
            shape(ground, result.clone(), inspection)
        }
        None => {
            let effective = parameters(ground, inspection)?;
            shape(ground, effective, inspection)
        }
    }
}

fn task(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    if let Err(error) = parameters(ground, inspection) {
        return Ok(Attempt::failed(error));
    }
    let result = match answers::result(ground)? {
        Ok(result) => result,
        Err(failed) => return Ok(Attempt::Failed(failed)),
    };
    inspection.result = Some(result.clone());
    Ok(shape(ground, result, inspection).unwrap_or_else(Attempt::failed))
}

fn parallel_state(ground: &Ground<'_, '_>, branches: usize, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    if let Err(error) = parameters(ground, &mut Inspection::default()) {
        return Ok(Attempt::failed(error));
    }
    Ok(match answers::parallel_result(ground, branches)? {
        Ok(result) => shape(ground, result, inspection).unwrap_or_else(Attempt::failed),
        Err(failed) => Attempt::Failed(failed),
    })
}

fn map_state(ground: &Ground<'_, '_>, spec: &MapSpec, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    let plan = match plan(ground, spec, inspection) {
        Ok(plan) => plan,
        Err(error) => return Ok(Attempt::failed(error)),
    };
    Ok(match answers::map_result(ground, &plan)? {
        Ok(result) => shape(ground, result, inspection).unwrap_or_else(Attempt::failed),
        Err(failed) => Attempt::Failed(failed),
    })
}

/// InputPath, ItemsPath (or the ItemReader's data), ItemSelector, MaxConcurrency and the tolerated failures.
fn plan(ground: &Ground<'_, '_>, spec: &MapSpec, inspection: &mut Inspection) -> Result<MapPlan, StateError> {
    let at = ground.site;
    let effective = input_path(ground, inspection)?;
    let items = match (&ground.run.situation.map_item_reader_data, &spec.items_path) {
        (Some(data), _) if spec.item_reader.is_some() => data.clone(),
        (_, PathField::Path(path)) => dataflow::read_text(path, &effective, ground.env).map_err(|e| at.runtime(e))?,
        _ => effective.clone(),
    };
    let Value::Array(items) = items else {
        let path = match &spec.items_path {
            PathField::Path(path) => path.strip_prefix('$').filter(|rest| rest.starts_with('$')).unwrap_or(path),
            _ => "$",
        };
        return Err(StateError::new(names::RUNTIME, format!("Reference path \"{path}\" must point to array.")));
    };
    inspection.after_items_path = Some(Value::Array(items.clone()));
    if let Some(selector) = &spec.item_selector {
        let mut selected = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            selected.push(dataflow::template(selector, &effective, &ground.env.for_map_item(index, item), at)?);
        }
        inspection.after_item_selector = Some(Value::Array(selected));
    }
    let read = |path: &str| dataflow::read_text(path, &effective, ground.env).map_err(|e| at.runtime(e));
    inspection.max_concurrency = Some(match &spec.max_concurrency {
        None => 0,
        Some(Dynamic::Literal(n)) => *n,
        Some(Dynamic::Path(path)) => read(path)?.as_u64().ok_or_else(|| {
            at.runtime(format!("The MaxConcurrencyPath field refers to a value which is not a valid integer: {path}"))
        })?,
        Some(Dynamic::Expression(_)) => {
            return Err(at.runtime("JSONata expressions are only evaluated in JSONata states"))
        }
    });
    let number = |field: &Option<Dynamic<Value>>| -> Result<Option<f64>, StateError> {
        Ok(match field {
            Some(Dynamic::Literal(value)) => answers::number(value),
            Some(Dynamic::Path(path)) => answers::number(&read(path)?),
            _ => None,
        })
    };
    let count = number(&spec.tolerated_failure_count)?.map(|c| c.max(0.0) as u64);
    let percentage = number(&spec.tolerated_failure_percentage)?;
    inspection.tolerated_failure_count = count;
    inspection.tolerated_failure_percentage = percentage;
    Ok(MapPlan { items: items.len(), tolerance: Tolerance { count, percentage } })
}

fn choice(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Attempt, StateError> {
    let state = ground.run.state;
    let StateKind::Choice(choice) = &state.kind else { unreachable!("choice() is only called for Choice states") };
    let effective = input_path(ground, inspection)?;
    let mut taken = None;
    for rule in &choice.choices {
        let matched =
            choice_eval::evaluate(&rule.condition, &effective, ground.env).map_err(|e| ground.site.runtime(e))?;
        if matched {
            taken = Some((rule.next.clone(), rule.assign.as_ref()));
            break;
        }
    }
    let (next, block) = match (taken, &choice.default) {
        (Some(taken), _) => taken,
        (None, Some(default)) => (default.clone(), state.assign.as_ref()),
        (None, None) => {
            return Err(StateError::new(names::NO_CHOICE_MATCHED, format!("No Matches! (state '{}')", state.name)))
        }
    };
    let assigned = match block {
        Some(template) => match dataflow::template(template, &effective, ground.env, ground.site)? {
            Value::Object(values) => Some(values),
            _ => None,
        },
        None => None,
    };
    let output = dataflow::select(&state.output_path, &effective, ground.env, ground.site)?;
    Ok(Attempt::Exit { output, assigned, next: Some(next) })
}

/// Wait and Succeed: InputPath, `check` on the effective input, Assign, OutputPath.
fn pass_through(
    ground: &Ground<'_, '_>,
    inspection: &mut Inspection,
    check: impl FnOnce(&Value) -> Result<(), StateError>,
) -> Result<Attempt, StateError> {
    let effective = input_path(ground, inspection)?;
    check(&effective)?;
    let assigned = assign(ground, &effective)?;
    let output = dataflow::select(&ground.run.state.output_path, &effective, ground.env, ground.site)?;
    Ok(Attempt::Exit { output, assigned, next: None })
}

/// Checks what a Wait's `SecondsPath` or `TimestampPath` reads (a tested Wait does not wait).
fn wait_paths(ground: &Ground<'_, '_>, wait: &Wait, effective: &Value) -> Result<(), StateError> {
    let at = ground.site;
    let read = |path: &str| dataflow::read_text(path, effective, ground.env).map_err(|e| at.runtime(e));
    match wait {
        Wait::Seconds(Dynamic::Path(path)) => match read(path)? {
            value if value.as_u64().is_some() => Ok(()),
            value => Err(at.runtime(match value.as_i64() {
                Some(negative) => {
                    format!("The SecondsPath parameter references a negative value: {path} == {negative}")
                }
                None => format!(
                    "The SecondsPath parameter does not reference a valid integer value: {path} == {}",
                    to_text(&value)
                ),
            })),
        },
        Wait::Timestamp(Dynamic::Path(path)) => {
            let value = read(path)?;
            match value.as_str().and_then(timestamp_ms) {
                Some(_) => Ok(()),
                None => Err(at.runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time \
                     format string: {path} == {}",
                    value.as_str().map(String::from).unwrap_or_else(|| to_text(&value))
                ))),
            }
        }
        _ => Ok(()),
    }
}

/// The error a Fail state raises (`Error`/`ErrorPath`, `Cause`/`CausePath`).
fn fail_error(ground: &Ground<'_, '_>, fail: &Fail) -> StateError {
    let read = |field: &Option<Dynamic<String>>, name: &str| -> Result<Option<String>, StateError> {
        match field {
            None => Ok(None),
            Some(Dynamic::Literal(text)) => Ok(Some(text.clone())),
            Some(Dynamic::Expression(_)) => {
                Err(ground.site.runtime("JSONata expressions are only evaluated in JSONata states"))
            }
            Some(Dynamic::Path(expr)) => {
                let value = dataflow::expression(name, expr, &ground.run.input, ground.env, ground.site)?;
                Ok(Some(value.as_str().map(String::from).unwrap_or_else(|| to_text(&value))))
            }
        }
    };
    match (read(&fail.error, "ErrorPath"), read(&fail.cause, "CausePath")) {
        (Ok(error), Ok(cause)) => StateError { error, cause },
        (Err(e), _) | (_, Err(e)) => e,
    }
}
