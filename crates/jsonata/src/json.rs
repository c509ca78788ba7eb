//! Crossing between JSON and evaluation values, and JSON text as JavaScript's `JSON.stringify` writes it (what
//! `$string` and error messages show). Numbers cross as `f64` on purpose: JSONata computes in doubles, so a
//! document's arbitrary-precision numbers are read as the nearest double and written back in JavaScript's
//! shortest form. Never evaluates.

use std::rc::Rc;

use crate::error::Error;
use crate::number::round_to_precision;
use crate::number::to_js_string;
use crate::value::Map;
use crate::value::Value;

/// How deep a result may nest to be returned as JSON.
pub(crate) const MAX_RESULT_DEPTH: usize = 1_000;

/// A JSON document as an evaluation value.
pub(crate) fn from_json(json: &serde_json::Value) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(items) => Value::plain_array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(members) => {
            let mut map = Map::with_capacity(members.len());
            for (k, v) in members {
                map.insert(Rc::from(k.as_str()), from_json(v));
            }
            Value::object(map)
        }
    })
}

/// A double as a JSON number: integers without a fraction, others in shortest round-trip form; not finite
/// numbers become `null` as in `JSON.stringify`.
pub(crate) fn number_to_json(v: f64) -> serde_json::Value {
    if !v.is_finite() {
        return serde_json::Value::Null;
    }
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        return serde_json::Value::Number(serde_json::Number::from(v as i64));
    }
    serde_json::from_str(&to_js_string(v)).unwrap_or(serde_json::Value::Null)
}

/// An evaluation result as JSON; `None` for `undefined` (and for a function, which has no JSON form).
pub(crate) fn to_json(value: &Value) -> Result<Option<serde_json::Value>, Error> {
    to_json_at(value, 0)
}

fn to_json_at(value: &Value, depth: usize) -> Result<Option<serde_json::Value>, Error> {
    if depth > MAX_RESULT_DEPTH {
        return Err(Error::new("U1001").text(format!("The result nests deeper than {MAX_RESULT_DEPTH} levels")));
    }
    Ok(Some(match value {
        Value::Undefined | Value::Function(_) => return Ok(None),
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => number_to_json(*n),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Array(a) => {
            let mut items = Vec::with_capacity(a.items.len());
            for item in &a.items {
                items.push(to_json_at(item, depth + 1)?.unwrap_or(serde_json::Value::Null));
            }
            serde_json::Value::Array(items)
        }
        Value::Object(o) => {
            let mut members = serde_json::Map::new();
            for (k, v) in o.borrow().iter() {
                if let Some(v) = to_json_at(v, depth + 1)? {
                    members.insert(k.to_string(), v);
                }
            }
            serde_json::Value::Object(members)
        }
        Value::Tuple(t) => return to_json_at(&t.context, depth),
    }))
}

/// A string as a JSON string literal, escaped as `JSON.stringify` escapes it.
pub(crate) fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `JSON.stringify` with JSONata's replacer: non-integral numbers to 15 significant digits, functions as `""`.
/// `None` for `undefined`.
pub(crate) fn stringify(value: &Value, pretty: bool) -> Option<String> {
    let mut out = String::new();
    if write(value, pretty, 0, &mut out) {
        Some(out)
    } else {
        None
    }
}

fn newline(pretty: bool, level: usize, out: &mut String) {
    if pretty {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    }
}

/// Writes `value`; false when it has no JSON text (`undefined`).
fn write(value: &Value, pretty: bool, level: usize, out: &mut String) -> bool {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        match value {
            Value::Undefined => return false,
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                if n.is_finite() {
                    let n = if n.fract() != 0.0 { round_to_precision(*n, 15) } else { *n };
                    out.push_str(&to_js_string(n));
                } else {
                    out.push_str("null");
                }
            }
            Value::String(s) => quote(s, out),
            Value::Function(_) => out.push_str("\"\""),
            Value::Tuple(t) => return write(&t.context, pretty, level, out),
            Value::Array(a) => {
                out.push('[');
                for (i, item) in a.items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(pretty, level + 1, out);
                    if !write(item, pretty, level + 1, out) {
                        out.push_str("null");
                    }
                }
                if !a.items.is_empty() {
                    newline(pretty, level, out);
                }
                out.push(']');
            }
            Value::Object(o) => {
                out.push('{');
                let mut first = true;
                for (k, v) in o.borrow().iter() {
                    if v.is_undefined() {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    newline(pretty, level + 1, out);
                    quote(k, out);
                    out.push(':');
                    if pretty {
                        out.push(' ');
                    }
                    write(v, pretty, level + 1, out);
                }
                if !first {
                    newline(pretty, level, out);
                }
                out.push('}');
            }
        }
        true
    })
}
