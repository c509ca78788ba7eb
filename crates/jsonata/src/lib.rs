//! A JSONata 2.x evaluator over `serde_json` values, written to JSONata's reference test suite.
//!
//! ```
//! use jsonata::Environment;
//! use jsonata::Expression;
//! use serde_json::json;
//!
//! let expression = Expression::parse("$sum(Order.(Price * Quantity))").unwrap();
//! let input = json!({"Order": [{"Price": 2, "Quantity": 3}, {"Price": 1.5, "Quantity": 2}]});
//! let result = expression.evaluate(Some(&input), &Environment::new(0)).unwrap();
//! assert_eq!(result, Some(json!(9)));
//! ```
//!
//! Evaluation is deterministic and bounded: `$now()` and `$millis()` return the timestamp the caller puts in
//! the [`Environment`], `$random()` and `$shuffle()` draw from the seed it supplies, and every evaluation runs
//! under a [`Budget`] of steps and nesting depth, so no expression can hang or exhaust its host. Numbers are
//! IEEE doubles as in JavaScript, whatever precision the input document carries.

mod ast;
mod ast_builder;
mod error;
mod evaluator;
mod function;
mod functions;
mod json;
mod lexer;
mod number;
mod parser;
mod regex_literal;
mod signature;
mod value;

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

pub use error::Error;
pub use function::HostFunction;

use crate::ast::Node;
use crate::evaluator::Evaluator;
use crate::function::Function;
use crate::json::from_json;
use crate::json::to_json;
use crate::value::flag;
use crate::value::Value;

/// How much work one evaluation may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Evaluation steps (one per evaluated node, plus the size of large intermediate values) before the
    /// evaluation fails with `U1001`.
    pub max_steps: u64,
    /// How deeply evaluation may nest (recursion included) before it fails with `U1001`.
    pub max_depth: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self { max_steps: 10_000_000, max_depth: 1_000 }
    }
}

/// What an evaluation sees besides its input: variables, host functions, the timestamp, the random seed and
/// the budget.
pub struct Environment {
    variables: Vec<(Arc<str>, Value)>,
    functions: Vec<Rc<HostFunction>>,
    now_ms: i64,
    seed: u64,
    budget: Budget,
}

impl Environment {
    /// An environment whose `$now()` and `$millis()` are `now_ms` (milliseconds since the epoch).
    pub fn new(now_ms: i64) -> Self {
        Self { variables: Vec::new(), functions: Vec::new(), now_ms, seed: now_ms as u64, budget: Budget::default() }
    }

    /// Binds `$name` to a JSON value.
    pub fn bind(&mut self, name: &str, value: &serde_json::Value) -> &mut Self {
        self.variables.push((Arc::from(name), from_json(value)));
        self
    }

    /// Hides the library function `$name`: calling it fails as calling any undefined name does.
    pub fn without(&mut self, name: &str) -> &mut Self {
        self.variables.push((Arc::from(name), Value::Undefined));
        self
    }

    /// Adds (or overrides) a function.
    pub fn function(&mut self, function: HostFunction) -> &mut Self {
        self.functions.push(Rc::new(function));
        self
    }

    /// Seeds `$random()` and `$shuffle()`.
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }

    /// Sets the work budget.
    pub fn budget(&mut self, budget: Budget) -> &mut Self {
        self.budget = budget;
        self
    }
}

/// A parsed expression, ready to evaluate any number of times (and from any thread).
#[derive(Debug)]
pub struct Expression {
    root: Node,
}

/// Parses expression text into the evaluated tree.
pub(crate) fn parse_tree(text: &str) -> Result<Node, Error> {
    ast_builder::build(parser::parse(text)?)
}

impl Expression {
    /// Parses `text`; syntax errors carry `S0xxx` codes.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Ok(Self { root: parse_tree(text)? })
    }

    /// Evaluates against `input` (`None`: no input). `Ok(None)` means the result is undefined; a result
    /// that is a function, which has no JSON form, fails with `U1002`.
    pub fn evaluate(
        &self,
        input: Option<&serde_json::Value>,
        environment: &Environment,
    ) -> Result<Option<serde_json::Value>, Error> {
        let mut evaluator = Evaluator::new(environment.budget, environment.now_ms, environment.seed);
        let root = evaluator.frame(None);
        for (name, value) in &environment.variables {
            evaluator.bind(root, name.clone(), value.clone());
        }
        for function in &environment.functions {
            let value = Value::Function(Rc::new(Function::Host(function.clone())));
            evaluator.bind(root, Arc::from(function.name.as_str()), value);
        }
        let input = input.map(from_json).unwrap_or_default();
        evaluator.bind(root, Arc::from("$"), input.clone());
        let input = match input {
            Value::Array(_) if !input.is_sequence() => Value::array(vec![input], flag::SEQUENCE | flag::OUTER_WRAPPER),
            other => other,
        };
        let result = evaluator.evaluate(&self.root, &input, root)?;
        if result.is_function() {
            return Err(Error::new("U1002"));
        }
        to_json(&result)
    }

    /// The field paths the expression reads from `$variable`: `$v.a.b` gives `["a", "b"]`, and any other use
    /// (the whole value, filtered, passed to a function) the empty path. A caller can then bind only what is read.
    pub fn variable_paths(&self, variable: &str) -> Vec<Vec<String>> {
        let mut paths = Vec::new();
        self.root.variable_paths(variable, &mut paths);
        paths
    }

    /// The names of the variables and functions the expression refers to (`$name`), without the `$`.
    pub fn references(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        self.root.collect_variables(&mut names);
        names
    }
}
