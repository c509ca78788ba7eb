//! One history event as a CloudWatch Logs line of a Step Functions execution log: a JSON object whose ids
//! and timestamp are strings, with the event's details under `details`.

use serde_json::Map;
use serde_json::Value;

use super::LoggingConfiguration;
use crate::history::StoredEvent;

/// Details members that carry execution data, left out unless `includeExecutionData` is set.
const DATA_MEMBERS: &[&str] = &["input", "output", "parameters"];

/// The log lines (without line ends) of the `events` that `logging` selects, in event order, of an execution
/// redriven `redrive_count` times.
pub fn lines(
    logging: &LoggingConfiguration,
    execution_arn: &str,
    redrive_count: u64,
    events: &[StoredEvent],
) -> Vec<String> {
    events
        .iter()
        .filter(|event| logging.level.logs(event.event_type.as_str()))
        .map(|event| line(event, execution_arn, redrive_count, logging.include_execution_data))
        .collect()
}

fn line(event: &StoredEvent, execution_arn: &str, redrive_count: u64, include_execution_data: bool) -> String {
    let mut details = match &event.details {
        Some(text) => serde_json::from_str::<Map<String, Value>>(text).unwrap_or_default(),
        None => Map::new(),
    };
    if !include_execution_data {
        details.retain(|member, _| !DATA_MEMBERS.contains(&member.as_str()));
    }
    let mut line = Map::new();
    line.insert("id".into(), Value::from(event.id.to_string()));
    line.insert("type".into(), Value::from(event.event_type.as_str()));
    line.insert("details".into(), Value::Object(details));
    line.insert("previous_event_id".into(), Value::from(event.previous_event_id.to_string()));
    line.insert("event_timestamp".into(), Value::from(event.timestamp_ms.to_string()));
    line.insert("execution_arn".into(), Value::from(execution_arn));
    line.insert("redrive_count".into(), Value::from(redrive_count.to_string()));
    Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EventType;
    use crate::execution_log::LogLevel;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:orders:o-1";

    fn event(id: u64, event_type: &str, member: &str, details: &str) -> StoredEvent {
        let event_type = EventType::parse(event_type).expect("an event type");
        assert_eq!(event_type.details_member(), Some(member));
        StoredEvent {
            id,
            previous_event_id: id - 1,
            timestamp_ms: 1_713_959_670_672 + id as i64,
            event_type,
            details: Some(details.into()),
        }
    }

    fn history() -> Vec<StoredEvent> {
        vec![
            event(
                1,
                "ExecutionStarted",
                "executionStartedEventDetails",
                r#"{"input":"{\"order\":7}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/sfn"}"#,
            ),
            event(
                2,
                "TaskStateEntered",
                "stateEnteredEventDetails",
                r#"{"name":"Charge","input":"{\"order\":7}","inputDetails":{"truncated":false}}"#,
            ),
            event(
                3,
                "TaskScheduled",
                "taskScheduledEventDetails",
                r#"{"resource":"invoke","resourceType":"lambda","region":"us-east-1","parameters":"{\"order\":7}"}"#,
            ),
            event(
                4,
                "TaskFailed",
                "taskFailedEventDetails",
                r#"{"resource":"invoke","resourceType":"lambda","error":"CardDeclined","cause":"insufficient funds"}"#,
            ),
            event(
                5,
                "ExecutionFailed",
                "executionFailedEventDetails",
                r#"{"error":"CardDeclined","cause":"insufficient funds"}"#,
            ),
        ]
    }

    fn parsed(logging: LoggingConfiguration) -> Vec<Value> {
        lines(&logging, ARN, 0, &history()).iter().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
    }

    #[test]
    fn a_line_has_the_cloudwatch_fields_as_strings() {
        let all = parsed(LoggingConfiguration { level: LogLevel::All, include_execution_data: true });
        assert_eq!(all.len(), 5);
        let started = &all[0];
        let keys: Vec<&str> = started.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"]
        );
        assert_eq!(started["id"], "1");
        assert_eq!(started["type"], "ExecutionStarted");
        assert_eq!(started["previous_event_id"], "0");
        assert_eq!(started["event_timestamp"], "1713959670673");
        assert_eq!(started["execution_arn"], ARN);
        assert_eq!(started["redrive_count"], "0");
        assert_eq!(started["details"]["input"], r#"{"order":7}"#);
        assert_eq!(started["details"]["roleArn"], "arn:aws:iam::123456789012:role/sfn");
        assert_eq!(all[2]["details"]["parameters"], r#"{"order":7}"#);
    }

    #[test]
    fn without_execution_data_inputs_outputs_and_parameters_are_left_out() {
        let lean = parsed(LoggingConfiguration { level: LogLevel::All, include_execution_data: false });
        assert!(lean[0]["details"].get("input").is_none());
        assert_eq!(lean[0]["details"]["inputDetails"]["truncated"], false, "the data's description stays");
        assert!(lean[1]["details"].get("input").is_none());
        assert_eq!(lean[1]["details"]["name"], "Charge");
        assert!(lean[2]["details"].get("parameters").is_none());
        assert_eq!(lean[3]["details"]["error"], "CardDeclined", "errors are not execution data");
        assert_eq!(lean[4]["details"]["cause"], "insufficient funds");
    }

    #[test]
    fn levels_keep_only_their_events() {
        let types = |level| -> Vec<String> {
            parsed(LoggingConfiguration { level, include_execution_data: true })
                .iter()
                .map(|l| l["type"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(types(LogLevel::Error), ["TaskFailed", "ExecutionFailed"]);
        assert_eq!(types(LogLevel::Fatal), ["ExecutionFailed"]);
        assert!(types(LogLevel::Off).is_empty());
    }

    #[test]
    fn an_event_without_details_logs_empty_details() {
        let started = StoredEvent {
            id: 4,
            previous_event_id: 3,
            timestamp_ms: 5,
            event_type: EventType::LambdaFunctionStarted,
            details: None,
        };
        let logging = LoggingConfiguration { level: LogLevel::All, include_execution_data: true };
        let line: Value = serde_json::from_str(&lines(&logging, ARN, 0, &[started])[0]).unwrap();
        assert_eq!(line["details"], serde_json::json!({}));
    }
}
