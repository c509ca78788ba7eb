//! Location paths: each step maps over the previous step's results and the results are flattened into one
//! sequence; steps that bind variables (`@`, `#`) or feed a `%` run as tuple streams carrying those bindings.
//! Also field lookup, wildcards, descendants and predicate filters.

use std::rc::Rc;

use super::Evaluator;
use super::FrameId;
use crate::ast::Kind;
use crate::ast::Node;
use crate::ast::Stage;
use crate::error::Error;
use crate::value::flag;
use crate::value::Tuple;
use crate::value::Value;

/// `input.name`: the member of an object, or the members of every object in an array, flattened.
pub(crate) fn lookup(input: &Value, name: &str) -> Value {
    match input {
        Value::Array(a) => {
            let mut result = Vec::new();
            for item in &a.items {
                match lookup(item, name) {
                    Value::Undefined => {}
                    Value::Array(found) => result.extend(found.items.iter().cloned()),
                    found => result.push(found),
                }
            }
            Value::sequence(result)
        }
        Value::Object(o) => o.borrow().get(name).cloned().unwrap_or_default(),
        _ => Value::Undefined,
    }
}

/// Every nested value of an array, flattened.
fn flatten_into(value: &Value, out: &mut Vec<Value>) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Array(a) => a.items.iter().for_each(|v| flatten_into(v, out)),
        other => out.push(other.clone()),
    })
}

/// `*`: the values of every member of the context object.
pub(crate) fn wildcard(input: &Value) -> Value {
    let input = match input {
        Value::Array(a) if a.has(flag::OUTER_WRAPPER) && !a.items.is_empty() => &a.items[0],
        other => other,
    };
    let mut results = Vec::new();
    let mut still_sequence = true;
    let values: Vec<Value> = match input {
        Value::Object(o) => o.borrow().values().cloned().collect(),
        Value::Array(a) => a.items.clone(),
        _ => Vec::new(),
    };
    for value in values {
        if value.is_array() {
            flatten_into(&value, &mut results);
            still_sequence = false;
        } else {
            results.push(value);
        }
    }
    Value::array(results, if still_sequence { flag::SEQUENCE } else { 0 })
}

fn descend(input: &Value, out: &mut Vec<Value>) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match input {
        Value::Array(a) => a.items.iter().for_each(|v| descend(v, out)),
        Value::Object(o) => {
            out.push(input.clone());
            for v in o.borrow().values() {
                descend(v, out);
            }
        }
        other => out.push(other.clone()),
    })
}

/// `**`: the context value and every value nested in it.
pub(crate) fn descendants(input: &Value) -> Value {
    if input.is_undefined() {
        return Value::Undefined;
    }
    let mut results = Vec::new();
    descend(input, &mut results);
    if results.len() == 1 {
        results.pop().unwrap_or_default()
    } else {
        Value::sequence(results)
    }
}

fn tuple_of(value: &Value) -> Tuple {
    match value {
        Value::Tuple(t) => (**t).clone(),
        other => Tuple { context: other.clone(), bindings: Vec::new() },
    }
}

impl Evaluator {
    /// A frame binding a tuple's variables.
    pub(crate) fn frame_from_tuple(&mut self, env: FrameId, tuple: &Tuple) -> FrameId {
        let frame = self.frame(Some(env));
        for (name, value) in &tuple.bindings {
            self.bind(frame, name.clone(), value.clone());
        }
        frame
    }

    pub(crate) fn evaluate_path(&mut self, node: &Node, input: &Value, env: FrameId) -> Result<Value, Error> {
        let Kind::Path { steps, keep_singleton } = &node.kind else { return Ok(Value::Undefined) };
        let first_is_variable = steps.first().is_some_and(|s| matches!(s.kind, Kind::Variable(_)));
        let mut input_sequence = match input {
            Value::Array(_) if !first_is_variable => input.clone(),
            other => Value::sequence(vec![other.clone()]),
        };
        let mut result_sequence = Value::Undefined;
        let mut is_tuple_stream = false;
        let mut tuples: Option<Value> = None;
        for (index, step) in steps.iter().enumerate() {
            if step.tuple {
                is_tuple_stream = true;
            }
            if index == 0 && step.consarray {
                result_sequence = self.evaluate(step, &input_sequence, env)?;
            } else if is_tuple_stream {
                tuples = Some(self.evaluate_tuple_step(step, &input_sequence, tuples.take(), env)?);
            } else {
                result_sequence = self.evaluate_step(step, &input_sequence, env, index == steps.len() - 1)?;
            }
            if !is_tuple_stream {
                let empty = match &result_sequence {
                    Value::Undefined => true,
                    Value::Array(a) => a.items.is_empty(),
                    _ => false,
                };
                if empty {
                    break;
                }
            }
            if step.focus.is_none() {
                input_sequence = result_sequence.clone();
            }
        }
        let tuples = is_tuple_stream
            .then(|| tuples.unwrap_or_else(|| Value::array(Vec::new(), flag::SEQUENCE | flag::TUPLE_STREAM)));
        if let Some(tuples) = &tuples {
            if node.tuple {
                result_sequence = tuples.clone();
            } else {
                let contexts = tuples.members().iter().map(|t| tuple_of(t).context).collect();
                result_sequence = Value::sequence(contexts);
            }
        }
        if *keep_singleton {
            if let Value::Array(a) = &result_sequence {
                if a.has(flag::CONS) && !a.has(flag::SEQUENCE) {
                    result_sequence = Value::sequence(vec![result_sequence.clone()]);
                }
            }
            if let Value::Array(a) = &result_sequence {
                a.set(flag::KEEP_SINGLETON);
            }
        }
        if let Some(group) = &node.group {
            let grouped = tuples.unwrap_or(result_sequence);
            return self.evaluate_group(group, grouped, env);
        }
        Ok(result_sequence)
    }

    fn evaluate_step(&mut self, step: &Node, input: &Value, env: FrameId, last: bool) -> Result<Value, Error> {
        if matches!(step.kind, Kind::Sort { .. }) {
            let sorted = self.evaluate_sort(step, input.clone(), env)?;
            return self.evaluate_stages(&step.stages, sorted, env);
        }
        let mut results = Vec::new();
        for item in input.members() {
            let mut value = self.evaluate(step, &item, env)?;
            for stage in &step.stages {
                if let Stage::Filter(predicate) = stage {
                    value = self.evaluate_filter(predicate, value, env)?;
                }
            }
            if !value.is_undefined() {
                results.push(value);
            }
        }
        if last && results.len() == 1 {
            if let Value::Array(a) = &results[0] {
                if !a.has(flag::SEQUENCE) {
                    return Ok(results.pop().unwrap_or_default());
                }
            }
        }
        let mut flattened = Vec::with_capacity(results.len());
        for value in results {
            match value {
                Value::Array(a) if !a.has(flag::CONS) => flattened.extend(a.items.iter().cloned()),
                other => flattened.push(other),
            }
        }
        self.charge(flattened.len() as u64 / 4)?;
        Ok(Value::sequence(flattened))
    }

    fn evaluate_stages(&mut self, stages: &[Stage], input: Value, env: FrameId) -> Result<Value, Error> {
        let mut result = input;
        for stage in stages {
            result = match stage {
                Stage::Filter(predicate) => self.evaluate_filter(predicate, result, env)?,
                Stage::Index(name) => {
                    let flags = match &result {
                        Value::Array(a) => a.flags(),
                        _ => flag::SEQUENCE,
                    };
                    let indexed = result
                        .members()
                        .iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let mut tuple = tuple_of(t);
                            tuple.bind(name, Value::Number(i as f64));
                            Value::Tuple(Rc::new(tuple))
                        })
                        .collect();
                    Value::array(indexed, flags)
                }
            };
        }
        Ok(result)
    }

    fn evaluate_tuple_step(
        &mut self,
        step: &Node,
        input: &Value,
        tuples: Option<Value>,
        env: FrameId,
    ) -> Result<Value, Error> {
        if matches!(step.kind, Kind::Sort { .. }) {
            let result = match tuples {
                Some(tuples) => self.evaluate_sort(step, tuples, env)?,
                None => {
                    let sorted = self.evaluate_sort(step, input.clone(), env)?;
                    let items = sorted
                        .members()
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let mut tuple = Tuple { context: item, bindings: Vec::new() };
                            if let Some(index) = &step.index {
                                tuple.bind(index, Value::Number(i as f64));
                            }
                            Value::Tuple(Rc::new(tuple))
                        })
                        .collect();
                    Value::array(items, flag::SEQUENCE | flag::TUPLE_STREAM)
                }
            };
            return self.evaluate_stages(&step.stages, result, env);
        }
        let tuples = match tuples {
            Some(t) => t.members(),
            None => input.members().into_iter().map(|item| Value::Tuple(Rc::new(tuple_of_context(item)))).collect(),
        };
        let mut result = Vec::new();
        for tuple_value in &tuples {
            let tuple = tuple_of(tuple_value);
            let step_env = self.frame_from_tuple(env, &tuple);
            let value = self.evaluate(step, &tuple.context, step_env)?;
            if value.is_undefined() {
                continue;
            }
            let from_tuples = value.has_flag(flag::TUPLE_STREAM);
            let values = match &value {
                Value::Array(a) => a.items.clone(),
                other => vec![other.clone()],
            };
            for (position, item) in values.into_iter().enumerate() {
                let mut next = tuple.clone();
                if from_tuples {
                    next.merge(&tuple_of(&item));
                } else {
                    match &step.focus {
                        Some(focus) => {
                            next.bind(focus, item);
                            next.context = tuple.context.clone();
                        }
                        None => next.context = item,
                    }
                    if let Some(index) = &step.index {
                        next.bind(index, Value::Number(position as f64));
                    }
                    if let Some(ancestor) = &step.ancestor {
                        next.bind(&std::sync::Arc::from(ancestor.label()), tuple.context.clone());
                    }
                }
                result.push(Value::Tuple(Rc::new(next)));
            }
        }
        let result = Value::array(result, flag::SEQUENCE | flag::TUPLE_STREAM);
        self.evaluate_stages(&step.stages, result, env)
    }

    /// `input[predicate]`: the members the predicate selects, by position (numbers) or truth.
    pub(crate) fn evaluate_filter(&mut self, predicate: &Node, input: Value, env: FrameId) -> Result<Value, Error> {
        let tuple_stream = input.has_flag(flag::TUPLE_STREAM);
        let result_flags = if tuple_stream { flag::SEQUENCE | flag::TUPLE_STREAM } else { flag::SEQUENCE };
        let items = match &input {
            Value::Array(a) => a.items.clone(),
            other => vec![other.clone()],
        };
        let mut results = Vec::new();
        if let Kind::Number(n) = predicate.kind {
            let mut index = n.floor();
            if index < 0.0 {
                index += items.len() as f64;
            }
            if index >= 0.0 && (index as usize) < items.len() {
                match &items[index as usize] {
                    Value::Array(_) => return Ok(items[index as usize].clone()),
                    Value::Undefined => {}
                    item => results.push(item.clone()),
                }
            }
            return Ok(Value::array(results, result_flags));
        }
        let count = items.len() as f64;
        for (index, item) in items.iter().enumerate() {
            let (context, frame) = match item {
                Value::Tuple(t) if tuple_stream => {
                    let frame = self.frame_from_tuple(env, t);
                    (t.context.clone(), frame)
                }
                other => (other.clone(), env),
            };
            let value = self.evaluate(predicate, &context, frame)?;
            let numbers: Option<Vec<f64>> = match &value {
                Value::Number(n) => Some(vec![check_finite(*n)?]),
                Value::Array(a) => {
                    let mut all = Vec::with_capacity(a.items.len());
                    for v in &a.items {
                        match v {
                            Value::Number(n) if !n.is_nan() => all.push(check_finite(*n)?),
                            _ => {
                                all.clear();
                                break;
                            }
                        }
                    }
                    if all.len() == a.items.len() {
                        Some(all)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match numbers {
                Some(numbers) if !value.as_number().is_some_and(f64::is_nan) => {
                    for n in numbers {
                        let mut position = n.floor();
                        if position < 0.0 {
                            position += count;
                        }
                        if position == index as f64 {
                            results.push(item.clone());
                        }
                    }
                }
                _ => {
                    if value.truthy().unwrap_or(false) {
                        results.push(item.clone());
                    }
                }
            }
        }
        Ok(Value::array(results, result_flags))
    }
}

fn tuple_of_context(item: Value) -> Tuple {
    Tuple { context: item, bindings: Vec::new() }
}

/// JSONata's numeric check: infinite numbers are an error wherever a number is tested.
pub(crate) fn check_finite(n: f64) -> Result<f64, Error> {
    if n.is_infinite() {
        return Err(Error::new("D1001").value(crate::number::to_js_string(n)));
    }
    Ok(n)
}
