//! One history event of an execution.

use serde::Deserialize;
use serde::Serialize;
use serde_json::Map;
use serde_json::Value;

use crate::clock::wire_seconds;
use crate::engine::EventDraft;

/// A history event: id, causal predecessor, time, type and its `*EventDetails` member (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp_ms: i64,
    /// The HistoryEventType, e.g. `PassStateEntered`.
    pub event_type: String,
    /// The details member name (e.g. `stateEnteredEventDetails`) and its JSON text.
    pub details: Option<(String, String)>,
}

impl StoredEvent {
    /// The event that opens every history (id 1), made by the server before the interpreter runs.
    pub fn execution_started(input: &str, role_arn: &str, timestamp_ms: i64) -> StoredEvent {
        let details =
            serde_json::json!({ "input": input, "inputDetails": { "truncated": false }, "roleArn": role_arn });
        StoredEvent {
            id: 1,
            previous_event_id: 0,
            timestamp_ms,
            event_type: "ExecutionStarted".into(),
            details: Some(("executionStartedEventDetails".into(), details.to_string())),
        }
    }

    /// An event the interpreter emitted, recorded at `timestamp_ms`.
    pub fn from_draft(draft: &EventDraft, timestamp_ms: i64) -> StoredEvent {
        StoredEvent {
            id: draft.id,
            previous_event_id: draft.previous_event_id,
            timestamp_ms,
            event_type: draft.event_type.as_str().to_string(),
            details: draft
                .event_type
                .details_member()
                .zip(draft.details.as_ref())
                .map(|(member, details)| (member.to_string(), details.to_string())),
        }
    }

    /// The event as the API returns it; without `input`/`output` when `include_data` is false.
    pub fn to_wire(&self, include_data: bool) -> Value {
        let mut event = Map::new();
        event.insert("timestamp".into(), Value::from(wire_seconds(self.timestamp_ms)));
        event.insert("type".into(), Value::from(self.event_type.clone()));
        event.insert("id".into(), Value::from(self.id));
        event.insert("previousEventId".into(), Value::from(self.previous_event_id));
        if let Some((member, text)) = &self.details {
            let mut details: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Map::new()));
            if !include_data {
                if let Value::Object(fields) = &mut details {
                    fields.remove("input");
                    fields.remove("output");
                }
            }
            event.insert(member.clone(), details);
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
            event_type: "PassStateEntered".into(),
            details: Some((
                "stateEnteredEventDetails".into(),
                r#"{"name":"A","input":"{}","inputDetails":{"truncated":false}}"#.into(),
            )),
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
}
