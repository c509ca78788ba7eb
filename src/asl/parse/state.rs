//! Reading one state object: field whitelists per type, query-language rules and type-specific fields.

use serde_json::Map;
use serde_json::Value;

use super::choice::parse_choice_rules;
use super::fields;
use super::nested;
use super::retry;
use super::Parser;
use crate::asl::state::Choice;
use crate::asl::state::Dynamic;
use crate::asl::state::Fail;
use crate::asl::state::QueryLanguage;
use crate::asl::state::State;
use crate::asl::state::StateKind;
use crate::asl::state::Task;
use crate::asl::state::Wait;
use crate::asl::timestamp::is_rfc3339;

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

fn allowed_fields(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "Pass" => &["Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath", "Assign", "Output"],
        "Task" => &[
            "Resource",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Credentials",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Choice" => &["Choices", "Default", "InputPath", "OutputPath", "Output", "Assign"],
        "Wait" => &[
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
        ],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Branches",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Map" => &[
            "ItemProcessor",
            "Iterator",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ResultSelector",
            "ResultPath",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "Retry",
            "Catch",
            "Output",
            "Assign",
        ],
        _ => return None,
    })
}

const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
];
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// Reads the state `name` at `location`; `None` when it is too broken to model.
pub fn parse_state(
    parser: &mut Parser,
    name: &str,
    raw: &Value,
    location: &str,
    enclosing: QueryLanguage,
) -> Option<State> {
    let Some(object) = raw.as_object() else {
        parser.schema("Expected value of type: Object", location);
        return None;
    };
    let Some(type_value) = object.get("Type") else {
        parser.schema("These fields are required: [Type]", location);
        return None;
    };
    let type_name = type_value.as_str().unwrap_or_default();
    let Some(allowed) = allowed_fields(type_name) else {
        parser.schema(
            format!(
                "Value is not a valid state type: '{}'",
                type_value.as_str().map_or(type_value.to_string(), String::from)
            ),
            &format!("{location}/Type"),
        );
        return None;
    };
    let unknown: Vec<&String> =
        object.keys().filter(|k| !COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str())).collect();
    for key in unknown {
        parser.schema(format!("Field '{key}' is not supported"), location);
    }
    let own_language = fields::query_language(parser, object, location);
    if parser.machine_language == QueryLanguage::JsonAta && own_language == Some(QueryLanguage::JsonPath) {
        parser.schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", location);
    }
    let query_language = own_language.unwrap_or(enclosing);
    check_language_fields(parser, object, query_language, location);

    let (next, end) = transition(parser, object, type_name, location);
    let kind = match type_name {
        "Pass" => StateKind::Pass { result: object.get("Result").cloned() },
        "Task" => StateKind::Task(task(parser, object, location)?),
        "Choice" => StateKind::Choice(choice(parser, object, location, query_language)?),
        "Wait" => StateKind::Wait(wait(parser, object, location)?),
        "Succeed" => StateKind::Succeed,
        "Fail" => StateKind::Fail(fail(parser, object, location)),
        "Parallel" => StateKind::Parallel(nested::parallel(parser, object, location, query_language)?),
        _ => StateKind::Map(Box::new(nested::map(parser, object, location, query_language)?)),
    };
    for field in ["Parameters", "ResultSelector"] {
        if let Some(template) = object.get(field) {
            if query_language == QueryLanguage::JsonPath {
                fields::check_template(parser, template, &format!("{location}/{field}"));
            }
        }
    }
    if let Some(assign) = object.get("Assign") {
        check_assign(parser, assign, &format!("{location}/Assign"), query_language);
    }
    Some(State {
        name: name.to_string(),
        comment: fields::opt_string(parser, object, "Comment", location),
        query_language,
        next,
        end,
        input_path: fields::path_field(parser, object, "InputPath", location, false),
        output_path: fields::path_field(parser, object, "OutputPath", location, false),
        result_path: fields::path_field(parser, object, "ResultPath", location, true),
        parameters: object.get("Parameters").cloned(),
        result_selector: object.get("ResultSelector").cloned(),
        assign: object.get("Assign").cloned(),
        output: object.get("Output").cloned(),
        arguments: object.get("Arguments").cloned(),
        retry: retry::retriers(parser, object, location),
        catch: retry::catchers(parser, object, location),
        kind,
    })
}

fn check_language_fields(parser: &mut Parser, object: &Map<String, Value>, language: QueryLanguage, location: &str) {
    for key in object.keys() {
        let (wrong, set, needed) = match language {
            QueryLanguage::JsonAta => (JSONPATH_ONLY.contains(&key.as_str()), "JSONata", "JSONPath"),
            QueryLanguage::JsonPath => (JSONATA_ONLY.contains(&key.as_str()), "JSONPath", "JSONata"),
        };
        if wrong {
            parser.schema(
                format!("The QueryLanguage is set to '{set}', but field '{key}' is only supported for the '{needed}' QueryLanguage"),
                location,
            );
        }
    }
}

fn check_assign(parser: &mut Parser, assign: &Value, location: &str, language: QueryLanguage) {
    match assign {
        Value::Object(object) => {
            for key in object.keys() {
                if key.trim_end_matches(".$") == "states" {
                    parser.schema("Variable name 'states' is reserved", location);
                }
            }
            if language == QueryLanguage::JsonPath {
                fields::check_template(parser, assign, location);
            }
        }
        _ => parser.schema("Expected value of type: Object", location),
    }
}

fn transition(
    parser: &mut Parser,
    object: &Map<String, Value>,
    type_name: &str,
    location: &str,
) -> (Option<String>, bool) {
    let next = match object.get("Next") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            parser.schema("Expected value of type: String", &format!("{location}/Next"));
            None
        }
        None => None,
    };
    let end = match object.get("End") {
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            parser.schema("Expected value of type: Boolean", &format!("{location}/End"));
            false
        }
        None => false,
    };
    if matches!(type_name, "Pass" | "Task" | "Wait" | "Parallel" | "Map") {
        if object.contains_key("Next") && end {
            parser.schema("There should only be one of the following fields: [Next, End]", location);
        } else if next.is_none() && !end && !object.contains_key("Next") {
            parser.schema("Exactly one of these fields is required: [Next, End]", location);
        }
    }
    (next, end)
}

fn task(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Option<Task> {
    let resource = match object.get("Resource") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            parser.schema("Expected value of type: String", &format!("{location}/Resource"));
            return None;
        }
        None => {
            parser.schema("These fields are required: [Resource]", location);
            return None;
        }
    };
    let credentials = object.get("Credentials").cloned();
    if let Some(c) = &credentials {
        let has_role = c.as_object().is_some_and(|o| o.contains_key("RoleArn") || o.contains_key("RoleArn.$"));
        if !has_role {
            parser.schema("The field 'RoleArn' is required but was missing", &format!("{location}/Credentials"));
        }
    }
    let timeout_seconds = fields::dynamic_integer(parser, object, "TimeoutSeconds", (1, 99_999_999), location);
    let heartbeat_seconds = fields::dynamic_integer(parser, object, "HeartbeatSeconds", (1, 99_999_999), location);
    if let (Some(Dynamic::Literal(t)), Some(Dynamic::Literal(h))) = (&timeout_seconds, &heartbeat_seconds) {
        if h >= t {
            parser.schema(
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
                &format!("{location}/HeartbeatSeconds"),
            );
        }
    }
    Some(Task { resource, timeout_seconds, heartbeat_seconds, credentials })
}

fn choice(parser: &mut Parser, object: &Map<String, Value>, location: &str, language: QueryLanguage) -> Option<Choice> {
    let Some(raw) = object.get("Choices") else {
        parser.schema("These fields are required: [Choices]", location);
        return None;
    };
    let choices = parse_choice_rules(parser, raw, &format!("{location}/Choices"), language)?;
    let default = fields::opt_string(parser, object, "Default", location);
    Some(Choice { choices, default })
}

fn wait(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Option<Wait> {
    let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
        .into_iter()
        .filter(|f| object.contains_key(*f))
        .collect();
    if present.len() != 1 {
        parser.schema(
            "Exactly one of these fields is required: [Seconds, Timestamp, SecondsPath, TimestampPath]",
            location,
        );
        return None;
    }
    let field = present[0];
    let value = &object[field];
    let at = format!("{location}/{field}");
    match field {
        "Seconds" if fields::is_jsonata(value) => {
            Some(Wait::Seconds(Dynamic::Expression(value.as_str().unwrap_or_default().into())))
        }
        "Seconds" => fields::integer_in(parser, value, 0, 99_999_999, &at).map(|n| Wait::Seconds(Dynamic::Literal(n))),
        "Timestamp" if fields::is_jsonata(value) => {
            Some(Wait::Timestamp(Dynamic::Expression(value.as_str().unwrap_or_default().into())))
        }
        "Timestamp" => match value.as_str() {
            Some(s) if is_rfc3339(s) => Some(Wait::Timestamp(Dynamic::Literal(s.to_string()))),
            _ => {
                parser.schema("String does not match RFC3339 timestamp", &at);
                None
            }
        },
        "SecondsPath" => fields::check_path(parser, value, true, &at).map(|p| Wait::Seconds(Dynamic::Path(p))),
        _ => fields::check_path(parser, value, true, &at).map(|p| Wait::Timestamp(Dynamic::Path(p))),
    }
}

fn fail(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Fail {
    let mut read = |field: &str| -> Option<Dynamic<String>> {
        let path_field = format!("{field}Path");
        match (object.get(field), object.get(&path_field)) {
            (Some(_), Some(_)) => {
                parser.schema(
                    format!("There should only be one of the following fields: [{field}, {path_field}]"),
                    location,
                );
                None
            }
            (Some(Value::String(s)), None) if fields::is_jsonata(&Value::String(s.clone())) => {
                Some(Dynamic::Expression(s.clone()))
            }
            (Some(Value::String(s)), None) => Some(Dynamic::Literal(s.clone())),
            (Some(_), None) => {
                parser.schema("Expected value of type: String", &format!("{location}/{field}"));
                None
            }
            (None, Some(Value::String(p))) => {
                let ok = if crate::asl::intrinsic::is_intrinsic(p) {
                    crate::asl::intrinsic::IntrinsicCall::parse(p).is_ok()
                } else {
                    crate::asl::path::JsonPath::parse(p).is_ok()
                };
                if !ok {
                    parser.schema(
                        format!("The value for the field '{path_field}' must be a valid JSONPath or a valid intrinsic function call"),
                        &format!("{location}/{path_field}"),
                    );
                }
                Some(Dynamic::Path(p.clone()))
            }
            (None, Some(_)) => {
                parser.schema("Expected value of type: String", &format!("{location}/{path_field}"));
                None
            }
            (None, None) => None,
        }
    };
    let error = read("Error");
    let cause = read("Cause");
    Fail { error, cause }
}
