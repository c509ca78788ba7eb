//! Readers for individual fields, each reporting problems at the field's location.

use serde_json::Map;
use serde_json::Value;

use super::Parser;
use crate::asl::intrinsic::is_intrinsic;
use crate::asl::intrinsic::IntrinsicCall;
use crate::asl::path::JsonPath;
use crate::asl::path::PathRoot;
use crate::asl::state::Dynamic;
use crate::asl::state::PathField;
use crate::asl::state::QueryLanguage;

/// Reports every field of `object` that is not in `allowed`.
pub fn check_allowed(parser: &mut Parser, object: &Map<String, Value>, allowed: &[&str], location: &str) {
    for key in object.keys() {
        if !allowed.contains(&key.as_str()) {
            parser.schema(format!("Field '{key}' is not supported"), location);
        }
    }
}

/// Reads an optional `QueryLanguage`.
pub fn query_language(parser: &mut Parser, object: &Map<String, Value>, location: &str) -> Option<QueryLanguage> {
    match object.get("QueryLanguage")? {
        Value::String(s) if s == "JSONPath" => Some(QueryLanguage::JsonPath),
        Value::String(s) if s == "JSONata" => Some(QueryLanguage::JsonAta),
        _ => {
            let at = format!("{}/QueryLanguage", location.trim_end_matches('/'));
            parser.schema("Value is not a valid QueryLanguage. Valid values: [JSONPath, JSONata]", &at);
            None
        }
    }
}

fn field_location(location: &str, field: &str) -> String {
    format!("{}/{field}", location.trim_end_matches('/'))
}

/// Reads an optional string field.
pub fn opt_string(parser: &mut Parser, object: &Map<String, Value>, field: &str, location: &str) -> Option<String> {
    match object.get(field)? {
        Value::String(s) => Some(s.clone()),
        _ => {
            parser.schema("Expected value of type: String", &field_location(location, field));
            None
        }
    }
}

/// Reads an integer within `[min, max]`.
pub fn integer_in(parser: &mut Parser, value: &Value, min: u64, max: u64, location: &str) -> Option<u64> {
    let Some(n) = value.as_u64() else {
        if value.as_i64().is_some_and(|n| n < 0) {
            parser.schema(format!("Minimum value is {min}"), location);
        } else {
            parser.schema("Expected value of type: Integer", location);
        }
        return None;
    };
    if n < min {
        parser.schema(format!("Minimum value is {min}"), location);
        return None;
    }
    if n > max {
        parser.schema(format!("Maximum value is {max}"), location);
        return None;
    }
    Some(n)
}

/// Reads a path field (`InputPath`, `OutputPath`, `ResultPath`, `ItemsPath`); `null` is kept as [`PathField::Null`].
pub fn path_field(
    parser: &mut Parser,
    object: &Map<String, Value>,
    field: &str,
    location: &str,
    reference: bool,
) -> PathField {
    match object.get(field) {
        None => PathField::Default,
        Some(Value::Null) => PathField::Null,
        Some(Value::String(text)) => {
            let at = field_location(location, field);
            match JsonPath::parse(text) {
                Ok(path) if reference && !path.is_reference() => {
                    parser.schema("Value is not a Reference Path", &at);
                }
                Ok(_) => {}
                Err(_) => parser.schema(format!("The value for the field '{field}' must be a valid JSONPath"), &at),
            }
            PathField::Path(text.clone())
        }
        Some(_) => {
            parser.schema("Expected value of type: String", &field_location(location, field));
            PathField::Default
        }
    }
}

/// Checks a path used by a `…Path` field (must be a valid path; reference paths where `reference`).
pub fn check_path(parser: &mut Parser, value: &Value, reference: bool, location: &str) -> Option<String> {
    let Value::String(text) = value else {
        parser.schema("Expected value of type: String", location);
        return None;
    };
    match JsonPath::parse(text) {
        Ok(path) if reference && !(path.root == PathRoot::Input || matches!(path.root, PathRoot::Variable(_))) => {
            parser.schema("Value is not a Reference Path", location);
            None
        }
        Ok(_) => Some(text.clone()),
        Err(_) => {
            parser.schema("Value is not a Reference Path", location);
            None
        }
    }
}

/// Checks a payload template: every key ending in `.$` must hold a path or an intrinsic function call.
pub fn check_template(parser: &mut Parser, value: &Value, location: &str) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                if key.ends_with(".$") {
                    let ok = match inner {
                        Value::String(text) if is_intrinsic(text) => IntrinsicCall::parse(text).is_ok(),
                        Value::String(text) => JsonPath::parse(text).is_ok(),
                        _ => false,
                    };
                    if !ok {
                        parser.schema(
                            format!(
                                "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic \
                                 function call"
                            ),
                            location,
                        );
                    }
                } else {
                    check_template(parser, inner, location);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| check_template(parser, item, location)),
        _ => {}
    }
}

/// Whether a string is a JSONata expression: it starts with `{%` and ends with `%}`.
pub fn is_jsonata(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}"))
}

/// Reads a literal/`…Path` pair of integer fields (e.g. `TimeoutSeconds` / `TimeoutSecondsPath`).
pub fn dynamic_integer(
    parser: &mut Parser,
    object: &Map<String, Value>,
    field: &str,
    (min, max): (u64, u64),
    location: &str,
) -> Option<Dynamic<u64>> {
    let path_field = format!("{field}Path");
    match (object.get(field), object.get(&path_field)) {
        (Some(_), Some(_)) => {
            parser
                .schema(format!("There should only be one of the following fields: [{field}, {path_field}]"), location);
            None
        }
        (Some(v), None) if is_jsonata(v) => Some(Dynamic::Expression(v.as_str().unwrap_or_default().to_string())),
        (Some(v), None) => integer_in(parser, v, min, max, &field_location(location, field)).map(Dynamic::Literal),
        (None, Some(p)) => check_path(parser, p, true, &field_location(location, &path_field)).map(Dynamic::Path),
        (None, None) => None,
    }
}
