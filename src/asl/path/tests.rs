use serde_json::json;

use super::*;

#[test]
fn reads_follow_aws_semantics() {
    let doc = json!({
        "a": {"b": [1, 2, {"c": "x"}]},
        "items": [{"v": 1, "k": "p"}, {"v": 2, "k": "q"}, {"v": 3}],
        "odd key": 5
    });
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("$", doc.clone()),
        ("$.a.b[0]", json!(1)),
        ("$.a.b[-1].c", json!("x")),
        ("$['odd key']", json!(5)),
        ("$.items[*].v", json!([1, 2, 3])),
        ("$.items[0:2].v", json!([1, 2])),
        ("$.items[:1]", json!([{"v": 1, "k": "p"}])),
        ("$..c", json!(["x"])),
        ("$.items[?(@.v > 1)].v", json!([2, 3])),
        ("$.items[?(@.k == 'q')].v", json!([2])),
        ("$.items[?(@.k)].k", json!(["p", "q"])),
        ("$.items[0,2].v", json!([1, 3])),
        ("$.items.length()", json!(3)),
        ("$.missing[*]", json!([])),
    ];
    for (text, expected) in cases {
        let path = JsonPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(path.read(&doc).unwrap(), expected, "{text}");
    }
}

#[test]
fn missing_definite_path_reports_normalized_path() {
    let doc = json!({"a": {}});
    let err = JsonPath::parse("$.a.x[0]").unwrap().read(&doc).unwrap_err();
    assert_eq!(err.to_string(), "Invalid path '$.a.x[0]' : No results for path: $['a']['x'][0]");
}

#[test]
fn roots_and_reference_paths() {
    let cases = [
        ("$", PathRoot::Input, true),
        ("$$.Execution.Id", PathRoot::Context, false),
        ("$var.x", PathRoot::Variable("var".into()), false),
        ("$.a[0].b", PathRoot::Input, true),
        ("$.a[*]", PathRoot::Input, false),
    ];
    for (text, root, reference) in cases {
        let path = JsonPath::parse(text).unwrap();
        assert_eq!(path.root, root, "{text}");
        assert_eq!(path.is_reference(), reference, "{text}");
    }
}

#[test]
fn rejects_malformed_paths() {
    for text in ["", "a.b", "$.a[", "$.a[?(@.x > )]", "$.['x'"] {
        assert!(JsonPath::parse(text).is_err(), "{text}");
    }
}

#[test]
fn writes_create_missing_objects_and_refuse_non_objects() {
    let cases = [
        ("$", json!({"a": 1}), json!({"r": 1})),
        ("$.r", json!({"a": 1}), json!({"a": 1, "r": {"r": 1}})),
        ("$.x.y.z", json!({}), json!({"x": {"y": {"z": {"r": 1}}}})),
        ("$.a", json!({"a": {"old": true}}), json!({"a": {"r": 1}})),
    ];
    for (text, input, expected) in cases {
        let path = JsonPath::parse(text).unwrap();
        assert_eq!(write_reference(&path, input, json!({"r": 1})).unwrap(), expected, "{text}");
    }
    let path = JsonPath::parse("$.a.b").unwrap();
    assert!(write_reference(&path, json!("text"), json!(1)).is_err());
    assert!(write_reference(&path, json!({"a": "text"}), json!(1)).is_err());
}

#[test]
fn filters_nested_over_descendants_stop_at_the_step_budget() {
    let items: Vec<_> = (0..40).map(|i| json!({"v": i, "tags": ["a", "b"], "next": {"v": i}})).collect();
    let doc = json!({"items": items});
    let path = JsonPath::parse("$..[?(@>$..[?(@>$..[?(@>$..[?(@>$)])])])]").expect("parses");
    let started = std::time::Instant::now();
    let error = path.read(&doc).expect_err("more work than one read may do");
    assert!(matches!(error, PathError::TooComplex { .. }), "{error}");
    assert!(error.to_string().contains("visits more than 1000000 nodes"), "{error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "the budget ends the read");

    let simple = JsonPath::parse("$..v").expect("parses");
    assert_eq!(simple.read(&doc).expect("within budget").as_array().map(Vec::len), Some(80));
}
