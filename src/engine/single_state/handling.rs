//! A failed attempt meets the state's Retry and Catch: the first retrier that matches makes the run
//! RETRIABLE with the backoff it would wait, if it has attempts left; else the first matching catcher makes it
//! CAUGHT_ERROR with the catcher's output and next state; else the run FAILED. The inspection data name the
//! retrier that matched (even one with no attempts left) and the catcher.

use serde_json::Map;
use serde_json::Value;

use super::ErrorDetails;
use super::Failure;
use super::Ground;
use super::Inspection;
use super::RunOutcome;
use super::RunStatus;
use crate::asl::retry::error_matches;
use crate::asl::retry::Catcher;
use crate::asl::QueryLanguage;
use crate::engine::dataflow;
use crate::engine::error::StateError;
use crate::engine::query::States;
use crate::engine::query_flow;
use crate::engine::query_flow::Leaving;
use crate::engine::task::matches_task_failure;

/// Decides what the failure `error` of the tested state comes to.
pub(super) fn handle(
    ground: &Ground<'_, '_>,
    failure: Failure,
    mut inspection: Inspection,
    variables: &mut Map<String, Value>,
) -> RunOutcome {
    let Failure { error, from_task } = failure;
    let state = ground.run.state;
    let matches = |names: &[String]| {
        error_matches(names, error.name()) || (from_task && matches_task_failure(names, error.name()))
    };
    let mut details = ErrorDetails::default();
    if let Some(index) = state.retry.iter().position(|r| matches(&r.error_equals)) {
        let retrier = &state.retry[index];
        let done = ground.run.situation.retrier_retry_count;
        details.retry_index = Some(index);
        if done < retrier.max_attempts {
            let mut backoff = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(done as i32);
            if let Some(max) = retrier.max_delay_seconds {
                backoff = backoff.min(max as f64);
            }
            details.retry_backoff_interval_seconds = Some(backoff as u64);
            inspection.error_details = Some(details);
            return ended(RunStatus::Retriable, error, inspection);
        }
    }
    let catcher = state.catch.iter().enumerate().find(|(_, c)| matches(&c.error_equals));
    inspection.error_details = (details.retry_index.is_some() || catcher.is_some()).then_some(details);
    let Some((index, catcher)) = catcher else {
        return ended(RunStatus::Failed, error, inspection);
    };
    match caught(ground, catcher, &error) {
        Ok((output, assigned)) => {
            variables.extend(assigned.unwrap_or_default());
            if let Some(details) = &mut inspection.error_details {
                details.catch_index = Some(index);
            }
            RunOutcome {
                status: RunStatus::CaughtError,
                output: Some(output),
                error: Some(error),
                next_state: Some(catcher.next.clone()),
                inspection,
            }
        }
        Err(failed) => ended(RunStatus::Failed, failed, inspection),
    }
}

fn ended(status: RunStatus, error: StateError, inspection: Inspection) -> RunOutcome {
    RunOutcome { status, output: None, error: Some(error), next_state: None, inspection }
}

/// The output and variables a catcher leaves with.
fn caught(ground: &Ground<'_, '_>, catcher: &Catcher, error: &StateError) -> Result<Leaving, StateError> {
    let input = &ground.run.input;
    let error_output = error.output();
    match ground.run.state.query_language {
        QueryLanguage::JsonPath => {
            let assigned = match &catcher.assign {
                Some(assign) => match dataflow::template(assign, &error_output, ground.env, ground.site)? {
                    Value::Object(values) => Some(values),
                    _ => None,
                },
                None => None,
            };
            let output = dataflow::result_path(&catcher.result_path, input, error_output, ground.site)?;
            Ok((output, assigned))
        }
        QueryLanguage::JsonAta => {
            let states = States { input, result: None, error_output: Some(&error_output) };
            let (assign, output) = (catcher.assign.as_ref(), catcher.output.as_ref());
            query_flow::leave(assign, output, &error_output, states, ground.env, ground.site)
        }
    }
}
