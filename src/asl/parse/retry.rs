//! Reading `Retry` and `Catch` arrays, including the `States.ALL` placement rule.

use serde_json::Map;
use serde_json::Value;

use super::fields;
use super::Parser;
use crate::asl::retry::Catcher;
use crate::asl::retry::Retrier;
use crate::asl::retry::STATES_ALL;

fn error_equals(parser: &mut Parser, entry: &Map<String, Value>, at: &str) -> Vec<String> {
    match entry.get("ErrorEquals") {
        Some(Value::Array(items)) if !items.is_empty() => {
            items.iter().filter_map(|v| v.as_str().map(String::from)).collect()
        }
        Some(Value::Array(_)) => {
            parser.schema("Value cannot be empty", &format!("{at}/ErrorEquals"));
            Vec::new()
        }
        _ => {
            parser.schema("These fields are required: [ErrorEquals]", at);
            Vec::new()
        }
    }
}

fn check_states_all(parser: &mut Parser, lists: &[Vec<String>], field: &str, location: &str) {
    for (i, list) in lists.iter().enumerate() {
        if list.iter().any(|e| e == STATES_ALL) && (list.len() > 1 || i + 1 != lists.len()) {
            parser.schema(
                format!("States.ALL must appear alone in ErrorEquals and only in the last element of {field}"),
                &format!("{location}/{field}[{i}]/ErrorEquals"),
            );
        }
    }
}

pub fn retriers(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Vec<Retrier> {
    let Some(Value::Array(items)) = object.get("Retry") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{location}/Retry[{i}]");
        let Some(entry) = item.as_object() else {
            parser.schema("Expected value of type: Object", &at);
            continue;
        };
        fields::check_allowed(
            parser,
            entry,
            &[
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
            ],
            &at,
        );
        let int = |parser: &mut Parser, f: &str, min: u64, max: u64, default: u64| match entry.get(f) {
            Some(v) => fields::integer_in(parser, v, min, max, &format!("{at}/{f}")).unwrap_or(default),
            None => default,
        };
        let interval_seconds = int(parser, "IntervalSeconds", 1, 99_999_999, 1);
        let max_attempts = int(parser, "MaxAttempts", 0, 99_999_999, 3);
        let max_delay_seconds = entry
            .get("MaxDelaySeconds")
            .and_then(|v| fields::integer_in(parser, v, 1, 31_622_400, &format!("{at}/MaxDelaySeconds")));
        let backoff_rate = match entry.get("BackoffRate") {
            Some(v) => match v.as_f64() {
                Some(r) if r >= 1.0 => r,
                _ => {
                    parser.schema("Minimum value is 1.0", &format!("{at}/BackoffRate"));
                    2.0
                }
            },
            None => 2.0,
        };
        let jitter_full = match entry.get("JitterStrategy").and_then(Value::as_str) {
            Some("FULL") => true,
            Some("NONE") | None => false,
            Some(_) => {
                parser.schema("Value is not one of [FULL, NONE]", &format!("{at}/JitterStrategy"));
                false
            }
        };
        out.push(Retrier {
            error_equals: error_equals(parser, entry, &at),
            interval_seconds,
            max_attempts,
            backoff_rate,
            max_delay_seconds,
            jitter_full,
        });
    }
    let lists: Vec<Vec<String>> = out.iter().map(|r| r.error_equals.clone()).collect();
    check_states_all(parser, &lists, "Retry", location);
    out
}

pub fn catchers(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Vec<Catcher> {
    let Some(Value::Array(items)) = object.get("Catch") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{location}/Catch[{i}]");
        let Some(entry) = item.as_object() else {
            parser.schema("Expected value of type: Object", &at);
            continue;
        };
        fields::check_allowed(
            parser,
            entry,
            &["ErrorEquals", "Next", "ResultPath", "Assign", "Output", "Comment"],
            &at,
        );
        let next = match entry.get("Next") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                parser.schema("These fields are required: [Next]", &at);
                String::new()
            }
        };
        out.push(Catcher {
            error_equals: error_equals(parser, entry, &at),
            next,
            result_path: fields::path_field(parser, entry, "ResultPath", &at, true),
            assign: entry.get("Assign").cloned(),
            output: entry.get("Output").cloned(),
        });
    }
    let lists: Vec<Vec<String>> = out.iter().map(|c| c.error_equals.clone()).collect();
    check_states_all(parser, &lists, "Catch", location);
    out
}
