//! Execution operations: StartExecution, DescribeExecution, ListExecutions, StopExecution (RedriveExecution
//! lives in `redrive`).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::express;
use super::pagination::decode_token;
use super::pagination::encode_token;
use super::redrive;
use super::state_machine_ref::resolve;
use super::state_machine_ref::Resolved;
use super::state_machine_ref::StateMachineRef;
use super::state_machines;
use super::validate::execution_input;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::arn::Arn;
use crate::arn::ResourceKind;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::decision::decide;
use crate::decision::execution_info;
use crate::decision::Decision;
use crate::decision::Runtime;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::execution_log::LoggingConfiguration;
use crate::history::StoredEvent;
use crate::mocks::TestCase;
use crate::names::is_valid_name;
use crate::raft::Command;
use crate::store::not_redrivable;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::StateMachineStatus;
use crate::store::StateMachineType;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartExecutionInput {
    pub state_machine_arn: Option<String>,
    pub name: Option<String>,
    pub input: Option<String>,
    pub trace_header: Option<String>,
}

/// What StartExecution and StartSyncExecution check before anything runs.
pub struct ValidStart {
    pub machine: crate::store::StateMachineRecord,
    pub name: String,
    pub input: String,
    pub trace_header: Option<String>,
    /// The mock test case chosen with `<stateMachineArn>#<test case>`, checked against the definition.
    pub test_case: Option<Arc<TestCase>>,
    /// The version the execution runs, when started through a version or alias ARN.
    pub version_arn: Option<String>,
    /// The alias it was started through.
    pub alias_arn: Option<String>,
}

/// Validates a start request against the model and the state machine it names.
pub fn validate_start(state: &AccountView<'_>, input: &StartExecutionInput) -> Result<ValidStart, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("stateMachineArn", &input.state_machine_arn, 1, 256);
    c.length("name", input.name.as_ref(), 1, 80);
    c.bytes("input", input.input.as_ref(), 262_144);
    c.length("traceHeader", input.trace_header.as_ref(), 0, 256);
    c.finish()?;
    // Step Functions Local's way to run a test case of the mock configuration: `<stateMachineArn>#<case>`.
    let (arn, case) = match arn.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (arn, None),
    };
    let reference = StateMachineRef::parse(state, arn)?;
    let name = match &input.name {
        Some(name) if !is_valid_name(name) => {
            return Err(AwsError::new(ErrorCode::InvalidName, format!("Invalid Name: '{name}'")))
        }
        Some(name) => name.clone(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let execution_input = execution_input(input.input.as_ref())?;
    let machine = state_machines::load(state, reference.machine_arn())?;
    if machine.status == StateMachineStatus::Deleting {
        return Err(AwsError::state_machine_deleting(arn));
    }
    let Resolved { machine, version_arn, alias_arn } = resolve(state, &reference, machine)?;
    let test_case = match case {
        Some(case) => {
            let refused = |message: String| AwsError::new(ErrorCode::ValidationException, message);
            let test_case = state.executions.mocks().test_case(&machine.name, case).map_err(refused)?;
            let definition = state.executions.definition(&machine.arn, &machine.revision_id, &machine.definition)?;
            test_case.check(&definition).map_err(refused)?;
            Some(test_case)
        }
        None => None,
    };
    Ok(ValidStart {
        machine,
        name,
        input: execution_input,
        trace_header: input.trace_header.clone(),
        test_case,
        version_arn,
        alias_arn,
    })
}

pub async fn start(state: &AccountView<'_>, input: StartExecutionInput) -> Result<Value, AwsError> {
    let start = validate_start(state, &input)?;
    if start.machine.machine_type == StateMachineType::Express {
        let (arn, start_ms) = express::start_async(state, start)?;
        return Ok(json!({ "executionArn": arn, "startDate": wire_seconds(start_ms) }));
    }
    let machine = &start.machine;
    let arn = state.arns.execution(&machine.name, &start.name);
    let now = now_ms();
    let execution = ExecutionRecord {
        arn: arn.clone(),
        state_machine_arn: machine.arn.clone(),
        name: start.name.clone(),
        status: ExecutionStatus::Running,
        start_ms: now,
        stop_ms: None,
        input: start.input.clone(),
        output: None,
        error: None,
        cause: None,
        trace_header: start.trace_header.clone(),
        revision_id: machine.revision_id.clone(),
        role_arn: machine.role_arn.clone(),
        test_case: start.test_case.as_ref().map(|case| case.name().to_string()),
        wait_time_scale: state.wait_time_scale,
        version_arn: start.version_arn.clone(),
        alias_arn: start.alias_arn.clone(),
        redrive_count: 0,
        redrive_ms: None,
        redrive_tokens: Vec::new(),
    };
    let definition = state.executions.definition(&machine.arn, &machine.revision_id, &machine.definition)?;
    let decision = first_run(state, &definition, &execution, start.test_case.as_deref(), now);
    let logging = LoggingConfiguration::parse(&machine.logging);
    let logged = logging.enabled().then(|| decision.events.clone());
    let open_limit = state.config.open_executions_per_account;
    let start_ms = state
        .node
        .propose(&arn, Command::StartExecution { execution: Box::new(execution), decision, open_limit })
        .await?;
    if let (Some(events), true) = (logged, start_ms == now) {
        // This request's first run committed (an idempotent repeat answers the first start's time).
        crate::execution_log::record(&logging, &arn, 0, &events);
    }
    state.executions.ensure_running(&arn);
    Ok(json!({ "executionArn": arn, "startDate": wire_seconds(start_ms) }))
}

/// The first decision of an execution: its ExecutionStarted event, then the engine's run from `StartAt` up
/// to the first wait, all in the proposal that creates the execution.
fn first_run(
    state: &AccountView<'_>,
    definition: &Definition,
    execution: &ExecutionRecord,
    test_case: Option<&TestCase>,
    now: i64,
) -> Decision {
    let info = execution_info(execution, state.node.token_key());
    let started = StoredEvent::execution_started(
        &execution.input,
        &execution.role_arn,
        execution.version_arn.as_deref(),
        execution.alias_arn.as_deref(),
        now,
    );
    let mut engine_state = ExecutionState::new(info);
    let store = &state.node.store;
    let activity_exists = |arn: &str| matches!(store.activity(arn), Ok(Some(_)));
    let runtime = Runtime { activity_exists: &activity_exists, test_case };
    let mut decision = decide(definition, &mut engine_state, [Input::Start], now, runtime);
    decision.events.insert(0, started);
    decision
}

/// Checks an execution ARN and loads the execution, or ExecutionDoesNotExist (also for another account's).
pub fn load(state: &AccountView<'_>, arn: &str) -> Result<ExecutionRecord, AwsError> {
    let parsed = Arn::parse(arn, &[ResourceKind::Execution, ResourceKind::ExpressExecution])
        .map_err(|e| AwsError::new(ErrorCode::InvalidArn, e.to_string()))?;
    if parsed.kind == ResourceKind::ExpressExecution {
        return Err(AwsError::new(
            ErrorCode::InvalidArn,
            format!("Invalid Arn: 'Resource type not valid in this context: express' ({arn})"),
        ));
    }
    if !state.arns.owns(&parsed) {
        return Err(AwsError::execution_does_not_exist(arn));
    }
    state.node.store.execution(arn)?.ok_or_else(|| AwsError::execution_does_not_exist(arn))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeExecutionInput {
    execution_arn: Option<String>,
    included_data: Option<String>,
}

pub async fn describe(state: &AccountView<'_>, input: DescribeExecutionInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.one_of("includedData", input.included_data.as_ref(), &["ALL_DATA", "METADATA_ONLY"]);
    c.finish()?;
    let e = load(state, arn)?;
    let with_data = input.included_data.as_deref() != Some("METADATA_ONLY");
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.state_machine_arn,
        "name": e.name,
        "status": e.status.as_str(),
        "startDate": wire_seconds(e.start_ms),
        "redriveCount": e.redrive_count,
    });
    if let Some(redrive) = e.redrive_ms {
        out["redriveDate"] = json!(wire_seconds(redrive));
    }
    if with_data {
        out["input"] = json!(e.input);
        out["inputDetails"] = json!({ "included": true });
    }
    if let Some(stop) = e.stop_ms {
        out["stopDate"] = json!(wire_seconds(stop));
    }
    if let (Some(output), true) = (&e.output, with_data) {
        out["output"] = json!(output);
        out["outputDetails"] = json!({ "included": true });
    }
    if let Some(error) = &e.error {
        out["error"] = json!(error);
    }
    if let Some(cause) = &e.cause {
        out["cause"] = json!(cause);
    }
    if let Some(trace) = &e.trace_header {
        out["traceHeader"] = json!(trace);
    }
    add_version_and_alias(&mut out, &e);
    match not_redrivable(&e, &redrive::context(state, &e, now_ms())?) {
        Some(reason) => {
            out["redriveStatus"] = json!("NOT_REDRIVABLE");
            out["redriveStatusReason"] = json!(reason);
        }
        None => out["redriveStatus"] = json!("REDRIVABLE"),
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListExecutionsInput {
    state_machine_arn: Option<String>,
    status_filter: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    map_run_arn: Option<String>,
    redrive_filter: Option<String>,
}

pub async fn list(state: &AccountView<'_>, input: ListExecutionsInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    c.length("stateMachineArn", input.state_machine_arn.as_ref(), 1, 256);
    c.one_of(
        "statusFilter",
        input.status_filter.as_ref(),
        &["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"],
    );
    c.range("maxResults", input.max_results, 0, 1000);
    c.length("nextToken", input.next_token.as_ref(), 1, 3096);
    c.length("mapRunArn", input.map_run_arn.as_ref(), 1, 2000);
    c.one_of("redriveFilter", input.redrive_filter.as_ref(), &["REDRIVEN", "NOT_REDRIVEN"]);
    c.finish()?;
    let arn = match (&input.state_machine_arn, &input.map_run_arn) {
        (Some(arn), None) => arn.as_str(),
        // A map run's items run inside its execution, not as executions of their own: there is nothing to list.
        (None, Some(map_run)) => {
            super::map_runs::load(state, map_run)?;
            return Ok(json!({ "executions": [] }));
        }
        _ => {
            return Err(AwsError::new(
                ErrorCode::ValidationException,
                "Must provide exactly one of stateMachineArn or mapRunArn",
            ))
        }
    };
    let reference = StateMachineRef::parse(state, arn)?;
    if input.status_filter.as_deref() == Some("PENDING_REDRIVE") {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "The PENDING_REDRIVE status filter requires a mapRunArn",
        ));
    }
    let machine = state_machines::load(state, reference.machine_arn())?;
    if machine.machine_type == StateMachineType::Express {
        return Err(AwsError::new(
            ErrorCode::StateMachineTypeNotSupported,
            "This operation is not supported by this type of state machine",
        ));
    }
    let listed_under = reference.arn();
    let scope = format!(
        "ListExecutions:{listed_under}:{}:{}",
        input.status_filter.as_deref().unwrap_or(""),
        input.redrive_filter.as_deref().unwrap_or("")
    );
    let from = match input.next_token.as_deref() {
        Some(token) => {
            Some(super::validate::decoded::<(u64, String)>(&decode_token(state.node.token_key(), &scope, token)?)?)
        }
        None => None,
    };
    let status = input.status_filter.as_deref().and_then(ExecutionStatus::parse);
    let redriven = input.redrive_filter.as_deref().map(|filter| filter == "REDRIVEN");
    let keep = |e: &ExecutionRecord| {
        status.is_none_or(|s| s == e.status) && redriven.is_none_or(|redriven| redriven == (e.redrive_count > 0))
    };
    let page = state.node.store.list_executions(&listed_under, keep, from, page_size(input.max_results))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|e| {
            let mut item = json!({
                "executionArn": e.arn,
                "stateMachineArn": e.state_machine_arn,
                "name": e.name,
                "status": e.status.as_str(),
                "startDate": wire_seconds(e.start_ms),
                "redriveCount": e.redrive_count,
            });
            if let Some(stop) = e.stop_ms {
                item["stopDate"] = json!(wire_seconds(stop));
            }
            if let Some(redrive) = e.redrive_ms {
                item["redriveDate"] = json!(wire_seconds(redrive));
            }
            add_version_and_alias(&mut item, e);
            item
        })
        .collect();
    let mut out = json!({ "executions": items });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), &scope, &next));
    }
    Ok(out)
}

/// `stateMachineVersionArn` and `stateMachineAliasArn` of an execution started through them.
fn add_version_and_alias(out: &mut Value, execution: &ExecutionRecord) {
    if let Some(version) = &execution.version_arn {
        out["stateMachineVersionArn"] = json!(version);
    }
    if let Some(alias) = &execution.alias_arn {
        out["stateMachineAliasArn"] = json!(alias);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopExecutionInput {
    execution_arn: Option<String>,
    error: Option<String>,
    cause: Option<String>,
}

pub async fn stop(state: &AccountView<'_>, input: StopExecutionInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.length("error", input.error.as_ref(), 0, 256);
    c.length("cause", input.cause.as_ref(), 0, 32_768);
    c.finish()?;
    let execution = load(state, arn)?;
    if let Some(stop_ms) = execution.stop_ms {
        return Ok(json!({ "stopDate": wire_seconds(stop_ms) }));
    }
    let stop_ms = state.executions.stop(arn, input.error, input.cause).await?;
    Ok(json!({ "stopDate": wire_seconds(stop_ms) }))
}
