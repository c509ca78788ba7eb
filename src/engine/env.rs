//! The evaluation environment of a state: the context object (`$$`) and the visible workflow variables.

use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use crate::engine::execution::ExecutionInfo;
use crate::engine::json::iso_millis;

/// Variables visible from a thread: its own, then those of the enclosing threads.
pub struct Scope<'a> {
    pub variables: &'a Map<String, Value>,
    pub parent: Option<&'a Scope<'a>>,
}

impl Scope<'_> {
    /// The value of `$name`, searching outwards.
    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.variables.get(name).or_else(|| self.parent.and_then(|p| p.lookup(name)))
    }
}

/// What paths and intrinsics of one state can see.
pub struct Env<'a> {
    pub context: Value,
    pub scope: &'a Scope<'a>,
    /// Material for deterministic pseudo-randomness (States.UUID, States.MathRandom).
    pub entropy: String,
}

/// Builds the context object for a state entered at `entered_ms`.
pub fn context_object(
    info: &ExecutionInfo,
    input: &Value,
    state: &str,
    entered_ms: i64,
    retry_count: Option<u64>,
) -> Value {
    let mut context = json!({
        "Execution": {
            "Id": info.execution_arn,
            "Input": input,
            "StartTime": iso_millis(info.start_time_ms),
            "Name": info.execution_name,
            "RoleArn": info.role_arn,
            "RedriveCount": 0
        },
        "StateMachine": {
            "Id": info.state_machine_arn,
            "Name": info.state_machine_name
        },
        "State": {
            "EnteredTime": iso_millis(entered_ms),
            "Name": state
        }
    });
    if let Some(count) = retry_count {
        context["State"]["RetryCount"] = json!(count);
    }
    context
}

/// The context object with `Map.Item` set (seen by a Map's ItemSelector).
pub fn with_map_item(context: &Value, index: usize, value: &Value) -> Value {
    let mut out = context.clone();
    if let Some(object) = out.as_object_mut() {
        object.insert("Map".into(), json!({"Item": {"Index": index, "Value": value}}));
    }
    out
}
