//! EXPRESS executions: run in memory on the receiving node, no Raft, no history API, at most five minutes.
//! StartSyncExecution waits for the result; StartExecution of an EXPRESS machine runs it in the background.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use serde_json::Value;

use super::executions::validate_start;
use super::executions::StartExecutionInput;
use super::executions::ValidStart;
use super::state_machines::parse_definition;
use super::AccountView;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::clock::wire_seconds;
use crate::connectors::route;
use crate::connectors::Connectors;
use crate::connectors::Outcome as ConnectorOutcome;
use crate::connectors::Pattern;
use crate::engine;
use crate::engine::Effect;
use crate::engine::ExecutionInfo;
use crate::engine::ExecutionState;
use crate::engine::FinalStatus;
use crate::engine::Input;
use crate::engine::TaskEvent;
use crate::execution_log;
use crate::execution_log::LoggingConfiguration;
use crate::history::StoredEvent;
use crate::mocks::TestCase;
use crate::raft::account_of;
use crate::store::StateMachineType;

/// Longest an EXPRESS execution may run.
const EXPRESS_LIMIT: Duration = Duration::from_secs(300);

/// How an EXPRESS execution ended.
struct Outcome {
    status: FinalStatus,
    output: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    stop_ms: i64,
}

/// Runs an execution to its end in memory, arming timers as sleeps and calling connectors inline (or
/// answering from the test case, for its mocked states), within the EXPRESS time limit.
/// Its history events go to the execution log as `logging` asks.
async fn run(prepared: Prepared, connectors: Arc<Connectors>) -> Outcome {
    let Prepared { definition, info, logging, test_case } = prepared;
    let deadline = info.start_time_ms + EXPRESS_LIMIT.as_millis() as i64;
    let arn = info.execution_arn.clone();
    if logging.enabled() {
        let started = StoredEvent::execution_started(&info.input, &info.role_arn, None, None, info.start_time_ms);
        execution_log::record(&logging, &arn, 0, &[started]);
    }
    let mut state = ExecutionState::new(info);
    let mut inputs = VecDeque::from([Input::Start]);
    let mut timers: Vec<(engine::TimerId, i64)> = Vec::new();
    loop {
        while let Some(input) = inputs.pop_front() {
            let now = now_ms();
            let step = engine::step(&definition, &mut state, input, now);
            if logging.enabled() {
                let events: Vec<StoredEvent> = step.events.iter().map(|e| StoredEvent::from_draft(e, now)).collect();
                execution_log::record(&logging, &arn, 0, &events);
            }
            for effect in step.effects {
                match effect {
                    Effect::Finished { status, output, error, cause } => {
                        return Outcome { status, output, error, cause, stop_ms: now_ms() }
                    }
                    Effect::ArmTimer { timer, due_ms } => timers.push((timer, due_ms)),
                    Effect::CancelTimer { timer } => timers.retain(|(t, _)| *t != timer),
                    Effect::ScheduleActivity { slot, .. } => inputs.push_back(Input::Task {
                        slot,
                        event: TaskEvent::ScheduleFailed {
                            cause: "Express state machines do not support activities.".into(),
                        },
                    }),
                    Effect::InvokeTask {
                        slot,
                        state: task_state,
                        invocation,
                        resource,
                        parameters,
                        task_token,
                        ..
                    } => {
                        if let Some(answer) = test_case.as_ref().and_then(|case| case.answer(&task_state, invocation)) {
                            inputs.extend(
                                answer.task_events(&resource).into_iter().map(|event| Input::Task { slot, event }),
                            );
                            continue;
                        }
                        let waits = route(&resource).is_some_and(|r| r.pattern != Pattern::RequestResponse);
                        let event = if waits {
                            TaskEvent::Failed {
                                error: Some("States.Runtime".into()),
                                cause: Some(format!(
                                    "Express state machines support only request-response integrations ('{resource}')."
                                )),
                            }
                        } else {
                            let account = account_of(&arn);
                            match connectors.invoke(&resource, &parameters, &task_token, account).await {
                                // Express tasks never wait for a child (`.sync` is refused above).
                                ConnectorOutcome::Answered { output } | ConnectorOutcome::Started { output, .. } => {
                                    TaskEvent::Succeeded { output }
                                }
                                ConnectorOutcome::Failed { error, cause } => {
                                    TaskEvent::Failed { error: Some(error), cause: Some(cause) }
                                }
                            }
                        };
                        inputs.push_back(Input::Task { slot, event: TaskEvent::Started { worker_name: None } });
                        inputs.push_back(Input::Task { slot, event });
                    }
                    Effect::CloseTask { .. } | Effect::AbandonTask { .. } | Effect::MapRun(_) => {}
                }
            }
        }
        timers.sort_by_key(|(_, due)| *due);
        let Some((timer, due)) = (!timers.is_empty()).then(|| timers.remove(0)) else {
            return Outcome {
                status: FinalStatus::Failed,
                output: None,
                error: Some("States.Runtime".into()),
                cause: Some("The execution stopped making progress.".into()),
                stop_ms: now_ms(),
            };
        };
        if due > deadline {
            tokio::time::sleep(Duration::from_millis((deadline - now_ms()).max(0) as u64)).await;
            return Outcome {
                status: FinalStatus::TimedOut,
                output: None,
                error: Some("States.Timeout".into()),
                cause: None,
                stop_ms: now_ms(),
            };
        }
        tokio::time::sleep(Duration::from_millis((due - now_ms()).max(0) as u64)).await;
        inputs.push_back(Input::TimersFired { timers: vec![timer] });
    }
}

/// What an EXPRESS execution runs with.
struct Prepared {
    definition: crate::asl::Definition,
    info: ExecutionInfo,
    logging: LoggingConfiguration,
    test_case: Option<Arc<TestCase>>,
}

fn prepare(state: &AccountView<'_>, start: ValidStart) -> Result<Prepared, AwsError> {
    let machine = &start.machine;
    let definition = parse_definition(&machine.definition, machine.machine_type)?;
    let id = uuid::Uuid::new_v4().to_string();
    let info = ExecutionInfo {
        execution_arn: state.arns.express_execution(&machine.name, &start.name, &id),
        execution_name: start.name.clone(),
        state_machine_arn: machine.arn.clone(),
        state_machine_name: machine.name.clone(),
        role_arn: machine.role_arn.clone(),
        start_time_ms: now_ms(),
        input: start.input.clone(),
        token_key: state.node.token_key().to_string(),
        wait_time_scale: state.wait_time_scale,
        redrive: Default::default(),
    };
    let logging = LoggingConfiguration::parse(&machine.logging);
    Ok(Prepared { definition, info, logging, test_case: start.test_case })
}

/// StartExecution of an EXPRESS machine: starts it in the background and answers at once.
pub fn start_async(state: &AccountView<'_>, start: ValidStart) -> Result<(String, i64), AwsError> {
    let prepared = prepare(state, start)?;
    let answer = (prepared.info.execution_arn.clone(), prepared.info.start_time_ms);
    let connectors = state.executions.connectors();
    actix_rt::spawn(async move {
        let arn = prepared.info.execution_arn.clone();
        let outcome = run(prepared, connectors).await;
        tracing::debug!(execution = %arn, status = outcome.status.as_str(), "express execution ended");
    });
    Ok(answer)
}

pub async fn start_sync(state: &AccountView<'_>, input: StartExecutionInput) -> Result<Value, AwsError> {
    let start = validate_start(state, &input)?;
    if start.machine.machine_type != StateMachineType::Express {
        return Err(AwsError::new(
            ErrorCode::StateMachineTypeNotSupported,
            "This operation is not supported by this type of state machine",
        ));
    }
    let trace_header = start.trace_header.clone();
    let prepared = prepare(state, start)?;
    let info = &prepared.info;
    let mut out = json!({
        "executionArn": info.execution_arn,
        "stateMachineArn": info.state_machine_arn,
        "name": info.execution_name,
        "startDate": wire_seconds(info.start_time_ms),
        "input": info.input,
        "inputDetails": { "included": true },
    });
    if let Some(trace) = &trace_header {
        out["traceHeader"] = json!(trace);
    }
    let started = info.start_time_ms;
    let outcome = run(prepared, state.executions.connectors()).await;
    out["stopDate"] = json!(wire_seconds(outcome.stop_ms));
    out["status"] = json!(outcome.status.as_str());
    if let Some(output) = outcome.output {
        out["output"] = json!(output);
        out["outputDetails"] = json!({ "included": true });
    }
    if let Some(error) = outcome.error {
        out["error"] = json!(error);
    }
    if let Some(cause) = outcome.cause {
        out["cause"] = json!(cause);
    }
    let billed_ms = ((outcome.stop_ms - started).max(1) + 99) / 100 * 100;
    out["billingDetails"] = json!({ "billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms });
    Ok(out)
}
