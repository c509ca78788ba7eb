//! The answered work of a Task, Parallel or Map state, and what a Map would iterate over: its items, its
//! concurrency and the failures it tolerates, checked against the answer and the failed iterations the
//! caller describes.

use serde_json::Value;

use super::Answer;
use super::Failure;
use super::Ground;
use super::Unfit;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::execution::Tolerance;

/// What a Map state would iterate over.
pub(super) struct MapPlan {
    pub items: usize,
    pub tolerance: Tolerance,
}

/// The result of the state's work, or the failed attempt its answer makes.
pub(super) fn result(ground: &Ground<'_, '_>) -> Result<Result<Value, Failure>, Unfit> {
    match &ground.run.answer {
        Some(Answer::Result(value)) => Ok(Ok(value.clone())),
        Some(Answer::Error(error)) => Ok(Err(Failure { error: error.clone(), from_task: true })),
        None => Err(Unfit(format!("State type '{}' needs a mock to be tested", ground.run.state.type_name()))),
    }
}

/// The result of a Parallel state: one item per branch.
pub(super) fn parallel_result(ground: &Ground<'_, '_>, branches: usize) -> Result<Result<Value, Failure>, Unfit> {
    let answered = without_task_failure(result(ground)?);
    if let Ok(Value::Array(items)) = &answered {
        if items.len() != branches {
            return Err(Unfit(
                "Mocked result must contain the same number of items as number of Parallel branches.".into(),
            ));
        }
    }
    Ok(answered)
}

/// The result of a Map state whose iterations `plan` describes. Failed iterations beyond a declared tolerance
/// fail it; a Map that declares none takes its result as the mock gives it, whatever failed.
pub(super) fn map_result(ground: &Ground<'_, '_>, plan: &MapPlan) -> Result<Result<Value, Failure>, Unfit> {
    let failures = ground.run.situation.map_iteration_failure_count;
    if failures.is_some_and(|f| f > plan.items as u64) {
        return Err(Unfit(
            "Map iteration failure count must be less than or equal to the number of Map iterations".into(),
        ));
    }
    let answered = without_task_failure(result(ground)?);
    let tolerates = plan.tolerance.count.is_some() || plan.tolerance.percentage.is_some();
    if answered.is_ok() && tolerates && plan.tolerance.exceeded(failures.unwrap_or(0), plan.items as u64) {
        let error = StateError::new(
            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
            "The specified tolerated failure threshold was exceeded",
        );
        return Ok(Err(Failure { error, from_task: false }));
    }
    Ok(answered)
}

/// A Parallel or Map failure is the state's own: `States.TaskFailed` does not match it.
fn without_task_failure(answered: Result<Value, Failure>) -> Result<Value, Failure> {
    answered.map_err(|failure| Failure { from_task: false, ..failure })
}

/// A tolerated-failure field's number (`ToleratedFailureCount`, `ToleratedFailurePercentage`).
pub(super) fn number(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}
