//! Which connector a Task `Resource` goes to, and how the call's request and answer are shaped: the key it
//! is configured under in `[connectors]`, the integration pattern, and the Lambda conventions.

use crate::engine::TaskKind;

/// The integration pattern a Task `Resource` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Call the service and go on with its answer.
    RequestResponse,
    /// Call the service, then wait for SendTaskSuccess/SendTaskFailure with the task token.
    WaitForTaskToken,
    /// `.sync` / `.sync:2`: the connector answers when the job it started is done.
    Sync,
}

/// How the connector's request body and answer relate to the task's parameters and result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `lambda:invoke`: the body is the `Payload` parameter; the result is `{ExecutedVersion, Payload,
    /// StatusCode}` around the answer.
    LambdaInvoke,
    /// A Lambda function named by its ARN: the body is the task input and the result is the answer itself.
    LambdaFunction,
    /// Every other integration: the parameters are the body and the answer is the result.
    Plain,
}

/// Where a Task resource's calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The `[connectors]` keys tried, most specific first; the last one is named when none is configured.
    pub keys: Vec<String>,
    pub pattern: Pattern,
    pub shape: Shape,
    /// The prefix of the error name (`<prefix>.Unknown`) of a failed call whose answer names no error.
    pub error_prefix: String,
}

impl Route {
    /// The key to configure for this resource.
    pub fn key(&self) -> &str {
        self.keys.last().map(String::as_str).unwrap_or_default()
    }
}

/// The route of a Task resource: a Lambda function ARN goes to `lambda:invoke`; an optimized integration
/// `arn:aws:states:::<service>:<api>` to `<service>:<api>` (`<service>:<api>.sync` for `.sync` and
/// `.sync:2`); an SDK integration `arn:aws:states:::aws-sdk:<service>:<action>` to that action's key or,
/// failing it, to the service's `aws-sdk:<service>`. Activities and anything else have none.
pub fn route(resource: &str) -> Option<Route> {
    if TaskKind::of(resource) == TaskKind::LambdaFunction {
        return Some(Route {
            keys: vec!["lambda:invoke".into()],
            pattern: Pattern::RequestResponse,
            shape: Shape::LambdaFunction,
            error_prefix: "Lambda".into(),
        });
    }
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (name, pattern) = if let Some(name) = rest.strip_suffix(".waitForTaskToken") {
        (name, Pattern::WaitForTaskToken)
    } else if let Some(name) = rest.strip_suffix(".sync:2").or_else(|| rest.strip_suffix(".sync")) {
        (name, Pattern::Sync)
    } else {
        (rest, Pattern::RequestResponse)
    };
    let service = name.split(':').next().unwrap_or(name);
    let (keys, error_prefix) = match name.strip_prefix("aws-sdk:").and_then(|sdk| sdk.split_once(':')) {
        Some((sdk_service, _)) if pattern != Pattern::Sync => {
            (vec![name.to_string(), format!("aws-sdk:{sdk_service}")], capitalized(sdk_service))
        }
        _ if pattern == Pattern::Sync => (vec![format!("{name}.sync")], service.to_string()),
        _ => (vec![name.to_string()], service.to_string()),
    };
    let shape = if name == "lambda:invoke" { Shape::LambdaInvoke } else { Shape::Plain };
    let error_prefix = if shape == Shape::LambdaInvoke { "Lambda".to_string() } else { error_prefix };
    Some(Route { keys, pattern, shape, error_prefix })
}

/// `s3` -> `S3`, `dynamodb` -> `Dynamodb`: the service part of an SDK integration's error names.
fn capitalized(service: &str) -> String {
    let mut chars = service.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(resource: &str) -> Option<(Vec<String>, Pattern, Shape)> {
        route(resource).map(|r| (r.keys, r.pattern, r.shape))
    }

    #[test]
    fn every_resource_form_has_its_key_pattern_and_shape() {
        let owned = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let cases = [
            ("arn:aws:states:::lambda:invoke", &["lambda:invoke"][..], Pattern::RequestResponse, Shape::LambdaInvoke),
            (
                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                &["lambda:invoke"],
                Pattern::WaitForTaskToken,
                Shape::LambdaInvoke,
            ),
            (
                "arn:aws:lambda:us-east-1:1:function:f",
                &["lambda:invoke"],
                Pattern::RequestResponse,
                Shape::LambdaFunction,
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                &["sqs:sendMessage"],
                Pattern::WaitForTaskToken,
                Shape::Plain,
            ),
            ("arn:aws:states:::ecs:runTask.sync", &["ecs:runTask.sync"], Pattern::Sync, Shape::Plain),
            (
                "arn:aws:states:::states:startExecution.sync:2",
                &["states:startExecution.sync"],
                Pattern::Sync,
                Shape::Plain,
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                &["aws-sdk:s3:getObject", "aws-sdk:s3"],
                Pattern::RequestResponse,
                Shape::Plain,
            ),
        ];
        for (resource, expected, pattern, shape) in cases {
            assert_eq!(keys(resource), Some((owned(expected), pattern, shape)), "{resource}");
        }
        assert_eq!(keys("arn:aws:states:us-east-1:1:activity:a"), None);
        assert_eq!(route("arn:aws:states:::aws-sdk:s3:getObject").unwrap().key(), "aws-sdk:s3");
        assert_eq!(route("arn:aws:states:::aws-sdk:s3:getObject").unwrap().error_prefix, "S3");
    }
}
