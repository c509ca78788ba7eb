//! The 18 intrinsic functions.

use base64::Engine as _;
use serde_json::Map;
use serde_json::Value;
use sha2::Digest;

use crate::engine::env::Env;
use crate::engine::json::to_text;

const MAX_STRING: usize = 10_000;

/// Applies the function `name` to evaluated arguments.
pub fn apply(name: &str, args: &[Value], env: &Env<'_>) -> Result<Value, String> {
    match name {
        "States.Format" => format(args),
        "States.StringToJson" => {
            let text = string(&args[0], name)?;
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(text).map_err(|_| format!("Invalid JSON string in {name}: {text}"))
        }
        "States.JsonToString" => Ok(Value::String(to_text(&args[0]))),
        "States.Array" => Ok(Value::Array(args.to_vec())),
        "States.ArrayPartition" => {
            let items = array(&args[0], name)?;
            let size = integer(&args[1], name)?;
            if size <= 0 {
                return Err(format!("Chunk size must be greater than 0 in {name}"));
            }
            Ok(Value::Array(items.chunks(size as usize).map(|c| Value::Array(c.to_vec())).collect()))
        }
        "States.ArrayContains" => {
            let items = array(&args[0], name)?;
            Ok(Value::Bool(items.iter().any(|item| json_eq(item, &args[1]))))
        }
        "States.ArrayRange" => range(args),
        "States.ArrayGetItem" => {
            let items = array(&args[0], name)?;
            let index = integer(&args[1], name)?;
            usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| format!("Index {index} out of bounds for array of length {} in {name}", items.len()))
        }
        "States.ArrayLength" => Ok(Value::from(array(&args[0], name)?.len())),
        "States.ArrayUnique" => {
            let mut unique: Vec<Value> = Vec::new();
            for item in array(&args[0], name)? {
                if !unique.iter().any(|u| json_eq(u, item)) {
                    unique.push(item.clone());
                }
            }
            Ok(Value::Array(unique))
        }
        "States.Base64Encode" => {
            let text = bounded_string(&args[0], name)?;
            Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(text.as_bytes())))
        }
        "States.Base64Decode" => {
            let text = bounded_string(&args[0], name)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|_| format!("Invalid base64 input in {name}"))?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| format!("Decoded value is not UTF-8 in {name}"))
        }
        "States.Hash" => hash(args),
        "States.JsonMerge" => {
            let (Value::Object(left), Value::Object(right)) = (&args[0], &args[1]) else {
                return Err(format!("{name} arguments must be JSON objects"));
            };
            if args[2] != Value::Bool(false) {
                return Err(format!("{name} supports only shallow merge: the third argument must be false"));
            }
            let mut merged: Map<String, Value> = left.clone();
            for (k, v) in right {
                merged.insert(k.clone(), v.clone());
            }
            Ok(Value::Object(merged))
        }
        "States.MathRandom" => random(args, env),
        "States.MathAdd" => {
            let a = round_half_up(number(&args[0], name)?);
            let b = round_half_up(number(&args[1], name)?);
            a.checked_add(b).map(Value::from).ok_or_else(|| format!("The result of {name} is out of range"))
        }
        "States.StringSplit" => {
            let text = string(&args[0], name)?;
            let delimiters = string(&args[1], name)?;
            let parts = text
                .split(|c: char| delimiters.contains(c))
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_string()))
                .collect();
            Ok(Value::Array(parts))
        }
        "States.UUID" => {
            let bytes: [u8; 16] = digest(&format!("uuid:{}", env.entropy))[..16].try_into().unwrap_or([0; 16]);
            Ok(Value::String(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()))
        }
        other => Err(format!("Unknown intrinsic function {other}")),
    }
}

fn string<'v>(value: &'v Value, name: &str) -> Result<&'v str, String> {
    value.as_str().ok_or_else(|| format!("{name} expects a string argument but got {}", to_text(value)))
}

fn bounded_string<'v>(value: &'v Value, name: &str) -> Result<&'v str, String> {
    let text = string(value, name)?;
    if text.chars().count() > MAX_STRING {
        return Err(format!("The input string to {name} exceeds the maximum of {MAX_STRING} characters"));
    }
    Ok(text)
}

fn array<'v>(value: &'v Value, name: &str) -> Result<&'v Vec<Value>, String> {
    value.as_array().ok_or_else(|| format!("{name} expects an array argument but got {}", to_text(value)))
}

fn number(value: &Value, name: &str) -> Result<f64, String> {
    value.as_f64().ok_or_else(|| format!("{name} expects a number argument but got {}", to_text(value)))
}

fn integer(value: &Value, name: &str) -> Result<i64, String> {
    match value.as_i64() {
        Some(n) => Ok(n),
        None => match value.as_f64() {
            Some(f) if f.fract() == 0.0 => Ok(f as i64),
            _ => Err(format!("{name} expects an integer argument but got {}", to_text(value))),
        },
    }
}

/// Java's `Math.round`: halves round towards positive infinity.
fn round_half_up(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

/// Equality of JSON values where numbers compare by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn format(args: &[Value]) -> Result<Value, String> {
    let template = string(&args[0], "States.Format")?;
    let placeholders = template.matches("{}").count();
    if placeholders != args.len() - 1 {
        return Err(format!(
            "Number of arguments in States.Format does not match the number of placeholders: expected {placeholders} \
             but got {}",
            args.len() - 1
        ));
    }
    let mut out = String::new();
    let mut rest = template;
    for arg in &args[1..] {
        let at = rest.find("{}").unwrap_or(rest.len());
        out.push_str(&rest[..at]);
        match arg {
            Value::String(s) => out.push_str(s),
            Value::Number(_) | Value::Bool(_) | Value::Null => out.push_str(&to_text(arg)),
            _ => return Err("States.Format arguments must be strings, numbers, booleans or null".to_string()),
        }
        rest = &rest[(at + 2).min(rest.len())..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn range(args: &[Value]) -> Result<Value, String> {
    let name = "States.ArrayRange";
    let (start, end, step) = (integer(&args[0], name)?, integer(&args[1], name)?, integer(&args[2], name)?);
    if step == 0 {
        return Err(format!("The step of {name} cannot be 0"));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i <= end) || (step < 0 && i >= end) {
        out.push(Value::from(i));
        if out.len() > 1000 {
            return Err(format!("{name} cannot produce more than 1000 items"));
        }
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    Ok(Value::Array(out))
}

fn hash(args: &[Value]) -> Result<Value, String> {
    let name = "States.Hash";
    let data = match &args[0] {
        Value::String(s) => s.clone(),
        Value::Null => return Err(format!("The input data to {name} cannot be null")),
        other => to_text(other),
    };
    if data.chars().count() > MAX_STRING {
        return Err(format!("The input data to {name} exceeds the maximum of {MAX_STRING} characters"));
    }
    let algorithm = string(&args[1], name)?;
    digest_hex(algorithm, data.as_bytes()).map(Value::String)
}

/// The lowercase hex digest of `bytes` with one of the algorithms `States.Hash` and `$hash` support.
pub fn digest_hex(algorithm: &str, bytes: &[u8]) -> Result<String, String> {
    Ok(match algorithm {
        "MD5" => hex::encode(md5::Md5::digest(bytes)),
        "SHA-1" => hex::encode(sha1::Sha1::digest(bytes)),
        "SHA-256" => hex::encode(sha2::Sha256::digest(bytes)),
        "SHA-384" => hex::encode(sha2::Sha384::digest(bytes)),
        "SHA-512" => hex::encode(sha2::Sha512::digest(bytes)),
        other => {
            return Err(format!(
                "The hashing algorithm {other} is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, \
                 SHA-512"
            ))
        }
    })
}

fn digest(material: &str) -> Vec<u8> {
    sha2::Sha256::digest(material.as_bytes()).to_vec()
}

fn random(args: &[Value], env: &Env<'_>) -> Result<Value, String> {
    let name = "States.MathRandom";
    let start = round_half_up(number(&args[0], name)?);
    let end = round_half_up(number(&args[1], name)?);
    if end <= start {
        return Err(format!("The start value of {name} must be smaller than the end value"));
    }
    let seed_material = match args.get(2) {
        Some(seed) => format!("seed:{}", integer(seed, name)?),
        None => format!("random:{}", env.entropy),
    };
    let bytes = digest(&seed_material);
    let draw = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
    let span = (i128::from(end) - i128::from(start)) as u128;
    Ok(Value::from((i128::from(start) + (u128::from(draw) % span) as i128) as i64))
}
