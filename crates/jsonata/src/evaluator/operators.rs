//! Operators: arithmetic, comparison, equality, boolean, string concatenation, range, inclusion, negation and
//! the array constructor, with JSONata's typing rules (`undefined` operands, `T20xx` errors).

use super::path::check_finite;
use super::Evaluator;
use super::FrameId;
use crate::ast::BinaryOp;
use crate::ast::Kind;
use crate::ast::Node;
use crate::error::Error;
use crate::functions::strings::to_string;
use crate::value::flag;
use crate::value::Value;

/// The largest sequence a range may build.
const MAX_RANGE: f64 = 1e7;

/// `fn.append`: joins two values into one array; an undefined side leaves the other unchanged.
pub(crate) fn append(a: Value, b: Value) -> Value {
    if a.is_undefined() {
        return b;
    }
    if b.is_undefined() {
        return a;
    }
    let mut items = a.members();
    match b {
        Value::Array(array) => items.extend(array.items.iter().cloned()),
        other => items.push(other),
    }
    Value::plain_array(items)
}

/// A number operand: `Ok(None)` when undefined, an error when not a number.
fn numeric(value: &Value, code: &'static str, op: BinaryOp) -> Result<Option<f64>, Error> {
    match value {
        Value::Undefined => Ok(None),
        Value::Number(n) if !n.is_nan() => Ok(Some(check_finite(*n)?)),
        other => Err(Error::new(code).token(op.token()).value(other.to_json_text())),
    }
}

impl Evaluator {
    pub(super) fn evaluate_binary(
        &mut self,
        op: BinaryOp,
        lhs: &Node,
        rhs: &Node,
        position: usize,
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        let left = self.evaluate(lhs, input, env)?;
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let l = left.truthy().unwrap_or(false);
            let result = match op {
                BinaryOp::And if !l => false,
                BinaryOp::Or if l => true,
                _ => self.evaluate(rhs, input, env).map_err(|e| e.or_at(position))?.truthy().unwrap_or(false),
            };
            return Ok(Value::Bool(result));
        }
        let right = self.evaluate(rhs, input, env)?;
        self.operate(op, left, right).map_err(|e| e.or_at(position).or_token(op.token()))
    }

    fn operate(&mut self, op: BinaryOp, left: Value, right: Value) -> Result<Value, Error> {
        Ok(match op {
            BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => {
                let l = numeric(&left, "T2001", op)?;
                let r = numeric(&right, "T2002", op)?;
                let (Some(l), Some(r)) = (l, r) else { return Ok(Value::Undefined) };
                Value::Number(match op {
                    BinaryOp::Add => l + r,
                    BinaryOp::Subtract => l - r,
                    BinaryOp::Multiply => l * r,
                    BinaryOp::Divide => l / r,
                    _ => l % r,
                })
            }
            BinaryOp::Equal | BinaryOp::NotEqual => {
                if left.is_undefined() || right.is_undefined() {
                    return Ok(Value::Bool(false));
                }
                let equal = left.deep_equal(&right);
                Value::Bool(if op == BinaryOp::Equal { equal } else { !equal })
            }
            BinaryOp::Less | BinaryOp::LessEqual | BinaryOp::Greater | BinaryOp::GreaterEqual => {
                let comparable = |v: &Value| matches!(v, Value::Undefined | Value::String(_) | Value::Number(_));
                if !comparable(&left) || !comparable(&right) {
                    let bad = if !matches!(left, Value::String(_) | Value::Number(_)) { &left } else { &right };
                    return Err(Error::new("T2010").token(op.token()).value(bad.to_json_text()));
                }
                match (&left, &right) {
                    (Value::Undefined, _) | (_, Value::Undefined) => Value::Undefined,
                    (Value::Number(l), Value::Number(r)) => Value::Bool(compare(op, l.partial_cmp(r))),
                    (Value::String(l), Value::String(r)) => Value::Bool(compare(op, Some(utf16_cmp(l, r)))),
                    _ => {
                        return Err(Error::new("T2009")
                            .token(op.token())
                            .value(left.to_json_text())
                            .value2(right.to_json_text()))
                    }
                }
            }
            BinaryOp::Concat => {
                let mut text = String::new();
                for side in [&left, &right] {
                    if !side.is_undefined() {
                        text.push_str(&to_string(side, false)?);
                    }
                }
                self.charge(text.len() as u64 / 16)?;
                Value::string(text)
            }
            BinaryOp::Range => {
                let integer = |v: &Value, code: &'static str| match v {
                    Value::Undefined => Ok(None),
                    Value::Number(n) if n.fract() == 0.0 && n.is_finite() => Ok(Some(*n)),
                    other => Err(Error::new(code).token("..").value(other.to_json_text())),
                };
                let l = integer(&left, "T2003")?;
                let r = integer(&right, "T2004")?;
                let (Some(l), Some(r)) = (l, r) else { return Ok(Value::Undefined) };
                if l > r {
                    return Ok(Value::Undefined);
                }
                let size = r - l + 1.0;
                if size > MAX_RANGE {
                    return Err(Error::new("D2014").value(crate::number::to_js_string(size)));
                }
                self.charge(size as u64)?;
                Value::sequence((0..size as u64).map(|i| Value::Number(l + i as f64)).collect())
            }
            BinaryOp::In => {
                if left.is_undefined() || right.is_undefined() {
                    return Ok(Value::Bool(false));
                }
                let found = match &right {
                    Value::Array(a) => a.items.iter().any(|v| v.strict_equal(&left)),
                    other => other.strict_equal(&left),
                };
                Value::Bool(found)
            }
            BinaryOp::And | BinaryOp::Or => unreachable!("boolean operators short-circuit before operate"),
        })
    }

    pub(super) fn evaluate_negate(
        &mut self,
        expression: &Node,
        position: usize,
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        match self.evaluate(expression, input, env)? {
            Value::Undefined => Ok(Value::Undefined),
            Value::Number(n) if !n.is_nan() => Ok(Value::Number(-check_finite(n)?)),
            other => Err(Error::new("D1002").at(position).token("-").value(other.to_json_text())),
        }
    }

    pub(super) fn evaluate_array(
        &mut self,
        node: &Node,
        items: &[Node],
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        let mut result: Vec<Value> = Vec::new();
        for item in items {
            let value = self.evaluate(item, input, env)?;
            if value.is_undefined() {
                continue;
            }
            if matches!(item.kind, Kind::Array(_)) {
                result.push(value);
            } else {
                match value {
                    Value::Array(a) => result.extend(a.items.iter().cloned()),
                    other => result.push(other),
                }
            }
        }
        self.charge(result.len() as u64 / 4)?;
        Ok(Value::array(result, if node.consarray { flag::CONS } else { 0 }))
    }
}

fn compare(op: BinaryOp, ordering: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, ordering) {
        (_, None) => false,
        (BinaryOp::Less, Some(o)) => o == Less,
        (BinaryOp::LessEqual, Some(o)) => o != Greater,
        (BinaryOp::Greater, Some(o)) => o == Greater,
        (BinaryOp::GreaterEqual, Some(o)) => o != Less,
        _ => false,
    }
}

/// Compares strings as JavaScript does: by UTF-16 code units.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}
