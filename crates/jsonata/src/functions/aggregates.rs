//! Aggregation functions over arrays of numbers: `$sum`, `$count`, `$max`, `$min`, `$average`.

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Value;

/// The numbers of an argument the signature has already checked.
fn numbers(value: &Value) -> Vec<f64> {
    value.members().iter().filter_map(Value::as_number).collect()
}

pub(crate) fn sum(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let values = arg(&args, 0);
    if values.is_undefined() {
        return Ok(Value::Undefined);
    }
    Ok(Value::Number(numbers(&values).iter().sum()))
}

pub(crate) fn count(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(Value::Number(arg(&args, 0).members().len() as f64))
}

pub(crate) fn max(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let values = numbers(&arg(&args, 0));
    Ok(values.into_iter().reduce(f64::max).map(Value::Number).unwrap_or_default())
}

pub(crate) fn min(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let values = numbers(&arg(&args, 0));
    Ok(values.into_iter().reduce(f64::min).map(Value::Number).unwrap_or_default())
}

pub(crate) fn average(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let values = numbers(&arg(&args, 0));
    if values.is_empty() {
        return Ok(Value::Undefined);
    }
    Ok(Value::Number(values.iter().sum::<f64>() / values.len() as f64))
}
