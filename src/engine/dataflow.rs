//! JSONPath data flow of a state: InputPath, payload templates (Parameters, ResultSelector, ItemSelector,
//! Assign), ResultPath and OutputPath.

use serde_json::Map;
use serde_json::Value;

use crate::asl::intrinsic::is_intrinsic;
use crate::asl::intrinsic::IntrinsicCall;
use crate::asl::path::write_reference;
use crate::asl::path::JsonPath;
use crate::asl::path::PathError;
use crate::asl::path::PathRoot;
use crate::asl::state::PathField;
use crate::engine::env::Env;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::intrinsics;
use crate::engine::json::to_text;

/// Identifies the running state in error causes.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub state: &'a str,
    pub entered_event: u64,
}

impl Site<'_> {
    /// A `States.Runtime` error of this state.
    pub fn runtime(&self, detail: impl std::fmt::Display) -> StateError {
        StateError::runtime(self.state, self.entered_event, detail)
    }
}

/// Why reading a path failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    NotFound(PathError),
    UnknownVariable(String),
    Invalid(String),
}

impl From<PathError> for ReadError {
    fn from(error: PathError) -> ReadError {
        match error {
            PathError::NotFound { .. } => ReadError::NotFound(error),
            PathError::TooComplex { .. } => ReadError::Invalid(error.to_string()),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound(e) => write!(f, "{e}"),
            ReadError::UnknownVariable(name) => write!(f, "The variable '{name}' is not defined"),
            ReadError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// Reads a path against the state input, the context object or a variable, by its root.
pub fn read(path: &JsonPath, input: &Value, env: &Env<'_>) -> Result<Value, ReadError> {
    match &path.root {
        PathRoot::Input => path.read(input).map_err(ReadError::from),
        PathRoot::Context => path.read(env.context()).map_err(ReadError::from),
        PathRoot::Variable(name) => {
            let value = env.scope.lookup(name).ok_or_else(|| ReadError::UnknownVariable(name.clone()))?;
            path.read(value).map_err(ReadError::from)
        }
    }
}

/// Parses and reads a path given as text.
pub fn read_text(text: &str, input: &Value, env: &Env<'_>) -> Result<Value, ReadError> {
    let path = JsonPath::parse(text).map_err(ReadError::Invalid)?;
    read(&path, input, env)
}

/// Applies `InputPath`/`OutputPath` (`null` gives `{}`).
pub fn select(field: &PathField, value: &Value, env: &Env<'_>, site: Site<'_>) -> Result<Value, StateError> {
    match field {
        PathField::Default => Ok(value.clone()),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(text) => read_text(text, value, env).map_err(|e| site.runtime(e)),
    }
}

/// Evaluates a payload template: keys ending in `.$` are replaced by the value of their path or intrinsic call.
pub fn template(template: &Value, input: &Value, env: &Env<'_>, site: Site<'_>) -> Result<Value, StateError> {
    match template {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object {
                match (key.strip_suffix(".$"), value) {
                    (Some(name), Value::String(expr)) => {
                        out.insert(name.to_string(), expression(key, expr, input, env, site)?);
                    }
                    _ => {
                        out.insert(key.clone(), template_inner(value, input, env, site)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        other => template_inner(other, input, env, site),
    }
}

fn template_inner(value: &Value, input: &Value, env: &Env<'_>, site: Site<'_>) -> Result<Value, StateError> {
    match value {
        Value::Object(_) => template(value, input, env, site),
        Value::Array(items) => items
            .iter()
            .map(|item| template_inner(item, input, env, site))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Evaluates the string of a `.$` field: an intrinsic call or a path.
pub fn expression(field: &str, expr: &str, input: &Value, env: &Env<'_>, site: Site<'_>) -> Result<Value, StateError> {
    if is_intrinsic(expr) {
        let call = IntrinsicCall::parse(expr).map_err(|e| StateError::new(names::INTRINSIC_FAILURE, e))?;
        return intrinsics::evaluate(&call, input, env).map_err(|e| match e {
            intrinsics::IntrinsicError::Path(detail) => site.runtime(detail),
            intrinsics::IntrinsicError::Failure(cause) => StateError::new(names::INTRINSIC_FAILURE, cause),
        });
    }
    read_text(expr, input, env).map_err(|e| match e {
        ReadError::NotFound(_) => site.runtime(format!(
            "The JSONPath '{expr}' specified for the field '{field}' could not be found in the input '{}'",
            to_text(input)
        )),
        other => site.runtime(other),
    })
}

/// Applies `ResultPath`: `$` (default) replaces, `null` discards the result, a path places it in the input.
pub fn result_path(field: &PathField, raw_input: &Value, result: Value, site: Site<'_>) -> Result<Value, StateError> {
    match field {
        PathField::Default => Ok(result),
        PathField::Null => Ok(raw_input.clone()),
        PathField::Path(text) => {
            let path = JsonPath::parse(text).map_err(|e| site.runtime(e))?;
            write_reference(&path, raw_input.clone(), result)
                .map_err(|cause| StateError::new(names::RESULT_PATH_MATCH_FAILURE, cause))
        }
    }
}
