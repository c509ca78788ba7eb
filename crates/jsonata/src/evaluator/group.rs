//! Object construction and grouping (`{k: v}` and `path{k: v}`): the input is partitioned by each key
//! expression and each group's value expression is evaluated over the members of its group.

use std::rc::Rc;

use indexmap::IndexMap;

use super::operators::append;
use super::Evaluator;
use super::FrameId;
use crate::ast::Group;
use crate::error::Error;
use crate::value::flag;
use crate::value::Map;
use crate::value::Tuple;
use crate::value::Value;

/// Folds a group of tuples into one: every binding becomes the sequence of its values.
fn reduce_tuples(data: &Value) -> Tuple {
    let tuples = match data {
        Value::Tuple(t) => return (**t).clone(),
        Value::Array(a) => &a.items,
        _ => return Tuple::default(),
    };
    let as_tuple = |v: &Value| match v {
        Value::Tuple(t) => (**t).clone(),
        other => Tuple { context: other.clone(), bindings: Vec::new() },
    };
    let mut result = tuples.first().map(as_tuple).unwrap_or_default();
    for value in tuples.iter().skip(1) {
        let tuple = as_tuple(value);
        result.context = append(std::mem::take(&mut result.context), tuple.context.clone());
        for (name, v) in &tuple.bindings {
            let current = result.get(name).cloned().unwrap_or_default();
            result.bind(name, append(current, v.clone()));
        }
    }
    result
}

impl Evaluator {
    pub(crate) fn evaluate_group(&mut self, group: &Group, input: Value, env: FrameId) -> Result<Value, Error> {
        let reduce = input.has_flag(flag::TUPLE_STREAM);
        let mut items = match &input {
            Value::Array(a) => a.items.clone(),
            other => vec![other.clone()],
        };
        if items.is_empty() && !reduce {
            items.push(Value::Undefined);
        }
        let mut groups: IndexMap<Rc<str>, (Value, usize)> = IndexMap::new();
        for item in &items {
            let (context, frame) = match item {
                Value::Tuple(t) if reduce => {
                    let frame = self.frame_from_tuple(env, t);
                    (t.context.clone(), frame)
                }
                other => (other.clone(), env),
            };
            for (pair_index, (key_node, _)) in group.pairs.iter().enumerate() {
                let key = match self.evaluate(key_node, &context, frame)? {
                    Value::String(s) => s,
                    Value::Undefined => continue,
                    other => return Err(Error::new("T1003").at(group.position).value(other.to_json_text())),
                };
                match groups.get_mut(&key) {
                    Some((data, index)) => {
                        if *index != pair_index {
                            return Err(Error::new("D1009").at(group.position).value(format!("\"{key}\"")));
                        }
                        *data = append(std::mem::take(data), item.clone());
                    }
                    None => {
                        groups.insert(key, (item.clone(), pair_index));
                    }
                }
            }
        }
        let mut result = Map::with_capacity(groups.len());
        for (key, (data, index)) in groups {
            let (context, frame) = if reduce {
                let tuple = reduce_tuples(&data);
                let context = tuple.context.clone();
                let frame = self.frame_from_tuple(env, &tuple);
                (context, frame)
            } else {
                (data, env)
            };
            let value = self.evaluate(&group.pairs[index].1, &context, frame)?;
            if !value.is_undefined() {
                result.insert(key, value);
            }
        }
        Ok(Value::object(result))
    }
}
