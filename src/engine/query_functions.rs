//! The functions AWS adds to JSONata in state machines: `$partition`, `$range`, `$hash`, `$random`, `$uuid`
//! and `$parse`. `$random` and `$uuid` draw from a seed the caller derives from the step, never from a system
//! source.

use std::cell::Cell;
use std::rc::Rc;

use jsonata::Error;
use jsonata::HostFunction;
use serde_json::Value;
use sha2::Digest;

use crate::engine::intrinsics::digest_hex;

/// The code AWS's functions fail with when given arguments they cannot use.
const ARGUMENT_ERROR: &str = "D3137";

/// The next number of a xorshift stream over `state`, in [0, 1).
fn next(state: &Cell<u64>) -> f64 {
    let mut x = state.get() | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state.set(x);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn number(args: &[Option<Value>], i: usize) -> Option<f64> {
    args.get(i).and_then(|a| a.as_ref()).and_then(Value::as_f64)
}

/// AWS's function called `name`, if it is one; `seed` feeds `$random` and `$uuid`.
pub fn function(name: &str, seed: u64) -> Option<HostFunction> {
    let state = Rc::new(Cell::new(seed));
    let made = match name {
        "partition" => HostFunction::new("partition", "<an:a>", 2, |args| {
            let items = args.first().and_then(|a| a.as_ref()).and_then(Value::as_array).cloned().unwrap_or_default();
            let size = number(args, 1).unwrap_or(0.0);
            if size < 1.0 || size.fract() != 0.0 {
                return Err(Error::host(ARGUMENT_ERROR, "The chunk size of $partition must be a positive integer"));
            }
            let chunks = items.chunks(size as usize).map(|c| Value::Array(c.to_vec())).collect();
            Ok(Some(Value::Array(chunks)))
        }),
        "range" => HostFunction::new("range", "<nnn:a>", 3, |args| {
            let (first, last, step) = (number(args, 0), number(args, 1), number(args, 2));
            let (Some(first), Some(last), Some(step)) = (first, last, step) else { return Ok(None) };
            if step == 0.0 || (first > last && step > 0.0) || (first < last && step < 0.0) {
                return Ok(Some(Value::Array(Vec::new())));
            }
            let count = ((last - first) / step).floor() + 1.0;
            if count > 1e6 {
                return Err(Error::host(ARGUMENT_ERROR, "$range would build more than 1000000 values"));
            }
            let values: Vec<Value> = (0..count as u64).map(|i| json_number(first + i as f64 * step)).collect();
            Ok(Some(match values.len() {
                1 => values.into_iter().next().unwrap_or(Value::Null),
                _ => Value::Array(values),
            }))
        }),
        "hash" => HostFunction::new("hash", "<ss:s>", 2, |args| {
            let text = |i: usize| args.get(i).and_then(|a| a.as_ref()).and_then(Value::as_str).map(String::from);
            let (Some(data), Some(algorithm)) = (text(0), text(1)) else { return Ok(None) };
            digest_hex(&algorithm, data.as_bytes())
                .map(|hex| Some(Value::String(hex)))
                .map_err(|message| Error::host(ARGUMENT_ERROR, message))
        }),
        "random" => HostFunction::new("random", "<n?:n>", 1, move |args| {
            Ok(Some(json_number(match number(args, 0) {
                Some(seeded) => next(&Cell::new(seed_of(&seeded.to_string()))),
                None => next(&state),
            })))
        }),
        "uuid" => HostFunction::new("uuid", "<:s>", 0, move |_| {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&((next(&state) * (1u64 << 53) as f64) as u64).to_be_bytes());
            bytes[8..].copy_from_slice(&((next(&state) * (1u64 << 53) as f64) as u64).to_be_bytes());
            Ok(Some(Value::String(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())))
        }),
        "parse" => HostFunction::new("parse", "<s:j>", 1, |args| {
            let Some(text) = args.first().and_then(|a| a.as_ref()).and_then(Value::as_str) else { return Ok(None) };
            serde_json::from_str::<Value>(text)
                .map(|v| Some(normalize(v)))
                .map_err(|e| Error::host(ARGUMENT_ERROR, format!("$parse could not parse the string as JSON: {e}")))
        }),
        _ => return None,
    };
    made.ok()
}

/// A 64-bit seed derived from `material`.
pub fn seed_of(material: &str) -> u64 {
    let digest = sha2::Sha256::digest(material.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// A double as a JSON number, integral values without a fraction.
fn json_number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// Parsed JSON with its numbers as JSONata sees them (doubles: `-0` is `0`).
fn normalize(value: Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map(json_number).unwrap_or(Value::Number(n)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(members) => Value::Object(members.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}
