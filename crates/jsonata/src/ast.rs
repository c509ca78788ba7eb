//! The tree the evaluator runs: paths flattened into steps, predicates attached to the steps they filter,
//! tuple-stream and parent (`%`) bookkeeping resolved. [`crate::ast_builder`] builds it from the parsed tree.
//! Nodes are immutable once built and shared between threads.

use std::sync::Arc;

use crate::regex_literal::RegexLiteral;
use crate::signature::Signature;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Concat,
    And,
    Or,
    In,
    Range,
}

impl BinaryOp {
    pub(crate) fn from_token(op: &str) -> Option<Self> {
        Some(match op {
            "+" => Self::Add,
            "-" => Self::Subtract,
            "*" => Self::Multiply,
            "/" => Self::Divide,
            "%" => Self::Modulo,
            "=" => Self::Equal,
            "!=" => Self::NotEqual,
            "<" => Self::Less,
            "<=" => Self::LessEqual,
            ">" => Self::Greater,
            ">=" => Self::GreaterEqual,
            "&" => Self::Concat,
            "and" => Self::And,
            "or" => Self::Or,
            "in" => Self::In,
            ".." => Self::Range,
            _ => return None,
        })
    }

    pub(crate) fn token(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Subtract => "-",
            Self::Multiply => "*",
            Self::Divide => "/",
            Self::Modulo => "%",
            Self::Equal => "=",
            Self::NotEqual => "!=",
            Self::Less => "<",
            Self::LessEqual => "<=",
            Self::Greater => ">",
            Self::GreaterEqual => ">=",
            Self::Concat => "&",
            Self::And => "and",
            Self::Or => "or",
            Self::In => "in",
            Self::Range => "..",
        }
    }
}

/// A node and the annotations the path machinery reads.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) position: usize,
    /// Keep a singleton result as an array (`[]`).
    pub(crate) keep_array: bool,
    /// Filters applied to this (non-step) expression's result.
    pub(crate) predicate: Vec<Node>,
    /// Filters and index bindings applied to this step's results, in order.
    pub(crate) stages: Vec<Stage>,
    /// A grouping `{...}` applied to the result.
    pub(crate) group: Option<Box<Group>>,
    /// `@$var`: the step binds each result to `$var` and keeps the context.
    pub(crate) focus: Option<Arc<str>>,
    /// `#$var`: the step binds each result's position to `$var`.
    pub(crate) index: Option<Arc<str>>,
    /// The step (or expression) takes part in a tuple stream.
    pub(crate) tuple: bool,
    /// The step records its context under this label for a `%` further on.
    pub(crate) ancestor: Option<Slot>,
    /// An array constructor that must not be flattened into the path.
    pub(crate) consarray: bool,
    /// Parent slots still looking for the step they refer to (only while building).
    pub(crate) seeking_parent: Vec<usize>,
}

/// A `%` reference: a slot while the tree is built, its label once resolved.
#[derive(Debug, Clone)]
pub(crate) enum Slot {
    Pending(usize),
    Label(Arc<str>),
}

impl Slot {
    pub(crate) fn label(&self) -> &str {
        match self {
            Slot::Label(l) => l,
            Slot::Pending(_) => "",
        }
    }
}

/// One stage of a step: a filter, or binding the position in the filtered results.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    Filter(Node),
    Index(Arc<str>),
}

/// `{key: value, ...}` pairs of an object constructor or a grouping.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) pairs: Vec<(Node, Node)>,
    pub(crate) position: usize,
}

/// A lambda: parameters, optional signature, body. A thunk is a deferred tail call.
#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub(crate) params: Vec<Arc<str>>,
    pub(crate) signature: Option<Arc<Signature>>,
    pub(crate) body: Node,
    pub(crate) thunk: bool,
}

/// `| pattern | update, delete |`.
#[derive(Debug)]
pub(crate) struct TransformDef {
    pub(crate) pattern: Node,
    pub(crate) update: Node,
    pub(crate) delete: Option<Node>,
    pub(crate) position: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Path { steps: Vec<Node>, keep_singleton: bool },
    Binary { op: BinaryOp, lhs: Box<Node>, rhs: Box<Node> },
    Negate(Box<Node>),
    Array(Vec<Node>),
    Object(Box<Group>),
    Name(Arc<str>),
    String(Arc<str>),
    Number(f64),
    Bool(bool),
    Null,
    Wildcard,
    Descendant,
    Parent(Slot),
    Condition { condition: Box<Node>, then: Box<Node>, otherwise: Option<Box<Node>> },
    Block(Vec<Node>),
    Bind { name: Arc<str>, value: Box<Node> },
    Regex(Arc<RegexLiteral>),
    Call { procedure: Box<Node>, args: Vec<Node> },
    Partial { procedure: Box<Node>, args: Vec<Node> },
    Placeholder,
    Variable(Arc<str>),
    Lambda(Arc<LambdaDef>),
    Apply { lhs: Box<Node>, rhs: Box<Node> },
    Transform(Arc<TransformDef>),
    Sort { terms: Vec<(bool, Node)> },
}

impl Node {
    pub(crate) fn new(kind: Kind, position: usize) -> Self {
        Self {
            kind,
            position,
            keep_array: false,
            predicate: Vec::new(),
            stages: Vec::new(),
            group: None,
            focus: None,
            index: None,
            tuple: false,
            ancestor: None,
            consarray: false,
            seeking_parent: Vec::new(),
        }
    }

    pub(crate) fn is_path(&self) -> bool {
        matches!(self.kind, Kind::Path { .. })
    }

    /// The name used in error messages for what this node calls.
    pub(crate) fn procedure_name(&self) -> String {
        match &self.kind {
            Kind::Path { steps, .. } => steps.first().map(Node::procedure_name).unwrap_or_default(),
            Kind::Name(n) | Kind::Variable(n) | Kind::String(n) => n.to_string(),
            _ => String::new(),
        }
    }
}

impl Node {
    /// Adds to `paths` the field names read from `$variable` (`$v.a.b` gives `[a, b]`; any other use of the
    /// variable, which may read all of it, gives the empty path).
    pub(crate) fn variable_paths(&self, variable: &str, paths: &mut Vec<Vec<String>>) {
        let plain = |n: &Node| {
            n.stages.is_empty() && n.predicate.is_empty() && n.group.is_none() && n.focus.is_none() && n.index.is_none()
        };
        match &self.kind {
            Kind::Path { steps, .. }
                if steps
                    .first()
                    .is_some_and(|f| matches!(&f.kind, Kind::Variable(v) if &**v == variable) && plain(f)) =>
            {
                let mut path = Vec::new();
                for step in &steps[1..] {
                    let Kind::Name(name) = &step.kind else { break };
                    path.push(name.to_string());
                    if !plain(step) {
                        break;
                    }
                }
                paths.push(path);
                steps[1..].iter().for_each(|s| s.variable_paths(variable, paths));
                if let Some(group) = &self.group {
                    for (k, v) in &group.pairs {
                        k.variable_paths(variable, paths);
                        v.variable_paths(variable, paths);
                    }
                }
                self.predicate.iter().for_each(|p| p.variable_paths(variable, paths));
            }
            Kind::Variable(v) if &**v == variable => paths.push(Vec::new()),
            _ => self.for_each_child(&mut |child| child.variable_paths(variable, paths)),
        }
    }

    /// Calls `visit` on every direct child of the node.
    fn for_each_child(&self, visit: &mut dyn FnMut(&Node)) {
        self.predicate.iter().for_each(&mut *visit);
        for stage in &self.stages {
            if let Stage::Filter(f) = stage {
                visit(f);
            }
        }
        if let Some(group) = &self.group {
            group.pairs.iter().for_each(|(k, v)| {
                visit(k);
                visit(v);
            });
        }
        match &self.kind {
            Kind::Path { steps, .. } | Kind::Array(steps) | Kind::Block(steps) => steps.iter().for_each(&mut *visit),
            Kind::Binary { lhs, rhs, .. } | Kind::Apply { lhs, rhs } => {
                visit(lhs);
                visit(rhs);
            }
            Kind::Negate(e) | Kind::Bind { value: e, .. } => visit(e),
            Kind::Object(group) => group.pairs.iter().for_each(|(k, v)| {
                visit(k);
                visit(v);
            }),
            Kind::Condition { condition, then, otherwise } => {
                visit(condition);
                visit(then);
                if let Some(o) = otherwise {
                    visit(o);
                }
            }
            Kind::Call { procedure, args } | Kind::Partial { procedure, args } => {
                visit(procedure);
                args.iter().for_each(&mut *visit);
            }
            Kind::Lambda(def) => visit(&def.body),
            Kind::Transform(def) => {
                visit(&def.pattern);
                visit(&def.update);
                if let Some(d) = &def.delete {
                    visit(d);
                }
            }
            Kind::Sort { terms } => terms.iter().for_each(|(_, t)| visit(t)),
            _ => {}
        }
    }

    /// Adds the name of every variable the subtree refers to.
    pub(crate) fn collect_variables(&self, names: &mut std::collections::BTreeSet<String>) {
        if let Kind::Variable(name) = &self.kind {
            names.insert(name.to_string());
        }
        self.for_each_child(&mut |child| child.collect_variables(names));
    }
}
