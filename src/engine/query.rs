//! JSONata in the States Language: evaluating the `{% … %}` expressions of a state's fields (whole values or
//! strings at any depth of `Arguments`, `Output`, `Assign`, `ItemSelector`, `Items`) against `$states`
//! (`input`, `context`, `result`, `errorOutput`), the workflow variables and AWS's added functions, and
//! worded failures as AWS reports them: `States.QueryEvaluationError` naming the failing field.
//!
//! Like the rest of `engine` it reads no clock and no entropy of its own: `$now()` and `$millis()` are the
//! step's time, `$random()` and `$uuid()` derive from the step's entropy and the field evaluated.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use crate::engine::dataflow::Site;
use crate::engine::env::Env;
use crate::engine::error::StateError;
use crate::engine::json::to_text;
use crate::engine::query_functions;

/// The error every JSONata evaluation failure raises.
pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

/// The work one expression may do: a step and nesting budget so no expression can hang or exhaust the node.
const BUDGET: jsonata::Budget = jsonata::Budget { max_steps: 5_000_000, max_depth: 500 };

/// What `$states` holds for one evaluation (its `context` comes from the environment).
#[derive(Clone, Copy)]
pub struct States<'a> {
    /// The state's raw input.
    pub input: &'a Value,
    /// The task, branch or iteration result, once there is one.
    pub result: Option<&'a Value>,
    /// `{"Error", "Cause"}` in a catcher.
    pub error_output: Option<&'a Value>,
}

impl<'a> States<'a> {
    /// `$states` before the state has a result.
    pub fn input(input: &'a Value) -> Self {
        States { input, result: None, error_output: None }
    }
}

/// The expression of a `{% … %}` string, without the delimiters. Only a string that starts and ends with them
/// is an expression (`" {% x %} "` is a literal, as on AWS).
pub fn expression_text(value: &Value) -> Option<&str> {
    value.as_str()?.strip_prefix("{%")?.strip_suffix("%}").map(str::trim)
}

/// A `States.QueryEvaluationError` of the running state.
pub fn evaluation_error(site: Site<'_>, detail: impl std::fmt::Display) -> StateError {
    StateError::new(
        QUERY_EVALUATION_ERROR,
        format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). {detail}",
            site.state, site.entered_event
        ),
    )
}

const FIELD_MARK: &str = "' specified for the field '";

/// The field a query evaluation failure names (the `location` of its `EvaluationFailed` event).
pub fn location_of(error: &StateError) -> Option<&str> {
    let cause = error.cause.as_deref()?;
    let start = cause.rfind(FIELD_MARK)? + FIELD_MARK.len();
    let rest = &cause[start..];
    rest.find('\'').map(|end| &rest[..end])
}

/// A failure naming the expression and the field it was given for.
fn field_error(site: Site<'_>, location: &str, expression: &str, what: impl std::fmt::Display) -> StateError {
    evaluation_error(site, format!("The JSONata expression '{expression}{FIELD_MARK}{location}' {what}"))
}

/// The JSON type name AWS reports for a value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A failure for a field whose expression gave a value of the wrong type.
pub fn unexpected_type(site: Site<'_>, location: &str, expression: &str, expected: &str, value: &Value) -> StateError {
    field_error(
        site,
        location,
        expression,
        format!(
            "returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
            type_name(value),
            to_text(value)
        ),
    )
}

/// Evaluates the field at `location` (`Output`, `Output/key`...), which may hold `{% … %}` strings at any depth;
/// other values are taken literally.
pub fn template(
    location: &str,
    value: &Value,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<Value, StateError> {
    if let Some(expression) = expression_text(value) {
        return evaluate(location, expression, states, env, site);
    }
    match value {
        Value::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (key, member) in members {
                out.insert(key.clone(), template(&format!("{location}/{key}"), member, states, env, site)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| template(&format!("{location}/{i}"), item, states, env, site))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Evaluates an `Assign` block: each member a template; the variables it sets.
pub fn assign(
    block: Option<&Value>,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<Option<Map<String, Value>>, StateError> {
    match block {
        None => Ok(None),
        Some(block) => match template("Assign", block, states, env, site)? {
            Value::Object(values) => Ok(Some(values)),
            _ => Ok(None),
        },
    }
}

/// A seed for `$random()`/`$uuid()` unique to this step position and field.
fn seed(entropy: &str, location: &str) -> u64 {
    query_functions::seed_of(&format!("{entropy}#{location}"))
}

/// Evaluates one expression given for the field at `location`.
pub fn evaluate(
    location: &str,
    expression: &str,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<Value, StateError> {
    let threw = |e: &jsonata::Error| {
        field_error(
            site,
            location,
            expression,
            format!("threw an error during evaluation. {}: {}", e.code, e.message()),
        )
    };
    let parsed = parse(expression).map_err(|e| threw(&e))?;
    let seed = seed(&env.entropy, location);
    let mut environment = jsonata::Environment::new(env.now_ms);
    environment.seed(seed).budget(BUDGET).without("eval");
    for name in parsed.references() {
        if name == "states" {
            environment.bind("states", &states_fields(states, env, &parsed.variable_paths("states")));
        } else if let Some(function) = query_functions::function(&name, seed) {
            environment.function(function);
        } else if let Some(value) = env.scope.lookup(&name) {
            environment.bind(&name, value);
        }
    }
    match parsed.evaluate(None, &environment) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(field_error(site, location, expression, "returned nothing (undefined).")),
        Err(e) if e.code == "U1002" => {
            Err(field_error(site, location, expression, "returned an unsupported result type."))
        }
        Err(e) => Err(threw(&e)),
    }
}

/// Parses an expression, reusing the parse of the same text on this thread (a Map's `ItemSelector` is
/// evaluated once per item).
fn parse(text: &str) -> Result<Rc<jsonata::Expression>, jsonata::Error> {
    thread_local! {
        static PARSED: RefCell<HashMap<String, Rc<jsonata::Expression>>> = RefCell::new(HashMap::new());
    }
    if let Some(parsed) = PARSED.with(|p| p.borrow().get(text).cloned()) {
        return Ok(parsed);
    }
    let parsed = Rc::new(jsonata::Expression::parse(text)?);
    PARSED.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= PARSED_CAPACITY {
            p.clear();
        }
        p.insert(text.to_string(), parsed.clone());
    });
    Ok(parsed)
}

/// How many parsed expressions a thread keeps.
const PARSED_CAPACITY: usize = 512;

/// `$states` holding only the members an expression reads (`$states.context.Map.Item.Value` copies that
/// value, not the whole context).
fn states_fields(states: States<'_>, env: &Env<'_>, paths: &[Vec<String>]) -> Value {
    let mut out = Value::Object(Map::new());
    for path in paths {
        let Some((first, rest)) = path.split_first() else { return states_object(states, env) };
        let source = match first.as_str() {
            "input" => Some(states.input),
            "context" => Some(env.context()),
            "result" => states.result,
            "errorOutput" => states.error_output,
            _ => None,
        };
        if let (Some(source), Value::Object(members)) = (source, &mut out) {
            graft(members.entry(first.clone()).or_insert(Value::Null), source, rest);
        }
    }
    out
}

/// Copies into `target` the part of `source` a field path reads: the whole value where the path ends or meets
/// anything but an object.
fn graft(target: &mut Value, source: &Value, rest: &[String]) {
    let (Some((key, tail)), Value::Object(members)) = (rest.split_first(), source) else {
        *target = source.clone();
        return;
    };
    let Some(child) = members.get(key) else { return };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(copied) = target {
        graft(copied.entry(key.clone()).or_insert(Value::Null), child, tail);
    }
}

/// The value of `$states`.
fn states_object(states: States<'_>, env: &Env<'_>) -> Value {
    let mut object = json!({"input": states.input, "context": env.context()});
    if let Some(result) = states.result {
        object["result"] = result.clone();
    }
    if let Some(error_output) = states.error_output {
        object["errorOutput"] = error_output.clone();
    }
    object
}
