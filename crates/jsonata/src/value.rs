//! The values an expression computes with: JSON plus `undefined`, functions, and the sequences and tuple
//! streams JSONata builds while navigating paths. Owns the value model, truthiness and deep equality; never
//! evaluates anything.

use std::cell::Cell;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::function::Function;
use crate::json::stringify;

/// An object's members, in insertion order.
pub(crate) type Map = IndexMap<Rc<str>, Value>;

/// A value during evaluation.
#[derive(Clone, Debug, Default)]
pub(crate) enum Value {
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    Array(Rc<Array>),
    Object(Rc<Object>),
    Function(Rc<Function>),
    /// One tuple of a tuple stream: the context value (`@`) and the variables bound along the path.
    Tuple(Rc<Tuple>),
}

/// An array and how JSONata treats it.
#[derive(Debug)]
pub(crate) struct Array {
    pub(crate) items: Vec<Value>,
    flags: Cell<u8>,
}

/// An object's members. Objects are shared; only a transform's fresh copy is ever changed in place.
#[derive(Debug, Default)]
pub(crate) struct Object(RefCell<Map>);

impl std::ops::Deref for Object {
    type Target = RefCell<Map>;

    fn deref(&self) -> &RefCell<Map> {
        &self.0
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        let members = self.0.get_mut();
        if members.values().any(is_sole_container) {
            dismantle(std::mem::take(members).into_values().collect());
        }
    }
}

impl Drop for Array {
    fn drop(&mut self) {
        if self.items.iter().any(is_sole_container) {
            dismantle(std::mem::take(&mut self.items));
        }
    }
}

/// An array or object nothing else refers to: dropping it drops what it holds.
fn is_sole_container(value: &Value) -> bool {
    match value {
        Value::Array(a) => Rc::strong_count(a) == 1,
        Value::Object(o) => Rc::strong_count(o) == 1,
        _ => false,
    }
}

/// Drops nested values one level at a time, so a deeply nested result (built by a loop, not by recursion)
/// cannot overflow the stack when it goes away.
fn dismantle(mut pending: Vec<Value>) {
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(a) => {
                if let Ok(mut array) = Rc::try_unwrap(a) {
                    pending.append(&mut array.items);
                }
            }
            Value::Object(o) => {
                if let Ok(mut object) = Rc::try_unwrap(o) {
                    pending.extend(std::mem::take(object.0.get_mut()).into_values());
                }
            }
            _ => {}
        }
    }
}

/// Array flags.
pub(crate) mod flag {
    /// Built by navigation: flattened into enclosing sequences, unwrapped when it holds one value.
    pub(crate) const SEQUENCE: u8 = 1;
    /// A sequence kept as an array even with one member (`[]` in a path).
    pub(crate) const KEEP_SINGLETON: u8 = 2;
    /// Built by an array constructor inside a path: never flattened.
    pub(crate) const CONS: u8 = 4;
    /// The input document was an array, wrapped so it is treated as one value.
    pub(crate) const OUTER_WRAPPER: u8 = 8;
    /// A sequence of tuples.
    pub(crate) const TUPLE_STREAM: u8 = 16;
}

impl Array {
    pub(crate) fn has(&self, f: u8) -> bool {
        self.flags.get() & f != 0
    }

    pub(crate) fn set(&self, f: u8) {
        self.flags.set(self.flags.get() | f);
    }

    pub(crate) fn flags(&self) -> u8 {
        self.flags.get()
    }
}

/// A tuple: `@` and named bindings (focus variables, index variables, ancestor labels).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tuple {
    pub(crate) context: Value,
    pub(crate) bindings: Vec<(Arc<str>, Value)>,
}

impl Tuple {
    pub(crate) fn bind(&mut self, name: &Arc<str>, value: Value) {
        match self.bindings.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.bindings.push((name.clone(), value)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.bindings.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }

    /// Copies every binding of `other`, its context included, over this tuple's.
    pub(crate) fn merge(&mut self, other: &Tuple) {
        self.context = other.context.clone();
        for (name, value) in &other.bindings {
            self.bind(name, value.clone());
        }
    }
}

impl Value {
    pub(crate) fn array(items: Vec<Value>, flags: u8) -> Self {
        Value::Array(Rc::new(Array { items, flags: Cell::new(flags) }))
    }

    /// An empty or filled navigation sequence.
    pub(crate) fn sequence(items: Vec<Value>) -> Self {
        Self::array(items, flag::SEQUENCE)
    }

    /// An ordinary JSON array.
    pub(crate) fn plain_array(items: Vec<Value>) -> Self {
        Self::array(items, 0)
    }

    pub(crate) fn string(s: impl Into<Rc<str>>) -> Self {
        Value::String(s.into())
    }

    pub(crate) fn object(map: Map) -> Self {
        Value::Object(Rc::new(Object(RefCell::new(map))))
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub(crate) fn is_function(&self) -> bool {
        matches!(self, Value::Function(_))
    }

    pub(crate) fn as_array(&self) -> Option<&Rc<Array>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub(crate) fn is_sequence(&self) -> bool {
        matches!(self, Value::Array(a) if a.has(flag::SEQUENCE))
    }

    pub(crate) fn has_flag(&self, f: u8) -> bool {
        matches!(self, Value::Array(a) if a.has(f))
    }

    /// The members of an array, or the value itself as a one-element list (none for `undefined`).
    pub(crate) fn members(&self) -> Vec<Value> {
        match self {
            Value::Array(a) => a.items.clone(),
            Value::Undefined => Vec::new(),
            other => vec![other.clone()],
        }
    }

    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// JSON text of the value for messages (`undefined` when it has none).
    pub(crate) fn to_json_text(&self) -> String {
        stringify(self, false).unwrap_or_else(|| "undefined".to_string())
    }

    /// JSONata's effective boolean value; `None` for `undefined`.
    pub(crate) fn truthy(&self) -> Option<bool> {
        Some(match self {
            Value::Undefined => return None,
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => match a.items.len() {
                0 => false,
                1 => a.items[0].truthy().unwrap_or(false),
                _ => a.items.iter().any(|v| v.truthy().unwrap_or(false)),
            },
            Value::Object(o) => !o.borrow().is_empty(),
            Value::Tuple(_) => true,
            Value::Function(_) => false,
        })
    }

    /// JSONata's `=`: structural for arrays and objects, by identity for functions.
    pub(crate) fn deep_equal(&self, other: &Value) -> bool {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.deep_equal_inner(other))
    }

    fn deep_equal_inner(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => {
                a.items.len() == b.items.len() && a.items.iter().zip(&b.items).all(|(x, y)| x.deep_equal(y))
            }
            (Value::Object(a), Value::Object(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.deep_equal(w)))
            }
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// JavaScript's `===`: by value for scalars, by identity for everything else.
    pub(crate) fn strict_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            (Value::Tuple(a), Value::Tuple(b)) => Rc::ptr_eq(a, b),
            _ => self.deep_equal(other),
        }
    }

    /// The name `$type` reports.
    pub(crate) fn type_name(&self) -> Option<&'static str> {
        Some(match self {
            Value::Undefined => return None,
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Function(_) => "function",
            Value::Object(_) | Value::Tuple(_) => "object",
        })
    }
}
