//! Writing a value at a Reference Path (`ResultPath`), creating missing objects on the way.

use serde_json::Map;
use serde_json::Value;

use super::JsonPath;
use super::Segment;

/// Returns `target` with `value` placed at `path`. Fails (with AWS's wording) when a step meets a non-object
/// where a field must be set, or an array index that does not exist.
pub fn write_reference(path: &JsonPath, target: Value, value: Value) -> Result<Value, String> {
    if path.segments.is_empty() {
        return Ok(value);
    }
    let mut root = target;
    put(&mut root, &path.segments, value, path)?;
    Ok(root)
}

fn put(node: &mut Value, segments: &[Segment], value: Value, path: &JsonPath) -> Result<(), String> {
    let (first, rest) = match segments.split_first() {
        Some(split) => split,
        None => {
            *node = value;
            return Ok(());
        }
    };
    match first {
        Segment::Child(name) => {
            let object = match node {
                Value::Object(o) => o,
                _ => return Err(mismatch(path, node)),
            };
            let slot = object.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
            put(slot, rest, value, path)
        }
        Segment::Index(i) => {
            let array = match node {
                Value::Array(a) => a,
                _ => return Err(mismatch(path, node)),
            };
            let len = array.len() as i64;
            let at = if *i < 0 { len + i } else { *i };
            if at < 0 || at >= len {
                return Err(mismatch(path, &Value::Array(array.clone())));
            }
            put(&mut array[at as usize], rest, value, path)
        }
        _ => Err(format!("Invalid path '{}': not a reference path", path.text)),
    }
}

fn mismatch(path: &JsonPath, node: &Value) -> String {
    format!("Unable to apply ResultPath \"{}\" to input {}", path.text, serde_json::to_string(node).unwrap_or_default())
}
