//! Reading values with a JSONPath: a definite path yields one value or a "no results" error, an indefinite
//! one yields the array of everything it selects.

use serde_json::Value;

use super::JsonPath;
use super::Segment;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq)]
pub enum PathError {
    /// A definite path selected nothing.
    NotFound { path: String, normalized: String },
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathError::NotFound { path, normalized } => {
                write!(f, "Invalid path '{path}' : No results for path: {normalized}")
            }
        }
    }
}

impl JsonPath {
    /// Reads from `root` (the document this path's root stands for).
    pub fn read(&self, root: &Value) -> Result<Value, PathError> {
        let mut found = select(root, &self.segments, root);
        if self.is_definite() {
            match found.len() {
                0 => Err(PathError::NotFound { path: self.text.clone(), normalized: self.normalized() }),
                _ => Ok(found.swap_remove(0)),
            }
        } else {
            Ok(Value::Array(found))
        }
    }
}

/// Applies `segments` to `base`, returning every selected node.
pub(super) fn select(base: &Value, segments: &[Segment], root: &Value) -> Vec<Value> {
    let mut current: Vec<Value> = vec![base.clone()];
    for segment in segments {
        let mut next = Vec::new();
        for node in &current {
            apply(segment, node, root, &mut next);
        }
        current = next;
    }
    current
}

fn apply(segment: &Segment, node: &Value, root: &Value, out: &mut Vec<Value>) {
    match segment {
        Segment::Child(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                out.push(v.clone());
            }
        }
        Segment::Children(names) => {
            if let Some(o) = node.as_object() {
                out.extend(names.iter().filter_map(|n| o.get(n)).cloned());
            }
        }
        Segment::Index(i) => {
            if let Some(v) = node.as_array().and_then(|a| index(a, *i)) {
                out.push(v.clone());
            }
        }
        Segment::Indexes(ix) => {
            if let Some(a) = node.as_array() {
                out.extend(ix.iter().filter_map(|i| index(a, *i)).cloned());
            }
        }
        Segment::Wildcard => match node {
            Value::Array(a) => out.extend(a.iter().cloned()),
            Value::Object(o) => out.extend(o.values().cloned()),
            _ => {}
        },
        Segment::Slice(start, end, step) => {
            if let Some(a) = node.as_array() {
                out.extend(slice(a, *start, *end, *step));
            }
        }
        Segment::Filter(expr) => match node {
            Value::Array(a) => out.extend(a.iter().filter(|v| expr.matches(v, root)).cloned()),
            Value::Object(o) => out.extend(o.values().filter(|v| expr.matches(v, root)).cloned()),
            _ => {}
        },
        Segment::Descendant(inner) => descend(inner, node, root, out),
        Segment::Length => match node {
            Value::Array(a) => out.push(Value::from(a.len())),
            Value::Object(o) => out.push(Value::from(o.len())),
            Value::String(s) => out.push(Value::from(s.chars().count())),
            _ => {}
        },
    }
}

fn descend(inner: &Segment, node: &Value, root: &Value, out: &mut Vec<Value>) {
    apply(inner, node, root, out);
    match node {
        Value::Array(a) => a.iter().for_each(|child| descend(inner, child, root, out)),
        Value::Object(o) => o.values().for_each(|child| descend(inner, child, root, out)),
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

fn slice(a: &[Value], start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Vec<Value> {
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
        out.push(a[i as usize].clone());
        i += step;
    }
    out
}
