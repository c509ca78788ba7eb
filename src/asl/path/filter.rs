//! Filter expressions inside `[?( … )]`: comparisons between `@…` / `$…` paths and literals, joined by
//! `&&`, `||` and `!`.

use std::borrow::Cow;

use serde_json::Value;

use super::eval::select;
use super::eval::Budget;
use super::parser::parse_quoted;
use super::parser::parse_segments;
use super::parser::Cursor;
use super::Segment;

/// A boolean expression over the current node (`@`) and the root (`$`).
#[derive(Debug, Clone, PartialEq)]
pub enum FilterExpr {
    Or(Box<FilterExpr>, Box<FilterExpr>),
    And(Box<FilterExpr>, Box<FilterExpr>),
    Not(Box<FilterExpr>),
    Compare(Operand, CompareOp, Operand),
    /// A bare operand: true when the path selects something.
    Exists(Operand),
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Current(Vec<Segment>),
    Root(Vec<Segment>),
    Literal(Value),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

pub(super) fn parse_or(p: &mut Cursor<'_>) -> Result<FilterExpr, String> {
    let mut left = parse_and(p)?;
    loop {
        p.skip_ws();
        if p.rest_starts_with("||") {
            p.pos += 2;
            let right = parse_and(p)?;
            left = FilterExpr::Or(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn parse_and(p: &mut Cursor<'_>) -> Result<FilterExpr, String> {
    let mut left = parse_unary(p)?;
    loop {
        p.skip_ws();
        if p.rest_starts_with("&&") {
            p.pos += 2;
            let right = parse_unary(p)?;
            left = FilterExpr::And(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn parse_unary(p: &mut Cursor<'_>) -> Result<FilterExpr, String> {
    p.skip_ws();
    if p.peek() == Some('!') && p.peek_at(1) != Some('=') {
        p.pos += 1;
        return Ok(FilterExpr::Not(Box::new(parse_unary(p)?)));
    }
    if p.eat('(') {
        let inner = parse_or(p)?;
        p.skip_ws();
        if !p.eat(')') {
            return Err("Expected ')'".to_string());
        }
        return Ok(inner);
    }
    let left = parse_operand(p)?;
    p.skip_ws();
    let op = if p.rest_starts_with("==") {
        Some((CompareOp::Eq, 2))
    } else if p.rest_starts_with("!=") {
        Some((CompareOp::Ne, 2))
    } else if p.rest_starts_with("<=") {
        Some((CompareOp::Le, 2))
    } else if p.rest_starts_with(">=") {
        Some((CompareOp::Ge, 2))
    } else if p.rest_starts_with("<") {
        Some((CompareOp::Lt, 1))
    } else if p.rest_starts_with(">") {
        Some((CompareOp::Gt, 1))
    } else {
        None
    };
    match op {
        Some((op, len)) => {
            p.pos += len;
            let right = parse_operand(p)?;
            Ok(FilterExpr::Compare(left, op, right))
        }
        None => Ok(FilterExpr::Exists(left)),
    }
}

fn parse_operand(p: &mut Cursor<'_>) -> Result<Operand, String> {
    p.skip_ws();
    match p.peek() {
        Some('@') => {
            p.pos += 1;
            Ok(Operand::Current(parse_segments(p)?))
        }
        Some('$') => {
            p.pos += 1;
            Ok(Operand::Root(parse_segments(p)?))
        }
        Some('\'') | Some('"') => Ok(Operand::Literal(Value::String(parse_quoted(p)?))),
        _ => {
            let start = p.pos;
            while p.peek().is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '-' || c == '+') {
                p.pos += 1;
            }
            let text: String = p.chars[start..p.pos].iter().collect();
            serde_json::from_str::<Value>(&text)
                .map(Operand::Literal)
                .map_err(|_| format!("Invalid filter operand '{text}'"))
        }
    }
}

impl FilterExpr {
    /// Evaluates the expression for `current` within the document `root`.
    pub(super) fn matches(&self, current: &Value, root: &Value, budget: &Budget) -> bool {
        match self {
            FilterExpr::Or(a, b) => a.matches(current, root, budget) || b.matches(current, root, budget),
            FilterExpr::And(a, b) => a.matches(current, root, budget) && b.matches(current, root, budget),
            FilterExpr::Not(a) => !a.matches(current, root, budget),
            FilterExpr::Exists(operand) => resolve(operand, current, root, budget).is_some(),
            FilterExpr::Compare(left, op, right) => {
                match (resolve(left, current, root, budget), resolve(right, current, root, budget)) {
                    (Some(l), Some(r)) => compare(&l, *op, &r),
                    _ => false,
                }
            }
        }
    }
}

fn resolve<'v>(operand: &'v Operand, current: &'v Value, root: &'v Value, budget: &Budget) -> Option<Cow<'v, Value>> {
    let (base, segments) = match operand {
        Operand::Literal(v) => return Some(Cow::Borrowed(v)),
        Operand::Current(segments) => (current, segments),
        Operand::Root(segments) => (root, segments),
    };
    let mut found = select(base, segments, root, budget);
    if found.len() == 1 {
        found.pop()
    } else {
        None
    }
}

fn compare(left: &Value, op: CompareOp, right: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => {
            return match op {
                CompareOp::Eq => left == right,
                CompareOp::Ne => left != right,
                _ => false,
            }
        }
    };
    match (ordering, op) {
        (Some(o), CompareOp::Eq) => o == Ordering::Equal,
        (Some(o), CompareOp::Ne) => o != Ordering::Equal,
        (Some(o), CompareOp::Lt) => o == Ordering::Less,
        (Some(o), CompareOp::Le) => o != Ordering::Greater,
        (Some(o), CompareOp::Gt) => o == Ordering::Greater,
        (Some(o), CompareOp::Ge) => o != Ordering::Less,
        (None, _) => false,
    }
}
