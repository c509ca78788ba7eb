//! Service integrations through connectors: the configuration maps an integration (`lambda:invoke`,
//! `sqs:sendMessage`, `ecs:runTask.sync`, `aws-sdk:s3`, ...) to a local HTTP endpoint, and statehouse POSTs
//! the resolved Parameters there ([`route`] says which key a Task resource uses). An integration without a
//! connector fails the task with `States.Runtime`, naming the key to configure. Step Functions itself
//! (`states:startExecution`, `aws-sdk:sfn:*`) is served in-process by [`states`].

mod route;
pub mod states;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;
use serde_json::Value;

pub use route::route;
pub use route::Pattern;
pub use route::Route;
pub use route::Shape;
pub use states::Integration;
pub use states::StatesApi;

/// How long one connector call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Calls made before giving up on a connector that cannot be reached or answers 5xx.
const ATTEMPTS: u32 = 3;

/// What a connector call came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The service answered; `output` is JSON text.
    Answered { output: String },
    /// The call failed with an error name and cause, matched by Retry/Catch.
    Failed { error: String, cause: String },
    /// A `.sync` call started the execution `child`; `output` is the submission's response, and the task ends
    /// when the child does.
    Started { output: String, child: String },
}

/// The configured connectors, and the in-process Step Functions service.
#[derive(Clone, Default)]
pub struct Connectors {
    endpoints: BTreeMap<String, String>,
    states: Arc<OnceLock<Arc<dyn StatesApi>>>,
}

impl Connectors {
    /// Connectors from the configuration's `integration -> URL` map.
    pub fn new(endpoints: BTreeMap<String, String>) -> Connectors {
        Connectors { endpoints, states: Arc::default() }
    }

    /// Serves the Step Functions integrations with `api` from now on (set once, at server start).
    pub fn serve_states_with(&self, api: Arc<dyn StatesApi>) {
        let _ = self.states.set(api);
    }

    /// Calls the connector of `resource` with `parameters` (JSON text), or runs the Step Functions operation
    /// in-process as `account`. For `.waitForTaskToken` the answer is the submission's response (the task
    /// then waits for SendTaskSuccess/Failure); for `.sync` it is the result of the finished job, or
    /// [`Outcome::Started`] for a child execution.
    pub async fn invoke(&self, resource: &str, parameters: &str, token: &str, account: &str) -> Outcome {
        if let Some(integration) = Integration::of(resource) {
            return match self.states.get() {
                Some(api) => states::invoke(api.as_ref(), &integration, parameters, token, account).await,
                None => runtime("The Step Functions integrations are not being served yet; retry.".into()),
            };
        }
        let Some(route) = route(resource) else {
            return runtime(format!("The resource '{resource}' is not a service integration this server can call."));
        };
        let Some(url) = route.keys.iter().find_map(|key| self.endpoints.get(key)) else {
            return runtime(format!(
                "No connector is configured for '{resource}'; add \"{}\" = \"<URL>\" under [connectors] in the \
                 configuration.",
                route.key()
            ));
        };
        let params: Value = serde_json::from_str(parameters).unwrap_or(Value::Null);
        let body = match route.shape {
            Shape::LambdaInvoke => params.get("Payload").cloned().unwrap_or(json!({})),
            Shape::LambdaFunction | Shape::Plain => params,
        };
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let request = awc::Client::default()
                .post(url)
                .timeout(CALL_TIMEOUT)
                .insert_header(("content-type", "application/json"))
                .insert_header(("x-statehouse-task-token", token))
                .insert_header(("x-statehouse-resource", resource));
            match request.send_body(body.to_string()).await {
                Ok(mut response) => {
                    let status = response.status();
                    let text = match response.body().limit(1024 * 1024).await {
                        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                        Err(e) => {
                            last = e.to_string();
                            continue;
                        }
                    };
                    if status.is_server_error() && attempt < ATTEMPTS {
                        last = format!("HTTP {status}: {text}");
                        continue;
                    }
                    return answered(&route, status.as_u16(), &text);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Outcome::Failed {
            error: "States.TaskFailed".into(),
            cause: format!("The connector for '{}' failed: {last}", route.key()),
        }
    }
}

fn runtime(cause: String) -> Outcome {
    Outcome::Failed { error: "States.Runtime".into(), cause }
}

/// Turns a connector's HTTP answer into the task's outcome, following Lambda's conventions for Lambda
/// calls (`Payload`, `errorType`).
fn answered(route: &Route, status: u16, text: &str) -> Outcome {
    let value: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
    };
    if !(200..300).contains(&status) {
        let error = value.get("errorType").and_then(Value::as_str).map(str::to_string);
        return Outcome::Failed {
            error: error.unwrap_or_else(|| format!("{}.Unknown", route.error_prefix)),
            cause: text.to_string(),
        };
    }
    let output = match route.shape {
        Shape::LambdaInvoke => json!({ "ExecutedVersion": "$LATEST", "Payload": value, "StatusCode": 200 }),
        Shape::LambdaFunction | Shape::Plain => value,
    };
    Outcome::Answered { output: output.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_answers_follow_aws_conventions() {
        let invoke = route("arn:aws:states:::lambda:invoke").unwrap();
        let function = route("arn:aws:lambda:us-east-1:1:function:f").unwrap();
        let sqs = route("arn:aws:states:::sqs:sendMessage").unwrap();
        assert_eq!(
            answered(&invoke, 200, r#"{"ok":1}"#),
            Outcome::Answered { output: r#"{"ExecutedVersion":"$LATEST","Payload":{"ok":1},"StatusCode":200}"#.into() }
        );
        assert_eq!(
            answered(&invoke, 500, r#"{"errorType":"ValueError","errorMessage":"x"}"#),
            Outcome::Failed {
                error: "ValueError".into(),
                cause: r#"{"errorType":"ValueError","errorMessage":"x"}"#.into()
            }
        );
        assert_eq!(answered(&sqs, 400, "bad"), Outcome::Failed { error: "sqs.Unknown".into(), cause: "bad".into() });
        assert_eq!(answered(&sqs, 200, ""), Outcome::Answered { output: "{}".into() });
        assert_eq!(answered(&function, 200, r#"{"ok":1}"#), Outcome::Answered { output: r#"{"ok":1}"#.into() });
        assert_eq!(
            answered(&function, 500, "boom"),
            Outcome::Failed { error: "Lambda.Unknown".into(), cause: "boom".into() }
        );
    }
}
