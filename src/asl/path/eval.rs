//! Reading values with a JSONPath: a definite path yields one value or a "no results" error, an indefinite
//! one yields the array of everything it selects. A read may visit at most [`MAX_STEPS`] nodes, so that
//! filters nested in filters over `..` cannot keep an execution busy for ever.

use std::borrow::Cow;
use std::cell::Cell;

use serde_json::Value;

use super::JsonPath;
use super::Segment;

/// The most nodes one read may visit.
pub const MAX_STEPS: u64 = 1_000_000;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq)]
pub enum PathError {
    /// A definite path selected nothing.
    NotFound { path: String, normalized: String },
    /// Evaluating the path visited more than [`MAX_STEPS`] nodes.
    TooComplex { path: String },
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathError::NotFound { path, normalized } => {
                write!(f, "Invalid path '{path}' : No results for path: {normalized}")
            }
            PathError::TooComplex { path } => {
                write!(f, "Invalid path '{path}' : evaluating it visits more than {MAX_STEPS} nodes")
            }
        }
    }
}

impl JsonPath {
    /// Reads from `root` (the document this path's root stands for).
    pub fn read(&self, root: &Value) -> Result<Value, PathError> {
        let budget = Budget(Cell::new(MAX_STEPS));
        let mut found = select(root, &self.segments, root, &budget);
        if budget.exhausted() {
            return Err(PathError::TooComplex { path: self.text.clone() });
        }
        if self.is_definite() {
            match found.len() {
                0 => Err(PathError::NotFound { path: self.text.clone(), normalized: self.normalized() }),
                _ => Ok(found.swap_remove(0).into_owned()),
            }
        } else {
            Ok(Value::Array(found.into_iter().map(Cow::into_owned).collect()))
        }
    }
}

/// The nodes a read may still visit; once spent, every step selects nothing.
pub(super) struct Budget(Cell<u64>);

impl Budget {
    /// Takes one step; false when none is left.
    fn spend(&self) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        left > 0
    }

    fn exhausted(&self) -> bool {
        self.0.get() == 0
    }
}

/// Applies `segments` to `base`, returning every selected node (borrowed from the document, except the
/// numbers `length()` makes).
pub(super) fn select<'v>(
    base: &'v Value,
    segments: &[Segment],
    root: &'v Value,
    budget: &Budget,
) -> Vec<Cow<'v, Value>> {
    let mut current = vec![Cow::Borrowed(base)];
    for segment in segments {
        let mut next = Vec::new();
        for node in &current {
            match node {
                Cow::Borrowed(node) => apply(segment, node, root, &mut next, budget),
                Cow::Owned(made) => {
                    let mut found = Vec::new();
                    apply(segment, made, root, &mut found, budget);
                    next.extend(found.into_iter().map(|value| Cow::Owned(value.into_owned())));
                }
            }
        }
        current = next;
    }
    current
}

fn apply<'v>(segment: &Segment, node: &'v Value, root: &'v Value, out: &mut Vec<Cow<'v, Value>>, budget: &Budget) {
    if !budget.spend() {
        return;
    }
    match segment {
        Segment::Child(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                out.push(Cow::Borrowed(v));
            }
        }
        Segment::Children(names) => {
            if let Some(o) = node.as_object() {
                out.extend(names.iter().filter_map(|n| o.get(n)).map(Cow::Borrowed));
            }
        }
        Segment::Index(i) => {
            if let Some(v) = node.as_array().and_then(|a| index(a, *i)) {
                out.push(Cow::Borrowed(v));
            }
        }
        Segment::Indexes(ix) => {
            if let Some(a) = node.as_array() {
                out.extend(ix.iter().filter_map(|i| index(a, *i)).map(Cow::Borrowed));
            }
        }
        Segment::Wildcard => match node {
            Value::Array(a) => out.extend(a.iter().map(Cow::Borrowed)),
            Value::Object(o) => out.extend(o.values().map(Cow::Borrowed)),
            _ => {}
        },
        Segment::Slice(start, end, step) => {
            if let Some(a) = node.as_array() {
                out.extend(slice(a, *start, *end, *step).into_iter().map(Cow::Borrowed));
            }
        }
        Segment::Filter(expr) => match node {
            Value::Array(a) => out.extend(a.iter().filter(|v| expr.matches(v, root, budget)).map(Cow::Borrowed)),
            Value::Object(o) => out.extend(o.values().filter(|v| expr.matches(v, root, budget)).map(Cow::Borrowed)),
            _ => {}
        },
        Segment::Descendant(inner) => descend(inner, node, root, out, budget),
        Segment::Length => match node {
            Value::Array(a) => out.push(Cow::Owned(Value::from(a.len()))),
            Value::Object(o) => out.push(Cow::Owned(Value::from(o.len()))),
            Value::String(s) => out.push(Cow::Owned(Value::from(s.chars().count()))),
            _ => {}
        },
    }
}

fn descend<'v>(inner: &Segment, node: &'v Value, root: &'v Value, out: &mut Vec<Cow<'v, Value>>, budget: &Budget) {
    apply(inner, node, root, out, budget);
    if budget.exhausted() {
        return;
    }
    match node {
        Value::Array(a) => a.iter().for_each(|child| descend(inner, child, root, out, budget)),
        Value::Object(o) => o.values().for_each(|child| descend(inner, child, root, out, budget)),
        _ => {}
    }
}

fn index(a: &[Value], i: i64) -> Option<&Value> {
    let len = a.len() as i64;
    let at = if i < 0 { len + i } else { i };
    if at < 0 {
        None
    } else {
        a.get(at as usize)
    }
}

fn slice(a: &[Value], start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Vec<&Value> {
    let len = a.len() as i64;
    let step = step.unwrap_or(1);
    if step <= 0 {
        return Vec::new();
    }
    let clamp = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
    let from = clamp(start.unwrap_or(0));
    let to = clamp(end.unwrap_or(len));
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        out.push(&a[i as usize]);
        i += step;
    }
    out
}
