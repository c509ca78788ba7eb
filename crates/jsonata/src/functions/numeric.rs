//! Numeric functions: `$number`, `$floor`, `$ceil`, `$round` (half to even), `$abs`, `$sqrt`, `$power`,
//! `$random`, `$formatBase`.

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::number::js_round;
use crate::number::to_js_string;
use crate::number::to_radix_string;
use crate::value::Value;

/// Whether `s` is a decimal number literal as `$number` accepts it.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    digits(int) && frac.is_none_or(digits) && exponent_ok
}

/// A `0x`, `0o` or `0b` literal's value.
fn radix_literal(s: &str) -> Option<f64> {
    let (radix, digits) = match s.get(..2)? {
        "0x" | "0X" => (16, &s[2..]),
        "0o" | "0O" => (8, &s[2..]),
        "0b" | "0B" => (2, &s[2..]),
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in digits.chars() {
        value = value * radix as f64 + c.to_digit(radix)? as f64;
    }
    Some(value)
}

pub(crate) fn number(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    let result = match &value {
        Value::Undefined => return Ok(Value::Undefined),
        Value::Number(n) => Some(*n),
        Value::String(s) if is_decimal(s) => s.parse::<f64>().ok().filter(|n| n.is_finite()),
        Value::String(s) => radix_literal(s),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    };
    result.map(Value::Number).ok_or_else(|| Error::new("D3030").value(value.to_json_text()).index(1))
}

fn unary(args: &[Value], f: impl Fn(f64) -> f64) -> Result<Value, Error> {
    Ok(match arg(args, 0) {
        Value::Number(n) => Value::Number(f(n)),
        _ => Value::Undefined,
    })
}

pub(crate) fn floor(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    unary(&args, f64::floor)
}

pub(crate) fn ceil(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    unary(&args, f64::ceil)
}

pub(crate) fn abs(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    unary(&args, f64::abs)
}

/// Shifts the decimal point of `v` by `places` through its decimal text, as JSONata does to avoid binary
/// rounding errors.
fn shift(v: f64, places: i64) -> f64 {
    let text = to_js_string(v);
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    format!("{mantissa}e{}", exponent + places).parse().unwrap_or(v)
}

/// `$round`: to `precision` decimal places, halves to even.
pub(crate) fn round_half_even(value: f64, precision: f64) -> f64 {
    let precision = precision as i64;
    let shifted = if precision != 0 { shift(value, precision) } else { value };
    let mut result = js_round(shifted);
    if (result - shifted).abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if precision != 0 {
        result = shift(result, -precision);
    }
    if result == 0.0 {
        0.0
    } else {
        result
    }
}

pub(crate) fn round(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(value) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let precision = arg(&args, 1).as_number().unwrap_or(0.0);
    Ok(Value::Number(round_half_even(value, precision)))
}

pub(crate) fn sqrt(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(value) = arg(&args, 0) else { return Ok(Value::Undefined) };
    if value < 0.0 {
        return Err(Error::new("D3060").value(to_js_string(value)).index(1));
    }
    Ok(Value::Number(value.sqrt()))
}

pub(crate) fn power(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(base) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let exponent = arg(&args, 1).as_number().unwrap_or(f64::NAN);
    let result = base.powf(exponent);
    if !result.is_finite() {
        return Err(Error::new("D3061").value(to_js_string(base)).value2(to_js_string(exponent)).index(1));
    }
    Ok(Value::Number(result))
}

pub(crate) fn random(ev: &mut Evaluator, _: &CallSite, _: Vec<Value>) -> Result<Value, Error> {
    Ok(Value::Number(ev.random()))
}

pub(crate) fn format_base(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(value) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let value = round_half_even(value, 0.0);
    let radix = match arg(&args, 1) {
        Value::Number(r) => round_half_even(r, 0.0),
        _ => 10.0,
    };
    if !(2.0..=36.0).contains(&radix) {
        return Err(Error::new("D3100").value(to_js_string(radix)));
    }
    Ok(Value::string(to_radix_string(value, radix as u32)))
}
