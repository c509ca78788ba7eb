//! The awsJson1_0 protocol: dispatch on `X-Amz-Target`, JSON in and out, errors as `__type` + `message`.
//! Targets name one of three services: `AWSStepFunctions.<Op>`, Amazon SWF's `SimpleWorkflowService.<Op>`
//! (activity-worker operations) and `Statehouse.<Op>` (statehouse's own extensions).

use std::time::Instant;
use std::time::SystemTime;

use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use super::activities;
use super::aliases;
use super::executions;
use super::express;
use super::heartbeats;
use super::history;
use super::map_runs;
use super::redrive;
use super::state_machines;
use super::swf;
use super::tags;
use super::tasks;
use super::test_state;
use super::versions;
use super::AccountView;
use super::ApiState;
use super::MAX_REQUEST_BYTES;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// A service whose operations the API port serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    StepFunctions,
    Swf,
    Statehouse,
}

impl Service {
    /// The service of an `X-Amz-Target` prefix.
    fn of_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "AWSStepFunctions" => Some(Service::StepFunctions),
            "SimpleWorkflowService" => Some(Service::Swf),
            "Statehouse" => Some(Service::Statehouse),
            _ => None,
        }
    }

    /// The service an operation of the table belongs to.
    fn of_operation(operation: &str) -> Service {
        if swf::OPERATIONS.contains(&operation) {
            Service::Swf
        } else if operation == "SendTaskHeartbeats" {
            Service::Statehouse
        } else {
            Service::StepFunctions
        }
    }

    /// The service name SigV4 credentials are scoped to.
    fn signing_name(self) -> &'static str {
        match self {
            Service::Swf => "swf",
            Service::StepFunctions | Service::Statehouse => "states",
        }
    }
}

/// Routes: `POST /` for the API, `GET /health` for liveness, `GET /metrics` for Prometheus.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_REQUEST_BYTES))
        .route("/", web::post().to(dispatch))
        .route("/health", web::get().to(health))
        .route("/metrics", web::get().to(metrics))
        .configure(super::admin::configure);
}

async fn metrics(state: web::Data<ApiState>) -> HttpResponse {
    let sample = crate::metrics::Sample::take(&state.node, &state.executions);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(crate::metrics::render(&sample))
}

async fn health(state: web::Data<ApiState>) -> HttpResponse {
    let metrics = state.node.raft.metrics().borrow().clone();
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "nodeId": state.node.id,
        "leader": metrics.current_leader,
        "appliedIndex": metrics.last_applied.map(|l| l.index),
    }))
}

/// Renders an error the way AWS does.
pub fn error_response(error: &AwsError) -> HttpResponse {
    let mut body = json!({ "__type": error.code.type_id(), "message": error.message });
    if let Some(resource) = &error.resource_name {
        body["resourceName"] = json!(resource);
    }
    if let Some(reason) = &error.reason {
        body["reason"] = json!(reason);
    }
    let mut response =
        HttpResponse::build(StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
            .content_type(CONTENT_TYPE)
            .body(body.to_string());
    response.extensions_mut().insert(error.code);
    response
}

fn ok_response<T: Serialize>(output: &T) -> HttpResponse {
    match serde_json::to_string(output) {
        Ok(body) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(body),
        Err(e) => error_response(&AwsError::internal(format!("cannot encode the response: {e}"))),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|e| {
        AwsError::new(ErrorCode::SerializationException, format!("Cannot deserialize the request body: {e}"))
    })
}

/// The table of operations: `"Name" => handler(InputType)`. It defines [`decode_input`] and `run`, which runs
/// an operation for an authenticated caller within its throttle and answers its metrics label with the
/// response; an operation that names a resource this node has not seen yet runs once more after the node
/// caught up with the leader, so a resource created through another node is found here too.
macro_rules! operations {
    ($($name:literal => $handler:path [$input:ty]),* $(,)?) => {
        /// Decodes `body` as the input of `operation` exactly as the dispatcher does, without running the
        /// operation; an operation this service does not offer is UnknownOperationException. The fuzz targets
        /// enter here.
        pub fn decode_input(operation: &str, body: &[u8]) -> Result<(), AwsError> {
            match operation {
                $($name => parse::<$input>(body).map(drop),)*
                _ => Err(unknown_operation(operation)),
            }
        }

        async fn run(
            state: &ApiState,
            op: &str,
            body: &[u8],
            caller: Result<String, AwsError>,
        ) -> (&'static str, HttpResponse) {
            match (op, caller) {
                $(($name, Err(error)) => ($name, error_response(&error)),
                ($name, Ok(account)) => if let Err(error) = state.throttle.admit($name, &account) {
                    ($name, error_response(&error))
                } else {
                    let view = AccountView::new(state, account);
                    let run = || async {
                        let input = parse::<$input>(body)?;
                        $handler(&view, input).await
                    };
                    let mut answer = run().await;
                    if answer.as_ref().is_err_and(|e| e.code.is_missing_resource()) && state.node.catch_up().await {
                        answer = run().await;
                    }
                    match answer {
                        Ok(output) => ($name, ok_response(&output)),
                        Err(error) => ($name, error_response(&error)),
                    }
                },)*
                // Other targets are client-chosen strings: they share one metrics label.
                (_, Err(error)) => ("unknown", error_response(&error)),
                (_, Ok(_)) => ("unknown", error_response(&unknown_operation(op))),
            }
        }
    };
}

operations!(
    "CreateStateMachine" => state_machines::create [state_machines::CreateStateMachineInput],
    "DescribeStateMachine" => state_machines::describe [state_machines::DescribeStateMachineInput],
    "UpdateStateMachine" => state_machines::update [state_machines::UpdateStateMachineInput],
    "DeleteStateMachine" => state_machines::delete [state_machines::DeleteStateMachineInput],
    "ListStateMachines" => state_machines::list [state_machines::ListInput],
    "ValidateStateMachineDefinition" => state_machines::validate_definition [state_machines::ValidateInput],
    "DescribeStateMachineForExecution" => state_machines::describe_for_execution [state_machines::DescribeForExecutionInput],
    "PublishStateMachineVersion" => versions::publish_version [versions::PublishStateMachineVersionInput],
    "ListStateMachineVersions" => versions::list [versions::ListStateMachineVersionsInput],
    "DeleteStateMachineVersion" => versions::delete [versions::DeleteStateMachineVersionInput],
    "CreateStateMachineAlias" => aliases::create [aliases::CreateStateMachineAliasInput],
    "DescribeStateMachineAlias" => aliases::describe [aliases::StateMachineAliasArnInput],
    "UpdateStateMachineAlias" => aliases::update [aliases::UpdateStateMachineAliasInput],
    "DeleteStateMachineAlias" => aliases::delete [aliases::StateMachineAliasArnInput],
    "ListStateMachineAliases" => aliases::list [aliases::ListStateMachineAliasesInput],
    "CreateActivity" => activities::create [activities::CreateActivityInput],
    "DescribeActivity" => activities::describe [activities::ActivityArnInput],
    "DeleteActivity" => activities::delete [activities::ActivityArnInput],
    "ListActivities" => activities::list [activities::ListInput],
    "GetActivityTask" => activities::get_task [activities::GetActivityTaskInput],
    "StartExecution" => executions::start [executions::StartExecutionInput],
    "DescribeExecution" => executions::describe [executions::DescribeExecutionInput],
    "ListExecutions" => executions::list [executions::ListExecutionsInput],
    "StopExecution" => executions::stop [executions::StopExecutionInput],
    "RedriveExecution" => redrive::redrive [redrive::RedriveExecutionInput],
    "DescribeMapRun" => map_runs::describe [map_runs::DescribeMapRunInput],
    "ListMapRuns" => map_runs::list [map_runs::ListMapRunsInput],
    "UpdateMapRun" => map_runs::update [map_runs::UpdateMapRunInput],
    "StartSyncExecution" => express::start_sync [executions::StartExecutionInput],
    "GetExecutionHistory" => history::get [history::GetExecutionHistoryInput],
    "TagResource" => tags::tag [tags::TagResourceInput],
    "UntagResource" => tags::untag [tags::UntagResourceInput],
    "ListTagsForResource" => tags::list [tags::ListTagsInput],
    "SendTaskSuccess" => tasks::success [tasks::SendTaskSuccessInput],
    "SendTaskFailure" => tasks::failure [tasks::SendTaskFailureInput],
    "SendTaskHeartbeat" => tasks::heartbeat [tasks::SendTaskHeartbeatInput],
    "TestState" => test_state::test_state [test_state::TestStateInput],
    "RecordActivityTaskHeartbeat" => swf::record_heartbeat [swf::RecordActivityTaskHeartbeatInput],
    "RespondActivityTaskCompleted" => swf::respond_completed [swf::RespondActivityTaskCompletedInput],
    "RespondActivityTaskFailed" => swf::respond_failed [swf::RespondActivityTaskFailedInput],
    "RespondActivityTaskCanceled" => swf::respond_canceled [swf::RespondActivityTaskCanceledInput],
    "PollForActivityTask" => swf::poll [swf::PollForActivityTaskInput],
    "SendTaskHeartbeats" => heartbeats::send [heartbeats::SendTaskHeartbeatsInput],
);

/// Runs `operation` for `account` as a signed API request does (throttle, catch-up, metrics); the console
/// calls operations through here.
pub async fn call(state: &ApiState, operation: &str, body: &[u8], account: String) -> HttpResponse {
    let started = Instant::now();
    let (label, response) = run(state, operation, body, Ok(account)).await;
    crate::metrics::record_request(label, response.extensions().get::<ErrorCode>().map(|c| c.name()), started);
    response
}

/// Whether this service offers `operation`.
pub fn supported(operation: &str) -> bool {
    !matches!(decode_input(operation, b"{}"), Err(e) if e.code == ErrorCode::UnknownOperationException)
}

/// Whether `operation` is one of the Step Functions API's (not Amazon SWF's, not statehouse's own).
pub fn step_functions_operation(operation: &str) -> bool {
    supported(operation) && Service::of_operation(operation) == Service::StepFunctions
}

fn unknown_operation(op: &str) -> AwsError {
    AwsError::new(ErrorCode::UnknownOperationException, format!("Operation '{op}' is not supported by this service"))
}

/// The account the request acts for: the signer's when authentication is on (credentials scoped to
/// `service`), else the configured one.
fn authenticate(state: &ApiState, request: &HttpRequest, body: &[u8], service: Service) -> Result<String, AwsError> {
    match &state.sigv4 {
        Some(verifier) => verifier.verify(request, body, SystemTime::now(), service.signing_name()).map(str::to_string),
        None => Ok(state.config.account.clone()),
    }
}

async fn dispatch(request: HttpRequest, body: web::Bytes, state: web::Data<ApiState>) -> HttpResponse {
    let started = Instant::now();
    let target = request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let parsed = target.split_once('.').and_then(|(prefix, op)| Some((Service::of_prefix(prefix)?, op)));
    let caller = authenticate(&state, &request, &body, parsed.map_or(Service::StepFunctions, |(service, _)| service));
    let Some((service, op)) = parsed else {
        return error_response(&caller.err().unwrap_or_else(|| {
            AwsError::new(
                ErrorCode::UnknownOperationException,
                format!("Unknown target '{target}': expected 'AWSStepFunctions.<Operation>'"),
            )
        }));
    };
    if Service::of_operation(op) != service {
        return error_response(&caller.err().unwrap_or_else(|| unknown_operation(op)));
    }
    tracing::debug!(op, "request");
    let state = state.into_inner();
    let (operation, response) = run(&state, op, &body, caller).await;
    crate::metrics::record_request(operation, response.extensions().get::<ErrorCode>().map(|c| c.name()), started);
    response
}
