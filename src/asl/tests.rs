//! Table-driven validation tests: each definition is either accepted or rejected with the listed codes and
//! messages at the listed locations.

use serde_json::json;

use super::*;

fn diagnostics(definition: &str) -> Vec<(String, String, Option<String>)> {
    Definition::validate(definition).into_iter().map(|d| (d.code, d.message, d.location)).collect()
}

#[test]
fn valid_definitions_parse_with_states_in_order() {
    let cases = [
        json!({"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}, "A": {"Type": "Succeed"}}}),
        json!({"Comment": "c", "Version": "1.0", "TimeoutSeconds": 30, "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a", "TimeoutSeconds": 10,
                  "HeartbeatSeconds": 5, "Retry": [{"ErrorEquals": ["X"]}, {"ErrorEquals": ["States.ALL"]}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": true},
            "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c)"}}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}], "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": true}}}, "End": true}}}),
        json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
            {"Variable": "$.a", "StringMatches": "x*", "Next": "D"},
            {"Not": {"Variable": "$.b", "NumericEqualsPath": "$.c"}, "Next": "D"}], "Default": "D"},
            "D": {"Type": "Succeed"}}}),
        // Sibling scopes may use the same names, and a Distributed Map's children see no outer variables.
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
            "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"y": 1}, "End": true}}},
                {"StartAt": "C", "States": {"C": {"Type": "Pass", "Assign": {"y": 2}, "End": true}}}]},
            "M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "D", "States": {"D": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}}}}),
    ];
    for case in cases {
        let text = case.to_string();
        assert!(diagnostics(&text).is_empty(), "{text}: {:?}", diagnostics(&text));
        assert!(Definition::parse(&text).is_ok());
    }
    let parsed = Definition::parse(&cases_order()).unwrap();
    let names: Vec<_> = parsed.states().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Z", "A", "M"]);
}

fn cases_order() -> String {
    r#"{"StartAt": "Z", "States": {"Z": {"Type": "Pass", "Next": "A"}, "A": {"Type": "Pass", "Next": "M"}, "M": {"Type": "Succeed"}}}"#
        .to_string()
}

/// Expected `(code, message, location)` findings.
type Expected = Vec<(&'static str, &'static str, Option<&'static str>)>;

#[test]
fn invalid_definitions_report_aws_diagnostics() {
    let cases: Vec<(&str, Expected)> = vec![
        ("", vec![("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object", None)]),
        ("{}", vec![("SCHEMA_VALIDATION_FAILED", "These fields are required: [States, StartAt]", Some("/"))]),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Foo": 1, "End": true}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "Field 'Foo' is not supported", Some("/States/A"))],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#,
            vec![
                ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: B", Some("/States/A/Next")),
                ("MISSING_END_STATE", "Workflow has no terminal state", None),
            ],
        ),
        (
            r#"{"StartAt": "X", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}"#,
            vec![
                ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: X", Some("/StartAt")),
                ("MISSING_TRANSITION_TARGET", "State \"A\" is not reachable.", Some("/States/A")),
                ("MISSING_TRANSITION_TARGET", "State \"B\" is not reachable.", Some("/States/B")),
            ],
        ),
        (
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "End": true, "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "C"}]}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "Field 'End' is not supported", Some("/States/C"))],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Retry": [], "End": true}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "Field 'Retry' is not supported", Some("/States/A"))],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["States.ALL", "X"]}], "End": true}}}"#,
            vec![(
                "SCHEMA_VALIDATION_FAILED",
                "States.ALL must appear alone in ErrorEquals and only in the last element of Retry",
                Some("/States/A/Retry[0]/ErrorEquals"),
            )],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Nope"}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "Value is not a valid state type: 'Nope'", Some("/States/A/Type"))],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}"#,
            vec![
                ("SCHEMA_VALIDATION_FAILED", "Exactly one of these fields is required: [Next, End]", Some("/States/A")),
                ("MISSING_END_STATE", "Workflow has no terminal state", None),
            ],
        ),
        (
            r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "End": true}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "String does not match RFC3339 timestamp", Some("/States/W/Timestamp"))],
        ),
        (
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [], "End": true}}}"#,
            vec![("SCHEMA_VALIDATION_FAILED", "Value cannot be empty", Some("/States/P/Branches"))],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": true}}}"#,
            vec![(
                "SCHEMA_VALIDATION_FAILED",
                "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
                Some("/States/A/Parameters"),
            )],
        ),
        (
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}], "End": true}}}"#,
            vec![("DUPLICATE_STATE_NAME", "Duplicate State name: P", Some("/States/P/Branches[0]/States/P"))],
        ),
        (
            r#"{"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}}, "QueryLanguage": "JSONata"}"#,
            vec![(
                "SCHEMA_VALIDATION_FAILED",
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                Some("/States/Pass"),
            )],
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
               "P": {"Type": "Parallel", "End": true, "Branches": [
                 {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"y": 2, "x.$": "$"}, "End": true}}}]}}}"#,
            vec![(
                "SCHEMA_VALIDATION_FAILED",
                "Variable 'x' is assigned in an enclosing scope; a Parallel branch or Map iteration can read it but cannot assign it",
                Some("/States/P/Branches[0]/States/B/Assign/x.$"),
            )],
        ),
        (
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "Assign": {"total": 0}, "End": true, "ItemProcessor": {
                 "StartAt": "N", "States": {"N": {"Type": "Map", "End": true, "ItemProcessor": {
                   "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
                     {"Variable": "$.a", "IsPresent": true, "Assign": {"total": 1}, "Next": "D"}], "Default": "D"},
                   "D": {"Type": "Succeed"}}}}}}}}}"#,
            vec![(
                "SCHEMA_VALIDATION_FAILED",
                "Variable 'total' is assigned in an enclosing scope; a Parallel branch or Map iteration can read it but cannot assign it",
                Some("/States/M/ItemProcessor/States/N/ItemProcessor/States/C/Choices[0]/Assign/total"),
            )],
        ),
    ];
    for (definition, expected) in cases {
        let got = diagnostics(definition);
        let expected: Vec<(String, String, Option<String>)> =
            expected.into_iter().map(|(c, m, l)| (c.to_string(), m.to_string(), l.map(String::from))).collect();
        assert_eq!(got, expected, "{definition}");
        assert!(Definition::parse(definition).is_err(), "{definition}");
    }
}

#[test]
fn invalid_json_is_reported_as_such() {
    let err = Definition::parse("{").unwrap_err();
    assert_eq!(err.diagnostics[0].code, "INVALID_JSON_DESCRIPTION");
    assert!(err.to_string().starts_with("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "));
}
