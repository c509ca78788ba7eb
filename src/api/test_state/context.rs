//! The context object a tested state sees: the request's `context` as given, checked as AWS checks it, or
//! one made up for the test (an EXPRESS execution of a state machine that exists only for it).

use serde_json::json;
use serde_json::Value;

use crate::arn::ArnBuilder;
use crate::engine::iso_millis;

/// What the made-up context describes.
pub struct ContextFacts<'a> {
    pub arns: &'a ArnBuilder,
    pub input: &'a Value,
    /// The request's role (`null` in the context without one).
    pub role_arn: Option<&'a str>,
    pub state_name: &'a str,
    /// The retries made so far, for the states that retry (Task, Parallel, Map).
    pub retry_count: Option<u64>,
    pub now_ms: i64,
    /// The made-up execution's name.
    pub execution_name: &'a str,
    /// The made-up state machine's name.
    pub machine_name: &'a str,
}

/// The context object made up for the test.
pub fn made_up_context(facts: &ContextFacts<'_>) -> Value {
    let (machine, execution) = (facts.machine_name, facts.execution_name);
    let now = iso_millis(facts.now_ms);
    let mut context = json!({
        "Execution": {
            "Id": format!("arn:aws:states:{}:{}:express:{machine}:{execution}", facts.arns.region, facts.arns.account),
            "Input": facts.input,
            "Name": execution,
            "RoleArn": facts.role_arn,
            "StartTime": now,
        },
        "StateMachine": {"Id": facts.arns.state_machine(machine), "Name": machine},
        "State": {"Name": facts.state_name, "EnteredTime": now},
    });
    if let Some(count) = facts.retry_count {
        context["State"]["RetryCount"] = json!(count);
    }
    context
}

/// The members each part of a given context may have, with the JSON type each must be.
const MEMBERS: &[(&str, &[(&str, Kind)])] = &[
    (
        "Execution",
        &[
            ("Id", Kind::String),
            ("Input", Kind::Any),
            ("Name", Kind::String),
            ("RoleArn", Kind::String),
            ("StartTime", Kind::String),
            ("RedriveCount", Kind::Number),
            ("RedriveTime", Kind::String),
        ],
    ),
    ("State", &[("EnteredTime", Kind::String), ("Name", Kind::String), ("RetryCount", Kind::Number)]),
    ("StateMachine", &[("Id", Kind::String), ("Name", Kind::String)]),
    ("Task", &[("Token", Kind::String)]),
];

#[derive(Clone, Copy)]
enum Kind {
    String,
    Number,
    Any,
}

/// Parses and checks the request's `context` for a state whose Task resource is `resource`; `Err` is the
/// reason, worded as AWS words it.
pub fn given_context(text: &str, resource: Option<&str>) -> Result<Value, String> {
    let invalid = |reason: String| format!("Invalid Context object provided: {reason}");
    let Ok(Value::Object(context)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid("the Context object must be a JSON object".into()));
    };
    for (part, value) in &context {
        if part == "Map" {
            return Err(invalid("'Map' field is not supported when mocking a Context object".into()));
        }
        if part == "Task" && !resource.is_some_and(|r| r.contains(".sync") || r.ends_with(".waitForTaskToken")) {
            return Err(invalid(
                "Context object contains 'Task' when state is not a Task state with a '.sync' or \
                 '.waitForTaskToken' service integration pattern"
                    .into(),
            ));
        }
        let Some((_, members)) = MEMBERS.iter().find(|(name, _)| name == part) else {
            return Err(invalid(format!("Field '{part}' is not allowed")));
        };
        let Value::Object(fields) = value else { return Err(invalid(format!("{part} must be an object"))) };
        for (field, value) in fields {
            let Some((_, kind)) = members.iter().find(|(name, _)| name == field) else {
                return Err(invalid(format!("Field '{field}' is not allowed")));
            };
            let fits = match kind {
                Kind::String => value.is_string(),
                Kind::Number => value.is_number(),
                Kind::Any => true,
            };
            if !fits {
                let what = if matches!(kind, Kind::Number) { "a number" } else { "a string" };
                return Err(invalid(format!("{part}.{field} must be {what}")));
            }
        }
    }
    Ok(Value::Object(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_contexts_are_checked_like_aws() {
        let cases = [
            (r#"{"Execution": {"pokemon": "squirtle"}}"#, Some("Field 'pokemon' is not allowed")),
            (r#"{"Execution": {"Id": 1}}"#, Some("Execution.Id must be a string")),
            (r#"{"Pokedex": {}}"#, Some("Field 'Pokedex' is not allowed")),
            (r#"{"Map": {}}"#, Some("'Map' field is not supported when mocking a Context object")),
            (r#"{"Execution": {"Id": "a"}, "Task": {"Token": 1}}"#, Some("Task.Token must be a string")),
            (r#"{"Execution": {"Id": "a", "Input": {"x": 1}}, "Task": {"Token": "t"}}"#, None),
        ];
        for (text, expected) in cases {
            match (given_context(text, Some("arn:aws:states:::sqs:sendMessage.waitForTaskToken")), expected) {
                (Ok(_), None) => {}
                (Err(e), Some(reason)) => assert_eq!(e, format!("Invalid Context object provided: {reason}")),
                (outcome, _) => panic!("{text}: {outcome:?}"),
            }
        }
    }
}
