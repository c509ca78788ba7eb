//! One history event of an execution: typed in the log and the store, turned into AWS's JSON only by
//! [`StoredEvent::to_wire`] at the API edge.

use serde::Deserialize;
use serde::Serialize;
use serde_json::Map;
use serde_json::Value;

use crate::clock::wire_seconds;
use crate::engine::EventDraft;
use crate::engine::EventType;

/// A history event: id, causal predecessor, time, type and its `*EventDetails` object (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp_ms: i64,
    pub event_type: EventType,
    /// The details object as JSON text; the member it goes under follows from the type.
    pub details: Option<String>,
}

impl StoredEvent {
    /// The event that opens every history (id 1), made by the server before the interpreter runs; it names the
    /// version and alias the execution was started through, if any.
    pub fn execution_started(
        input: &str,
        role_arn: &str,
        version_arn: Option<&str>,
        alias_arn: Option<&str>,
        timestamp_ms: i64,
    ) -> StoredEvent {
        let mut details =
            serde_json::json!({ "input": input, "inputDetails": { "truncated": false }, "roleArn": role_arn });
        if let Some(version) = version_arn {
            details["stateMachineVersionArn"] = serde_json::json!(version);
        }
        if let Some(alias) = alias_arn {
            details["stateMachineAliasArn"] = serde_json::json!(alias);
        }
        StoredEvent {
            id: 1,
            previous_event_id: 0,
            timestamp_ms,
            event_type: EventType::ExecutionStarted,
            details: Some(details.to_string()),
        }
    }

    /// An event the engine emitted, stamped with the time of its step.
    pub fn from_draft(draft: &EventDraft, timestamp_ms: i64) -> StoredEvent {
        StoredEvent {
            id: draft.id,
            previous_event_id: draft.previous_event_id,
            timestamp_ms,
            event_type: draft.event_type,
            details: draft.event_type.details_member().and(draft.details.as_ref()).map(Value::to_string),
        }
    }

    /// The event as the API returns it; without `input`/`output` when `include_data` is false.
    pub fn to_wire(&self, include_data: bool) -> Value {
        let mut event = Map::new();
        event.insert("timestamp".into(), Value::from(wire_seconds(self.timestamp_ms)));
        event.insert("type".into(), Value::from(self.event_type.as_str()));
        event.insert("id".into(), Value::from(self.id));
        event.insert("previousEventId".into(), Value::from(self.previous_event_id));
        if let (Some(member), Some(text)) = (self.event_type.details_member(), &self.details) {
            let mut details: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Map::new()));
            if !include_data {
                if let Value::Object(fields) = &mut details {
                    fields.remove("input");
                    fields.remove("output");
                }
            }
            event.insert(member.to_string(), details);
        }
        Value::Object(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_has_aws_members_and_can_drop_data() {
        let event = StoredEvent {
            id: 2,
            previous_event_id: 0,
            timestamp_ms: 1_700_000_000_123,
            event_type: EventType::PassStateEntered,
            details: Some(r#"{"name":"A","input":"{}","inputDetails":{"truncated":false}}"#.into()),
        };
        let full = event.to_wire(true);
        assert_eq!(full["type"], "PassStateEntered");
        assert_eq!(full["previousEventId"], 0);
        assert_eq!(full["timestamp"].as_f64().unwrap(), 1_700_000_000.123);
        assert_eq!(full["stateEnteredEventDetails"]["input"], "{}");
        let lean = event.to_wire(false);
        assert!(lean["stateEnteredEventDetails"].get("input").is_none());
        assert_eq!(lean["stateEnteredEventDetails"]["name"], "A");
    }

    #[test]
    fn events_round_trip_through_the_codec() {
        let event = StoredEvent {
            id: 7,
            previous_event_id: 6,
            timestamp_ms: 5,
            event_type: EventType::MapIterationStarted,
            details: Some(r#"{"index":3,"name":"M"}"#.into()),
        };
        let bytes = crate::store::encode(&event);
        assert_eq!(crate::store::decode::<StoredEvent>(&bytes).unwrap(), event);
    }
}
