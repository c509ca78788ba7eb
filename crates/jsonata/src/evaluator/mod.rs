//! The evaluator: walks the tree against an input value with variable frames, under a step and depth budget.
//! It owns evaluation order and scoping; the node kinds with more to them live in the submodules (paths,
//! operators, grouping, sorting, function application). It reads no clock and no entropy: `$now()` and
//! `$random()` come from what the caller passed in.

mod apply;
mod group;
mod operators;
mod path;
mod sort;

use std::rc::Rc;
use std::sync::Arc;

use crate::ast::Kind;
use crate::ast::Node;
use crate::error::Error;
use crate::function::Function;
use crate::function::Lambda;
use crate::functions;
use crate::value::flag;
use crate::value::Value;
use crate::Budget;

pub(crate) use operators::append;
pub(crate) use operators::utf16_cmp;
pub(crate) use path::lookup;
pub(crate) use sort::merge_sort;

/// Index of a variable frame in the evaluation's arena.
pub(crate) type FrameId = usize;

/// A variable scope.
struct Frame {
    parent: Option<FrameId>,
    vars: Vec<(Arc<str>, Value)>,
}

/// The state of one evaluation.
pub(crate) struct Evaluator {
    frames: Vec<Frame>,
    budget: Budget,
    steps: u64,
    depth: usize,
    /// The evaluation's timestamp, in milliseconds since the epoch.
    pub(crate) now_ms: i64,
    rng: u64,
}

impl Evaluator {
    pub(crate) fn new(budget: Budget, now_ms: i64, seed: u64) -> Self {
        Self { frames: Vec::new(), budget, steps: 0, depth: 0, now_ms, rng: seed ^ 0x9E37_79B9_7F4A_7C15 }
    }

    /// A new scope inside `parent` (or a root scope).
    pub(crate) fn frame(&mut self, parent: Option<FrameId>) -> FrameId {
        self.frames.push(Frame { parent, vars: Vec::new() });
        self.frames.len() - 1
    }

    pub(crate) fn bind(&mut self, frame: FrameId, name: Arc<str>, value: Value) {
        let vars = &mut self.frames[frame].vars;
        match vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((name, value)),
        }
    }

    /// The value of `$name` seen from `frame`: the innermost binding, else the library function of that name.
    pub(crate) fn lookup(&self, frame: FrameId, name: &str) -> Value {
        let mut current = Some(frame);
        while let Some(id) = current {
            let f = &self.frames[id];
            if let Some((_, v)) = f.vars.iter().rev().find(|(n, _)| &**n == name) {
                return v.clone();
            }
            current = f.parent;
        }
        functions::lookup(name).map(|b| Value::Function(Rc::new(Function::Builtin(b)))).unwrap_or_default()
    }

    /// Charges `units` of work against the step budget.
    pub(crate) fn charge(&mut self, units: u64) -> Result<(), Error> {
        self.steps = self.steps.saturating_add(units);
        if self.steps > self.budget.max_steps {
            return Err(Error::new("U1001").text(format!(
                "Expression evaluation exceeded its budget of {} steps: check for an infinite loop",
                self.budget.max_steps
            )));
        }
        Ok(())
    }

    /// The next pseudo-random number in [0, 1), from the seed the caller supplied.
    pub(crate) fn random(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Evaluates `node` against `input` in `env`.
    pub(crate) fn evaluate(&mut self, node: &Node, input: &Value, env: FrameId) -> Result<Value, Error> {
        self.depth += 1;
        if self.depth > self.budget.max_depth {
            self.depth -= 1;
            return Err(Error::new("U1001").at(node.position));
        }
        let result = self
            .charge(1)
            .and_then(|()| stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || self.evaluate_node(node, input, env)));
        self.depth -= 1;
        let result = result?;
        Ok(match &result {
            Value::Array(a) if a.has(flag::SEQUENCE) && !a.has(flag::TUPLE_STREAM) => {
                if node.keep_array {
                    a.set(flag::KEEP_SINGLETON);
                }
                match a.items.len() {
                    0 => Value::Undefined,
                    1 if !a.has(flag::KEEP_SINGLETON) => a.items[0].clone(),
                    _ => result,
                }
            }
            _ => result,
        })
    }

    fn evaluate_node(&mut self, node: &Node, input: &Value, env: FrameId) -> Result<Value, Error> {
        let mut result = match &node.kind {
            Kind::Path { .. } => self.evaluate_path(node, input, env)?,
            Kind::Binary { op, lhs, rhs } => self.evaluate_binary(*op, lhs, rhs, node.position, input, env)?,
            Kind::Negate(expression) => self.evaluate_negate(expression, node.position, input, env)?,
            Kind::Array(items) => self.evaluate_array(node, items, input, env)?,
            Kind::Object(group) => self.evaluate_group(group, input.clone(), env)?,
            Kind::Name(name) => path::lookup(input, name),
            Kind::String(s) => Value::string(&**s),
            Kind::Number(n) => Value::Number(*n),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Null => Value::Null,
            Kind::Wildcard => path::wildcard(input),
            Kind::Descendant => path::descendants(input),
            Kind::Parent(slot) => self.lookup(env, slot.label()),
            Kind::Condition { condition, then, otherwise } => {
                let test = self.evaluate(condition, input, env)?;
                if test.truthy().unwrap_or(false) {
                    self.evaluate(then, input, env)?
                } else if let Some(otherwise) = otherwise {
                    self.evaluate(otherwise, input, env)?
                } else {
                    Value::Undefined
                }
            }
            Kind::Block(expressions) => {
                let frame = self.frame(Some(env));
                let mut result = Value::Undefined;
                for expression in expressions {
                    result = self.evaluate(expression, input, frame)?;
                }
                result
            }
            Kind::Bind { name, value } => {
                let value = self.evaluate(value, input, env)?;
                self.bind(env, name.clone(), value.clone());
                value
            }
            Kind::Regex(regex) => Value::Function(Rc::new(Function::Regex(regex.clone()))),
            Kind::Call { procedure, args } => self.evaluate_call(node, procedure, args, input, env, None)?,
            Kind::Partial { procedure, args } => self.evaluate_partial(node, procedure, args, input, env)?,
            Kind::Placeholder => Value::Undefined,
            Kind::Variable(name) => {
                if name.is_empty() {
                    match input {
                        Value::Array(a) if a.has(flag::OUTER_WRAPPER) => a.items.first().cloned().unwrap_or_default(),
                        _ => input.clone(),
                    }
                } else {
                    self.lookup(env, name)
                }
            }
            Kind::Lambda(def) => Value::Function(Rc::new(Function::Lambda(Lambda {
                def: def.clone(),
                input: input.clone(),
                env,
                open_params: None,
            }))),
            Kind::Apply { lhs, rhs } => self.evaluate_apply(node, lhs, rhs, input, env)?,
            Kind::Transform(def) => Value::Function(Rc::new(Function::Transform { def: def.clone(), env })),
            Kind::Sort { .. } => self.evaluate_sort(node, input.clone(), env)?,
        };
        for predicate in &node.predicate {
            result = self.evaluate_filter(predicate, result, env)?;
        }
        if !node.is_path() {
            if let Some(group) = &node.group {
                result = self.evaluate_group(group, result, env)?;
            }
        }
        Ok(result)
    }
}
