//! TestState: one state run alone through the engine's data flow, with its work mocked (`mock.result` or
//! `mock.errorOutput`) or, for a request-response Task without a mock, answered by the configured connector.
//! Nothing is written: no Raft proposal, no stored record.

mod context;
mod mock;
mod mock_validation;
mod spaced_json;
mod tested_state;

use serde::Deserialize;
use serde::Serialize;
use serde_json::Map;
use serde_json::Value;

use super::validate::Constraints;
use super::AccountView;
use crate::asl::StateKind;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::connectors::Outcome as ConnectorOutcome;
use crate::engine::single_state::run_single_state;
use crate::engine::single_state::task_parameters;
use crate::engine::single_state::Answer;
use crate::engine::single_state::Inspection;
use crate::engine::single_state::RunOutcome;
use crate::engine::single_state::SingleStateRun;
use crate::engine::single_state::Situation;
use crate::engine::to_text;
use crate::engine::StateError;
use context::ContextFacts;
use spaced_json::to_spaced_text;
use tested_state::TestedState;

const MAX_DEFINITION_BYTES: usize = 1_048_576;
const MAX_DATA_BYTES: usize = 262_144;

/// TestState's input. `revealSecrets` reveals what an EventBridge connection adds to an HTTP Task's request;
/// statehouse makes no HTTP Task requests, so it only takes part in validation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateInput {
    pub definition: Option<String>,
    pub role_arn: Option<String>,
    pub input: Option<String>,
    pub inspection_level: Option<String>,
    pub reveal_secrets: Option<bool>,
    pub variables: Option<String>,
    pub state_name: Option<String>,
    pub mock: Option<MockInput>,
    pub context: Option<String>,
    pub state_configuration: Option<TestStateConfiguration>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockInput {
    pub result: Option<String>,
    pub error_output: Option<MockErrorOutput>,
    pub field_validation_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockErrorOutput {
    pub error: Option<String>,
    pub cause: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateConfiguration {
    pub retrier_retry_count: Option<i64>,
    pub error_caused_by_state: Option<String>,
    pub map_iteration_failure_count: Option<i64>,
    pub map_item_reader_data: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_data: Option<InspectionData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_state: Option<String>,
    pub status: &'static str,
}

/// `InspectionData`: each data-flow step as JSON text.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionData {
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_arguments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_parameters: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_result_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_result_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_details: Option<InspectionErrorDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_items_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_item_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerated_failure_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerated_failure_percentage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrency: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionErrorDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    catch_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_backoff_interval_seconds: Option<u64>,
}

/// A ValidationException with `message`.
fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::ValidationException, message)
}

/// TestState.
pub async fn test_state(view: &AccountView<'_>, input: TestStateInput) -> Result<TestStateOutput, AwsError> {
    let mut c = Constraints::default();
    let definition = c.required("definition", &input.definition, 1, MAX_DEFINITION_BYTES);
    c.length("roleArn", input.role_arn.as_ref(), 1, 256);
    c.bytes("input", input.input.as_ref(), MAX_DATA_BYTES);
    c.bytes("variables", input.variables.as_ref(), MAX_DATA_BYTES);
    c.bytes("context", input.context.as_ref(), MAX_DATA_BYTES);
    c.length("stateName", input.state_name.as_ref(), 1, 80);
    c.one_of("inspectionLevel", input.inspection_level.as_ref(), &["INFO", "DEBUG", "TRACE"]);
    let mode_name = input.mock.as_ref().and_then(|m| m.field_validation_mode.as_ref());
    c.one_of("mock.fieldValidationMode", mode_name, &["STRICT", "PRESENT", "NONE"]);
    let configuration = input.state_configuration.unwrap_or_default();
    c.range("stateConfiguration.retrierRetryCount", configuration.retrier_retry_count, 0, i64::from(i32::MAX));
    c.range(
        "stateConfiguration.mapIterationFailureCount",
        configuration.map_iteration_failure_count,
        0,
        i64::from(i32::MAX),
    );
    c.finish()?;

    let tested = TestedState::parse(definition, input.state_name.as_deref())?;
    let state = tested.state();
    let state_input: Value = serde_json::from_str(&super::validate::execution_input(input.input.as_ref())?)
        .map_err(|e| AwsError::new(ErrorCode::InvalidExecutionInput, e.to_string()))?;
    let variables = match &input.variables {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(variables)) => variables,
            _ => return Err(validation("The variables must be a JSON object")),
        },
    };
    mock::check_mock_fits(
        state,
        input.mock.as_ref(),
        &configuration,
        input.context.is_some(),
        input.role_arn.is_some(),
    )?;
    if input.mock.is_some() && input.reveal_secrets == Some(true) {
        return Err(validation("TestState does not support RevealSecrets when a mock is specified."));
    }
    let resource = match &state.kind {
        StateKind::Task(task) => Some(task.resource.as_str()),
        _ => None,
    };
    let given_context =
        input.context.as_deref().map(|text| context::given_context(text, resource)).transpose().map_err(validation)?;
    let situation = situation(&configuration)?;

    let now = now_ms();
    let execution_name = uuid::Uuid::new_v4().to_string();
    let machine_name = format!("TestStateMachine-{}", uuid::Uuid::new_v4().simple());
    let facts = ContextFacts {
        arns: &view.arns,
        input: &state_input,
        role_arn: input.role_arn.as_deref(),
        state_name: &state.name,
        retry_count: matches!(state.kind, StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_))
            .then_some(situation.retrier_retry_count),
        now_ms: now,
        execution_name: &execution_name,
        machine_name: &machine_name,
    };
    let context = given_context.unwrap_or_else(|| context::made_up_context(&facts));
    let mut run = SingleStateRun {
        state,
        input: state_input,
        context,
        variables,
        answer: None,
        situation,
        now_ms: now,
        entropy: execution_name.clone(),
    };
    run.answer = match &input.mock {
        Some(mock) => Some(mock::mocked_answer(state, mock)?),
        None => called_answer(view, &run).await?,
    };
    let outcome = run_single_state(&run).map_err(|unfit| validation(unfit.0))?;
    let inspect = input.inspection_level.as_deref().is_some_and(|level| level != "INFO");
    Ok(rendered(outcome, inspect))
}

/// The situation `stateConfiguration` describes.
fn situation(configuration: &TestStateConfiguration) -> Result<Situation, AwsError> {
    let map_item_reader_data = match &configuration.map_item_reader_data {
        None => None,
        Some(text) => {
            Some(serde_json::from_str(text).map_err(|_| validation("The mapItemReaderData must be valid JSON"))?)
        }
    };
    Ok(Situation {
        retrier_retry_count: configuration.retrier_retry_count.unwrap_or(0) as u64,
        map_iteration_failure_count: configuration.map_iteration_failure_count.map(|n| n as u64),
        map_item_reader_data,
    })
}

/// The answer of the connector a Task without a mock calls; `None` when its parameters cannot be evaluated
/// (the run then fails on them).
async fn called_answer(view: &AccountView<'_>, run: &SingleStateRun<'_>) -> Result<Option<Answer>, AwsError> {
    let StateKind::Task(task) = &run.state.kind else { return Ok(None) };
    let Ok(parameters) = task_parameters(run) else { return Ok(None) };
    let outcome = view
        .executions
        .connectors()
        .invoke(&task.resource, &to_text(&parameters), &run.entropy, &view.arns.account)
        .await;
    Ok(Some(match outcome {
        // A `.sync` start is refused before the call; a child started anyway answers with its start.
        ConnectorOutcome::Answered { output } | ConnectorOutcome::Started { output, .. } => {
            Answer::Result(serde_json::from_str(&output).unwrap_or(Value::String(output)))
        }
        ConnectorOutcome::Failed { error, cause } => {
            Answer::Error(StateError { error: Some(error), cause: Some(cause) })
        }
    }))
}

/// The response: the outcome, with the inspection data when the level asks for it.
fn rendered(outcome: RunOutcome, inspect: bool) -> TestStateOutput {
    let RunOutcome { status, output, error, next_state, inspection } = outcome;
    let (error, cause) = match error {
        Some(StateError { error, cause }) => (error, cause),
        None => (None, None),
    };
    TestStateOutput {
        output: output.as_ref().map(to_spaced_text),
        error,
        cause,
        inspection_data: inspect.then(|| inspection_data(inspection)),
        next_state,
        status: status.as_str(),
    }
}

fn inspection_data(inspection: Inspection) -> InspectionData {
    let text = |value: Option<Value>| value.as_ref().map(to_spaced_text);
    InspectionData {
        input: text(inspection.input),
        after_arguments: text(inspection.after_arguments),
        after_input_path: text(inspection.after_input_path),
        after_parameters: text(inspection.after_parameters),
        result: text(inspection.result),
        after_result_selector: text(inspection.after_result_selector),
        after_result_path: text(inspection.after_result_path),
        variables: text(inspection.variables.map(Value::Object)),
        error_details: inspection.error_details.map(|d| InspectionErrorDetails {
            catch_index: d.catch_index,
            retry_index: d.retry_index,
            retry_backoff_interval_seconds: d.retry_backoff_interval_seconds,
        }),
        after_items_path: text(inspection.after_items_path),
        after_item_selector: text(inspection.after_item_selector),
        tolerated_failure_count: inspection.tolerated_failure_count,
        tolerated_failure_percentage: inspection.tolerated_failure_percentage,
        max_concurrency: inspection.max_concurrency,
    }
}
