//! The mock configuration file: its test cases by state machine name, checked whole when it is loaded.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Map;
use serde_json::Value;

use super::MockConfigError;
use super::MockedResponse;
use super::TestCase;

/// A loaded mock configuration; empty when the server runs without one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MockConfig {
    /// Test cases by state machine name, then by test case name.
    machines: BTreeMap<String, BTreeMap<String, Arc<TestCase>>>,
}

impl MockConfig {
    /// Reads and checks the file at `path`; an error names the file and what is wrong with it.
    pub fn load(path: &Path) -> Result<MockConfig, MockConfigError> {
        let refuse = |reason: String| MockConfigError { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
        MockConfig::parse(&text).map_err(refuse)
    }

    /// Parses and checks a mock configuration document: every test case names mocked responses the file
    /// defines, and every mocked response is well formed.
    pub fn parse(text: &str) -> Result<MockConfig, String> {
        let document: Value = serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}"))?;
        let root = document.as_object().ok_or("must be a JSON object with StateMachines and MockedResponses")?;
        if let Some(unknown) = root.keys().find(|k| !["StateMachines", "MockedResponses"].contains(&k.as_str())) {
            return Err(format!("has the unknown field '{unknown}' (expected StateMachines and MockedResponses)"));
        }
        let object = |field: &str| -> Result<&Map<String, Value>, String> {
            root.get(field).and_then(Value::as_object).ok_or_else(|| format!("{field} must be an object"))
        };
        let mut responses = BTreeMap::new();
        for (name, entry) in object("MockedResponses")? {
            responses.insert(name.clone(), Arc::new(MockedResponse::parse(name, entry)?));
        }
        let mut machines = BTreeMap::new();
        for (machine, entry) in object("StateMachines")? {
            let at = format!("StateMachines.{machine}");
            let cases = entry
                .as_object()
                .filter(|e| e.keys().all(|k| k == "TestCases"))
                .and_then(|e| e.get("TestCases"))
                .and_then(Value::as_object)
                .ok_or_else(|| format!("{at} must be an object with one field, TestCases, an object"))?;
            let mut test_cases = BTreeMap::new();
            for (case, states) in cases {
                let at = format!("{at}.TestCases.{case}");
                let states = states.as_object().ok_or_else(|| format!("{at} must be an object"))?;
                let mut mocked = BTreeMap::new();
                for (state, response) in states {
                    let name = response
                        .as_str()
                        .ok_or_else(|| format!("{at}.{state} must be the name of a mocked response"))?;
                    let response = responses.get(name).ok_or_else(|| {
                        format!(
                            "{at}.{state} names the mocked response '{name}', which MockedResponses does not define"
                        )
                    })?;
                    mocked.insert(state.clone(), response.clone());
                }
                test_cases.insert(case.clone(), Arc::new(TestCase::new(machine, case, mocked)));
            }
            machines.insert(machine.clone(), test_cases);
        }
        Ok(MockConfig { machines })
    }

    /// The test case `case` of the state machine called `machine`; the error says what is missing.
    pub fn test_case(&self, machine: &str, case: &str) -> Result<Arc<TestCase>, String> {
        if self.machines.is_empty() {
            return Err(format!(
                "The test case '{case}' cannot run: no mock configuration is loaded (start the server with \
                 --mock-config FILE)."
            ));
        }
        let cases = self
            .machines
            .get(machine)
            .ok_or_else(|| format!("The mock configuration has no test cases for the state machine '{machine}'."))?;
        cases.get(case).cloned().ok_or_else(|| {
            format!("The mock configuration has no test case '{case}' for the state machine '{machine}'.")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
        "StateMachines": {"M": {"TestCases": {"Happy": {"Call": "Ok"}, "Empty": {}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"a": 1}}}}
    }"#;

    #[test]
    fn test_cases_are_found_by_machine_and_name() {
        let config = MockConfig::parse(FILE).expect("valid");
        assert_eq!(config.test_case("M", "Happy").unwrap().name(), "Happy");
        assert!(config.test_case("M", "Empty").is_ok());
        assert!(config.test_case("M", "Sad").unwrap_err().contains("no test case 'Sad' for the state machine 'M'"));
        assert!(config.test_case("N", "Happy").unwrap_err().contains("no test cases for the state machine 'N'"));
        let none = MockConfig::default().test_case("M", "Happy").unwrap_err();
        assert!(none.contains("no mock configuration is loaded"), "{none}");
    }

    #[test]
    fn malformed_and_inconsistent_files_are_refused_with_the_reason() {
        let cases = [
            ("{", "is not valid JSON"),
            ("[]", "must be a JSON object"),
            (r#"{"StateMachines": {}, "MockedResponse": {}}"#, "unknown field 'MockedResponse'"),
            (r#"{"StateMachines": {}}"#, "MockedResponses must be an object"),
            (
                r#"{"StateMachines": {"M": {}}, "MockedResponses": {}}"#,
                "StateMachines.M must be an object with one field",
            ),
            (
                r#"{"StateMachines": {"M": {"TestCases": {"C": {"S": "Nope"}}}}, "MockedResponses": {}}"#,
                "StateMachines.M.TestCases.C.S names the mocked response 'Nope', which MockedResponses does not define",
            ),
            (
                r#"{"StateMachines": {"M": {"TestCases": {"C": {"S": 1}}}}, "MockedResponses": {}}"#,
                "StateMachines.M.TestCases.C.S must be the name of a mocked response",
            ),
            (r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {}}}}"#, "MockedResponses.R.0 must be an object"),
        ];
        for (text, expected) in cases {
            let error = MockConfig::parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_is_refused_with_its_path() {
        let error = MockConfig::load(Path::new("/nonexistent/mocks.json")).unwrap_err();
        assert_eq!(error.path, "/nonexistent/mocks.json");
        assert!(error.to_string().starts_with("mock configuration /nonexistent/mocks.json: cannot be read"));
    }
}
