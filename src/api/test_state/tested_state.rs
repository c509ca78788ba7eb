//! The state under test: the `definition` of one state, or (with `stateName`) a whole state machine from
//! which that state is taken. A lone state is validated as the single state of a machine, named
//! `StateName` as AWS names it in its messages, whose transitions lead to placeholder states.

use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use crate::asl::Definition;
use crate::asl::State;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// The name a lone tested state gets.
const LONE_STATE: &str = "StateName";

/// A parsed definition and the name of the state under test in it.
pub struct TestedState {
    definition: Definition,
    name: String,
}

impl TestedState {
    /// Parses `text` as the request gives it.
    pub fn parse(text: &str, state_name: Option<&str>) -> Result<TestedState, AwsError> {
        let invalid = |e: crate::asl::InvalidDefinition| AwsError::new(ErrorCode::InvalidDefinition, e.to_string());
        if let Some(name) = state_name {
            let definition = Definition::parse(text).map_err(invalid)?;
            if definition.body.find(name).is_none() {
                return Err(AwsError::new(ErrorCode::ValidationException, "State not found in definition"));
            }
            return Ok(TestedState { definition, name: name.to_string() });
        }
        let state = match serde_json::from_str::<Value>(text) {
            Ok(state @ Value::Object(_)) => state,
            _ => return Err(invalid(Definition::parse(text).err().unwrap_or_else(not_an_object))),
        };
        let machine = json!({"StartAt": LONE_STATE, "States": lone_machine_states(state)});
        let definition = Definition::parse(&machine.to_string()).map_err(invalid)?;
        Ok(TestedState { definition, name: LONE_STATE.to_string() })
    }

    /// The state under test.
    pub fn state(&self) -> &State {
        self.definition.body.find(&self.name).expect("the tested state was found when parsed")
    }
}

fn not_an_object() -> crate::asl::InvalidDefinition {
    crate::asl::InvalidDefinition {
        diagnostics: vec![crate::asl::Diagnostic::schema("The state definition must be a JSON object", "/")],
    }
}

/// `state` as `StateName`, with a placeholder Succeed state for each state it may go to.
fn lone_machine_states(state: Value) -> Map<String, Value> {
    let mut targets = Vec::new();
    let mut add = |value: Option<&Value>| targets.extend(value.and_then(Value::as_str).map(String::from));
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for rule in state.get(list).and_then(Value::as_array).into_iter().flatten() {
            add(rule.get("Next"));
        }
    }
    let mut states = Map::new();
    states.insert(LONE_STATE.to_string(), state);
    for target in targets {
        states.entry(target).or_insert_with(|| json!({"Type": "Succeed"}));
    }
    states
}
