//! A JSONata state's attempt: Arguments, the (answered) work, then Output and Assign over `$states`, each
//! step recorded as TestState shows it.

use serde_json::Value;

use super::answers;
use super::answers::MapPlan;
use super::Attempt;
use super::Ground;
use super::Inspection;
use super::Unfit;
use crate::asl::state::Dynamic;
use crate::asl::state::Map as MapSpec;
use crate::asl::StateKind;
use crate::engine::error::StateError;
use crate::engine::execution::Tolerance;
use crate::engine::json::to_text;
use crate::engine::query;
use crate::engine::query::States;
use crate::engine::query_flow;

/// Runs the state's attempt.
pub(super) fn attempt(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    let state = ground.run.state;
    let input = &ground.run.input;
    let states = States::input(input);
    let flow = match &state.kind {
        StateKind::Task(_) => return task(ground, inspection),
        StateKind::Parallel(parallel) => return parallel_state(ground, parallel.branches.len()),
        StateKind::Map(spec) => return map_state(ground, spec, inspection),
        StateKind::Choice(choice) => query_flow::choose(state, choice, input, ground.env, ground.site)
            .map(|((output, assigned), next)| Attempt::Exit { output, assigned, next: Some(next) }),
        StateKind::Fail(fail) => Err(query_flow::fail_error(fail, states, ground.env, ground.site)),
        StateKind::Wait(wait) => query_flow::wait_due(wait, ground.run.now_ms, states, ground.env, ground.site)
            .and_then(|_| pass_through(ground)),
        StateKind::Pass { .. } | StateKind::Succeed => pass_through(ground),
    };
    Ok(flow.unwrap_or_else(Attempt::failed))
}

/// Output and Assign over the state's input (a tested Wait does not wait).
fn pass_through(ground: &Ground<'_, '_>) -> Result<Attempt, StateError> {
    let (state, input) = (ground.run.state, &ground.run.input);
    query_flow::leave(
        state.assign.as_ref(),
        state.output.as_ref(),
        input,
        States::input(input),
        ground.env,
        ground.site,
    )
    .map(|(output, assigned)| Attempt::Exit { output, assigned, next: None })
}

/// Output and Assign over the work's result.
fn leave(ground: &Ground<'_, '_>, result: &Value) -> Attempt {
    query_flow::shape_output(ground.run.state, &ground.run.input, result, ground.env, ground.site)
        .map_or_else(Attempt::failed, |(output, assigned)| Attempt::Exit { output, assigned, next: None })
}

fn task(ground: &Ground<'_, '_>, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    let states = States::input(&ground.run.input);
    match query_flow::arguments(ground.run.state, states, &ground.task_env(), ground.site) {
        Ok(arguments) => inspection.after_arguments = Some(arguments),
        Err(error) => return Ok(Attempt::failed(error)),
    }
    Ok(match answers::result(ground)? {
        Ok(result) => {
            inspection.result = Some(result.clone());
            leave(ground, &result)
        }
        Err(failed) => Attempt::Failed(failed),
    })
}

fn parallel_state(ground: &Ground<'_, '_>, branches: usize) -> Result<Attempt, Unfit> {
    let states = States::input(&ground.run.input);
    if let Err(error) = query_flow::arguments(ground.run.state, states, ground.env, ground.site) {
        return Ok(Attempt::failed(error));
    }
    Ok(match answers::parallel_result(ground, branches)? {
        Ok(result) => leave(ground, &result),
        Err(failed) => Attempt::Failed(failed),
    })
}

fn map_state(ground: &Ground<'_, '_>, spec: &MapSpec, inspection: &mut Inspection) -> Result<Attempt, Unfit> {
    let plan = match plan(ground, spec, inspection) {
        Ok(plan) => plan,
        Err(error) => return Ok(Attempt::failed(error)),
    };
    Ok(match answers::map_result(ground, &plan)? {
        Ok(result) => leave(ground, &result),
        Err(failed) => Attempt::Failed(failed),
    })
}

/// Items (or the ItemReader's data), ItemSelector, MaxConcurrency and the tolerated failures.
fn plan(ground: &Ground<'_, '_>, spec: &MapSpec, inspection: &mut Inspection) -> Result<MapPlan, StateError> {
    let (at, env) = (ground.site, ground.env);
    let input = &ground.run.input;
    let states = States::input(input);
    let items = match (&ground.run.situation.map_item_reader_data, &spec.items) {
        (Some(data), _) if spec.item_reader.is_some() => data.clone(),
        (_, Some(items)) => query::template("Items", items, states, env, at)?,
        _ => input.clone(),
    };
    let Value::Array(items) = items else {
        return Err(query::evaluation_error(
            at,
            format!("Map state input must be an array but was: {}", to_text(&items)),
        ));
    };
    if let Some(selector) = &spec.item_selector {
        let mut selected = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            selected.push(query::template("ItemSelector", selector, states, &env.for_map_item(index, item), at)?);
        }
        inspection.after_item_selector = Some(Value::Array(selected));
    }
    inspection.max_concurrency = Some(match &spec.max_concurrency {
        None => 0,
        Some(dynamic) => query_flow::integer("MaxConcurrency", dynamic, states, env, at)?,
    });
    let number = |field: &str, dynamic: &Option<Dynamic<Value>>| -> Result<Option<f64>, StateError> {
        match dynamic {
            Some(Dynamic::Literal(value)) => Ok(answers::number(&query::template(field, value, states, env, at)?)),
            Some(Dynamic::Expression(text)) => {
                let expression = Value::String(text.clone());
                Ok(answers::number(&query::template(field, &expression, states, env, at)?))
            }
            _ => Ok(None),
        }
    };
    let count = number("ToleratedFailureCount", &spec.tolerated_failure_count)?.map(|c| c.max(0.0) as u64);
    let percentage = number("ToleratedFailurePercentage", &spec.tolerated_failure_percentage)?;
    inspection.tolerated_failure_count = count;
    inspection.tolerated_failure_percentage = percentage;
    Ok(MapPlan { items: items.len(), tolerance: Tolerance { count, percentage } })
}
