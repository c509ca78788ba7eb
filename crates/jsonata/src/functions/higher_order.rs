//! Higher-order functions: `$map`, `$filter`, `$single`, `$reduce`, `$sift`, `$each`, `$sort`. Callbacks get
//! as many of (value, position, collection) as they declare parameters.

use super::arg;
use super::callback_args;
use crate::error::Error;
use crate::evaluator::merge_sort;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Map;
use crate::value::Value;

pub(crate) fn map(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let array = arg(&args, 0);
    if array.is_undefined() {
        return Ok(Value::Undefined);
    }
    let function = arg(&args, 1);
    let mut result = Vec::new();
    for (i, item) in array.members().into_iter().enumerate() {
        let call = callback_args(&function, item, Value::Number(i as f64), &array);
        let value = ev.apply(&function, call, &Value::Null, site.env)?;
        if !value.is_undefined() {
            result.push(value);
        }
    }
    Ok(Value::sequence(result))
}

pub(crate) fn filter(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let array = arg(&args, 0);
    if array.is_undefined() {
        return Ok(Value::Undefined);
    }
    let function = arg(&args, 1);
    let mut result = Vec::new();
    for (i, item) in array.members().into_iter().enumerate() {
        let call = callback_args(&function, item.clone(), Value::Number(i as f64), &array);
        if ev.apply(&function, call, &Value::Null, site.env)?.truthy().unwrap_or(false) {
            result.push(item);
        }
    }
    Ok(Value::sequence(result))
}

pub(crate) fn single(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let array = arg(&args, 0);
    if array.is_undefined() {
        return Ok(Value::Undefined);
    }
    let function = arg(&args, 1);
    let mut found: Option<Value> = None;
    for (i, item) in array.members().into_iter().enumerate() {
        let matches = if function.is_undefined() {
            true
        } else {
            let call = callback_args(&function, item.clone(), Value::Number(i as f64), &array);
            ev.apply(&function, call, &Value::Null, site.env)?.truthy().unwrap_or(false)
        };
        if matches {
            if found.is_some() {
                return Err(Error::new("D3138").index(i));
            }
            found = Some(item);
        }
    }
    found.ok_or_else(|| Error::new("D3139"))
}

pub(crate) fn reduce(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let sequence = arg(&args, 0);
    if sequence.is_undefined() {
        return Ok(Value::Undefined);
    }
    let function = arg(&args, 1);
    let arity = match &function {
        Value::Function(f) => f.arity(),
        _ => 0,
    };
    if arity < 2 {
        return Err(Error::new("D3050").index(1));
    }
    let items = sequence.members();
    let init = arg(&args, 2);
    let (mut result, start) = if init.is_undefined() && !items.is_empty() { (items[0].clone(), 1) } else { (init, 0) };
    for (index, item) in items.iter().enumerate().skip(start) {
        let mut call = vec![result, item.clone()];
        if arity >= 3 {
            call.push(Value::Number(index as f64));
        }
        if arity >= 4 {
            call.push(sequence.clone());
        }
        result = ev.apply(&function, call, &Value::Null, site.env)?;
    }
    Ok(result)
}

pub(crate) fn sift(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let object = arg(&args, 0);
    let function = arg(&args, 1);
    let Value::Object(members) = &object else { return Ok(Value::Undefined) };
    let entries: Vec<_> = members.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut result = Map::new();
    for (key, value) in entries {
        let call = callback_args(&function, value.clone(), Value::String(key.clone()), &object);
        if ev.apply(&function, call, &Value::Null, site.env)?.truthy().unwrap_or(false) {
            result.insert(key, value);
        }
    }
    Ok(if result.is_empty() { Value::Undefined } else { Value::object(result) })
}

pub(crate) fn each(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let object = arg(&args, 0);
    let function = arg(&args, 1);
    let Value::Object(members) = &object else { return Ok(Value::sequence(Vec::new())) };
    let entries: Vec<_> = members.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut result = Vec::new();
    for (key, value) in entries {
        let call = callback_args(&function, value, Value::String(key), &object);
        let value = ev.apply(&function, call, &Value::Null, site.env)?;
        if !value.is_undefined() {
            result.push(value);
        }
    }
    Ok(Value::sequence(result))
}

/// JavaScript truthiness (how `$sort` reads its comparator's answer).
fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Undefined | Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

pub(crate) fn sort(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let array = arg(&args, 0);
    let Value::Array(a) = &array else { return Ok(array) };
    if a.items.len() <= 1 {
        return Ok(array);
    }
    let comparator = arg(&args, 1);
    let sorted = if comparator.is_undefined() {
        let all_numbers = a.items.iter().all(|v| matches!(v, Value::Number(n) if !n.is_nan()));
        let all_strings = a.items.iter().all(|v| matches!(v, Value::String(_)));
        if !all_numbers && !all_strings {
            return Err(Error::new("D3070").index(1));
        }
        merge_sort(a.items.clone(), &mut |x, y| {
            Ok(match (x, y) {
                (Value::Number(x), Value::Number(y)) => x > y,
                (Value::String(x), Value::String(y)) => {
                    crate::evaluator::utf16_cmp(x, y) == std::cmp::Ordering::Greater
                }
                _ => false,
            })
        })?
    } else {
        let env = site.env;
        merge_sort(a.items.clone(), &mut |x, y| {
            let swap = ev.apply(&comparator, vec![x.clone(), y.clone()], &Value::Null, env)?;
            Ok(js_truthy(&swap))
        })?
    };
    Ok(Value::plain_array(sorted))
}
