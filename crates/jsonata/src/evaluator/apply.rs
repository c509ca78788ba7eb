//! Calling functions: argument evaluation, signature checks, lambdas with their closures, tail calls run by a
//! trampoline (so tail recursion does not grow the stack), partial application, `~>`, regex matchers and
//! transforms.

use std::rc::Rc;

use super::Evaluator;
use super::FrameId;
use crate::ast::Kind;
use crate::ast::Node;
use crate::ast::TransformDef;
use crate::error::Error;
use crate::function::CallSite;
use crate::function::Function;
use crate::function::Lambda;
use crate::json::from_json;
use crate::json::to_json;
use crate::regex_literal::RegexLiteral;
use crate::value::Map;
use crate::value::Value;

/// A regex match as a matcher function reports it: `{match, start, end, groups, next}`.
pub(crate) fn match_object(
    regex: &std::sync::Arc<RegexLiteral>,
    text: &Rc<str>,
    found: crate::regex_literal::Found,
) -> Value {
    let start_chars = text[..found.start].chars().count();
    let match_text = &text[found.start..found.end];
    let mut map = Map::new();
    map.insert("match".into(), Value::string(match_text));
    map.insert("start".into(), Value::Number(start_chars as f64));
    map.insert("end".into(), Value::Number((start_chars + match_text.chars().count()) as f64));
    let groups = found.groups.iter().map(|g| g.as_deref().map(Value::string).unwrap_or_default()).collect();
    map.insert("groups".into(), Value::plain_array(groups));
    let next = Function::MatchNext { regex: regex.clone(), text: text.clone(), from: found.end };
    map.insert("next".into(), Value::Function(Rc::new(next)));
    Value::object(map)
}

impl Evaluator {
    /// Evaluates a call node; `applied` is the left side of `~>`, passed as the first argument.
    pub(super) fn evaluate_call(
        &mut self,
        node: &Node,
        procedure: &Node,
        args: &[Node],
        input: &Value,
        env: FrameId,
        applied: Option<Value>,
    ) -> Result<Value, Error> {
        let function = self.evaluate(procedure, input, env)?;
        let name = procedure.procedure_name();
        self.check_dollar(&function, procedure, &name, env, Error::new("T1005").at(node.position))?;
        let mut values = Vec::with_capacity(args.len() + 1);
        values.extend(applied);
        for arg in args {
            values.push(self.evaluate(arg, input, env)?);
        }
        self.apply(&function, values, input, env).map_err(|e| e.or_at(node.position).or_token(&name))
    }

    /// Fails with `error` when the called name is a field that resolves to nothing but `$name` is a function:
    /// the expression most likely forgot the `$`.
    fn check_dollar(
        &self,
        function: &Value,
        procedure: &Node,
        name: &str,
        env: FrameId,
        error: Error,
    ) -> Result<(), Error> {
        if function.is_undefined() && procedure.is_path() && !self.lookup(env, name).is_undefined() {
            return Err(error.token(name));
        }
        Ok(())
    }

    /// Applies a function, running any tail calls it returns until a value comes back.
    pub(crate) fn apply(
        &mut self,
        function: &Value,
        args: Vec<Value>,
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        let mut result = self.apply_inner(function, args, input, env)?;
        loop {
            let Value::Function(f) = &result else { return Ok(result) };
            let Function::Lambda(thunk) = &**f else { return Ok(result) };
            if !thunk.def.thunk {
                return Ok(result);
            }
            let Kind::Call { procedure, args } = &thunk.def.body.kind else { return Ok(result) };
            let (thunk_input, thunk_env) = (thunk.input.clone(), thunk.env);
            let next = self.evaluate(procedure, &thunk_input, thunk_env)?;
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                values.push(self.evaluate(arg, &thunk_input, thunk_env)?);
            }
            let name = procedure.procedure_name();
            result = self
                .apply_inner(&next, values, input, env)
                .map_err(|e| e.or_at(thunk.def.body.position).or_token(&name))?;
        }
    }

    fn apply_inner(&mut self, function: &Value, args: Vec<Value>, input: &Value, env: FrameId) -> Result<Value, Error> {
        self.charge(1)?;
        let Value::Function(f) = function else {
            return Err(Error::new("T1006"));
        };
        let result = match &**f {
            Function::Lambda(lambda) => {
                let args = match (&lambda.def.signature, &lambda.open_params) {
                    (Some(signature), None) => signature.validate(&args, input)?,
                    _ => args,
                };
                self.apply_lambda(lambda, args)
            }
            Function::Builtin(builtin) => {
                let args = match builtin.signature() {
                    Some(signature) => signature.validate(&args, input).map_err(|e| e.or_token(builtin.name))?,
                    None => args,
                };
                (builtin.call)(self, &CallSite { input: input.clone(), env }, args)
                    .map_err(|e| e.or_token(builtin.name))
            }
            Function::Host(host) => {
                let args = host.signature.validate(&args, input).map_err(|e| e.or_token(&host.name))?;
                let mut json = Vec::with_capacity(args.len());
                for arg in &args {
                    json.push(to_json(arg)?);
                }
                let result = (host.call)(&json).map_err(|e| e.or_token(&host.name))?;
                Ok(result.as_ref().map(from_json).unwrap_or_default())
            }
            Function::Partial { target, args: fixed } => {
                let mut supplied = args.into_iter();
                let full =
                    fixed.iter().map(|a| a.clone().unwrap_or_else(|| supplied.next().unwrap_or_default())).collect();
                self.apply_inner(&Value::Function(target.clone()), full, input, env)
            }
            Function::Regex(regex) => {
                let text: Rc<str> = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    _ => return Ok(Value::Undefined),
                };
                Ok(match regex.find(&text, 0)? {
                    Some(found) => match_object(regex, &text, found),
                    None => Value::Undefined,
                })
            }
            Function::MatchNext { regex, text, from } => {
                if *from >= text.len() {
                    return Ok(Value::Undefined);
                }
                match regex.find(text, *from)? {
                    Some(found) if found.start == found.end => {
                        Err(Error::new("D1004").value(format!("\"{}\"", regex.source)))
                    }
                    Some(found) => Ok(match_object(regex, text, found)),
                    None => Ok(Value::Undefined),
                }
            }
            Function::Transform { def, env: transform_env } => {
                let args = match crate::functions::transform_signature() {
                    Some(signature) => signature.validate(&args, input)?,
                    None => args,
                };
                self.transform(def, args.into_iter().next().unwrap_or_default(), *transform_env)
            }
            Function::Chain { first, second } => {
                let intermediate = self.apply(first, args, input, env)?;
                self.apply(second, vec![intermediate], input, env)
            }
        };
        result
    }

    fn apply_lambda(&mut self, lambda: &Lambda, args: Vec<Value>) -> Result<Value, Error> {
        let frame = self.frame(Some(lambda.env));
        let mut args = args.into_iter();
        for param in lambda.params() {
            self.bind(frame, param.clone(), args.next().unwrap_or_default());
        }
        let def = lambda.def.clone();
        let input = lambda.input.clone();
        self.evaluate(&def.body, &input, frame)
    }

    pub(super) fn evaluate_partial(
        &mut self,
        node: &Node,
        procedure: &Node,
        args: &[Node],
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(match arg.kind {
                Kind::Placeholder => None,
                _ => Some(self.evaluate(arg, input, env)?),
            });
        }
        let function = self.evaluate(procedure, input, env)?;
        let name = procedure.procedure_name();
        self.check_dollar(&function, procedure, &name, env, Error::new("T1007").at(node.position))?;
        let Value::Function(f) = &function else {
            return Err(Error::new("T1008").at(node.position).token(name));
        };
        let partial = match &**f {
            Function::Lambda(lambda) => {
                let frame = self.frame(Some(lambda.env));
                let mut open = Vec::new();
                for (index, param) in lambda.params().iter().enumerate() {
                    match values.get(index) {
                        Some(None) => open.push(param.clone()),
                        Some(Some(v)) => self.bind(frame, param.clone(), v.clone()),
                        None => self.bind(frame, param.clone(), Value::Undefined),
                    }
                }
                Function::Lambda(Lambda {
                    def: lambda.def.clone(),
                    input: lambda.input.clone(),
                    env: frame,
                    open_params: Some(open),
                })
            }
            Function::Partial { target, args: fixed } => {
                let mut supplied = values.into_iter();
                let args =
                    fixed.iter().map(|a| a.clone().or_else(|| supplied.next().unwrap_or(Some(Value::Undefined))));
                Function::Partial { target: target.clone(), args: args.collect() }
            }
            other => {
                let arity = other.arity();
                let mut args: Vec<Option<Value>> = values.into_iter().take(arity).collect();
                args.resize(arity, Some(Value::Undefined));
                Function::Partial { target: f.clone(), args }
            }
        };
        Ok(Value::Function(Rc::new(partial)))
    }

    pub(super) fn evaluate_apply(
        &mut self,
        node: &Node,
        lhs: &Node,
        rhs: &Node,
        input: &Value,
        env: FrameId,
    ) -> Result<Value, Error> {
        let left = self.evaluate(lhs, input, env)?;
        if let Kind::Call { procedure, args } = &rhs.kind {
            return self.evaluate_call(rhs, procedure, args, input, env, Some(left));
        }
        let function = self.evaluate(rhs, input, env)?;
        if !function.is_function() {
            return Err(Error::new("T2006").at(node.position).value(function.to_json_text()));
        }
        if left.is_function() {
            return Ok(Value::Function(Rc::new(Function::Chain { first: left, second: function })));
        }
        self.apply(&function, vec![left], &Value::Null, env)
    }

    /// `| pattern | update, delete |` applied to `object`: a modified deep copy.
    fn transform(&mut self, def: &TransformDef, object: Value, env: FrameId) -> Result<Value, Error> {
        if object.is_undefined() {
            return Ok(Value::Undefined);
        }
        let clone = self.lookup(env, "clone");
        if !clone.is_function() {
            return Err(Error::new("T2013").at(def.position));
        }
        let result = self.apply(&clone, vec![object], &Value::Null, env)?;
        let matches = self.evaluate(&def.pattern, &result, env)?;
        for matched in matches.members() {
            let update = self.evaluate(&def.update, &matched, env)?;
            match &update {
                Value::Undefined => {}
                Value::Object(members) => {
                    if let Value::Object(target) = &matched {
                        let updates: Vec<(Rc<str>, Value)> =
                            members.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        for (k, v) in updates {
                            let v =
                                if contains_object(&v, target) { crate::functions::objects::deep_copy(&v) } else { v };
                            target.borrow_mut().insert(k, v);
                        }
                    }
                }
                other => return Err(Error::new("T2011").at(def.update.position).value(other.to_json_text())),
            }
            if let Some(delete) = &def.delete {
                let deletions = self.evaluate(delete, &matched, env)?;
                if deletions.is_undefined() {
                    continue;
                }
                let names = deletions.members();
                if !deletions.is_array() && deletions.as_str().is_none() || names.iter().any(|n| n.as_str().is_none()) {
                    return Err(Error::new("T2012").at(delete.position).value(deletions.to_json_text()));
                }
                if let Value::Object(target) = &matched {
                    for name in names {
                        if let Some(name) = name.as_str() {
                            target.borrow_mut().shift_remove(name);
                        }
                    }
                }
            }
        }
        Ok(result)
    }
}

/// Whether `value` holds `target` somewhere inside it (an update that would make the object contain itself).
fn contains_object(value: &Value, target: &Rc<crate::value::Object>) -> bool {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Object(o) => Rc::ptr_eq(o, target) || o.borrow().values().any(|v| contains_object(v, target)),
        Value::Array(a) => a.items.iter().any(|v| contains_object(v, target)),
        _ => false,
    })
}
