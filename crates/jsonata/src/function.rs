//! Function values: lambdas with their closures, built-in and host functions, partial applications, regex
//! matchers, transforms and function chains. Owns what a function value holds and its arity; applying one is
//! the evaluator's job.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::OnceLock;

use crate::ast::LambdaDef;
use crate::ast::TransformDef;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::evaluator::FrameId;
use crate::regex_literal::RegexLiteral;
use crate::signature::Signature;
use crate::value::Value;

/// A function value.
pub(crate) enum Function {
    Lambda(Lambda),
    Builtin(&'static Builtin),
    Host(Rc<HostFunction>),
    /// A native function with some arguments fixed; `None` marks a `?` still to be supplied.
    Partial {
        target: Rc<Function>,
        args: Vec<Option<Value>>,
    },
    Regex(Arc<RegexLiteral>),
    /// The `next` of a regex match: the search resumes at byte offset `from` of `text`.
    MatchNext {
        regex: Arc<RegexLiteral>,
        text: Rc<str>,
        from: usize,
    },
    Transform {
        def: Arc<TransformDef>,
        env: FrameId,
    },
    /// `f ~> g` for two functions: `g(f(x))`.
    Chain {
        first: Value,
        second: Value,
    },
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Function::Lambda(_) => write!(f, "lambda"),
            Function::Builtin(b) => write!(f, "${}", b.name),
            Function::Host(h) => write!(f, "${}", h.name),
            Function::Partial { .. } => write!(f, "partial"),
            Function::Regex(r) => write!(f, "/{}/", r.source),
            Function::MatchNext { .. } => write!(f, "next"),
            Function::Transform { .. } => write!(f, "transform"),
            Function::Chain { .. } => write!(f, "chain"),
        }
    }
}

/// A lambda with its closure: the context value and frame it was defined in.
pub(crate) struct Lambda {
    pub(crate) def: Arc<LambdaDef>,
    pub(crate) input: Value,
    pub(crate) env: FrameId,
    /// The parameters still open after a partial application (then without a signature).
    pub(crate) open_params: Option<Vec<Arc<str>>>,
}

impl Lambda {
    pub(crate) fn params(&self) -> &[Arc<str>] {
        self.open_params.as_deref().unwrap_or(&self.def.params)
    }
}

/// What a built-in receives besides its arguments.
pub(crate) struct CallSite {
    /// The context value of the call.
    pub(crate) input: Value,
    pub(crate) env: FrameId,
}

/// A built-in function's implementation.
pub(crate) type BuiltinFn = fn(&mut Evaluator, &CallSite, Vec<Value>) -> Result<Value, Error>;

/// A function of JSONata's library.
pub(crate) struct Builtin {
    pub(crate) name: &'static str,
    pub(crate) signature: &'static str,
    /// How many arguments higher-order functions pass it (JavaScript's declared parameter count).
    pub(crate) arity: usize,
    pub(crate) call: BuiltinFn,
    pub(crate) parsed: OnceLock<Option<Signature>>,
}

impl Builtin {
    pub(crate) const fn new(name: &'static str, signature: &'static str, arity: usize, call: BuiltinFn) -> Self {
        Self { name, signature, arity, call, parsed: OnceLock::new() }
    }

    pub(crate) fn signature(&self) -> Option<&Signature> {
        self.parsed.get_or_init(|| Signature::parse(self.signature).ok()).as_ref()
    }
}

/// The implementation of a host function: JSON arguments (`None` for undefined) to a JSON result.
pub type HostCall = dyn Fn(&[Option<serde_json::Value>]) -> Result<Option<serde_json::Value>, Error>;

/// A function the embedding application adds to the language.
pub struct HostFunction {
    pub(crate) name: String,
    pub(crate) signature: Signature,
    pub(crate) arity: usize,
    pub(crate) call: Box<HostCall>,
}

impl HostFunction {
    /// A function `$name` checked against `signature` (JSONata syntax, e.g. `<a<j>n:a>`) before each call.
    /// `arity` is how many arguments higher-order functions such as `$map` pass it.
    pub fn new(
        name: impl Into<String>,
        signature: &str,
        arity: usize,
        call: impl Fn(&[Option<serde_json::Value>]) -> Result<Option<serde_json::Value>, Error> + 'static,
    ) -> Result<Self, Error> {
        Ok(Self { name: name.into(), signature: Signature::parse(signature)?, arity, call: Box::new(call) })
    }
}

impl Function {
    /// How many arguments higher-order functions pass this function.
    pub(crate) fn arity(&self) -> usize {
        match self {
            Function::Lambda(l) => l.params().len(),
            Function::Builtin(b) => b.arity,
            Function::Host(h) => h.arity,
            Function::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
            Function::Regex(_) => 2,
            Function::MatchNext { .. } => 0,
            Function::Transform { .. } | Function::Chain { .. } => 1,
        }
    }
}
