//! One mocked answer to a call, and the task reports it stands for.

use serde_json::Value;

use crate::connectors::route;
use crate::connectors::Pattern;
use crate::connectors::Shape;
use crate::engine::TaskEvent;

/// What a mocked call answers.
#[derive(Debug, Clone, PartialEq)]
pub enum MockAnswer {
    /// `{"Return": value}`: the call succeeds with `value` as the service's response.
    Return(Value),
    /// `{"Throw": {"Error", "Cause"}}`: the call fails with that error, as Retry and Catch see it.
    Throw { error: String, cause: String },
}

impl MockAnswer {
    /// The reports a real call of `resource` that answered this would have made: the call starts, then
    /// succeeds or fails; `.sync` and `.waitForTaskToken` calls are submitted before they succeed. A Lambda
    /// function named by its ARN answers the `Payload` of a mocked Invoke response.
    pub fn task_events(&self, resource: &str) -> Vec<TaskEvent> {
        let route = route(resource);
        let started = TaskEvent::Started { worker_name: None };
        match self {
            MockAnswer::Throw { error, cause } => {
                vec![started, TaskEvent::Failed { error: Some(error.clone()), cause: Some(cause.clone()) }]
            }
            MockAnswer::Return(value) => {
                let result = match (route.as_ref().map(|r| r.shape), value.get("Payload")) {
                    (Some(Shape::LambdaFunction), Some(payload)) => payload,
                    _ => value,
                };
                let output = result.to_string();
                match route.map(|r| r.pattern) {
                    Some(Pattern::Sync | Pattern::WaitForTaskToken) => {
                        vec![started, TaskEvent::Submitted { output: output.clone() }, TaskEvent::Succeeded { output }]
                    }
                    _ => vec![started, TaskEvent::Succeeded { output }],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn answers_make_the_reports_of_a_real_call() {
        let ok = MockAnswer::Return(json!({"StatusCode": 200, "Payload": {"n": 1}}));
        let started = TaskEvent::Started { worker_name: None };
        let succeeded = |output: &str| TaskEvent::Succeeded { output: output.into() };
        let invoke = r#"{"StatusCode":200,"Payload":{"n":1}}"#;
        assert_eq!(ok.task_events("arn:aws:states:::lambda:invoke"), vec![started.clone(), succeeded(invoke)]);
        assert_eq!(
            ok.task_events("arn:aws:lambda:us-east-1:1:function:f"),
            vec![started.clone(), succeeded(r#"{"n":1}"#)]
        );
        assert_eq!(
            ok.task_events("arn:aws:states:::states:startExecution.sync:2"),
            vec![started.clone(), TaskEvent::Submitted { output: invoke.into() }, succeeded(invoke)]
        );
        let thrown = MockAnswer::Throw { error: "E".into(), cause: "C".into() };
        assert_eq!(
            thrown.task_events("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            vec![started, TaskEvent::Failed { error: Some("E".into()), cause: Some("C".into()) }]
        );
    }
}
