//! What runs a Task state's work, which decides the history events the task writes.

use serde::Deserialize;
use serde::Serialize;

use crate::engine::event::EventType;

/// The three families of Task resources, each with its own history events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskKind {
    /// An activity ARN: `Activity*` events.
    Activity,
    /// A service integration (`arn:aws:states:::<service>:<api>`, `aws-sdk:*`): `Task*` events.
    Service,
    /// A Lambda function named by its own ARN (`arn:aws:lambda:<region>:<account>:function:<name>`):
    /// `LambdaFunction*` events.
    LambdaFunction,
}

impl TaskKind {
    /// The kind of a Task `Resource`.
    pub fn of(resource: &str) -> TaskKind {
        let mut parts = resource.split(':');
        match (parts.nth(2), parts.nth(2)) {
            (Some("states"), Some("activity")) => TaskKind::Activity,
            (Some("lambda"), Some("function")) => TaskKind::LambdaFunction,
            _ => TaskKind::Service,
        }
    }

    /// The event of this kind among the three parallel ones.
    pub fn event(self, activity: EventType, service: EventType, lambda: EventType) -> EventType {
        match self {
            TaskKind::Activity => activity,
            TaskKind::Service => service,
            TaskKind::LambdaFunction => lambda,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_sort_into_kinds() {
        let cases = [
            ("arn:aws:states:us-east-1:123456789012:activity:a", TaskKind::Activity),
            ("arn:aws:lambda:us-east-1:123456789012:function:f", TaskKind::LambdaFunction),
            ("arn:aws:lambda:us-east-1:123456789012:function:f:live", TaskKind::LambdaFunction),
            ("arn:aws:states:::lambda:invoke", TaskKind::Service),
            ("arn:aws:states:::aws-sdk:s3:getObject", TaskKind::Service),
            ("arn:aws:states:::ecs:runTask.sync", TaskKind::Service),
        ];
        for (resource, kind) in cases {
            assert_eq!(TaskKind::of(resource), kind, "{resource}");
        }
    }
}
