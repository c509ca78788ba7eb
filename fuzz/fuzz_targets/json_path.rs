//! JSONPath and Reference Path parsing, then reads and `ResultPath` writes against a fixed document.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use serde_json::Value;
use statehouse::asl::path::write_reference;
use statehouse::asl::path::JsonPath;

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "a": 1,
        "b": "text",
        "c": [1, 2.5, "x", null, true, {"d": [3, 4]}],
        "e": {"f": {"g": [{"h": 1}, {"h": 2, "i": "j"}]}, "k": false},
        "store": {"book": [{"price": 8.95, "title": "A"}, {"price": 12.99, "title": "B", "isbn": "0-553"}]},
        "": {"": 0}
    })
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(path) = JsonPath::parse(text) else {
        return;
    };
    let _ = path.normalized();
    let _ = path.read(&DOCUMENT);
    if path.is_reference() {
        let _ = write_reference(&path, DOCUMENT.clone(), json!({"written": [1, 2]}));
        let _ = write_reference(&path, Value::Null, json!(7));
    }
});
