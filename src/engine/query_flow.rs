//! The data flow of JSONata states: `Arguments` shape what a state works on, `Output` what it passes on
//! (by default its input, or its result once it has one), `Assign` the variables it sets; Choice
//! `Condition`s, Wait `Seconds`/`Timestamp`, Fail `Error`/`Cause` and the numeric fields may be expressions.
//! Evaluation itself is [`crate::engine::query`]'s.

use serde_json::Map;
use serde_json::Value;

use crate::asl::choice::Condition;
use crate::asl::state::Choice;
use crate::asl::state::Dynamic;
use crate::asl::state::Fail;
use crate::asl::state::Wait;
use crate::asl::State;
use crate::engine::dataflow::Site;
use crate::engine::env::Env;
use crate::engine::error::names;
use crate::engine::error::StateError;
use crate::engine::query;
use crate::engine::query::expression_text;
use crate::engine::query::States;
use crate::engine::work::timestamp_ms;

/// The output a state leaves with and the variables it assigns.
pub type Leaving = (Value, Option<Map<String, Value>>);

/// The variables a state assigns and the output it leaves with (`default` when it has no `Output`).
pub fn leave(
    assign: Option<&Value>,
    output: Option<&Value>,
    default: &Value,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<Leaving, StateError> {
    let assigned = query::assign(assign, states, env, site)?;
    let output = match output {
        Some(template) => query::template("Output", template, states, env, site)?,
        None => default.clone(),
    };
    Ok((output, assigned))
}

/// What a state works on: its `Arguments`, or its input.
pub fn arguments(state: &State, states: States<'_>, env: &Env<'_>, site: Site<'_>) -> Result<Value, StateError> {
    match &state.arguments {
        Some(arguments) => query::template("Arguments", arguments, states, env, site),
        None => Ok(states.input.clone()),
    }
}

/// Leaving a state that has a result: `$states.result` visible, the result is the default output.
pub fn shape_output(
    state: &State,
    input: &Value,
    result: &Value,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<Leaving, StateError> {
    let states = States { input, result: Some(result), error_output: None };
    leave(state.assign.as_ref(), state.output.as_ref(), result, states, env, site)
}

/// The rule a Choice takes: its output and variables, and the next state.
pub fn choose(
    state: &State,
    choice: &Choice,
    input: &Value,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<(Leaving, String), StateError> {
    let states = States::input(input);
    for rule in &choice.choices {
        let Condition::Expression(condition) = &rule.condition else { continue };
        let taken = match query::template("Condition", condition, states, env, site)? {
            Value::Bool(b) => b,
            other => {
                let text = expression_text(condition).unwrap_or_default();
                return Err(query::unexpected_type(site, "Condition", text, "boolean", &other));
            }
        };
        if taken {
            let leaving = leave(rule.assign.as_ref(), rule.output.as_ref(), input, states, env, site)?;
            return Ok((leaving, rule.next.clone()));
        }
    }
    let Some(default) = &choice.default else {
        return Err(StateError::new(names::NO_CHOICE_MATCHED, format!("No Matches! (state '{}')", state.name)));
    };
    let leaving = leave(state.assign.as_ref(), state.output.as_ref(), input, states, env, site)?;
    Ok((leaving, default.clone()))
}

/// A non-negative integer field (`TimeoutSeconds`, `MaxConcurrency`, Wait `Seconds`...).
pub fn integer(
    field: &str,
    dynamic: &Dynamic<u64>,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<u64, StateError> {
    match dynamic {
        Dynamic::Literal(n) => Ok(*n),
        Dynamic::Path(_) => Err(site.runtime(format!("The field '{field}' cannot be a path in a JSONata state"))),
        Dynamic::Expression(text) => {
            let expression = expression_text(&Value::String(text.clone())).unwrap_or(text).to_string();
            let value = query::evaluate(field, &expression, states, env, site)?;
            match value.as_f64() {
                Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 => Ok(n as u64),
                _ => Err(query::unexpected_type(site, field, &expression, "integer", &value)),
            }
        }
    }
}

/// When a JSONata Wait state's timer is due.
pub fn wait_due(
    wait: &Wait,
    now_ms: i64,
    states: States<'_>,
    env: &Env<'_>,
    site: Site<'_>,
) -> Result<i64, StateError> {
    match wait {
        Wait::Seconds(seconds) => Ok(now_ms + integer("Seconds", seconds, states, env, site)? as i64 * 1000),
        Wait::Timestamp(Dynamic::Literal(text)) => Ok(timestamp_ms(text).unwrap_or(now_ms)),
        Wait::Timestamp(Dynamic::Expression(text)) => {
            let expression = expression_text(&Value::String(text.clone())).unwrap_or(text).to_string();
            let value = query::evaluate("Timestamp", &expression, states, env, site)?;
            match value.as_str().and_then(timestamp_ms) {
                Some(due) => Ok(due),
                None if value.is_string() => Err(query::evaluation_error(
                    site,
                    format!(
                        "The JSONata expression '{expression}' specified for the field 'Timestamp' returned a value \
                         that is not a valid ISO-8601 extended offset date-time format string: {}",
                        value.as_str().unwrap_or_default()
                    ),
                )),
                None => Err(query::unexpected_type(site, "Timestamp", &expression, "string", &value)),
            }
        }
        Wait::Timestamp(Dynamic::Path(_)) => {
            Err(site.runtime("The field 'TimestampPath' cannot be used in a JSONata state"))
        }
    }
}

/// The error a JSONata Fail state raises.
pub fn fail_error(fail: &Fail, states: States<'_>, env: &Env<'_>, site: Site<'_>) -> StateError {
    let read = |field: &Option<Dynamic<String>>, name: &str| -> Result<Option<String>, StateError> {
        match field {
            None => Ok(None),
            Some(Dynamic::Literal(s)) => Ok(Some(s.clone())),
            Some(Dynamic::Path(_)) => {
                Err(site.runtime(format!("The field '{name}Path' cannot be used in a JSONata state")))
            }
            Some(Dynamic::Expression(text)) => {
                let expression = expression_text(&Value::String(text.clone())).unwrap_or(text).to_string();
                match query::evaluate(name, &expression, states, env, site)? {
                    Value::String(s) => Ok(Some(s)),
                    other => Err(query::unexpected_type(site, name, &expression, "string", &other)),
                }
            }
        }
    };
    match (read(&fail.error, "Error"), read(&fail.cause, "Cause")) {
        (Ok(error), Ok(cause)) => StateError { error, cause },
        (Err(e), _) | (_, Err(e)) => e,
    }
}
