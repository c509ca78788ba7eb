//! JSONata parsing, then evaluation under a small budget against a document with nested objects, arrays,
//! numbers and strings. Any input must end in a value or an error: no panic, no hang, no stack overflow.

#![no_main]

use std::sync::LazyLock;

use jsonata::Budget;
use jsonata::Environment;
use jsonata::Expression;
use libfuzzer_sys::fuzz_target;

/// The document every expression runs against, parsed once.
static INPUT: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::from_str(INPUT_TEXT).expect("the fuzz input is JSON"));

const INPUT_TEXT: &str = r#"{"Account": {"Name": "Firefly", "Order": [
  {"OrderID": "o1", "Product": [{"Name": "Hat", "Price": 34.45, "Quantity": 2, "Tags": ["a", "b"]}]},
  {"OrderID": "o2", "Product": [{"Name": "Cloak", "Price": 107.99, "Quantity": 1}, {"Name": "Boots", "Price": 1e3}]}]},
  "n": [3, 1, 2], "s": "Hello, World", "t": "2024-01-02T03:04:05.678Z", "e": {}, "z": null}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expression) = Expression::parse(text) else {
        return;
    };
    let input = &*INPUT;
    let mut environment = Environment::new(1_700_000_000_000);
    environment.budget(Budget { max_steps: 200_000, max_depth: 200 }).bind("v", &input["Account"]);
    let _ = expression.evaluate(Some(input), &environment);
});
