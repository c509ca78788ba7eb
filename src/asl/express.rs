//! What EXPRESS state machines may not contain: activities and the `.sync` / `.waitForTaskToken`
//! integration patterns.

use crate::asl::definition::StatesBody;
use crate::asl::diagnostic::Diagnostic;
use crate::asl::state::StateKind;
use crate::asl::Definition;

impl Definition {
    /// Findings that make this definition invalid for an EXPRESS state machine (empty when it is fine).
    pub fn express_violations(&self) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        walk(&self.body, "/States", &mut found);
        found
    }
}

fn walk(body: &StatesBody, at: &str, found: &mut Vec<Diagnostic>) {
    for state in &body.states {
        let here = format!("{at}/{}", state.name);
        match &state.kind {
            StateKind::Task(task) => {
                let resource = task.resource.as_str();
                let location = format!("{here}/Resource");
                if resource.split(':').nth(5) == Some("activity") {
                    found.push(Diagnostic::schema("Express state machine does not support Activity ARN", &location));
                } else if resource.ends_with(".sync") || resource.ends_with(".sync:2") {
                    found.push(Diagnostic::schema(
                        "Express state machine does not support '.sync' service integration",
                        &location,
                    ));
                } else if resource.ends_with(".waitForTaskToken") {
                    found.push(Diagnostic::schema(
                        "Express state machine does not support '.waitForTaskToken' service integration",
                        &location,
                    ));
                }
            }
            StateKind::Parallel(parallel) => {
                for (i, branch) in parallel.branches.iter().enumerate() {
                    walk(branch, &format!("{here}/Branches[{i}]/States"), found);
                }
            }
            StateKind::Map(map) => walk(&map.processor, &format!("{here}/ItemProcessor/States"), found),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::asl::Definition;

    #[test]
    fn express_rejects_activities_and_waiting_patterns_anywhere() {
        let ok = Definition::parse(
            r#"{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}"#,
        )
        .unwrap();
        assert!(ok.express_violations().is_empty());
        let nested = Definition::parse(
            r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","End":true}}}]}}}"#,
        )
        .unwrap();
        let found = nested.express_violations();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_deref(), Some("/States/P/Branches[0]/States/A/Resource"));
        let sync = Definition::parse(r#"{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","End":true}}}"#).unwrap();
        assert!(sync.express_violations()[0].message.contains("'.sync'"));
    }
}
