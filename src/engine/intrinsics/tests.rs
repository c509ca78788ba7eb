use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use super::*;
use crate::engine::env::Scope;

fn run(expr: &str, input: Value) -> Result<Value, IntrinsicError> {
    let vars = Map::from_iter([("greeting".to_string(), json!("hi"))]);
    let scope = Scope { variables: &vars, parent: None };
    let env = Env::new(json!({"StateMachine": {"Name": "my-machine-x"}}), &scope, "e".into(), 0);
    evaluate(&IntrinsicCall::parse(expr).unwrap(), &input, &env)
}

#[test]
fn functions_match_aws_results() {
    let cases: Vec<(&str, Value, Value)> = vec![
        ("States.Format('a {} b {}', $.s, $.n)", json!({"s": "x", "n": 1.5}), json!("a x b 1.5")),
        ("States.Format('v={}', $.v)", json!({"v": null}), json!("v=null")),
        ("States.Format('{}!', $greeting)", json!({}), json!("hi!")),
        ("States.StringToJson($.s)", json!({"s": "[1, 2, \"x\"]"}), json!([1, 2, "x"])),
        ("States.StringToJson($.s)", json!({"s": ""}), json!(null)),
        ("States.JsonToString($.o)", json!({"o": {"a": [1, true]}}), json!("{\"a\":[1,true]}")),
        ("States.Array(1, 'a', $.x)", json!({"x": {"k": 1}}), json!([1, "a", {"k": 1}])),
        ("States.ArrayPartition($.a, 3)", json!({"a": [0, 1, 2, 3]}), json!([[0, 1, 2], [3]])),
        ("States.ArrayContains($.a, $.v)", json!({"a": [[1, 2, 3], 2], "v": [1, 2, 3]}), json!(true)),
        ("States.ArrayRange(1, 9, 2)", json!({}), json!([1, 3, 5, 7, 9])),
        ("States.ArrayGetItem($.a, 5)", json!({"a": [1, 2, 3, 4, 5, 6]}), json!(6)),
        ("States.ArrayLength($.a)", json!({"a": [1, 2]}), json!(2)),
        ("States.ArrayUnique($.a)", json!({"a": [1, 1, "x", "x", null, 1.0]}), json!([1, "x", null])),
        ("States.Base64Encode('Hello World')", json!({}), json!("SGVsbG8gV29ybGQ=")),
        ("States.Base64Decode('SGVsbG8gV29ybGQ=')", json!({}), json!("Hello World")),
        (
            "States.Hash('input data', 'SHA-256')",
            json!({}),
            json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        ),
        ("States.JsonMerge($.a, $.b, false)", json!({"a": {"x": 1, "y": 1}, "b": {"y": 2}}), json!({"x": 1, "y": 2})),
        ("States.MathAdd($.a, $.b)", json!({"a": -1.5, "b": -1.51}), json!(-3)),
        ("States.MathAdd($.a, $.b)", json!({"a": -0.5, "b": 0.5}), json!(1)),
        (
            "States.StringSplit($.s, '.+,=')",
            json!({"s": "This.is+a,test=string"}),
            json!(["This", "is", "a", "test", "string"]),
        ),
        ("States.StringSplit(',,,,', ',')", json!({}), json!([])),
        ("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", json!({}), json!("my")),
    ];
    for (expr, input, expected) in cases {
        assert_eq!(run(expr, input).unwrap_or_else(|e| panic!("{expr}: {e:?}")), expected, "{expr}");
    }
}

#[test]
fn random_and_uuid_are_deterministic_and_in_range() {
    let a = run("States.MathRandom(0, 10)", json!({})).unwrap();
    assert_eq!(a, run("States.MathRandom(0, 10)", json!({})).unwrap());
    assert!((0..10).contains(&a.as_i64().unwrap()));
    let seeded = run("States.MathRandom(0, 999, 3)", json!({})).unwrap();
    assert!((0..999).contains(&seeded.as_i64().unwrap()));
    let uuid = run("States.UUID()", json!({})).unwrap();
    assert_eq!(uuid.as_str().unwrap().len(), 36);
    assert_eq!(&uuid.as_str().unwrap()[14..15], "4");
}

#[test]
fn bad_arguments_fail() {
    let cases = [
        ("States.Format('{} {}', 1)", json!({})),
        ("States.Format('{}', $.o)", json!({"o": {}})),
        ("States.ArrayPartition($.a, 0)", json!({"a": [1]})),
        ("States.ArrayGetItem($.a, 3)", json!({"a": [1]})),
        ("States.ArrayRange(1, 5, 0)", json!({})),
        ("States.JsonMerge($.a, $.a, true)", json!({"a": {}})),
        ("States.Hash('x', 'SHA-3')", json!({})),
        ("States.StringToJson('{')", json!({})),
    ];
    for (expr, input) in cases {
        assert!(matches!(run(expr, input), Err(IntrinsicError::Failure(_))), "{expr}");
    }
    assert!(matches!(run("States.ArrayLength($.missing)", json!({})), Err(IntrinsicError::Path(_))));
}

#[test]
fn integer_extremes_fail_or_stay_in_range_instead_of_overflowing() {
    let add = run("States.MathAdd($.a, $.b)", json!({"a": 1e30, "b": 1}));
    assert!(matches!(add, Err(IntrinsicError::Failure(_))), "{add:?}");
    let range = run("States.ArrayRange($.a, $.b, 5)", json!({"a": i64::MAX - 1, "b": i64::MAX})).unwrap();
    assert_eq!(range, json!([i64::MAX - 1]));
    let down = run("States.ArrayRange($.a, $.b, -5)", json!({"a": i64::MIN + 1, "b": i64::MIN})).unwrap();
    assert_eq!(down, json!([i64::MIN + 1]));
    let random = run("States.MathRandom($.a, $.b)", json!({"a": -1e30, "b": 1e30})).unwrap();
    assert!(random.as_i64().is_some(), "{random}");
}
