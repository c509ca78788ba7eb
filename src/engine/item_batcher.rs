//! `ItemBatcher` of a Distributed Map: its items go to iterations in batches, each iteration's input being
//! `{"BatchInput": <BatchInput>, "Items": [...]}`. A batch holds at most `MaxItemsPerBatch` items and at most
//! `MaxInputBytesPerBatch` bytes of input (and never more than the 256 KiB payload limit), and at least one item.

use serde_json::Map;
use serde_json::Value;

use crate::engine::dataflow;
use crate::engine::env::Env;
use crate::engine::error::StateError;
use crate::engine::execution::Active;
use crate::engine::json::to_text;
use crate::engine::json::PAYLOAD_LIMIT_BYTES;
use crate::engine::query;
use crate::engine::query::States;
use crate::engine::thread::site;

/// Where the batcher's fields are evaluated: a JSONPath state's effective input, or a JSONata state's
/// `$states`.
pub enum Context<'a> {
    JsonPath { effective: &'a Value },
    JsonAta { states: States<'a> },
}

/// The iteration inputs of `items` batched by `batcher` (the `ItemBatcher` object), with the items in each.
pub fn batch(
    batcher: &Value,
    items: Vec<Value>,
    context: Context<'_>,
    active: &Active,
    env: &Env<'_>,
) -> Result<(Vec<Value>, Vec<u64>), StateError> {
    let at = site(active);
    let field =
        |name: &str| -> Result<Option<u64>, StateError> {
            let literal = batcher.get(name);
            let path = batcher.get(format!("{name}Path").as_str()).and_then(Value::as_str);
            let value = match (&context, literal, path) {
                (_, Some(Value::Number(n)), _) => return Ok(n.as_u64()),
                (Context::JsonPath { effective }, _, Some(path)) => {
                    dataflow::read_text(path, effective, env).map_err(|e| at.runtime(e))?
                }
                (Context::JsonAta { states }, Some(value), _) => query::template(name, value, *states, env, at)?,
                _ => return Ok(None),
            };
            match value.as_u64() {
                Some(n) => Ok(Some(n)),
                None => Err(at
                    .runtime(format!("The {name} field must be a non-negative integer, but was: {}", to_text(&value)))),
            }
        };
    let max_items = field("MaxItemsPerBatch")?.filter(|n| *n > 0).unwrap_or(u64::MAX);
    let max_bytes =
        field("MaxInputBytesPerBatch")?.filter(|n| *n > 0).unwrap_or(u64::MAX).min(PAYLOAD_LIMIT_BYTES as u64);
    let batch_input = match (batcher.get("BatchInput"), &context) {
        (None, _) => None,
        (Some(template), Context::JsonPath { effective }) => Some(dataflow::template(template, effective, env, at)?),
        (Some(template), Context::JsonAta { states }) => {
            Some(query::template("BatchInput", template, *states, env, at)?)
        }
    };
    let envelope = |items: Vec<Value>| -> Value {
        let mut object = Map::new();
        if let Some(input) = &batch_input {
            object.insert("BatchInput".to_string(), input.clone());
        }
        object.insert("Items".to_string(), Value::Array(items));
        Value::Object(object)
    };
    // Bytes of an envelope with no items, and what each item adds (its text and a separating comma).
    let empty = to_text(&envelope(Vec::new())).len() as u64;
    let mut inputs = Vec::new();
    let mut sizes = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut bytes = empty;
    for item in items {
        let size = to_text(&item).len() as u64;
        if !current.is_empty() && (current.len() as u64 >= max_items || bytes + 1 + size > max_bytes) {
            sizes.push(current.len() as u64);
            inputs.push(envelope(std::mem::take(&mut current)));
            bytes = empty;
        }
        bytes += size + u64::from(!current.is_empty());
        current.push(item);
    }
    if !current.is_empty() {
        sizes.push(current.len() as u64);
        inputs.push(envelope(current));
    }
    Ok((inputs, sizes))
}
