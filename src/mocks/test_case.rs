//! A test case: which mocked response answers each mocked Task state of one state machine.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::MockAnswer;
use super::MockedResponse;
use crate::asl::Definition;
use crate::asl::StateKind;
use crate::engine::TaskKind;

/// One `StateMachines.<machine>.TestCases.<case>` entry, its responses resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    machine: String,
    name: String,
    states: BTreeMap<String, Arc<MockedResponse>>,
}

impl TestCase {
    /// The test case `name` of `machine`, mocking `states` (state name -> response).
    pub fn new(machine: &str, name: &str, states: BTreeMap<String, Arc<MockedResponse>>) -> TestCase {
        TestCase { machine: machine.to_string(), name: name.to_string(), states }
    }

    /// The test case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the test case against the definition it is run with: every state it mocks must be a Task state
    /// of the definition calling a service or a Lambda function (activities cannot be mocked).
    pub fn check(&self, definition: &Definition) -> Result<(), String> {
        let case = format!("The test case '{}' of the state machine '{}'", self.name, self.machine);
        for state in self.states.keys() {
            match definition.body.find(state).map(|s| &s.kind) {
                None => return Err(format!("{case} mocks the state '{state}', which the definition does not have.")),
                Some(StateKind::Task(task)) if TaskKind::of(&task.resource) == TaskKind::Activity => {
                    return Err(format!("{case} mocks the activity task '{state}'; activities cannot be mocked."))
                }
                Some(StateKind::Task(_)) => {}
                Some(_) => return Err(format!("{case} mocks the state '{state}', which is not a Task state.")),
            }
        }
        Ok(())
    }

    /// The answer to call number `invocation` of the Task state `state`; `None` when the test case does not
    /// mock that state. A call past the last answer its response defines fails with `States.Runtime`, as
    /// every call of a mocked state must have an answer.
    pub fn answer(&self, state: &str, invocation: u64) -> Option<MockAnswer> {
        let response = self.states.get(state)?;
        Some(response.answer(invocation).cloned().unwrap_or_else(|| MockAnswer::Throw {
            error: "States.Runtime".into(),
            cause: format!(
                "The mocked response '{}' of the test case '{}' has no answer for invocation {invocation} of the \
                 state '{state}'.",
                response.name(),
                self.name
            ),
        }))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn case() -> TestCase {
        let response = MockedResponse::parse("R", &json!({"0": {"Return": {"a": 1}}})).unwrap();
        TestCase::new("M", "Happy", BTreeMap::from([("Call".to_string(), Arc::new(response))]))
    }

    fn definition(states: serde_json::Value) -> Definition {
        Definition::parse(&json!({"StartAt": "Call", "States": states}).to_string()).expect("valid definition")
    }

    #[test]
    fn answers_by_invocation_and_fails_past_the_last() {
        assert_eq!(case().answer("Call", 0), Some(MockAnswer::Return(json!({"a": 1}))));
        assert_eq!(case().answer("Other", 0), None);
        match case().answer("Call", 1) {
            Some(MockAnswer::Throw { error, cause }) => {
                assert_eq!(error, "States.Runtime");
                assert!(cause.contains("no answer for invocation 1 of the state 'Call'"), "{cause}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mocked_states_must_be_service_tasks_of_the_definition() {
        let task = |resource: &str| json!({"Call": {"Type": "Task", "Resource": resource, "End": true}});
        assert_eq!(case().check(&definition(task("arn:aws:states:::lambda:invoke"))), Ok(()));
        let activity = case().check(&definition(task("arn:aws:states:us-east-1:1:activity:a"))).unwrap_err();
        assert!(activity.contains("activities cannot be mocked"), "{activity}");
        let pass = case().check(&definition(json!({"Call": {"Type": "Pass", "End": true}}))).unwrap_err();
        assert!(pass.contains("is not a Task state"), "{pass}");
        let missing = definition(json!({"Call": {"Type": "Pass", "Next": "X"}, "X": {"Type": "Succeed"}}));
        let renamed =
            TestCase::new("M", "Happy", BTreeMap::from([("Gone".to_string(), case().states["Call"].clone())]));
        assert!(renamed
            .check(&missing)
            .unwrap_err()
            .contains("mocks the state 'Gone', which the definition does not have"));
    }
}
