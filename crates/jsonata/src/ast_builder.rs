//! Turns the parsed tree into the evaluated one: flattens `a.b.c` into path steps, attaches predicates,
//! groupings, sorts and variable bindings to their steps, marks tail calls, and resolves which step each parent
//! operator (`%`) refers to. Owns those static rules and their `S02xx` errors; never evaluates.

use std::sync::Arc;

use crate::ast::BinaryOp;
use crate::ast::Group;
use crate::ast::Kind;
use crate::ast::LambdaDef;
use crate::ast::Node;
use crate::ast::Slot;
use crate::ast::Stage;
use crate::ast::TransformDef;
use crate::error::Error;
use crate::parser::Raw;
use crate::parser::RawKind;
use crate::regex_literal::RegexLiteral;

/// A `%` operator's slot: its label and how many steps up it still has to climb.
struct SlotState {
    label: Arc<str>,
    level: i64,
}

/// Builds the evaluated tree from a parsed one.
pub(crate) fn build(raw: Raw) -> Result<Node, Error> {
    let mut builder = Builder { slots: Vec::new() };
    let mut node = builder.process(raw)?;
    if matches!(node.kind, Kind::Parent(_)) || !node.seeking_parent.is_empty() {
        return Err(Error::new("S0217").at(node.position).token("parent"));
    }
    builder.resolve_labels(&mut node);
    Ok(node)
}

struct Builder {
    slots: Vec<SlotState>,
}

fn node_type(node: &Node) -> &'static str {
    match node.kind {
        Kind::Path { .. } => "path",
        Kind::Binary { .. } => "binary",
        Kind::Negate(_) | Kind::Array(_) | Kind::Object(_) => "unary",
        Kind::Name(_) => "name",
        Kind::String(_) => "string",
        Kind::Number(_) => "number",
        Kind::Bool(_) | Kind::Null => "value",
        Kind::Wildcard => "wildcard",
        Kind::Descendant => "descendant",
        Kind::Parent(_) => "parent",
        Kind::Condition { .. } => "condition",
        Kind::Block(_) => "block",
        Kind::Bind { .. } => "bind",
        Kind::Regex(_) => "regex",
        Kind::Call { .. } => "function",
        Kind::Partial { .. } => "partial",
        Kind::Placeholder => "operator",
        Kind::Variable(_) => "variable",
        Kind::Lambda(_) => "lambda",
        Kind::Apply { .. } => "apply",
        Kind::Transform(_) => "transform",
        Kind::Sort { .. } => "sort",
    }
}

/// Adds the parent slots `value` is still looking for to `result`'s.
fn push_ancestry(result: &mut Node, value: &Node) {
    result.seeking_parent.extend(value.seeking_parent.iter().copied());
    if let Kind::Parent(Slot::Pending(slot)) = value.kind {
        result.seeking_parent.push(slot);
    }
}

/// Defers a call in tail position so the caller's trampoline runs it without growing the stack.
fn tail_call_optimize(node: Node) -> Node {
    match node.kind {
        Kind::Call { .. } if node.predicate.is_empty() => {
            let position = node.position;
            let thunk = LambdaDef { params: Vec::new(), signature: None, body: node, thunk: true };
            Node::new(Kind::Lambda(Arc::new(thunk)), position)
        }
        Kind::Condition { condition, then, otherwise } => {
            let kind = Kind::Condition {
                condition,
                then: Box::new(tail_call_optimize(*then)),
                otherwise: otherwise.map(|o| Box::new(tail_call_optimize(*o))),
            };
            Node { kind, ..node }
        }
        Kind::Block(mut expressions) => {
            if let Some(last) = expressions.pop() {
                expressions.push(tail_call_optimize(last));
            }
            Node { kind: Kind::Block(expressions), ..node }
        }
        _ => node,
    }
}

impl Builder {
    fn process(&mut self, raw: Raw) -> Result<Node, Error> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.process_inner(raw))
    }

    fn process_inner(&mut self, raw: Raw) -> Result<Node, Error> {
        let position = raw.position;
        let keep_array = raw.keep_array;
        let mut result = match raw.kind {
            RawKind::Binary { op: ".", lhs, rhs } => self.map_step(*lhs, *rhs)?,
            RawKind::Binary { op: "[", lhs, rhs } => self.filter(*lhs, *rhs, position)?,
            RawKind::Group { lhs, pairs } => {
                let mut result = self.process(*lhs)?;
                if result.group.is_some() {
                    return Err(Error::new("S0210").at(position));
                }
                let pairs = self.pairs(pairs, None)?;
                result.group = Some(Box::new(Group { pairs, position }));
                result
            }
            RawKind::Sort { lhs, terms } => {
                let mut result = self.process(*lhs)?;
                if !result.is_path() {
                    result = Node::new(Kind::Path { steps: vec![result], keep_singleton: false }, position);
                }
                let mut sort = Node::new(Kind::Sort { terms: Vec::new() }, position);
                let mut processed = Vec::new();
                for (descending, term) in terms {
                    let term = self.process(term)?;
                    push_ancestry(&mut sort, &term);
                    processed.push((descending, term));
                }
                sort.kind = Kind::Sort { terms: processed };
                if let Kind::Path { steps, .. } = &mut result.kind {
                    steps.push(sort);
                }
                self.resolve_ancestry(&mut result)?;
                result
            }
            RawKind::Binary { op: ":=", lhs, rhs } => {
                let name = match lhs.kind {
                    RawKind::Variable(name) => Arc::from(name.as_str()),
                    _ => return Err(Error::new("S0212").at(lhs.position)),
                };
                let value = self.process(*rhs)?;
                let mut result = Node::new(Kind::Null, position);
                push_ancestry(&mut result, &value);
                result.kind = Kind::Bind { name, value: Box::new(value) };
                result
            }
            RawKind::Binary { op: "@", lhs, rhs } => {
                let name = variable_name(&rhs);
                let mut result = self.process(*lhs)?;
                let step = last_step(&mut result);
                if !step.stages.is_empty() || !step.predicate.is_empty() {
                    return Err(Error::new("S0215").at(position));
                }
                if matches!(step.kind, Kind::Sort { .. }) {
                    return Err(Error::new("S0216").at(position));
                }
                if keep_array {
                    step.keep_array = true;
                }
                step.focus = Some(name);
                step.tuple = true;
                result
            }
            RawKind::Binary { op: "#", lhs, rhs } => {
                let name = variable_name(&rhs);
                let mut result = self.process(*lhs)?;
                if !result.is_path() {
                    let mut step = result;
                    step.stages = std::mem::take(&mut step.predicate).into_iter().map(Stage::Filter).collect();
                    result = Node::new(Kind::Path { steps: vec![step], keep_singleton: false }, position);
                }
                let step = last_step(&mut result);
                if step.stages.is_empty() {
                    step.index = Some(name);
                } else {
                    step.stages.push(Stage::Index(name));
                }
                step.tuple = true;
                result
            }
            RawKind::Binary { op: "~>", lhs, rhs } => {
                let lhs = self.process(*lhs)?;
                let rhs = self.process(*rhs)?;
                let keep = lhs.keep_array || rhs.keep_array;
                let mut result = Node::new(Kind::Apply { lhs: Box::new(lhs), rhs: Box::new(rhs) }, position);
                result.keep_array = keep;
                result
            }
            RawKind::Binary { op, lhs, rhs } => {
                let op = BinaryOp::from_token(op).ok_or_else(|| Error::new("S0201").at(position).token(op))?;
                let lhs = self.process(*lhs)?;
                let rhs = self.process(*rhs)?;
                let mut seeking = Node::new(Kind::Null, position);
                push_ancestry(&mut seeking, &lhs);
                push_ancestry(&mut seeking, &rhs);
                let mut result = Node::new(Kind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, position);
                result.seeking_parent = seeking.seeking_parent;
                result
            }
            RawKind::Array(items) => {
                let mut result = Node::new(Kind::Null, position);
                let mut processed = Vec::new();
                for item in items {
                    let item = self.process(item)?;
                    push_ancestry(&mut result, &item);
                    processed.push(item);
                }
                result.kind = Kind::Array(processed);
                result
            }
            RawKind::Object(pairs) => {
                let mut result = Node::new(Kind::Null, position);
                let pairs = self.pairs(pairs, Some(&mut result))?;
                result.kind = Kind::Object(Box::new(Group { pairs, position }));
                result
            }
            RawKind::Negate(expression) => {
                let expression = self.process(*expression)?;
                match expression.kind {
                    Kind::Number(n) => Node { kind: Kind::Number(-n), ..expression },
                    _ => {
                        let mut result = Node::new(Kind::Null, position);
                        push_ancestry(&mut result, &expression);
                        result.kind = Kind::Negate(Box::new(expression));
                        result
                    }
                }
            }
            RawKind::Call { procedure, args, partial } => {
                let mut result = Node::new(Kind::Null, position);
                let mut processed = Vec::new();
                for arg in args {
                    let arg = self.process(arg)?;
                    push_ancestry(&mut result, &arg);
                    processed.push(arg);
                }
                let procedure = Box::new(self.process(*procedure)?);
                result.kind = if partial {
                    Kind::Partial { procedure, args: processed }
                } else {
                    Kind::Call { procedure, args: processed }
                };
                result
            }
            RawKind::Lambda { params, signature, body } => {
                let body = tail_call_optimize(self.process(*body)?);
                let params = params.iter().map(|p| Arc::from(p.as_str())).collect();
                Node::new(Kind::Lambda(Arc::new(LambdaDef { params, signature, body, thunk: false })), position)
            }
            RawKind::Condition { condition, then, otherwise } => {
                let mut result = Node::new(Kind::Null, position);
                let condition = self.process(*condition)?;
                push_ancestry(&mut result, &condition);
                let then = self.process(*then)?;
                push_ancestry(&mut result, &then);
                let otherwise = match otherwise {
                    Some(o) => {
                        let o = self.process(*o)?;
                        push_ancestry(&mut result, &o);
                        Some(Box::new(o))
                    }
                    None => None,
                };
                result.kind = Kind::Condition { condition: Box::new(condition), then: Box::new(then), otherwise };
                result
            }
            RawKind::Transform { pattern, update, delete } => {
                let pattern = self.process(*pattern)?;
                let update = self.process(*update)?;
                let delete = delete.map(|d| self.process(*d)).transpose()?;
                Node::new(Kind::Transform(Arc::new(TransformDef { pattern, update, delete, position })), position)
            }
            RawKind::Block(expressions) => {
                let mut result = Node::new(Kind::Null, position);
                let mut processed = Vec::new();
                for expression in expressions {
                    let part = self.process(expression)?;
                    push_ancestry(&mut result, &part);
                    let first_consarray = match &part.kind {
                        Kind::Path { steps, .. } => steps.first().is_some_and(|s| s.consarray),
                        _ => false,
                    };
                    if part.consarray || first_consarray {
                        result.consarray = true;
                    }
                    processed.push(part);
                }
                result.kind = Kind::Block(processed);
                result
            }
            RawKind::Name(name) => {
                let mut step = Node::new(Kind::Name(Arc::from(name.as_str())), position);
                step.keep_array = keep_array;
                Node::new(Kind::Path { steps: vec![step], keep_singleton: keep_array }, position)
            }
            RawKind::Parent => {
                let index = self.slots.len();
                self.slots.push(SlotState { label: Arc::from(format!("!{index}").as_str()), level: 1 });
                Node::new(Kind::Parent(Slot::Pending(index)), position)
            }
            RawKind::Str(s) => Node::new(Kind::String(Arc::from(s.as_str())), position),
            RawKind::Number(n) => Node::new(Kind::Number(n), position),
            RawKind::Bool(b) => Node::new(Kind::Bool(b), position),
            RawKind::Null => Node::new(Kind::Null, position),
            RawKind::Wildcard => Node::new(Kind::Wildcard, position),
            RawKind::Descendant => Node::new(Kind::Descendant, position),
            RawKind::Variable(name) => Node::new(Kind::Variable(Arc::from(name.as_str())), position),
            RawKind::Regex { pattern, flags } => {
                Node::new(Kind::Regex(Arc::new(RegexLiteral::compile(&pattern, &flags, position)?)), position)
            }
            RawKind::Placeholder => Node::new(Kind::Placeholder, position),
            RawKind::End => return Err(Error::new("S0207").at(position)),
        };
        if keep_array {
            result.keep_array = true;
        }
        Ok(result)
    }

    fn pairs(&mut self, pairs: Vec<(Raw, Raw)>, mut result: Option<&mut Node>) -> Result<Vec<(Node, Node)>, Error> {
        let mut processed = Vec::new();
        for (key, value) in pairs {
            let key = self.process(key)?;
            let value = self.process(value)?;
            if let Some(result) = result.as_deref_mut() {
                push_ancestry(result, &key);
                push_ancestry(result, &value);
            }
            processed.push((key, value));
        }
        Ok(processed)
    }

    /// `lhs.rhs`: one path with the steps of both sides.
    fn map_step(&mut self, lhs: Raw, rhs: Raw) -> Result<Node, Error> {
        let position = lhs.position;
        let lstep = self.process(lhs)?;
        let mut result = if lstep.is_path() {
            lstep
        } else {
            let parent_slot = match lstep.kind {
                Kind::Parent(Slot::Pending(slot)) => Some(slot),
                _ => None,
            };
            let mut path = Node::new(Kind::Path { steps: vec![lstep], keep_singleton: false }, position);
            path.seeking_parent.extend(parent_slot);
            path
        };
        let mut rest = self.process(rhs)?;
        let Kind::Path { steps, keep_singleton } = &mut result.kind else { unreachable!("a path was built") };
        match rest.kind {
            Kind::Path { steps: rest_steps, .. } => steps.extend(rest_steps),
            _ => {
                rest.stages = std::mem::take(&mut rest.predicate).into_iter().map(Stage::Filter).collect();
                steps.push(rest);
            }
        }
        for step in steps.iter_mut() {
            match &step.kind {
                Kind::Number(n) => {
                    return Err(Error::new("S0213").at(step.position).value(crate::number::to_js_string(*n)))
                }
                Kind::Bool(b) => return Err(Error::new("S0213").at(step.position).value(b.to_string())),
                Kind::Null => return Err(Error::new("S0213").at(step.position).value("null")),
                Kind::String(s) => step.kind = Kind::Name(s.clone()),
                _ => {}
            }
        }
        if steps.iter().any(|s| s.keep_array) {
            *keep_singleton = true;
        }
        if let Some(first) = steps.first_mut() {
            if matches!(first.kind, Kind::Array(_)) {
                first.consarray = true;
            }
        }
        if let Some(last) = steps.last_mut() {
            if matches!(last.kind, Kind::Array(_)) {
                last.consarray = true;
            }
        }
        self.resolve_ancestry(&mut result)?;
        Ok(result)
    }

    /// `lhs[rhs]`: a predicate on the last step (or on the expression, when it is not a path).
    fn filter(&mut self, lhs: Raw, rhs: Raw, position: usize) -> Result<Node, Error> {
        let mut result = self.process(lhs)?;
        let is_path = result.is_path();
        let mut predicate = self.process(rhs)?;
        let step = last_step(&mut result);
        if step.group.is_some() {
            return Err(Error::new("S0209").at(position));
        }
        let seeking = std::mem::take(&mut predicate.seeking_parent);
        for &slot in &seeking {
            if self.slots[slot].level == 1 {
                self.seek_parent(step, slot)?;
            } else {
                self.slots[slot].level -= 1;
            }
        }
        step.seeking_parent.extend(seeking);
        if let Kind::Parent(Slot::Pending(slot)) = predicate.kind {
            step.seeking_parent.push(slot);
        }
        if is_path {
            step.stages.push(Stage::Filter(predicate));
        } else {
            step.predicate.push(predicate);
        }
        Ok(result)
    }

    /// Finds, from `node` backwards, the step a parent slot refers to.
    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<(), Error> {
        match &mut node.kind {
            Kind::Name(_) | Kind::Wildcard => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(Slot::Pending(existing)) = node.ancestor {
                        self.slots[slot].label = self.slots[existing].label.clone();
                    }
                    node.ancestor = Some(Slot::Pending(slot));
                    node.tuple = true;
                }
            }
            Kind::Parent(_) => self.slots[slot].level += 1,
            Kind::Block(expressions) => {
                if let Some(last) = expressions.last_mut() {
                    self.seek_parent(last, slot)?;
                    node.tuple = true;
                }
            }
            Kind::Path { steps, .. } => {
                node.tuple = true;
                let mut index = steps.len() as i64 - 1;
                self.seek_parent(&mut steps[index as usize], slot)?;
                index -= 1;
                while self.slots[slot].level > 0 && index >= 0 {
                    self.seek_parent(&mut steps[index as usize], slot)?;
                    index -= 1;
                }
            }
            _ => return Err(Error::new("S0217").at(node.position).token(node_type(node))),
        }
        Ok(())
    }

    /// Resolves the parent slots the last step of `path` is seeking against the steps before it; slots that
    /// climb past the first step are left for an enclosing path.
    fn resolve_ancestry(&mut self, path: &mut Node) -> Result<(), Error> {
        let Kind::Path { steps, .. } = &mut path.kind else { return Ok(()) };
        let Some(last) = steps.last() else { return Ok(()) };
        let mut slots = last.seeking_parent.clone();
        if let Kind::Parent(Slot::Pending(slot)) = last.kind {
            slots.push(slot);
        }
        let mut unresolved = Vec::new();
        for slot in slots {
            let mut index = steps.len() as i64 - 2;
            while self.slots[slot].level > 0 {
                if index < 0 {
                    unresolved.push(slot);
                    break;
                }
                let mut step_index = index as usize;
                index -= 1;
                while index >= 0 && steps[step_index].focus.is_some() && steps[index as usize].focus.is_some() {
                    step_index = index as usize;
                    index -= 1;
                }
                self.seek_parent(&mut steps[step_index], slot)?;
            }
        }
        path.seeking_parent.extend(unresolved);
        Ok(())
    }

    /// Replaces every pending slot with its final label.
    fn resolve_labels(&self, node: &mut Node) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            if let Some(Slot::Pending(slot)) = node.ancestor {
                node.ancestor = Some(Slot::Label(self.slots[slot].label.clone()));
            }
            if let Kind::Parent(Slot::Pending(slot)) = node.kind {
                node.kind = Kind::Parent(Slot::Label(self.slots[slot].label.clone()));
            }
            node.seeking_parent.clear();
            for p in &mut node.predicate {
                self.resolve_labels(p);
            }
            for stage in &mut node.stages {
                if let Stage::Filter(f) = stage {
                    self.resolve_labels(f);
                }
            }
            if let Some(group) = &mut node.group {
                for (k, v) in &mut group.pairs {
                    self.resolve_labels(k);
                    self.resolve_labels(v);
                }
            }
            match &mut node.kind {
                Kind::Path { steps, .. } | Kind::Array(steps) | Kind::Block(steps) => {
                    steps.iter_mut().for_each(|s| self.resolve_labels(s))
                }
                Kind::Binary { lhs, rhs, .. } | Kind::Apply { lhs, rhs } => {
                    self.resolve_labels(lhs);
                    self.resolve_labels(rhs);
                }
                Kind::Negate(e) | Kind::Bind { value: e, .. } => self.resolve_labels(e),
                Kind::Object(group) => {
                    for (k, v) in &mut group.pairs {
                        self.resolve_labels(k);
                        self.resolve_labels(v);
                    }
                }
                Kind::Condition { condition, then, otherwise } => {
                    self.resolve_labels(condition);
                    self.resolve_labels(then);
                    if let Some(o) = otherwise {
                        self.resolve_labels(o);
                    }
                }
                Kind::Call { procedure, args } | Kind::Partial { procedure, args } => {
                    self.resolve_labels(procedure);
                    args.iter_mut().for_each(|a| self.resolve_labels(a));
                }
                Kind::Lambda(def) => {
                    if let Some(def) = Arc::get_mut(def) {
                        self.resolve_labels(&mut def.body);
                    }
                }
                Kind::Transform(def) => {
                    if let Some(def) = Arc::get_mut(def) {
                        self.resolve_labels(&mut def.pattern);
                        self.resolve_labels(&mut def.update);
                        if let Some(d) = &mut def.delete {
                            self.resolve_labels(d);
                        }
                    }
                }
                Kind::Sort { terms } => terms.iter_mut().for_each(|(_, t)| self.resolve_labels(t)),
                _ => {}
            }
        })
    }
}

fn variable_name(raw: &Raw) -> Arc<str> {
    match &raw.kind {
        RawKind::Variable(name) => Arc::from(name.as_str()),
        _ => Arc::from(""),
    }
}

/// The last step of a path, or the node itself.
fn last_step(node: &mut Node) -> &mut Node {
    if matches!(&node.kind, Kind::Path { steps, .. } if !steps.is_empty()) {
        match &mut node.kind {
            Kind::Path { steps, .. } => return steps.last_mut().expect("checked above: the path has steps"),
            _ => unreachable!("checked above: the node is a path"),
        }
    }
    node
}
