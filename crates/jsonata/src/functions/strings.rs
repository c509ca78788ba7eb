//! String functions: `$string`, `$substring`, `$substringBefore`, `$substringAfter`, `$lowercase`,
//! `$uppercase`, `$length`, `$trim`, `$pad`, `$join`. Lengths and offsets count characters (code points).

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::json::stringify;
use crate::value::flag;
use crate::value::Value;

/// `$string(value, pretty)`: strings unchanged, functions empty, anything else as JSON text.
pub(crate) fn to_string(value: &Value, pretty: bool) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.to_string()),
        Value::Function(_) => Ok(String::new()),
        Value::Number(n) if !n.is_finite() => Err(Error::new("D3001").value(crate::number::to_js_string(*n))),
        Value::Array(a) if a.has(flag::OUTER_WRAPPER) => {
            to_string(&a.items.first().cloned().unwrap_or_default(), pretty)
        }
        other => {
            check_numbers(other)?;
            Ok(stringify(other, pretty).unwrap_or_default())
        }
    }
}

/// Fails with `D1001` if a structure holds a number JSON cannot represent.
fn check_numbers(value: &Value) -> Result<(), Error> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Number(n) if !n.is_finite() => Err(Error::new("D1001").value(crate::number::to_js_string(*n))),
        Value::Array(a) => a.items.iter().try_for_each(check_numbers),
        Value::Object(o) => o.borrow().values().try_for_each(check_numbers),
        _ => Ok(()),
    })
}

/// JavaScript's `Array.prototype.slice` bounds over `len` items.
pub(crate) fn slice_bounds(len: usize, start: f64, end: Option<f64>) -> (usize, usize) {
    let len_f = len as f64;
    let clamp = |v: f64| {
        let v = if v.is_nan() { 0.0 } else { v.trunc() };
        if v < 0.0 {
            (len_f + v).max(0.0)
        } else {
            v.min(len_f)
        }
    };
    let from = clamp(start) as usize;
    let to = end.map(clamp).unwrap_or(len_f) as usize;
    (from, to.max(from))
}

pub(crate) fn string(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    if value.is_undefined() {
        return Ok(Value::Undefined);
    }
    let pretty = matches!(arg(&args, 1), Value::Bool(true));
    Ok(Value::string(to_string(&value, pretty)?))
}

pub(crate) fn substring(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(s) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as f64;
    let mut start = arg(&args, 1).as_number().unwrap_or(0.0);
    if len + start < 0.0 {
        start = 0.0;
    }
    let end = match arg(&args, 2) {
        Value::Number(length) => {
            if length <= 0.0 {
                return Ok(Value::string(""));
            }
            Some(if start >= 0.0 { start + length } else { len + start + length })
        }
        _ => None,
    };
    let (from, to) = slice_bounds(chars.len(), start, end);
    Ok(Value::string(chars[from..to].iter().collect::<String>()))
}

pub(crate) fn substring_before(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(s) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let chars = arg(&args, 1);
    let chars = chars.as_str().unwrap_or_default();
    Ok(match s.find(chars) {
        Some(i) => Value::string(&s[..i]),
        None => Value::String(s),
    })
}

pub(crate) fn substring_after(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(s) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let chars = arg(&args, 1);
    let chars = chars.as_str().unwrap_or_default();
    Ok(match s.find(chars) {
        Some(i) => Value::string(&s[i + chars.len()..]),
        None => Value::String(s),
    })
}

pub(crate) fn lowercase(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(match arg(&args, 0) {
        Value::String(s) => Value::string(s.to_lowercase()),
        _ => Value::Undefined,
    })
}

pub(crate) fn uppercase(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(match arg(&args, 0) {
        Value::String(s) => Value::string(s.to_uppercase()),
        _ => Value::Undefined,
    })
}

pub(crate) fn length(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(match arg(&args, 0) {
        Value::String(s) => Value::Number(s.chars().count() as f64),
        _ => Value::Undefined,
    })
}

pub(crate) fn trim(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(s) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let mut normalized = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_space {
                normalized.push(' ');
            }
            in_space = true;
        } else {
            normalized.push(c);
            in_space = false;
        }
    }
    let trimmed = normalized.strip_prefix(' ').unwrap_or(&normalized);
    let trimmed = trimmed.strip_suffix(' ').unwrap_or(trimmed);
    Ok(Value::string(trimmed))
}

pub(crate) fn pad(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(s) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let width = arg(&args, 1).as_number().unwrap_or(0.0).trunc();
    let fill = match arg(&args, 2) {
        Value::String(c) if !c.is_empty() => c.to_string(),
        _ => " ".to_string(),
    };
    let missing = width.abs() - s.chars().count() as f64;
    if missing <= 0.0 || missing.is_nan() {
        return Ok(Value::String(s));
    }
    ev.charge(missing as u64 / 16)?;
    let padding: String = fill.chars().cycle().take(missing as usize).collect();
    Ok(Value::string(if width > 0.0 { format!("{s}{padding}") } else { format!("{padding}{s}") }))
}

pub(crate) fn join(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let strings = arg(&args, 0);
    if strings.is_undefined() {
        return Ok(Value::Undefined);
    }
    let separator = arg(&args, 1);
    let separator = separator.as_str().unwrap_or_default();
    let parts: Vec<String> = strings.members().iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect();
    let joined = parts.join(separator);
    ev.charge(joined.len() as u64 / 64)?;
    Ok(Value::string(joined))
}
