//! The Step Functions service integration, served in-process: `arn:aws:states:::states:startExecution` (request-
//! response, `.sync`, `.sync:2`, `.waitForTaskToken`) and `arn:aws:states:::aws-sdk:sfn:<action>` run the API
//! operation on this server, as the calling execution's account, and never need a connector.
//!
//! A `.sync` call answers [`Outcome::Started`]: the child runs, and the runtime reports its end to the parent's
//! task with [`child_outcome`]. The child's name is the one the parameters give or, failing it, one derived from
//! the parent's task token, so the child's ARN ([`child_arn`]) is known again after a restart.

use futures::future::LocalBoxFuture;
use serde_json::json;
use serde_json::Map;
use serde_json::Value;
use sha2::Digest;
use sha2::Sha256;

use super::Outcome;
use super::Pattern;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;

/// The API operations, reachable from the runtime without depending on the API module.
pub trait StatesApi: Send + Sync {
    /// Runs `operation` (`StartExecution`, ...) with `body` as `account` does through a signed request.
    fn call(&self, operation: &str, body: Value, account: String) -> LocalBoxFuture<'static, Result<Value, ApiError>>;
}

/// An operation's error as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The AWS error code (`ExecutionDoesNotExist`, `ValidationException`, ...).
    pub code: String,
    /// The error's message, as the response's `message`.
    pub message: String,
}

/// A Task resource this service serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integration {
    /// `states:startExecution` with its pattern; `json_output` for `.sync:2`.
    StartExecution { pattern: Pattern, json_output: bool },
    /// `aws-sdk:sfn:<action>`: the API operation (PascalCase) with PascalCase parameters and results.
    Sdk { operation: String },
}

impl Integration {
    /// The integration a Task resource names, if it is one of this service's.
    pub fn of(resource: &str) -> Option<Integration> {
        let rest = resource.strip_prefix("arn:aws:states:::")?;
        let name = rest.strip_suffix(".waitForTaskToken").unwrap_or(rest);
        if let Some(action) = name.strip_prefix("aws-sdk:sfn:") {
            let mut chars = action.chars();
            let first = chars.next()?;
            return Some(Integration::Sdk { operation: first.to_uppercase().chain(chars).collect() });
        }
        let pattern = match rest.strip_prefix("states:startExecution")? {
            "" => Pattern::RequestResponse,
            ".waitForTaskToken" => Pattern::WaitForTaskToken,
            ".sync" | ".sync:2" => Pattern::Sync,
            _ => return None,
        };
        Some(Integration::StartExecution { pattern, json_output: rest.ends_with(".sync:2") })
    }

    /// Whether the task ends when the child execution it started ends.
    pub fn waits_for_child(&self) -> bool {
        matches!(self, Integration::StartExecution { pattern: Pattern::Sync, .. })
    }
}

/// Runs a Task of this service: `parameters` are the resolved Parameters (JSON text), `token` the task's token
/// and `account` the calling execution's account.
pub async fn invoke(
    api: &dyn StatesApi,
    integration: &Integration,
    parameters: &str,
    token: &str,
    account: &str,
) -> Outcome {
    let params: Value = serde_json::from_str(parameters).unwrap_or(Value::Null);
    match integration {
        Integration::StartExecution { pattern, .. } => {
            let Some(machine) = params.get("StateMachineArn").and_then(Value::as_str) else {
                return invalid_parameters("The field 'StateMachineArn' is required and must be a string.");
            };
            let input = match params.get("Input") {
                None | Some(Value::Null) => "{}".to_string(),
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            };
            let mut body = json!({ "stateMachineArn": machine, "input": input, "name": child_name(&params, token) });
            if let Some(trace) = params.get("TraceHeader") {
                body["traceHeader"] = trace.clone();
            }
            let mut started = api.call("StartExecution", body, account.to_string()).await;
            if let (Err(error), None) = (&started, params.get("Name")) {
                // A name derived from the token is this task's alone: the child it names was started by an
                // earlier attempt at this same call (interrupted before it was recorded), and has closed since.
                if error.code == "ExecutionAlreadyExists" {
                    let child = child_arn(parameters, token).unwrap_or_default();
                    let described =
                        api.call("DescribeExecution", json!({ "executionArn": child }), account.to_string());
                    started = described.await.or(started);
                }
            }
            match started {
                Ok(answer) => {
                    let child = answer["executionArn"].as_str().unwrap_or_default().to_string();
                    let output =
                        json!({ "ExecutionArn": child, "StartDate": epoch_ms(&answer["startDate"]) }).to_string();
                    match pattern {
                        Pattern::Sync => Outcome::Started { output, child },
                        Pattern::RequestResponse | Pattern::WaitForTaskToken => Outcome::Answered { output },
                    }
                }
                Err(error) => Outcome::Failed {
                    error: format!("StepFunctions.{}", exception_name(&error.code)),
                    cause: format!(
                        "{} (Service: AWSStepFunctions; Status Code: 400; Error Code: {}; Request ID: {}; Proxy: null)",
                        error.message,
                        error.code,
                        uuid::Uuid::new_v4()
                    ),
                },
            }
        }
        Integration::Sdk { operation } => {
            if !params.is_object() && !params.is_null() {
                return invalid_parameters("The Parameters of an AWS SDK integration must be a JSON object.");
            }
            let body = renamed(params, lower_first);
            match api.call(operation, body, account.to_string()).await {
                Ok(answer) => Outcome::Answered { output: renamed(answer, upper_first).to_string() },
                Err(error) => Outcome::Failed {
                    error: format!("Sfn.{}", exception_name(&error.code)),
                    cause: format!(
                        "{} (Service: Sfn, Status Code: 400, Request ID: {})",
                        error.message,
                        uuid::Uuid::new_v4()
                    ),
                },
            }
        }
    }
}

/// The ARN of the child execution a `startExecution` task with these `parameters` (JSON text) and `token`
/// starts; `None` if the parameters name no state machine.
pub fn child_arn(parameters: &str, token: &str) -> Option<String> {
    let params: Value = serde_json::from_str(parameters).ok()?;
    let machine = params.get("StateMachineArn")?.as_str()?;
    let parts: Vec<&str> = machine.split(':').collect();
    if parts.len() < 7 || parts[5] != "stateMachine" {
        return None;
    }
    Some(format!("{}:execution:{}:{}", parts[..5].join(":"), parts[6], child_name(&params, token)))
}

/// What a `.sync` task comes to when its child execution has closed: DescribeExecution's shape (PascalCase,
/// dates in epoch milliseconds) as the task's result, its `Input` and `Output` as JSON text, or as JSON for
/// `.sync:2`; a child that did not succeed fails the task with `States.TaskFailed` and that shape as the cause.
pub fn child_outcome(child: &ExecutionRecord, json_output: bool) -> Outcome {
    let document = |text: &str| match json_output {
        true => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
        false => Value::String(text.to_string()),
    };
    let mut shape = Map::new();
    if let Some(cause) = &child.cause {
        shape.insert("Cause".into(), json!(cause));
    }
    if let Some(error) = &child.error {
        shape.insert("Error".into(), json!(error));
    }
    shape.insert("ExecutionArn".into(), json!(child.arn));
    shape.insert("Input".into(), document(&child.input));
    shape.insert("InputDetails".into(), json!({ "Included": true }));
    shape.insert("Name".into(), json!(child.name));
    if let (ExecutionStatus::Succeeded, Some(output)) = (child.status, &child.output) {
        shape.insert("Output".into(), document(output));
        shape.insert("OutputDetails".into(), json!({ "Included": true }));
    }
    shape.insert("StartDate".into(), json!(child.start_ms));
    shape.insert("StateMachineArn".into(), json!(child.state_machine_arn));
    shape.insert("Status".into(), json!(child.status.as_str()));
    if let Some(stop_ms) = child.stop_ms {
        shape.insert("StopDate".into(), json!(stop_ms));
    }
    let text = Value::Object(shape).to_string();
    match child.status {
        ExecutionStatus::Succeeded => Outcome::Answered { output: text },
        _ => Outcome::Failed { error: "States.TaskFailed".into(), cause: text },
    }
}

/// The child's name: the `Name` parameter, else a UUID derived from the parent's task token.
fn child_name(params: &Value, token: &str) -> String {
    if let Some(name) = params.get("Name").and_then(Value::as_str) {
        return name.to_string();
    }
    let digest = Sha256::digest(token.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// The API's epoch seconds as the integrations' epoch milliseconds.
fn epoch_ms(seconds: &Value) -> Value {
    seconds.as_f64().map_or(Value::Null, |s| json!((s * 1000.0).round() as i64))
}

/// An error code as the integrations name it: always with the `Exception` suffix.
fn exception_name(code: &str) -> String {
    match code.ends_with("Exception") {
        true => code.to_string(),
        false => format!("{code}Exception"),
    }
}

fn invalid_parameters(cause: &str) -> Outcome {
    Outcome::Failed { error: "States.Runtime".into(), cause: cause.to_string() }
}

/// `value` with every object key renamed by `rename`, at every depth.
fn renamed(value: Value, rename: fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (rename(&k), renamed(v, rename))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| renamed(v, rename)).collect()),
        other => other,
    }
}

fn lower_first(key: &str) -> String {
    let mut chars = key.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

fn upper_first(key: &str) -> String {
    let mut chars = key.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_of_this_service() {
        let start = |pattern, json_output| Some(Integration::StartExecution { pattern, json_output });
        assert_eq!(Integration::of("arn:aws:states:::states:startExecution"), start(Pattern::RequestResponse, false));
        assert_eq!(Integration::of("arn:aws:states:::states:startExecution.sync"), start(Pattern::Sync, false));
        assert_eq!(Integration::of("arn:aws:states:::states:startExecution.sync:2"), start(Pattern::Sync, true));
        assert_eq!(
            Integration::of("arn:aws:states:::states:startExecution.waitForTaskToken"),
            start(Pattern::WaitForTaskToken, false)
        );
        assert_eq!(
            Integration::of("arn:aws:states:::aws-sdk:sfn:getActivityTask"),
            Some(Integration::Sdk { operation: "GetActivityTask".into() })
        );
        assert_eq!(Integration::of("arn:aws:states:::lambda:invoke"), None);
        assert_eq!(Integration::of("arn:aws:states:::states:startExecution.bogus"), None);
    }

    #[test]
    fn the_child_arn_is_known_from_the_parameters_and_token() {
        let named = r#"{"StateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:M","Name":"kid"}"#;
        assert_eq!(child_arn(named, "t").as_deref(), Some("arn:aws:states:us-east-1:1:execution:M:kid"));
        let unnamed = r#"{"StateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:M:3"}"#;
        assert_eq!(child_arn(unnamed, "t"), child_arn(unnamed, "t"));
        assert_ne!(child_arn(unnamed, "t"), child_arn(unnamed, "u"));
        assert!(child_arn(unnamed, "t").unwrap().starts_with("arn:aws:states:us-east-1:1:execution:M:"));
        assert_eq!(child_arn(r#"{"StateMachineArn":"nope"}"#, "t"), None);
    }

    /// An API whose executions all exist already, closed: StartExecution answers ExecutionAlreadyExists.
    struct Closed;

    impl StatesApi for Closed {
        fn call(&self, operation: &str, body: Value, _: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
            let answer = match operation {
                "DescribeExecution" => Ok(json!({ "executionArn": body["executionArn"], "startDate": 1.5 })),
                _ => {
                    Err(ApiError { code: "ExecutionAlreadyExists".into(), message: "Execution Already Exists".into() })
                }
            };
            Box::pin(async move { answer })
        }
    }

    #[test]
    fn a_repeated_call_finds_the_child_it_started_and_only_that_one() {
        let sync = Integration::of("arn:aws:states:::states:startExecution.sync").unwrap();
        let unnamed = r#"{"StateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:M"}"#;
        let child = child_arn(unnamed, "token").unwrap();
        let outcome = futures::executor::block_on(invoke(&Closed, &sync, unnamed, "token", "1"));
        let output = json!({ "ExecutionArn": child, "StartDate": 1500 }).to_string();
        assert_eq!(outcome, Outcome::Started { output, child });
        let named = r#"{"StateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:M","Name":"taken"}"#;
        let Outcome::Failed { error, .. } = futures::executor::block_on(invoke(&Closed, &sync, named, "token", "1"))
        else {
            panic!("a name the parameters give may belong to another execution");
        };
        assert_eq!(error, "StepFunctions.ExecutionAlreadyExistsException");
        let sdk = Integration::of("arn:aws:states:::aws-sdk:sfn:startExecution").unwrap();
        let Outcome::Failed { error, .. } = futures::executor::block_on(invoke(&Closed, &sdk, named, "token", "1"))
        else {
            panic!("the SDK call fails");
        };
        assert_eq!(error, "Sfn.ExecutionAlreadyExistsException");
    }

    #[test]
    fn sdk_names_are_pascal_case_outside_and_camel_case_inside() {
        let body = renamed(json!({"StateMachineArn": "a", "Tags": [{"Key": "k"}]}), lower_first);
        assert_eq!(body, json!({"stateMachineArn": "a", "tags": [{"key": "k"}]}));
        assert_eq!(
            renamed(json!({"taskToken": "t", "input": "{}"}), upper_first),
            json!({"TaskToken": "t", "Input": "{}"})
        );
        assert_eq!(exception_name("ExecutionDoesNotExist"), "ExecutionDoesNotExistException");
        assert_eq!(exception_name("ValidationException"), "ValidationException");
    }
}
