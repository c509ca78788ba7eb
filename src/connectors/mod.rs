//! Service integrations through connectors: the configuration maps an integration (`lambda:invoke`,
//! `sqs:sendMessage`, `http:invoke`, ...) to a local HTTP endpoint, and statehouse POSTs the resolved
//! Parameters there. An integration without a connector fails the task with `States.Runtime`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use serde_json::Value;

/// How long one connector call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Calls made before giving up on a connector that cannot be reached or answers 5xx.
const ATTEMPTS: u32 = 3;

/// The integration pattern a Task `Resource` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    WaitForTaskToken,
    Sync,
}

/// What a connector call came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The service answered; `output` is JSON text.
    Answered { output: String },
    /// The call failed with an error name and cause, matched by Retry/Catch.
    Failed { error: String, cause: String },
}

/// `(service:api, pattern)` of an optimized integration ARN such as
/// `arn:aws:states:::sqs:sendMessage.waitForTaskToken`.
pub fn integration(resource: &str) -> Option<(String, Pattern)> {
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (name, pattern) = if let Some(name) = rest.strip_suffix(".waitForTaskToken") {
        (name, Pattern::WaitForTaskToken)
    } else if let Some(name) = rest.strip_suffix(".sync:2").or_else(|| rest.strip_suffix(".sync")) {
        (name, Pattern::Sync)
    } else {
        (rest, Pattern::RequestResponse)
    };
    Some((name.to_string(), pattern))
}

/// The configured connectors.
#[derive(Debug, Clone, Default)]
pub struct Connectors {
    endpoints: BTreeMap<String, String>,
}

impl Connectors {
    /// Connectors from the configuration's `integration -> URL` map.
    pub fn new(endpoints: BTreeMap<String, String>) -> Connectors {
        Connectors { endpoints }
    }

    /// Calls the connector of `resource` with `parameters` (JSON text). For `.waitForTaskToken` the answer
    /// is the submission's response; the task then waits for SendTaskSuccess/Failure.
    pub async fn invoke(&self, resource: &str, parameters: &str, token: &str) -> Outcome {
        let Some((name, pattern)) = integration(resource) else {
            return runtime(format!("The resource '{resource}' is not a service integration this server can call."));
        };
        if pattern == Pattern::Sync {
            return runtime(format!("The '.sync' integration pattern is not supported by this server ('{resource}')."));
        }
        let Some(url) = self.endpoints.get(&name) else {
            return runtime(format!(
                "No connector is configured for the integration '{name}'; add it under [connectors] in the configuration."
            ));
        };
        let params: Value = serde_json::from_str(parameters).unwrap_or(Value::Null);
        let lambda = name == "lambda:invoke";
        let body = if lambda { params.get("Payload").cloned().unwrap_or(json!({})) } else { params };
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
                    return answered(&name, lambda, status.as_u16(), &text);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Outcome::Failed {
            error: "States.TaskFailed".into(),
            cause: format!("The connector for '{name}' failed: {last}"),
        }
    }
}

fn runtime(cause: String) -> Outcome {
    Outcome::Failed { error: "States.Runtime".into(), cause }
}

/// Turns a connector's HTTP answer into the task's outcome, following Lambda's conventions for
/// `lambda:invoke` (`Payload`, `FunctionError`).
fn answered(name: &str, lambda: bool, status: u16, text: &str) -> Outcome {
    let value: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
    };
    if !(200..300).contains(&status) {
        let error = value.get("errorType").and_then(Value::as_str).map(str::to_string);
        let prefix = if lambda { "Lambda" } else { name.split(':').next().unwrap_or(name) };
        return Outcome::Failed {
            error: error.unwrap_or_else(|| format!("{prefix}.Unknown")),
            cause: text.to_string(),
        };
    }
    let output =
        if lambda { json!({ "ExecutedVersion": "$LATEST", "Payload": value, "StatusCode": 200 }) } else { value };
    Outcome::Answered { output: output.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_names_and_patterns() {
        assert_eq!(
            integration("arn:aws:states:::lambda:invoke"),
            Some(("lambda:invoke".into(), Pattern::RequestResponse))
        );
        assert_eq!(
            integration("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            Some(("sqs:sendMessage".into(), Pattern::WaitForTaskToken))
        );
        assert_eq!(integration("arn:aws:states:::ecs:runTask.sync"), Some(("ecs:runTask".into(), Pattern::Sync)));
        assert_eq!(integration("arn:aws:states:us-east-1:1:activity:a"), None);
    }

    #[test]
    fn lambda_answers_follow_aws_conventions() {
        assert_eq!(
            answered("lambda:invoke", true, 200, r#"{"ok":1}"#),
            Outcome::Answered { output: r#"{"ExecutedVersion":"$LATEST","Payload":{"ok":1},"StatusCode":200}"#.into() }
        );
        assert_eq!(
            answered("lambda:invoke", true, 500, r#"{"errorType":"ValueError","errorMessage":"x"}"#),
            Outcome::Failed {
                error: "ValueError".into(),
                cause: r#"{"errorType":"ValueError","errorMessage":"x"}"#.into()
            }
        );
        assert_eq!(
            answered("sqs:sendMessage", false, 400, "bad"),
            Outcome::Failed { error: "sqs.Unknown".into(), cause: "bad".into() }
        );
        assert_eq!(answered("sqs:sendMessage", false, 200, ""), Outcome::Answered { output: "{}".into() });
    }
}
