//! `mock.fieldValidationMode`: a mocked result checked against the output shape of the API the Task calls,
//! as AWS checks it. STRICT (the default) wants every required field and every present field well typed and
//! within its bounds; PRESENT checks only the fields present; NONE checks nothing. Fields are named as Step
//! Functions returns them (`ExecutionArn`, never `executionArn`); fields the shape does not name pass. Blobs
//! are strings, the `Payload` of `lambda:invoke` included.
//!
//! The shapes come from botocore's models (`mock_shapes.json`, written by `scripts/gen-mock-shapes.py`)
//! for the services listed there; a result of any other API (and of `.sync` and `.waitForTaskToken` calls,
//! whose result is not the API's response) is not checked.

use std::sync::OnceLock;

use serde_json::Value;

/// How strictly a mocked result is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidationMode {
    Strict,
    Present,
    None,
}

impl FieldValidationMode {
    /// The mode named by the request (`STRICT` when absent).
    pub fn parse(name: Option<&str>) -> Option<FieldValidationMode> {
        match name {
            None | Some("STRICT") => Some(FieldValidationMode::Strict),
            Some("PRESENT") => Some(FieldValidationMode::Present),
            Some("NONE") => Some(FieldValidationMode::None),
            Some(_) => None,
        }
    }
}

fn models() -> &'static Value {
    static MODELS: OnceLock<Value> = OnceLock::new();
    MODELS.get_or_init(|| serde_json::from_str(include_str!("mock_shapes.json")).unwrap_or(Value::Null))
}

/// Checks `result`, the mocked result of a Task calling `resource`; `Err` is the reason, worded as AWS words it.
pub fn validate(resource: &str, result: &Value, mode: FieldValidationMode) -> Result<(), String> {
    if mode == FieldValidationMode::None {
        return Ok(());
    }
    let Some((service, operation)) = api_of(resource) else { return Ok(()) };
    let model = &models()["services"][service];
    let Some(shape) = model["operations"][&operation].as_str() else { return Ok(()) };
    let checker = Checker { shapes: &model["shapes"], mode };
    if !result.is_object() {
        return Err("Mock result schema validation error: The mocked result must be a JSON object".into());
    }
    checker.check(shape, "", result).map_err(|reason| format!("Mock result schema validation error: {reason}"))
}

/// The botocore service and operation whose response a Task `resource` returns as its result.
fn api_of(resource: &str) -> Option<(&'static str, String)> {
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    if let Some(sdk) = rest.strip_prefix("aws-sdk:") {
        let (service, action) = sdk.split_once(':')?;
        let service = match service {
            "sfn" => "stepfunctions",
            "eventbridge" => "events",
            other => known_service(other)?,
        };
        return Some((service, pascal_case(action)));
    }
    let (service, api) = rest.split_once(':')?;
    if api.contains('.') {
        return None;
    }
    let service = match service {
        "states" => "stepfunctions",
        "lambda" | "dynamodb" | "sqs" | "sns" | "events" => known_service(service)?,
        _ => return None,
    };
    Some((service, pascal_case(api)))
}

fn known_service(name: &str) -> Option<&'static str> {
    ["lambda", "dynamodb", "sqs", "sns", "events", "stepfunctions", "s3", "kms"].into_iter().find(|s| *s == name)
}

/// `putItem` → `PutItem`.
fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

struct Checker<'a> {
    shapes: &'a Value,
    mode: FieldValidationMode,
}

impl Checker<'_> {
    /// Checks `value` of the field `field` against the shape `name`.
    fn check(&self, name: &str, field: &str, value: &Value) -> Result<(), String> {
        let shape = &self.shapes[name];
        let wrong = |what: &str| Err(format!("Field '{field}' must be {what}"));
        match shape["type"].as_str().unwrap_or_default() {
            "structure" => {
                let Value::Object(members) = value else { return wrong("an object") };
                let declared = shape["members"].as_object();
                for (key, member_value) in members {
                    let member = declared.and_then(|d| d.iter().find(|(m, _)| pascal_case(m) == *key));
                    if let (Some((_, member_shape)), false) = (member, member_value.is_null()) {
                        self.check(member_shape.as_str().unwrap_or_default(), key, member_value)?;
                    }
                }
                if self.mode == FieldValidationMode::Strict {
                    for required in shape["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                        let name = pascal_case(required);
                        if !members.contains_key(&name) {
                            return Err(format!("Required field '{name}' is missing"));
                        }
                    }
                }
                Ok(())
            }
            "list" => {
                let Value::Array(items) = value else { return wrong("an array") };
                let member = shape["member"].as_str().unwrap_or_default();
                items.iter().try_for_each(|item| self.check(member, field, item))
            }
            "map" => {
                let Value::Object(entries) = value else { return wrong("an object") };
                let item = shape["value"].as_str().unwrap_or_default();
                entries.iter().try_for_each(|(key, entry)| self.check(item, key, entry))
            }
            "string" => match value.as_str() {
                None => wrong("a string"),
                Some(text) => match shape["enum"].as_array() {
                    Some(allowed) if !allowed.iter().any(|a| a == text) => {
                        Err(format!("Field '{field}' is not an expected value"))
                    }
                    _ => length(shape, field, text),
                },
            },
            "blob" => match value.as_str() {
                None => wrong("a string"),
                Some(text) => length(shape, field, text),
            },
            "integer" | "long" | "double" | "float" => match value.as_f64() {
                None => wrong("a number"),
                Some(n) if shape["min"].as_f64().is_some_and(|min| n < min) => {
                    Err(format!("Field '{field}' is less than the minimum value"))
                }
                Some(n) if shape["max"].as_f64().is_some_and(|max| n > max) => {
                    Err(format!("Field '{field}' exceeds the maximum value"))
                }
                Some(_) => Ok(()),
            },
            "boolean" if !value.is_boolean() => wrong("a boolean"),
            "timestamp" if !value.is_string() => wrong("a string"),
            _ => Ok(()),
        }
    }
}

/// Checks the length bounds of a string or blob field.
fn length(shape: &Value, field: &str, text: &str) -> Result<(), String> {
    let count = text.chars().count() as u64;
    if shape["min"].as_u64().is_some_and(|min| count < min) {
        return Err(format!("Field '{field}' is smaller than the minimum length"));
    }
    if shape["max"].as_u64().is_some_and(|max| count > max) {
        return Err(format!("Field '{field}' exceeds the maximum length"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn results_are_checked_against_the_api_shape() {
        let strict = FieldValidationMode::Strict;
        let present = FieldValidationMode::Present;
        let cases = [
            (
                "arn:aws:states:::lambda:invoke",
                json!({"StatusCode": "200"}),
                present,
                Some("'StatusCode' must be a number"),
            ),
            ("arn:aws:states:::lambda:invoke", json!({"StatusCode": 200, "Payload": "{}"}), strict, None),
            (
                "arn:aws:states:::lambda:invoke",
                json!({"Payload": {"a": 1}}),
                strict,
                Some("'Payload' must be a string"),
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                json!({"StorageClass": "Papyrus"}),
                strict,
                Some("not an expected value"),
            ),
            ("arn:aws:states:::states:startExecution", json!({}), present, None),
            (
                "arn:aws:states:::states:startExecution",
                json!({}),
                strict,
                Some("Required field 'ExecutionArn' is missing"),
            ),
            ("arn:aws:states:::states:startExecution", json!({"executionArn": "a", "startDate": "d"}), present, None),
            (
                "arn:aws:states:::aws-sdk:kms:encrypt",
                json!({"CiphertextBlob": 1}),
                present,
                Some("'CiphertextBlob' must be a string"),
            ),
            (
                "arn:aws:states:::aws-sdk:kms:encrypt",
                json!({"CiphertextBlob": ""}),
                present,
                Some("smaller than the minimum length"),
            ),
            (
                "arn:aws:states:::aws-sdk:lambda:getFunction",
                json!({"Configuration": {"MemorySize": 1}}),
                present,
                Some("'MemorySize' is less than the minimum value"),
            ),
            (
                "arn:aws:states:::states:startExecution",
                json!({"ExecutionArn": "a", "StartDate": true}),
                strict,
                Some("'StartDate' must be a string"),
            ),
            (
                "arn:aws:states:::events:putEvents",
                json!({"Entries": [{"EventId": "a"}, {"EventId": ["b"]}]}),
                strict,
                Some("'EventId' must be a string"),
            ),
            ("arn:aws:states:::dynamodb:putItem", json!({"SdkHttpMetadata": {"HttpStatusCode": 200}}), strict, None),
            ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", json!({"anything": 1}), strict, None),
            ("arn:aws:states:::apigateway:invoke", json!({"approval": true}), strict, None),
        ];
        for (resource, result, mode, expected) in cases {
            let outcome = validate(resource, &result, mode);
            match expected {
                None => assert_eq!(outcome, Ok(()), "{resource} {result}"),
                Some(part) => {
                    assert!(outcome.as_ref().is_err_and(|e| e.contains(part)), "{resource} {result}: {outcome:?}")
                }
            }
        }
    }
}
