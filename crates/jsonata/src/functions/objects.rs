//! Object and value functions: `$keys`, `$lookup`, `$spread`, `$merge`, `$exists`, `$type`, `$boolean`,
//! `$not`, `$error`, `$assert`, `$clone`, `$eval`.

use std::rc::Rc;

use indexmap::IndexSet;

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::number::round_to_precision;
use crate::value::flag;
use crate::value::Map;
use crate::value::Value;

pub(crate) fn boolean(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(arg(&args, 0).truthy().map(Value::Bool).unwrap_or_default())
}

pub(crate) fn not(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(arg(&args, 0).truthy().map(|b| Value::Bool(!b)).unwrap_or_default())
}

fn collect_keys(value: &Value, keys: &mut IndexSet<Rc<str>>) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Array(a) => a.items.iter().for_each(|v| collect_keys(v, keys)),
        Value::Object(o) => keys.extend(o.borrow().keys().cloned()),
        _ => {}
    })
}

pub(crate) fn keys(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let mut keys = IndexSet::new();
    collect_keys(&arg(&args, 0), &mut keys);
    Ok(Value::sequence(keys.into_iter().map(Value::String).collect()))
}

pub(crate) fn lookup(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let key = arg(&args, 1);
    Ok(crate::evaluator::lookup(&arg(&args, 0), key.as_str().unwrap_or_default()))
}

pub(crate) fn exists(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(Value::Bool(!arg(&args, 0).is_undefined()))
}

fn spread_into(value: &Value, out: &mut Vec<Value>) -> bool {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Array(a) => {
            for item in &a.items {
                if !spread_into(item, out) {
                    out.push(item.clone());
                }
            }
            true
        }
        Value::Object(o) => {
            for (k, v) in o.borrow().iter() {
                let mut single = Map::new();
                single.insert(k.clone(), v.clone());
                out.push(Value::object(single));
            }
            true
        }
        _ => false,
    })
}

pub(crate) fn spread(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    let mut out = Vec::new();
    if spread_into(&value, &mut out) {
        Ok(Value::sequence(out))
    } else {
        Ok(value)
    }
}

pub(crate) fn merge(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let objects = arg(&args, 0);
    if objects.is_undefined() {
        return Ok(Value::Undefined);
    }
    let mut result = Map::new();
    for object in objects.members() {
        if let Value::Object(o) = object {
            for (k, v) in o.borrow().iter() {
                result.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::object(result))
}

pub(crate) fn error(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let message = match arg(&args, 0) {
        Value::String(s) if !s.is_empty() => s.to_string(),
        _ => "$error() function evaluated".to_string(),
    };
    Err(Error::new("D3137").text(message))
}

pub(crate) fn assert(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    if matches!(arg(&args, 0), Value::Bool(true)) {
        return Ok(Value::Undefined);
    }
    let message = match arg(&args, 1) {
        Value::String(s) if !s.is_empty() => s.to_string(),
        _ => "$assert() statement failed".to_string(),
    };
    Err(Error::new("D3141").text(message))
}

pub(crate) fn type_of(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(arg(&args, 0).type_name().map(Value::string).unwrap_or_default())
}

/// A deep copy as JSON would make it (what `$clone` and transforms copy): non-integral numbers to 15
/// significant digits, functions as empty strings, `undefined` members dropped.
pub(crate) fn deep_copy(value: &Value) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Number(n) if n.fract() != 0.0 => Value::Number(round_to_precision(*n, 15)),
        Value::Number(n) if !n.is_finite() => Value::Null,
        Value::Function(_) => Value::string(""),
        Value::Array(a) if a.has(flag::OUTER_WRAPPER) => deep_copy(&a.items.first().cloned().unwrap_or_default()),
        Value::Array(a) => Value::plain_array(
            a.items.iter().map(|v| if v.is_undefined() { Value::Null } else { deep_copy(v) }).collect(),
        ),
        Value::Object(o) => {
            let mut copy = Map::with_capacity(o.borrow().len());
            for (k, v) in o.borrow().iter() {
                if !v.is_undefined() {
                    copy.insert(k.clone(), deep_copy(v));
                }
            }
            Value::object(copy)
        }
        Value::Tuple(t) => deep_copy(&t.context),
        other => other.clone(),
    })
}

pub(crate) fn clone(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(deep_copy(&arg(&args, 0)))
}

pub(crate) fn eval(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let input = match arg(&args, 1) {
        Value::Undefined => site.input.clone(),
        Value::Array(a) if !a.has(flag::SEQUENCE) => {
            Value::array(vec![Value::Array(a)], flag::SEQUENCE | flag::OUTER_WRAPPER)
        }
        other => other,
    };
    let root = crate::parse_tree(&text).map_err(|e| Error::new("D3120").value(e.message()))?;
    ev.evaluate(&root, &input, site.env).map_err(|e| Error::new("D3121").value(e.message()))
}
