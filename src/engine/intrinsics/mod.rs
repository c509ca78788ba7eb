//! Evaluation of intrinsic functions. Failures become `States.IntrinsicFailure`. States.UUID and
//! States.MathRandom draw on pseudo-randomness derived from the execution (never from a system source), so a
//! replayed step gives the same answer.

mod functions;

pub use functions::digest_hex;

use serde_json::Value;

use crate::asl::intrinsic::IntrinsicArg;
use crate::asl::intrinsic::IntrinsicCall;
use crate::engine::dataflow::read;
use crate::engine::env::Env;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum IntrinsicError {
    /// A path argument selected nothing (a `States.Runtime` failure).
    Path(String),
    /// The function rejected its arguments.
    Failure(String),
}

/// Evaluates `call` against the state input and environment.
pub fn evaluate(call: &IntrinsicCall, input: &Value, env: &Env<'_>) -> Result<Value, IntrinsicError> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(argument(arg, input, env)?);
    }
    functions::apply(&call.name, &args, env).map_err(IntrinsicError::Failure)
}

fn argument(arg: &IntrinsicArg, input: &Value, env: &Env<'_>) -> Result<Value, IntrinsicError> {
    Ok(match arg {
        IntrinsicArg::String(s) => Value::String(s.clone()),
        IntrinsicArg::Number(n) => Value::Number(n.clone()),
        IntrinsicArg::Bool(b) => Value::Bool(*b),
        IntrinsicArg::Null => Value::Null,
        IntrinsicArg::Path(path) => read(path, input, env).map_err(|e| IntrinsicError::Path(e.to_string()))?,
        IntrinsicArg::Call(inner) => evaluate(inner, input, env)?,
    })
}

#[cfg(test)]
mod tests;
