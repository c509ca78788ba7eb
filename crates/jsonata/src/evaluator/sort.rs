//! Sorting: the stable merge sort `$sort` and the order-by operator (`^(...)`) share, and the order-by
//! comparison rules (strings or numbers of one type, `undefined` last).

use std::cmp::Ordering;

use super::Evaluator;
use super::FrameId;
use crate::ast::Kind;
use crate::ast::Node;
use crate::error::Error;
use crate::evaluator::operators::utf16_cmp;
use crate::value::flag;
use crate::value::Value;

/// Stable merge sort where `swap(a, b)` says whether `b` goes before `a`.
pub(crate) fn merge_sort<F>(items: Vec<Value>, swap: &mut F) -> Result<Vec<Value>, Error>
where
    F: FnMut(&Value, &Value) -> Result<bool, Error>,
{
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = merge_sort(left, swap)?;
    let right = merge_sort(right, swap)?;
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if swap(a, b)? {
                    merged.extend(r.next());
                } else {
                    merged.extend(l.next());
                }
            }
            (Some(_), None) => merged.extend(l.by_ref()),
            (None, Some(_)) => merged.extend(r.by_ref()),
            (None, None) => break,
        }
    }
    Ok(merged)
}

impl Evaluator {
    /// The order-by step: sorts the input (values or tuples) by its terms.
    pub(super) fn evaluate_sort(&mut self, node: &Node, input: Value, env: FrameId) -> Result<Value, Error> {
        let Kind::Sort { terms } = &node.kind else { return Ok(input) };
        let Value::Array(array) = &input else { return Ok(input) };
        if array.items.len() <= 1 {
            return Ok(input);
        }
        let tuples = array.has(flag::TUPLE_STREAM);
        let position = node.position;
        let mut swap = |a: &Value, b: &Value| -> Result<bool, Error> {
            let mut comparison = Ordering::Equal;
            for (descending, term) in terms {
                let aa = self.sort_key(term, a, tuples, env)?;
                let bb = self.sort_key(term, b, tuples, env)?;
                comparison = match (&aa, &bb) {
                    (Value::Undefined, Value::Undefined) => continue,
                    (Value::Undefined, _) => Ordering::Greater,
                    (_, Value::Undefined) => Ordering::Less,
                    (Value::Number(x), Value::Number(y)) => {
                        if x == y {
                            continue;
                        }
                        if x < y {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (Value::String(x), Value::String(y)) => {
                        let o = utf16_cmp(x, y);
                        if o == Ordering::Equal {
                            continue;
                        }
                        o
                    }
                    (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_)) => {
                        return Err(Error::new("T2007").at(position).value(aa.to_json_text()).value2(bb.to_json_text()))
                    }
                    _ => {
                        let bad = if matches!(aa, Value::Number(_) | Value::String(_)) { &bb } else { &aa };
                        return Err(Error::new("T2008").at(position).value(bad.to_json_text()));
                    }
                };
                let undefined_involved = aa.is_undefined() || bb.is_undefined();
                if *descending && !undefined_involved {
                    comparison = comparison.reverse();
                }
                break;
            }
            Ok(comparison == Ordering::Greater)
        };
        let sorted = merge_sort(array.items.clone(), &mut swap)?;
        let flags = if tuples { flag::SEQUENCE | flag::TUPLE_STREAM } else { 0 };
        Ok(Value::array(sorted, flags))
    }

    fn sort_key(&mut self, term: &Node, item: &Value, tuples: bool, env: FrameId) -> Result<Value, Error> {
        match item {
            Value::Tuple(t) if tuples => {
                let frame = self.frame_from_tuple(env, t);
                self.evaluate(term, &t.context, frame)
            }
            other => self.evaluate(term, other, env),
        }
    }
}
