//! What a mock may be given for (Task, Map and Parallel states, with the configuration and context that go
//! with it) and the answer it gives the tested state, worded as AWS rejects the rest.

use serde_json::Value;

use super::mock_validation;
use super::mock_validation::FieldValidationMode;
use super::validation;
use super::MockInput;
use super::TestStateConfiguration;
use crate::asl::State;
use crate::asl::StateKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::connectors::route;
use crate::connectors::Pattern;
use crate::engine::single_state::Answer;
use crate::engine::StateError;
use crate::engine::TaskKind;

/// Whether the request's mock, context and configuration suit the tested state.
pub(super) fn check_mock_fits(
    state: &State,
    mock: Option<&MockInput>,
    configuration: &TestStateConfiguration,
    has_context: bool,
    has_role: bool,
) -> Result<(), AwsError> {
    let type_name = state.type_name();
    let resource = match &state.kind {
        StateKind::Task(task) => Some(task.resource.as_str()),
        _ => None,
    };
    let Some(mock) = mock else {
        if resource.is_some() && !has_role {
            return Err(validation("RoleArn must be specified when testing a Task state"));
        }
        if configuration.map_iteration_failure_count.is_some() {
            return Err(validation(
                "TestState does not support MapIterationFailureCount when a mock is not specified.",
            ));
        }
        if configuration.error_caused_by_state.is_some() {
            return Err(validation("TestState does not support ErrorCausedByState when a mock is not specified."));
        }
        if has_context {
            return Err(validation("TestState does not support a Context object when a mock is not specified."));
        }
        if matches!(state.kind, StateKind::Parallel(_) | StateKind::Map(_)) {
            return Err(AwsError::new(
                ErrorCode::InvalidDefinition,
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, \
                 Wait, Pass, Succeed, Fail, Choice]",
            ));
        }
        let waits = |resource: &str| {
            TaskKind::of(resource) == TaskKind::Activity
                || route(resource).is_some_and(|r| r.pattern != Pattern::RequestResponse)
        };
        if let Some(resource) = resource.filter(|r| waits(r)) {
            return Err(validation(format!(
                "TestState supports the resource '{resource}' only when a mock is specified."
            )));
        }
        return Ok(());
    };
    if !matches!(state.kind, StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)) {
        return Err(validation(format!("State type '{type_name}' is not supported when a mock is specified")));
    }
    match (&mock.result, &mock.error_output) {
        (Some(_), Some(_)) => {
            return Err(validation("A test mock should have only one of the following fields: [result, errorOutput]."))
        }
        (None, None) => return Err(validation("A mock must specify either a result or an errorOutput.")),
        (None, Some(error_output)) if error_output.error.is_none() => {
            return Err(validation("The mock errorOutput must specify an error."))
        }
        _ => {}
    }
    if configuration.map_iteration_failure_count.is_some() && !matches!(state.kind, StateKind::Map(_)) {
        return Err(validation("TestState supports MapIterationFailureCount only for Map states."));
    }
    if let Some(name) = &configuration.error_caused_by_state {
        let inner = match &state.kind {
            StateKind::Map(map) => map.processor.find(name).is_some(),
            StateKind::Parallel(parallel) => parallel.branches.iter().any(|b| b.find(name).is_some()),
            _ => false,
        };
        if !inner {
            return Err(validation(format!(
                "ErrorCausedByState '{name}' must name a state inside the tested Map or Parallel state."
            )));
        }
    }
    Ok(())
}

/// The answer a mock gives, its result checked against the called API's shape.
pub(super) fn mocked_answer(state: &State, mock: &MockInput) -> Result<Answer, AwsError> {
    if let Some(error_output) = &mock.error_output {
        return Ok(Answer::Error(StateError { error: error_output.error.clone(), cause: error_output.cause.clone() }));
    }
    let text = mock.result.as_deref().unwrap_or_default();
    let result: Value = serde_json::from_str(text).map_err(|_| validation("Mocked result must be valid JSON"))?;
    match &state.kind {
        StateKind::Task(task) => {
            let mode = FieldValidationMode::parse(mock.field_validation_mode.as_deref())
                .unwrap_or(FieldValidationMode::Strict);
            mock_validation::validate(&task.resource, &result, mode).map_err(validation)?;
        }
        StateKind::Map(map) if map.result_writer.is_some() && !result.is_object() => {
            return Err(validation("Mocked result must be a JSON object."));
        }
        StateKind::Map(map) if map.result_writer.is_none() && !result.is_array() => {
            return Err(validation("Mocked result must be an array."));
        }
        StateKind::Parallel(_) if !result.is_array() => return Err(validation("Mocked result must be an array.")),
        _ => {}
    }
    Ok(Answer::Result(result))
}
