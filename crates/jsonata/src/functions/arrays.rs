//! Array functions: `$append`, `$reverse`, `$zip`, `$shuffle`, `$distinct`.

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Value;

pub(crate) fn append(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let joined = crate::evaluator::append(arg(&args, 0), arg(&args, 1));
    ev.charge(joined.as_array().map_or(0, |a| a.items.len() as u64 / 4))?;
    Ok(joined)
}

pub(crate) fn reverse(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    match &value {
        Value::Array(a) if a.items.len() > 1 => Ok(Value::plain_array(a.items.iter().rev().cloned().collect())),
        _ => Ok(value),
    }
}

pub(crate) fn zip(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let length = args
        .iter()
        .map(|a| match a {
            Value::Array(items) => items.items.len(),
            _ => 0,
        })
        .min()
        .unwrap_or(0);
    let tuples = (0..length)
        .map(|i| {
            Value::plain_array(
                args.iter().map(|a| a.as_array().map(|x| x.items[i].clone()).unwrap_or_default()).collect(),
            )
        })
        .collect();
    Ok(Value::plain_array(tuples))
}

pub(crate) fn shuffle(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    let Value::Array(a) = &value else { return Ok(value) };
    if a.items.len() <= 1 {
        return Ok(value);
    }
    let mut result: Vec<Value> = Vec::with_capacity(a.items.len());
    for (i, item) in a.items.iter().enumerate() {
        let j = (ev.random() * (i + 1) as f64).floor() as usize;
        if j == i {
            result.push(item.clone());
        } else {
            let displaced = std::mem::replace(&mut result[j], item.clone());
            result.push(displaced);
        }
    }
    Ok(Value::plain_array(result))
}

pub(crate) fn distinct(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let value = arg(&args, 0);
    let Value::Array(a) = &value else { return Ok(value) };
    if a.items.len() <= 1 {
        return Ok(value);
    }
    let mut results: Vec<Value> = Vec::new();
    for item in &a.items {
        ev.charge(results.len() as u64 / 16)?;
        if !results.iter().any(|r| r.deep_equal(item)) {
            results.push(item.clone());
        }
    }
    Ok(if value.is_sequence() { Value::sequence(results) } else { Value::plain_array(results) })
}
